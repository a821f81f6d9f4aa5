"""Maps of a whole area: the corridor, the candidate villages, the overview by a metric."""

from __future__ import annotations

import html
from dataclasses import replace
from typing import Any, Literal

import folium
import geopandas as gpd
import numpy as np
import shapely

from gis.candidates import Ranking, rank_area
from gis.context import EXISTING, Context
from gis.figures import area_answers
from gis.params import (
    TRUNK_CLASSES,
    CorridorParams,
    CoverageOptions,
    RankingParams,
    VisibilityParams,
)
from gis.proximity import corridor
from gis.visibility import corridor_visibility
from gis.weights import CRITERIA, Weights
from layers.schema import ROAD_CLASSES
from maps import style
from maps.assets import AssetMode
from maps.interactive import MapBuilder
from maps.style import Lang, language, ramp_bins, top_label, word
from maps.views import (
    draw_buildings,
    draw_context,
    draw_labels,
    draw_roads,
    map_bounds,
    summary_box,
)

Metric = Literal["lit_share", "served_share", "hardened_share", "households"]
METRIC_KINDS: dict[str, str] = {"lit_share": "lights", "served_share": "garbage",
                                "hardened_share": "roads", "households": "garbage"}
"""The coverage kind whose figures give each overview metric."""
_CORRIDOR_MARGIN_M = 500.0
"""Map beyond the villages' extent on a corridor map, metres (at least the corridor's width)."""


def corridor_map(ctx: Context, *, lines: CorridorParams | None = None,
                 visible: VisibilityParams | None = None,
                 lang: Lang | None = None, assets: AssetMode = "inline") -> folium.Map:
    """Trunk roads and railways with their corridor band; villages in it highlighted.

    ``lines``: the corridor's half-width (metres), road classes and railways (default
    :meth:`CorridorParams.defaults`). With ``visible``, also the terrain seen from the
    lines (observers every ``visible.spacing_m`` metres) and each village's share of
    buildings seen.
    """
    lang = language(lang)
    lines = lines or CorridorParams.defaults()
    distance, road_classes, railways = lines.distance_m, lines.road_classes, lines.railways
    rows = {r.village_id: r for r in corridor(ctx, lines)}
    villages = ctx.villages.copy()
    villages["in_corridor"] = [rows[int(i)].in_corridor for i in villages["id"]]
    villages["distance_m"] = [rows[int(i)].distance_m for i in villages["id"]]
    # the band along every line fits on the map
    b = MapBuilder(ctx, map_bounds(villages, max(distance, _CORRIDOR_MARGIN_M)),
                   word("corridor_map", lang), lang, assets)
    seen_rows: list[tuple[str, Any, Any]] = []
    vis = None if visible is None else corridor_visibility(
        ctx, lines=lines, params=visible, full=True)
    if vis is not None:
        villages["visible_share"] = [vis.villages[int(i)].visible_share
                                     for i in villages["id"]]
        seen_rows = [(word("visible_villages", lang),
                      sum(1 for v in vis.villages.values() if v.visible_buildings), None)]
    roads = ctx.layer("roads", EXISTING, distance)
    roads = roads[roads["class"].isin(road_classes)]
    rails = ctx.layer("railways", EXISTING, distance) if railways else roads.iloc[:0]
    fg = b.group("villages", word("villages", lang))
    for flag, colour, key in ((True, style.IN_CORRIDOR, "in_corridor"),
                              (False, style.OUTSIDE_CORRIDOR, "outside")):
        part = villages[villages["in_corridor"] == flag]
        b.geojson(fg, part, {"color": "#555", "weight": 1, "fillColor": colour,
                             "fillOpacity": 0.3},
                  ("name", "distance_m", *(("visible_share",) if visible else ())))
        if len(part):
            b.legend_item("fill", colour, word(key, lang))
    draw_labels(b, fg, villages[villages["in_corridor"]])
    if vis is not None:
        # over the villages' fill, letting clicks through to them
        area = vis.visible_area()
        fg = b.group("visible_area", word("visible_area", lang))
        if len(area):
            area = gpd.GeoDataFrame(geometry=[shapely.simplify(
                shapely.union_all(area.geometry.values), vis.terrain.cell / 4)], crs=area.crs)
            b.geojson(fg, area, {"color": style.VISIBLE_COLOUR, "weight": 0.5,
                                 "fillColor": style.VISIBLE_COLOUR, "fillOpacity": 0.45}, (),
                      interactive=False)
        b.legend_item("fill", style.VISIBLE_COLOUR, f"{word('visible_area', lang)} "
                      f"≤ {vis.params.max_distance_m:g} m")
    band_parts = [g for g in (roads.geometry.values, rails.geometry.values) if len(g)]
    if band_parts:
        band = shapely.union_all(shapely.buffer(np.concatenate(band_parts), distance,
                                                quad_segs=8))
        band = shapely.simplify(band, 5.0)
        fg = b.group("corridor", word("corridor", lang))
        b.geojson(fg, gpd.GeoDataFrame(geometry=[band], crs=ctx.epsg),
                  {"color": "#b30000", "weight": 1.5, "dashArray": "5 4",
                   "fillColor": "#fc8d59", "fillOpacity": 0.25}, ())
        b.legend_item("fill", "#fdd0b4", f"{word('corridor', lang)} {distance:g} m")
    fg = b.group("roads", word("roads", lang))
    for cls in road_classes:
        colour, width = style.ROAD_STYLE[cls]
        part = roads[roads["class"] == cls]
        if len(part):
            b.geojson(fg, part, {"color": colour, "weight": width})
            b.legend_item("line", colour, word(cls, lang))
    if len(rails):
        fg = b.group("railways", word("railways", lang))
        b.geojson(fg, rails, {"color": style.RAIL_COLOUR, "weight": 3, "dashArray": "10 5"})
        b.legend_item("dash", style.RAIL_COLOUR, word("railways", lang))
    inside = int(villages["in_corridor"].sum())
    summary = summary_box(word("corridor_map", lang), [
        (word("in_corridor", lang), inside, None), (word("outside", lang),
                                                    len(villages) - inside, None),
        (word("distance_m", lang), distance, None), *seen_rows], lang)
    return b.finish(summary)


