"""The furniture of a print sheet: paper, map frame, title block, legend, table, scale, north.

A sheet is drawn with matplotlib: the map in the area's metric CRS (so the scale bar is
true) with a hillshade under the layers, and around it the title block (title,
village or area, date, ``VGIS_ORGANISATION``), the legend, a before/after table, a
scale bar in metres with the representative fraction, a north arrow and the data
credit. Text is set in Noto Sans CJK (Debian ``fonts-noto-cjk``) and stays text in
PDF and SVG.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
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

from gis.context import Context
from layers.errors import VgisError
from layers.runtime.settings import get_settings
from layers.schema import ROAD_CLASSES
from maps import style
from maps.hillshade import area_hillshade
from maps.style import Lang, word
from maps.views import format_figure

Paper = Literal["A4", "A3"]
Orientation = Literal["portrait", "landscape"]
PAPER_MM: dict[str, tuple[float, float]] = {"A4": (210.0, 297.0), "A3": (297.0, 420.0)}
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


def nice_length(max_m: float) -> float:
    """The largest 1/2/5 × 10ⁿ metres not above ``max_m``."""
    exp = 10 ** math.floor(math.log10(max_m))
    return float(max(m * exp for m in (1, 2, 5, 10) if m * exp <= max_m))


def scale_bar(ax: Any, lang: Lang, map_width_m: float, axes_width_mm: float) -> None:
    """A scale bar of a round length in metres, and the representative fraction 1:N."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = nice_length((x1 - x0) / 4)
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
    ax.text(bx, by - h * 1.2, f"{word('scale', lang)} 1:{round_scale(denominator):,}",
            ha="left", va="top", fontsize=7, zorder=20)


def round_scale(n: float) -> int:
    """A scale denominator rounded to two significant figures."""
    exp = 10 ** max(math.floor(math.log10(n)) - 1, 0)
    return int(round(n / exp) * exp)


def north_arrow(ax: Any, lang: Lang) -> None:
    """A north arrow in the top right of the map (the metric CRS is north-up)."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    x, y = x1 - (x1 - x0) * 0.05, y1 - (y1 - y0) * 0.13
    length = (y1 - y0) * 0.07
    ax.add_patch(FancyArrow(x, y, 0, length, width=length * 0.18, head_width=length * 0.45,
                            head_length=length * 0.45, length_includes_head=True,
                            color="black", zorder=20))
    ax.text(x, y + length * 1.08, word("north", lang), ha="center", va="bottom", fontsize=10,
            fontweight="bold", zorder=20)


def frame_extent(ax: Any, bounds: tuple[float, float, float, float]) -> tuple[float, float]:
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


def plot(ax: Any, frame: gpd.GeoDataFrame, **kw: Any) -> None:
    """Plot a frame unless it is empty (GeoPandas refuses empty frames with some styles)."""
    if len(frame):
        frame.plot(ax=ax, **kw)


def draw_layers(ax: Any, ctx: Context, statuses: tuple[str, ...], margin: float,
                legend: list[Any], lang: Lang, road_classes: tuple[str, ...] = ROAD_CLASSES,
                *, railways: bool = True) -> None:
    """Zones, drainage, roads of ``road_classes`` and railways within ``margin`` metres."""
    zones = ctx.layer("zones", statuses, margin)
    for cls, colour in style.ZONE_COLOUR.items():
        part = zones[zones["class"] == cls]
        if len(part):
            plot(ax, part, color=colour, alpha=0.35, zorder=2)
            legend.append(Patch(facecolor=colour, alpha=0.5, label=word(cls, lang)))
    drains = ctx.layer("drainage", statuses, margin)
    if len(drains):
        covered = drains["covered"].astype(bool)
        plot(ax, drains[~covered], color=style.DRAIN_OPEN, lw=1.0, zorder=3)
        plot(ax, drains[covered], color=style.DRAIN_COVERED, lw=1.0, ls="--", zorder=3)
        legend.append(Line2D([], [], color=style.DRAIN_OPEN, lw=1.2,
                             label=word("drainage", lang)))
    roads = ctx.layer("roads", statuses, margin)
    for cls in reversed(road_classes):
        colour, width = style.ROAD_STYLE[cls]
        part = roads[roads["class"] == cls]
        if len(part):
            planned = (part["status"] == "planned").to_numpy()
            plot(ax, part[~planned], color=colour, lw=width * 0.45, zorder=4)
            plot(ax, part[planned], color=colour, lw=width * 0.45, ls="--", zorder=4)
            legend.append(Line2D([], [], color=colour, lw=width * 0.5, label=word(cls, lang)))
    rails = ctx.layer("railways", statuses, margin)
    if railways and len(rails):
        plot(ax, rails, color=style.RAIL_COLOUR, lw=1.6, ls="--", zorder=5)
        legend.append(Line2D([], [], color=style.RAIL_COLOUR, lw=1.6, ls=(0, (6, 3)),
                             label=word("railways", lang)))


def draw_hillshade(ax: Any, ctx: Context) -> None:
    """The hillshade of the area's terrain under the layers (nothing without a DEM)."""
    shade = area_hillshade(ctx.engine, ctx.area, crs=f"EPSG:{ctx.epsg}")
    if shade is None:
        return
    left, bottom, right, top = shade.bounds
    ax.imshow(np.ma.masked_invalid(shade.image), cmap="gray", vmin=0, vmax=255,
              extent=(left, right, bottom, top), alpha=0.45, zorder=0, interpolation="bilinear")


