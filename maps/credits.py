"""The credit line printed on maps, sheets, atlases and documents: built from the data used.

:func:`credit_line` names only what the area's data comes from
(:func:`layers.credits.sources_in_use`): OpenStreetMap (ODbL 1.0) where OSM data or a
file made from it is loaded, NASA/USGS SRTM (public domain) where its terrain is, the
office's own name (``VGIS_ORGANISATION``, else "the planner's own data") for its own
files, the credit a file was loaded with (``vgis load file --credit``) as given, and
villages derived from buildings where they were.
"""

from __future__ import annotations

from sqlalchemy import Engine

from layers.credits import sources_in_use
from layers.runtime.settings import get_settings
from maps.style import Lang

_WORDS: dict[str, dict[str, str]] = {
    "osm": {"zh": "地图数据 © OpenStreetMap contributors (ODbL 1.0)",
            "en": "Map data © OpenStreetMap contributors (ODbL 1.0)"},
    "srtm": {"zh": "高程: NASA/USGS SRTM (public domain)",
             "en": "elevation: NASA/USGS SRTM (public domain)"},
    "derived": {"zh": "村域由建筑物推导 (vgis)", "en": "village territories derived from "
                                                 "buildings (vgis)"},
    "own": {"zh": "{org}数据", "en": "data: {org}"},
}
_OWN_UNNAMED = {"zh": "规划单位自有数据", "en": "the planner's own data"}


def credit_parts(engine: Engine, area: str, lang: Lang) -> list[str]:
    """The credits of the area's data, one per origin in use, OSM first."""
    used = sources_in_use(engine, area)
    origins = {s.origin for s in used}
    org = get_settings().organisation.strip()
    parts = [_WORDS[o][lang].format(org=org) if org or o != "own" else _OWN_UNNAMED[lang]
             for o in ("osm", "srtm", "own") if o in origins]
    parts += list(dict.fromkeys(s.credit for s in used if s.origin == "declared" and s.credit))
    return parts + ([_WORDS["derived"][lang]] if "derived" in origins else [])


def credit_line(engine: Engine, area: str, lang: Lang) -> str:
    """The credit line of an area (empty when it holds no data of a known source)."""
    return ("; " if lang == "en" else "；").join(credit_parts(engine, area, lang))
