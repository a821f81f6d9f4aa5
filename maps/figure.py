"""Print-ready map sheets (PNG, PDF, SVG) for plan documents, drawn with matplotlib.

A sheet has the map in the area's metric CRS (so the scale bar is true), a hillshade
under the layers, a title block (title, village or area, date, organisation), a
legend, the coverage figures as a small before/after table, a scale bar in metres
with the representative fraction, a north arrow and the data credit. Text is set in
Noto Sans CJK (Debian ``fonts-noto-cjk``) and stays text in PDF and SVG.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import matplotlib as mpl

mpl.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib import font_manager
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrow, Patch, Rectangle

from gis.candidates import Weights
from gis.context import EXISTING, WITH_PLANNED, Context
from gis.coverage import household_coverage, lighting_coverage
from gis.proximity import TRUNK_CLASSES, corridor
from layers.schema import ROAD_CLASSES
from layers.settings import get_settings
from maps import style
from maps.hillshade import area_hillshade
from maps.style import Lang, top_label, word
from maps.views import format_figure, ranked_villages, summary_rows

Paper = Literal["A4", "A3"]
Orientation = Literal["portrait", "landscape"]
PAPER_MM: dict[str, tuple[float, float]] = {"A4": (210.0, 297.0), "A3": (297.0, 420.0)}
CREDIT = ("地图数据 © OpenStreetMap contributors (ODbL 1.0); 高程: NASA/USGS SRTM (public domain)",
          "Map data © OpenStreetMap contributors (ODbL 1.0); elevation: NASA/USGS SRTM "
          "(public domain)")
_CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Serif CJK SC")


def cjk_font() -> str | None:
    """The installed CJK font family matplotlib will use (None when none is installed)."""
    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((f for f in _CJK_FAMILIES if f in names), None)


def _rc() -> dict[str, Any]:
    family = cjk_font()
    return {
        "font.family": [family, "DejaVu Sans"] if family else ["DejaVu Sans"],
        "pdf.fonttype": 42, "ps.fonttype": 42, "svg.fonttype": "none",
        "axes.unicode_minus": False,
    }


def paper_size_mm(paper: Paper, orientation: Orientation) -> tuple[float, float]:
    """(width, height) of the sheet in millimetres."""
    short, long_ = PAPER_MM[paper]
    return (long_, short) if orientation == "landscape" else (short, long_)


def _nice_length(max_m: float) -> float:
    """The largest 1/2/5 × 10ⁿ metres not above ``max_m``."""
    exp = 10 ** math.floor(math.log10(max_m))
    return float(max(m * exp for m in (1, 2, 5, 10) if m * exp <= max_m))


def _scale_bar(ax: Any, lang: Lang, map_width_m: float, axes_width_mm: float) -> None:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = _nice_length((x1 - x0) / 4)
    bx, by = x0 + (x1 - x0) * 0.04, y0 + (y1 - y0) * 0.05
    h = (y1 - y0) * 0.012
    for k in range(4):
        ax.add_patch(Rectangle((bx + k * length / 4, by), length / 4, h,
                               facecolor="black" if k % 2 == 0 else "white",
                               edgecolor="black", lw=0.6, zorder=20))
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    for x, t in ((bx, "0"), (bx + length, label)):
        ax.text(x, by + h * 1.6, t, ha="center", va="bottom", fontsize=7, zorder=20)
    denominator = map_width_m / (axes_width_mm / 1000.0)
    ax.text(bx, by - h * 1.2, f"{word('scale', lang)} 1:{_round_scale(denominator):,}",
            ha="left", va="top", fontsize=7, zorder=20)


def _round_scale(n: float) -> int:
    exp = 10 ** max(math.floor(math.log10(n)) - 1, 0)
    return int(round(n / exp) * exp)


def _north_arrow(ax: Any, lang: Lang) -> None:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    x, y = x1 - (x1 - x0) * 0.05, y1 - (y1 - y0) * 0.13
    length = (y1 - y0) * 0.07
    ax.add_patch(FancyArrow(x, y, 0, length, width=length * 0.18, head_width=length * 0.45,
                            head_length=length * 0.45, length_includes_head=True,
                            color="black", zorder=20))
    ax.text(x, y + length * 1.08, word("north", lang), ha="center", va="bottom", fontsize=10,
            fontweight="bold", zorder=20)


def _frame_extent(ax: Any, bounds: tuple[float, float, float, float]) -> tuple[float, float]:
    """Widen bounds to the axes' aspect; return the map width (m) and axes width (mm)."""
    x0, y0, x1, y1 = bounds
    pos = ax.get_position()
    fig_w, fig_h = ax.figure.get_size_inches()
    ax_w_mm, ax_h_mm = pos.width * fig_w * 25.4, pos.height * fig_h * 25.4
    w, h = x1 - x0, y1 - y0
    if w / h < ax_w_mm / ax_h_mm:
        grow = h * ax_w_mm / ax_h_mm - w
        x0, x1 = x0 - grow / 2, x1 + grow / 2
    else:
        grow = w * ax_h_mm / ax_w_mm - h
        y0, y1 = y0 - grow / 2, y1 + grow / 2
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    return x1 - x0, ax_w_mm


