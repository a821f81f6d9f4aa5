"""Settlements from buildings: village territories where an area has no other villages.

The rule (``docs/data-model.md``, "Settlements from buildings"), in the area's metric
CRS (metres):

1. each building is its centroid;
2. single linkage at :attr:`SettlementRule.link_m`: two centroids at most 100 m apart
   are in one cluster (the connected components of that graph);
3. clusters of at least :attr:`SettlementRule.min_buildings` buildings are settlements,
   ranked by size (most buildings first; ties by the centre's x, then y);
4. a settlement's territory is the union of the Voronoi cells of its centroids (one
   diagram over the deduplicated centroids of every settlement), clipped to the
   convex hull of its centroids grown by :attr:`SettlementRule.grow_m`;
5. its name is that of the named place nearest to its centre (the mean of its
   centroids) within 1 km, else ``<road> 聚落`` after the named road nearest to its
   centre within 300 m, else ``聚落 N`` (N its rank); a name given to several
   settlements is kept by the one nearest to what names it (ties: the larger), the
   others get `` (2)``, `` (3)`` … by that distance (a settlement a plan is made for
   keeps the plan's name: :func:`layers.io.rederive.keep_planned_names`).

Every centroid of a settlement lies strictly inside its own territory (its own cell
contains it, and it is at least ``grow_m`` from the grown hull's edge); territories
never overlap (Voronoi cells do not), though they may share an edge.

This module is pure: frames in, frames out; :mod:`layers.io.rederive` reads the store
and writes the territories.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray
from scipy import sparse
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]
_DEDUP_DIGITS = 3
"""Centroids equal to the millimetre count as one Voronoi site."""
_POLYGON = 3  # shapely type id


@dataclass(frozen=True)
class SettlementRule:
    """The numbers of the rule (metres, buildings).

    Attributes
    ----------
    link_m
        Single-linkage distance: centroids at most this far apart are in one cluster, m.
    min_buildings
        Fewest buildings a cluster needs to be a settlement.
    grow_m
        The convex hull of a settlement's centroids grows by this before clipping, m.
    place_m
        A named place within this of the settlement's centre names it, m.
    road_m
        Without a place, a named road within this of the centre names it, m.
    """

    link_m: float = 100.0
    min_buildings: int = 20
    grow_m: float = 100.0
    place_m: float = 1000.0
    road_m: float = 300.0


RULE = SettlementRule()
"""The rule in force (``docs/data-model.md`` writes these numbers)."""


@dataclass(frozen=True)
class Settlements:
    """The settlements of a set of buildings.

    Attributes
    ----------
    territories
        One row per settlement in rank order (metric CRS of the input): ``name``,
        ``buildings`` (how many), ``rank`` (1 = most buildings), ``named_after``
        (``place``, ``road`` or ``rank``), ``centre_x``/``centre_y`` (m), geometry.
    settlement
        Per input building: the row of its settlement in ``territories``, or -1.
    clusters
        Clusters of every size (single linkage), settlements among them.
    outside
        Input buildings whose centroid lies in no territory.
    """

    territories: gpd.GeoDataFrame
    settlement: IntArray
    clusters: int
    outside: int


def single_linkage(xy: FloatArray, link_m: float) -> IntArray:
    """Cluster label of each point: connected components of "at most ``link_m`` apart".

    Parameters
    ----------
    xy
        n × 2 coordinates, metres.
    link_m
        Linkage distance, metres (inclusive).
    """
    n = len(xy)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    pairs = cKDTree(xy).query_pairs(link_m, output_type="ndarray")
    graph = sparse.coo_matrix((np.ones(len(pairs), dtype=np.int8),
                               (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return np.asarray(labels, dtype=np.int64)


def _ranked(labels: IntArray, xy: FloatArray, min_buildings: int
            ) -> tuple[IntArray, IntArray, FloatArray]:
    """Settlement row of each point (-1: none), sizes and centres of the settlements."""
    sizes = np.bincount(labels)
    cx = np.bincount(labels, weights=xy[:, 0]) / sizes
    cy = np.bincount(labels, weights=xy[:, 1]) / sizes
    kept = np.flatnonzero(sizes >= min_buildings)
    kept = kept[np.lexsort((cy[kept], cx[kept], -sizes[kept]))]
    row_of = np.full(len(sizes), -1, dtype=np.int64)
    row_of[kept] = np.arange(len(kept))
    return row_of[labels], sizes[kept].astype(np.int64), np.column_stack([cx[kept], cy[kept]])


def _territories(xy: FloatArray, settlement: IntArray, count: int, grow_m: float
                 ) -> NDArray[np.object_]:
    """Union of each settlement's Voronoi cells, clipped to its grown convex hull."""
    member = settlement >= 0
    sites, first = np.unique(np.round(xy[member], _DEDUP_DIGITS), axis=0, return_index=True)
    owner = settlement[member][first]  # distinct settlements never share a site
    order = np.argsort(owner, kind="stable")
    sites, owner = sites[order], owner[order]
    hulls = shapely.convex_hull(shapely.multipoints(sites, indices=owner))
    grown = shapely.buffer(hulls, grow_m, quad_segs=16)
    x0, y0, x1, y1 = shapely.total_bounds(grown)
    frame = shapely.box(x0 - grow_m, y0 - grow_m, x1 + grow_m, y1 + grow_m)
    if len(sites) == 1:
        return _polygonal(np.asarray(grown, dtype=object), count)
    cells = shapely.get_parts(shapely.voronoi_polygons(
        shapely.multipoints(sites), extend_to=frame, ordered=True))
    starts = np.searchsorted(owner, np.arange(count + 1))
    # Voronoi cells share their edges exactly (a coverage): the coverage union is exact
    # and ten times faster than an overlay; one union per settlement, never per building
    unions = np.array([shapely.coverage_union_all(cells[starts[k]:starts[k + 1]])
                       for k in range(count)], dtype=object)
    for k in np.flatnonzero(~shapely.is_valid(unions)):  # a cell GEOS did not match: overlay
        unions[k] = shapely.union_all(cells[starts[k]:starts[k + 1]])
    return _polygonal(shapely.make_valid(shapely.intersection(unions, grown)), count)


