"""A village's offline package over HTTP: the zip of ``vgis package village``.

Made in a worker thread within the analysis time limit, from the service's warm area,
into a temporary file that is streamed to the client and removed when sent.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from api.analysis import bounded
from api.deps import EngineDep, SettingsDep, warm_areas
from api.errors import ERROR_RESPONSES
from api.sheets import disposition
from gis.context import Context
from maps.style import Lang

router = APIRouter(tags=["maps and figures"], responses=ERROR_RESPONSES)
_ZIP: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/zip": {}},
          "description": "the zip: index.html and the lights and garbage maps (open offline), "
                         "layers.gpkg, sheets/*.pdf, README.txt"}}


def _warm(engine: Any, area: str, village_id: int | None) -> Context:
    return warm_areas().context(engine, area=area, village_id=village_id)


@router.get("/villages/{village_id}/package.zip", response_class=FileResponse,
            responses=_ZIP)
async def village_package(village_id: int, engine: EngineDep, settings: SettingsDep,
                          plan: int | None = None, lang: Lang | None = None) -> FileResponse:
    """The village's offline package (``plan``: one of its plans, drawn on maps and sheets).

    404 for an unknown village or plan, 422 for a plan of another village.
    """
    from maps.package import village_package as write

    folder = Path(tempfile.mkdtemp(prefix="vgis-package-"))
    try:
        made = await bounded(settings.document_timeout_s, write, engine, village_id,
                             folder / "package.zip", plan_id=plan, lang=lang, make=_warm)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    name = made.village + (f"-plan-{plan}" if plan is not None else "") + ".zip"
    return FileResponse(made.path, media_type="application/zip",
                        headers={"Content-Disposition": disposition("attachment", name)},
                        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))
