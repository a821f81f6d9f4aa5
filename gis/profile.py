"""The profile of one village: what a plan's first paragraph says about it.

Area, people, roads by class, lights, garbage points, the standard facilities
(四室一站一场一栏: which are present, which missing), the distance to the county seat
and the nearest trunk road and railway, and the elevation range from the terrain
model when the area has one.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import rasterio
import rasterio.mask
import shapely
from pydantic import BaseModel, ConfigDict, Field

from gis.context import EXISTING, Context
from gis.measure import clip_lines, households_in_villages
from gis.proximity import corridor
from gis.service import STANDARD_FACILITIES
from gis.terrain import read_terrain
from layers.schema import ROAD_CLASSES
from layers.store import terrain_path


def elevation(ctx: Context, polygon_wgs84: Any) -> dict[str, float | None]:
    """Elevation min/mean/max (m) and mean slope (degrees) of a polygon, from the area's DEM."""
    none: dict[str, float | None] = {"elevation_min_m": None, "elevation_mean_m": None,
                                     "elevation_max_m": None, "slope_mean_deg": None}
    path = terrain_path(ctx.engine, ctx.area, polygon_wgs84.wkt)
    if path is None:
        return none
    import geopandas as gpd

    with rasterio.open(path) as src:
        shape = gpd.GeoSeries([polygon_wgs84], crs=4326).to_crs(src.crs).iloc[0]
        data, _ = rasterio.mask.mask(src, [shapely.geometry.mapping(shape)], crop=True,
                                     all_touched=True, filled=False)
    cells = data[0].compressed()
    if cells.size == 0:
        return none
    return {"elevation_min_m": float(cells.min()),
            "elevation_mean_m": round(float(cells.mean()), 1),
            "elevation_max_m": float(cells.max()),
            "slope_mean_deg": _mean_slope(path, ctx.epsg, polygon_wgs84)}


def _mean_slope(path: str, epsg: int, polygon_wgs84: Any) -> float | None:
    """Mean slope (degrees) of the terrain cells whose centre lies in the polygon."""
    import geopandas as gpd
    from rasterio.features import geometry_mask

    terrain = read_terrain(path, f"EPSG:{epsg}")
    shape = gpd.GeoSeries([polygon_wgs84], crs=4326).to_crs(epsg).iloc[0]
    inside = ~geometry_mask([shapely.geometry.mapping(shape)], terrain.elevation.shape,
                            terrain.transform)
    dz_dy, dz_dx = np.gradient(terrain.elevation, terrain.cell)
    slope = np.degrees(np.arctan(np.hypot(dz_dx, dz_dy)))[inside]
    slope = slope[np.isfinite(slope)]
    return round(float(slope.mean()), 2) if slope.size else None


class NearestLine(BaseModel):
    """The nearest trunk road or railway to a village."""

    model_config = ConfigDict(populate_by_name=True)

    distance_m: float | None = Field(description="from the village polygon, metres (0 where "
                                                 "they touch; null: none within reach)")
    name: str | None = Field(description="its name or number")
    class_: str | None = Field(alias="class", description="its class")


class VillageProfile(BaseModel):
    """What a plan's first paragraph says about a village (距县城…公里, 临近…公路, 海拔…米)."""

    village_id: int = Field(description="the village's id")
    village: str | None = Field(description="the village's name (null: it has none)")
    area: str = Field(description="the area's name")
    code: str | None = Field(description="the village's code")
    boundary_source: str = Field(description="official, derived (the territory of a place "
                                 "point) or derived_buildings (a territory derived from a "
                                 "cluster of buildings)")
    area_km2: float = Field(description="area of the village polygon, km² (metric CRS)")
    population: int | float | None = Field(description="people (the village's own figure)")
    households: int = Field(description="the village's figure, else from its buildings")
    road_length_m: float = Field(description="road length inside the village, metres")
    road_length_by_class_m: dict[str, float] = Field(description="the same per class, m")
    lights: int = Field(description="street lights inside the village")
    lights_working: int = Field(description="of them working")
    garbage_points: dict[str, int] = Field(description="garbage points per class")
    facilities: dict[str, int] = Field(description="public facilities per class")
    standard_facilities: dict[str, bool] = Field(
        description="四室一站一场一栏: which of the seven are present")
    standard_facilities_missing: list[str] = Field(description="which are missing")
    county_seat_distance_m: float | None = Field(description="to the county seat, metres")
    nearest_trunk_road: NearestLine = Field(description="expressway, national or provincial")
    nearest_railway: NearestLine = Field(description="the nearest railway")
    elevation_min_m: float | None = Field(description="lowest terrain cell, metres")
    elevation_mean_m: float | None = Field(description="mean elevation, metres")
    elevation_max_m: float | None = Field(description="highest terrain cell, metres")
    slope_mean_deg: float | None = Field(description="mean terrain slope, degrees")


def village_profile(ctx: Context) -> VillageProfile:
    """Profile of the (single) village in ``ctx``."""
    village = ctx.villages.iloc[[0]]
    geom = village.geometry.values[0]
    roads = clip_lines(ctx.layer("roads", EXISTING), village)
    length = shapely.length(np.asarray(roads.geometry.values))
    by_class = {c: round(float(length[(roads["class"] == c).to_numpy()].sum()), 2)
                for c in ROAD_CLASSES if (roads["class"] == c).any()}

    def inside(layer: str) -> Any:
        frame = ctx.layer(layer, EXISTING)
        return frame[shapely.intersects(np.asarray(frame.geometry.values), geom)]

    lights, garbage, facilities = inside("lights"), inside("garbage"), inside("facilities")
    homes = households_in_villages(ctx.layer("buildings", EXISTING), village)
    present = set(facilities["class"])
    near = corridor(ctx)[0]
    row = village.iloc[0]
    households = int(row["households"]) if row["households"] == row["households"] and \
        row["households"] is not None else int(homes.households.sum())
    return VillageProfile.model_validate({
        "village_id": int(row["id"]), "village": row["name"], "area": ctx.area,
        "code": row["code"], "boundary_source": row["boundary_source"],
        "area_km2": round(float(shapely.area(geom)) / 1e6, 4),
        "population": None if row["population"] != row["population"] else row["population"],
        "households": households,
        "road_length_m": round(float(length.sum()), 2),
        "road_length_by_class_m": by_class,
        "lights": len(lights), "lights_working": int(lights["working"].astype(bool).sum()),
        "garbage_points": {str(k): int(v) for k, v in garbage["class"].value_counts().items()},
        "facilities": {str(k): int(v) for k, v in facilities["class"].value_counts().items()},
        "standard_facilities": {c: c in present for c in STANDARD_FACILITIES},
        "standard_facilities_missing": [c for c in STANDARD_FACILITIES if c not in present],
        "county_seat_distance_m": near.county_seat_distance_m,
        "nearest_trunk_road": {k.removeprefix("road_"): getattr(near, k) for k in
                               ("road_distance_m", "road_name", "road_class")},
        "nearest_railway": {k.removeprefix("railway_"): getattr(near, k) for k in
                            ("railway_distance_m", "railway_name", "railway_class")},
        **elevation(ctx, village.to_crs(4326).geometry.values[0]),
    })
