"""The road layer as a network of shared vertices: components, unnoded crossings, dangles.

Pure, vectorised kernels over LineStrings in a metric CRS (metres), used by the data
checks (:mod:`gis.checks`). Roads join where they share a vertex, coordinates rounded
to ``grid`` metres (1 cm by default), as the road network of :mod:`gis.network`
joins them; a road that merely crosses another, or ends on it without a vertex of
the other there, does not join it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy import sparse
from scipy.sparse.csgraph import connected_components

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
Geoms = NDArray[np.object_]
_POINT = 0


@dataclass(frozen=True)
class Vertices:
    """Every vertex of the roads, and the node (rounded position) it falls on.

    Attributes
    ----------
    xy
        Vertex coordinates, metres (n × 2).
    line
        Row of the road each vertex belongs to.
    node
        Node of each vertex: vertices whose coordinates round to the same ``grid``
        multiple share a node.
    nodes
        Number of nodes.
    """

    xy: FloatArray
    line: IntArray
    node: IntArray
    nodes: int

    def incidence(self, n_lines: int) -> sparse.csr_matrix:
        """Roads × nodes, 1 where a road has a vertex on the node."""
        ones = np.ones(len(self.line), dtype=np.int32)
        m = sparse.csr_matrix((ones, (self.line, self.node)), shape=(n_lines, self.nodes))
        m.data[:] = 1  # a road passing a node twice (a loop) still meets it once
        return m


def vertices(lines: Geoms, grid: float = 0.01) -> Vertices:
    """The vertices of ``lines`` (LineStrings, metres) and their nodes on a ``grid``-metre grid."""
    xy, line = shapely.get_coordinates(lines, return_index=True)
    if len(xy) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Vertices(np.zeros((0, 2)), empty, empty, 0)
    keys = np.round(xy / grid).astype(np.int64)
    uniq, node = np.unique(keys, axis=0, return_inverse=True)
    return Vertices(xy, line.astype(np.int64), node.ravel().astype(np.int64), len(uniq))


def components(lines: Geoms, grid: float = 0.01) -> tuple[IntArray, int]:
    """Connected components of the road network: a label per road, and their number.

    Two roads are in one component when a chain of roads, each sharing a vertex
    (within ``grid`` metres) with the next, leads from one to the other.
    """
    n = len(lines)
    if n == 0:
        return np.zeros(0, dtype=np.int64), 0
    v = vertices(lines, grid)
    # a bipartite graph of roads (0 … n − 1) and nodes (n …): components of roads
    graph = sparse.coo_matrix((np.ones(len(v.line), dtype=np.int8), (v.line, v.node + n)),
                              shape=(n + v.nodes, n + v.nodes))
    count, labels = connected_components(graph, directed=False)
    road_labels = labels[:n]
    # renumber the components the roads use 0 … k − 1 (nodes have none of their own)
    uniq, label = np.unique(road_labels, return_inverse=True)
    del count
    return label.astype(np.int64), len(uniq)


@dataclass(frozen=True)
class Crossings:
    """Points where two roads cross without a shared vertex.

    Attributes
    ----------
    a, b
        Rows of the two roads of each crossing point (``a < b``).
    points
        The crossing points (metres).
    a_vertex, b_vertex
        Whether road ``a`` (``b``) has a vertex within ``grid`` of the point.
    """

    a: IntArray
    b: IntArray
    points: Geoms
    a_vertex: BoolArray
    b_vertex: BoolArray


def unnoded_crossings(lines: Geoms, grid: float = 0.01) -> Crossings:
    """Points where two roads' interiors cross and the roads share no vertex there.

    A crossing is a point of the intersection of two roads that cross (their interiors
    meet in points, shapely's ``crosses``) that lies farther than ``grid`` from every end
    of both roads (a road ending on another is a dangling end, not a crossing). It is
    unnoded unless *both* roads have a vertex within ``grid`` of it.
    """
    empty = Crossings(np.zeros(0, np.int64), np.zeros(0, np.int64),
                      np.zeros(0, dtype=object), np.zeros(0, bool), np.zeros(0, bool))
    if len(lines) < 2:
        return empty
    i, j = shapely.STRtree(lines).query(lines, predicate="crosses")
    keep = i < j
    i, j = i[keep], j[keep]
    if len(i) == 0:
        return empty
    parts, pair = shapely.get_parts(shapely.intersection(lines[i], lines[j]), return_index=True)
    points = shapely.get_type_id(parts) == _POINT
    parts, pair = parts[points], pair[points]
    a, b = i[pair].astype(np.int64), j[pair].astype(np.int64)
    ends = np.column_stack([shapely.get_point(lines, 0), shapely.get_point(lines, -1)])
    at_end = np.zeros(len(parts), dtype=bool)
    for road in (a, b):
        for k in (0, 1):
            at_end |= shapely.distance(parts, ends[road, k]) <= grid
    parts, a, b = parts[~at_end], a[~at_end], b[~at_end]
    v = vertices(lines, grid)
    hit, vert = shapely.STRtree(shapely.points(v.xy)).query(parts, predicate="dwithin",
                                                            distance=grid)
    a_vertex = np.zeros(len(parts), dtype=bool)
    b_vertex = np.zeros(len(parts), dtype=bool)
    a_vertex[hit[v.line[vert] == a[hit]]] = True
    b_vertex[hit[v.line[vert] == b[hit]]] = True
    unnoded = ~(a_vertex & b_vertex)
    return Crossings(a[unnoded], b[unnoded], parts[unnoded], a_vertex[unnoded],
                     b_vertex[unnoded])


@dataclass(frozen=True)
class Dangles:
    """Road ends that join no other road but lie close to one (undershoots).

    Attributes
    ----------
    line
        Row of the road whose end it is.
    points
        The end vertex (metres).
    near
        Row of the nearest other road within reach (not joined to ``line``).
    distance
        Distance from the end to that road, metres (0: the end lies on the other road,
        which has no vertex there).
    """

    line: IntArray
    points: Geoms
    near: IntArray
    distance: FloatArray


def dangling_ends(lines: Geoms, within: float = 2.0, grid: float = 0.01) -> Dangles:
    """Ends of roads that share their node with no other road and lie within ``within`` m of one.

    Roads already joined to the end's road (sharing any vertex with it) are not
    counted as near: a short spur off a road is not an undershoot of that road.
    """
    empty = Dangles(np.zeros(0, np.int64), np.zeros(0, dtype=object), np.zeros(0, np.int64),
                    np.zeros(0))
    n = len(lines)
    if n < 2:
        return empty
    v = vertices(lines, grid)
    inc = v.incidence(n)
    roads_at_node = np.asarray(inc.sum(axis=0)).ravel()
    # the first and last vertex of each road
    counts = shapely.get_num_coordinates(lines)
    last = np.cumsum(counts) - 1
    first = last - counts + 1
    end_vertex = np.unique(np.r_[first, last])  # a one-vertex road would count once
    end_vertex = end_vertex[roads_at_node[v.node[end_vertex]] == 1]
    # a closed road's two ends are one node: keep one end per (road, node)
    _, once = np.unique(np.column_stack([v.line[end_vertex], v.node[end_vertex]]), axis=0,
                        return_index=True)
    end_vertex = end_vertex[np.sort(once)]
    ends = shapely.points(v.xy[end_vertex])
    own = v.line[end_vertex]
    e, r = shapely.STRtree(lines).query(ends, predicate="dwithin", distance=within)
    joined = inc @ inc.T  # roads × roads: sharing a vertex
    other = (r != own[e]) & (np.asarray(joined[own[e], r]).ravel() == 0)
    e, r = e[other], r[other]
    if len(e) == 0:
        return empty
    dist = shapely.distance(ends[e], lines[r])
    # the nearest such road per end
    order = np.lexsort((dist, e))
    e, r, dist = e[order], r[order], dist[order]
    first_of = np.r_[True, e[1:] != e[:-1]]
    e, r, dist = e[first_of], r[first_of], dist[first_of]
    return Dangles(own[e], ends[e], r.astype(np.int64), dist)


def duplicate_groups(geoms: Geoms, grid: float = 0.01) -> IntArray:
    """A group label per geometry for geometries equal to another's, −1 for unique ones.

    Equal: the same coordinates after rounding to ``grid`` metres and normalising
    (a line drawn the other way, a ring started at another vertex are the same).
    """
    if len(geoms) == 0:
        return np.zeros(0, dtype=np.int64)
    rounded = shapely.normalize(shapely.transform(geoms, lambda xy: np.round(xy / grid) * grid))
    keys = shapely.to_wkb(rounded)
    _, label, count = np.unique(keys, return_inverse=True, return_counts=True)
    label = label.ravel().astype(np.int64)
    return np.where(count[label] > 1, label, -1)


def nearest_distance(points: Geoms, lines: Geoms) -> FloatArray:
    """Distance from each point to the nearest of ``lines``, metres (inf without lines)."""
    out = np.full(len(points), np.inf)
    if len(points) == 0 or len(lines) == 0:
        return out
    (p, _), dist = shapely.STRtree(lines).query_nearest(points, return_distance=True,
                                                        all_matches=False)
    out[p] = dist
    return out


def midpoints(lines: Geoms) -> Geoms:
    """The point halfway along each line."""
    return np.asarray(shapely.line_interpolate_point(lines, 0.5, normalized=True), dtype=object)
