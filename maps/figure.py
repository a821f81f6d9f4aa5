"""Print-ready map sheets (PNG, PDF, SVG) for plan documents: one function per kind of sheet.

- :func:`village_sheet`: a village's layout, or its lights or garbage coverage with the
  before/after table;
- :func:`overview_sheet`: every village of an area by lit share;
- :func:`candidates_sheet`: villages by candidate score, the best ``top`` numbered and
  listed;
- :func:`corridor_sheet`: villages within the corridor of the trunk roads and railways.

Each draws into the map frame of :func:`maps.sheet.sheet_page` and says what the
furniture around it shows (:class:`maps.sheet.SheetContent`); :func:`render_figure`
is the one entry the faces call.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

import numpy as np
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from sqlalchemy import Engine

from gis.context import EXISTING, WITH_PLANNED, Context
from gis.lighting import lighting_coverage
from gis.params import (
    TRUNK_CLASSES,
    CorridorParams,
    CoverageOptions,
    CoverageParams,
    LightingParams,
    RankingParams,
    ServiceParams,
)
from gis.plans import ContextMaker, cold_context
from gis.proximity import corridor
from gis.results import Coverage
from gis.service import household_coverage
from gis.weights import Weights
from layers.plans import Plan
from layers.schema import ROAD_CLASSES
from maps import style
from maps.credits import credit_line
from maps.overviews import metric_values, ranked_villages
from maps.sheet import (
    Orientation,
    Paper,
    SheetContent,
    draw_hillshade,
    draw_layers,
    frame_extent,
    furnish,
    plot,
    shade_villages,
    sheet_page,
)
from maps.style import Lang, language, top_label, word
from maps.views import View, summary_rows, view_analysis

SheetKind = Literal["village", "corridor", "overview", "candidates"]
_TITLES = {"layout": "village_layout", "lights": "lights_map", "garbage": "garbage_map"}


def village_sheet(ax: Any, ctx: Context, view: View, options: CoverageOptions | None,
                  lang: Lang) -> SheetContent:
    """A village's layout, or its lights or garbage coverage (reach, gaps, proposals)."""
    options, params = view_analysis(view, options)
    statuses = WITH_PLANNED if options.include_planned else EXISTING
    village = ctx.villages.iloc[[0]]
    margin = 120.0
    x0, y0, x1, y1 = village.total_bounds
    content = SheetContent(word(_TITLES[view], lang), f"{village['name'].iloc[0]} ({ctx.area})",
                           frame_extent(ax, (x0 - margin, y0 - margin, x1 + margin,
                                             y1 + margin)))
    legend = content.legend
    draw_hillshade(ax, ctx)
    draw_layers(ax, ctx, statuses, margin * 3, legend, lang)
    buildings = ctx.layer("buildings", statuses, margin * 3)
    plot(ax, buildings, color=style.BUILDING_FILL, edgecolor=style.BUILDING_EDGE, lw=0.2,
         zorder=6)
    legend.append(Patch(facecolor=style.BUILDING_FILL, edgecolor=style.BUILDING_EDGE,
                        label=word("buildings", lang)))
    after = _after_the_plan(ctx, params)  # a plan's sheet shows what it still lacks
    if isinstance(params, LightingParams):
        lit = lighting_coverage(ctx, params)[0]
        left = after if isinstance(after, Coverage) else lit
        lights = ctx.layer("lights", statuses, margin * 3)
        plot(ax, lights.set_geometry(lights.buffer(params.radius_m)), color=style.LIGHT_COLOUR,
             alpha=0.3, lw=0, zorder=7)
        plot(ax, lights, color=style.LIGHT_COLOUR, markersize=4, zorder=9)
        plot(ax, left.layers["unlit_gaps"].to_crs(ctx.epsg), color=style.GAP_COLOUR, lw=2.0,
             zorder=8)
        plot(ax, left.layers["proposed_lights"].to_crs(ctx.epsg), facecolor="none",
             edgecolor=style.PROPOSED_COLOUR, markersize=10, lw=0.8, zorder=9)
        legend += [Patch(facecolor=style.LIGHT_COLOUR, alpha=0.4,
                         label=word("light_reach", lang)),
                   Line2D([], [], color=style.GAP_COLOUR, lw=2, label=word("unlit_gaps", lang)),
                   Line2D([], [], marker="o", ls="", mfc="none", mec=style.PROPOSED_COLOUR,
                          label=word("proposed_lights", lang))]
        content.rows = summary_rows(lit, lang)
    elif isinstance(params, ServiceParams):
        cov = household_coverage(ctx, params)[0]
        left = after if isinstance(after, Coverage) else cov
        plot(ax, left.layers["unserved_buildings"].to_crs(ctx.epsg), color=style.UNSERVED,
             lw=0, zorder=7)
        garbage = ctx.layer("garbage", statuses, margin * 3)
        serving = garbage[garbage["class"].isin(params.classes)]
        plot(ax, serving.set_geometry(serving.buffer(params.radius_m)), facecolor="#9ecae1",
             alpha=0.25, edgecolor="#3182bd", lw=0.5, zorder=7)
        plot(ax, garbage, color=style.GARBAGE_COLOUR["bin"], markersize=8, zorder=9)
        plot(ax, left.layers["proposed_points"].to_crs(ctx.epsg), facecolor="none",
             edgecolor=style.PROPOSED_COLOUR, markersize=18, lw=1.0, zorder=9)
        legend += [Patch(facecolor=style.UNSERVED, label=word("unserved", lang)),
                   Patch(facecolor="#9ecae1", alpha=0.5,
                         label=f"{word('service_area', lang)} {params.radius_m:g} m"),
                   Line2D([], [], marker="o", ls="", color=style.GARBAGE_COLOUR["bin"],
                          label=word("garbage", lang)),
                   Line2D([], [], marker="o", ls="", mfc="none", mec=style.PROPOSED_COLOUR,
                          label=word("proposed_points", lang))]
        content.rows = summary_rows(cov, lang)
    if ctx.plan is not None and statuses == WITH_PLANNED and params is not None:
        shown = "lights" if isinstance(params, LightingParams) else params.layer
        planned = [f.to_crs(ctx.epsg) for name, f in ctx.plan.items()
                   if name == shown and not f.empty]
        for frame in planned:
            plot(ax, frame, color=style.PLANNED_COLOUR, edgecolor="white", markersize=14,
                 lw=0.6, zorder=11)
        if planned:
            legend.append(Line2D([], [], marker="o", ls="", color=style.PLANNED_COLOUR,
                                 mec="white", label=word("planned_features", lang)))
    plot(ax, village.boundary, color=style.VILLAGE_EDGE, lw=1.6, ls="--", zorder=10)
    legend.append(Line2D([], [], color=style.VILLAGE_EDGE, lw=1.6, ls="--",
                         label=word("villages", lang)))
    return content


