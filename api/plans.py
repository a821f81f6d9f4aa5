"""Plans over HTTP: make, propose, edit, undo, compare and export a plan (``vgis plan``).

Writes need a key (``X-API-Key``); the key's owner is the plan's author and the name in
its journal. Every edit may send ``If-Match: <version>`` (the plan's ``version``, also
its ``ETag``) and is answered 409 when the plan changed meanwhile. Each edit answers
the plan's new version and its figures before and after (:mod:`gis.plans`), computed
on the warm area, so a map can show the new numbers at once.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Header, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.analysis import bounded
from api.deps import Actor, EngineDep, SettingsDep, warm_areas
from api.errors import ERROR_RESPONSES, WRITE_RESPONSES
from api.queries import CoverageQ
from gis.context import Context
from layers.errors import VgisError

router = APIRouter(tags=["plans"], responses=ERROR_RESPONSES)
BeforeAfter = dict[str, dict[str, Any]]  # "before"/"after" -> the figures' fields
Figures = dict[str, BeforeAfter]  # kind -> before/after
IfMatch = Annotated[str | None, Header(description="the plan's version the edit is based "
                                                   "on; 409 when it changed meanwhile")]
_MEDIA = {"png": "image/png", "pdf": "application/pdf", "svg": "image/svg+xml"}


class PlanNew(BaseModel):
    """A new plan: its area, optionally one village of it, a name and a note."""

    area: str = Field(min_length=1, max_length=200)
    village_id: int | None = None
    name: str = Field(min_length=1, max_length=200)
    note: str = Field(default="", max_length=10_000)


class PlanCopy(BaseModel):
    """A variant's name (default: the plan's name and "(copy)")."""

    name: str | None = Field(default=None, min_length=1, max_length=200)


class PlanOut(BaseModel):
    """A plan's record."""

    id: int
    area: str
    village_id: int | None = Field(description="the village planned (null: the whole area)")
    village: str | None
    name: str
    note: str
    author: str = Field(description="who made it (the key's owner)")
    created_at: str
    updated_at: str
    version: int = Field(description="one more with every edit; send it as If-Match")


class PlanFull(PlanOut):
    """A plan with its features and its figures before and after."""

    features: dict[str, Any] = Field(description="GeoJSON FeatureCollection (EPSG:4326)")
    figures: Figures = Field(description="per kind {before, after}; lengths m, shares 0..1")


class EditAnswer(BaseModel):
    """What an edit answers: the plan's new version and its figures."""

    version: int
    figures: Figures
    id: int | None = Field(default=None, description="the added feature's id")
    added: int | None = Field(default=None, description="proposals: features added")


class FeaturePatch(BaseModel):
    """A move and/or a change of fields (merged with the feature's)."""

    geometry: dict[str, Any] | None = Field(default=None, description="GeoJSON, EPSG:4326")
    properties: dict[str, Any] | None = None


class Compared(BaseModel):
    """Two plans' figures side by side, and b − a of every number."""

    a: PlanOut
    b: PlanOut
    figures: dict[str, dict[str, BeforeAfter]] = Field(
        description="per kind: a and b, each before/after")
    difference: dict[str, dict[str, Any]] = Field(description="per kind: after of b − after of a")


def if_match_version(value: str | None) -> int | None:
    """The version an ``If-Match`` names (``3``, ``"3"`` or ``W/"3"``), or None."""
    if value is None or value.strip() == "*":
        return None
    raw = value.strip().removeprefix("W/").strip('"')
    if re.fullmatch(r"[0-9]{1,9}", raw) is None:
        raise VgisError(f"If-Match must be the plan's version (a number), not {value[:40]!r}")
    return int(raw)


def _make(engine: Any, area: str, village_id: int | None) -> Context:
    return warm_areas().context(engine, area=area, village_id=village_id)


def _figures(engine: Any, plan_id: int) -> tuple[int, Figures]:
    """The plan's version and its figures, of one snapshot."""
    from gis.plans import figures_for

    plan, figures = figures_for(engine, plan_id, _make)
    return plan.version, figures


def _out(plan: Any) -> PlanOut:
    return PlanOut(**plan.as_dict())


def _etag(version: int) -> dict[str, str]:
    return {"ETag": f'"{version}"'}


@router.post("/plans", status_code=201, responses=WRITE_RESPONSES)
async def new_plan(body: PlanNew, engine: EngineDep, settings: SettingsDep, actor: Actor,
                   response: Response) -> PlanOut:
    """Make an empty plan of an area (or of one village of it); the key's owner is author."""
    from layers.plan_edits import create_plan

    plan = await bounded(settings.analysis_timeout_s, create_plan, engine, area=body.area,
                         village_id=body.village_id, name=body.name, note=body.note,
                         author=actor)
    response.headers.update(_etag(plan.version))
    return _out(plan)


