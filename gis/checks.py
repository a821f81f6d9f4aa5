"""Data checks of an area: what a planner reads before trusting its figures.

:func:`check_area` reads every existing feature of an area (not only those near its
villages) through a :class:`~gis.context.Context` in the area's metric CRS and reports
what silently changes figures: a road network that falls apart or is not noded
(:mod:`gis.roadchecks`), duplicate features, lights and garbage points far from every
road, residential buildings without households, villages without roads. Each
:class:`~gis.findings.Finding` has a stable code; :data:`CODES` lists them in report
order, and docs/checks.md defines each exactly.
"""

from __future__ import annotations

from dataclasses import replace

import geopandas as gpd
import numpy as np
import shapely
from sqlalchemy import Engine, text

from gis.context import EXISTING, Context, find_villages, metric_epsg, utm_epsg
from gis.findings import (
    CheckParams,
    CheckReport,
    Finding,
    FindingMaker,
    ordered,
    percent,
    things,
)
from gis.roadchecks import road_findings
from gis.topology import duplicate_groups, nearest_distance
from layers.errors import UnknownVillage
from layers.schema import LAYERS, WGS84
from layers.store import check_area as check_area_exists

CODES: tuple[str, ...] = (
    "layer_empty", "roads_disconnected", "roads_isolated", "roads_crossing_unnoded",
    "roads_dangling", "duplicates", "lights_off_road", "garbage_off_road",
    "buildings_no_households", "households_assumed", "villages_without_roads",
)
"""Every finding's code, in the order a report lists them within a severity."""
WHOLE_AREA: tuple[float, float, float, float] = (-180.0, -90.0, 180.0, 90.0)
"""The bounds of a context that reads every feature of its area."""
_ASSUMED = "households=1 (residential building without a number)"
"""The import's record of households assumed (:mod:`layers.io.normalize`)."""


def area_context(engine: Engine, area: str, warm: Context | None = None) -> Context:
    """A context over every feature of ``area``, in its metric CRS.

    Parameters
    ----------
    engine
        The store.
    area
        The area checked.
    warm
        The area's context from the service's memory (:mod:`gis.warm`), when it has one:
        its features are read from there.

    Raises
    ------
    UnknownArea
        When there is no such area.
    """
    if warm is not None:
        return replace(warm, _cache={}, _bounds=WHOLE_AREA)
    check_area_exists(engine, area)
    try:
        villages = find_villages(engine, area=area)
        epsg = metric_epsg(engine, area)
    except UnknownVillage:  # no village at all: still check what there is
        villages = gpd.GeoDataFrame({"id": [], "name": []}, geometry=[], crs=WGS84)
        epsg = _epsg_of_data(engine, area)
    return Context(engine, area, epsg, villages.to_crs(epsg), _bounds=WHOLE_AREA)


def _epsg_of_data(engine: Engine, area: str) -> int:
    """The configured metric CRS of an area, or the UTM zone of its features' centre."""
    union = " UNION ALL ".join(f"SELECT geom FROM {name} WHERE area = :area" for name in LAYERS)
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT a.metric_epsg, ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM areas a "
            f"LEFT JOIN LATERAL (SELECT ST_Extent(geom) AS e FROM ({union}) f) s ON TRUE "
            "WHERE a.name = :area"), {"area": area}).first()
    if row is not None and row[0]:
        return int(row[0])
    if row is None or row[1] is None:
        return utm_epsg(0.0, 0.0)  # nothing to measure: any metric CRS will do
    return utm_epsg((row[1] + row[3]) / 2, (row[2] + row[4]) / 2)


def check_area(ctx: Context, params: CheckParams | None = None) -> CheckReport:
    """Every data check of the area of ``ctx`` (a context of :func:`area_context`).

    Only existing features are checked (what the figures count unless asked for the
    planned ones too). Distances are metres in the context's metric CRS.

    Returns
    -------
    CheckReport
        The area's findings, most serious first (none when every check passes).
    """
    make = FindingMaker(ctx.epsg, params or CheckParams())
    roads = ctx.layer("roads", EXISTING)
    found = _empty_layers(ctx, roads, make)
    found += road_findings(ctx.engine, ctx.area, roads, make)
    found += _duplicates(ctx, make)
    found += _off_road(ctx, roads, make)
    found += _households(ctx, make)
    found += _villages_without_roads(ctx, roads, make)
    return CheckReport(area=ctx.area, findings=ordered(found, CODES))


def _points(frame: gpd.GeoDataFrame) -> np.ndarray:
    """A point on each feature (itself for points), metric CRS."""
    return np.asarray(shapely.point_on_surface(np.asarray(frame.geometry.values)), dtype=object)


