"""Exact network distances: hand-computed cases, reach = distance, an independent networkx check."""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Polygon, box
from sqlalchemy import Engine

from gis.context import Context
from gis.network import RoadNetwork
from gis.params import GARBAGE_CLASSES, ServiceParams
from gis.service import household_coverage
from gis.siting import greedy_max_coverage
from layers.io.loader import load_file
from tests.conftest import run_vgis

TOL = 100.0


def pts(*xy: tuple[float, float]) -> np.ndarray:
    return np.array([shapely.Point(x, y) for x, y in xy], dtype=object)


def dist(roads: list[LineString], sources: np.ndarray, targets: np.ndarray, *,
         join: str = "vertices", limit: float = math.inf) -> list[float]:
    net = RoadNetwork(np.array(roads, dtype=object), join)  # type: ignore[arg-type]
    return net.distance(sources, targets, limit=limit, tolerance=TOL).distance.tolist()


def test_entry_and_legs_at_both_ends() -> None:
    roads = [LineString([(0, 0), (100, 0), (100, 100)])]
    # bin 5 m off the road at x=10, house 3 m off the second leg at y=80
    assert dist(roads, pts((10, 5)), pts((103, 80))) == pytest.approx([5 + 90 + 80 + 3])


def test_same_segment_takes_the_stretch_between() -> None:
    roads = [LineString([(0, 0), (100, 0)])]
    assert dist(roads, pts((20, 5)), pts((70, -3))) == pytest.approx([5 + 50 + 3])
    # a source exactly on a node: zero-length entry edges still count
    assert dist(roads, pts((0, 0)), pts((100, 0))) == pytest.approx([100])


def test_t_junction_joins_at_the_shared_vertex_only() -> None:
    shared = [LineString([(0, 0), (100, 0), (200, 0)]), LineString([(100, 0), (100, 100)])]
    assert dist(shared, pts((10, 5)), pts((103, 80))) == pytest.approx([5 + 90 + 80 + 3])
    # the side street ends on the main road's interior, without a vertex there (CAD)
    unnoded = [LineString([(0, 0), (200, 0)]), LineString([(100, 0), (100, 100)])]
    assert dist(unnoded, pts((10, 5)), pts((103, 80))) == [math.inf]
    assert dist(unnoded, pts((10, 5)), pts((103, 80)), join="crossings") == pytest.approx(
        [5 + 90 + 80 + 3])


def test_bridge_does_not_join_the_road_below() -> None:
    road = LineString([(0, 0), (200, 0)])
    bridge = LineString([(100, -100), (100, 100)])  # crosses without a shared vertex
    # the house by the bridge is reached only by the bridge's own ends: none here
    assert dist([road, bridge], pts((10, 5)), pts((103, 80))) == [math.inf]
    assert dist([road, bridge], pts((10, 5)), pts((103, 80)), join="crossings") == \
        pytest.approx([5 + 90 + 80 + 3])
    # OSM: the bridge's ramps join the road network somewhere else
    ramp = LineString([(100, 100), (200, 100), (200, 0)])
    assert dist([road, bridge, ramp], pts((10, 5)), pts((103, 80))) == pytest.approx(
        [5 + 190 + 100 + 100 + 20 + 3])


def test_cul_de_sac_nearest_segment_on_the_far_side() -> None:
    main = LineString([(0, 0), (200, 0)])
    cul = LineString([(200, 0), (200, 50), (100, 50)])  # dead end at (100, 50)
    # the house is 23 m from the cul-de-sac and 27 m from the main road: it enters the
    # cul-de-sac, so the walk goes round by (200, 0): far more than its 105 m in a line
    assert dist([main, cul], pts((0, 5)), pts((105, 27))) == pytest.approx(
        [5 + 200 + 50 + 95 + 23])
    served = dist([main, cul], pts((0, 5)), pts((105, 27)), limit=150)
    assert served == [math.inf]


def test_equally_near_segments_take_the_shorter_way() -> None:
    # the house sits on the bisector of a corner: both legs 10 m; the nearer way counts
    roads = [LineString([(0, 0), (100, 0)]), LineString([(0, 0), (0, 100)])]
    net = RoadNetwork(np.array(roads, dtype=object))
    entries = net.enter(pts((10, 10)), TOL)
    assert sorted(entries.point.tolist()) == [0, 0]
    assert dist(roads, pts((100, 0)), pts((10, 10))) == pytest.approx([90 + 10])
    assert dist(roads, pts((0, 100)), pts((10, 10))) == pytest.approx([90 + 10])


def test_unreachable_beyond_the_search_tolerance() -> None:
    net = RoadNetwork(np.array([LineString([(0, 0), (100, 0)])], dtype=object))
    found = net.distance(pts((0, 0)), pts((50, 99), (50, 101)), limit=math.inf, tolerance=TOL)
    assert found.reachable.tolist() == [True, False]
    assert found.distance.tolist() == pytest.approx([50 + 99, math.inf])
    # an unreachable bin serves nobody
    assert net.distance(pts((0, 150)), pts((0, 0)), limit=math.inf,
                        tolerance=TOL).distance.tolist() == [math.inf]


