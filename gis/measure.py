"""Pure, vectorised measurements over GeoDataFrames in a metric CRS (metres).

These kernels know nothing of the store: they take villages and features already
projected to metres and return per-village arrays. :mod:`gis.coverage` feeds them.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

from gis.linear import Intervals, reach
from layers.schema import WGS84

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
_LINESTRING = 1


def clip_lines(lines: gpd.GeoDataFrame, villages: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The pieces of ``lines`` inside each village (column ``village``: row of ``villages``).

    Other columns of ``lines`` are carried over; each piece is a LineString.
    """
    if lines.empty or villages.empty:
        out = lines.iloc[:0].copy()
        out["village"] = np.array([], dtype=np.int64)
        return out
    tree = shapely.STRtree(villages.geometry.values)
    l_idx, v_idx = tree.query(lines.geometry.values, predicate="intersects")
    inside = shapely.intersection(lines.geometry.values[l_idx], villages.geometry.values[v_idx])
    parts, part_of = shapely.get_parts(inside, return_index=True)
    keep = (shapely.get_type_id(parts) == _LINESTRING) & (shapely.length(parts) > 0)
    rows = l_idx[part_of[keep]]
    out = lines.iloc[rows].copy()
    out["village"] = v_idx[part_of[keep]]
    return out.set_geometry(gpd.GeoSeries(parts[keep], crs=lines.crs, index=out.index))


def per_village(values: FloatArray, village: IntArray, n: int) -> FloatArray:
    """Sum ``values`` per village row (0 … n − 1)."""
    return np.bincount(village, weights=values, minlength=n).astype(float)


@dataclass(frozen=True)
class LitLengths:
    """Lit length of road pieces (metres) and the lit intervals along each piece."""

    road_length: FloatArray
    lit_length: FloatArray
    lit: Intervals


def lit_lengths(pieces: gpd.GeoDataFrame, lights: gpd.GeoDataFrame, radius: float
                ) -> LitLengths:
    """Length of each road piece within ``radius`` metres of a working light (exact circles)."""
    geoms = pieces.geometry.values
    working = lights[lights["working"].fillna(True).astype(bool)] if len(lights) else lights
    lit = reach(np.asarray(geoms), np.asarray(working.geometry.values), radius)
    return LitLengths(shapely.length(np.asarray(geoms)), lit.total_by_line(len(pieces)), lit)


@dataclass(frozen=True)
class Households:
    """Residential buildings assigned to villages by centroid, in metres."""

    building: IntArray  # row in the buildings frame
    village: IntArray  # row in the villages frame
    households: FloatArray
    centroid: NDArray[np.object_]


def households_in_villages(buildings: gpd.GeoDataFrame, villages: gpd.GeoDataFrame
                           ) -> Households:
    """Residential buildings whose centroid lies strictly within a village."""
    residential = np.flatnonzero((buildings["class"] == "residential").to_numpy())
    centroids = shapely.centroid(np.asarray(buildings.geometry.values)[residential])
    # tree on the points, villages as the (prepared) query geometries: each boundary is
    # prepared once instead of being tested unprepared against every point
    v_idx, c_idx = shapely.STRtree(centroids).query(np.asarray(villages.geometry.values),
                                                    predicate="contains")
    counts = buildings["households"].to_numpy(dtype=float, na_value=1.0)[residential]
    return Households(residential[c_idx].astype(np.int64), v_idx.astype(np.int64),
                      counts[c_idx], centroids[c_idx])


def within_euclidean(targets: NDArray[np.object_], points: NDArray[np.object_], radius: float
                     ) -> NDArray[np.bool_]:
    """Whether each target lies within ``radius`` metres of any point."""
    served = np.zeros(len(targets), dtype=bool)
    if len(points) == 0 or len(targets) == 0 or radius < 0:
        return served
    hit, _ = shapely.STRtree(points).query(targets, predicate="dwithin", distance=radius)
    served[hit] = True
    return served


def near_lines_length(pieces: gpd.GeoDataFrame, lines: gpd.GeoDataFrame, offset: float,
                      quad_segs: int = 32) -> FloatArray:
    """Length of each piece within ``offset`` metres of any of ``lines``.

    Uses the buffer of the lines (``quad_segs`` segments per quarter circle: the length
    error at the round ends is below 0.01 % at 32).
    """
    geoms = np.asarray(pieces.geometry.values)
    if len(lines) == 0 or len(pieces) == 0 or offset <= 0:
        return np.zeros(len(pieces))
    tree = shapely.STRtree(lines.geometry.values)
    p_idx, l_idx = tree.query(geoms, predicate="dwithin", distance=offset)
    out = np.zeros(len(pieces))
    if len(p_idx) == 0:
        return out
    near = np.unique(l_idx)
    zone = shapely.union_all(
        shapely.buffer(np.asarray(lines.geometry.values)[near], offset, quad_segs=quad_segs))
    uniq = np.unique(p_idx)
    out[uniq] = shapely.length(shapely.intersection(geoms[uniq], zone))
    return out


def share(part: float, whole: float) -> float | None:
    """``part / whole`` rounded to 6 decimals; None when there is no whole."""
    return round(part / whole, 6) if whole > 0 else None


def sum_by_class(values: FloatArray, village: IntArray, cls: NDArray[np.object_],
                 classes: tuple[str, ...], n: int) -> FloatArray:
    """Sum ``values`` into an (n villages × classes) table (other classes dropped)."""
    code = pd.Categorical(cls, categories=list(classes)).codes.astype(np.int64)
    ok = code >= 0
    key = village[ok] * len(classes) + code[ok]
    return np.bincount(key, weights=values[ok], minlength=n * len(classes)).reshape(
        n, len(classes)).astype(float)


def count_within(points: gpd.GeoDataFrame, villages: gpd.GeoDataFrame) -> IntArray:
    """Number of points inside each village."""
    if len(points) == 0:
        return np.zeros(len(villages), dtype=np.int64)
    v_idx, _ = shapely.STRtree(np.asarray(points.geometry.values)).query(
        np.asarray(villages.geometry.values), predicate="contains")
    return np.bincount(v_idx, minlength=len(villages))


def to_wgs84(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """A metric frame in EPSG:4326 degrees (as map layers travel)."""
    return frame.to_crs(WGS84) if len(frame) else frame.set_crs(WGS84, allow_override=True)
