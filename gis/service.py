"""Households served by points (垃圾收集, public facilities): share, unserved, new sites.

A household (of a residential building whose centroid lies strictly within the village)
is served when its centroid is within ``radius_m`` of a point of the serving classes,
in a straight line or along the road network (:mod:`gis.network`). New collection
points are chosen by greedy maximal-coverage siting (:mod:`gis.siting`) until the
target share. Metres in the area's metric CRS; map layers in EPSG:4326.
"""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from gis.context import EXISTING, WITH_PLANNED, Context
from gis.measure import count_within, households_in_villages, share, to_wgs84, within_euclidean
from gis.network import network_distance
from gis.params import Distance, ServiceParams
from gis.results import Coverage, ServedFigures, ServiceFigures
from gis.siting import greedy_max_coverage

PERSONS_PER_HOUSEHOLD = 3.0  # used only when a village has no population figure
STANDARD_FACILITIES: tuple[str, ...] = (
    "meeting_room", "reception_room", "reading_room", "classroom",
    "service_station", "square", "notice_board",
)
"""四室一站一场一栏: the standard village facilities of the plans."""


def _population(ctx: Context, households: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pop = ctx.villages["population"].to_numpy(dtype=float, na_value=np.nan)
    estimated = np.isnan(pop)
    return np.where(estimated, households * PERSONS_PER_HOUSEHOLD, pop), estimated


def _served(ctx: Context, statuses: tuple[str, ...], layer: str, classes: tuple[str, ...],
            radius: float, distance: Distance) -> tuple[Any, np.ndarray, gpd.GeoDataFrame]:
    buildings = ctx.layer("buildings", statuses)
    margin = radius if distance == "euclidean" else 3 * radius
    points = ctx.layer(layer, statuses, margin_m=margin)
    points = points[points["class"].isin(classes)]
    homes = households_in_villages(buildings, ctx.villages)
    targets = homes.centroid
    sources = shapely.centroid(np.asarray(points.geometry.values))
    if distance == "euclidean":
        served = within_euclidean(targets, sources, radius)
    else:
        roads = ctx.layer("roads", statuses, margin_m=margin)
        dist = network_distance(np.asarray(roads.geometry.values), sources, targets,
                                limit=radius + 50)
        served = dist <= radius
    return homes, served, points


def _road_sites(roads: np.ndarray, tree: shapely.STRtree, village: Any) -> np.ndarray:
    """Candidate sites for new points: every 20 m along the roads inside the village."""
    near = roads[tree.query(village, predicate="intersects")]
    inside = shapely.intersection(shapely.segmentize(near, 20.0), village)
    return np.asarray(shapely.get_parts(shapely.extract_unique_points(inside)))


def household_coverage(ctx: Context, params: ServiceParams | None = None, *,
                       details: bool = True) -> list[Coverage[ServiceFigures, ServedFigures]]:
    """Households within the service radius of a garbage point or facility, per village.

    Parameters
    ----------
    ctx
        The villages and the store.
    params
        Layer (garbage or facilities), serving classes, radius (metres), distance
        (euclidean or network), target share of the proposed points, whether planned
        features count too (default: :meth:`ServiceParams.defaults`, garbage).
    details
        Build the map layers (unserved buildings, proposed points).
    """
    params = params or ServiceParams.defaults()
    params.check()
    layer, classes, radius = params.layer, params.classes, params.radius_m
    distance, target_share = params.distance, params.target_share
    include_planned = params.include_planned
    homes, served, points = _served(ctx, EXISTING, layer, classes, radius, distance)
    n = len(ctx.villages)
    total = np.bincount(homes.village, weights=homes.households, minlength=n)
    got = np.bincount(homes.village, weights=homes.households * served, minlength=n)
    n_points = count_within(points, ctx.villages)
    population, estimated = _population(ctx, total)
    after: list[dict[str, Any]] = []
    if include_planned:
        h2, s2, p2 = _served(ctx, WITH_PLANNED, layer, classes, radius, distance)
        t2 = np.bincount(h2.village, weights=h2.households, minlength=n)
        g2 = np.bincount(h2.village, weights=h2.households * s2, minlength=n)
        c2 = count_within(p2, ctx.villages)
        after = [{"households": int(t2[v]), "served_households": int(g2[v]),
                  "served_share": share(g2[v], t2[v]),
                  "unserved_households": int(t2[v] - g2[v]), "points": int(c2[v])}
                 for v in range(n)]
    buildings = ctx.layer("buildings", EXISTING)
    if details:
        road_geoms = np.asarray(ctx.layer("roads", EXISTING).geometry.values)
        road_tree = shapely.STRtree(road_geoms)
    results = []
    for v, row in enumerate(ctx.villages.itertuples()):
        figures: dict[str, Any] = {
            "households": int(total[v]), "served_households": int(got[v]),
            "served_share": share(got[v], total[v]),
            "unserved_households": int(total[v] - got[v]),
            "points": int(n_points[v]),
            "population": round(float(population[v])), "population_estimated": bool(estimated[v]),
            "people_per_point": round(population[v] / n_points[v], 1) if n_points[v] else None,
        }
        if layer == "garbage":
            figures["cleaners_needed"] = [math.ceil(population[v] / 400),
                                          math.ceil(population[v] / 300)]
        layers: dict[str, gpd.GeoDataFrame] = {}
        if details:
            # new points are sited by straight-line reach, in network mode too (where
            # served_share_with_proposed is then an upper bound)
            unserved = (homes.village == v) & ~served
            need = target_share * total[v] - got[v]
            candidates = np.r_[
                _road_sites(road_geoms, road_tree, ctx.villages.geometry.values[v]),
                homes.centroid[unserved]]
            chosen, newly = greedy_max_coverage(candidates, homes.centroid[unserved],
                                                homes.households[unserved], radius, need)
            figures["proposed_points"] = len(chosen)
            figures["served_share_with_proposed"] = share(
                got[v] + homes.households[unserved][newly].sum(), total[v])
            layers["proposed_points"] = to_wgs84(gpd.GeoDataFrame(
                {"rank": np.arange(1, len(chosen) + 1)}, geometry=candidates[chosen],
                crs=ctx.epsg))
            rows = homes.building[unserved]
            layers["unserved_buildings"] = to_wgs84(gpd.GeoDataFrame(
                {"id": buildings["id"].to_numpy()[rows],
                 "households": homes.households[unserved]},
                geometry=np.asarray(buildings.geometry.values)[rows], crs=ctx.epsg))
        results.append(Coverage(
            ctx.area, int(row.id), str(row.name), params, ServiceFigures(**figures),
            ServedFigures(**after[v]) if include_planned else None, layers))
    return results
