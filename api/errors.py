"""One table from domain errors to HTTP status codes; handlers never build errors by hand."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from layers.errors import (
    DatabaseUnavailable,
    ImportRejected,
    UnknownArea,
    UnknownLayer,
    UnknownVillage,
    UnreadableFile,
    UnsupportedCRS,
    VgisError,
)


class UploadTooLarge(VgisError):
    """A request body over the limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"upload larger than {limit // (1024 * 1024)} MB")


class AnalysisTimeout(VgisError):
    """An analysis that took longer than the configured limit."""


STATUS_CODES: dict[type[Exception], int] = {
    UnknownLayer: 404,
    UnknownArea: 404,
    UnknownVillage: 404,
    UploadTooLarge: 413,
    AnalysisTimeout: 503,
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
        (404, "unknown layer, area, village or feature"),
        (413, "request body too large"),
        (422, "invalid parameters or rejected features"),
        (503, "database unavailable or analysis timed out"),
    )
}
WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERROR_RESPONSES,
    401: {"model": ErrorBody, "description": "missing or wrong X-API-Key"},
    403: {"model": ErrorBody, "description": "writes disabled on this server"},
}


def status_for(exc: Exception) -> int:
    """HTTP status of a domain error (most specific class wins)."""
    for cls in type(exc).__mro__:
        if cls in STATUS_CODES:
            return STATUS_CODES[cls]
    return 500


def install_error_handlers(app: FastAPI) -> None:
    """Register the handler that maps every :class:`VgisError` through :data:`STATUS_CODES`."""

    async def handle(request: Request, exc: Exception) -> JSONResponse:
        body: dict[str, object] = {"error": type(exc).__name__, "detail": str(exc)}
        if isinstance(exc, ImportRejected):
            body["problems"] = [p.__dict__ for p in exc.problems]
        return JSONResponse(body, status_code=status_for(exc))

    app.add_exception_handler(VgisError, handle)
