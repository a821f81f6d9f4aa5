"""Exact reach of points along lines: the intervals of each line within a radius of a point.

For a straight segment A→B and a point P, the part of the segment within distance r
of P is the interval of t ∈ [0, 1] where |A + t(B − A) − P|² ≤ r², a quadratic in t:
no polygonised circle is involved, so lengths are exact to floating point. All work is
vectorised: segment–point pairs come from an STRtree query, the quadratics are solved
in numpy, and the intervals are merged per line by a sorted sweep. Coordinates and
distances are in the metres of a projected CRS.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class Intervals:
    """Disjoint, sorted intervals along lines: ``line[i]`` from ``start[i]`` to ``end[i]`` (m)."""

    line: IntArray
    start: FloatArray
    end: FloatArray

    @property
    def length(self) -> FloatArray:
        """Length of each interval, metres."""
        return self.end - self.start

    def total_by_line(self, n_lines: int) -> FloatArray:
        """Summed interval length per line (metres), for lines 0 … n_lines − 1."""
        return np.bincount(self.line, weights=self.length, minlength=n_lines).astype(float)


@dataclass(frozen=True)
class Segments:
    """The straight segments of a set of lines, with their place along their line."""

    a: FloatArray  # (n, 2) start points
    b: FloatArray  # (n, 2) end points
    line: IntArray  # index of the line each segment belongs to
    offset: FloatArray  # distance from the line's start to the segment's start, metres
    length: FloatArray


def segments(lines: NDArray[np.object_]) -> Segments:
    """Split LineStrings into their segments (zero-length segments dropped)."""
    coords, index = shapely.get_coordinates(lines, return_index=True)
    same = index[1:] == index[:-1]
    a, b, line = coords[:-1][same], coords[1:][same], index[:-1][same]
    length = np.hypot(*(b - a).T)
    keep = length > 0
    a, b, line, length = a[keep], b[keep], line[keep], length[keep]
    # offset = cumulative length within the line before this segment
    cum = np.cumsum(length)
    first = np.r_[True, line[1:] != line[:-1]]
    line_start_cum = np.maximum.accumulate(np.where(first, cum - length, 0.0))
    offset = cum - length - line_start_cum
    return Segments(a, b, line.astype(np.int64), offset, length)


def merge(line: IntArray, start: FloatArray, end: FloatArray) -> Intervals:
    """Union overlapping intervals per line; result sorted by line and start."""
    if len(line) == 0:
        empty = np.array([], dtype=float)
        return Intervals(np.array([], dtype=np.int64), empty, empty)
    order = np.lexsort((start, line))
    line, start, end = line[order], start[order], end[order]
    run_end = pd.Series(end).groupby(line).cummax().to_numpy()
    prev_end = np.r_[-np.inf, run_end[:-1]]
    new_line = np.r_[True, line[1:] != line[:-1]]
    opens = new_line | (start > prev_end)
    ends = np.maximum.reduceat(end, np.flatnonzero(opens))
    return Intervals(line[opens], start[opens], ends)


def reach(lines: NDArray[np.object_], points: NDArray[np.object_], radius: float) -> Intervals:
    """Parts of each line within ``radius`` metres of any point (exact circles), merged.

    Parameters
    ----------
    lines
        LineStrings in a metric CRS.
    points
        Points in the same CRS.
    radius
        Reach in metres (0 gives no intervals).
    """
    none = merge(np.array([], dtype=np.int64), np.array([]), np.array([]))
    if radius <= 0 or len(lines) == 0 or len(points) == 0:
        return none
    seg = segments(lines)
    if len(seg.line) == 0:
        return none
    seg_geoms = shapely.linestrings(np.stack([seg.a, seg.b], axis=1))
    tree = shapely.STRtree(points)
    s_idx, p_idx = tree.query(seg_geoms, predicate="dwithin", distance=radius)
    if len(s_idx) == 0:
        return none
    pxy = shapely.get_coordinates(points)[p_idx]
    a, d = seg.a[s_idx], seg.b[s_idx] - seg.a[s_idx]
    ap = a - pxy
    qa = np.einsum("ij,ij->i", d, d)
    qb = 2.0 * np.einsum("ij,ij->i", d, ap)
    qc = np.einsum("ij,ij->i", ap, ap) - radius * radius
    disc = np.maximum(qb * qb - 4.0 * qa * qc, 0.0)
    root = np.sqrt(disc)
    t0 = np.clip((-qb - root) / (2.0 * qa), 0.0, 1.0)
    t1 = np.clip((-qb + root) / (2.0 * qa), 0.0, 1.0)
    ok = t1 > t0
    seg_len, off = seg.length[s_idx][ok], seg.offset[s_idx][ok]
    return merge(seg.line[s_idx][ok], off + t0[ok] * seg_len, off + t1[ok] * seg_len)


def complement(covered: Intervals, line_lengths: FloatArray, min_length: float = 0.0
               ) -> Intervals:
    """The parts of each line not in ``covered`` (longer than ``min_length`` metres)."""
    n = len(line_lengths)
    # boundaries: each line contributes [0, …covered…, L]
    lines = np.r_[covered.line, np.arange(n)]
    starts = np.r_[covered.end, np.zeros(n)]  # a gap starts where cover ends (or at 0)
    order = np.lexsort((starts, lines))
    lines, starts = lines[order], starts[order]
    # the gap ends at the next cover start on the same line, or at the line's end
    next_start = np.r_[covered.start, line_lengths]
    next_line = np.r_[covered.line, np.arange(n)]
    order2 = np.lexsort((next_start, next_line))
    ends_sorted = next_start[order2]
    # both sequences hold, per line, (number of covered intervals + 1) entries in order
    gap_len = ends_sorted - starts
    keep = gap_len > max(min_length, 1e-9)
    return Intervals(lines[keep], starts[keep], ends_sorted[keep])


def substrings(lines: NDArray[np.object_], parts: Intervals) -> NDArray[np.object_]:
    """LineString geometry of each interval (for maps; a loop, sized by the output)."""
    from shapely.ops import substring

    return np.array(
        [substring(lines[i], s, e) for i, s, e in zip(parts.line, parts.start, parts.end,
                                                      strict=True)],
        dtype=object,
    )
