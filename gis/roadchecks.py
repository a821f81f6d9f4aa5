"""The data checks of the road network: parts that do not connect, crossings, undershoots.

Roads join where they share a vertex (coordinates rounded to ``CheckParams.grid_m``,
1 cm): the convention of OpenStreetMap and of the road network that measures
distances along roads (:mod:`gis.network`). A road layer drawn in CAD is often not
noded: its streets cross, or end on each other, without a shared vertex, and
network distances then go around (or nowhere). The kernels are in :mod:`gis.topology`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import shapely
from sqlalchemy import Engine, text

from gis.findings import Finding, FindingMaker, metres, percent, things
from gis.topology import components, dangling_ends, midpoints, unnoded_crossings

Advice = Literal["keep_default", "join_crossings", "check_by_hand"]
BRIDGE_KEYS = frozenset({"bridge", "tunnel", "bridge:structure", "covered", "is_bridge",
                         "is_tunnel", "桥", "桥梁", "橋樑", "隧道", "涵洞"})
"""Source attributes (``attrs``, case-insensitive) that mark a bridge or a tunnel."""
OSM_KEYS = frozenset({"highway", "fclass", "osm_id"})
"""Source attributes of roads that come from OpenStreetMap (an extract or an export)."""
_FALSE = frozenset({"", "no", "0", "false", "f", "n", "none", "null", "nan", "否", "无"})


def is_bridge(attrs: Mapping[str, Any] | None) -> bool:
    """Whether a road's source attributes mark it as a bridge or a tunnel.

    A key of :data:`BRIDGE_KEYS` with a value other than no/false/0, or a ``layer``
    other than 0 (OSM's level of a bridge or a tunnel).
    """
    for key, value in (attrs or {}).items():
        k, v = str(key).strip().lower(), str(value).strip().lower()
        if k in BRIDGE_KEYS and v not in _FALSE:
            return True
        if k == "layer" and v not in _FALSE:
            try:
                if float(v) != 0:
                    return True
            except ValueError:
                continue
    return False


def road_marks(engine: Engine, area: str, ids: list[int]) -> tuple[set[int], set[int]]:
    """Of the roads ``ids``: those marked as bridge or tunnel, and those from OSM.

    A road is from OSM when it was loaded from an OSM extract (``vgis load osm``) or
    its source attributes hold an OSM column (:data:`OSM_KEYS`: a file exported from OSM).
    """
    if not ids:
        return set(), set()
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT r.id, r.attrs, l.kind FROM roads r LEFT JOIN LATERAL ("
            " SELECT kind FROM loads WHERE loads.area = r.area AND loads.source = r.source"
            " ORDER BY loads.id DESC LIMIT 1) l ON TRUE "
            "WHERE r.area = :area AND r.id = ANY(:ids)"), {"area": area, "ids": ids}).all()
    bridges = {int(r[0]) for r in rows if is_bridge(r[1])}
    osm = {int(r[0]) for r in rows
           if r[2] == "osm" or OSM_KEYS & {str(k).lower() for k in (r[1] or {})}}
    return bridges, osm


def road_findings(engine: Engine, area: str, roads: gpd.GeoDataFrame, make: FindingMaker
                  ) -> list[Finding]:
    """Components, unnoded crossings and dangling ends of ``roads`` (metric CRS)."""
    if roads.empty:
        return []
    geoms = np.asarray(roads.geometry.values)
    ids = roads["id"].to_numpy(dtype=np.int64)
    found = _components(geoms, ids, make)
    found += _crossings(engine, area, geoms, ids, make)
    found += _dangles(geoms, ids, make)
    return found


def _components(geoms: np.ndarray, ids: np.ndarray, make: FindingMaker) -> list[Finding]:
    p = make.params
    label, n = components(geoms, p.grid_m)
    if n < 2:
        return []
    length = shapely.length(geoms)
    comp_length = np.bincount(label, weights=length, minlength=n)
    main = int(np.argmax(comp_length))
    total = float(comp_length.sum())
    outside = label != main
    out_length = float(length[outside].sum())
    share = out_length / total if total else 0.0
    largest = np.sort(comp_length)[::-1][: p.largest_listed]
    # the smallest (most suspicious) parts first, each part's roads together
    order = np.lexsort((ids, label, comp_length[label]))
    listed = order[outside[order]]
    zh_sizes = "、".join(metres(v) for v in largest)
    en_sizes = ", ".join(metres(v) for v in largest)
    found = [make.make(
        "roads_disconnected", "warning" if share >= p.outside_share_warning else "info",
        "roads", n,
        f"道路网由 {n} 个互不相连的部分组成（道路只在共用节点处相连）。最大的几部分长 {zh_sizes}；"
        f"主路网以外的 {int(outside.sum())} 条道路共 {metres(out_length)}（占道路总长 "
        f"{percent(share)}）。不相连的部分之间无法沿路网计算距离。",
        f"The road network falls into {n} parts that do not connect (roads join only where "
        f"they share a vertex). The largest are {en_sizes} long; outside the main network: "
        f"{things(int(outside.sum()), 'road', 'roads')}, {metres(out_length)} "
        f"({percent(share)} of the road length). Distances along the network cannot be "
        "measured between parts that do not connect.",
        ids[listed], midpoints(geoms[listed]), components=n,
        largest_m=[round(float(v), 1) for v in largest],
        outside_length_m=round(out_length, 1), outside_share=round(share, 6))]
    short = np.flatnonzero(comp_length < p.short_component_m)
    if len(short):
        mine = np.isin(label, short)
        rows = order[mine[order]]
        # one location per isolated part: the middle of its longest road
        by_part = np.lexsort((-length, label))
        first = by_part[np.r_[True, label[by_part][1:] != label[by_part][:-1]]]
        spots = first[np.isin(label[first], short)]
        spots = spots[np.argsort(comp_length[label[spots]], kind="stable")]
        short_length = float(comp_length[short].sum())
        found.append(make.make(
            "roads_isolated", "warning", "roads", len(short),
            f"{len(short)} 个孤立的小段路网各自总长不足 {p.short_component_m:g} m"
            f"（共 {len(rows)} 条道路、{metres(short_length)}）：常是数字化错误、"
            "缺少的连接路段，或在数据范围边缘被截断的道路。"
            "按路网距离计算时，离它们最近的房屋可能到不了任何设施。",
            f"Isolated pieces of the road network, each shorter than {p.short_component_m:g} m "
            f"in total: {len(short):,} ({things(len(rows), 'road', 'roads')}, "
            f"{metres(short_length)}); often digitising errors, missing links, or roads cut "
            "at the edge of the extract. With network distances, houses nearest to them may "
            "reach no facility.",
            ids[rows], midpoints(geoms[spots]), roads=len(rows),
            length_m=round(short_length, 1)))
    return found


def advice(pairs: int, bridges: int, osm: int, few: int = 3) -> Advice:
    """Whether ``--join crossings`` looks right for a road layer with ``pairs`` crossings.

    Keep the default (roads join at shared vertices only) when most crossings involve a
    road marked bridge or tunnel, or most come from OSM (whose junctions share a
    vertex); join crossings when they come from planners' files (CAD) and are not few;
    otherwise look at the few by hand.
    """
    if 2 * bridges >= pairs or 2 * osm >= pairs:
        return "keep_default"
    return "join_crossings" if pairs >= few else "check_by_hand"


_ADVICE: dict[Advice, tuple[str, str]] = {
    "keep_default": (
        "建议保持默认（道路只在共用节点处相连），不要使用 --join crossings："
        "桥梁和隧道跨越道路本就不设节点；其余的交点请逐个核对。",
        "Keep the default (roads join only where they share a vertex), not --join crossings: "
        "a bridge or tunnel crosses a road without a vertex by design; check the remaining "
        "ones by hand."),
    "join_crossings": (
        "这些道路大多来自规划文件（CAD），又没有桥梁或隧道标记：图层看来没有打断节点。按路网距离计算时"
        "建议使用 --join crossings（在交叉处也连接道路），或先在 GIS 中对道路打断节点。",
        "These roads mostly come from a planner's file (CAD) and are not marked as bridges "
        "or tunnels: the layer looks unnoded. With network distances use --join crossings "
        "(roads join where they cross too), or node the layer in a GIS first."),
    "check_by_hand": (
        "数量不多：请逐个核对，确属路口的在 GIS 中加上共用节点，桥梁和隧道保持不变。",
        "They are few: check them by hand, add a shared vertex where they are junctions, "
        "and leave bridges and tunnels as they are."),
}


def _crossings(engine: Engine, area: str, geoms: np.ndarray, ids: np.ndarray,
               make: FindingMaker) -> list[Finding]:
    cross = unnoded_crossings(geoms, make.params.grid_m)
    if len(cross.a) == 0:
        return []
    pairs = np.unique(np.column_stack([ids[cross.a], ids[cross.b]]), axis=0)
    involved = np.unique(pairs)
    bridges, osm = road_marks(engine, area, [int(i) for i in involved])
    n = len(pairs)
    is_b = np.isin(pairs, np.fromiter(bridges, dtype=np.int64, count=len(bridges)))
    is_o = np.isin(pairs, np.fromiter(osm, dtype=np.int64, count=len(osm)))
    bridge_pairs = int(is_b.any(axis=1).sum())
    osm_pairs = int(is_o.all(axis=1).sum())
    said = advice(n, bridge_pairs, osm_pairs)
    neither = int((~cross.a_vertex & ~cross.b_vertex).sum())
    zh, en = _ADVICE[said]
    return [make.make(
        "roads_crossing_unnoded", "info" if said == "keep_default" else "warning", "roads", n,
        f"{n} 对道路相交，但交点处没有共用节点（{len(cross.points)} 个交点，"
        f"其中 {neither} 个两条路都没有节点），沿路网计算时它们互不相通。"
        f"其中 {bridge_pairs} 对涉及标为桥梁或隧道的道路，"
        f"{osm_pairs} 对来自 OpenStreetMap。" + zh,
        f"Pairs of roads that cross without a shared vertex: {n:,} "
        f"({things(len(cross.points), 'crossing point', 'crossing points')}, {neither:,} with a "
        "vertex on neither road); the network does not join them there. Of these pairs, "
        f"{bridge_pairs:,} involve a road marked as bridge or tunnel and {osm_pairs:,} come "
        "from OpenStreetMap. " + en,
        involved, cross.points, points=len(cross.points), neither_vertex=neither,
        bridge_pairs=bridge_pairs, osm_pairs=osm_pairs, join_crossings=said)]


def _dangles(geoms: np.ndarray, ids: np.ndarray, make: FindingMaker) -> list[Finding]:
    p = make.params
    ends = dangling_ends(geoms, p.dangle_m, p.grid_m)
    if len(ends.line) == 0:
        return []
    order = np.lexsort((ids[ends.line], ends.distance))  # the closest first
    roads = ids[ends.line][order]
    _, first = np.unique(roads, return_index=True)
    on_road = int((ends.distance <= p.grid_m).sum())
    n = len(ends.line)
    return [make.make(
        "roads_dangling", "warning", "roads", n,
        f"{n} 个道路端点没有与任何道路相连，却离另一条道路不足 {p.dangle_m:g} m"
        f"（其中 {on_road} 个端点就落在另一条道路上、但那里没有节点）："
        "多是数字化时没有接上（欠头）。沿路网计算时这些道路与相邻道路不通。",
        f"Road ends that join no other road but lie within {p.dangle_m:g} m of one: {n:,} "
        f"({on_road:,} of them on the other road, where it has no vertex); mostly undershoots "
        "of digitising. Along the network these roads do not connect to their neighbour.",
        roads[np.sort(first)], ends.points[order], ends=n, on_road=on_road,
        farthest_m=round(float(ends.distance.max()), 3))]