def title_block(fig: Any, rect: tuple[float, float, float, float], title: str, subject: str,
                lang: Lang) -> None:
    """Title, subject, date and the organisation (``VGIS_ORGANISATION``) in a box."""
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


def figures_table(fig: Any, rect: tuple[float, float, float, float],
                  rows: list[tuple[str, Any, Any]], lang: Lang, header: str | None = None
                  ) -> None:
    """The figures as a table (a before/after column pair when some row has an after)."""
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




Row = tuple[str, Any, Any]
"""A table row: label, value (before), value after the plan (None: no after column)."""


@dataclass
class SheetContent:
    """What one kind of sheet drew in the map frame, for the furniture around it.

    ``extent`` is the map width (metres) and the map frame's width (mm) from
    :func:`frame_extent`, which the scale bar needs.
    """

    title: str
    subject: str
    extent: tuple[float, float]
    legend: list[Any] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    header: str | None = None


@contextmanager
def text_page(output: Path, paper: Paper, orientation: Orientation = "landscape"
              ) -> Iterator[Any]:
    """A page of the paper's size with no map frame (a cover, contents, a table): a PDF."""
    w_mm, h_mm = paper_size_mm(paper, orientation)
    with mpl.rc_context(_rc()):  # type: ignore[arg-type]
        fig = plt.figure(figsize=(w_mm / 25.4, h_mm / 25.4))
        try:
            yield fig
            output.parent.mkdir(parents=True, exist_ok=True)
            fig.savefig(output, format="pdf")
        finally:
            plt.close(fig)


@contextmanager
def sheet_page(output: Path, paper: Paper, orientation: Orientation, dpi: int
               ) -> Iterator[tuple[Any, Any]]:
    """A figure of the paper's size and its map axes; saved to ``output`` when the block ends.

    The map frame takes the left of a landscape sheet (the right column holds the
    title block, legend and table) and the top of a portrait one.
    """
    suffix = output.suffix.lower()
    if suffix not in (".png", ".pdf", ".svg"):
        raise VgisError(f"{output.name}: a figure is .png, .pdf or .svg")
    w_mm, h_mm = paper_size_mm(paper, orientation)
    with mpl.rc_context(_rc()):  # type: ignore[arg-type]
        fig = plt.figure(figsize=(w_mm / 25.4, h_mm / 25.4), dpi=dpi)
        try:
            side = 0.27 if orientation == "landscape" else 0.0
            ax = fig.add_axes((0.03, 0.06, 0.94 - side, 0.9) if side
                              else (0.05, 0.32, 0.9, 0.64))
            ax.set_xticks([])
            ax.set_yticks([])
            yield fig, ax
            output.parent.mkdir(parents=True, exist_ok=True)
            fig.savefig(output, dpi=dpi, format=suffix[1:])
        finally:
            plt.close(fig)


def footer(fig: Any, credit: str, page: str | None = None) -> None:
    """The credit line at the bottom left and, in a bound document, the page at the right."""
    fig.text(0.03, 0.015, credit, fontsize=6.5, color="#444")
    if page:
        fig.text(0.97, 0.015, page, fontsize=8, ha="right")


def furnish(fig: Any, ax: Any, content: SheetContent, lang: Lang, orientation: Orientation,
            credit: str, page: str | None = None) -> None:
    """Scale bar, north arrow, credit line (and page), title block, legend and table."""
    ax.set_xlabel("")
    ax.set_ylabel("")
    scale_bar(ax, lang, *content.extent)
    north_arrow(ax, lang)
    footer(fig, credit, page)
    rows, header = content.rows, content.header
    if orientation == "landscape":
        side = 0.27
        title_block(fig, (1 - side, 0.80, side - 0.03, 0.16), content.title, content.subject,
                    lang)
        long = len(rows) > 6
        leg_ax = fig.add_axes((1 - side, 0.52 if long else 0.30, side - 0.03,
                               0.26 if long else 0.48))
        if rows:
            figures_table(fig, (1 - side, 0.06, side - 0.03, 0.42 if long else 0.22), rows,
                          lang, header)
    else:
        title_block(fig, (0.05, 0.2, 0.4, 0.1), content.title, content.subject, lang)
        leg_ax = fig.add_axes((0.5, 0.04, 0.45, 0.26))
        if rows:
            figures_table(fig, (0.05, 0.04, 0.4, 0.15), rows, lang, header)
    leg_ax.set_axis_off()
    leg_ax.legend(handles=content.legend, loc="upper left", fontsize=7.5, frameon=True,
                  title=word("legend", lang), title_fontsize=9, ncol=1)


def shade_villages(ax: Any, villages: gpd.GeoDataFrame, values: Any, top: float,
                   label: Any, legend: list[Any]) -> None:
    """Villages filled in the five classes of 0..``top`` (grey without data), with legend."""
    values = np.asarray(values, dtype=float)
    for pick, lo, hi, colour in style.ramp_bins(values, top):
        plot(ax, villages[pick], color=colour, alpha=0.55, edgecolor="#444", lw=0.5, zorder=2)
        legend.append(Patch(facecolor=colour, alpha=0.7, label=label(lo, hi)))
    plot(ax, villages[np.isnan(values)], color=style.NO_DATA, alpha=0.5, edgecolor="#444",
         lw=0.5, zorder=2)
