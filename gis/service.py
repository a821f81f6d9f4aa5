"""Households served by points (垃圾收集, public facilities): share, unserved, new sites.

A household (of a residential building whose centroid lies strictly within the village)
is served when its centroid is within ``radius_m`` of a point of the serving classes,
in a straight line or along the road network (:mod:`gis.network`). New collection
points are chosen by greedy maximal-coverage siting (:mod:`gis.siting`) until the
target share. Metres in the area's metric CRS; map layers in EPSG:4326.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray
from scipy import sparse

from gis.context import EXISTING, WITH_PLANNED, Context
from gis.measure import (
    Households,
    count_within,
    households_in_villages,
    share,
    to_wgs84,
    within_euclidean,
)
from gis.network import RoadNetwork
from gis.params import ServiceParams
from gis.results import Coverage, ServedFigures, ServiceFigures
from gis.siting import greedy_max_coverage, reach_within

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


@dataclass(frozen=True)
class _Served:
    """Households of the villages and whether a serving point reaches each."""

    homes: Households
    served: NDArray[np.bool_]
    reachable: NDArray[np.bool_] | None  # network mode: within the search tolerance of a road
    points: gpd.GeoDataFrame


def _served(ctx: Context, statuses: tuple[str, ...], params: ServiceParams) -> _Served:
    """Households served by the serving points of ``params`` (features of ``statuses``).

    In network mode the roads are read with a margin of radius + search tolerance and
    the points with one of the radius: a route of at most the radius never leaves a
    house's radius, and every entry segment that matters lies within the tolerance of
    its point, so the distances are exact (:mod:`gis.network`).
    """
    buildings = ctx.layer("buildings", statuses)
    points = ctx.layer(params.layer, statuses, margin_m=params.radius_m)
    points = points[points["class"].isin(params.classes)]
    homes = households_in_villages(buildings, ctx.villages)
    sources = shapely.centroid(np.asarray(points.geometry.values))
    if params.distance == "euclidean":
        return _Served(homes, within_euclidean(homes.centroid, sources, params.radius_m),
                       None, points)
    roads = ctx.layer("roads", statuses, margin_m=params.radius_m + params.search_m)
    net = RoadNetwork(np.asarray(roads.geometry.values), params.join)
    found = net.distance(sources, homes.centroid, limit=params.radius_m,
                         tolerance=params.search_m)
    return _Served(homes, found.distance <= params.radius_m, found.reachable, points)


def _road_sites(roads: np.ndarray, tree: shapely.STRtree, village: Any) -> np.ndarray:
    """Candidate sites for new points: every 20 m along the roads inside the village."""
    near = roads[tree.query(village, predicate="intersects")]
    inside = shapely.intersection(shapely.segmentize(near, 20.0), village)
    return np.asarray(shapely.get_parts(shapely.extract_unique_points(inside)))


def _reach(params: ServiceParams, candidates: np.ndarray, demand: np.ndarray,
           roads: np.ndarray, tree: shapely.STRtree, village: Any) -> sparse.csc_matrix:
    """Demand × candidates reached, as the served set is measured (line or network).

    Network mode builds the village's own network from the roads within radius +
    search tolerance of it: every route of at most the radius between two points of
    the village, and every entry segment within the tolerance, lies in it.
    """
    if params.distance == "euclidean":
        return reach_within(candidates, demand, params.radius_m)
    near = tree.query(village, predicate="dwithin", distance=params.radius_m + params.search_m)
    net = RoadNetwork(roads[near], params.join)
    return net.reach(candidates, demand, limit=params.radius_m, tolerance=params.search_m)


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
    now = _served(ctx, EXISTING, params)
    homes, served = now.homes, now.served
    n = len(ctx.villages)
    total = np.bincount(homes.village, weights=homes.households, minlength=n)
    got = np.bincount(homes.village, weights=homes.households * served, minlength=n)
    lost = None if now.reachable is None else np.bincount(
        homes.village, weights=homes.households * ~now.reachable, minlength=n)
    n_points = count_within(now.points, ctx.villages)
    population, estimated = _population(ctx, total)
    after: list[dict[str, Any]] = []
    if params.include_planned:
        then = _served(ctx, WITH_PLANNED, params)
        h2 = then.homes
        t2 = np.bincount(h2.village, weights=h2.households, minlength=n)
        g2 = np.bincount(h2.village, weights=h2.households * then.served, minlength=n)
        c2 = count_within(then.points, ctx.villages)
        after = [{"households": int(t2[v]), "served_households": int(g2[v]),
                  "served_share": share(g2[v], t2[v]),
                  "unserved_households": int(t2[v] - g2[v]), "points": int(c2[v])}
                 for v in range(n)]
    buildings = ctx.layer("buildings", EXISTING)
    if details:
        margin = params.radius_m + params.search_m if params.distance == "network" else 0.0
        road_geoms = np.asarray(ctx.layer("roads", EXISTING, margin_m=margin).geometry.values)
        road_tree = shapely.STRtree(road_geoms)
    results = []
    for v, row in enumerate(ctx.villages.itertuples()):
        figures: dict[str, Any] = {
            "households": int(total[v]), "served_households": int(got[v]),
            "served_share": share(got[v], total[v]),
            "unserved_households": int(total[v] - got[v]),
            "unreachable_households": None if lost is None else int(lost[v]),
            "points": int(n_points[v]),
            "population": round(float(population[v])), "population_estimated": bool(estimated[v]),
            "people_per_point": round(population[v] / n_points[v], 1) if n_points[v] else None,
        }
        if params.layer == "garbage":
            figures["cleaners_needed"] = [math.ceil(population[v] / 400),
                                          math.ceil(population[v] / 300)]
        layers: dict[str, gpd.GeoDataFrame] = {}
        if details:
            # new points reach households as the served set is measured (line or network)
            village = ctx.villages.geometry.values[v]
            unserved = (homes.village == v) & ~served
            need = params.target_share * total[v] - got[v]
            candidates = np.r_[_road_sites(road_geoms, road_tree, village),
                               homes.centroid[unserved]]
            chosen, reached = np.array([], dtype=np.int64), 0.0
            if need > 0:
                weight = homes.households[unserved]
                reach = _reach(params, candidates, homes.centroid[unserved], road_geoms,
                               road_tree, village)
                chosen, newly = greedy_max_coverage(reach, weight, need)
                reached = float(weight[newly].sum())
            figures["proposed_points"] = len(chosen)
            figures["served_share_with_proposed"] = share(got[v] + reached, total[v])
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
            ServedFigures(**after[v]) if params.include_planned else None, layers))
    return results
