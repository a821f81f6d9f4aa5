"""Maps and print sheets over HTTP: the same options as ``vgis map`` and ``vgis figure``."""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal, cast

from fastapi import APIRouter, Query, Request
from fastapi import Path as Path_
from fastapi.responses import FileResponse, HTMLResponse, Response

from api.deps import EngineDep, SettingsDep
from api.errors import ERROR_RESPONSES
from api.queries import AreaQ, CorridorQ, CoverageQ, RankingQ, SeenQ
from api.rendered import rendered, warm_context
from layers.versions import AreaVersion
from maps.atlas import ATLAS_VIEWS
from maps.overviews import Metric
from maps.sheet import Orientation, Paper
from maps.style import Lang
from maps.views import View

router = APIRouter(tags=["maps and figures"], responses=ERROR_RESPONSES)
_MEDIA = {"png": "image/png", "pdf": "application/pdf", "svg": "image/svg+xml"}
_SHEET_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {m: {} for m in _MEDIA.values()}, "description": "the map sheet"}}
Format = Literal["png", "pdf", "svg"]
HTML = "text/html; charset=utf-8"
DpiQ = Annotated[int, Query(ge=50, le=300, description="raster resolution, dots per inch")]


def _page(fmap: Any) -> bytes:
    from maps.interactive import html_of

    return html_of(fmap).encode()


def disposition(kind: str, filename: str) -> str:
    """A Content-Disposition header that survives any area name (RFC 6266 / 5987)."""
    from urllib.parse import quote

    plain = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_"
                    for c in filename)
    return f"{kind}; filename=\"{plain}\"; filename*=UTF-8''{quote(filename)}"


def _sheet_bytes(fmt: str, draw: Callable[[Path], Path]) -> bytes:
    """Draw a sheet into a temporary file and return its bytes."""
    with tempfile.TemporaryDirectory(prefix="vgis-figure-") as tmp:
        return draw(Path(tmp) / f"figure.{fmt}").read_bytes()


def _sheet_headers(fmt: str, name: str) -> dict[str, str]:
    return {"Content-Disposition": disposition("inline", f"{name}.{fmt}")}


def _render(*args: Any, **kwargs: Any) -> Path:
    from maps.figure import render_figure

    return render_figure(*args, **kwargs)


@router.get("/villages/{village_id}/map", response_class=HTMLResponse)
async def village_map(request: Request, village_id: int, engine: EngineDep,
                      settings: SettingsDep, options: CoverageQ, view: View = "layout",
                      lang: Lang | None = None) -> Response:
    """The interactive village map (layout, or a coverage view with its analysis options)."""
    from maps.views import village_map as draw

    def make(version: AreaVersion) -> bytes:
        return _page(draw(warm_context(engine, version, village_id), view=view,
                          options=options, lang=lang, assets="served"))

    return await rendered(request, settings, engine, media_type=HTML, make=make,
                          village_id=village_id)


@router.get("/villages/{village_id}/figure.{fmt}", responses=_SHEET_RESPONSES)
async def village_figure(
    request: Request, village_id: int, fmt: Format, engine: EngineDep, settings: SettingsDep,
    options: CoverageQ, view: View = "layout", paper: Paper = "A4",
    orientation: Orientation = "landscape", dpi: DpiQ = 150, lang: Lang | None = None,
) -> Response:
    """A print-ready map sheet of the village (the same analysis options as its map)."""
    def make(version: AreaVersion) -> bytes:
        return _sheet_bytes(fmt, lambda out: _render(
            warm_context(engine, version, village_id), out, view=view, options=options,
            paper=paper, orientation=orientation, dpi=dpi, lang=lang))

    return await rendered(request, settings, engine, media_type=_MEDIA[fmt], make=make,
                          village_id=village_id,
                          headers=_sheet_headers(fmt, f"village-{village_id}-{view}"))


@router.get("/analysis/corridor/map", response_class=HTMLResponse)
async def corridor_map(request: Request, engine: EngineDep, settings: SettingsDep,
                       lines: CorridorQ, seen: SeenQ, area: AreaQ, visible: bool = False,
                       lang: Lang | None = None) -> Response:
    """The corridor map of an area (``visible=true``: with the area seen from the lines)."""
    from maps.overviews import corridor_map as draw

    def make(version: AreaVersion) -> bytes:
        return _page(draw(warm_context(engine, version), lines=lines,
                          visible=seen if visible else None, lang=lang, assets="served"))

    return await rendered(request, settings, engine, media_type=HTML, make=make, area=area)


