"""The maps planners open: a village's layout and coverage, the corridor, the overview."""

from __future__ import annotations

import html
from typing import Any, Literal

import folium
import geopandas as gpd
import numpy as np
import shapely

from gis.candidates import Weights, rank_area
from gis.context import EXISTING, WITH_PLANNED, Context
from gis.coverage import Coverage, household_coverage, lighting_coverage, road_hardening
from gis.measure import households_in_villages
from gis.proximity import TRUNK_CLASSES, corridor
from gis.visibility import VisibilityParams, corridor_visibility
from layers.schema import ROAD_CLASSES, WGS84
from maps import style
from maps.assets import AssetMode
from maps.interactive import POINT_CLOUD_AT, MapBuilder, _display_coords
from maps.style import Lang, top_label, word

CoverageKind = Literal["lights", "garbage"]
_EMPTY = gpd.GeoDataFrame(geometry=[], crs=WGS84)
Metric = Literal["lit_share", "served_share", "hardened_share", "households"]


def _bounds(frame: gpd.GeoDataFrame, margin_m: float) -> list[float]:
    x0, y0, x1, y1 = frame.total_bounds
    x0, y0, x1, y1 = x0 - margin_m, y0 - margin_m, x1 + margin_m, y1 + margin_m
    box = gpd.GeoSeries([shapely.box(x0, y0, x1, y1)], crs=frame.crs).to_crs(WGS84)
    return [float(v) for v in box.total_bounds]


def _planned_split(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    planned = (frame["status"] == "planned").to_numpy()
    return frame[~planned], frame[planned]


_LANGS: tuple[Lang, ...] = ("zh", "en")
_SHARE_LABELS = {word(k, lang) for k in ("lit_share", "served_share") for lang in _LANGS}


def format_figure(label: str, value: Any) -> str:
    """A figure as a table shows it: shares as percentages, lengths with a decimal."""
    if value is None:
        return "–"
    if label in _SHARE_LABELS or label.endswith("share") or "率" in label:
        return f"{float(value):.1%}"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.1f}" if isinstance(value, float) else str(value)


def _summary(title: str, rows: list[tuple[str, Any, Any]], lang: Lang) -> str:
    has_after = any(r[2] is not None for r in rows)
    head = f"<tr><th></th><th>{word('before' if has_after else 'value', lang)}</th>" + (
        f"<th>{word('after', lang)}</th>" if has_after else "") + "</tr>"
    body = "".join(
        f"<tr><td>{html.escape(k)}</td><td>{format_figure(k, a)}</td>"
        + (f"<td>{format_figure(k, b)}</td>" if has_after else "") + "</tr>"
        for k, a, b in rows)
    return (f"<div class='vgis-summary'><h4>{html.escape(title)}</h4>"
            f"<table>{head}{body}</table></div>")


def _draw_roads(b: MapBuilder, roads: gpd.GeoDataFrame) -> None:
    lang = b.lang
    fg = b.group("roads", word("roads", lang))
    existing, planned = _planned_split(roads)
    for cls in ROAD_CLASSES:
        colour, width = style.ROAD_STYLE[cls]
        part = existing[existing["class"] == cls]
        if len(part):
            b.geojson(fg, part, {"color": colour, "weight": width, "opacity": 0.9},
                      ("name", "class", "surface", "width_m", "status"))
            b.legend_item("line", colour, word(cls, lang))
    if len(planned):
        b.geojson(fg, planned, {"color": "#000", "weight": 2.5, "dashArray": "6 4"},
                  ("name", "class", "surface", "status"))
        b.legend_item("dash", "#000", f"{word('roads', lang)} ({word('planned', lang)})")


