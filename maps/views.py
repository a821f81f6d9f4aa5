"""The village map planners open: its layout, or its lights or garbage coverage view.

Also the drawing every map shares: roads by class, context layers (zones, drainage,
railways), village boundaries with names, buildings, and the summary box.
"""

from __future__ import annotations

import html
from dataclasses import replace
from typing import Any, Literal

import folium
import geopandas as gpd
import numpy as np
import shapely

from gis.context import EXISTING, WITH_PLANNED, Context
from gis.lighting import lighting_coverage
from gis.measure import households_in_villages
from gis.params import PLANNED_ON_SHEETS, CoverageOptions, LightingParams, ServiceParams
from gis.results import Coverage
from gis.service import household_coverage
from layers.schema import ROAD_CLASSES, WGS84
from maps import style
from maps.assets import AssetMode
from maps.interactive import POINT_CLOUD_AT, MapBuilder
from maps.style import Lang, language, word

_EMPTY = gpd.GeoDataFrame(geometry=[], crs=WGS84)


View = Literal["layout", "lights", "garbage"]
VIEW_KINDS: dict[str, str] = {"lights": "lights", "garbage": "garbage"}
"""The coverage kind a village view draws (the layout view draws none)."""


def view_analysis(view: str, options: CoverageOptions | None
                  ) -> tuple[CoverageOptions, LightingParams | ServiceParams | None]:
    """The options with ``include_planned`` decided for a sheet, and the view's analysis."""
    options = options or CoverageOptions()
    if options.include_planned is None:
        options = replace(options, include_planned=PLANNED_ON_SHEETS)
    kind = VIEW_KINDS.get(view)
    params = None if kind is None else options.params(kind)
    assert params is None or isinstance(params, LightingParams | ServiceParams)
    return options, params


def map_bounds(frame: gpd.GeoDataFrame, margin_m: float) -> list[float]:
    """The extent of a metric frame grown by ``margin_m`` metres, as lon/lat degrees."""
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


def summary_box(title: str, rows: list[tuple[str, Any, Any]], lang: Lang) -> str:
    """The figures box of a map: rows of (label, value, value after the plan or None)."""
    has_after = any(r[2] is not None for r in rows)
    head = f"<tr><th></th><th>{word('before' if has_after else 'value', lang)}</th>" + (
        f"<th>{word('after', lang)}</th>" if has_after else "") + "</tr>"
    body = "".join(
        f"<tr><td>{html.escape(k)}</td><td>{format_figure(k, a)}</td>"
        + (f"<td>{format_figure(k, b)}</td>" if has_after else "") + "</tr>"
        for k, a, b in rows)
    return (f"<div class='vgis-summary'><h4>{html.escape(title)}</h4>"
            f"<table>{head}{body}</table></div>")


def _statuses(frame: gpd.GeoDataFrame) -> tuple[str, ...]:
    """The statuses a frame was read with, as far as its rows tell (existing at least)."""
    return tuple(sorted({"existing", *frame["status"].unique()}))


def draw_roads(b: MapBuilder, roads: gpd.GeoDataFrame) -> None:
    """Roads by class in the planners' hierarchy; planned roads dashed.

    Served pages draw them from vector tiles: the classes in ``roads``, everywhere in
    the area (the legend lists those of ``roads``).
    """
    lang = b.lang
    existing, planned = _planned_split(roads)
    present = [c for c in ROAD_CLASSES if (existing["class"] == c).any()]
    if b.tiled:
        shown = set(roads["class"])
        b.tiles("roads", word("roads", lang), "roads", _statuses(roads), {
            c: {"color": style.ROAD_STYLE[c][0], "weight": style.ROAD_STYLE[c][1],
                "opacity": 0.9} for c in ROAD_CLASSES},
            {"color": "#000", "weight": 1}, ("name", "class", "surface", "width_m", "status"),
            hide=[c for c in ROAD_CLASSES if c not in shown])
    else:
        fg = b.group("roads", word("roads", lang))
        for cls in present:
            colour, width = style.ROAD_STYLE[cls]
            b.geojson(fg, existing[existing["class"] == cls],
                      {"color": colour, "weight": width, "opacity": 0.9},
                      ("name", "class", "surface", "width_m", "status"))
        if len(planned):
            b.geojson(fg, planned, {"color": "#000", "weight": 2.5, "dashArray": "6 4"},
                      ("name", "class", "surface", "status"))
    for cls in present:
        b.legend_item("line", style.ROAD_STYLE[cls][0], word(cls, lang))
    if len(planned):
        b.legend_item("dash", "#000", f"{word('roads', lang)} ({word('planned', lang)})")


