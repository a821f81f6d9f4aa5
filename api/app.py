"""The FastAPI service: a thin face that parses requests and calls ``layers``/``gis``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, text

from api.errors import install_error_handlers
from layers.schema import LAYERS

ATTRIBUTION = (
    "© OpenStreetMap contributors, data available under the Open Database License (ODbL 1.0), "
    "https://www.openstreetmap.org/copyright; elevation: NASA/USGS SRTM, public domain"
)

app = FastAPI(
    title="vgis — village planning GIS",
    description="Layers, coverage and corridor analysis, maps for demonstration-village plans.",
    version="0.1.0",
)
install_error_handlers(app)


def engine_dep() -> Engine:
    """The store's engine (the local cluster is started on first use)."""
    from layers.db import get_engine

    return get_engine()


EngineDep = Annotated[Engine, Depends(engine_dep)]


@app.get("/health", tags=["operations"])
def health() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@app.get("/ready", tags=["operations"])
def ready(engine: EngineDep) -> JSONResponse:
    """The database is reachable."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return JSONResponse({"status": "ready"})


def _collection(name: str, request: Request, extent: list[float] | None) -> dict[str, Any]:
    spec = LAYERS[name]
    base = str(request.base_url).rstrip("/")
    return {
        "id": name,
        "title": spec.title_en,
        "description": f"{spec.title_zh} / {spec.title_en}: "
                       f"{', '.join(spec.geometry_types)} in EPSG:4326",
        "itemType": "feature",
        "crs": ["http://www.opengis.net/def/crs/OGC/1.3/CRS84"],
        "extent": {"spatial": {"bbox": [extent] if extent else [],
                               "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
        "attribution": ATTRIBUTION,
        "links": [
            {"href": f"{base}/collections/{name}", "rel": "self", "type": "application/json"},
            {"href": f"{base}/collections/{name}/items", "rel": "items",
             "type": "application/geo+json"},
        ],
    }


@app.get("/collections", tags=["layers"])
def collections(request: Request, engine: EngineDep) -> dict[str, Any]:
    """The ten canonical vector layers (OGC API Features collections)."""
    extents: dict[str, list[float] | None] = {}
    with engine.connect() as conn:
        for name in LAYERS:
            box = conn.execute(text(
                f"SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
                f"FROM (SELECT ST_Extent(geom) AS e FROM {name}) s"
            )).first()
            extents[name] = None if box is None or box[0] is None else [float(v) for v in box]
    base = str(request.base_url).rstrip("/")
    return {
        "links": [{"href": f"{base}/collections", "rel": "self", "type": "application/json"}],
        "collections": [_collection(n, request, extents[n]) for n in LAYERS],
    }
