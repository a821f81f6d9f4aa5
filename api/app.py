"""The FastAPI service: a thin face that parses requests and calls ``layers``/``gis``/``maps``.

Routers: landing page, OGC API Features (layers), analysis and maps. Every domain error
is mapped to its HTTP status in one place (:mod:`api.errors`). Static assets (Leaflet,
the map helpers) are served from this process: maps need no internet.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import FileResponse, JSONResponse
from sqlalchemy import text

from api import (
    analysis,
    checks,
    documents,
    features,
    packages,
    pages,
    plans,
    sheets,
    tiles,
    workspace,
)
from api.deps import EngineDep
from api.errors import install_error_handlers
from api.guard import Guard
from layers.runtime.settings import get_settings
from maps.assets import ASSETS, asset_path, leaflet_images_dir

log = logging.getLogger("vgis.requests")


def content_security_policy(tile_url: str | None) -> str:
    """The Content-Security-Policy of the service's pages.

    Scripts and styles from the service (the maps' own inline scripts allowed), never an
    inline event handler (``onerror=…`` in stored data), no plug-ins, images from the
    service, ``data:`` URIs and the configured tile server.
    """
    tiles = ""
    if tile_url:
        parts = urlsplit(re.sub(r"\{[^}]*\}", "x", tile_url))
        host = re.sub(r"^x\.", "*.", parts.hostname or "")
        tiles = f" {parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")
    return ("default-src 'self'; script-src 'self' 'unsafe-inline'; script-src-attr 'none'; "
            "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:" + tiles + "; "
            "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
            "form-action 'self'; frame-ancestors 'self'")


def create_app() -> FastAPI:
    """Build the service (settings read from the environment)."""
    settings = get_settings()
    app = FastAPI(
        title="vgis — village planning GIS",
        description="Layers (OGC API Features), coverage and corridor analysis, maps and "
                    "print figures for demonstration-village plans. Map data © OpenStreetMap "
                    "contributors (ODbL); elevation NASA/USGS SRTM.",
        version="0.1.0",
    )
    install_error_handlers(app)
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins,
                           allow_methods=["GET", "POST", "PATCH", "DELETE"], allow_headers=["*"])

    # a keyless write or an oversized body is answered before it is read; inside the
    # logging middleware, so that a body passing its limit ends as 413 where it is read
    app.add_middleware(Guard, settings=settings)
    policy = content_security_policy(settings.tile_url)

    @app.middleware("http")
    async def limits_and_logs(request: Request,
                              call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        response: Response
        if "\x00" in request.url.path or any("\x00" in k or "\x00" in v for k, v in
                                              request.query_params.multi_items()):
            # no text in the store can hold a NUL byte: refuse it before any query
            response = JSONResponse({"error": "InvalidInput",
                                     "detail": "a NUL byte (%00) in the path or query"},
                                    status_code=422)
        else:
            response = await call_next(request)
        if (response.headers.get("content-type", "").startswith("text/html")
                and not request.url.path.startswith(("/docs", "/redoc"))):
            response.headers["Content-Security-Policy"] = policy
        log.info(json.dumps({
            "id": uuid.uuid4().hex[:12], "method": request.method, "path": request.url.path,
            "status": response.status_code,
            "ms": round((time.perf_counter() - started) * 1000, 1),
        }))
        return response

    @app.get("/health", tags=["operations"])
    def health() -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @app.get("/ready", tags=["operations"])
    def ready(engine: EngineDep) -> dict[str, str]:
        """The database is reachable."""
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"status": "ready"}

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> Response:
        if name in ASSETS:
            return FileResponse(asset_path(name), media_type=ASSETS[name][2],
                                headers={"Cache-Control": "public, max-age=86400"})
        return JSONResponse({"error": "NotFound", "detail": name}, status_code=404)

    @app.get("/static/images/{name}", include_in_schema=False)
    def static_image(name: str) -> Response:
        image = leaflet_images_dir() / name
        if name.endswith(".png") and "/" not in name and image.is_file():
            return FileResponse(image, media_type="image/png")
        return JSONResponse({"error": "NotFound", "detail": name}, status_code=404)

    app.include_router(pages.router)
    app.include_router(features.router)
    app.include_router(analysis.router)
    app.include_router(checks.router)
    app.include_router(sheets.router)
    app.include_router(documents.router)
    app.include_router(packages.router)
    app.include_router(tiles.router)
    app.include_router(plans.router)
    app.include_router(workspace.router)
    return app


app = create_app()
