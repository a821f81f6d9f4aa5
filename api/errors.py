"""One table from domain errors to HTTP status codes; handlers never build errors by hand."""

from __future__ import annotations

import logging
import re
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import InterfaceError, OperationalError, ProgrammingError

from layers.errors import (
    Conflict,
    DatabaseUnavailable,
    ImportRejected,
    UnknownArea,
    UnknownLayer,
    UnknownPlan,
    UnknownVillage,
    UnreadableFile,
    UnsupportedCRS,
    VgisError,
)
from layers.tiles import TileOutside

log = logging.getLogger("vgis.errors")


class UploadTooLarge(VgisError):
    """A request body over the limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"upload larger than {limit // (1024 * 1024)} MB")


class AnalysisTimeout(VgisError):
    """An analysis that took longer than the configured limit."""


class Busy(VgisError):
    """A document is being built already (one at a time per worker): try again later."""


STATUS_CODES: dict[type[Exception], int] = {
    UnknownLayer: 404,
    UnknownArea: 404,
    UnknownVillage: 404,
    TileOutside: 404,
    UnknownPlan: 404,
    Conflict: 409,
    UploadTooLarge: 413,
    AnalysisTimeout: 503,
    Busy: 503,
    ImportRejected: 422,
    UnreadableFile: 422,
    UnsupportedCRS: 422,
    DatabaseUnavailable: 503,
    VgisError: 422,
}


class ErrorBody(BaseModel):
    """What every error answers: its kind, what was wrong, and per-feature problems."""

    error: str | None = None
    detail: Any = None
    problems: list[dict[str, str]] | None = None


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody, "description": text} for code, text in (
        (400, "unknown query parameter, or a malformed request"),
        (404, "unknown layer, area, village, feature or tile"),
        (413, "request body too large"),
        (422, "invalid parameters or rejected features"),
        (503, "database unavailable or analysis timed out"),
    )
}
WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    401: {"model": ErrorBody, "description": "missing or wrong X-API-Key"},
    403: {"model": ErrorBody, "description": "writes disabled on this server"},
    409: {"model": ErrorBody, "description": "the plan changed meanwhile (stale If-Match), "
                                             "or nothing to undo"},
}


def status_for(exc: Exception) -> int:
    """HTTP status of a domain error (most specific class wins)."""
    for cls in type(exc).__mro__:
        if cls in STATUS_CODES:
            return STATUS_CODES[cls]
    return 500


RETRY_AFTER_S = 5
"""What a 503 tells the client to wait before trying again, seconds."""
_DIRECTORIES = re.compile(r"(?<![\w:/.])(?:/vsizip/)?(?:/[^\s/:'\"()]+)+/(?=[^\s/:'\"()]+)")


def plain(message: str) -> str:
    """A message as the client may read it: folders of server paths cut to the file name."""
    return _DIRECTORIES.sub("", message)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers of the domain errors and of an unreachable database.

    Every :class:`VgisError` is mapped through :data:`STATUS_CODES`; a database that
    cannot be reached is 503 with ``Retry-After``.
    """

    async def handle(request: Request, exc: Exception) -> JSONResponse:
        body: dict[str, object] = {"error": type(exc).__name__, "detail": plain(str(exc))}
        if isinstance(exc, DatabaseUnavailable):  # pg_ctl's or the driver's words: the log's
            log.warning("database unavailable: %s", exc)
            body["detail"] = "the database cannot be reached; try again shortly"
        if isinstance(exc, ImportRejected):
            body["problems"] = [{k: plain(v) for k, v in p.__dict__.items()}
                                for p in exc.problems]
        status = status_for(exc)
        headers = {"Retry-After": str(RETRY_AFTER_S)} if status == 503 else None
        return JSONResponse(body, status_code=status, headers=headers)

    async def unreachable(request: Request, exc: Exception) -> JSONResponse:
        log.warning("database unreachable: %s", exc)  # the server's log, not the client
        return JSONResponse({"error": "DatabaseUnavailable",
                             "detail": "the database cannot be reached; try again shortly"},
                            status_code=503, headers={"Retry-After": str(RETRY_AFTER_S)})

    async def no_schema(request: Request, exc: Exception) -> JSONResponse:
        log.warning("database schema: %s", exc)  # e.g. a table of a newer migration missing
        orig = getattr(exc, "orig", None)
        if not isinstance(orig, psycopg.errors.UndefinedTable | psycopg.errors.UndefinedColumn):
            return JSONResponse({"error": "InternalError", "detail": "the server failed; "
                                 "its log says why"}, status_code=500)
        return JSONResponse({"error": "DatabaseUnavailable",
                             "detail": "the database schema is not the service's: run "
                                       "`vgis db init`"},
                            status_code=503, headers={"Retry-After": str(RETRY_AFTER_S)})

    async def invalid(request: Request, exc: Exception) -> JSONResponse:
        # where and what, never the input itself (it may be huge, or NaN that JSON lacks)
        errors = exc.errors() if isinstance(exc, RequestValidationError) else []
        detail = [{"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))[:300],
                   "type": str(e.get("type", ""))} for e in errors[:50]]
        return JSONResponse({"error": "InvalidInput", "detail": detail}, status_code=422)

    app.add_exception_handler(VgisError, handle)
    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(ProgrammingError, no_schema)
    for cls in (OperationalError, InterfaceError, psycopg.OperationalError):
        app.add_exception_handler(cls, unreachable)
