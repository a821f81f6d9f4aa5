"""The landing page: JSON for clients; a browser is led to the planning workspace.

``/maps`` is the index of every area's and village's maps and sheets.
"""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import text

from api.deps import EngineDep
from api.features import ATTRIBUTION

router = APIRouter(tags=["landing"])


def _wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return request.query_params.get("f") == "html" or (
        "text/html" in accept and request.query_params.get("f") != "json")


@router.get("/", response_model=None)
def landing(request: Request) -> Response:
    """JSON landing page for clients (OGC API); a browser goes to the workspace."""
    base = str(request.base_url).rstrip("/")
    if _wants_html(request):
        return RedirectResponse("/workspace", status_code=303)
    return JSONResponse({
        "title": "vgis — village planning GIS",
        "description": "Layers, coverage and corridor analysis, maps for demonstration "
                       "village plans",
        "links": [
            {"href": f"{base}/", "rel": "self", "type": "application/json"},
            {"href": f"{base}/openapi.json", "rel": "service-desc",
             "type": "application/vnd.oai.openapi+json;version=3.0"},
            {"href": f"{base}/docs", "rel": "service-doc", "type": "text/html"},
            {"href": f"{base}/conformance", "rel": "conformance",
             "type": "application/json"},
            {"href": f"{base}/collections", "rel": "data", "type": "application/json"},
        ],
    })


@router.get("/maps", response_class=HTMLResponse)
def maps_index(engine: EngineDep) -> Response:
    """Every area's and village's maps, sheets and rankings, as links (HTML)."""
    from gis.villages import list_villages

    rows: dict[str, list[Any]] = {}
    for v in list_villages(engine):
        rows.setdefault(v.area, []).append(v)
    parts = ["<!DOCTYPE html><html lang='zh'><head><meta charset='utf-8'>",
             "<title>村庄规划 GIS · vgis</title><link rel='icon' href='data:,'>",
             "<style>body{font:14px/1.5 'Noto Sans CJK SC',sans-serif;margin:2em;max-width:70em}"
             "td,th{padding:2px 10px;text-align:left}h2{margin-top:1.5em}</style></head><body>",
             "<h1>村庄规划 GIS · Village planning GIS</h1>",
             "<p><a href='/workspace'>规划工作台 planning workspace</a> · "
             "<a href='/docs'>API (OpenAPI)</a> · <a href='/collections?f=json'>"
             "collections</a></p>"]
    with engine.connect() as conn:
        with_terrain = {r[0] for r in conn.execute(text("SELECT DISTINCT area FROM rasters"))}
    for area, villages in rows.items():
        a = html.escape(area)
        seen = (f" · <a href='/analysis/corridor/map?area={a}&visible=true'>可视范围 visible "
                "from the lines</a>" if area in with_terrain else "")
        parts.append(f"<h2>{a}</h2><p><a href='/maps/overview?area={a}'>总览图 overview</a> · "
                     f"<a href='/analysis/corridor/map?area={a}'>走廊图 corridor</a>{seen} · "
                     f"<a href='/analysis/candidates/map?area={a}'>示范村候选 candidates</a> "
                     f"(<a href='/analysis/candidates/figure.pdf?area={a}'>PDF</a>, "
                     f"<a href='/analysis/candidates.csv?area={a}'>CSV</a>, "
                     f"<a href='/analysis/candidates?area={a}'>JSON</a>) · "
                     f"<a href='/areas/{quote(area, safe='')}/check/map'>数据检查 data checks</a> "
                     f"(<a href='/areas/{quote(area, safe='')}/check'>JSON</a>)</p>"
                     "<table><tr><th>村 village</th><th>户数</th><th>km²</th><th>maps</th></tr>")
        for v in villages:
            links = " · ".join(
                f"<a href='/villages/{v.id}/map?view={view}'>{label}</a>"
                for view, label in (("layout", "布局 layout"), ("lights", "路灯 lights"),
                                    ("garbage", "垃圾 garbage")))
            parts.append(f"<tr><td>{html.escape(v.name or '')}</td><td>{v.households}</td>"
                         f"<td>{v.area_km2}</td><td>{links} · "
                         f"<a href='/villages/{v.id}/figure.pdf'>PDF</a></td></tr>")
        parts.append("</table>")
    parts.append(f"<p><small>{html.escape(ATTRIBUTION)}</small></p></body></html>")
    return HTMLResponse("".join(parts))