def _plot(ax: Any, frame: gpd.GeoDataFrame, **kw: Any) -> None:
    if len(frame):
        frame.plot(ax=ax, **kw)


def _draw_layers(ax: Any, ctx: Context, statuses: tuple[str, ...], margin: float,
                 legend: list[Any], lang: Lang, road_classes: tuple[str, ...] = ROAD_CLASSES
                 ) -> None:
    zones = ctx.layer("zones", statuses, margin)
    for cls, colour in style.ZONE_COLOUR.items():
        part = zones[zones["class"] == cls]
        if len(part):
            _plot(ax, part, color=colour, alpha=0.35, zorder=2)
            legend.append(Patch(facecolor=colour, alpha=0.5, label=word(cls, lang)))
    drains = ctx.layer("drainage", statuses, margin)
    if len(drains):
        covered = drains["covered"].astype(bool)
        _plot(ax, drains[~covered], color=style.DRAIN_OPEN, lw=1.0, zorder=3)
        _plot(ax, drains[covered], color=style.DRAIN_COVERED, lw=1.0, ls="--", zorder=3)
        legend.append(Line2D([], [], color=style.DRAIN_OPEN, lw=1.2,
                             label=word("drainage", lang)))
    roads = ctx.layer("roads", statuses, margin)
    for cls in reversed(road_classes):
        colour, width = style.ROAD_STYLE[cls]
        part = roads[roads["class"] == cls]
        if len(part):
            planned = (part["status"] == "planned").to_numpy()
            _plot(ax, part[~planned], color=colour, lw=width * 0.45, zorder=4)
            _plot(ax, part[planned], color=colour, lw=width * 0.45, ls="--", zorder=4)
            legend.append(Line2D([], [], color=colour, lw=width * 0.5, label=word(cls, lang)))
    rails = ctx.layer("railways", statuses, margin)
    if len(rails):
        _plot(ax, rails, color=style.RAIL_COLOUR, lw=1.6, ls="--", zorder=5)
        legend.append(Line2D([], [], color=style.RAIL_COLOUR, lw=1.6, ls=(0, (6, 3)),
                             label=word("railways", lang)))


def _hillshade(ax: Any, ctx: Context) -> None:
    shade = area_hillshade(ctx.engine, ctx.area, crs=f"EPSG:{ctx.epsg}")
    if shade is None:
        return
    left, bottom, right, top = shade.bounds
    ax.imshow(np.ma.masked_invalid(shade.image), cmap="gray", vmin=0, vmax=255,
              extent=(left, right, bottom, top), alpha=0.45, zorder=0, interpolation="bilinear")


def _title_block(fig: Any, rect: tuple[float, float, float, float], title: str, subject: str,
                 lang: Lang) -> None:
    ax = fig.add_axes(rect)
    ax.set_axis_off()
    ax.add_patch(Rectangle((0, 0), 1, 1, fill=False, lw=1.0, transform=ax.transAxes))
    org = get_settings().organisation
    lines = [(title, 13, "bold"), (subject, 10, "normal"),
             (f"{word('date', lang)}: {dt.date.today().isoformat()}", 8, "normal")]
    if org:
        lines.append((f"{word('author', lang)}: {org}", 8, "normal"))
    y = 0.85
    for text, size, weight in lines:
        ax.text(0.05, y, text, fontsize=size, fontweight=weight, va="top", wrap=True)
        y -= 0.2 if size > 9 else 0.15