def _empty_layers(ctx: Context, roads: gpd.GeoDataFrame, make: FindingMaker) -> list[Finding]:
    found = []
    if ctx.villages.empty:
        found.append(make.make(
            "layer_empty", "error", "villages", 0,
            "该区域没有村界，也没有可以推导村界的地名点：按村统计的数字都无法计算。请加载村界"
            "（vgis load file … --layer villages）。",
            "The area has no village boundaries, nor place points to derive them from: no "
            "figure per village can be computed. Load the boundaries (vgis load file … "
            "--layer villages).", [], np.array([], dtype=object)))
    if roads.empty:
        found.append(make.make(
            "layer_empty", "error", "roads", 0,
            "该区域没有道路：路灯、道路硬化和排水的数字都无法计算，路网距离也无从谈起。",
            "The area has no roads: lighting, hardening and drainage figures cannot be "
            "computed, nor distances along roads.", [], np.array([], dtype=object)))
    return found


def _duplicates(ctx: Context, make: FindingMaker) -> list[Finding]:
    found = []
    for layer in LAYERS:
        frame = ctx.layer(layer, EXISTING)
        if len(frame) < 2:
            continue
        frame = frame.sort_values("id", kind="stable")
        group = duplicate_groups(np.asarray(frame.geometry.values), make.params.grid_m)
        copies = (group >= 0) & _later_copies(group)
        if not copies.any():
            continue
        groups = len(np.unique(group[group >= 0]))
        n = int(copies.sum())
        firsts = (group >= 0) & ~copies
        found.append(make.make(
            "duplicates", "warning", layer, n,
            f"{layer} 图层有 {n} 个要素与另一个要素的几何完全相同（{groups} 组，坐标精确到 "
            f"{make.params.grid_m * 100:g} cm）：多半是同一文件加载了两次或两个来源重叠，"
            "会被重复计数。",
            f"Features of the {layer} layer with exactly the geometry of another (coordinates "
            f"to {make.params.grid_m * 100:g} cm): {n:,} extra copies in "
            f"{things(groups, 'group', 'groups')}; most likely a file loaded "
            "twice or two sources overlapping; they are counted twice.",
            frame["id"].to_numpy()[copies], _points(frame[firsts]), groups=groups))
    return found


def _later_copies(group: np.ndarray) -> np.ndarray:
    """Whether each label occurs earlier in ``group`` (the first of each stays False)."""
    _, first = np.unique(group, return_index=True)
    seen = np.ones(len(group), dtype=bool)
    seen[first] = False
    return seen


def _off_road(ctx: Context, roads: gpd.GeoDataFrame, make: FindingMaker) -> list[Finding]:
    if roads.empty:
        return []
    d = make.params.off_road_m
    found = []
    for layer, code, zh_what, en_what, zh_why, en_why in (
        ("lights", "lights_off_road", "路灯", "street lights",
         "这样的路灯照不到任何道路，亮化率里不起作用：多是测量位置偏了，或道路图层缺了路。",
         "such a light lights no road and adds nothing to the lit share: mostly a surveyed "
         "position off by some metres, or a road missing from the road layer."),
        ("garbage", "garbage_off_road", "垃圾收集点", "garbage points",
         "收运车辆难以到达；按路网距离计算时，它们要走很长的一段才进入路网：请核对位置或补上道路。",
         "collection vehicles hardly reach them, and along the network they enter the roads "
         "only after a long walk: check the position, or add the road."),
    ):
        points = ctx.layer(layer, EXISTING)
        if points.empty:
            continue
        dist = nearest_distance(np.asarray(points.geometry.values),
                                np.asarray(roads.geometry.values))
        far = np.flatnonzero(dist > d)
        if not len(far):
            continue
        far = far[np.argsort(-dist[far], kind="stable")]
        n, total, worst = len(far), len(points), float(dist[far[0]])
        found.append(make.make(
            code, "warning", layer, n,
            f"{n} 个{zh_what}（共 {total} 个，{percent(n / total)}）离最近的道路超过 {d:g} m，"
            f"最远 {worst:,.0f} m：" + zh_why,
            f"Farther than {d:g} m from any road: {n:,} of {total:,} {en_what} "
            f"({percent(n / total)}), the farthest {worst:,.0f} m; " + en_why,
            points["id"].to_numpy()[far], np.asarray(points.geometry.values)[far],
            points=total, farthest_m=round(worst, 1)))
    return found