def _draw_context(b: MapBuilder, ctx: Context, statuses: tuple[str, ...], margin: float,
                  buildings_style: bool = True) -> None:
    lang = b.lang
    zones = ctx.layer("zones", statuses, margin)
    if len(zones):
        fg = b.group("zones", word("zones", lang))
        for cls, colour in style.ZONE_COLOUR.items():
            part = zones[zones["class"] == cls]
            if len(part):
                b.geojson(fg, part, {"color": colour, "fillColor": colour, "fillOpacity": 0.25,
                                     "weight": 1})
                b.legend_item("fill", colour, word(cls, lang))
    drains = ctx.layer("drainage", statuses, margin)
    if len(drains):
        fg = b.group("drainage", word("drainage", lang))
        for covered, colour, dash in ((False, style.DRAIN_OPEN, None),
                                      (True, style.DRAIN_COVERED, "4 4")):
            part = drains[drains["covered"].astype(bool) == covered]
            st: dict[str, Any] = {"color": colour, "weight": 2}
            if dash:
                st["dashArray"] = dash
            b.geojson(fg, part, st, ("name", "class", "covered", "status"))
            if len(part):
                b.legend_item("dash" if dash else "line", colour,
                              f"{word('drainage', lang)} ({word('covered' if covered else 'open', lang)})")  # noqa: E501
    rails = ctx.layer("railways", statuses, margin)
    if len(rails):
        fg = b.group("railways", word("railways", lang))
        b.geojson(fg, rails, {"color": style.RAIL_COLOUR, "weight": 3, "dashArray": "10 5"})
        b.legend_item("dash", style.RAIL_COLOUR, word("railways", lang))


def _draw_villages(b: MapBuilder, villages: gpd.GeoDataFrame, focus: set[int] | None = None
                   ) -> None:
    lang = b.lang
    fg = b.group("villages", word("villages", lang))
    main = villages if focus is None else villages[villages["id"].isin(focus)]
    others = villages.iloc[:0] if focus is None else villages[~villages["id"].isin(focus)]
    b.geojson(fg, main, {"color": style.VILLAGE_EDGE, "weight": 3, "fill": False,
                         "dashArray": "8 4"}, ("name", "code", "population", "households"))
    b.geojson(fg, others, {"color": style.VILLAGE_EDGE, "weight": 1, "fill": False,
                           "opacity": 0.5}, ("name", "code"))
    b.legend_item("dash", style.VILLAGE_EDGE, word("villages", lang))
    _labels(b, fg, main)


def _labels(b: MapBuilder, fg: folium.FeatureGroup, villages: gpd.GeoDataFrame) -> None:
    if villages.empty:
        return
    points = _display_coords(villages.set_geometry(villages.representative_point()))
    for name, pt in zip(points["name"], points.geometry, strict=True):
        folium.Marker([pt.y, pt.x], icon=folium.DivIcon(
            html=f"<div class='vgis-label'>{html.escape(str(name))}</div>",
            icon_size=(120, 16), icon_anchor=(60, 8), class_name="vgis-label")).add_to(fg)


def _draw_buildings(b: MapBuilder, buildings: gpd.GeoDataFrame,
                    served: np.ndarray | None = None, key: str = "buildings") -> None:
    lang = b.lang
    if len(buildings) > POINT_CLOUD_AT:
        b.point_cloud(key, word(key, lang), buildings, style.BUILDING_EDGE)
        b.legend_item("dot", style.BUILDING_EDGE, word("buildings", lang))
        return
    fg = b.group(key, word(key, lang))
    fields = ("name", "class", "households", "status")
    if served is None:
        b.geojson(fg, buildings, {"color": style.BUILDING_EDGE, "weight": 0.5,
                                  "fillColor": style.BUILDING_FILL, "fillOpacity": 0.8}, fields)
        b.legend_item("fill", style.BUILDING_FILL, word("buildings", lang))
        return
    for flag, colour, key in ((True, style.SERVED, "served"), (False, style.UNSERVED, "unserved")):
        part = buildings[served == flag]
        b.geojson(fg, part, {"color": colour, "weight": 0.5, "fillColor": colour,
                             "fillOpacity": 0.85}, fields)
        b.legend_item("fill", colour, word(key, lang))


