"""Analysis, maps and figures over HTTP: the same functions as ``vgis``, as JSON/HTML/PNG."""

from __future__ import annotations

import functools
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import anyio
from fastapi import APIRouter, Body, Depends, Query
from fastapi.responses import HTMLResponse, Response

from api.deps import EngineDep, SettingsDep
from api.errors import ERROR_RESPONSES, AnalysisTimeout
from gis.visibility import VisibilityParams
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


def visibility_params(
    spacing: Annotated[float, Query(ge=10, le=5000, description="metres between observers "
                                                                "along a line")] = 100.0,
    max_distance: Annotated[float, Query(gt=0, le=20_000,
                                         description="farthest distance seen, metres")] = 3000.0,
    target_height: Annotated[float, Query(ge=0, le=500, description="height above the ground "
                                                                    "that must be seen, m")
                             ] = 0.0,
    road_height: Annotated[float, Query(ge=0, le=500, description="eye above a road, m")
                           ] = 1.7,
    rail_height: Annotated[float, Query(ge=0, le=500, description="eye above a railway, m")
                           ] = 3.0,
    curvature: Annotated[float, Query(ge=0, le=1, description="earth curvature and refraction "
                                                              "coefficient")] = 0.85714,
) -> VisibilityParams:
    """Observers and targets of a visibility analysis, from the query."""
    return VisibilityParams(spacing_m=spacing, max_distance_m=max_distance,
                            target_height_m=target_height, road_height_m=road_height,
                            rail_height_m=rail_height, curvature=curvature)


Seen = Annotated[VisibilityParams, Depends(visibility_params)]


@router.get("/analysis/corridor")
async def corridor(
    engine: EngineDep, settings: SettingsDep, seen: Seen,
    area: Annotated[str, Query(min_length=1, max_length=200)],
    distance: Annotated[float, Query(ge=0, le=50_000)] = 500.0,
    road_classes: Annotated[str, Query(max_length=500)] = "expressway,national,provincial",
    railways: bool = True, all_villages: bool = False,
    visible: Annotated[bool, Query(description="add each village's share of buildings seen "
                                               "from the lines (needs a terrain model)")] = False,
) -> list[dict[str, Any]]:
    """Villages within ``distance`` metres of trunk roads and/or railways, key-area flags.

    With ``visible=true``: ``visible_share`` (of building footprint area seen from
    observers every ``spacing`` m, eyes 1.7 m above roads and 3 m above rails, up to
    ``max_distance`` m), ``buildings``, ``visible_buildings`` and ``visible``.
    """
    from gis.proximity import corridor as select
    from gis.visibility import corridor_with_visibility

    def run() -> list[dict[str, Any]]:
        ctx = _context(engine, area=area)
        if visible:
            rows, _ = corridor_with_visibility(
                ctx, distance=distance, road_classes=_split(road_classes), railways=railways,
                params=seen)
        else:
            rows = select(ctx, distance=distance, road_classes=_split(road_classes),
                          railways=railways)
        return rows if all_villages else [r for r in rows if r["in_corridor"]]

    return await bounded(settings.analysis_timeout_s, run)


def _candidates(engine: Any, area: str, top: int, visible: bool | None,
                seen: VisibilityParams, weights: dict[str, Any] | None) -> dict[str, Any]:
    from gis.candidates import Weights, rank_area

    chosen = Weights.from_mapping(weights, "request body") if weights else Weights.load()
    return rank_area(_context(engine, area=area), weights=chosen, top=top, visible=visible,
                     params=seen)


Top = Annotated[int, Query(ge=1, le=1000, description="how many candidates")]
Visible = Annotated[bool | None, Query(description="measure visibility from the trunk lines "
                                                   "(default: when the area has terrain)")]


@router.get("/analysis/candidates")
async def candidates(
    engine: EngineDep, settings: SettingsDep, seen: Seen,
    area: Annotated[str, Query(min_length=1, max_length=200)], top: Top = 10,
    visible: Visible = None,
) -> dict[str, Any]:
    """Demonstration-village candidates ranked with the default weights, each explained.

    Scores 0–100 on location, environment, culture, industry and cadre basis; missing
    data is listed (``missing``, ``missing_everywhere``), never scored 0.
    """
    return await bounded(settings.analysis_timeout_s, _candidates, engine, area, top, visible,
                         seen, None)


@router.get("/analysis/candidates.csv", response_class=Response, responses={
    200: {"content": {"text/csv": {}}, "description": "the ranking, one row per candidate"}})
