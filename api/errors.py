"""One table from domain errors to HTTP status codes; handlers never build errors by hand."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from layers.errors import (
    DatabaseUnavailable,
    ImportRejected,
    UnknownArea,
    UnknownLayer,
    UnreadableFile,
    UnsupportedCRS,
    VgisError,
)

STATUS_CODES: dict[type[Exception], int] = {
    UnknownLayer: 404,
    UnknownArea: 404,
    ImportRejected: 422,
    UnreadableFile: 422,
    UnsupportedCRS: 422,
    DatabaseUnavailable: 503,
    VgisError: 422,
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