@router.get("/analysis/candidates/map", response_class=HTMLResponse)
async def candidates_map(request: Request, engine: EngineDep, settings: SettingsDep,
                         seen: SeenQ, area: AreaQ, asked: RankingQ, lang: Lang | None = None
                         ) -> Response:
    """The candidates on a map: villages shaded by score, the top N numbered."""
    from maps.overviews import candidates_map as draw

    def make(version: AreaVersion) -> bytes:
        return _page(draw(warm_context(engine, version), ranking=asked, seen=seen, lang=lang,
                          assets="served"))

    return await rendered(request, settings, engine, media_type=HTML, make=make, area=area)


@router.get("/analysis/candidates/figure.{fmt}", responses=_SHEET_RESPONSES)
async def candidates_figure(
    request: Request, fmt: Format, engine: EngineDep, settings: SettingsDep, area: AreaQ,
    asked: RankingQ, paper: Paper = "A4", orientation: Orientation = "landscape",
    dpi: DpiQ = 150, lang: Lang | None = None,
) -> Response:
    """A print-ready sheet of the candidates: villages by score, the best ``top`` listed."""
    def make(version: AreaVersion) -> bytes:
        return _sheet_bytes(fmt, lambda out: _render(
            warm_context(engine, version), out, kind="candidates", ranking=asked,
            paper=paper, orientation=orientation, dpi=dpi, lang=lang))

    return await rendered(request, settings, engine, media_type=_MEDIA[fmt], make=make,
                          area=area, headers=_sheet_headers(fmt, f"candidates-{area}"))


@router.get("/maps/overview", response_class=HTMLResponse)
async def overview_map(request: Request, engine: EngineDep, settings: SettingsDep,
                       area: AreaQ, metric: Metric = "lit_share", lang: Lang | None = None
                       ) -> Response:
    """Every village of an area coloured by a metric (the county overview).

    An area without villages yet gets the layers it has, with a note saying so.
    """
    from maps.overviews import overview_map as draw

    def make(version: AreaVersion) -> bytes:
        return _page(draw(warm_context(engine, version, allow_empty=True), metric=metric,
                          lang=lang, assets="served"))

    return await rendered(request, settings, engine, media_type=HTML, make=make, area=area)


_ATLAS = threading.Lock()
"""One atlas at a time per service worker: a second request meanwhile gets 503."""


@router.get("/areas/{area}/atlas.pdf", response_class=FileResponse, responses={
    200: {"content": {"application/pdf": {}}, "description": "the atlas"}})
async def atlas(
    area: Annotated[str, Path_(max_length=200)], engine: EngineDep, settings: SettingsDep,
    villages: Annotated[str | None, Query(max_length=20_000, description=(
        "only these villages: names or ids, comma-separated"))] = None,
    views: Annotated[str, Query(max_length=100, description=(
        "each village's sheets: layout, lights, garbage, comma-separated"))] =
        ",".join(ATLAS_VIEWS),
    paper: Paper = "A4", lang: Lang | None = None,
) -> FileResponse:
    """The atlas of an area as ``vgis atlas`` makes it: cover, contents, overview, table, sheets.

    Pages are drawn by worker processes and joined page by page; one atlas is built
    at a time per service worker (503 with Retry-After while one is), within
    ``VGIS_DOCUMENT_TIMEOUT_S``.
    """
    from starlette.background import BackgroundTask

    from api.analysis import bounded
    from api.errors import Busy
    from gis.words import split_list
    from maps.atlas import build_atlas

    chosen = [cast(View, v) for v in split_list(views)]
    picked = split_list(villages) if villages else None
    if not _ATLAS.acquire(blocking=False):
        raise Busy("an atlas is being built; try again when it is done")
    tmp = Path(tempfile.mkdtemp(prefix="vgis-atlas-out-"))
    try:
        out = tmp / "atlas.pdf"
        await bounded(settings.document_timeout_s, build_atlas, engine, area, out,
                      villages=picked, views=chosen, paper=paper, lang=lang)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        _ATLAS.release()
    return FileResponse(out, media_type="application/pdf", headers={
        "Content-Disposition": disposition("attachment", f"atlas-{area}.pdf")},
        background=BackgroundTask(shutil.rmtree, tmp, ignore_errors=True))