def _households(ctx: Context, make: FindingMaker) -> list[Finding]:
    buildings = ctx.layer("buildings", EXISTING)
    homes = buildings[(buildings["class"] == "residential").to_numpy()]
    if homes.empty:
        return []
    found = []
    numbers = homes["households"].to_numpy(dtype=float, na_value=np.nan)
    missing, zero = np.isnan(numbers), numbers == 0
    bad = missing | zero
    if bad.any():
        n = int(bad.sum())
        found.append(make.make(
            "buildings_no_households", "warning", "buildings", n,
            f"{n} 栋住宅没有户数（{int(missing.sum())} 栋为空，按 1 户计；"
            f"{int(zero.sum())} 栋为 0，按 0 户计）：垃圾和服务覆盖率里的户数因此不准。"
            "请用调查表补上户数。",
            f"Residential buildings without a number of households: {n:,} "
            f"({int(missing.sum()):,} empty, counted as 1; {int(zero.sum()):,} zero, counted "
            "as 0); the households of the "
            "garbage and service figures are off. Fill them in from a survey.",
            homes["id"].to_numpy()[bad], _points(homes[bad]),
            empty=int(missing.sum()), zero=int(zero.sum())))
    assumed, recorded, sources = _assumed(ctx, homes)
    if len(assumed):
        n = len(assumed)
        share = n / len(homes)
        if recorded < n:  # some said 1 themselves; the store does not tell which
            zh_which = f"，其中 {recorded} 栋是导入时补的 1 户，其余来源本身写的就是 1"
            en_which = (f", {recorded:,} of them assumed by the import and the others given as "
                        "1 by the source (the store does not tell which)")
        else:
            zh_which = en_which = ""
        found.append(make.make(
            "households_assumed", "info", "buildings", n,
            f"{n} 栋住宅（占 {percent(share)}）按每栋 1 户计，"
            f"来自导入时为没有户数的住宅补 1 户的来源{zh_which}："
            "这样的户数实际上是住宅栋数。有调查数据时请加载户数。",
            "Residential buildings counting 1 household, from sources whose import assumed 1 "
            f"for buildings without a number: {n:,} ({percent(share)}{en_which}); such "
            "households are in fact a count of dwellings. Load survey numbers where you have "
            "them.",
            homes["id"].to_numpy()[assumed], _points(homes.iloc[assumed]),
            recorded=recorded, share=round(share, 6), sources=sources))
    return found


def _assumed(ctx: Context, homes: gpd.GeoDataFrame) -> tuple[np.ndarray, int, list[str]]:
    """Residential buildings counting 1 household from sources whose import assumed it.

    Answers their rows in ``homes``, the number the imports recorded, and the sources.
    """
    with ctx.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT DISTINCT ON (source) source, (report->'defaults_applied'->>:key)::int "
            "FROM loads WHERE area = :area ORDER BY source, id DESC"),
            {"area": ctx.area, "key": _ASSUMED}).all()
    counts = {str(r[0]): int(r[1]) for r in rows if r[1]}
    if not counts:
        return np.zeros(0, dtype=np.int64), 0, []
    one = homes["households"].to_numpy(dtype=float, na_value=np.nan) == 1
    rows_ = np.flatnonzero(one & homes["source"].isin(list(counts)).to_numpy())
    return rows_, sum(counts.values()), sorted(counts)


def _villages_without_roads(ctx: Context, roads: gpd.GeoDataFrame, make: FindingMaker
                            ) -> list[Finding]:
    villages = ctx.villages
    if villages.empty or roads.empty:
        return []
    v_idx, _ = shapely.STRtree(np.asarray(roads.geometry.values)).query(
        np.asarray(villages.geometry.values), predicate="intersects")
    none = np.setdiff1d(np.arange(len(villages)), v_idx)
    if not len(none):
        return []
    n = len(none)
    names = "、".join(str(v) for v in villages["name"].iloc[none[:5]])
    names_en = ", ".join(str(v) for v in villages["name"].iloc[none[:5]])
    more_zh, more_en = ("等" if n > 5 else ""), (", …" if n > 5 else "")
    return [make.make(
        "villages_without_roads", "warning", "villages", n,
        f"{n} 个村（{names}{more_zh}）境内没有一条道路：亮化率、硬化率和排水覆盖为空，"
        "路网距离无法计算。多是道路图层范围不够，或村界画错了位置。",
        f"Villages without a single road: {n:,} ({names_en}{more_en}); their lit, hardened and "
        "drainage shares are empty and no distance along roads can be measured. Mostly a road "
        "layer that does not reach them, or a boundary drawn in the wrong place.",
        villages["id"].to_numpy()[none], _points(villages.iloc[none]))]
