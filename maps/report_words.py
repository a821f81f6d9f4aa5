"""The words and numbers of a village's section (:mod:`maps.report`), in Chinese and English.

Headings, labels with their units, parameter names and classes the map words
(:func:`maps.style.word`) lack; :func:`number` formats a figure as the section prints it.
"""

from __future__ import annotations

from typing import Any

from maps.style import Lang, word

KINDS: tuple[str, ...] = ("lights", "garbage", "drainage", "roads")
"""The coverage kinds of the section, in its order."""
KIND_ROWS: dict[str, tuple[str, ...]] = {
    "lights": ("road_length_m", "lit_length_m", "lit_share", "lights"),
    "garbage": ("households", "served_households", "served_share", "unserved_households",
                "points"),
    "drainage": ("main_road_length_m", "with_drainage_length_m", "with_drainage_share",
                 "drainage_length_m", "covered_length_m", "open_length_m"),
    "roads": ("road_length_m", "hardened_length_m", "hardened_share", "surface_unknown_length_m",
              "households", "households_near_hardened_road", "households_near_hardened_share"),
}
"""The figures each kind's table shows (fields of :mod:`gis.results`, before and after)."""

_WORDS: dict[str, tuple[str, str]] = {
    # headings and sentences
    "title": ("{village} 村庄专章", "{village}: village section"),
    "plan": ("方案", "Plan"), "note": ("方案说明", "Note"),
    "profile": ("村庄概况", "Village profile"), "coverage": ("设施覆盖", "Coverage"),
    "figures": ("图件", "Figures"), "details": ("明细", "Details"),
    "kind.lights": ("路灯亮化", "Street lighting"),
    "kind.garbage": ("垃圾收集", "Garbage collection"),
    "kind.drainage": ("排水设施", "Drainage"), "kind.roads": ("道路硬化", "Road hardening"),
    "coverage_now": ("现状为已调查的设施，各项按其默认参数计算（见各表下方）。",
                     "Before: the features as surveyed; each kind at its default parameters "
                     "(under each table)."),
    "coverage_plan": ("现状为已调查的设施；规划后为现状加本方案的设施。各项按其默认参数计算"
                      "（见各表下方）。",
                      "Before: the features as surveyed; after: with this plan's features "
                      "too. Each kind at its default parameters (under each table)."),
    "as_surveyed": ("现状", "as surveyed"), "parameters": ("参数", "Parameters"),
    "list.unlit_gaps": ("未亮化路段", "Unlit stretches"),
    "list.unserved_buildings": ("未覆盖住户", "Households not served"),
    "list.proposed_lights": ("建议新增路灯", "Proposed lights"),
    "list.proposed_points": ("建议新增垃圾收集点", "Proposed collection points"),
    "after_plan_built": ("按本方案建成后仍存在的。", "What remains once the plan is built."),
    "none": ("无。", "None."), "more": ("… 另有 {n} 条未列出（共 {total} 条）。",
                                     "… {n} more (of {total})."),
    "this_plan": ("本方案", "this plan"), "analysis": ("分析建议", "analysis"),
    # table columns
    "item": ("指标", "Item"), "value": ("数值", "Value"), "no": ("序号", "No."),
    "road_class": ("道路等级", "Road class"), "length": ("长度（米）", "Length (m)"),
    "start_lon": ("起点经度", "Start lon"), "start_lat": ("起点纬度", "Start lat"),
    "end_lon": ("终点经度", "End lon"), "end_lat": ("终点纬度", "End lat"),
    "building": ("建筑编号", "Building id"), "lon": ("经度", "Lon"), "lat": ("纬度", "Lat"),
    "source": ("来源", "Source"),
    # the profile
    "code": ("村代码", "Village code"),
    "boundary_source": ("村界来源", "Boundary"), "official": ("官方村界", "official"),
    "derived": ("由地名点推导", "derived from a place point"),
    "derived_buildings": ("由建筑聚落推导", "derived from a cluster of buildings"),
    "area_km2": ("面积（平方公里）", "Area (km²)"), "population": ("人口", "Population"),
    "profile_road_m": ("道路总长（米）", "Road length (m)"),
    "lights_working": ("其中完好路灯（盏）", "of them working"),
    "garbage_points": ("垃圾收集设施（个）", "Garbage points"),
    "facilities": ("公共设施（处）", "Public facilities"),
    "standard_present": ("四室一站一场一栏：已有", "Standard facilities present"),
    "standard_missing": ("四室一站一场一栏：缺少", "Standard facilities missing"),
    "county_seat_km": ("距县城（公里）", "To the county seat (km)"),
    "trunk_road": ("最近干线公路", "Nearest trunk road"),
    "railway": ("最近铁路", "Nearest railway"),
    "elevation_min_m": ("最低海拔（米）", "Lowest elevation (m)"),
    "elevation_mean_m": ("平均海拔（米）", "Mean elevation (m)"),
    "elevation_max_m": ("最高海拔（米）", "Highest elevation (m)"),
    "slope_mean_deg": ("平均坡度（度）", "Mean slope (°)"),
    "meeting_room": ("会议室", "Meeting room"), "reception_room": ("接待室", "Reception room"),
    "reading_room": ("阅览室", "Reading room"), "classroom": ("培训教室", "Classroom"),
    "service_station": ("便民服务站", "Service station"), "square": ("文化广场", "Square"),
    "notice_board": ("宣传栏", "Notice board"), "clinic": ("卫生室", "Clinic"),
    "school": ("学校", "School"),
    # figures of the kinds (kind.field wins over field)
    "lights": ("路灯（盏）", "Street lights"),
    "lights.road_length_m": ("计入道路长度（米）", "Road length counted (m)"),
    "lit_length_m": ("亮化长度（米）", "Lit length (m)"),
    "roads.road_length_m": ("道路总长（米）", "Road length, every class (m)"),
    "served_households": ("已覆盖户数", "Households served"),
    "served_share": ("垃圾收集覆盖率", "Share served"),
    "unserved_households": ("未覆盖户数", "Households not served"),
    "points": ("垃圾收集设施（个）", "Serving points"),
    "main_road_length_m": ("主要道路长度（米）", "Main road length (m)"),
    "with_drainage_length_m": ("有排水的长度（米）", "With drainage alongside (m)"),
    "with_drainage_share": ("排水覆盖率", "Share with drainage"),
    "drainage_length_m": ("排水设施长度（米）", "Drainage length (m)"),
    "covered_length_m": ("其中有盖板（米）", "of it covered (m)"),
    "open_length_m": ("其中明渠（米）", "of it open (m)"),
    "hardened_length_m": ("硬化长度（米）", "Hardened length (m)"),
    "hardened_share": ("道路硬化率", "Hardened share"),
    "surface_unknown_length_m": ("路面未知长度（米）", "Surface unknown (m)"),
    "households_near_hardened_road": ("临近硬化道路户数", "Households near a hardened road"),
    "households_near_hardened_share": ("临近硬化道路户比例", "Share near a hardened road"),
    # parameters (kind.parameter)
    "lights.radius_m": ("照明半径", "light reach"),
    "lights.classes": ("计入道路等级", "road classes counted"),
    "lights.min_gap_m": ("最短未亮化路段", "shortest gap listed"),
    "lights.spacing_m": ("新增路灯间距", "spacing of new lights"),
    "garbage.radius_m": ("服务半径", "service radius"),
    "garbage.classes": ("服务设施类别", "serving classes"),
    "garbage.distance": ("距离", "distance"), "garbage.join": ("路网连接", "joins"),
    "garbage.search_m": ("搜索容差", "search tolerance"),
    "garbage.target_share": ("建议点目标覆盖率", "target share of proposals"),
    "drainage.offset_m": ("排水偏移距离", "drainage offset"),
    "drainage.classes": ("主要道路等级", "main road classes"),
    "roads.reach_m": ("硬化道路可达距离", "reach of a hardened road"),
    "euclidean": ("直线距离", "straight line"), "network": ("沿道路", "along the roads"),
    "vertices": ("共享节点", "shared vertices"), "crossings": ("交叉处", "crossings"),
}


def says(key: str, lang: Lang) -> str:
    """The section's word for ``key`` (a map word, :func:`maps.style.word`, otherwise)."""
    pair = _WORDS.get(key)
    if pair is None:
        return word(key, lang)
    return pair[0] if lang == "zh" else pair[1]


def label(key: str, lang: Lang) -> str:
    """The label of a field or class; ``kind.field`` falls back to the field's label."""
    if key not in _WORDS and "." in key:
        key = key.split(".", 1)[1]
    return says(key, lang)


def number(key: str, value: Any) -> str:
    """A figure as the section prints it: shares in %, metres with one decimal, counts.

    ``key`` is the figure's field: one ending in ``share`` is a share (0..1).
    """
    if value is None:
        return "–"
    if key.endswith("share"):
        return f"{float(value):.1%}"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return str(value)