def _table(fig: Any, rect: tuple[float, float, float, float], rows: list[tuple[str, Any, Any]],
           lang: Lang, header: str | None = None) -> None:
    ax = fig.add_axes(rect)
    ax.set_axis_off()

    has_after = any(r[2] is not None for r in rows)
    cells = [[k, format_figure(k, a)] + ([format_figure(k, b)] if has_after else [])
             for k, a, b in rows]
    first = header or word("before" if has_after else "value", lang)
    cols = ["", first] + ([word("after", lang)] if has_after else [])
    if len(rows) > 6:  # a long list (a ranking) fills its box exactly
        table = ax.table(cellText=cells, colLabels=cols, bbox=(0, 0, 1, 1), cellLoc="right")
        table.auto_set_font_size(False)
        table.set_fontsize(7.0)
        return
    table = ax.table(cellText=cells, colLabels=cols, loc="upper center", cellLoc="right")
    table.auto_set_font_size(False)
    table.set_fontsize(7.5)
    table.scale(1, 1.3)


def render_figure(
    ctx: Context, output: Path, *,
    kind: Literal["village", "corridor", "overview", "candidates"] = "village",
    view: Literal["layout", "lights", "garbage"] = "layout", paper: Paper = "A4",
    orientation: Orientation = "landscape", dpi: int = 200, lang: Lang = "zh",
    include_planned: bool = True, distance: float = 500.0, top: int = 10,
    weights: Weights | None = None,
) -> Path:
    """Draw a map sheet to ``output`` (.png, .pdf or .svg; size of the paper at ``dpi``).

    Parameters
    ----------
    ctx
        One village (kind ``village``) or an area's villages (``corridor``, ``overview``).
    output
        The file to write; its suffix chooses the format.
    kind
        ``village`` sheet, ``corridor`` selection, ``overview`` (villages by lit share)
        or ``candidates`` (villages by candidate score, the best ``top`` numbered).
    view
        For a village: ``layout``, ``lights`` or ``garbage`` coverage.
    paper, orientation, dpi
        Sheet size (A4/A3), orientation and raster resolution (dots per inch).
    lang
        Labels in Chinese (``zh``) or English (``en``).
    include_planned
        Draw planned features and report the figures with them (before/after).
    distance
        Corridor half-width, metres (kind ``corridor``).
    top, weights
        How many candidates, and the weights of the ranking (kind ``candidates``).
    """
    suffix = output.suffix.lower()
    if suffix not in (".png", ".pdf", ".svg"):
        from layers.errors import VgisError

        raise VgisError(f"{output.name}: a figure is .png, .pdf or .svg")
    w_mm, h_mm = paper_size_mm(paper, orientation)
    statuses = WITH_PLANNED if include_planned else EXISTING
    with mpl.rc_context(_rc()):  # type: ignore[arg-type]
        fig = plt.figure(figsize=(w_mm / 25.4, h_mm / 25.4), dpi=dpi)
        side = 0.27 if orientation == "landscape" else 0.0
        map_rect = (0.03, 0.06, 0.94 - side, 0.9) if side else (0.05, 0.32, 0.9, 0.64)
        ax = fig.add_axes(map_rect)
        ax.set_xticks([])
        ax.set_yticks([])
        legend: list[Any] = []
        rows: list[tuple[str, Any, Any]] = []
        header: str | None = None
        if kind == "village":
            village = ctx.villages.iloc[[0]]
            subject = f"{village['name'].iloc[0]} ({ctx.area})"
            title = word({"layout": "village_layout", "lights": "lights_map",
                          "garbage": "garbage_map"}[view], lang)
            margin = 120.0
            x0, y0, x1, y1 = village.total_bounds
            width_m, ax_w_mm = _frame_extent(ax, (x0 - margin, y0 - margin, x1 + margin,
                                                  y1 + margin))
            _hillshade(ax, ctx)
            _draw_layers(ax, ctx, statuses, margin * 3, legend, lang)
            buildings = ctx.layer("buildings", statuses, margin * 3)
            _plot(ax, buildings, color=style.BUILDING_FILL, edgecolor=style.BUILDING_EDGE,
                  lw=0.2, zorder=6)
            legend.append(Patch(facecolor=style.BUILDING_FILL, edgecolor=style.BUILDING_EDGE,
                                label=word("buildings", lang)))
            if view == "lights":
                cov = lighting_coverage(ctx, include_planned=include_planned)[0]
                lights = ctx.layer("lights", statuses, margin * 3)
                _plot(ax, lights.set_geometry(lights.buffer(cov.params["radius_m"])),
                      color=style.LIGHT_COLOUR, alpha=0.3, lw=0, zorder=7)
                _plot(ax, lights, color=style.LIGHT_COLOUR, markersize=4, zorder=9)
                gaps = cov.layers["unlit_gaps"].to_crs(ctx.epsg)
                _plot(ax, gaps, color=style.GAP_COLOUR, lw=2.0, zorder=8)
                new = cov.layers["proposed_lights"].to_crs(ctx.epsg)
                _plot(ax, new, facecolor="none", edgecolor=style.PROPOSED_COLOUR,
                      markersize=10, lw=0.8, zorder=9)
                legend += [Patch(facecolor=style.LIGHT_COLOUR, alpha=0.4,
                                 label=word("light_reach", lang)),
                           Line2D([], [], color=style.GAP_COLOUR, lw=2,
                                  label=word("unlit_gaps", lang)),
                           Line2D([], [], marker="o", ls="", mfc="none",
                                  mec=style.PROPOSED_COLOUR, label=word("proposed_lights", lang))]
                rows = summary_rows(cov, lang)
            elif view == "garbage":
                cov = household_coverage(ctx, include_planned=include_planned)[0]
                unserved = cov.layers["unserved_buildings"].to_crs(ctx.epsg)
                _plot(ax, unserved, color=style.UNSERVED, lw=0, zorder=7)
                garbage = ctx.layer("garbage", statuses, margin * 3)
                serving = garbage[garbage["class"].isin(cov.params["classes"])]
                _plot(ax, serving.set_geometry(serving.buffer(cov.params["radius_m"])),
                      facecolor="#9ecae1", alpha=0.25, edgecolor="#3182bd", lw=0.5, zorder=7)
                _plot(ax, garbage, color=style.GARBAGE_COLOUR["bin"], markersize=8, zorder=9)
                new = cov.layers["proposed_points"].to_crs(ctx.epsg)
                _plot(ax, new, facecolor="none", edgecolor=style.PROPOSED_COLOUR,
                      markersize=18, lw=1.0, zorder=9)
                legend += [Patch(facecolor=style.UNSERVED, label=word("unserved", lang)),
                           Patch(facecolor="#9ecae1", alpha=0.5,
                                 label=f"{word('service_area', lang)} "
                                       f"{cov.params['radius_m']:g} m"),
                           Line2D([], [], marker="o", ls="", color=style.GARBAGE_COLOUR["bin"],
                                  label=word("garbage", lang)),
                           Line2D([], [], marker="o", ls="", mfc="none",
                                  mec=style.PROPOSED_COLOUR, label=word("proposed_points", lang))]
                rows = summary_rows(cov, lang)
            _plot(ax, village.boundary, color=style.VILLAGE_EDGE, lw=1.6, ls="--", zorder=10)
            legend.append(Line2D([], [], color=style.VILLAGE_EDGE, lw=1.6, ls="--",
                                 label=word("villages", lang)))
        elif kind == "overview":
            subject = ctx.area
            title = word("overview_map", lang)
            values = {c.village_id: c.figures["lit_share"]
                      for c in lighting_coverage(ctx, details=False)}
            share = np.array([values.get(int(i)) if values.get(int(i)) is not None else np.nan
                              for i in ctx.villages["id"]], dtype=float)
            width_m, ax_w_mm = _frame_extent(ax, tuple(ctx.villages.total_bounds))
            _hillshade(ax, ctx)
            ramp = ("#d7191c", "#fdae61", "#ffffbf", "#a6d96a", "#1a9641")
            for k, colour in enumerate(ramp):
                pick = (share >= k / 5) & ((share < (k + 1) / 5) | ((k == 4) & (share <= 1)))
                _plot(ax, ctx.villages[pick], color=colour, alpha=0.55, edgecolor="#444",
                      lw=0.5, zorder=2)
                legend.append(Patch(facecolor=colour, alpha=0.7,
                                    label=f"{word('lit_share', lang)} {k * 20}–{(k + 1) * 20}%"))
            _plot(ax, ctx.villages[np.isnan(share)], color="#cccccc", alpha=0.5,
                  edgecolor="#444", lw=0.5, zorder=2)
            _draw_layers(ax, ctx, EXISTING, 0.0, legend, lang, ROAD_CLASSES[:6])
            for name, p in zip(ctx.villages["name"], ctx.villages.representative_point(),
                               strict=True):
                ax.text(p.x, p.y, name, fontsize=6, ha="center", zorder=12)
            rows = [(word("villages", lang), len(ctx.villages), None),
                    (word("lit_share", lang) + " (median)",
                     float(np.nanmedian(share)) if np.isfinite(share).any() else None, None)]
        elif kind == "candidates":
            subject = ctx.area
            title = word("candidates_map", lang)
            villages, result = ranked_villages(ctx, top=top, weights=weights)
            score = villages["score"].to_numpy(dtype=float, na_value=np.nan)
            width_m, ax_w_mm = _frame_extent(ax, tuple(ctx.villages.total_bounds))
            _hillshade(ax, ctx)
            ramp = ("#d7191c", "#fdae61", "#ffffbf", "#a6d96a", "#1a9641")
            for k, colour in enumerate(ramp):
                pick = (score >= k * 20) & ((score < (k + 1) * 20) | ((k == 4) & (score <= 100)))
                _plot(ax, villages[pick], color=colour, alpha=0.55, edgecolor="#444",
                      lw=0.5, zorder=2)
                legend.append(Patch(facecolor=colour, alpha=0.7,
                                    label=f"{word('score', lang)} {k * 20}–{(k + 1) * 20}"))
            _plot(ax, villages[np.isnan(score)], color="#cccccc", alpha=0.5,
                  edgecolor="#444", lw=0.5, zorder=2)
            _draw_layers(ax, ctx, EXISTING, 0.0, legend, lang, TRUNK_CLASSES)
            best = villages[villages["rank"].notna() & (villages["rank"] <= top)]
            _plot(ax, best.boundary, color="#6a00a8", lw=1.8, zorder=11)
            legend.append(Line2D([], [], color="#6a00a8", lw=1.8,
                                 label=top_label(top, lang)))
            for rank, p in zip(best["rank"], best.representative_point(), strict=True):
                ax.text(p.x, p.y, str(int(rank)), fontsize=8, fontweight="bold", ha="center",
                        va="center", color="white", zorder=13,
                        bbox={"boxstyle": "circle,pad=0.25", "fc": "#6a00a8", "ec": "none"})
            rows = [(f"{c['rank']}. {c['village']}", c["score"], None)
                    for c in result["candidates"]]
            header = word("score", lang)
        else:
            subject = ctx.area
            title = word("corridor_map", lang)
            found = corridor(ctx, distance=distance)
            inside = {r["village_id"] for r in found if r["in_corridor"]}
            width_m, ax_w_mm = _frame_extent(ax, tuple(ctx.villages.total_bounds))
            _hillshade(ax, ctx)
            flag = ctx.villages["id"].isin(inside).to_numpy()
            _plot(ax, ctx.villages[flag], color="#d73027", alpha=0.35, edgecolor="#555",
                  lw=0.4, zorder=2)
            _plot(ax, ctx.villages[~flag], color="#91bfdb", alpha=0.3, edgecolor="#555",
                  lw=0.4, zorder=2)
            _draw_layers(ax, ctx, EXISTING, distance, legend, lang, TRUNK_CLASSES)
            chosen = ctx.villages[flag]
            for name, p in zip(chosen["name"], chosen.representative_point(), strict=True):
                ax.text(p.x, p.y, name, fontsize=6, ha="center", zorder=12)
            legend += [Patch(facecolor="#d73027", alpha=0.5, label=word("in_corridor", lang)),
                       Patch(facecolor="#91bfdb", alpha=0.5, label=word("outside", lang))]
            rows = [(word("in_corridor", lang), len(inside), None),
                    (word("outside", lang), len(ctx.villages) - len(inside), None),
                    (word("distance_m", lang), distance, None)]
        ax.set_xlabel("")
        ax.set_ylabel("")
        _scale_bar(ax, lang, width_m, ax_w_mm)
        _north_arrow(ax, lang)
        fig.text(0.03, 0.015, CREDIT[0 if lang == "zh" else 1], fontsize=6.5, color="#444")
        if side:
            _title_block(fig, (1 - side, 0.80, side - 0.03, 0.16), title, subject, lang)
            long = len(rows) > 6
            leg_ax = fig.add_axes((1 - side, 0.52 if long else 0.30, side - 0.03,
                                   0.26 if long else 0.48))
            if rows:
                _table(fig, (1 - side, 0.06, side - 0.03, 0.42 if long else 0.22), rows, lang,
                       header)
        else:
            _title_block(fig, (0.05, 0.2, 0.4, 0.1), title, subject, lang)
            leg_ax = fig.add_axes((0.5, 0.04, 0.45, 0.26))
            if rows:
                _table(fig, (0.05, 0.04, 0.4, 0.15), rows, lang, header)
        leg_ax.set_axis_off()
        leg_ax.legend(handles=legend, loc="upper left", fontsize=7.5, frameon=True,
                      title=word("legend", lang), title_fontsize=9, ncol=1)
        output.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(output, dpi=dpi, format=suffix[1:])
        plt.close(fig)
    return output
