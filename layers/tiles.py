"""Vector tiles of a layer, made by PostGIS (``ST_AsMVT``): what served maps draw large layers from.

A tile ``z/x/y`` is the Web-Mercator (EPSG:3857) square of the XYZ scheme (x east,
y south, from the top-left at zoom 0). It holds the features of one layer of one
area (optionally only some statuses) whose box meets the tile grown by
:data:`BUFFER` of :data:`EXTENT` units on each side, clipped to that buffer and
snapped to the tile's 4096 × 4096 grid (so detail finer than a pixel is dropped as
the zoom falls). The layer inside the tile is named after the canonical layer; each
feature carries ``id``, ``name``, ``status`` and the layer's own fields (``class``,
``households``, ``working``, …), never the source attributes.
"""

from __future__ import annotations

from sqlalchemy import Engine, text

from layers.errors import VgisError
from layers.schema import STATUSES, layer_spec

EXTENT = 4096
BUFFER = 64
MAX_ZOOM = 22


class TileOutside(VgisError):
    """A tile x or y outside the 2^z × 2^z grid of its zoom."""


def tile_bounds_ok(z: int, x: int, y: int) -> bool:
    """Whether ``z/x/y`` names a tile of the XYZ scheme up to :data:`MAX_ZOOM`."""
    return 0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z


def layer_tile(engine: Engine, layer: str, z: int, x: int, y: int, *, area: str,
               statuses: tuple[str, ...] = STATUSES) -> bytes:
    """The Mapbox Vector Tile (uncompressed bytes; empty when nothing lies there).

    Parameters
    ----------
    engine
        The store.
    layer
        Canonical layer name.
    z, x, y
        The tile (XYZ scheme, EPSG:3857); check with :func:`tile_bounds_ok` first.
    area
        Only features of this area.
    statuses
        Only features of these statuses.
    """
    spec = layer_spec(layer)
    own = "".join(f', f."{f.name}"' for f in spec.fields)
    sql = text(f"""
        WITH b AS (SELECT ST_TileEnvelope(:z, :x, :y) AS env,
                          ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => :margin), 4326) AS q)
        SELECT ST_AsMVT(t, :layer, {EXTENT}, 'geom') FROM (
            SELECT f.id, f.name, f.status{own},
                   ST_AsMVTGeom(ST_Transform(f.geom, 3857), b.env, {EXTENT}, {BUFFER}, true)
                   AS geom
            FROM {layer} f, b
            WHERE f.area = :area AND f.status = ANY(:statuses) AND f.geom && b.q
        ) t WHERE t.geom IS NOT NULL""")
    with engine.connect() as conn:
        data: bytes | None = conn.execute(sql, {"z": z, "x": x, "y": y, "margin": BUFFER / EXTENT,
                                  "layer": layer, "area": area,
                                  "statuses": list(statuses)}).scalar_one()
    return bytes(data or b"")
