"""Distances along the road network (metres), exact, for service areas measured as people walk.

The definition (``docs/definitions.md``, "Network distance"):

- **Graph.** A node at every vertex of the road LineStrings (vertices within the same
  1 cm grid cell are one node, so roads that share a vertex join); an edge for every
  segment between two consecutive vertices, weighted by its length. Roads join only
  where they share a vertex (OSM's convention: a bridge crossing a road does not join
  it). With ``join="crossings"`` the roads are first noded with snap-rounding to the
  1 cm grid (:func:`shapely.union_all` with ``grid_size``), so they also join wherever
  two cross or one ends within 1 cm of another: for CAD layers that are not noded.
- **Entry.** A point enters the network at the nearest point of the nearest segment
  (an exact orthogonal projection, no densification); the access leg is the straight
  line from the point to that entry. When several segments are equally near, the
  point enters through each and the shortest route counts. A point farther than the
  search tolerance (default 100 m) from every segment is *unreachable*.
- **Distance** from a source to a target = source leg + the shortest path between the
  two entries along the roads + target leg. Both entries may lie on one segment: then
  the path is the stretch of that segment between them (or a way round, if shorter).

Sources are handled together (one multi-source Dijkstra through a virtual node whose
edges to the two ends of each entry segment carry leg + the stretch to that end); the
reach of many candidate sites, each on its own, is one Dijkstra per candidate with a
distance limit. Metres in the area's metric CRS.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from scipy import sparse
from scipy.sparse.csgraph import dijkstra

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
Join = Literal["vertices", "crossings"]
JOINS: tuple[Join, ...] = ("vertices", "crossings")
GRID_M = 0.01
"""Vertices in one cell of this grid (metres) are one node."""
_CHUNK_CELLS = 4_000_000  # distances held at once by :meth:`RoadNetwork.reach` (32 MB)


@dataclass(frozen=True)
class Entries:
    """Where points enter the network: one row per (point, nearest segment).

    Attributes
    ----------
    point
        Index of the point (a point equally near several segments has several rows;
        an unreachable point has none).
    segment
        Index of the segment entered.
    to_a, to_b
        Leg + the stretch of the segment from the entry to its first / second node, m.
    along, leg
        Position of the entry from the segment's first node, and the access leg, m.
    """

    point: IntArray
    segment: IntArray
    to_a: FloatArray
    to_b: FloatArray
    along: FloatArray
    leg: FloatArray

    def reachable(self, n: int) -> NDArray[np.bool_]:
        """Which of ``n`` points enter the network within the search tolerance."""
        out = np.zeros(n, dtype=bool)
        out[self.point] = True
        return out


@dataclass(frozen=True)
class NetworkDistances:
    """Network distances of targets from their nearest source.

    Attributes
    ----------
    distance
        Metres; ``inf`` when no source lies within the limit along the roads, or when the
        target (or every source) is unreachable.
    reachable
        Targets within the search tolerance of a road.
    """

    distance: FloatArray
    reachable: NDArray[np.bool_]


class RoadNetwork:
    """The road graph of :mod:`gis.network` (see its definition), metric CRS.

    Parameters
    ----------
    roads
        Road LineStrings or MultiLineStrings, metres.
    join
        ``vertices`` (roads join at shared vertices) or ``crossings`` (also where they cross).
    """

    def __init__(self, roads: NDArray[np.object_], join: Join = "vertices") -> None:
        lines = shapely.get_parts(np.asarray(roads, dtype=object))
        lines = lines[~shapely.is_empty(lines)]
        if join == "crossings" and len(lines):
            # noding with snap-rounding to the 1 cm grid: lines that cross, or where one
            # ends within a grid cell of another (CAD snaps; reprojection's last digits)
            lines = shapely.get_parts(shapely.union_all(lines, grid_size=GRID_M))
        coords, line = shapely.get_coordinates(lines, return_index=True)
        keys = np.round(coords / GRID_M).astype(np.int64)
        _, node = np.unique(keys, axis=0, return_inverse=True)
        node = node.ravel()
        same = (line[1:] == line[:-1]) & (node[1:] != node[:-1])
        self.nodes: int = int(node.max()) + 1 if len(node) else 0
        self.a: IntArray = node[:-1][same].astype(np.int64)
        self.b: IntArray = node[1:][same].astype(np.int64)
        # segments keep their own coordinates; the rounding only says which vertices join
        self.start: FloatArray = coords[:-1][same]
        self.end: FloatArray = coords[1:][same]
        self.length: FloatArray = np.hypot(*(self.end - self.start).T)
        self.segments = shapely.linestrings(np.stack([self.start, self.end], axis=1)) if len(
            self.a) else np.array([], dtype=object)
        self.tree = shapely.STRtree(self.segments)
        self.graph = _graph(np.r_[self.a, self.b], np.r_[self.b, self.a],
                            np.r_[self.length, self.length], self.nodes)

    def enter(self, points: NDArray[np.object_], tolerance: float) -> Entries:
        """Where each point enters the network (nearest point of the nearest segments).

        Parameters
        ----------
        points
            Points, metric CRS.
        tolerance
            Points farther than this from every segment are unreachable, metres.
        """
        pts = np.asarray(points, dtype=object)
        if len(pts) == 0 or len(self.segments) == 0:
            empty_i, empty_f = np.array([], dtype=np.int64), np.array([], dtype=float)
            return Entries(empty_i, empty_i, empty_f, empty_f, empty_f, empty_f)
        (p, s), _ = self.tree.query_nearest(pts, max_distance=tolerance,
                                            return_distance=True, all_matches=True)
        p, s = p.astype(np.int64), s.astype(np.int64)
        xy = shapely.get_coordinates(pts)[p]
        start, end = self.start[s], self.end[s]
        d = end - start
        length = self.length[s]
        along = np.clip(np.einsum("ij,ij->i", xy - start, d) / length, 0.0, length)
        foot = start + d * (along / length)[:, None]
        leg = np.hypot(*(xy - foot).T)
        return Entries(p, s, leg + along, leg + (length - along), along, leg)

    def _with_sources(self, entries: Entries, node_of: IntArray, extra: int
                      ) -> sparse.csr_matrix:
        """The graph with ``extra`` virtual nodes joined to their points' entries."""
        n = self.nodes
        rows = np.r_[self.a, self.b, node_of, node_of]
        cols = np.r_[self.b, self.a, self.a[entries.segment], self.b[entries.segment]]
        vals = np.r_[self.length, self.length, entries.to_a, entries.to_b]
        return _graph(rows, cols, vals, n + extra)

    def distance(self, sources: NDArray[np.object_], targets: NDArray[np.object_], *,
                 limit: float, tolerance: float) -> NetworkDistances:
        """Distance (m) along the roads from the nearest source to each target.

        Parameters
        ----------
        sources, targets
            Points, metric CRS.
        limit
            Search no farther than this, metres: targets farther get ``inf``.
        tolerance
            The search tolerance of the entries, metres.
        """
        et = self.enter(targets, tolerance)
        out = np.full(len(targets), np.inf)
        es = self.enter(sources, tolerance)
        if len(es.point) and len(et.point):
            n = self.nodes
            graph = self._with_sources(es, np.full(len(es.point), n, dtype=np.int64), 1)
            dist = dijkstra(graph, directed=True, indices=n, limit=limit)
            via = np.minimum(dist[self.a[et.segment]] + et.to_a,
                             dist[self.b[et.segment]] + et.to_b)
            np.minimum.at(out, et.point, via)
            pt, _, d = _same_segment(es, et)
            np.minimum.at(out, pt, d)
        out[out > limit] = np.inf
        return NetworkDistances(out, et.reachable(len(targets)))

    def reach(self, candidates: NDArray[np.object_], targets: NDArray[np.object_], *,
              limit: float, tolerance: float) -> sparse.csc_matrix:
        """Which targets each candidate site reaches within ``limit`` metres along the roads.

        Returns
        -------
        scipy.sparse.csc_matrix
            Targets × candidates, 1 where the network distance is ≤ ``limit``.
        """
        shape = (len(targets), len(candidates))
        ec, et = self.enter(candidates, tolerance), self.enter(targets, tolerance)
        rows: list[IntArray] = []
        cols: list[IntArray] = []
        if len(ec.point) and len(et.point):
            n, k = self.nodes, len(candidates)
            graph = self._with_sources(ec, n + ec.point, k)
            t_a, t_b = self.a[et.segment], self.b[et.segment]
            step = max(1, _CHUNK_CELLS // (n + k))
            for first in range(0, k, step):
                chunk = np.arange(first, min(first + step, k))
                dist = dijkstra(graph, directed=True, indices=n + chunk, limit=limit)
                via = np.minimum(dist[:, t_a] + et.to_a, dist[:, t_b] + et.to_b)
                c, e = np.nonzero(via <= limit)
                rows.append(et.point[e])
                cols.append(chunk[c])
            pt, pc, d = _same_segment(ec, et)
            rows.append(pt[d <= limit])
            cols.append(pc[d <= limit])
        r = np.concatenate(rows) if rows else np.array([], dtype=np.int64)
        c = np.concatenate(cols) if cols else np.array([], dtype=np.int64)
        m = sparse.csc_matrix((np.ones(len(r)), (r, c)), shape=shape)
        m.data[:] = 1.0  # a pair found twice counts once
        return m


def _graph(rows: IntArray, cols: IntArray, vals: FloatArray, n: int) -> sparse.csr_matrix:
    """A sparse graph keeping the shortest of parallel edges (a sparse matrix would sum them).

    Zero weights (a point exactly on a node) stay explicit edges, as scipy's csgraph reads them.
    """
    order = np.lexsort((vals, cols, rows))
    rows, cols, vals = rows[order], cols[order], vals[order]
    first = np.r_[True, (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])] if len(
        rows) else np.array([], dtype=bool)
    return sparse.csr_matrix((vals[first], (rows[first], cols[first])), shape=(n, n))


def _same_segment(sources: Entries, targets: Entries) -> tuple[IntArray, IntArray, FloatArray]:
    """Pairs entering one segment: (target point, source point, leg + stretch + leg), m."""
    s = pd.DataFrame({"segment": sources.segment, "src": sources.point,
                      "s_along": sources.along, "s_leg": sources.leg})
    t = pd.DataFrame({"segment": targets.segment, "tgt": targets.point,
                      "t_along": targets.along, "t_leg": targets.leg})
    pairs = s.merge(t, on="segment")
    d = (pairs["s_leg"] + (pairs["s_along"] - pairs["t_along"]).abs() + pairs["t_leg"])
    return (pairs["tgt"].to_numpy(np.int64), pairs["src"].to_numpy(np.int64),
            d.to_numpy(float))
