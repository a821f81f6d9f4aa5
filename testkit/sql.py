"""The same coverage and corridor figures computed by PostGIS SQL (the second engine).

Definitions are those of :mod:`gis.coverage` and :mod:`gis.proximity`; candidates are
found with ``&&`` on the GiST-indexed EPSG:4326 geometry (a window grown by the radius
in degrees), then measured in the area's metric CRS. A light's reach is a buffer of
64 segments per quarter circle (PostGIS's default 8 loses about 0.2 % of lit length;
64 loses under 0.01 %). Used to cross-check the in-process engine and as the peer in
the benchmark.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import text

from gis.context import EXISTING, WITH_PLANNED, Context

_LIGHTING = text("""
WITH v AS MATERIALIZED (
    SELECT id, geom FROM villages
    WHERE area = :area AND status = 'existing' AND id = ANY(:ids)
), pieces AS (
    SELECT v.id AS vid, r.class, r.geom AS g4326,
           (ST_Dump(ST_CollectionExtract(ST_Intersection(
                ST_Transform(r.geom, :epsg), ST_Transform(v.geom, :epsg)), 2))).geom AS g
    FROM v JOIN roads r ON r.area = :area AND r.geom && v.geom AND ST_Intersects(r.geom, v.geom)
    WHERE r.class = ANY(:classes) AND r.status = ANY(:statuses)
), lit AS (
    SELECT p.vid, p.class, p.g, (
        SELECT ST_Union(ST_Buffer(ST_Transform(l.geom, :epsg), :radius, 'quad_segs=64'))
        FROM lights l
        WHERE l.area = :area AND l.working AND l.status = ANY(:statuses)
          AND l.geom && ST_Expand(p.g4326, :deg)
          AND ST_DWithin(ST_Transform(l.geom, :epsg), p.g, :radius)
    ) AS zone
    FROM pieces p
)
SELECT vid, class, SUM(ST_Length(g)) AS road_length_m,
       SUM(COALESCE(ST_Length(ST_Intersection(g, zone)), 0)) AS lit_length_m
FROM lit GROUP BY vid, class
""")

_HOUSEHOLDS = text("""
WITH v AS MATERIALIZED (
    SELECT id, geom, ST_Transform(geom, :epsg) AS gm FROM villages
    WHERE area = :area AND status = 'existing' AND id = ANY(:ids)
), h AS (
    SELECT v.id AS vid, COALESCE(b.households, 1) AS households, b.geom AS g4326,
           ST_Centroid(ST_Transform(b.geom, :epsg)) AS c, v.gm
    FROM v JOIN buildings b ON b.area = :area AND b.geom && v.geom
    WHERE b.class = 'residential' AND b.status = ANY(:statuses)
)
SELECT vid, SUM(households) AS households,
       COALESCE(SUM(households) FILTER (WHERE EXISTS (
           SELECT 1 FROM {layer} g
           WHERE g.area = :area AND g.class = ANY(:classes) AND g.status = ANY(:statuses)
             AND g.geom && ST_Expand(h.g4326, :deg)
             AND ST_DWithin(ST_Centroid(ST_Transform(g.geom, :epsg)), h.c, :radius))), 0)
         AS served_households
FROM h WHERE ST_Within(h.c, h.gm) GROUP BY vid
""")

_NEAREST = text("""
WITH v AS MATERIALIZED (
    SELECT id, geom, ST_Transform(geom, :epsg) AS gm FROM villages
    WHERE area = :area AND status = 'existing' AND id = ANY(:ids)
)
SELECT v.id AS vid, (
    SELECT MIN(d) FROM (
        SELECT ST_Distance(ST_Transform(x.geom, :epsg), v.gm) AS d
        FROM {layer} x
        WHERE x.area = :area AND x.status = 'existing' AND x.class = ANY(:classes)
          AND x.geom && ST_Expand(v.geom, :deg)
    ) s WHERE d <= :window
) AS distance_m
FROM v
""")


def _degrees(ctx: Context, metres: float) -> float:
    """A window in degrees surely wider than ``metres`` at the villages' latitudes."""
    lat = float(abs(ctx.villages.to_crs(4326).total_bounds[[1, 3]]).max())
    return metres / (110_574.0 * max(math.cos(math.radians(lat)), 0.01)) * 1.05


def _params(ctx: Context, statuses: Sequence[str], **extra: Any) -> dict[str, Any]:
    return {"area": ctx.area, "epsg": ctx.epsg, "ids": [int(i) for i in ctx.villages["id"]],
            "statuses": list(statuses), **extra}


def lighting_sql(ctx: Context, *, radius: float, classes: Sequence[str],
                 include_planned: bool = False) -> dict[int, dict[str, float]]:
    """Road length, lit length (m) and lit share per village id, by PostGIS."""
    statuses = WITH_PLANNED if include_planned else EXISTING
    with ctx.engine.connect() as conn:
        rows: Sequence[Any] = conn.execute(_LIGHTING, _params(
            ctx, statuses, classes=list(classes), radius=radius,
            deg=_degrees(ctx, radius))).all()
    return lit_figures(rows, ctx.villages["id"])


def lit_figures(rows: Sequence[Any], village_ids: Iterable[Any]
                ) -> dict[int, dict[str, float]]:
    """Sum (village id, class, road m, lit m) rows into figures per village id."""
    out: dict[int, dict[str, float]] = {int(i): {"road_length_m": 0.0, "lit_length_m": 0.0}
                                        for i in village_ids}
    for vid, _cls, road, lit in rows:
        out[int(vid)]["road_length_m"] += float(road)
        out[int(vid)]["lit_length_m"] += float(lit)
    for fig in out.values():
        road = fig["road_length_m"]
        fig["lit_share"] = fig["lit_length_m"] / road if road else float("nan")
    return out


def households_sql(ctx: Context, *, layer: str = "garbage", classes: Sequence[str],
                   radius: float, include_planned: bool = False
                   ) -> dict[int, dict[str, float]]:
    """Households and served households per village id, by PostGIS (euclidean)."""
    if layer not in ("garbage", "facilities"):
        raise ValueError(layer)
    statuses = WITH_PLANNED if include_planned else EXISTING
    sql = text(str(_HOUSEHOLDS).replace("{layer}", layer))
    with ctx.engine.connect() as conn:
        params = _params(ctx, statuses, classes=list(classes), radius=radius,
                         deg=_degrees(ctx, radius))
        rows: Sequence[Any] = conn.execute(sql, params).all()
    out = {int(i): {"households": 0.0, "served_households": 0.0} for i in ctx.villages["id"]}
    for vid, total, served in rows:
        out[int(vid)] = {"households": float(total), "served_households": float(served)}
    return out


def nearest_sql(ctx: Context, *, layer: str, classes: Sequence[str], window: float
                ) -> dict[int, float | None]:
    """Distance (m) from each village to the nearest line of ``classes``; None beyond window."""
    if layer not in ("roads", "railways"):
        raise ValueError(layer)
    sql = text(str(_NEAREST).replace("{layer}", layer))
    with ctx.engine.connect() as conn:
        params = _params(ctx, EXISTING, classes=list(classes), deg=_degrees(ctx, window),
                         window=window)
        rows: Sequence[Any] = conn.execute(sql, params).all()
    return {int(v): (None if d is None else float(d)) for v, d in rows}