def _after_the_plan(ctx: Context, params: CoverageParams | None) -> Coverage[Any, Any] | None:
    """The view's analysis with the plan taken as built, when the context has a plan.

    Its layers are what the plan still lacks (unlit gaps, unserved households, new
    proposals); None without a plan or for the layout view.
    """
    if ctx.plan is None or not isinstance(params, LightingParams | ServiceParams):
        return None
    plain = replace(params, include_planned=False)
    with ctx.as_built():
        found = (lighting_coverage(ctx, plain) if isinstance(plain, LightingParams)
                 else household_coverage(ctx, plain))
    return found[0]


def _names(ax: Any, villages: Any) -> None:
    for name, p in zip(villages["name"], villages.representative_point(), strict=True):
        ax.text(p.x, p.y, name, fontsize=6, ha="center", zorder=12)


def overview_sheet(ax: Any, ctx: Context, lang: Lang) -> SheetContent:
    """Every village of the area shaded by lit share (five 20 % classes), named."""
    values = metric_values(ctx, "lit_share")
    share = np.array([np.nan if values.get(int(i)) is None else values[int(i)]
                      for i in ctx.villages["id"]], dtype=float)
    content = SheetContent(word("overview_map", lang), ctx.area,
                           frame_extent(ax, tuple(ctx.villages.total_bounds)))
    draw_hillshade(ax, ctx)
    shade_villages(ax, ctx.villages, share, 1.0,
                   lambda lo, hi: f"{word('lit_share', lang)} {lo:.0%}–{hi:.0%}"
                   .replace("%–", "–"), content.legend)
    draw_layers(ax, ctx, EXISTING, 0.0, content.legend, lang, ROAD_CLASSES[:6])
    _names(ax, ctx.villages)
    content.rows = [(word("villages", lang), len(ctx.villages), None),
                    (word("lit_share", lang) + " (median)",
                     float(np.nanmedian(share)) if np.isfinite(share).any() else None, None)]
    return content


def candidates_sheet(ax: Any, ctx: Context, ranking: RankingParams | None,
                     weights: Weights | None, lang: Lang) -> SheetContent:
    """Villages by candidate score (five 20-point classes); the best ``top`` numbered."""
    villages, result = ranked_villages(ctx, ranking=ranking, weights=weights)
    top = result.top
    score = villages["score"].to_numpy(dtype=float, na_value=np.nan)
    content = SheetContent(word("candidates_map", lang), ctx.area,
                           frame_extent(ax, tuple(ctx.villages.total_bounds)),
                           header=word("score", lang))
    draw_hillshade(ax, ctx)
    shade_villages(ax, villages, score, 100.0,
                   lambda lo, hi: f"{word('score', lang)} {lo:g}–{hi:g}", content.legend)
    draw_layers(ax, ctx, EXISTING, 0.0, content.legend, lang, TRUNK_CLASSES)
    best = villages[villages["rank"].notna() & (villages["rank"] <= top)]
    plot(ax, best.boundary, color=style.CANDIDATE_COLOUR, lw=1.8, zorder=11)
    content.legend.append(Line2D([], [], color=style.CANDIDATE_COLOUR, lw=1.8,
                                 label=top_label(top, lang)))
    for rank, p in zip(best["rank"], best.representative_point(), strict=True):
        ax.text(p.x, p.y, str(int(rank)), fontsize=8, fontweight="bold", ha="center",
                va="center", color="white", zorder=13,
                bbox={"boxstyle": "circle,pad=0.25", "fc": style.CANDIDATE_COLOUR, "ec": "none"})
    content.rows = [(f"{c.rank}. {c.village}", c.score, None) for c in result.candidates]
    return content


