"""Other SQL formulations of the same figures, to find the best SQL peer for the benchmark.

:mod:`testkit.sql` transforms geometry to metres inside every candidate test and lights a
road by intersecting it with a union of polygonised circles. The formulations here
keep the definitions (docs/definitions.md) and the same bounding-box
reads as :class:`~gis.context.Context`, but

- project each layer to the area's metric CRS **once**, into temporary tables with a
  GiST index on the metric geometry (built inside the timed transaction; dropped at
  commit);
- light roads **exactly**, as the in-process engine does: each road segment × light
  pair within the radius gives the interval of the segment inside the circle (a
  quadratic), and the intervals are merged per road piece with window functions — no
  buffers, no unions;
- look for the nearest line within a true circle of ``window`` metres.

Every function returns what its :mod:`testkit.sql` counterpart returns. Distances and
radii are metres in the area's metric CRS (``ctx.epsg``); reads use EPSG:4326 windows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, text

from gis.context import EXISTING, Context
from testkit.sql import lit_figures

_ENVELOPE = "ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)"


def _temp(conn: Connection, name: str, select: str, params: dict[str, Any],
          index: str | None = "g") -> None:
    """Create (and index and analyse) a temporary table dropped when the transaction ends."""
    conn.execute(text(f"CREATE TEMP TABLE {name} ON COMMIT DROP AS {select}"), params)
    if index:
        conn.execute(text(f"CREATE INDEX ON {name} USING gist ({index})"))
    conn.execute(text(f"ANALYZE {name}"))


def _params(ctx: Context, statuses: Sequence[str], margin_m: float, **extra: Any
            ) -> dict[str, Any]:
    x0, y0, x1, y1 = ctx.bbox(margin_m)
    return {"area": ctx.area, "epsg": ctx.epsg, "ids": [int(i) for i in ctx.villages["id"]],
            "statuses": list(statuses), "x0": x0, "y0": y0, "x1": x1, "y1": y1, **extra}


def _villages(conn: Connection, params: dict[str, Any]) -> None:
    _temp(conn, "bench_v", "SELECT id, ST_Transform(geom, :epsg) AS g FROM villages "
          "WHERE area = :area AND status = 'existing' AND id = ANY(:ids)", params)


_LIT_SEGMENTS = """
SELECT pid, ST_X(a) AS ax, ST_Y(a) AS ay, ST_X(b) - ST_X(a) AS dx, ST_Y(b) - ST_Y(a) AS dy,
       len, SUM(len) OVER (PARTITION BY pid ORDER BY k) - len AS off, seg
FROM (SELECT p.pid, (d).path[1] AS k, (d).geom AS seg, ST_StartPoint((d).geom) AS a,
             ST_EndPoint((d).geom) AS b, ST_Length((d).geom) AS len
      FROM bench_pieces p, LATERAL ST_DumpSegments(p.g) AS d) s