@router.get("/plans")
async def plans(engine: EngineDep, settings: SettingsDep,
                area: Annotated[str | None, Query(max_length=200)] = None) -> list[PlanOut]:
    """The plans of an area (of every area without ``area``), newest change first."""
    from layers.plans import list_plans

    return [_out(p) for p in await bounded(settings.analysis_timeout_s, list_plans, engine,
                                           area)]


@router.get("/plans/compare")
async def compare(engine: EngineDep, settings: SettingsDep,
                  a: Annotated[int, Query(description="a plan's id")],
                  b: Annotated[int, Query(description="another plan's id")]) -> Compared:
    """Two plans' figures side by side, and the difference of their afters (b − a)."""
    from gis.plans import compare_plans

    def run() -> Compared:
        c = compare_plans(engine, a, b, _make)
        return Compared(a=_out(c.a), b=_out(c.b),
                        figures={k: {"a": c.figures_a.get(k, {}), "b": c.figures_b.get(k, {})}
                                 for k in sorted(set(c.figures_a) | set(c.figures_b))},
                        difference=c.difference)

    return await bounded(settings.analysis_timeout_s, run)


@router.get("/plans/{plan_id}")
async def plan(plan_id: int, engine: EngineDep, settings: SettingsDep, response: Response
               ) -> PlanFull:
    """The plan, its features (GeoJSON) and its figures before and after."""
    from layers.plans import features_collection

    def run() -> PlanFull:
        from gis.plans import figures_for

        record, figures = figures_for(engine, plan_id, _make)
        return PlanFull(**record.as_dict(), features=features_collection(engine, plan_id),
                        figures=figures)

    out = await bounded(settings.analysis_timeout_s, run)
    response.headers.update(_etag(out.version))
    return out


async def _edit(settings: Any, engine: Any, plan_id: int, response: Response,
                edit: Callable[[], int]) -> EditAnswer:
    """Run ``edit``, then answer the version it made (the ETag too) and the figures.

    Both in a worker thread within the analysis timeout. The figures are read after
    the edit and may already hold a concurrent edit; the version stays the edit's own,
    so a client's next ``If-Match`` then answers 409 rather than overwrite what it has
    not seen.
    """
    def run() -> EditAnswer:
        version = edit()
        return EditAnswer(version=version, figures=_figures(engine, plan_id)[1])

    out = await bounded(settings.analysis_timeout_s, run)
    response.headers.update(_etag(out.version))
    return out


@router.post("/plans/{plan_id}/proposals/{kind}", responses=WRITE_RESPONSES,
             response_model_exclude_none=True)
async def proposals(plan_id: int, kind: Literal["lights", "garbage"], engine: EngineDep,
                    settings: SettingsDep, actor: Actor, options: CoverageQ,
                    response: Response, if_match: IfMatch = None) -> EditAnswer:
    """Add the analysis' proposals as planned features (the plan taken as built).

    Lights: new lights along the unlit gaps that remain; garbage: collection points to
    ``target_share`` of households.
    """
    from gis.plans import propose_for
    from layers.plans import get_plan

    expected = if_match_version(if_match)
    added: list[int] = []

    def edit() -> int:
        count, version = propose_for(engine, get_plan(engine, plan_id), kind, options,
                                     actor=actor, if_match=expected, make=_make)
        added.append(count)
        return version

    out = await _edit(settings, engine, plan_id, response, edit)
    return out.model_copy(update={"added": added[0]})


@router.post("/plans/{plan_id}/features", status_code=201, responses=WRITE_RESPONSES,
             response_model_exclude_none=True)
async def add_feature(
    plan_id: int, engine: EngineDep, settings: SettingsDep, actor: Actor, response: Response,
    feature: Annotated[dict[str, Any], Body(description="a GeoJSON Feature (EPSG:4326)")],
    layer: Annotated[str | None, Query(description="the layer, else properties.layer")] = None,
    if_match: IfMatch = None,
) -> EditAnswer:
    """Add one planned feature (lights, garbage, drainage, roads, facilities)."""
    from layers.plan_edits import add_features
    from layers.plans import check_feature

    expected = if_match_version(if_match)
    added: list[int] = []

    def edit() -> int:
        checked = check_feature(feature, layer)
        version, ids = add_features(engine, plan_id, [checked], actor=actor, if_match=expected)
        added.extend(ids)
        return version

    out = await _edit(settings, engine, plan_id, response, edit)
    return out.model_copy(update={"id": added[0]})


@router.patch("/plans/{plan_id}/features/{fid}", responses=WRITE_RESPONSES,
             response_model_exclude_none=True)