def test_parallel_duplicates_keep_the_shorter() -> None:
    roads = [LineString([(0, 0), (100, 0)]), LineString([(0, 0), (100, 0)])]
    assert dist(roads, pts((0, 0)), pts((100, 0))) == pytest.approx([100])
    assert dist(roads, pts((0, 30), (0, 40)), pts((100, 0))) == pytest.approx([130])


coord = st.floats(-150, 150, allow_nan=False).map(lambda v: round(v, 1))
lines_st = st.lists(st.lists(st.tuples(coord, coord), min_size=2, max_size=5, unique=True),
                    min_size=1, max_size=5)
points_st = st.lists(st.tuples(coord, coord), min_size=1, max_size=6)


@settings(max_examples=60, deadline=None)
@given(lines_st, points_st, points_st, st.sampled_from(["vertices", "crossings"]))
def test_reach_of_each_candidate_is_its_own_distance(lines: list[list[tuple[float, float]]],
                                                     cands: list[tuple[float, float]],
                                                     targets: list[tuple[float, float]],
                                                     join: str) -> None:
    net = RoadNetwork(np.array([LineString(c) for c in lines], dtype=object),
                      join)  # type: ignore[arg-type]
    c, t = pts(*cands), pts(*targets)
    reach = net.reach(c, t, limit=120, tolerance=TOL).toarray().astype(bool)
    for j in range(len(c)):
        alone = net.distance(c[j:j + 1], t, limit=120, tolerance=TOL).distance
        np.testing.assert_array_equal(reach[:, j], alone <= 120 + 1e-9)


def independent_distances(roads: np.ndarray, sources: np.ndarray, targets: np.ndarray
                          ) -> np.ndarray:
    """The definition, computed another way: split the roads at every entry, networkx Dijkstra.

    Entries by brute force (every segment's distance), vertices joined by rounding to
    1 cm, the network's own nodes plus one node per entry point on its segment.
    """
    segs = []
    for line in shapely.get_parts(roads):
        xy = np.asarray(line.coords)[:, :2]
        for p, q in itertools.pairwise(xy):
            if tuple(np.round(p * 100)) != tuple(np.round(q * 100)):
                segs.append((p, q))
    seg_geoms = np.array([LineString([p, q]) for p, q in segs], dtype=object)
    graph = nx.Graph()
    on_segment: dict[int, list[tuple[float, Hashable]]] = {}

    def key(xy: np.ndarray) -> tuple[int, int]:
        return (int(np.round(xy[0] * 100)), int(np.round(xy[1] * 100)))

    for kind, points in (("s", sources), ("t", targets)):
        for i, point in enumerate(points):
            d = shapely.distance(seg_geoms, point)
            best = d.min()
            if best > TOL:
                continue
            for seg in np.flatnonzero(d <= best + 1e-9).tolist():
                along = seg_geoms[seg].project(point)
                node = f"{kind}{i}@{seg}"
                on_segment.setdefault(seg, []).append((along, node))
                graph.add_edge(f"{kind}{i}", node, weight=float(best))
    for s, (p, q) in enumerate(segs):
        stops: list[tuple[float, Hashable]] = [(0.0, key(p)), (float(np.hypot(*(q - p))), key(q)),
                                               *on_segment.get(s, [])]
        stops.sort(key=lambda x: x[0])
        for (d0, n0), (d1, n1) in itertools.pairwise(stops):
            w = d1 - d0
            if not graph.has_edge(n0, n1) or graph[n0][n1]["weight"] > w:
                graph.add_edge(n0, n1, weight=w)
    starts = [f"s{i}" for i in range(len(sources)) if f"s{i}" in graph]
    found = nx.multi_source_dijkstra_path_length(graph, starts) if starts else {}
    return np.array([found.get(f"t{i}", math.inf) for i in range(len(targets))])


def test_agrees_with_an_independent_computation_on_real_roads(samples: Engine) -> None:
    ctx = Context.load(samples, "lauf", "Kuhnhof")
    roads = np.asarray(ctx.layer("roads", margin_m=200).geometry.values)
    bins = ctx.layer("garbage", margin_m=200)
    sources = shapely.centroid(np.asarray(bins[bins["class"].isin(GARBAGE_CLASSES)].geometry))
    homes = shapely.centroid(np.asarray(ctx.layer("buildings").geometry.values))
    assert len(sources) >= 5
    assert len(homes) > 100
    ours = RoadNetwork(roads).distance(sources, homes, limit=math.inf, tolerance=TOL).distance
    theirs = independent_distances(roads, sources, homes)
    np.testing.assert_allclose(ours, theirs, atol=1e-6)
    assert np.isfinite(ours).mean() > 0.9


