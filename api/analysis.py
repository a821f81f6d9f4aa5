"""Analysis over HTTP: the same functions as ``vgis``, as JSON (and the ranking as CSV)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import anyio
from fastapi import APIRouter, Body, Query
from fastapi.responses import Response

from api.deps import EngineDep, SettingsDep, warm_areas
from api.errors import ERROR_RESPONSES, AnalysisTimeout
from api.queries import AreaQ, CorridorQ, CoverageQ, RankingQ, SeenQ
from gis.candidates import Ranking
from gis.context import Context
from gis.elevation import ElevationProfile
from gis.params import CoverageKind, RankingParams, VisibilityParams
from gis.profile import VillageProfile
from gis.proximity import CorridorRow
from gis.results import CoverageAnswer
from gis.villages import VillageSummary

router = APIRouter(tags=["analysis"], responses=ERROR_RESPONSES)
T = TypeVar("T")


async def bounded(seconds: float, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run ``fn`` in a worker thread; give up after ``seconds`` (the request gets 503)."""
    try:
        with anyio.fail_after(seconds):
            # the worker thread cannot be killed: the request stops waiting for it
            return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs),
                                                  abandon_on_cancel=True)
    except TimeoutError:
        raise AnalysisTimeout(f"the analysis took longer than {seconds:g} s") from None


def context(engine: Any, village_id: int | None = None, area: str | None = None) -> Context:
    """The villages asked about: one by id, or every village of an area (warm, gis.warm)."""
    return warm_areas().context(engine, area=area, village_id=village_id)


@router.get("/villages")
async def villages(engine: EngineDep, settings: SettingsDep,
                   area: Annotated[str | None, Query(max_length=200)] = None
                   ) -> list[VillageSummary]:
    """Villages with name, code, boundary source, area (km²), households, population."""
    from gis.villages import list_villages

    return await bounded(settings.analysis_timeout_s, list_villages, engine, area)


@router.get("/villages/{village_id}")
async def village_profile(village_id: int, engine: EngineDep, settings: SettingsDep
                          ) -> VillageProfile:
    """The profile of a village."""
    from gis.profile import village_profile as profile

    def run() -> VillageProfile:
        return profile(context(engine, village_id))

    return await bounded(settings.analysis_timeout_s, run)


@router.get("/villages/{village_id}/coverage/{kind}", response_model_exclude_unset=True)
async def coverage(
    village_id: int, kind: CoverageKind, engine: EngineDep, settings: SettingsDep,
    options: CoverageQ,
    geometry: Annotated[bool, Query(description="include the map layers as GeoJSON")] = False,
) -> CoverageAnswer:
    """Coverage of one village (query parameters as the ``vgis coverage`` flags).

    The fields of the answer depend on the kind: lights, garbage and facilities,
    drainage, roads (hardening); lengths in metres, shares 0..1.
    """
    from gis.coverage import coverage as analyse

    params = options.params(kind)

    def run() -> CoverageAnswer:
        return analyse(context(engine, village_id), params, details=geometry)[0].answer(
            geometry=geometry)

    return await bounded(settings.analysis_timeout_s, run)


@router.get("/analysis/coverage/{kind}", response_model_exclude_unset=True)
async def area_coverage(kind: CoverageKind, engine: EngineDep, settings: SettingsDep,
                        options: CoverageQ, area: AreaQ) -> list[CoverageAnswer]:
    """Coverage of every village of an area at once, one element per village (by id).

    The same fields as ``/villages/{id}/coverage/{kind}`` (with ``village`` and
    ``village_id``), from one analysis of the whole area: ``vgis coverage KIND --area A``.
    """
    from gis.figures import area_answers, stored_answers
    from gis.results import answer_model

    params = options.params(kind)
    model = answer_model(kind)

    def run() -> list[CoverageAnswer]:
        # `vgis figures` keeps them in the store: read when current, else computed
        got = stored_answers(engine, area, params)
        if got is None:
            got = area_answers(context(engine, area=area), params)
        return [model.model_validate(a) for a in got]

    return await bounded(settings.analysis_timeout_s, run)


