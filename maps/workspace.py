"""The planning workspace's pages: a village map with the plan panel, and the county page.

The village page is the served village map (:func:`maps.views.village_map`, existing
features only: the plan's features are drawn and edited by ``workspace.js`` with
Leaflet-Geoman from ``/plans/{id}``); the county page is the county overview map
(``/maps/overview``) beside a sortable table of every village's figures. Every script
and style comes from the service (:mod:`maps.assets`).
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from typing import cast
from urllib.parse import quote

import folium
from branca.element import Element, Figure

from gis.context import Context
from gis.params import CoverageOptions
from maps.assets import url
from maps.overviews import Metric
from maps.style import Lang, language
from maps.views import View, village_map

METRICS: tuple[Metric, ...] = ("lit_share", "served_share", "hardened_share", "households")


_SCRIPT_UNSAFE = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026",
                  0x2028: "\\u2028", 0x2029: "\\u2029"}


def script_json(value: object) -> str:
    """JSON safe inside an inline ``<script>``, whatever names the data holds.

    ``<``, ``>``, ``&`` and the JavaScript line separators are escaped, so no
    ``</script>`` or ``<!--`` can be formed by a village's or an area's name.
    """
    return json.dumps(value, ensure_ascii=False).translate(_SCRIPT_UNSAFE)


def _links(*names: str) -> str:
    return "".join(f'<link rel="stylesheet" href="{url(n, "served")}">' if n.endswith(".css")
                   else f'<script src="{url(n, "served")}"></script>' for n in names)


def village_workspace(ctx: Context, *, view: View = "lights", plan_id: int | None = None,
                      lang: Lang | None = None) -> folium.Map:
    """A village's map with the workspace panel (of plan ``plan_id``, or its plans list).

    Parameters
    ----------
    ctx
        Context of one village (the warm one of the service).
    view
        ``layout``, ``lights`` or ``garbage``: what the map underneath shows.
    plan_id
        The plan opened for editing; None shows the village's figures and plans.
    lang
        Labels of the panel and the map (default ``VGIS_LANGUAGE``).
    """
    lang = language(lang)
    fmap = village_map(ctx, view=view, options=CoverageOptions(include_planned=False),
                       lang=lang, assets="served")
    root = cast(Figure, fmap.get_root())
    # in the body, after Leaflet (the header's) and before the map's own script
    root.html.add_child(Element(_links("geoman.css", "workspace.css", "geoman.js",
                                       "workspace.js") + '<aside id="vgis-panel"></aside>'))
    village = ctx.villages.iloc[0]
    cfg = {"area": ctx.area, "village_id": int(village["id"]), "village": str(village["name"]),
           "plan": plan_id, "view": view, "lang": lang}
    # the map's own script is added when the page renders, after this one: wait for it
    root.script.add_child(Element(
        "document.addEventListener('DOMContentLoaded', function () { "
        f"vgisWorkspace({fmap.get_name()}, {script_json(cfg)}); }});"))
    return fmap


def county_workspace(area: str, areas: Sequence[str], credit: str, metric: Metric = "lit_share",
                     lang: Lang | None = None) -> str:
    """The county page: pick an area and a metric; its overview map and village table.

    ``credit``: the area's credit line (:func:`maps.credits.credit_line`).
    """
    lang = language(lang)
    zh = lang == "zh"
    a = html.escape(area)
    options = "".join(f"<option{' selected' if x == area else ''}>{html.escape(x)}</option>"
                      for x in areas)
    metrics = "".join(f"<option{' selected' if m == metric else ''}>{m}</option>"
                      for m in METRICS)
    heads = (("village", "村庄" if zh else "village"), ("lit_share", "亮灯率" if zh else "lit"),
             ("lights", "路灯" if zh else "lights"),
             ("served_share", "收集覆盖" if zh else "served"),
             ("households", "户数" if zh else "households"))
    th = "".join(f'<th data-key="{k}">{t}</th>' for k, t in heads)
    cfg = script_json({"area": area, "lang": lang})
    return (
        "<!DOCTYPE html><html lang='zh'><head><meta charset='utf-8'>"
        f"<title>{'规划工作台' if zh else 'Planning workspace'} · {a}</title>"
        "<link rel='icon' href='data:,'>" + _links("workspace.css") +
        "<style>body{margin:0;font:13px/1.45 'Noto Sans CJK SC',sans-serif}"
        "header{padding:6px 12px;background:#f4f4f4;border-bottom:1px solid #ccc}"
        "main{display:flex;height:calc(100vh - 42px)}iframe{flex:1;border:0}"
        "#vgis-side{width:420px;overflow-y:auto;padding:6px 10px}"
        "table{border-collapse:collapse;width:100%}td,th{padding:2px 6px;border-bottom:"
        "1px solid #ddd;text-align:right}td:first-child,th:first-child{text-align:left}"
        "th{cursor:pointer;user-select:none}</style></head><body>"
        "<header><form method='get' action='/workspace'>"
        f"<b>{'村庄规划工作台' if zh else 'Village planning workspace'}</b> · "
        f"<select name='area' id='vgis-area'>{options}</select> "
        f"<select name='metric' id='vgis-metric'>{metrics}</select> "
        f"<button>{'打开' if zh else 'Open'}</button> · <a href='/docs'>API</a>"
        "</form></header><main>"
        f"<iframe id='vgis-overview' src='/maps/overview?area={html.escape(quote(area))}"
        f"&amp;metric={metric}"
        f"&amp;lang={lang}' title='overview'></iframe>"
        f"<div id='vgis-side'><table id='vgis-villages'><thead><tr>{th}</tr></thead>"
        f"<tbody></tbody></table><p><small>{html.escape(credit)}</small></p>"
        "</div>"
        "</main>" + _links("workspace.js") +
        f"<script>vgisCounty({cfg});</script></body></html>")