def _polygonal(geoms: NDArray[np.object_], count: int) -> NDArray[np.object_]:
    """Each geometry's polygons as one MultiPolygon (slivers of lines or points dropped)."""
    parts, of = shapely.get_parts(geoms, return_index=True)
    polys, of_part = shapely.get_parts(parts, return_index=True)  # collections' members
    keep = shapely.get_type_id(polys) == _POLYGON
    out = shapely.multipolygons(polys[keep], indices=of[of_part][keep])
    assert len(out) == count  # every territory holds its centroids: a polygon each
    return np.asarray(out, dtype=object)


def _nearest_named(centres: NDArray[np.object_], named: gpd.GeoDataFrame, within_m: float
                   ) -> tuple[NDArray[np.object_], FloatArray]:
    """The name of the feature nearest to each centre within ``within_m`` and its distance.

    A centre with none gets None and an infinite distance; equal distances go to the
    name first in code-point order, so the answer does not depend on row order.
    """
    out = np.full(len(centres), None, dtype=object)
    far = np.full(len(centres), np.inf)
    if named.empty or len(centres) == 0:
        return out, far
    geoms = np.asarray(named.geometry.values)
    c_idx, f_idx = shapely.STRtree(geoms).query(centres, predicate="dwithin",
                                                distance=within_m)
    if len(c_idx) == 0:
        return out, far
    dist = shapely.distance(centres[c_idx], geoms[f_idx])
    names = named["name"].to_numpy(dtype=object)
    pick = np.lexsort((names[f_idx].astype(str), dist, c_idx))
    c_sorted = c_idx[pick]
    first = np.r_[True, c_sorted[1:] != c_sorted[:-1]]
    out[c_sorted[first]] = names[f_idx[pick][first]]
    far[c_sorted[first]] = dist[pick][first]
    return out, far