def ranked_villages(ctx: Context, *, ranking: RankingParams | None = None,
                    weights: Weights | None = None, seen: VisibilityParams | None = None
                    ) -> tuple[gpd.GeoDataFrame, Ranking]:
    """Every village with its ``rank`` and ``score`` (NaN unscored), and the ranking.

    The ranking's ``candidates`` are cut to the best ``ranking.top``; visibility is
    measured with ``seen`` as ``ranking.visible`` says.
    """
    ranking = ranking or RankingParams.defaults()
    top = ranking.top
    result = rank_area(ctx, weights=weights, params=seen,
                       ranking=replace(ranking, top=max(len(ctx.villages), 1)))
    by_id = {c.village_id: c for c in result.candidates}
    villages = ctx.villages.copy()
    villages["rank"] = [by_id[int(i)].rank if int(i) in by_id else None
                        for i in villages["id"]]
    villages["score"] = [by_id[int(i)].score if int(i) in by_id else np.nan
                         for i in villages["id"]]
    return villages, result.model_copy(update={"candidates": result.candidates[:top],
                                               "top": top})


def _ranking_html(result: Ranking, lang: Lang) -> str:
    head = (f"<tr><th>{word('rank', lang)}</th><th>{word('village_name', lang)}</th>"
            f"<th>{word('score', lang)}</th></tr>")
    body = "".join(f"<tr><td>{c.rank}</td><td>{html.escape(c.village)}</td>"
                   f"<td>{c.score:.1f}</td></tr>" for c in result.candidates)
    return (f"<div class='vgis-summary'><h4>{html.escape(word('candidates', lang))}</h4>"
            f"<table>{head}{body}</table></div>")


def candidates_map(ctx: Context, *, ranking: RankingParams | None = None,
                   weights: Weights | None = None, seen: VisibilityParams | None = None,
                   lang: Lang | None = None, assets: AssetMode = "inline") -> folium.Map:
    """Villages shaded by candidate score (five 20-point classes), the best ``top`` numbered.

    A village's popup gives its rank, score and each criterion's score; the summary
    box lists the best ``ranking.top``.
    """
    lang = language(lang)
    villages, result = ranked_villages(ctx, ranking=ranking, weights=weights, seen=seen)
    top = result.top
    by_id = {c.village_id: c for c in result.candidates}
    for crit in CRITERIA:
        villages[crit] = [by_id[int(i)].criteria[crit].score if int(i) in by_id
                          else None for i in villages["id"]]
    b = MapBuilder(ctx, map_bounds(villages, 200), f"{ctx.area} · {word('candidates_map', lang)}",
                   lang, assets)
    draw_context(b, ctx, EXISTING, 0)
    draw_roads(b, ctx.layer("roads", EXISTING, classes=TRUNK_CLASSES))
    fields = ("name", "rank", "score", "location", "environment", "culture", "industry",
              "cadre")
    scores = villages["score"].to_numpy(dtype=float, na_value=np.nan)
    fg = b.group("villages", word("villages", lang))
    for pick, lo, hi, colour in ramp_bins(scores, 100.0):
        part = villages[pick]
        b.geojson(fg, part, {"color": "#444", "weight": 1, "fillColor": colour,
                             "fillOpacity": 0.55}, fields)
        if len(part):
            b.legend_item("fill", colour, f"{word('score', lang)} {lo:g}–{hi:g}")
    missing = villages[np.isnan(scores)]
    b.geojson(fg, missing, {"color": "#444", "weight": 1, "fillColor": style.NO_DATA,
                            "fillOpacity": 0.4}, ("name",))
    best = villages[villages["id"].isin(list(by_id))]
    fg = b.group("candidates", word("candidates", lang))
    b.geojson(fg, best, {"color": style.CANDIDATE_COLOUR, "weight": 3, "fillOpacity": 0},
              fields)
    b.legend_item("line", style.CANDIDATE_COLOUR, top_label(top, lang))
    b.labels(fg, best.set_geometry(best.representative_point()), [str(n) for n in best["name"]],
             bold=[str(int(r)) for r in best["rank"]], width=140)
    return b.finish(_ranking_html(result, lang))


