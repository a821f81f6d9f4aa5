"""Villages near trunk roads and railways, and the plans' key areas around them.

A village is in the corridor of a set of lines when its polygon lies within
``distance`` metres of one of them (0 where they touch or cross); the distance, name
and class of the nearest line are reported. Key-area flags: near the county seat or
a township seat, inside an agricultural demonstration zone, near a scenic area.
Distances are planar metres in the area's metric CRS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pydantic import BaseModel, Field

from gis.context import EXISTING, Context
from gis.params import CorridorParams

SEAT_SEARCH_M = 30_000.0
"""How far beyond the villages' extent seats and zones are looked for, metres."""


def _m(what: str) -> Any:
    return Field(default=None, description=f"{what}, metres (null: none within reach)")


class CorridorRow(BaseModel):
    """One village of a corridor selection (nearest first), with its key-area flags.

    The ``road_*`` fields are there when roads count, the ``railway_*`` fields when
    railways do; the visibility fields (``visible_share`` …) when it was measured.
    """

    village_id: int = Field(description="the village's id")
    village: str = Field(description="the village's name")
    area: str = Field(description="the area's name")
    road_distance_m: float | None = _m("distance from the village polygon to the nearest "
                                       "trunk road (0 where they touch)")
    road_name: str | None = Field(default=None, description="its name or number")
    road_class: str | None = Field(default=None, description="its class")
    railway_distance_m: float | None = _m("distance to the nearest railway")
    railway_name: str | None = Field(default=None, description="its name or number")
    railway_class: str | None = Field(default=None, description="its class")
    distance_m: float | None = _m("the nearer of the two")
    in_corridor: bool = Field(description="within the corridor's half-width")
    via: list[str] = Field(description="the lines whose corridor it lies in: road, railway")
    county_seat_distance_m: float | None = _m("distance to the county seat (place or zone)")
    near_county_seat: bool = Field(description="within the county-seat radius")
    township_seat_distance_m: float | None = _m("distance to the nearest township seat")
    near_township_seat: bool = Field(description="within the township-seat radius")
    scenic_area_distance_m: float | None = _m("distance to the nearest scenic area")
    near_scenic_area: bool = Field(description="within the scenic-area radius")
    agri_demo_zone_distance_m: float | None = _m("distance to the nearest agricultural "
                                                 "demonstration zone")
    in_agri_demo_zone: bool = Field(description="inside or touching one")
    visible_share: float | None = Field(
        default=None, description="share of the building footprint area seen from the lines, "
                                  "0..1 (null: unknown, e.g. off the terrain)")
    buildings: int | None = Field(default=None, description="buildings of the village")
    visible_buildings: int | None = Field(default=None, description="of them seen")
    buildings_off_terrain: int | None = Field(default=None,
                                              description="of them where the DEM has no data")
    visible: bool | None = Field(default=None, description="some building is seen")


@dataclass(frozen=True)
class KeyAreaRadii:
    """How near counts as "around" each key area, metres."""

    county_seat_m: float = 5000.0
    township_seat_m: float = 3000.0
    scenic_area_m: float = 1000.0


def nearest_lines(villages: gpd.GeoDataFrame, lines: gpd.GeoDataFrame
                  ) -> tuple[np.ndarray, np.ndarray]:
    """For each village: distance (m) to the nearest line and that line's row (−1: none)."""
    n = len(villages)
    if len(lines) == 0:
        return np.full(n, np.inf), np.full(n, -1)
    tree = shapely.STRtree(lines.geometry.values)
    (v_idx, l_idx), dist = tree.query_nearest(villages.geometry.values, return_distance=True,
                                              all_matches=False)
    out_d, out_l = np.full(n, np.inf), np.full(n, -1)
    out_d[v_idx], out_l[v_idx] = dist, l_idx
    return out_d, out_l


def _nearest(villages: gpd.GeoDataFrame, lines: gpd.GeoDataFrame, prefix: str, reach: float
             ) -> list[dict[str, Any]]:
    dist, row = nearest_lines(villages, lines)
    row[dist > reach] = -1
    dist[dist > reach] = np.inf
    # trunk roads are often known by their number (ref) rather than a name
    refs = lines["ref"].tolist() if len(lines) and "ref" in lines else [None] * len(lines)
    names = np.array([n if isinstance(n, str) else r for n, r in
                      zip(lines["name"], refs, strict=True)], dtype=object) \
        if len(lines) else np.array([])
    classes = lines["class"].to_numpy() if len(lines) else np.array([])
    return [{
        f"{prefix}_distance_m": round(float(d), 2) if np.isfinite(d) else None,
        f"{prefix}_name": (None if r < 0 or names[r] is None or names[r] != names[r]
                           else str(names[r])),
        f"{prefix}_class": None if r < 0 else str(classes[r]),
    } for d, r in zip(dist, row, strict=True)]