async def candidates_csv(
    engine: EngineDep, settings: SettingsDep, seen: Seen,
    area: Annotated[str, Query(min_length=1, max_length=200)], top: Top = 10,
    visible: Visible = None,
) -> Response:
    """The ranking as CSV for the selection report (UTF-8 with BOM, bilingual header)."""
    from gis.candidates import ranking_csv

    result = await bounded(settings.analysis_timeout_s, _candidates, engine, area, top, visible,
                           seen, None)
    return Response(ranking_csv(result), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": _disposition("attachment", f"candidates-{area}.csv")})


@router.post("/analysis/candidates")
async def candidates_weighted(
    engine: EngineDep, settings: SettingsDep, seen: Seen,
    weights: Annotated[dict[str, Any], Body(description="weights and thresholds to change, "
                                                        "as in gis/weights.toml")],
    area: Annotated[str, Query(min_length=1, max_length=200)], top: Top = 10,
    visible: Visible = None,
) -> dict[str, Any]:
    """The same ranking with the planner's own weights (JSON of the TOML's tables)."""
    return await bounded(settings.analysis_timeout_s, _candidates, engine, area, top, visible,
                         seen, weights)


@router.get("/analysis/candidates/map", response_class=HTMLResponse)
async def candidates_map(
    engine: EngineDep, settings: SettingsDep,
    area: Annotated[str, Query(min_length=1, max_length=200)], top: Top = 10,
    lang: Lang | None = None,
) -> HTMLResponse:
    """The candidates on a map: villages shaded by score, the top N numbered."""
    from maps.views import candidates_map as draw

    def run() -> Any:
        ctx = _context(engine, area=area)
        return draw(ctx, top=top, lang=lang or settings.language, assets="served")

    return _html(await bounded(settings.analysis_timeout_s, run))


_MEDIA = {"png": "image/png", "pdf": "application/pdf", "svg": "image/svg+xml"}
_SHEET_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {m: {} for m in _MEDIA.values()}, "description": "the map sheet"}}
PaperQ = Literal["A4", "A3"]
OrientationQ = Literal["landscape", "portrait"]
DpiQ = Annotated[int, Query(ge=50, le=300)]


def _render(*args: Any, **kwargs: Any) -> Path:
    from maps.figure import render_figure

    return render_figure(*args, **kwargs)


async def _sheet(settings: Any, fmt: str, name: str, draw: Callable[[Path], Path]) -> Response:
    """Draw a sheet into a temporary file (in a worker, bounded) and return its bytes."""
    def run() -> bytes:
        with tempfile.TemporaryDirectory(prefix="vgis-figure-") as tmp:
            return draw(Path(tmp) / f"figure.{fmt}").read_bytes()

    body = await bounded(settings.analysis_timeout_s, run)
    return Response(body, media_type=_MEDIA[fmt],
                    headers={"Content-Disposition": _disposition("inline", f"{name}.{fmt}")})


def _disposition(kind: str, filename: str) -> str:
    """A Content-Disposition header that survives any area name (RFC 6266 / 5987)."""
    from urllib.parse import quote

    plain = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_"
                    for c in filename)
    return f"{kind}; filename=\"{plain}\"; filename*=UTF-8''{quote(filename)}"


@router.get("/analysis/candidates/figure.{fmt}", responses=_SHEET_RESPONSES)
async def candidates_figure(
    fmt: Literal["png", "pdf", "svg"], engine: EngineDep, settings: SettingsDep,
    area: Annotated[str, Query(min_length=1, max_length=200)], top: Top = 10,
    paper: PaperQ = "A4", orientation: OrientationQ = "landscape", dpi: DpiQ = 150,
    lang: Lang | None = None,
) -> Response:
    """A print-ready sheet of the candidates: villages by score, the best ``top`` listed."""
    return await _sheet(settings, fmt, f"candidates-{area}", lambda out: _render(
        _context(engine, area=area), out, kind="candidates", top=top, paper=paper,
        orientation=orientation, dpi=dpi, lang=lang or settings.language))


def _lonlat_pairs(text_: str) -> list[tuple[float, float]]:
    pairs: list[tuple[float, float]] = []
    for part in (p for p in text_.split(";") if p.strip()):
        try:
            lon, lat = (float(v) for v in part.split(","))
        except ValueError:
            raise VgisError(f"{part!r}: give LON,LAT in degrees") from None
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise VgisError(f"{part!r}: not a longitude,latitude")
        pairs.append((lon, lat))
    return pairs


@router.get("/analysis/elevation")
async def elevation(
    engine: EngineDep, settings: SettingsDep,
    area: Annotated[str, Query(min_length=1, max_length=200)],
    line: Annotated[str, Query(min_length=3, max_length=20_000,
                               description="LON,LAT;LON,LAT;… (WGS84 degrees)")],
    step: Annotated[float | None, Query(gt=0, le=10_000, description="metres")] = None,
) -> dict[str, Any]:
    """Elevation profile along a line over the area's terrain (metres), climb and descent."""
    from gis.terrain import profile_at

    points = _lonlat_pairs(line)
    if len(points) < 2:
        raise VgisError("the line needs two points or more")
    return await bounded(settings.analysis_timeout_s, profile_at, engine, area, points, step)


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
async def corridor_map(engine: EngineDep, settings: SettingsDep, seen: Seen,
                       area: Annotated[str, Query(min_length=1, max_length=200)],
                       distance: Annotated[float, Query(ge=0, le=50_000)] = 500.0,
                       visible: bool = False,
                       lang: Lang | None = None) -> HTMLResponse:
    """The corridor map of an area (``visible=true``: with the area seen from the lines)."""
    from maps.views import corridor_map as draw

    def run() -> Any:
        return draw(_context(engine, area=area), distance=distance,
                    visible=seen
                    if visible else None,
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


@router.get("/villages/{village_id}/figure.{fmt}", responses=_SHEET_RESPONSES)
async def village_figure(
    village_id: int, fmt: Literal["png", "pdf", "svg"], engine: EngineDep,
    settings: SettingsDep, view: Literal["layout", "lights", "garbage"] = "layout",
    paper: PaperQ = "A4", orientation: OrientationQ = "landscape", dpi: DpiQ = 150,
    lang: Lang | None = None,
) -> Response:
    """A print-ready map sheet of the village."""
    return await _sheet(settings, fmt, f"village-{village_id}-{view}", lambda out: _render(
        _context(engine, village_id), out, view=view, paper=paper, orientation=orientation,
        dpi=dpi, lang=lang or settings.language))