def draw_context(b: MapBuilder, ctx: Context, statuses: tuple[str, ...], margin: float,
                  buildings_style: bool = True) -> None:
    """Zones, drainage (covered dashed) and railways within ``margin`` metres."""
    lang = b.lang
    zones = ctx.layer("zones", statuses, margin)
    if len(zones):
        fg = b.group("zones", word("zones", lang))
        for cls, colour in style.ZONE_COLOUR.items():
            part = zones[zones["class"] == cls]
            if len(part):
                b.geojson(fg, part, {"color": colour, "fillColor": colour, "fillOpacity": 0.25,
                                     "weight": 1}, context=True)
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
            b.geojson(fg, part, st, ("name", "class", "covered", "status"), context=True)
            if len(part):
                b.legend_item("dash" if dash else "line", colour,
                              f"{word('drainage', lang)} ({word('covered' if covered else 'open', lang)})")  # noqa: E501
    rails = ctx.layer("railways", statuses, margin)
    if len(rails):
        fg = b.group("railways", word("railways", lang))
        b.geojson(fg, rails, {"color": style.RAIL_COLOUR, "weight": 3, "dashArray": "10 5"},
                  context=True)
        b.legend_item("dash", style.RAIL_COLOUR, word("railways", lang))


def draw_villages(b: MapBuilder, villages: gpd.GeoDataFrame, focus: set[int] | None = None
                  ) -> None:
    """Village boundaries (those in ``focus`` bold and named, the others faint)."""
    lang = b.lang
    fg = b.group("villages", word("villages", lang))
    main = villages if focus is None else villages[villages["id"].isin(focus)]
    others = villages.iloc[:0] if focus is None else villages[~villages["id"].isin(focus)]
    b.geojson(fg, main, {"color": style.VILLAGE_EDGE, "weight": 3, "fill": False,
                         "dashArray": "8 4"}, ("name", "code", "population", "households"))
    b.geojson(fg, others, {"color": style.VILLAGE_EDGE, "weight": 1, "fill": False,
                           "opacity": 0.5}, ("name", "code"), context=True)
    b.legend_item("dash", style.VILLAGE_EDGE, word("villages", lang))
    draw_labels(b, fg, main)


def draw_labels(b: MapBuilder, fg: folium.FeatureGroup, villages: gpd.GeoDataFrame) -> None:
    """The villages' names at a point inside each."""
    if villages.empty:
        return
    b.labels(fg, villages.set_geometry(villages.representative_point()),
             [str(n) for n in villages["name"]])


def draw_buildings(b: MapBuilder, buildings: gpd.GeoDataFrame,
                   served: np.ndarray | None = None) -> None:
    """Buildings as footprints, households coloured by ``served`` when given.

    ``served`` holds 1 (served), 0 (unserved) or NaN (not a household) per building.
    Served pages draw them from vector tiles (the households coloured by id). Files
    draw them inline, as one canvas point cloud of their centroids above
    :data:`~maps.interactive.POINT_CLOUD_AT` features.
    """
    lang = b.lang
    flags = np.full(len(buildings), np.nan) if served is None else np.asarray(served, float)
    homes = ~np.isnan(flags)
    plain = {"color": style.BUILDING_EDGE, "weight": 0.5, "fillColor": style.BUILDING_FILL,
             "fillOpacity": 0.8, "fill": True}
    classes = ((1.0, style.SERVED, "served"), (0.0, style.UNSERVED, "unserved"))
    if (~homes).any() or not len(buildings):
        b.legend_item("fill", style.BUILDING_FILL, word("buildings", lang))
    if homes.any():
        for _, colour, key in classes:
            b.legend_item("fill", colour, word(key, lang))
    fields = ("name", "class", "households", "status")
    if b.tiled:
        ids = buildings["id"].to_numpy()
        fg = b.tiles("buildings", word("buildings", lang), "buildings", _statuses(buildings),
                     {}, plain, fields,
                     ids=[(colour, ids[flags == flag].tolist()) for flag, colour, _ in classes])
        if homes.any():
            b.alias("households", fg)
        return
    if len(buildings) > POINT_CLOUD_AT:
        b.point_cloud("buildings", word("buildings", lang), buildings, style.BUILDING_EDGE)
        return
    fg = b.group("buildings", word("buildings", lang))
    b.geojson(fg, buildings[~homes], plain, fields)
    if homes.any():
        fg = b.group("households", word("households", lang))
        for flag, colour, _ in classes:
            b.geojson(fg, buildings[flags == flag], {"color": colour, "weight": 0.5,
                                                     "fillColor": colour, "fillOpacity": 0.85},
                      fields)


