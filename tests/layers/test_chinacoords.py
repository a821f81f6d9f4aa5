"""GCJ-02 / BD-09 corrections against published coordinate pairs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from layers.io.chinacoords import (
    bd09_to_gcj02,
    from_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    to_wgs84,
    wgs84_to_gcj02,
)

# Published pairs (the widely used coordtransform test values, Tiananmen, Beijing)
BEIJING = (116.404, 39.915)


def test_published_pairs() -> None:
    assert wgs84_to_gcj02(*BEIJING) == pytest.approx((116.41024449916938, 39.91640428150164),
                                                      abs=1e-12)
    assert bd09_to_gcj02(*BEIJING) == pytest.approx((116.39762729119315, 39.90865673957631),
                                                    abs=1e-12)
    assert gcj02_to_bd09(*BEIJING) == pytest.approx((116.41036949371029, 39.92133699351021),
                                                    abs=1e-12)
    # (lat 40, lon 116) → GCJ-02 (40.001213650174, 116.006141221789) in another published
    # test, whose constants differ in the last digits: agreement to 1e-6° (0.1 m)
    assert wgs84_to_gcj02(116.0, 40.0) == pytest.approx((116.006141221789, 40.001213650174),
                                                        abs=1e-6)


def test_offset_is_hundreds_of_metres_and_undone() -> None:
    g_lon, g_lat = wgs84_to_gcj02(*BEIJING)
    shift_m = np.hypot((g_lon - BEIJING[0]) * 85_000, (g_lat - BEIJING[1]) * 111_000)
    assert 300 < shift_m < 800
    assert to_wgs84(g_lon, g_lat, "gcj02") == pytest.approx(BEIJING, abs=1e-9)
    b_lon, b_lat = from_wgs84(*BEIJING, "bd09")
    assert to_wgs84(b_lon, b_lat, "bd09") == pytest.approx(BEIJING, abs=1e-8)


def test_outside_china_unchanged() -> None:
    assert wgs84_to_gcj02(11.5, 49.9) == pytest.approx((11.5, 49.9), abs=0)
    assert gcj02_to_wgs84(11.5, 49.9) == pytest.approx((11.5, 49.9), abs=0)


@given(st.floats(73.5, 134.7), st.floats(18.2, 53.5))
def test_round_trip_everywhere_in_china(lon: float, lat: float) -> None:
    w_lon, w_lat = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert abs(w_lon - lon) < 1e-8
    assert abs(w_lat - lat) < 1e-8