def test_network_proposals_reach_what_they_claim(samples: Engine) -> None:
    ctx = Context.load(samples, "lauf", "Kuhnhof")
    params = ServiceParams(distance="network", target_share=0.95)
    result = household_coverage(ctx, params)[0]
    fig = result.figures
    assert fig.proposed_points
    assert fig.served_share_with_proposed is not None
    # recompute the served share with the proposed points as bins, along the roads
    proposed = result.layers["proposed_points"].to_crs(ctx.epsg).geometry.values
    bins = ctx.layer("garbage", margin_m=params.radius_m)
    existing = shapely.centroid(np.asarray(bins[bins["class"].isin(GARBAGE_CLASSES)].geometry))
    roads = ctx.layer("roads", margin_m=params.radius_m + params.search_m).geometry.values
    homes = shapely.centroid(np.asarray(ctx.layer("buildings").geometry.values))
    from gis.measure import households_in_villages
    hh = households_in_villages(ctx.layer("buildings"), ctx.villages)
    net = RoadNetwork(np.asarray(roads))
    after = net.distance(np.r_[existing, np.asarray(proposed)], hh.centroid,
                         limit=params.radius_m, tolerance=params.search_m).distance
    share = hh.households[after <= params.radius_m].sum() / hh.households.sum()
    assert share == pytest.approx(fig.served_share_with_proposed, abs=1e-4)
    assert share >= 0.95 or fig.proposed_points == 500
    assert len(homes) >= len(hh.centroid)
    # the siting never claims more than its reach matrix
    empty = greedy_max_coverage(net.reach(pts(), hh.centroid, limit=70, tolerance=TOL),
                                hh.households, need=1.0)
    assert len(empty[0]) == 0


def test_cad_village_joins_crossings_only_when_asked(engine: Engine, tmp_path: Path) -> None:
    """A side street ending on the main road's interior (not noded), through both faces."""
    x0, y0 = 500_000.0, 3_376_000.0  # UTM 50N (EPSG:32650)

    def save(name: str, frame: gpd.GeoDataFrame) -> Path:
        path = tmp_path / f"{name}.gpkg"
        frame.set_crs(32650).to_file(path)
        return path

    def at(x: float, y: float) -> Polygon:
        return box(x0 + x - 1, y0 + y - 1, x0 + x + 1, y0 + y + 1)

    files = {
        "villages": save("v", gpd.GeoDataFrame({"name": ["图纸村"]}, geometry=[
            box(x0 - 50, y0 - 50, x0 + 250, y0 + 350)])),
        "roads": save("r", gpd.GeoDataFrame({"class": ["村道", "巷道"]}, geometry=[
            LineString([(x0, y0), (x0 + 200, y0)]),
            LineString([(x0 + 100, y0), (x0 + 100, y0 + 120)])])),
        "garbage": save("g", gpd.GeoDataFrame({"class": ["垃圾桶"]},
                                              geometry=[shapely.Point(x0 + 10, y0 + 5)])),
        # by the side street; by the main road; 180 m past the side street's end
        "buildings": save("b", gpd.GeoDataFrame({"class": ["住宅"] * 3, "households": [2, 1, 4]},
                                                geometry=[at(103, 20), at(150, 4),
                                                          at(103, 300)])),
    }
    for layer, path in files.items():
        load_file(engine, path, layer, "cad")

    def served(*extra: str) -> dict[str, Any]:
        out = run_vgis("coverage", "garbage", "--village", "图纸村", "--area", "cad",
                       "--distance", "network", "--radius", "150", *extra, "--json")
        return dict(json.loads(out.stdout))

    plain = served()
    assert (plain["served_households"], plain["unreachable_households"]) == (1, 4)
    assert (plain["join"], plain["search_m"]) == ("vertices", 100.0)
    noded = served("--join", "crossings")
    assert (noded["served_households"], noded["unreachable_households"]) == (3, 4)
    assert served("--search-tolerance", "200")["unreachable_households"] == 0
    bad = run_vgis("coverage", "garbage", "--village", "图纸村", "--area", "cad", "--join",
                   "crossings", check=False)
    assert bad.returncode == 2
    assert "network" in bad.stderr

    from api.app import create_app

    with TestClient(create_app()) as client:
        village = next(v for v in client.get("/villages", params={"area": "cad"}).json()
                       if v["name"] == "图纸村")
        url = f"/villages/{village['id']}/coverage/garbage"
        got = client.get(url, params={"distance": "network", "radius": 150,
                                      "join": "crossings"}).json()
        assert (got["served_households"], got["join"]) == (3, "crossings")
        assert client.get(url, params={"join": "sideways"}).status_code == 422
        assert client.get(url, params={"join": "crossings"}).status_code in (400, 422)
