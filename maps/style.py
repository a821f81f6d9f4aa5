"""How layers look, and what they are called, in Chinese and English.

Roads follow the planners' hierarchy (expressway 高速公路 to alley 巷道): wider and
warmer for higher classes. Planned features are dashed and hollow; existing solid.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import NDArray

Lang = Literal["zh", "en"]

ROAD_STYLE: dict[str, tuple[str, float]] = {  # class → (colour, width px)
    "expressway": ("#c51b7d", 5.0),
    "national": ("#e31a1c", 4.5),
    "provincial": ("#fd8d3c", 4.0),
    "county": ("#feb24c", 3.5),
    "township": ("#d9a400", 3.0),
    "village": ("#636363", 2.5),
    "alley": ("#969696", 1.5),
    "track": ("#a6761d", 1.2),
    "other": ("#bdbdbd", 1.0),
}
RAIL_COLOUR = "#252525"
DRAIN_OPEN, DRAIN_COVERED = "#2c7fb8", "#7fcdbb"
LIGHT_COLOUR, GAP_COLOUR, PROPOSED_COLOUR = "#f0b400", "#e41a1c", "#1b9e77"
PLANNED_COLOUR = "#ff7f00"  # a plan's own features, on sheets as in the workspace
GARBAGE_COLOUR: dict[str, str] = {"bin": "#4daf4a", "collection_point": "#377eb8",
                                  "transfer_station": "#984ea3", "recycling": "#a6d854"}
SERVED, UNSERVED = "#74c476", "#de2d26"
BUILDING_FILL, BUILDING_EDGE = "#cfc6b8", "#8c8272"
VILLAGE_EDGE = "#6a3d9a"
ZONE_COLOUR: dict[str, str] = {"agri_demo_zone": "#b8e186", "scenic_area": "#fdb462",
                               "county_seat": "#fb8072", "township_seat": "#fccde5",
                               "ecological_redline": "#8dd3c7", "other": "#d9d9d9"}
FACILITY_COLOUR = "#6a51a3"
SHARE_RAMP: tuple[str, ...] = ("#d7191c", "#fdae61", "#ffffbf", "#a6d96a", "#1a9641")
"""Five classes, worst to best: shares in 20 % steps, scores in 20-point steps."""
NO_DATA = "#cccccc"
CANDIDATE_COLOUR = "#6a00a8"
IN_CORRIDOR, OUTSIDE_CORRIDOR = "#d73027", "#91bfdb"
VISIBLE_COLOUR = "#1a9641"

_WORDS: dict[str, tuple[str, str]] = {
    # layers
    "villages": ("村界", "Village boundary"), "roads": ("道路", "Roads"),
    "railways": ("铁路", "Railways"), "drainage": ("排水", "Drainage"),
    "lights": ("路灯", "Street lights"), "garbage": ("垃圾收集设施", "Garbage points"),
    "buildings": ("建筑", "Buildings"), "facilities": ("公共设施", "Facilities"),
    "zones": ("规划分区", "Planning zones"), "places": ("地名", "Places"),
    "hillshade": ("地形晕渲", "Hillshade"),
    # road classes
    "expressway": ("高速公路", "Expressway"), "national": ("国道", "National road"),
    "provincial": ("省道", "Provincial road"), "county": ("县道", "County road"),
    "township": ("乡道", "Township road"), "village": ("村道", "Village road"),
    "alley": ("巷道", "Alley"), "track": ("机耕路", "Track"), "other": ("其他", "Other"),
    # other classes
    "rail": ("铁路", "Railway"), "high_speed": ("高铁", "High-speed rail"),
    "bin": ("垃圾桶", "Bin"), "collection_point": ("垃圾收集点", "Collection point"),
    "transfer_station": ("垃圾中转站", "Transfer station"), "recycling": ("回收点", "Recycling"),
    "solar": ("太阳能路灯", "Solar light"), "grid": ("市电路灯", "Grid light"),
    "channel": ("排水渠", "Channel"), "ditch": ("排水沟", "Ditch"), "drain": ("排水道", "Drain"),
    "stream": ("溪流", "Stream"), "river": ("河流", "River"), "canal": ("渠道", "Canal"),
    "toilet": ("公厕", "Public toilet"),
    # analysis
    "covered": ("有盖板", "Covered"), "open": ("明渠", "Open"),
    "light_reach": ("路灯照明范围", "Light reach"), "unlit_gaps": ("未亮化路段", "Unlit stretch"),
    "proposed_lights": ("建议新增路灯", "Proposed light"),
    "service_area": ("服务半径", "Service radius"), "served": ("已覆盖住户", "Served household"),
    "unserved": ("未覆盖住户", "Unserved household"),
    "proposed_points": ("建议新增收集点", "Proposed collection point"),
    "planned": ("规划", "Planned"), "existing": ("现状", "Existing"),
    "planned_features": ("规划新增（本方案）", "Planned (this plan)"),
    "corridor": ("交通干线可视走廊", "Corridor"),
    "in_corridor": ("走廊内村庄", "Village in corridor"),
    "outside": ("走廊外村庄", "Village outside"),
    "visible_area": ("干线可视范围", "Visible from the lines"),
    "visible_villages": ("可视村庄", "Villages seen"),
    "observers": ("观察点", "Observers"),
    "visible_share": ("建筑可视比例", "Buildings seen (share)"),
    "candidates": ("示范村候选", "Demonstration-village candidates"),
    "candidates_map": ("示范村候选排序图", "Candidate villages"),
    "rank": ("排名", "Rank"), "score": ("得分", "Score"),
    "location": ("地理位置", "Location"), "environment": ("环境状况", "Environment"),
    "culture": ("文化底蕴", "Culture"), "industry": ("产业发展", "Industry"),
    "cadre": ("干群基础", "Cadre basis"), "village_name": ("村庄", "Village"),
    "other_villages": ("其他村庄", "Other villages"),
    "lit_share": ("亮化率", "Lit share"), "served_share": ("垃圾收集覆盖率", "Served share"),
    "households": ("户数", "Households"), "road_length_m": ("道路长度(米)", "Road length (m)"),
    "lit_length_m": ("亮化长度(米)", "Lit length (m)"), "before": ("现状", "Before"),
    "value": ("数值", "Value"),
    "after": ("规划后", "After"), "distance": ("距离", "Distance"), "measure": ("测距", "Measure"),
    "fullscreen": ("全屏", "Full screen"), "legend": ("图例", "Legend"),
    "summary": ("指标", "Figures"), "village_layout": ("村庄布局图", "Village layout"),
    "lights_map": ("路灯亮化分析图", "Street-light coverage"),
    "garbage_map": ("垃圾收集覆盖分析图", "Garbage collection coverage"),
    "corridor_map": ("交通干线走廊村庄分布图", "Villages along trunk roads and railways"),
    "overview_map": ("村庄总览图", "Village overview"),
    "no_villages_yet": ("尚无村庄：本区域没有村界，也没有可推算村域的建筑聚落（≥20 栋、"
                        "间距 ≤100 米）；图上为已有图层。载入村界或建筑后即可分析。",
                        "No villages yet: this area has no village boundaries and no cluster "
                        "of buildings (≥ 20 within 100 m) to derive them from; the map shows "
                        "the layers there are. Load village boundaries or buildings to "
                        "analyse it."),
    "no_data": ("无数据", "No data"), "distance_m": ("距离(米)", "Distance (m)"),
    "unserved_households": ("未覆盖户数", "Unserved households"),
    "proposed": ("建议新增", "Proposed"), "unlit_gap_length_m": ("未亮化长度(米)",
                                                                "Unlit length (m)"),
    "area": ("区域", "Area"), "date": ("日期", "Date"), "author": ("编制单位", "Prepared by"),
    "scale": ("比例尺", "Scale"), "north": ("北", "N"),
}


def ramp_bins(values: NDArray[np.float64], top: float
              ) -> list[tuple[NDArray[np.bool_], float, float, str]]:
    """Five equal classes of 0..``top`` (the last one closed): mask, low, high, colour.

    NaN falls in none of them (draw it as :data:`NO_DATA`).
    """
    n = len(SHARE_RAMP)
    edges = np.array([top * k / n for k in range(n + 1)])  # 0.6 is 3/5 exactly, as a share
    last = len(SHARE_RAMP) - 1
    return [(np.asarray((values >= lo) & ((values < hi) | ((k == last) & (values <= hi)))),
             float(lo), float(hi), colour)
            for k, (lo, hi, colour) in enumerate(zip(edges[:-1], edges[1:], SHARE_RAMP,
                                                     strict=True))]


def language(lang: str | None) -> Lang:
    """The label language asked for, or the service's setting (``VGIS_LANGUAGE``)."""
    from layers.errors import VgisError
    from layers.runtime.settings import get_settings

    chosen = lang or get_settings().language
    if chosen not in ("zh", "en"):
        raise VgisError(f"labels are zh or en, not {chosen!r}")
    return "zh" if chosen == "zh" else "en"


def word(key: str, lang: Lang) -> str:
    """The label of ``key`` in ``lang`` (the key itself when unknown)."""
    pair = _WORDS.get(key)
    if pair is None:
        return key
    return pair[0] if lang == "zh" else pair[1]


def top_label(n: int, lang: Lang) -> str:
    """The legend label of the best ``n`` candidates."""
    return f"{word('candidates', lang)} (前{n}名)" if lang == "zh" else \
        f"{word('candidates', lang)} (top {n})"