def road_settlement_name(road: str) -> str:
    """``<road> 聚落`` (no space after a Chinese, Japanese or Korean name: 幸福路聚落)."""
    wide = unicodedata.east_asian_width(road[-1]) in ("W", "F")
    return f"{road}聚落" if wide else f"{road} 聚落"


def unique_names(names: list[str], priority: FloatArray | None = None) -> list[str]:
    """Names made unique: a repeated name is kept once, the others get `` (2)``, `` (3)`` ….

    Of the settlements given one name, the one of lowest ``priority`` (its distance to
    what names it, metres; ties, or no priority: the earlier) keeps it, the others are
    numbered in that order.
    """
    keys = np.zeros(len(names)) if priority is None else np.asarray(priority, dtype=float)
    order = np.lexsort((np.arange(len(names)), keys))
    taken = set(names)
    seen: set[str] = set()
    out = [""] * len(names)
    for i in order:  # one step per settlement, not per building
        name = names[i]
        if name in seen:
            k = 2
            while f"{name} ({k})" in taken or f"{name} ({k})" in seen:
                k += 1
            name = f"{name} ({k})"
        seen.add(name)
        out[i] = name
    return out


def _named(frame: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    if frame is None or frame.empty:
        return gpd.GeoDataFrame({"name": []}, geometry=[])
    names = frame["name"].astype("string").str.strip()
    return frame[(names.notna() & (names != "")).to_numpy()].assign(name=names)


def derive_settlements(
    centroids: NDArray[np.object_], *, places: gpd.GeoDataFrame | None = None,
    roads: gpd.GeoDataFrame | None = None, rule: SettlementRule = RULE, crs: object = None,
) -> Settlements:
    """Settlements and their territories from building centroids.

    Parameters
    ----------
    centroids
        Shapely points, one per building, in a metric CRS (metres).
    places
        Places with a ``name`` column, same CRS (unnamed ones are ignored).
    roads
        Roads with a ``name`` column, same CRS (unnamed ones are ignored).
    rule
        The numbers of the rule (default :data:`RULE`).
    crs
        The CRS of the inputs, given to the territories' frame.

    Returns
    -------
    Settlements
        Territories in rank order (metric CRS), each building's settlement, counts.
    """
    xy = shapely.get_coordinates(np.asarray(centroids, dtype=object))
    labels = single_linkage(xy, rule.link_m)
    clusters = int(labels.max()) + 1 if len(labels) else 0
    settlement, sizes, centre_xy = (_ranked(labels, xy, rule.min_buildings) if len(labels)
                                    else (labels, labels, np.empty((0, 2))))
    count = len(sizes)
    if count == 0:
        empty = gpd.GeoDataFrame({"name": [], "buildings": [], "rank": [], "named_after": [],
                                  "centre_x": [], "centre_y": []}, geometry=[], crs=crs)
        return Settlements(empty, settlement, clusters, len(xy))
    shapes = _territories(xy, settlement, count, rule.grow_m)
    centres = shapely.points(centre_xy)
    place, place_m = _nearest_named(centres, _named(places), rule.place_m)
    road, road_m = _nearest_named(centres, _named(roads), rule.road_m)
    rank = np.arange(1, count + 1)
    has_place, has_road = np.isfinite(place_m), np.isfinite(road_m)
    named_after = np.where(has_place, "place", np.where(has_road, "road", "rank"))
    names = [str(p) if p is not None else road_settlement_name(str(r)) if r is not None
             else f"聚落 {k}" for p, r, k in zip(place, road, rank, strict=True)]
    distance = np.where(has_place, place_m, np.where(has_road, road_m, 0.0))
    territories = gpd.GeoDataFrame({
        "name": unique_names(names, distance), "buildings": sizes, "rank": rank,
        "named_after": named_after, "centre_x": centre_xy[:, 0], "centre_y": centre_xy[:, 1],
    }, geometry=shapes, crs=crs)
    pts = shapely.points(xy)
    inside = np.zeros(len(xy), dtype=bool)
    hit, _ = shapely.STRtree(shapes).query(pts, predicate="within")
    inside[hit] = True
    return Settlements(territories, settlement, clusters, int((~inside).sum()))