@router.get("/analysis/corridor", response_model_exclude_unset=True)
async def corridor(
    engine: EngineDep, settings: SettingsDep, lines: CorridorQ, seen: SeenQ, area: AreaQ,
    all_villages: bool = False,
    visible: Annotated[bool, Query(description="add each village's share of buildings seen "
                                               "from the lines (needs a terrain model)")] = False,
) -> list[CorridorRow]:
    """Villages within ``distance`` metres of trunk roads and/or railways, key-area flags.

    With ``visible=true``: ``visible_share`` (of building footprint area seen from
    observers every ``spacing`` m, eyes above roads and rails, up to ``max_distance``
    m), ``buildings``, ``visible_buildings`` and ``visible``.
    """
    from gis.figures import area_corridor, corridor_rows, stored_answers
    from gis.visibility import corridor_with_visibility

    def run() -> list[CorridorRow]:
        stored = None if visible else stored_answers(engine, area, lines)
        if stored is not None:
            rows = corridor_rows(stored)
        else:
            ctx = context(engine, area=area)
            rows = (corridor_with_visibility(ctx, lines, params=seen)[0] if visible
                    else area_corridor(ctx, lines))
        return rows if all_villages else [r for r in rows if r.in_corridor]

    return await bounded(settings.analysis_timeout_s, run)


def ranking(engine: Any, area: str, ranking: RankingParams, seen: VisibilityParams,
            weights: dict[str, Any] | None) -> Ranking:
    """The candidate ranking of an area (weights: the TOML's tables as JSON, or default)."""
    from gis.candidates import rank_area
    from gis.weights import Weights

    chosen = Weights.from_mapping(weights, "request body") if weights else Weights.load()
    return rank_area(context(engine, area=area), weights=chosen, ranking=ranking, params=seen)


@router.get("/analysis/candidates")
async def candidates(engine: EngineDep, settings: SettingsDep, seen: SeenQ, area: AreaQ,
                     asked: RankingQ) -> Ranking:
    """Demonstration-village candidates ranked with the default weights, each explained.

    Scores 0–100 on location, environment, culture, industry and cadre basis; missing
    data is listed (``missing``, ``missing_everywhere``), never scored 0.
    """
    return await bounded(settings.analysis_timeout_s, ranking, engine, area, asked, seen, None)


@router.get("/analysis/candidates.csv", response_class=Response, responses={
    200: {"content": {"text/csv": {}}, "description": "the ranking, one row per candidate"}})
async def candidates_csv(engine: EngineDep, settings: SettingsDep, seen: SeenQ, area: AreaQ,
                         asked: RankingQ) -> Response:
    """The ranking as CSV for the selection report (UTF-8 with BOM, bilingual header)."""
    from api.sheets import disposition
    from maps.tables import ranking_csv

    result = await bounded(settings.analysis_timeout_s, ranking, engine, area, asked, seen,
                           None)
    return Response(ranking_csv(result), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": disposition("attachment", f"candidates-{area}.csv")})


@router.post("/analysis/candidates")
async def candidates_weighted(
    engine: EngineDep, settings: SettingsDep, seen: SeenQ, area: AreaQ, asked: RankingQ,
    weights: Annotated[dict[str, Any], Body(description="weights and thresholds to change, "
                                                        "as in gis/weights.toml")],
) -> Ranking:
    """The same ranking with the planner's own weights (JSON of the TOML's tables)."""
    return await bounded(settings.analysis_timeout_s, ranking, engine, area, asked, seen,
                         weights)


@router.get("/analysis/elevation")
async def elevation(
    engine: EngineDep, settings: SettingsDep, area: AreaQ,
    line: Annotated[str, Query(min_length=3, max_length=20_000,
                               description="LON,LAT;LON,LAT;… (WGS84 degrees)")],
    step: Annotated[float | None, Query(gt=0, le=10_000, description="metres")] = None,
) -> ElevationProfile:
    """Elevation profile along a line over the area's terrain (metres), climb and descent."""
    from gis.elevation import profile_at
    from gis.words import parse_line

    return await bounded(settings.analysis_timeout_s, profile_at, engine, area,
                         parse_line(line), step)