def _distance_to(villages: gpd.GeoDataFrame, features: gpd.GeoDataFrame) -> np.ndarray:
    if len(features) == 0:
        return np.full(len(villages), np.inf)
    return nearest_lines(villages, features)[0]


def corridor_order(rows: list[CorridorRow]) -> list[CorridorRow]:
    """Corridor rows in the order :func:`corridor` gives: in the corridor first, nearest first."""
    return sorted(rows, key=lambda r: (not r.in_corridor, r.distance_m is None,
                                       r.distance_m or 0.0))


def corridor(
    ctx: Context, params: CorridorParams | None = None, *,
    radii: KeyAreaRadii | None = None, search_m: float = SEAT_SEARCH_M,
) -> list[CorridorRow]:
    """Corridor selection over every village of ``ctx``, nearest first.

    Parameters
    ----------
    ctx
        The villages and the store.
    params
        Corridor half-width (metres), the road classes and whether railways count
        (default: :meth:`CorridorParams.defaults`).
    radii
        How near counts as around the county seat, a township seat, a scenic area.
    search_m
        The reach, metres (default :data:`SEAT_SEARCH_M`, at least 1 km beyond the
        farther of ``distance`` and the county-seat radius; seats and zones at least
        :data:`SEAT_SEARCH_M`): a line, seat or zone farther than that from a village
        is not looked at, and a village with none within reach has no distance (None).
        A village's row depends on what lies within its reach only, never on which
        other villages are analysed with it (``vgis figures`` computes tiles of them).
    """
    params = params or CorridorParams.defaults()
    params.check()
    distance, road_classes, railways = params.distance_m, params.road_classes, params.railways
    radii = radii or KeyAreaRadii()
    search = max(distance + 1000.0, radii.county_seat_m + 1000.0, search_m)
    rows: list[dict[str, Any]] = [
        {"village_id": int(r.id), "village": str(r.name), "area": ctx.area}
        for r in ctx.villages.itertuples()]
    via: list[list[str]] = [[] for _ in rows]
    best = np.full(len(rows), np.inf)
    sources: list[tuple[str, gpd.GeoDataFrame]] = []
    if road_classes:
        sources.append(("road", ctx.layer("roads", EXISTING, margin_m=search,
                                          classes=road_classes)))
    if railways:
        sources.append(("railway", ctx.layer("railways", EXISTING, margin_m=search)))
    for prefix, lines in sources:
        for row, near in zip(rows, _nearest(ctx.villages, lines, prefix, search), strict=True):
            row.update(near)
        d = np.array([np.inf if r[f"{prefix}_distance_m"] is None else r[f"{prefix}_distance_m"]
                      for r in rows])
        best = np.minimum(best, d)
        for k in np.flatnonzero(d <= distance):
            via[k].append(prefix)
    # seats are looked for farther out than lines: a county seat 20 km away still counts
    seat_search = max(search, SEAT_SEARCH_M)
    places = ctx.layer("places", EXISTING, margin_m=seat_search)
    zones = ctx.layer("zones", EXISTING, margin_m=seat_search)
    seats = {
        "county_seat": _distance_to(ctx.villages, gpd.GeoDataFrame(
            geometry=np.r_[places.geometry.values[(places["class"] == "county_seat").to_numpy()],
                           zones.geometry.values[(zones["class"] == "county_seat").to_numpy()]],
            crs=ctx.epsg)),
        "township_seat": _distance_to(ctx.villages, gpd.GeoDataFrame(
            geometry=np.r_[places.geometry.values[(places["class"] == "town").to_numpy()],
                           zones.geometry.values[(zones["class"] == "township_seat").to_numpy()]],
            crs=ctx.epsg)),
        "scenic_area": _distance_to(ctx.villages, zones[zones["class"] == "scenic_area"]),
        "agri_demo_zone": _distance_to(ctx.villages, zones[zones["class"] == "agri_demo_zone"]),
    }
    seats = {k: np.where(d <= seat_search, d, np.inf) for k, d in seats.items()}
    limits = {"county_seat": radii.county_seat_m, "township_seat": radii.township_seat_m,
              "scenic_area": radii.scenic_area_m, "agri_demo_zone": 0.0}
    for i, row in enumerate(rows):
        row["distance_m"] = round(float(best[i]), 2) if np.isfinite(best[i]) else None
        row["in_corridor"] = bool(best[i] <= distance)
        row["via"] = via[i]
        for key, dist in seats.items():
            row[f"{key}_distance_m"] = round(float(dist[i]), 2) if np.isfinite(dist[i]) else None
            row[f"near_{key}" if key != "agri_demo_zone" else "in_agri_demo_zone"] = bool(
                dist[i] <= limits[key])
    return corridor_order([CorridorRow.model_validate(r) for r in rows])
