"""Built-in value maps: the words planners' files use, mapped onto canonical class values.

Keys are matched after :func:`normalize_word` (case-folded, spaces/underscores/hyphens
removed, traditional characters folded to simplified), so ``村道``, ``村道 ``, ``Village``
and ``VILLAGE_ROAD`` all match. A user's ``--values FILE`` is merged over these maps.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path

# Traditional → simplified for the characters that occur in the terms below.
_T2S = str.maketrans({
    "鄉": "乡", "縣": "县", "國": "国", "級": "级", "車": "车", "軌": "轨", "電": "电",
    "燈": "灯", "陽": "阳", "圾": "圾", "收": "收", "點": "点", "轉": "转", "站": "站",
    "渠": "渠", "溝": "沟", "淺": "浅", "運": "运", "河": "河", "區": "区", "園": "园",
    "農": "农", "業": "业", "範": "范", "態": "态", "紅": "红", "線": "线",
    "築": "筑", "廁": "厕", "診": "诊", "衛": "卫", "學": "学", "會": "会", "議": "议",
    "閱": "阅", "覽": "览", "務": "务", "廣": "广", "場": "场", "欄": "栏", "鐵": "铁",
    "東": "东", "頭": "头", "莊": "庄", "橋": "桥", "層": "层", "商": "商", "舖": "铺",
    "鋪": "铺", "塊": "块", "硬": "硬", "現": "现", "劃": "划", "規": "规", "擬": "拟",
    "損": "损", "壞": "坏", "無": "无", "蓋": "盖", "暗": "暗", "處": "处", "館": "馆",
    "倉": "仓", "庫": "库", "養": "养", "殖": "殖", "廠": "厂", "聯": "联", "網": "网",
    "宮": "宫", "間": "间", "幹": "干", "徑": "径", "於": "于", "盞": "盏", "號": "号",
    "機": "机", "動": "动", "輕": "轻", "觀": "观", "風": "风", "歷": "历", "勝": "胜",
    "蹟": "迹", "環": "环", "護": "护", "籃": "篮", "筒": "筒", "箱": "箱"
})


def normalize_word(value: object) -> str:
    """Fold a source value for matching: strip, casefold, simplified Chinese, no separators."""
    text = str(value).strip().casefold().translate(_T2S)
    return re.sub(r"[\s_\-/·.（）()]+", "", text)


def _m(pairs: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """Build a word → canonical map from canonical → words (canonical names map to themselves)."""
    out: dict[str, str] = {}
    for canonical, words in pairs.items():
        for word in (canonical, *words):
            out[normalize_word(word)] = canonical
    return out


CLASS_VALUES: dict[str, dict[str, str]] = {
    "roads": _m({
        "expressway": ("高速公路", "高速", "motorway", "motorway_link", "freeway"),
        "national": ("国道", "国省干道", "trunk", "trunk_link", "national road"),
        "provincial": ("省道", "primary", "primary_link", "provincial road"),
        "county": ("县道", "州道", "县级公路", "secondary", "secondary_link", "county road"),
        "township": ("乡道", "镇道", "乡镇道路", "tertiary", "tertiary_link", "township road"),
        "village": (
            "村道", "村级道路", "村内主干道", "主街", "村主干道", "通村公路", "unclassified",
            "residential", "living_street", "village road",
        ),
        "alley": (
            "巷道", "小巷道", "巷", "街巷", "入户路", "小路", "步道", "service", "footway",
            "path", "pedestrian", "steps", "cycleway", "bridleway",
        ),
        "track": ("机耕路", "机耕道", "田间道路", "生产路", "土路", "track"),
        "other": ("其他", "其它", "road"),
    }),
    "railways": _m({
        "high_speed": ("高铁", "高速铁路", "highspeed", "high speed"),
        "rail": ("铁路", "普铁", "普通铁路", "railway", "narrow_gauge"),
        "light_rail": ("轻轨", "城市轨道"),
        "tram": ("有轨电车",),
        "other": ("其他", "其它", "subway", "monorail", "地铁"),
    }),
    "drainage": _m({
        "channel": ("排水渠", "水渠", "渠", "渠道", "明渠", "暗渠", "排水沟渠"),
        "ditch": ("沟", "排水沟", "水沟", "边沟"),
        "drain": ("排水管沟", "排水道", "下水道"),
        "pipe": ("管道", "排水管", "管网", "雨水管", "污水管"),
        "canal": ("运河", "灌渠", "干渠"),
        "stream": ("溪", "小河", "溪流", "河沟"),
        "river": ("河", "河流", "江"),
    }),
    "lights": _m({
        "solar": ("太阳能路灯", "太阳能灯", "太阳能", "光伏路灯"),
        "grid": ("市电路灯", "电网路灯", "普通路灯", "路灯", "led路灯", "street_lamp", "electric"),
        "other": ("其他", "其它"),
    }),
    "garbage": _m({
        "bin": ("垃圾桶", "垃圾箱", "果皮箱", "分类垃圾桶", "waste_basket", "litter bin"),
        "collection_point": (
            "垃圾收集点", "垃圾收集池", "收集点", "垃圾池", "垃圾房", "垃圾屋", "waste_disposal",
        ),
        "transfer_station": ("垃圾中转站", "中转站", "垃圾转运站", "转运站",
                             "waste_transfer_station"),
        "recycling": ("回收点", "可回收物", "再生资源回收点", "回收箱"),
    }),
    "buildings": _m({
        "residential": (
            "住宅", "民居", "农房", "居民点", "住房", "房屋", "house", "detached", "apartments",
            "semidetached_house", "terrace", "farm", "bungalow", "dormitory", "residential",
            "static_caravan", "cabin", "hut", "yes",
        ),
        "public": (
            "公共建筑", "村委会", "学校", "卫生室", "public", "civic", "school", "church",
            "chapel", "kindergarten", "government", "hospital", "townhall", "fire_station",
            "community_centre", "university", "train_station", "transportation", "religious",
            "temple", "mosque",
        ),
        "commercial": (
            "商业", "商铺", "商店", "commercial", "retail", "office", "industrial", "hotel",
            "supermarket", "kiosk", "warehouse",
        ),
        "agricultural": (
            "农业", "农用", "养殖", "仓库", "畜棚", "barn", "farm_auxiliary", "cowshed",
            "stable", "greenhouse", "shed", "sty", "silo", "glasshouse", "agricultural",
        ),
        "other": ("其他", "其它", "garage", "garages", "roof", "carport", "hangar", "construction"),
    }),
    "facilities": _m({
        "meeting_room": ("会议室", "村委会", "党群服务中心", "村民活动室", "community_centre",
                         "townhall"),
        "reception_room": ("接待室",),
        "reading_room": ("阅览室", "农家书屋", "图书室", "library"),
        "classroom": ("教室", "培训室", "课堂"),
        "service_station": ("服务站", "便民服务站", "综合服务站"),
        "square": ("广场", "文化广场", "村民广场", "marketplace"),
        "notice_board": ("公示栏", "宣传栏", "公告栏", "村务公开栏", "一栏"),
        "toilet": ("公厕", "厕所", "公共厕所", "卫生间", "toilets"),
        "clinic": ("卫生室", "诊所", "卫生院", "doctors", "hospital"),
        "school": ("学校", "小学", "幼儿园", "中学", "kindergarten"),
        "other": ("其他", "其它"),
    }),
    "zones": _m({
        "agri_demo_zone": ("现代农业示范区", "农业示范区", "农业园区", "示范区"),
        "scenic_area": ("景区", "风景区", "旅游区", "景点", "风景名胜区"),
        "county_seat": ("县城", "县城区"),
        "township_seat": ("乡镇驻地", "镇区", "集镇", "乡镇所在地"),
        "ecological_redline": ("生态保护红线", "生态红线", "保护区", "nature_reserve",
                               "protected_area"),
        "other": ("其他", "其它"),
    }),
    "places": _m({
        "county_seat": ("县城", "县政府驻地", "city"),
        "town": ("镇", "乡", "集镇", "乡镇"),
        "village": ("村", "行政村", "村庄"),
        "hamlet": ("自然村", "村民小组", "组", "屯", "isolated_dwelling"),
        "other": ("其他", "其它", "suburb", "neighbourhood", "locality", "farm", "quarter"),
    }),
}

FIELD_VALUES: dict[str, dict[str, str]] = {
    "status": _m({
        "existing": ("现状", "现有", "已建", "已有", "建成", "existing", "current"),
        "planned": ("规划", "拟建", "新建", "计划", "待建", "proposed", "planned", "plan"),
    }),
    "surface": _m({
        "hardened": (
            "硬化", "已硬化", "水泥", "混凝土", "沥青", "柏油", "砖", "石板", "paved", "asphalt",
            "concrete", "concrete:plates", "concrete:lanes", "paving_stones", "sett", "cobblestone",
            "unhewn_cobblestone", "metal", "wood", "bricks",
        ),
        "unhardened": (
            "未硬化", "土路", "泥土", "砂石", "碎石", "unpaved", "gravel", "fine_gravel",
            "compacted", "dirt", "earth", "ground", "grass", "sand", "mud", "pebblestone",
            "grass_paver", "rock", "woodchips",
        ),
        "unknown": ("未知", "不详"),
    }),
    "boundary_source": _m({"official": ("官方", "权属"), "derived": ("推算", "派生"),
                           "derived_buildings": ("建筑推算", "由建筑推算", "建筑聚类",
                                                 "derived from buildings")}),
}

BOOLEAN_WORDS: dict[str, bool] = {
    normalize_word(w): True for w in ("1", "true", "yes", "y", "t", "是", "有", "正常", "完好",
                                        "加盖", "已盖", "covered")
} | {
    normalize_word(w): False for w in ("0", "false", "no", "n", "f", "否", "无", "损坏", "坏",
                                         "故障", "open", "明", "未盖")
}

# Source field names that mean a canonical field (compared with normalize_word).
FIELD_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("名称", "名字", "村名", "地名", "道路名称", "mc", "name_zh", "name:zh"),
    "class": ("类别", "类型", "分类", "种类", "等级", "道路等级", "lb", "lx", "type", "fclass",
              "kind", "category"),
    "status": ("状态", "现状规划", "建设状态", "zt"),
    "code": ("编码", "代码", "村代码", "行政代码", "区划代码", "dm", "xzqdm"),
    "township": ("乡镇", "所属乡镇", "xiang", "town"),
    "county": ("县", "所属县", "区县"),
    "population": ("人口", "户籍人口", "常住人口", "rk", "pop"),
    "households": ("户数", "户", "hs"),
    "farmland_mu": ("耕地", "耕地面积", "耕地亩数", "farmland", "farmland_m"),
    "boundary_source": ("boundary_s",),
    "surface": ("路面", "路面类型", "路面材质", "是否硬化"),
    "width_m": ("宽度", "路宽", "路面宽度", "width", "kd"),
    "covered": ("盖板", "是否盖板", "加盖"),
    "working": ("完好", "是否正常", "是否完好", "working_state"),
}


# the keys of village attributes the candidate ranking reads (English, simplified and
# traditional Chinese), as a survey spreadsheet's columns name them
ATTRIBUTE_ALIASES: dict[str, tuple[str, ...]] = {
    "culture_score": ("culture_score", "文化底蕴", "文化底蘊"),
    "traditional_village": ("traditional_village", "传统村落", "傳統村落"),
    "industry_score": ("industry_score", "产业发展", "產業發展"),
    "collective_income": ("collective_income", "村集体收入", "村集體收入"),
    "cadre_score": ("cadre_score", "干群基础", "干群基礎", "幹群基礎"),
}


def read_number(raw: object) -> float | None:
    """A finite number from a cell (a number, or text such as ``" 12.5 "``), else None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        value = float(raw)
    elif isinstance(raw, str):
        try:
            value = float(raw.strip())
        except ValueError:
            return None
    else:
        return None
    return value if math.isfinite(value) else None