def village_map(ctx: Context, *, view: Literal["layout", "lights", "garbage"] = "layout",
                lang: Lang = "zh", assets: AssetMode = "inline", include_planned: bool = True,
                radius: float | None = None) -> folium.Map:
    """The village layout map, or its lights or garbage coverage view.

    Parameters
    ----------
    ctx
        Context of one village (:meth:`gis.context.Context.load` with a village).
    view
        ``layout`` (every layer), ``lights`` (reach, unlit gaps, proposed lights) or
        ``garbage`` (service circles, served/unserved buildings, proposed points).
    lang
        Labels in Chinese (``zh``) or English (``en``).
    assets
        ``inline`` (self-contained file) or ``served`` (scripts from the service).
    include_planned
        Draw planned features, and show before/after figures.
    radius
        Reach or service radius, metres (default 15 for lights, 70 for garbage).
    """
    statuses = WITH_PLANNED if include_planned else EXISTING
    village = ctx.villages.iloc[[0]]
    margin = 150.0
    name = str(village["name"].iloc[0])
    title = f"{name} · {word({'layout': 'village_layout', 'lights': 'lights_map', 'garbage': 'garbage_map'}[view], lang)}"  # noqa: E501
    b = MapBuilder(ctx, _bounds(village, margin), title, lang, assets)
    others = ctx.layer("villages", EXISTING, margin * 10)
    _draw_context(b, ctx, statuses, margin)
    roads = ctx.layer("roads", statuses, margin)
    _draw_roads(b, roads)
    buildings = ctx.layer("buildings", statuses, margin)
    summary = None
    cov: Coverage | None = None
    if view == "garbage":
        r = radius if radius is not None else 70.0
        cov = household_coverage(ctx, radius=r, include_planned=include_planned)[0]
        # colours follow the analysis of existing features; planned houses stay neutral
        homes = households_in_villages(buildings[buildings["status"] == "existing"], village)
        ids = buildings["id"].to_numpy()
        existing = buildings[buildings["status"] == "existing"]["id"].to_numpy()
        mine = np.isin(ids, existing[homes.building])
        served = ~np.isin(ids, cov.layers["unserved_buildings"]["id"].to_numpy())
        _draw_buildings(b, buildings[~mine])
        _draw_buildings(b, buildings[mine], served[mine], key="households")
    else:
        _draw_buildings(b, buildings)
    facilities = ctx.layer("facilities", statuses, margin)
    if len(facilities):
        fg = b.group("facilities", word("facilities", lang))
        b.geojson(fg, facilities, {"color": style.FACILITY_COLOUR, "fillColor":
                                   style.FACILITY_COLOUR, "fillOpacity": 0.8, "weight": 1},
                  point_radius=6)
        b.legend_item("dot", style.FACILITY_COLOUR, word("facilities", lang))
    garbage = ctx.layer("garbage", statuses, margin)
    if len(garbage):
        fg = b.group("garbage", word("garbage", lang))
        existing, planned = _planned_split(garbage)
        for cls, colour in style.GARBAGE_COLOUR.items():
            part = existing[existing["class"] == cls]
            if len(part):
                b.geojson(fg, part, {"color": "#222", "weight": 1, "fillColor": colour,
                                     "fillOpacity": 1.0}, point_radius=5)
                b.legend_item("dot", colour, word(cls, lang))
        b.geojson(fg, planned, {"color": "#222", "weight": 2, "fillOpacity": 0,
                                "dashArray": "3 3"}, point_radius=6)
        if view == "garbage" and cov is not None:
            serving = garbage[garbage["class"].isin(cov.params["classes"])]
            circles = serving.set_geometry(serving.buffer(cov.params["radius_m"], quad_segs=16))
            fg2 = b.group("service_area", word("service_area", lang))
            b.geojson(fg2, circles, {"color": style.GARBAGE_COLOUR["collection_point"],
                                     "weight": 1, "fillOpacity": 0.08})
            b.legend_item("fill", "#c6dbef", f"{word('service_area', lang)} "
                          f"{cov.params['radius_m']:g} m")
    lights = ctx.layer("lights", statuses, margin)
    if view == "lights":
        r = radius if radius is not None else 15.0
        cov = lighting_coverage(ctx, radius=r, include_planned=include_planned)[0]
        # the reach drawn is that of the lights the gaps were computed from (existing)
        working = lights[lights["working"].astype(bool) & (lights["status"] == "existing")]
        reach = working.set_geometry(working.buffer(r, quad_segs=8))
        fg = b.group("light_reach", word("light_reach", lang))
        b.geojson(fg, reach, {"color": style.LIGHT_COLOUR, "weight": 0, "fillColor":
                              style.LIGHT_COLOUR, "fillOpacity": 0.25}, ())
        b.legend_item("fill", "#fbe39a", f"{word('light_reach', lang)} {r:g} m")
        fg = b.group("unlit_gaps", word("unlit_gaps", lang))
        b.geojson(fg, cov.layers.get("unlit_gaps", _EMPTY), {"color": style.GAP_COLOUR,
                                                             "weight": 5, "opacity": 0.85},
                  ("class", "length_m"))
        b.legend_item("line", style.GAP_COLOUR, word("unlit_gaps", lang))
        fg = b.group("proposed_lights", word("proposed_lights", lang))
        b.geojson(fg, cov.layers.get("proposed_lights", _EMPTY), {"color": style.PROPOSED_COLOUR,
                                                                  "weight": 2,
                                                                  "fillOpacity": 0},
                  ("status",), point_radius=4)
        b.legend_item("dot", style.PROPOSED_COLOUR, word("proposed_lights", lang))
    if len(lights):
        fg = b.group("lights", word("lights", lang))
        existing, planned = _planned_split(lights)
        b.geojson(fg, existing, {"color": "#7a5c00", "weight": 1, "fillColor":
                                 style.LIGHT_COLOUR, "fillOpacity": 1}, ("class", "working",
                                                                         "status"),
                  point_radius=3)
        b.geojson(fg, planned, {"color": style.LIGHT_COLOUR, "weight": 2, "fillOpacity": 0,
                                "dashArray": "2 2"}, ("class", "status"), point_radius=4)
        b.legend_item("dot", style.LIGHT_COLOUR, word("lights", lang))
        if len(planned):
            b.legend_item("dot", "#fff3c4", f"{word('lights', lang)} ({word('planned', lang)})")
    if view == "garbage" and cov is not None:
        fg = b.group("proposed_points", word("proposed_points", lang))
        b.geojson(fg, cov.layers["proposed_points"], {"color": style.PROPOSED_COLOUR,
                                                      "weight": 3, "fillOpacity": 0},
                  ("rank",), point_radius=6)
        b.legend_item("dot", style.PROPOSED_COLOUR, word("proposed_points", lang))
    _draw_villages(b, others if len(others) else village, {int(village["id"].iloc[0])})
    if cov is not None:
        summary = _summary(title, summary_rows(cov, lang), lang)
    return b.finish(summary)