def corridor_sheet(ax: Any, ctx: Context, lines: CorridorParams | None, lang: Lang
                   ) -> SheetContent:
    """Villages within the corridor (red, named) and outside it (blue), with the lines."""
    lines = lines or CorridorParams.defaults()
    inside = {r.village_id for r in corridor(ctx, lines) if r.in_corridor}
    content = SheetContent(word("corridor_map", lang), ctx.area,
                           frame_extent(ax, tuple(ctx.villages.total_bounds)))
    draw_hillshade(ax, ctx)
    flag = ctx.villages["id"].isin(inside).to_numpy()
    plot(ax, ctx.villages[flag], color=style.IN_CORRIDOR, alpha=0.35, edgecolor="#555", lw=0.4,
         zorder=2)
    plot(ax, ctx.villages[~flag], color=style.OUTSIDE_CORRIDOR, alpha=0.3, edgecolor="#555",
         lw=0.4, zorder=2)
    draw_layers(ax, ctx, EXISTING, lines.distance_m, content.legend, lang,
                lines.road_classes, railways=lines.railways)
    _names(ax, ctx.villages[flag])
    content.legend += [
        Patch(facecolor=style.IN_CORRIDOR, alpha=0.5, label=word("in_corridor", lang)),
        Patch(facecolor=style.OUTSIDE_CORRIDOR, alpha=0.5, label=word("outside", lang))]
    content.rows = [(word("in_corridor", lang), len(inside), None),
                    (word("outside", lang), len(ctx.villages) - len(inside), None),
                    (word("distance_m", lang), lines.distance_m, None)]
    return content


def render_figure(
    ctx: Context, output: Path, *, kind: SheetKind = "village", view: View = "layout",
    options: CoverageOptions | None = None, lines: CorridorParams | None = None,
    ranking: RankingParams | None = None, weights: Weights | None = None,
    paper: Paper = "A4", orientation: Orientation = "landscape", dpi: int = 200,
    lang: Lang | None = None, subject: str | None = None, page: str | None = None,
) -> Path:
    """Draw a map sheet to ``output`` (.png, .pdf or .svg; the paper's size at ``dpi``).

    Parameters
    ----------
    ctx
        One village (kind ``village``) or an area's villages (the other kinds).
    output
        The file to write; its suffix chooses the format.
    kind
        ``village``, ``corridor``, ``overview`` (villages by lit share) or ``candidates``.
    view
        For a village: ``layout``, ``lights`` or ``garbage`` coverage.
    options
        For a village's coverage view: the analysis options (radius in metres, classes,
        distance); planned features are drawn, with before/after, unless
        ``include_planned`` is False.
    lines
        For the corridor: half-width (metres), road classes, railways.
    ranking, weights
        For the candidates: how many (``top``), and the weights of the ranking.
    paper, orientation, dpi
        Sheet size (A4/A3), orientation and raster resolution (dots per inch).
    lang
        Labels in Chinese (``zh``) or English (``en``); default ``VGIS_LANGUAGE``.
    subject
        The line under the title (default: the village or area), e.g. a plan's name.
    page
        The page in a bound document (an atlas), printed at the bottom right.
    """
    lang = language(lang)
    with sheet_page(output, paper, orientation, dpi) as (fig, ax):
        if kind == "village":
            content = village_sheet(ax, ctx, view, options, lang)
        elif kind == "overview":
            content = overview_sheet(ax, ctx, lang)
        elif kind == "candidates":
            content = candidates_sheet(ax, ctx, ranking, weights, lang)
        else:
            content = corridor_sheet(ax, ctx, lines, lang)
        if subject is not None:
            content.subject = subject
        furnish(fig, ax, content, lang, orientation, credit_line(ctx.engine, ctx.area, lang),
                page)
    return output


def plan_sheet(engine: Engine, plan: Plan, output: Path, *, view: View = "lights",
               paper: Paper = "A4", dpi: int = 150, lang: Lang | None = None,
               make: ContextMaker = cold_context) -> Path:
    """The village sheet of a plan: its features drawn as planned, the before/after table.

    Raises
    ------
    VgisError
        For an area-wide plan (a sheet is of one village).
    """
    from layers.errors import VgisError
    from layers.plans import plan_frames, plan_village

    village = plan_village(engine, plan)
    if village is None:
        raise VgisError(f"plan {plan.id} is of the whole area {plan.area!r}: a sheet is of "
                        "one village (make the plan for a village)")
    ctx = make(engine, plan.area, village)
    ctx.plan = plan_frames(engine, plan.id)
    return render_figure(ctx, output, view=view, options=CoverageOptions(include_planned=True),
                         paper=paper, dpi=dpi, lang=lang,
                         subject=f"{plan.name} — {plan.village} ({plan.area}), v{plan.version}")