def metric_values(ctx: Context, metric: Metric) -> dict[int, Any]:
    """Each village's figure ``metric`` (village id → value; None without data)."""
    answers = area_answers(ctx, CoverageOptions().params(METRIC_KINDS[metric]))
    return {a["village_id"]: a.get(metric) for a in answers}


_POINT_LAYERS: tuple[tuple[str, str], ...] = (
    ("facilities", style.FACILITY_COLOUR), ("garbage", style.GARBAGE_COLOUR["bin"]),
    ("lights", style.LIGHT_COLOUR), ("places", style.VILLAGE_EDGE))
"""Point layers an overview without villages draws, and their colours."""


def layers_only_map(ctx: Context, *, lang: Lang | None = None,
                    assets: AssetMode = "inline") -> folium.Map:
    """The overview of an area without villages: every layer it has, and a note saying so.

    Parameters
    ----------
    ctx
        A context of no village with the area's extent (:meth:`Context.of_area`).
    lang
        Labels in Chinese (``zh``) or English (``en``); default ``VGIS_LANGUAGE``.
    assets
        ``inline`` (self-contained file) or ``served`` (scripts from the service).
    """
    lang = language(lang)
    margin = 100.0  # metres around the area's features
    title = f"{ctx.area} · {word('overview_map', lang)}"
    b = MapBuilder(ctx, list(ctx.bbox(margin)), title, lang, assets)
    draw_context(b, ctx, EXISTING, margin)
    roads = ctx.layer("roads", EXISTING, margin)
    if len(roads):
        draw_roads(b, roads)
    buildings = ctx.layer("buildings", EXISTING, margin)
    if len(buildings):
        draw_buildings(b, buildings)
    for layer, colour in _POINT_LAYERS:
        frame = ctx.layer(layer, EXISTING, margin)
        if len(frame):
            fg = b.group(layer, word(layer, lang))
            b.geojson(fg, frame, {"color": "#222", "weight": 1, "fillColor": colour,
                                  "fillOpacity": 0.9}, point_radius=4)
            b.legend_item("dot", colour, word(layer, lang))
    note = (f"<div class='vgis-summary vgis-no-villages'><h4>{html.escape(title)}</h4>"
            f"<p>{html.escape(word('no_villages_yet', lang))}</p></div>")
    return b.finish(note)


def overview_map(ctx: Context, *, metric: Metric = "lit_share", lang: Lang | None = None,
                 assets: AssetMode = "inline") -> folium.Map:
    """Every village of an area coloured by a metric (shares in five 20 % classes).

    An area without villages yet (a context of :meth:`Context.of_area`) gets
    :func:`layers_only_map`: the layers it has, and a note that there are no villages.
    """
    lang = language(lang)
    if ctx.villages.empty:
        return layers_only_map(ctx, lang=lang, assets=assets)
    values = metric_values(ctx, metric)
    villages = ctx.villages.copy()
    villages[metric] = [values.get(int(i)) for i in villages["id"]]
    b = MapBuilder(ctx, map_bounds(villages, 200), f"{ctx.area} · {word('overview_map', lang)}",
                   lang, assets)
    draw_context(b, ctx, EXISTING, 0)
    roads = ctx.layer("roads", EXISTING)
    draw_roads(b, roads[roads["class"].isin(ROAD_CLASSES[:6])])
    vals = villages[metric].to_numpy(dtype=float, na_value=np.nan)
    top = 1.0 if metric != "households" else max(float(np.nanmax(vals)) if
                                                  np.isfinite(vals).any() else 1.0, 1.0)
    fg = b.group("villages", word("villages", lang))
    for pick, lo, hi, colour in ramp_bins(vals, top):
        part = villages[pick]
        b.geojson(fg, part, {"color": "#444", "weight": 1, "fillColor": colour,
                             "fillOpacity": 0.6}, ("name", metric, "population"))
        label = (f"{lo:.0%}–{hi:.0%}" if metric != "households" else f"{lo:,.0f}–{hi:,.0f}")
        b.legend_item("fill", colour, f"{word(metric, lang)} {label}")
    missing = villages[np.isnan(vals)]
    b.geojson(fg, missing, {"color": "#444", "weight": 1, "fillColor": style.NO_DATA,
                            "fillOpacity": 0.4}, ("name",))
    if len(missing):
        b.legend_item("fill", style.NO_DATA, word("no_data", lang))
    draw_labels(b, fg, villages)
    return b.finish(None)