async def patch_feature(plan_id: int, fid: int, body: FeaturePatch, engine: EngineDep,
                        settings: SettingsDep, actor: Actor, response: Response,
                        if_match: IfMatch = None) -> EditAnswer:
    """Move a planned feature and/or change its fields."""
    from layers.plan_edits import update_feature

    expected = if_match_version(if_match)
    return await _edit(settings, engine, plan_id, response, lambda: update_feature(
        engine, plan_id, fid, actor=actor, geometry=body.geometry, properties=body.properties,
        if_match=expected))


@router.delete("/plans/{plan_id}/features/{fid}", responses=WRITE_RESPONSES,
             response_model_exclude_none=True)
async def remove_feature(plan_id: int, fid: int, engine: EngineDep, settings: SettingsDep,
                         actor: Actor, response: Response, if_match: IfMatch = None
                         ) -> EditAnswer:
    """Delete a planned feature (an undo brings it back)."""
    from layers.plan_edits import delete_feature

    expected = if_match_version(if_match)
    return await _edit(settings, engine, plan_id, response, lambda: delete_feature(
        engine, plan_id, fid, actor=actor, if_match=expected))


@router.post("/plans/{plan_id}/undo", responses=WRITE_RESPONSES,
             response_model_exclude_none=True)
async def undo(plan_id: int, engine: EngineDep, settings: SettingsDep, actor: Actor,
               response: Response, if_match: IfMatch = None) -> EditAnswer:
    """Revert the newest edit not yet undone (journaled as an edit of its own)."""
    from layers.plan_edits import undo as revert

    expected = if_match_version(if_match)
    return await _edit(settings, engine, plan_id, response,
                       lambda: revert(engine, plan_id, actor=actor, if_match=expected))


@router.get("/plans/{plan_id}/history")
async def history(plan_id: int, engine: EngineDep, settings: SettingsDep
                  ) -> list[dict[str, Any]]:
    """The plan's journal, oldest first: version, time, who, action, feature before/after."""
    from layers.plan_edits import history as journal

    return await bounded(settings.analysis_timeout_s, journal, engine, plan_id)


@router.post("/plans/{plan_id}/copy", status_code=201, responses=WRITE_RESPONSES)
async def copy(plan_id: int, engine: EngineDep, settings: SettingsDep, actor: Actor,
               body: Annotated[PlanCopy | None, Body()] = None) -> PlanOut:
    """A new plan with the same village and features: a variant to compare."""
    from layers.plan_edits import copy_plan

    return _out(await bounded(settings.analysis_timeout_s, copy_plan, engine, plan_id,
                              actor=actor, name=None if body is None else body.name))


@router.get("/plans/{plan_id}/features.gpkg")
async def features_gpkg(plan_id: int, engine: EngineDep, settings: SettingsDep) -> Response:
    """The plan's features as a GeoPackage, one table per layer (EPSG:4326)."""
    from layers.plans import write_gpkg

    def run() -> bytes:
        with tempfile.TemporaryDirectory(prefix="vgis-plan-") as tmp:
            return write_gpkg(engine, plan_id, Path(tmp) / "plan.gpkg").read_bytes()

    body = await bounded(settings.analysis_timeout_s, run)
    return Response(body, media_type="application/geopackage+sqlite3", headers={
        "Content-Disposition": f'attachment; filename="plan-{plan_id}.gpkg"'})


@router.get("/plans/{plan_id}/figure.{fmt}")
async def plan_figure(
    request: Request, plan_id: int, fmt: Literal["png", "pdf", "svg"], engine: EngineDep,
    settings: SettingsDep, view: Literal["lights", "garbage"] = "lights",
    paper: Literal["A4", "A3"] = "A4", dpi: Annotated[int, Query(ge=50, le=300)] = 150,
    lang: Literal["zh", "en"] | None = None,
) -> Response:
    """The village sheet of the plan: its features and the before/after table."""
    from api.rendered import rendered
    from layers.plans import get_plan
    from maps.figure import plan_sheet

    record = await bounded(settings.analysis_timeout_s, get_plan, engine, plan_id)

    def make(_: Any) -> bytes:
        with tempfile.TemporaryDirectory(prefix="vgis-figure-") as tmp:
            out = plan_sheet(engine, record, Path(tmp) / f"plan.{fmt}", view=view,
                             paper=paper, dpi=dpi, lang=lang, make=_make)
            return out.read_bytes()

    return await rendered(request, settings, engine, media_type=_MEDIA[fmt], make=make,
                          area=record.area, variant=f"plan{plan_id}v{record.version}",
                          headers={"Content-Disposition":
                                   f'inline; filename="plan-{plan_id}-{view}.{fmt}"'})

