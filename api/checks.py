"""Data checks over HTTP: ``GET /areas/{area}/check`` (as ``vgis check --json``) and its map."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi import Path as Path_
from fastapi.responses import HTMLResponse, Response

from api.analysis import bounded
from api.deps import EngineDep, SettingsDep, warm_areas
from api.errors import ERROR_RESPONSES
from api.rendered import rendered
from gis.context import Context
from gis.findings import CheckReport
from layers.errors import UnknownVillage
from layers.versions import AreaVersion
from maps.style import Lang

router = APIRouter(tags=["analysis"], responses=ERROR_RESPONSES)
AreaP = Annotated[str, Path_(min_length=1, max_length=200, description="the area's name")]


def checked_context(engine: Any, area: str, version: AreaVersion | None = None) -> Context:
    """Every feature of ``area``, from the service's memory (the store's without villages).

    The memory (:mod:`gis.warm`) keeps areas with villages only; an area without any is
    read from the store.

    Raises
    ------
    UnknownArea
        When there is no such area.
    """
    from gis.checks import area_context

    areas = warm_areas()
    try:
        warm = (areas.area(engine, version).context(engine) if version is not None
                else areas.context(engine, area=area))
    except UnknownVillage:
        warm = None
    return area_context(engine, area, warm)


@router.get("/areas/{area}/check")
async def check(area: AreaP, engine: EngineDep, settings: SettingsDep) -> CheckReport:
    """The data checks of an area, most serious first (``vgis check --area A --json``).

    Each finding has a stable ``code``, a ``count``, a ``severity`` (info, warning,
    error), an explanation in Chinese and English, the store ids of the features
    concerned (at most 500, ``truncated`` when cut) and their ``locations`` (lon/lat).
    """
    from gis.checks import check_area

    def run() -> CheckReport:
        return check_area(checked_context(engine, area))

    return await bounded(settings.analysis_timeout_s, run)


@router.get("/areas/{area}/check/map", response_class=HTMLResponse)
async def check_map(request: Request, area: AreaP, engine: EngineDep, settings: SettingsDep,
                    lang: Lang | None = None) -> Response:
    """The findings of the data checks on a map, each a layer (popups in both languages)."""
    from gis.checks import check_area
    from maps.checks import check_map as draw
    from maps.interactive import html_of

    def make(version: AreaVersion) -> bytes:
        ctx = checked_context(engine, area, version)
        return html_of(draw(ctx, check_area(ctx), lang=lang, assets="served")).encode()

    return await rendered(request, settings, engine, media_type="text/html; charset=utf-8",
                          make=make, area=area)
