"""Analysis, maps and figures over HTTP: the same functions as ``vgis``, as JSON/HTML/PNG."""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import anyio
from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response

from api.deps import EngineDep, SettingsDep
from api.errors import ERROR_RESPONSES, AnalysisTimeout
from layers.errors import VgisError

router = APIRouter(tags=["analysis and maps"], responses=ERROR_RESPONSES)
T = TypeVar("T")
Lang = Literal["zh", "en"]
Classes = Annotated[str | None, Query(max_length=500, description="comma-separated classes")]


async def bounded(seconds: float, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``fn`` in a worker thread; give up after ``seconds`` (the request gets 503)."""
    try:
        with anyio.fail_after(seconds):
            # the worker thread cannot be killed: the request stops waiting for it
            return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs),
                                                  abandon_on_cancel=True)
    except TimeoutError:
        raise AnalysisTimeout(f"the analysis took longer than {seconds:g} s") from None


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _context(engine: Any, village_id: int | None = None, area: str | None = None) -> Any:
    from gis.context import Context

    return Context.load(engine, area, village_id=village_id)


@router.get("/villages")
async def villages(engine: EngineDep, settings: SettingsDep,
                   area: Annotated[str | None, Query(max_length=200)] = None
                   ) -> list[dict[str, Any]]:
    """Villages with name, code, boundary source, area (km²), households, population."""
    from gis.villages import list_villages

    rows = await bounded(settings.analysis_timeout_s, list_villages, engine, area)
    return [v.as_dict() for v in rows]


@router.get("/villages/{village_id}")
async def village_profile(village_id: int, engine: EngineDep, settings: SettingsDep
                          ) -> dict[str, Any]:
    """The profile of a village."""
    from gis.profile import village_profile as profile

    def run() -> dict[str, Any]:
        return profile(_context(engine, village_id))

    return await bounded(settings.analysis_timeout_s, run)


@router.get("/villages/{village_id}/coverage/{kind}")
async def coverage(
    village_id: int, kind: Literal["lights", "garbage", "drainage", "roads", "facilities"],
    engine: EngineDep, settings: SettingsDep,
    radius: Annotated[float | None, Query(ge=0, le=5000)] = None,
    classes: Classes = None,
    include_planned: bool = False,
    distance: Literal["euclidean", "network"] = "euclidean",
    target_share: Annotated[float, Query(ge=0, le=1)] = 0.95,
    min_gap: Annotated[float, Query(ge=0, le=10000)] = 30.0,
    geometry: Annotated[bool, Query(description="include the map layers as GeoJSON")] = False,
) -> dict[str, Any]:
    """Coverage of one village (query parameters as the ``vgis coverage`` flags)."""
    from gis import coverage as cov

    chosen = _split(classes)

    def run() -> dict[str, Any]:
        ctx = _context(engine, village_id)
        if kind == "lights":
            result = cov.lighting_coverage(
                ctx, radius=15.0 if radius is None else radius,
                classes=chosen or cov.LIGHT_CLASSES, min_gap=min_gap,
                include_planned=include_planned, details=geometry)
        elif kind in ("garbage", "facilities"):
            if kind == "facilities" and not chosen:
                raise VgisError("facilities coverage needs classes, e.g. classes=toilet")
            result = cov.household_coverage(
                ctx, layer=kind, classes=chosen or cov.GARBAGE_CLASSES,
                radius=(70.0 if kind == "garbage" else 300.0) if radius is None else radius,
                distance=distance, target_share=target_share, include_planned=include_planned,
                details=geometry)
        elif kind == "drainage":
            result = cov.drainage_coverage(ctx, offset=10.0 if radius is None else radius,
                                           classes=chosen or cov.MAIN_ROAD_CLASSES,
                                           include_planned=include_planned)
        else:
            result = cov.road_hardening(ctx, reach_m=50.0 if radius is None else radius,
                                        include_planned=include_planned)
        return result[0].as_dict(geometry=geometry)

    return await bounded(settings.analysis_timeout_s, run)


@router.get("/analysis/corridor")
async def corridor(
    engine: EngineDep, settings: SettingsDep,
    area: Annotated[str, Query(min_length=1, max_length=200)],
    distance: Annotated[float, Query(ge=0, le=50_000)] = 500.0,
    road_classes: Annotated[str, Query(max_length=500)] = "expressway,national,provincial",
    railways: bool = True, all_villages: bool = False,
) -> list[dict[str, Any]]:
    """Villages within ``distance`` metres of trunk roads and/or railways, key-area flags."""
    from gis.proximity import corridor as select

    def run() -> list[dict[str, Any]]:
        rows = select(_context(engine, area=area), distance=distance,
                      road_classes=_split(road_classes), railways=railways)
        return rows if all_villages else [r for r in rows if r["in_corridor"]]

    return await bounded(settings.analysis_timeout_s, run)


def _html(fmap: Any) -> HTMLResponse:
    from maps.interactive import html_of

    return HTMLResponse(html_of(fmap))


@router.get("/villages/{village_id}/map", response_class=HTMLResponse)
async def village_map(village_id: int, engine: EngineDep, settings: SettingsDep,
                      view: Literal["layout", "lights", "garbage"] = "layout",
                      lang: Lang | None = None,
                      radius: Annotated[float | None, Query(ge=0, le=5000)] = None
                      ) -> HTMLResponse:
    """The interactive village map (layout, or a coverage view)."""
    from maps.views import village_map as draw

    def run() -> Any:
        return draw(_context(engine, village_id), view=view, lang=lang or settings.language,
                    assets="served", radius=radius)

    return _html(await bounded(settings.analysis_timeout_s, run))


@router.get("/analysis/corridor/map", response_class=HTMLResponse)
async def corridor_map(engine: EngineDep, settings: SettingsDep,
                       area: Annotated[str, Query(min_length=1, max_length=200)],
                       distance: Annotated[float, Query(ge=0, le=50_000)] = 500.0,
                       lang: Lang | None = None) -> HTMLResponse:
    """The corridor map of an area."""
    from maps.views import corridor_map as draw

    def run() -> Any:
        return draw(_context(engine, area=area), distance=distance,
                    lang=lang or settings.language, assets="served")

    return _html(await bounded(settings.analysis_timeout_s, run))


@router.get("/maps/overview", response_class=HTMLResponse)
async def overview_map(engine: EngineDep, settings: SettingsDep,
                       area: Annotated[str, Query(min_length=1, max_length=200)],
                       metric: Literal["lit_share", "served_share", "hardened_share",
                                       "households"] = "lit_share",
                       lang: Lang | None = None) -> HTMLResponse:
    """Every village of an area coloured by a metric."""
    from maps.views import overview_map as draw

    def run() -> Any:
        return draw(_context(engine, area=area), metric=metric, lang=lang or settings.language,
                    assets="served")

    return _html(await bounded(settings.analysis_timeout_s, run))


_MEDIA = {"png": "image/png", "pdf": "application/pdf", "svg": "image/svg+xml"}


@router.get("/villages/{village_id}/figure.{fmt}", responses={
    200: {"content": {m: {} for m in ("image/png", "application/pdf", "image/svg+xml")},
          "description": "the map sheet"}})
async def village_figure(
    village_id: int, fmt: Literal["png", "pdf", "svg"], engine: EngineDep,
    settings: SettingsDep, view: Literal["layout", "lights", "garbage"] = "layout",
    paper: Literal["A4", "A3"] = "A4",
    orientation: Literal["landscape", "portrait"] = "landscape",
    dpi: Annotated[int, Query(ge=50, le=300)] = 150, lang: Lang | None = None,
) -> Response:
    """A print-ready map sheet of the village."""
    from maps.figure import render_figure

    def run() -> bytes:
        with tempfile.TemporaryDirectory(prefix="vgis-figure-") as tmp:
            out = render_figure(_context(engine, village_id), Path(tmp) / f"figure.{fmt}",
                                view=view, paper=paper, orientation=orientation, dpi=dpi,
                                lang=lang or settings.language)
            return out.read_bytes()

    body = await bounded(settings.analysis_timeout_s, run)
    return Response(body, media_type=_MEDIA[fmt], headers={
        "Content-Disposition": f'inline; filename="village-{village_id}-{view}.{fmt}"'})