def read_flag(raw: object) -> float | None:
    """1.0 for yes (true, 1, yes, 是 …), 0.0 for no (false, 0, no, 否 …), else None."""
    if isinstance(raw, bool):
        return float(raw)
    if isinstance(raw, int | float):
        return float(raw) if raw in (0, 1) else None
    word = BOOLEAN_WORDS.get(normalize_word(raw))
    return None if word is None else float(word)


class ValueMap:
    """Value maps in force for one import: the built-in maps, overlaid by the user's."""

    def __init__(self, user: Mapping[str, Mapping[str, str]] | None = None) -> None:
        self._user: dict[str, dict[str, str]] = {
            fld: {normalize_word(k): str(v) for k, v in words.items()}
            for fld, words in (user or {}).items()
        }

    def lookup(self, layer: str, field: str, value: object) -> str | None:
        """Map a source value of ``field`` to its canonical value, or None when unknown."""
        word = normalize_word(value)
        user = self._user.get(field, {})
        if word in user:
            return user[word]
        table = CLASS_VALUES[layer] if field == "class" else FIELD_VALUES.get(field, {})
        return table.get(word)


def load_value_file(path: Path) -> dict[str, dict[str, str]]:
    """Read a user value map (TOML or YAML): ``{field: {source value: canonical value}}``.

    Raises
    ------
    UnreadableFile
        When the file cannot be parsed or is not a mapping of mappings.
    """
    import tomllib

    import yaml

    from layers.errors import UnreadableFile

    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text) if path.suffix.lower() == ".toml" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise UnreadableFile(f"{path.name}: cannot read value map: {exc}") from exc
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise UnreadableFile(
            f"{path.name}: a value map is field → {{source value: canonical value}}, "
            "e.g. [class] 村组道路 = \"village\""
        )
    return {str(k): {str(a): str(b) for a, b in v.items()} for k, v in data.items()}
