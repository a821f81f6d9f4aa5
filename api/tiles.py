"""Vector tiles over HTTP: ``GET /tiles/{layer}/{z}/{x}/{y}.pbf?area=A[&status=…]``.

Served maps draw their large layers from these (Leaflet.VectorGrid, served by the
service itself); the tiles are made by PostGIS (:mod:`layers.tiles`), kept gzip-ed by
data version (:mod:`api.rendered`) and revalidated by ETag.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from api.deps import EngineDep, SettingsDep
from api.errors import ERROR_RESPONSES
from api.queries import AreaQ
from api.rendered import rendered
from layers.errors import UnknownLayer
from layers.schema import LAYERS, STATUSES
from layers.tiles import MAX_ZOOM, TileOutside, layer_tile, tile_bounds_ok
from layers.versions import AreaVersion

router = APIRouter(tags=["tiles"], responses=ERROR_RESPONSES)
MVT = "application/vnd.mapbox-vector-tile"


@router.get("/tiles/{layer}/{z}/{x}/{y}.pbf", response_class=Response, responses={
    200: {"content": {MVT: {}}, "description": "a Mapbox Vector Tile (EPSG:3857), gzip"},
    304: {"description": "not modified since the ETag sent (same data version)"}})
async def tile(
    request: Request, engine: EngineDep, settings: SettingsDep, area: AreaQ,
    layer: Annotated[str, Path(max_length=40, description="a canonical layer, e.g. buildings")],
    z: Annotated[int, Path(ge=0, le=MAX_ZOOM, description="zoom")],
    x: Annotated[int, Path(ge=0, description="column, 0 … 2^z − 1 from the west")],
    y: Annotated[int, Path(ge=0, description="row, 0 … 2^z − 1 from the north")],
    status: Annotated[str | None, Query(
        pattern=r"^(existing|planned)(,(existing|planned))?$",
        description="only these statuses, comma-separated (default: all)")] = None,
) -> Response:
    """The features of one layer of an area in one XYZ tile: id, name, status, own fields.

    Features are clipped to the tile (with a 64/4096 buffer) and snapped to its
    4096-unit grid by ``ST_AsMVTGeom``; the tile's layer is named after ``layer``.
    An empty tile is an empty body. ``ETag`` follows the area's data version.
    """
    if layer not in LAYERS:
        raise UnknownLayer(layer, LAYERS)
    if not tile_bounds_ok(z, x, y):
        raise TileOutside(f"tile {z}/{x}/{y} lies outside the grid of zoom {z} "
                          f"(x and y below {2**z})")
    statuses = tuple(sorted(set(status.split(",")))) if status else STATUSES

    def make(version: AreaVersion) -> bytes:
        return layer_tile(engine, layer, z, x, y, area=version.area, statuses=statuses)

    return await rendered(request, settings, engine, media_type=MVT, make=make, area=area)
