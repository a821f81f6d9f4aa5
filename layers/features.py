"""Feature queries for the OGC API Features face: filter, count, page, one by id, delete.

Filters use the indexed columns: ``geom && envelope`` on the GiST index, ``area`` and
``status`` on their columns; a village filter intersects the village's polygon (features
of the village's own area).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, text

from layers.errors import UnknownVillage, VgisError
from layers.schema import layer_spec


@dataclass(frozen=True)
class FeatureQuery:
    """Filters and paging of an items request (bbox in EPSG:4326 degrees)."""

    layer: str
    bbox: tuple[float, float, float, float] | None = None
    area: str | None = None
    status: str | None = None
    village: int | None = None
    limit: int = 10
    offset: int = 0


@dataclass(frozen=True)
class FeaturePage:
    """One page of features as GeoJSON text (a JSON array), and how many match in all."""

    features_json: str
    returned: int
    matched: int

    @property
    def features(self) -> list[dict[str, Any]]:
        """The features as dicts (parsed; the HTTP face sends the text as it is)."""
        return list(json.loads(self.features_json))


def _where(q: FeatureQuery) -> tuple[str, dict[str, Any]]:
    clauses: list[str] = ["TRUE"]
    params: dict[str, Any] = {}
    if q.bbox is not None:
        clauses.append("t.geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)")
        params.update(zip(("x0", "y0", "x1", "y1"), q.bbox, strict=True))
    if q.area is not None:
        clauses.append("t.area = :area")
        params["area"] = q.area
    if q.status is not None:
        clauses.append("t.status = :status")
        params["status"] = q.status
    if q.village is not None:
        # a village's features are those of its own area (another area may overlap it)
        clauses.append("t.area = v.area AND t.geom && v.geom AND ST_Intersects(t.geom, v.geom)")
        params["village"] = q.village
    return " AND ".join(clauses), params


def _feature(row: Any, own: list[str]) -> dict[str, Any]:
    props = {"area": row.area, "name": row.name, "status": row.status, "source": row.source,
             "source_id": row.source_id, **{f: getattr(row, f) for f in own},
             "attrs": row.attrs}
    return {"type": "Feature", "id": row.id, "geometry": json.loads(row.geojson),
            "properties": props}


def query_features(engine: Engine, q: FeatureQuery) -> FeaturePage:
    """Features of ``q.layer`` matching the filters, ``limit`` of them from ``offset``.

    PostgreSQL writes the GeoJSON itself (``json_build_object``), so a page of 10,000
    features costs no Python work per feature.
    """
    spec = layer_spec(q.layer)
    own = [f.name for f in spec.fields]
    where, params = _where(q)
    join = ""
    if q.village is not None:
        join = "JOIN villages v ON v.id = :village"
        with engine.connect() as conn:
            if conn.execute(text("SELECT 1 FROM villages WHERE id = :v"),
                            {"v": q.village}).first() is None:
                raise UnknownVillage(f"no village with id {q.village}")
    props = ", ".join(f"'{c}', p.\"{c}\"" for c in
                      ("area", "name", "status", "source", "source_id", *own, "attrs"))
    sql = (
        "SELECT COALESCE(json_agg(json_build_object('type', 'Feature', 'id', p.id, "
        "'geometry', ST_AsGeoJSON(p.geom, 7)::json, "
        f"'properties', json_build_object({props})) ORDER BY p.id), '[]'::json)::text, "
        "count(*) "
        f"FROM (SELECT t.* FROM {q.layer} t {join} WHERE {where} "
        "ORDER BY t.id LIMIT :limit OFFSET :offset) p"
    )
    count_sql = f"SELECT count(*) FROM {q.layer} t {join} WHERE {where}"
    with engine.connect() as conn:
        row: Any = conn.execute(
            text(sql), {**params, "limit": q.limit, "offset": q.offset}).one()
        features_json, returned = row
        matched = int(conn.execute(text(count_sql), params).scalar_one())
    return FeaturePage(str(features_json), int(returned), matched)


def get_feature(engine: Engine, layer: str, feature_id: int) -> dict[str, Any] | None:
    """One feature by id (None when there is none)."""
    spec = layer_spec(layer)
    own = [f.name for f in spec.fields]
    cols = ", ".join(f't."{f}"' for f in own)
    with engine.connect() as conn:
        row = conn.execute(text(
            f"SELECT t.id, t.area, t.name, t.status, t.source, t.source_id, t.attrs, {cols}, "
            f"ST_AsGeoJSON(t.geom, 7) AS geojson FROM {layer} t WHERE t.id = :id"),
            {"id": feature_id}).first()
    return None if row is None else _feature(row, own)


def delete_feature(engine: Engine, layer: str, feature_id: int) -> bool:
    """Delete one feature; False when there was none."""
    layer_spec(layer)
    with engine.begin() as conn:
        return bool(conn.execute(text(f"DELETE FROM {layer} WHERE id = :id"),
                                 {"id": feature_id}).rowcount)


def layer_extent(engine: Engine, layer: str) -> list[float] | None:
    """(west, south, east, north) of a layer in degrees, from the index (estimated)."""
    layer_spec(layer)
    with engine.connect() as conn:
        box = conn.execute(text(
            f"SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
            f"FROM (SELECT ST_Extent(geom) AS e FROM {layer}) s")).first()
    return None if box is None or box[0] is None else [float(v) for v in box]


def check_bbox(bbox: tuple[float, float, float, float], max_degrees: float = 10.0) -> None:
    """Refuse a bbox that is out of range, inverted or wider than ``max_degrees``."""
    x0, y0, x1, y1 = bbox
    if not (-180 <= x0 <= 180 and -180 <= x1 <= 180 and -90 <= y0 <= 90 and -90 <= y1 <= 90):
        raise VgisError("bbox is outside longitude −180…180 / latitude −90…90")
    if x0 > x1 or y0 > y1:
        raise VgisError("bbox must be minx,miny,maxx,maxy with min ≤ max")
    if x1 - x0 > max_degrees or y1 - y0 > max_degrees:
        raise VgisError(f"bbox spans more than {max_degrees:g}°; page through smaller boxes")