def village_map(ctx: Context, *, view: View = "layout",
                options: CoverageOptions | None = None, lang: Lang | None = None,
                assets: AssetMode = "inline") -> folium.Map:
    """The village layout map, or its lights or garbage coverage view.

    Parameters
    ----------
    ctx
        Context of one village (:meth:`gis.context.Context.load` with a village).
    view
        ``layout`` (every layer), ``lights`` (reach, unlit gaps, proposed lights) or
        ``garbage`` (service circles, served/unserved buildings, proposed points).
    options
        The analysis of the view (radius in metres, classes, distance); planned
        features are drawn, with before/after figures, unless ``include_planned`` is
        False.
    lang
        Labels in Chinese (``zh``) or English (``en``); default the ``VGIS_LANGUAGE``.
    assets
        ``inline`` (self-contained file) or ``served`` (scripts from the service).
    """
    lang = language(lang)
    options, params = view_analysis(view, options)
    include_planned = bool(options.include_planned)
    statuses = WITH_PLANNED if include_planned else EXISTING
    village = ctx.villages.iloc[[0]]
    margin = 150.0
    name = str(village["name"].iloc[0])
    title = f"{name} · {word({'layout': 'village_layout', 'lights': 'lights_map', 'garbage': 'garbage_map'}[view], lang)}"  # noqa: E501
    b = MapBuilder(ctx, map_bounds(village, margin), title, lang, assets)
    others = ctx.layer("villages", EXISTING, margin * 10)
    draw_context(b, ctx, statuses, margin)
    roads = ctx.layer("roads", statuses, margin)
    draw_roads(b, roads)
    buildings = ctx.layer("buildings", statuses, margin)
    summary = None
    cov: Coverage[Any, Any] | None = None
    if isinstance(params, ServiceParams):
        cov = household_coverage(ctx, params)[0]
        # colours follow the analysis of existing features; planned houses stay neutral
        homes = households_in_villages(buildings[buildings["status"] == "existing"], village)
        ids = buildings["id"].to_numpy()
        existing = buildings[buildings["status"] == "existing"]["id"].to_numpy()
        mine = np.isin(ids, existing[homes.building])
        served = ~np.isin(ids, cov.layers["unserved_buildings"]["id"].to_numpy())
        draw_buildings(b, buildings, np.where(mine, served.astype(float), np.nan))
    else:
        draw_buildings(b, buildings)
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
        if isinstance(params, ServiceParams):
            serving = garbage[garbage["class"].isin(params.classes)]
            circles = serving.set_geometry(serving.buffer(params.radius_m, quad_segs=16))
            fg2 = b.group("service_area", word("service_area", lang))
            b.geojson(fg2, circles, {"color": style.GARBAGE_COLOUR["collection_point"],
                                     "weight": 1, "fillOpacity": 0.08})
            b.legend_item("fill", "#c6dbef", f"{word('service_area', lang)} "
                          f"{params.radius_m:g} m")
    lights = ctx.layer("lights", statuses, margin)
    if isinstance(params, LightingParams):
        r = params.radius_m
        cov = lighting_coverage(ctx, params)[0]
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
    draw_villages(b, others if len(others) else village, {int(village["id"].iloc[0])})
    if cov is not None:
        summary = summary_box(title, summary_rows(cov, lang), lang)
    return b.finish(summary)


def summary_rows(cov: Coverage[Any, Any], lang: Lang) -> list[tuple[str, Any, Any]]:
    """The before/after rows a map or figure shows for a coverage result."""
    after = cov.with_planned
    keys = (["road_length_m", "lit_length_m", "lit_share", "unlit_gap_length_m",
             "proposed_lights"] if cov.kind == "lights" else
            ["households", "served_share", "unserved_households", "proposed_points"])
    return [(word(k, lang), getattr(cov.figures, k, None),
             getattr(after, k, None) if after is not None else None) for k in keys]
