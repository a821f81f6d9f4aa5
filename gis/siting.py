"""Where new facilities should go: lights that close gaps, points that reach households.

Street lights are spaced along unlit gaps; collection points are chosen by a greedy
maximal-coverage siting until a target share of households is reached. Distances in
metres of a projected CRS.
"""

from __future__ import annotations

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy import sparse

from gis.linear import Intervals

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


def lights_for_gaps(lines: NDArray[np.object_], gaps: Intervals, spacing: float
                    ) -> tuple[NDArray[np.object_], IntArray]:
    """Evenly spaced new lights that light every point of each gap.

    A gap of length g gets ⌈g / spacing⌉ lights at the centres of equal stretches; with
    ``spacing`` = 2 × reach each stretch is within reach of its light along the road,
    hence also in a straight line.

    Returns
    -------
    (points, gap)
        The new lights and, for each, the index of the gap it closes.
    """
    if len(gaps.line) == 0:
        return np.array([], dtype=object), np.array([], dtype=np.int64)
    count = np.maximum(np.ceil(gaps.length / spacing - 1e-9), 1).astype(np.int64)
    gap = np.repeat(np.arange(len(count)), count)
    k = np.arange(len(gap)) - np.repeat(np.cumsum(count) - count, count)
    step = gaps.length[gap] / count[gap]
    position = gaps.start[gap] + (k + 0.5) * step
    points = shapely.line_interpolate_point(np.asarray(lines)[gaps.line[gap]], position)
    return points, gap.astype(np.int64)


def reach_within(candidates: NDArray[np.object_], demand: NDArray[np.object_],
                 radius: float) -> sparse.csc_matrix:
    """Demand × candidates, 1 where a demand point lies within ``radius`` m in a straight line.

    :meth:`gis.network.RoadNetwork.reach` is the same along the roads.
    """
    shape = (len(demand), len(candidates))
    if len(candidates) == 0 or len(demand) == 0:
        return sparse.csc_matrix(shape)
    d_idx, c_idx = shapely.STRtree(candidates).query(demand, predicate="dwithin",
                                                      distance=radius)
    return sparse.csc_matrix((np.ones(len(d_idx)), (d_idx, c_idx)), shape=shape)


def greedy_max_coverage(
    reach: sparse.csc_matrix,
    weight: FloatArray,
    need: float,
    max_sites: int = 500,
) -> tuple[IntArray, NDArray[np.bool_]]:
    """Pick candidate sites, best first, until ``need`` demand weight is covered.

    Each step takes the candidate that covers the most still-uncovered weight (the
    classic greedy for maximal covering location, within a factor 1 − 1/e of the
    optimum for any number of sites).

    Parameters
    ----------
    reach
        Demand × candidates, nonzero where the candidate reaches the demand point
        (:func:`reach_within`, or along the roads :meth:`gis.network.RoadNetwork.reach`).
    weight
        Weight of each demand point (households).
    need
        Weight to cover.
    max_sites
        Stop after this many sites.

    Returns
    -------
    (chosen, covered)
        Indices of chosen candidates in order, and which demand points they cover.
    """
    n_demand, n_candidates = reach.shape
    covered = np.zeros(n_demand, dtype=bool)
    if need <= 0 or n_candidates == 0 or n_demand == 0:
        return np.array([], dtype=np.int64), covered
    reach = sparse.csc_matrix(reach)
    remaining = weight.astype(float).copy()
    chosen: list[int] = []
    got = 0.0
    while got < need - 1e-9 and len(chosen) < max_sites:
        gains = reach.T @ remaining
        best = int(np.argmax(gains))
        if gains[best] <= 0:
            break
        newly = reach[:, best].nonzero()[0]
        newly = newly[~covered[newly]]
        covered[newly] = True
        got += float(remaining[newly].sum())
        remaining[newly] = 0.0
        chosen.append(best)
    return np.array(chosen, dtype=np.int64), covered
