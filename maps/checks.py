"""The map of an area's data checks: every finding a toggleable layer, popups in both languages.

Each finding (:class:`gis.findings.Finding`) is one layer group: the features it
concerns drawn in the colour of its severity, and a marker at each of its locations
whose popup gives the check, its severity and the explanation in Chinese and English.
Roads and village boundaries are drawn below for orientation; information findings
start hidden. Assets are local as on every map (:mod:`maps.interactive`).
"""

from __future__ import annotations

import folium
import geopandas as gpd
import numpy as np
import shapely

from gis.context import EXISTING, Context
from gis.findings import CheckReport, Finding, Severity
from layers.schema import WGS84
from maps.assets import AssetMode
from maps.interactive import MapBuilder
from maps.style import Lang, language, word
from maps.views import draw_roads, draw_villages, map_bounds, summary_box

SEVERITY_COLOUR: dict[Severity, str] = {"error": "#b2182b", "warning": "#e66101",
                                        "info": "#2166ac"}
SEVERITY_WORDS: dict[Severity, tuple[str, str]] = {
    "error": ("错误", "error"), "warning": ("警告", "warning"), "info": ("提示", "info")}
CHECK_LABELS: dict[str, tuple[str, str]] = {
    "layer_empty": ("图层为空", "Empty layer"),
    "roads_disconnected": ("路网不连通", "Road network in parts"),
    "roads_isolated": ("孤立的小段路网", "Isolated road pieces"),
    "roads_crossing_unnoded": ("相交处无共用节点", "Crossings without a vertex"),
    "roads_dangling": ("未接上的路端（欠头）", "Dangling ends (undershoots)"),
    "duplicates": ("重复要素", "Duplicate features"),
    "lights_off_road": ("远离道路的路灯", "Lights off the road"),
    "garbage_off_road": ("远离道路的垃圾点", "Garbage points off the road"),
    "buildings_no_households": ("没有户数的住宅", "Homes without households"),
    "households_assumed": ("户数按每栋 1 户假定", "Households assumed"),
    "villages_without_roads": ("没有道路的村", "Villages without roads"),
}
"""What a finding's layer is called on the map and in tables (Chinese, English)."""
_FIELDS: dict[Lang, tuple[str, str, str, str]] = {  # popup labels (JavaScript names)
    "zh": ("检查", "严重程度", "说明", "Explanation"),
    "en": ("Check", "Severity", "说明", "Explanation")}


def check_label(finding: Finding, lang: Lang) -> str:
    """The name of a finding's check in ``lang`` (with the layer where a check has several)."""
    zh, en = CHECK_LABELS.get(finding.code, (finding.code, finding.code))
    label = zh if lang == "zh" else en
    return f"{label} · {word(finding.layer, lang)}" if finding.code == "duplicates" else label


def severity_word(severity: Severity, lang: Lang) -> str:
    """``警告`` or ``warning``."""
    zh, en = SEVERITY_WORDS[severity]
    return zh if lang == "zh" else en


def _bounds(ctx: Context, report: CheckReport) -> list[float]:
    """The extent of the area's villages, roads and findings, lon/lat degrees."""
    parts = [np.asarray(ctx.villages.geometry.values),
             np.asarray(ctx.layer("roads", EXISTING).geometry.values)]
    points = [xy for f in report.findings for xy in f.locations]
    if points:
        spots = gpd.GeoSeries(shapely.points(np.asarray(points)), crs=WGS84).to_crs(ctx.epsg)
        parts.append(np.asarray(spots.values))
    for layer in ("buildings", "lights", "garbage"):  # an area without roads or villages
        if not any(len(p) for p in parts):
            parts.append(np.asarray(ctx.layer(layer, EXISTING).geometry.values))
    geoms = np.concatenate([np.asarray(p, dtype=object) for p in parts])
    if not len(geoms):
        geoms = np.array([shapely.Point(0, 0)], dtype=object)
    return map_bounds(gpd.GeoDataFrame(geometry=geoms, crs=ctx.epsg), 100.0)


def _draw(b: MapBuilder, ctx: Context, finding: Finding, key: str) -> None:
    """One finding as a layer group: its features and its location markers."""
    lang, colour = b.lang, SEVERITY_COLOUR[finding.severity]
    fg = b.group(key, f"{check_label(finding, lang)} ({finding.count:,})",
                 show=finding.severity != "info")
    if finding.feature_ids and finding.layer in ("roads", "buildings", "villages",
                                                 "drainage", "railways", "zones",
                                                 "facilities"):
        frame = ctx.layer(finding.layer, EXISTING)
        mine = frame[frame["id"].isin(finding.feature_ids)]
        b.geojson(fg, mine, {"color": colour, "weight": 5, "opacity": 0.8,
                             "fillColor": colour, "fillOpacity": 0.15},
                  ("name", "class", "status"), point_radius=5)
    if finding.locations:
        where = shapely.points(np.asarray(finding.locations))
        fields = _FIELDS[lang]
        rows = {fields[0]: f"{check_label(finding, lang)} ({finding.code})",
                fields[1]: severity_word(finding.severity, lang),
                fields[2]: finding.message_zh, fields[3]: finding.message_en}
        spots = gpd.GeoDataFrame({k: [v] * len(where) for k, v in rows.items()},
                                 geometry=where, crs=WGS84)
        b.geojson(fg, spots, {"color": "#222", "weight": 1.5, "fillColor": colour,
                              "fillOpacity": 0.9}, fields, point_radius=6)


def check_map(ctx: Context, report: CheckReport, *, lang: Lang | None = None,
              assets: AssetMode = "inline") -> folium.Map:
    """The findings of ``report`` on a map of the area of ``ctx``.

    Parameters
    ----------
    ctx
        The context the report was made from (:func:`gis.checks.area_context`).
    report
        The area's findings (:func:`gis.checks.check_area`).
    lang
        Labels in Chinese (``zh``) or English (``en``); popups give both explanations.
    assets
        ``inline`` (a self-contained file) or ``served`` (scripts from the service).
    """
    lang = language(lang)
    title = f"{ctx.area} · {'数据检查' if lang == 'zh' else 'Data checks'}"
    b = MapBuilder(ctx, _bounds(ctx, report), title, lang, assets)
    roads = ctx.layer("roads", EXISTING)
    if len(roads):
        draw_roads(b, roads)
    if len(ctx.villages):
        draw_villages(b, ctx.villages)
    drawn: set[Severity] = set()
    for finding in report.findings:  # (code, layer) is unique within a report
        _draw(b, ctx, finding, f"check_{finding.code}_{finding.layer}")
        drawn.add(finding.severity)
    for severity in ("error", "warning", "info"):
        if severity in drawn:
            b.legend_item("dot", SEVERITY_COLOUR[severity], severity_word(severity, lang))
    rows = [(check_label(f, lang), f.count, None) for f in report.findings] or [
        ("没有发现问题" if lang == "zh" else "No finding", 0, None)]
    return b.finish(summary_box(title, rows, lang))
