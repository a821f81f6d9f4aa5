"""Exact reach along lines: hand-computable cases and properties (hypothesis)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from gis.linear import complement, merge, reach
from gis.measure import within_euclidean
from gis.siting import greedy_max_coverage, lights_for_gaps, reach_within

ROAD = np.array([shapely.LineString([(0, 0), (100, 0)])])


def pts(*xy: tuple[float, float]) -> np.ndarray:
    return np.array([shapely.Point(x, y) for x, y in xy], dtype=object)


def lit(lines: np.ndarray, lights: np.ndarray, radius: float) -> float:
    return float(reach(lines, lights, radius).total_by_line(len(lines)).sum())


def test_straight_road_with_known_lights() -> None:
    # lights at 10 m and 50 m on the road, reach 15 m: [0, 25] ∪ [35, 65] = 55 m
    assert lit(ROAD, pts((10, 0), (50, 0)), 15) == pytest.approx(55.0, abs=1e-9)
    # 9 m off the road: half-chord √(15² − 9²) = 12 m
    assert lit(ROAD, pts((50, 9)), 15) == pytest.approx(24.0, abs=1e-9)
    # overlapping reaches count once; a light beyond the end lights only the road
    assert lit(ROAD, pts((40, 0), (50, 0), (105, 0)), 15) == pytest.approx(40 + 10, abs=1e-9)
    # a bend: both legs of an L lit around the corner light
    bend = np.array([shapely.LineString([(0, 0), (50, 0), (50, 50)])])
    assert lit(bend, pts((50, 0)), 10) == pytest.approx(20.0, abs=1e-9)


def test_exact_not_polygonised() -> None:
    # a chord through a circle: a 64-gon buffer would come out short by ~0.01 %
    radius, offset = 15.0, 7.0
    exact = 2 * math.sqrt(radius**2 - offset**2)
    assert lit(ROAD, pts((50, offset)), radius) == pytest.approx(exact, rel=1e-12)
    polygon = shapely.buffer(shapely.Point(50, offset), radius, quad_segs=8)
    assert shapely.length(shapely.intersection(ROAD[0], polygon)) < exact * 0.999


def test_gaps_and_new_lights_close_them() -> None:
    lights = pts((10, 0), (50, 0))
    covered = reach(ROAD, lights, 15)
    gaps = complement(covered, np.array([100.0]), min_length=5)
    assert list(zip(gaps.start, gaps.end, strict=True)) == [(25, 35), (65, 100)]
    new, _ = lights_for_gaps(ROAD, gaps, spacing=30)
    assert len(new) == 1 + 2  # 10 m gap: one light; 35 m gap: two
    assert lit(ROAD, np.r_[lights, new], 15) == pytest.approx(100.0)


def test_merge_sorts_and_unions() -> None:
    merged = merge(np.array([1, 0, 0, 0]), np.array([0.0, 20, 1, 5]), np.array([1.0, 30, 6, 8]))
    assert merged.line.tolist() == [0, 0, 1]
    assert merged.start.tolist() == [1, 20, 0]
    assert merged.end.tolist() == [8, 30, 1]


def test_households_at_known_distances_from_a_bin() -> None:
    homes = pts((50, 0), (0, 69.9), (-70, 0), (0, -70.1), (100, 100))
    assert within_euclidean(homes, pts((0, 0)), 70).tolist() == [True, True, True, False, False]


def test_greedy_siting_reaches_target() -> None:
    homes = pts((0, 0), (10, 0), (500, 0), (510, 0), (1000, 0))
    weight = np.array([1.0, 1, 1, 1, 1])
    chosen, covered = greedy_max_coverage(reach_within(homes, homes, 70), weight, need=4)
    assert len(chosen) == 2
    assert covered.sum() == 4


coords = st.floats(-200, 200, allow_nan=False)
lights_st = st.lists(st.tuples(coords, coords), min_size=0, max_size=12)
lines_st = st.lists(st.lists(st.tuples(coords, coords), min_size=2, max_size=5),
                    min_size=1, max_size=4)


def _lines(raw: list[list[tuple[float, float]]]) -> np.ndarray:
    return np.array([shapely.LineString(c) for c in raw], dtype=object)


@settings(max_examples=150, deadline=None)
@given(lines_st, lights_st, coords, coords, st.floats(0, 60))
def test_adding_a_light_never_lowers_coverage(raw_lines: list[list[tuple[float, float]]],
                                             raw_lights: list[tuple[float, float]],
                                             x: float, y: float, radius: float) -> None:
    lines = _lines(raw_lines)
    before = lit(lines, pts(*raw_lights), radius)
    after = lit(lines, pts(*raw_lights, (x, y)), radius)
    total = float(shapely.length(lines).sum())
    assert after >= before - 1e-9
    assert -1e-9 <= before <= total + 1e-6


@settings(max_examples=100, deadline=None)
@given(lines_st, lights_st, st.randoms(use_true_random=False))
def test_independent_of_feature_order(raw_lines: list[list[tuple[float, float]]],
                                      raw_lights: list[tuple[float, float]],
                                      rnd: object) -> None:
    lines, lights = _lines(raw_lines), pts(*raw_lights)
    order_l = np.random.default_rng(len(raw_lights)).permutation(len(lights))
    order_r = np.random.default_rng(len(raw_lines)).permutation(len(lines))
    assert lit(lines[order_r], lights[order_l], 15) == pytest.approx(lit(lines, lights, 15),
                                                                     abs=1e-7)
    assert lit(lines, lights, 0) == 0


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(coords, coords), min_size=1, max_size=15), lights_st, coords, coords,
       st.floats(0, 150))
def test_adding_a_bin_never_lowers_served(homes: list[tuple[float, float]],
                                          bins: list[tuple[float, float]], x: float, y: float,
                                          radius: float) -> None:
    before = within_euclidean(pts(*homes), pts(*bins), radius)
    after = within_euclidean(pts(*homes), pts(*bins, (x, y)), radius)
    assert (after >= before).all()
