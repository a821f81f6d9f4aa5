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


def greedy_max_coverage(
    candidates: NDArray[np.object_],
    demand: NDArray[np.object_],
    weight: FloatArray,
    radius: float,
    need: float,
    max_sites: int = 500,
) -> tuple[IntArray, NDArray[np.bool_]]:
    """Pick candidate sites, best first, until ``need`` demand weight is covered.

    Each step takes the candidate that covers the most still-uncovered weight within
    ``radius`` metres (the classic greedy for maximal covering location, within a
    factor 1 − 1/e of the optimum for any number of sites).

    Returns
    -------
    (chosen, covered)
        Indices of chosen candidates in order, and which demand points they cover.
    """
    covered = np.zeros(len(demand), dtype=bool)
    if need <= 0 or len(candidates) == 0 or len(demand) == 0:
        return np.array([], dtype=np.int64), covered
    d_idx, c_idx = shapely.STRtree(candidates).query(demand, predicate="dwithin",
                                                      distance=radius)
    reach = sparse.csc_matrix((np.ones(len(d_idx)), (d_idx, c_idx)),
                              shape=(len(demand), len(candidates)))
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