def summary_rows(cov: Coverage, lang: Lang) -> list[tuple[str, Any, Any]]:
    """The before/after rows a map or figure shows for a coverage result."""
    after = cov.with_planned or {}
    keys = (["road_length_m", "lit_length_m", "lit_share", "unlit_gap_length_m",
             "proposed_lights"] if cov.kind == "lights" else
            ["households", "served_share", "unserved_households", "proposed_points"])
    return [(word(k, lang), cov.figures.get(k), after.get(k) if after else None) for k in keys]


def corridor_map(ctx: Context, *, distance: float = 500.0,
                 road_classes: tuple[str, ...] = TRUNK_CLASSES, railways: bool = True,
                 visible: VisibilityParams | None = None,
                 lang: Lang = "zh", assets: AssetMode = "inline") -> folium.Map:
    """Trunk roads and railways with their corridor band; villages in it highlighted.

    With ``visible``, also the terrain seen from the lines (observers every
    ``visible.spacing_m``) and each village's share of buildings seen.
    """
    rows = {r["village_id"]: r for r in corridor(ctx, distance=distance,
                                                 road_classes=road_classes, railways=railways)}
    villages = ctx.villages.copy()
    villages["in_corridor"] = [rows[int(i)]["in_corridor"] for i in villages["id"]]
    villages["distance_m"] = [rows[int(i)]["distance_m"] for i in villages["id"]]
    b = MapBuilder(ctx, _bounds(villages, 500), word("corridor_map", lang), lang, assets)
    seen_rows: list[tuple[str, Any, Any]] = []
    vis = None if visible is None else corridor_visibility(
        ctx, road_classes=road_classes, railways=railways, params=visible, full=True)
    if vis is not None:
        villages["visible_share"] = [vis.villages[int(i)]["visible_share"]
                                     for i in villages["id"]]
        seen_rows = [(word("visible_villages", lang),
                      sum(1 for v in vis.villages.values() if v["visible_buildings"]), None)]
    lines = ctx.layer("roads", EXISTING, distance)
    lines = lines[lines["class"].isin(road_classes)]
    rails = ctx.layer("railways", EXISTING, distance) if railways else lines.iloc[:0]
    fg = b.group("villages", word("villages", lang))
    for flag, colour, key in ((True, "#d73027", "in_corridor"), (False, "#91bfdb", "outside")):
        part = villages[villages["in_corridor"] == flag]
        b.geojson(fg, part, {"color": "#555", "weight": 1, "fillColor": colour,
                             "fillOpacity": 0.3},
                  ("name", "distance_m", *(("visible_share",) if visible else ())))
        if len(part):
            b.legend_item("fill", colour, word(key, lang))
    _labels(b, fg, villages[villages["in_corridor"]])
    if vis is not None:
        # over the villages' fill, letting clicks through to them
        area = vis.visible_area()
        fg = b.group("visible_area", word("visible_area", lang))
        if len(area):
            area = gpd.GeoDataFrame(geometry=[shapely.simplify(
                shapely.union_all(area.geometry.values), vis.terrain.cell / 4)], crs=area.crs)
            b.geojson(fg, area, {"color": "#1a9641", "weight": 0.5, "fillColor": "#1a9641",
                                 "fillOpacity": 0.45}, (), interactive=False)
        b.legend_item("fill", "#1a9641", f"{word('visible_area', lang)} "
                      f"≤ {vis.params.max_distance_m:g} m")
    band_parts = [g for g in (lines.geometry.values, rails.geometry.values) if len(g)]
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
        part = lines[lines["class"] == cls]
        if len(part):
            b.geojson(fg, part, {"color": colour, "weight": width})
            b.legend_item("line", colour, word(cls, lang))
    if len(rails):
        fg = b.group("railways", word("railways", lang))
        b.geojson(fg, rails, {"color": style.RAIL_COLOUR, "weight": 3, "dashArray": "10 5"})
        b.legend_item("dash", style.RAIL_COLOUR, word("railways", lang))
    inside = int(villages["in_corridor"].sum())
    summary = _summary(word("corridor_map", lang), [
        (word("in_corridor", lang), inside, None), (word("outside", lang),
                                                    len(villages) - inside, None),
        (word("distance_m", lang), distance, None), *seen_rows], lang)
    return b.finish(summary)