WHERE len > 0
"""

_LIT_INTERVALS = """
WITH pairs AS (
    SELECT s.pid, s.off, s.len, s.dx * s.dx + s.dy * s.dy AS qa,
           2 * (s.dx * (s.ax - ST_X(l.g)) + s.dy * (s.ay - ST_Y(l.g))) AS qb,
           (s.ax - ST_X(l.g)) ^ 2 + (s.ay - ST_Y(l.g)) ^ 2 - :radius ^ 2 AS qc
    FROM bench_segments s JOIN bench_lights l ON ST_DWithin(s.seg, l.g, :radius)
), roots AS (
    SELECT pid, off, len, qa, qb, sqrt(GREATEST(qb * qb - 4 * qa * qc, 0)) AS root FROM pairs
), iv AS (
    SELECT pid, off + len * GREATEST(0, LEAST(1, (-qb - root) / (2 * qa))) AS t0,
                off + len * GREATEST(0, LEAST(1, (-qb + root) / (2 * qa))) AS t1
    FROM roots
), ordered AS (
    SELECT pid, t0, t1, MAX(t1) OVER (PARTITION BY pid ORDER BY t0, t1
                                      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
    FROM iv WHERE t1 > t0
), runs AS (
    SELECT pid, t0, t1, COUNT(*) FILTER (WHERE reach IS NULL OR t0 > reach)
                        OVER (PARTITION BY pid ORDER BY t0, t1) AS run
    FROM ordered
), lit AS (
    SELECT pid, SUM(run_length) AS lit FROM (
        SELECT pid, MAX(t1) - MIN(t0) AS run_length FROM runs GROUP BY pid, run) r
    GROUP BY pid
)
SELECT p.vid, p.class, SUM(ST_Length(p.g)), SUM(COALESCE(lit.lit, 0))
FROM bench_pieces p LEFT JOIN lit USING (pid) GROUP BY p.vid, p.class
"""


def lighting_exact_sql(ctx: Context, *, radius: float, classes: Sequence[str]
                       ) -> dict[int, dict[str, float]]:
    """Road length, lit length (m) and lit share per village id, by exact intervals in SQL.

    Parameters
    ----------
    ctx
        The villages (their ids, area and metric CRS ``ctx.epsg``).
    radius
        Reach of a working light, metres.
    classes
        Road classes counted.
    """
    params = _params(ctx, EXISTING, 0.0, classes=list(classes), radius=radius)
    lit_params = _params(ctx, EXISTING, radius)
    with ctx.engine.begin() as conn:
        _villages(conn, params)
        _temp(conn, "bench_roads", "SELECT class, ST_Transform(geom, :epsg) AS g FROM roads "
              f"WHERE area = :area AND status = ANY(:statuses) AND class = ANY(:classes) "
              f"AND geom && {_ENVELOPE}", params)
        _temp(conn, "bench_lights", "SELECT ST_Transform(geom, :epsg) AS g FROM lights "
              f"WHERE area = :area AND working AND status = ANY(:statuses) "
              f"AND geom && {_ENVELOPE}", lit_params)
        _temp(conn, "bench_pieces", """
            SELECT row_number() OVER () AS pid, vid, class, g FROM (
                SELECT v.id AS vid, r.class,
                       (ST_Dump(ST_CollectionExtract(ST_Intersection(r.g, v.g), 2))).geom AS g
                FROM bench_roads r JOIN bench_v v ON ST_Intersects(r.g, v.g)) s""", {},
              index=None)
        _temp(conn, "bench_segments", _LIT_SEGMENTS, {}, index=None)
        rows: Sequence[Any] = conn.execute(text(_LIT_INTERVALS), {"radius": radius}).all()
    return lit_figures(rows, ctx.villages["id"])


def households_indexed_sql(ctx: Context, *, classes: Sequence[str], radius: float
                           ) -> dict[int, dict[str, float]]:
    """Households and served households per village id (euclidean), on metric temp tables.

    Parameters
    ----------
    ctx
        The villages (their ids, area and metric CRS ``ctx.epsg``).
    classes
        Garbage classes that serve.
    radius
        Service radius, metres.
    """
    params = _params(ctx, EXISTING, 0.0, classes=list(classes))
    point_params = _params(ctx, EXISTING, radius, classes=list(classes))
    with ctx.engine.begin() as conn:
        _villages(conn, params)
        _temp(conn, "bench_points", "SELECT ST_Centroid(ST_Transform(geom, :epsg)) AS g "
              "FROM garbage WHERE area = :area AND class = ANY(:classes) "
              f"AND status = ANY(:statuses) AND geom && {_ENVELOPE}", point_params)
        _temp(conn, "bench_homes", "SELECT COALESCE(households, 1) AS households, "
              "ST_Centroid(ST_Transform(geom, :epsg)) AS g FROM buildings "
              "WHERE area = :area AND class = 'residential' AND status = ANY(:statuses) "
              f"AND geom && {_ENVELOPE}", params)
        rows: Sequence[Any] = conn.execute(text("""
            SELECT v.id, SUM(h.households),
                   COALESCE(SUM(h.households) FILTER (WHERE EXISTS (
                       SELECT 1 FROM bench_points p WHERE ST_DWithin(p.g, h.g, :radius))), 0)
            FROM bench_v v JOIN bench_homes h ON ST_Within(h.g, v.g) GROUP BY v.id"""),
            {"radius": radius}).all()
    out = {int(i): {"households": 0.0, "served_households": 0.0} for i in ctx.villages["id"]}
    for vid, total, served in rows:
        out[int(vid)] = {"households": float(total), "served_households": float(served)}
    return out


def nearest_transformed_sql(ctx: Context, *, layer: str, classes: Sequence[str], window: float
                            ) -> dict[int, float | None]:
    """Distance (m) from each village to the nearest line of ``classes`` within ``window`` m.

    The lines of ``classes`` (roads or railways) in the villages' extent + ``window`` are
    projected once; None where no line is that near.
    """
    if layer not in ("roads", "railways"):
        raise ValueError(layer)
    params = _params(ctx, EXISTING, window, classes=list(classes), window=window)
    with ctx.engine.begin() as conn:
        _villages(conn, params)
        _temp(conn, "bench_lines", f"SELECT ST_Transform(geom, :epsg) AS g FROM {layer} "
              "WHERE area = :area AND status = 'existing' AND class = ANY(:classes) "
              f"AND geom && {_ENVELOPE}", params)
        rows: Sequence[Any] = conn.execute(text("""
            SELECT v.id, (SELECT MIN(ST_Distance(x.g, v.g)) FROM bench_lines x
                          WHERE ST_DWithin(x.g, v.g, :window))
            FROM bench_v v"""), params).all()
    return {int(v): (None if d is None else float(d)) for v, d in rows}
