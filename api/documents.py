"""Documents over HTTP: a village's section of a plan as Word (``vgis report village``).

``GET /villages/{id}/report.docx[?plan=ID][&lang=zh|en]`` answers the .docx of
:func:`maps.report.village_report` as an attachment named after the village, built in
a worker thread within the analysis time limit on the warm area, and kept (with an
ETag) by the area's data version, the plan's version and the day.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.analysis import bounded
from api.deps import EngineDep, SettingsDep
from api.errors import ERROR_RESPONSES
from api.rendered import rendered, warm_context
from api.sheets import disposition
from gis.context import Context
from layers.versions import AreaVersion
from maps.style import Lang

router = APIRouter(tags=["documents"], responses=ERROR_RESPONSES)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {DOCX: {}}, "description": "the village's section (Word)"},
    422: {"description": "the plan is not of this village (or of the whole area), or "
                         "invalid parameters"},
}
PlanQ = Annotated[int | None, Query(description="a plan of this village (GET /plans?area=A): "
                                                "its figures after, sheets and features")]


def _village_name(engine: Any, village_id: int) -> str:
    """The village's name (its id when it has none); UnknownVillage (404) when none."""
    from gis.context import find_villages

    name = find_villages(engine, village_id=village_id)["name"].iloc[0]
    return str(name) if isinstance(name, str) and name else f"village-{village_id}"


@router.get("/villages/{village_id}/report.docx", responses=_RESPONSES,
            response_class=Response)
async def village_report(request: Request, village_id: int, engine: EngineDep,
                         settings: SettingsDep, plan: PlanQ = None, lang: Lang | None = None
                         ) -> Response:
    """The village's section of a plan as a Word document (.docx).

    Profile, coverage before (with ``plan``: and after), the print sheets, the lists of
    unlit stretches, unserved households and proposals, and the data credit.
    """
    from layers.plans import get_plan
    from maps.report import village_report as write

    name = await bounded(settings.analysis_timeout_s, _village_name, engine, village_id)
    variant = dt.date.today().isoformat()  # the section is dated
    if plan is not None:
        record = await bounded(settings.analysis_timeout_s, get_plan, engine, plan)
        variant += f"@plan{plan}v{record.version}"

    def make(at: AreaVersion) -> bytes:
        def context(engine: Any, area: str, vid: int | None) -> Context:
            return warm_context(engine, at, vid)

        with tempfile.TemporaryDirectory(prefix="vgis-report-") as tmp:
            found = write(engine, at.area, village_id, Path(tmp) / "report.docx",
                          plan_id=plan, lang=lang, make=context)
            return found.path.read_bytes()

    filename = f"{name}.docx" if plan is None else f"{name}-plan-{plan}.docx"
    return await rendered(request, settings, engine, media_type=DOCX, make=make,
                          village_id=village_id, variant=variant,
                          headers={"Content-Disposition": disposition("attachment", filename)})