_RAMP = ("#d7191c", "#fdae61", "#ffffbf", "#a6d96a", "#1a9641")


def ranked_villages(ctx: Context, *, top: int = 10, weights: Weights | None = None,
                    seen: VisibilityParams | None = None
                    ) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Every village with its ``rank`` and ``score`` (NaN unscored), and the ranking.

    The ranking's ``candidates`` are cut to the best ``top``; visibility is measured
    with ``seen`` when the area has terrain.
    """
    result = rank_area(ctx, weights=weights, top=max(len(ctx.villages), 1), params=seen)
    by_id = {c["village_id"]: c for c in result["candidates"]}
    villages = ctx.villages.copy()
    villages["rank"] = [by_id[int(i)]["rank"] if int(i) in by_id else None
                        for i in villages["id"]]
    villages["score"] = [by_id[int(i)]["score"] if int(i) in by_id else np.nan
                         for i in villages["id"]]
    result["candidates"] = result["candidates"][:top]
    result["top"] = top
    return villages, result


def _ranking_html(result: dict[str, Any], lang: Lang) -> str:
    head = (f"<tr><th>{word('rank', lang)}</th><th>{word('village_name', lang)}</th>"
            f"<th>{word('score', lang)}</th></tr>")
    body = "".join(f"<tr><td>{c['rank']}</td><td>{html.escape(c['village'])}</td>"
                   f"<td>{c['score']:.1f}</td></tr>" for c in result["candidates"])
    return (f"<div class='vgis-summary'><h4>{html.escape(word('candidates', lang))}</h4>"
            f"<table>{head}{body}</table></div>")


def candidates_map(ctx: Context, *, top: int = 10, weights: Weights | None = None,
                   seen: VisibilityParams | None = None, lang: Lang = "zh",
                   assets: AssetMode = "inline") -> folium.Map:
    """Villages shaded by candidate score (five 20-point classes), the best ``top`` numbered.

    A village's popup gives its rank, score and each criterion's score; the summary
    box lists the best ``top``.
    """
    villages, result = ranked_villages(ctx, top=top, weights=weights, seen=seen)
    by_id = {c["village_id"]: c for c in result["candidates"]}
    for crit in ("location", "environment", "culture", "industry", "cadre"):
        villages[crit] = [by_id[int(i)]["criteria"][crit]["score"] if int(i) in by_id
                          else None for i in villages["id"]]
    b = MapBuilder(ctx, _bounds(villages, 200), f"{ctx.area} · {word('candidates_map', lang)}",
                   lang, assets)
    _draw_context(b, ctx, EXISTING, 0)
    _draw_roads(b, ctx.layer("roads", EXISTING, classes=TRUNK_CLASSES))
    fields = ("name", "rank", "score", "location", "environment", "culture", "industry",
              "cadre")
    scores = villages["score"].to_numpy(dtype=float, na_value=np.nan)
    fg = b.group("villages", word("villages", lang))
    for k, colour in enumerate(_RAMP):
        lo, hi = k * 20, (k + 1) * 20
        part = villages[(scores >= lo) & ((scores < hi) | ((k == 4) & (scores <= hi)))]
        b.geojson(fg, part, {"color": "#444", "weight": 1, "fillColor": colour,
                             "fillOpacity": 0.55}, fields)
        if len(part):
            b.legend_item("fill", colour, f"{word('score', lang)} {lo}–{hi}")
    missing = villages[np.isnan(scores)]
    b.geojson(fg, missing, {"color": "#444", "weight": 1, "fillColor": "#cccccc",
                            "fillOpacity": 0.4}, ("name",))
    best = villages[villages["id"].isin(list(by_id))]
    fg = b.group("candidates", word("candidates", lang))
    b.geojson(fg, best, {"color": "#6a00a8", "weight": 3, "fillOpacity": 0}, fields)
    b.legend_item("line", "#6a00a8", top_label(top, lang))
    points = _display_coords(best.set_geometry(best.representative_point()))
    for name, rank, pt in zip(points["name"], points["rank"], points.geometry, strict=True):
        folium.Marker([pt.y, pt.x], icon=folium.DivIcon(
            html=f"<div class='vgis-label'><b>{int(rank)}</b> {html.escape(str(name))}</div>",
            icon_size=(140, 16), icon_anchor=(70, 8), class_name="vgis-label")).add_to(fg)
    return b.finish(_ranking_html(result, lang))


def overview_map(ctx: Context, *, metric: Metric = "lit_share", lang: Lang = "zh",
                 assets: AssetMode = "inline") -> folium.Map:
    """Every village of an area coloured by a metric (shares in five 20 % classes)."""
    if metric == "lit_share":
        values = {c.village_id: c.figures["lit_share"]
                  for c in lighting_coverage(ctx, details=False)}
    elif metric == "served_share":
        values = {c.village_id: c.figures["served_share"]
                  for c in household_coverage(ctx, details=False)}
    elif metric == "hardened_share":
        values = {c.village_id: c.figures["hardened_share"] for c in road_hardening(ctx)}
    else:
        values = {c.village_id: c.figures["households"]
                  for c in household_coverage(ctx, details=False)}
    villages = ctx.villages.copy()
    villages[metric] = [values.get(int(i)) for i in villages["id"]]
    b = MapBuilder(ctx, _bounds(villages, 200), f"{ctx.area} · {word('overview_map', lang)}",
                   lang, assets)
    _draw_context(b, ctx, EXISTING, 0)
    roads = ctx.layer("roads", EXISTING)
    _draw_roads(b, roads[roads["class"].isin(ROAD_CLASSES[:6])])
    vals = villages[metric].to_numpy(dtype=float, na_value=np.nan)
    top = 1.0 if metric != "households" else max(float(np.nanmax(vals)) if
                                                  np.isfinite(vals).any() else 1.0, 1.0)
    edges = np.linspace(0, top, 6)
    fg = b.group("villages", word("villages", lang))
    for k, colour in enumerate(_RAMP):
        lo, hi = edges[k], edges[k + 1]
        part = villages[(vals >= lo) & ((vals < hi) | ((k == 4) & (vals <= hi)))]
        b.geojson(fg, part, {"color": "#444", "weight": 1, "fillColor": colour,
                             "fillOpacity": 0.6}, ("name", metric, "population"))
        label = (f"{lo:.0%}–{hi:.0%}" if metric != "households" else f"{lo:,.0f}–{hi:,.0f}")
        b.legend_item("fill", colour, f"{word(metric, lang)} {label}")
    missing = villages[np.isnan(vals)]
    b.geojson(fg, missing, {"color": "#444", "weight": 1, "fillColor": "#cccccc",
                            "fillOpacity": 0.4}, ("name",))
    if len(missing):
        b.legend_item("fill", "#cccccc", word("no_data", lang))
    _labels(b, fg, villages)
    return b.finish(None)
