"""The village list of an area: names, codes, size and people."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Engine, text

from layers.store import check_area


@dataclass(frozen=True)
class VillageSummary:
    """One village as ``vgis villages`` lists it.

    Attributes
    ----------
    area_km2
        Geodesic area of the village polygon, km² (on the WGS84 ellipsoid).
    households
        The village's own figure when its source gives one, otherwise the households of
        existing residential buildings whose centroid lies in the village.
    households_source
        ``attribute`` or ``buildings``: where ``households`` comes from.
    """

    id: int
    area: str
    name: str | None
    code: str | None
    boundary_source: str
    area_km2: float
    households: int
    households_source: str
    population: int | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)


_SQL = text("""
SELECT v.id, v.area, v.name, v.code, v.boundary_source,
       ST_Area(v.geom::geography) / 1e6 AS area_km2,
       COALESCE(v.households, b.households)::int AS households,
       CASE WHEN v.households IS NULL THEN 'buildings' ELSE 'attribute' END AS households_source,
       v.population
FROM villages v
LEFT JOIN LATERAL (
    SELECT COALESCE(SUM(bd.households), 0) AS households
    FROM buildings bd
    WHERE bd.area = v.area AND bd.status = 'existing' AND bd.class = 'residential'
      AND bd.geom && v.geom AND ST_Contains(v.geom, ST_Centroid(bd.geom))
) b ON TRUE
WHERE (CAST(:area AS text) IS NULL OR v.area = :area) AND v.status = 'existing'
ORDER BY v.area, v.name, v.id
""")


def list_villages(engine: Engine, area: str | None = None) -> list[VillageSummary]:
    """List the existing villages of ``area`` (or of every area), by area and name."""
    if area is not None:
        check_area(engine, area)
    with engine.connect() as conn:
        rows = conn.execute(_SQL, {"area": area}).mappings().all()
    return [VillageSummary(**{**r, "area_km2": round(float(r["area_km2"]), 4)}) for r in rows]
