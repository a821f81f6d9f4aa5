"""The planning workspace in the browser: the county page, a village's page, a plan's editor.

``/workspace?area=A`` (``/`` leads there in a browser), ``/workspace/villages/{id}`` and
``/plans/{id}/edit``. The pages are drawn by :mod:`maps.workspace` and kept by data
version (:mod:`api.rendered`); the plan's features and figures are fetched by the page
from ``/plans/{id}``, so a page is the same whatever the plan's version.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.analysis import bounded
from api.deps import EngineDep, SettingsDep
from api.errors import ERROR_RESPONSES
from api.rendered import rendered, warm_context
from layers.versions import AreaVersion
from maps.interactive import html_of
from maps.overviews import Metric
from maps.style import Lang
from maps.views import View

router = APIRouter(tags=["workspace"], responses=ERROR_RESPONSES)
HTML = "text/html; charset=utf-8"


@router.get("/workspace", response_class=HTMLResponse)
def county(engine: EngineDep, area: Annotated[str | None, Query(max_length=200)] = None,
           metric: Metric = "lit_share", lang: Lang | None = None) -> Response:
    """The county page: the overview map by ``metric`` and a sortable table of villages."""
    from layers.errors import UnknownArea
    from layers.store import area_names, check_area, largest_area
    from maps.credits import credit_line
    from maps.style import language
    from maps.workspace import county_workspace

    names = area_names(engine)
    if area is None:
        area = largest_area(engine)
        if area is None:
            raise UnknownArea("(none with villages: `vgis load samples`)")
    check_area(engine, area)
    return HTMLResponse(county_workspace(area, names, credit_line(engine, area, language(lang)),
                                         metric, lang))


@router.get("/workspace/villages/{village_id}", response_class=HTMLResponse)
async def village(request: Request, village_id: int, engine: EngineDep, settings: SettingsDep,
                  view: View = "lights", lang: Lang | None = None) -> Response:
    """A village's map with its figures, its plans and a form for a new plan."""
    from maps.workspace import village_workspace

    def make(version: AreaVersion) -> bytes:
        page = village_workspace(warm_context(engine, version, village_id), view=view, lang=lang)
        return html_of(page).encode("utf-8")

    return await rendered(request, settings, engine, media_type=HTML, make=make,
                          village_id=village_id)


@router.get("/plans/{plan_id}/edit", response_class=HTMLResponse)
async def edit_plan(request: Request, plan_id: int, engine: EngineDep, settings: SettingsDep,
                    view: View = "lights", lang: Lang | None = None) -> Response:
    """The plan's editor: propose, accept, drag, add, delete, undo, compare, export.

    Without an API key (entered in the page) it is read-only and says so.
    """
    from layers.errors import VgisError
    from layers.plans import get_plan, plan_village
    from maps.workspace import village_workspace

    plan = await bounded(settings.analysis_timeout_s, get_plan, engine, plan_id)
    village_id = await bounded(settings.analysis_timeout_s, plan_village, engine, plan)
    if village_id is None:
        raise VgisError(f"plan {plan_id} is of the whole area {plan.area!r}: the editor opens "
                        "plans of one village (GET /plans/{id} has its figures)")

    def make(version: AreaVersion) -> bytes:
        page = village_workspace(warm_context(engine, version, village_id), view=view,
                                 plan_id=plan_id, lang=lang)
        return html_of(page).encode("utf-8")

    return await rendered(request, settings, engine, media_type=HTML, make=make,
                          village_id=village_id, variant=f"plan{plan_id}")
