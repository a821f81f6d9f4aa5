"""``vgis check`` on the bundled samples: plausible, non-trivial findings of real OSM data."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Engine, text

from gis.checks import CODES, area_context, check_area
from gis.findings import CheckParams
from gis.warm import WarmAreas
from layers.store import read_layer

SAMPLES = ("north-bayreuth", "lauf", "helsinki")


@pytest.mark.parametrize("area", SAMPLES)
def test_samples_checked(samples: Engine, area: str) -> None:
    started = time.perf_counter()
    report = check_area(area_context(samples, area))
    assert time.perf_counter() - started < 10
    assert report.area == area
    found = {(f.code, f.layer): f for f in report.findings}
    assert len(found) == len(report.findings)  # one finding per check and layer
    assert {c for c, _ in found} <= set(CODES)
    cap = CheckParams().max_ids
    with samples.connect() as conn:
        x0, y0, x1, y1 = (float(v) for v in conn.execute(text(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT "
            "ST_Extent(geom) e FROM roads WHERE area = :a) s"), {"a": area}).one())
    for f in report.findings:
        assert f.count >= 1
        assert f.severity in ("info", "warning", "error")
        assert len(f.feature_ids) <= cap
        assert len(f.locations) <= cap
        assert f.truncated == (len(f.feature_ids) == cap or len(f.locations) == cap)
        stored = set(read_layer(samples, f.layer, area=area, attrs=False)["id"])
        assert set(f.feature_ids) <= stored
        lon, lat = np.asarray(f.locations).T
        assert (lon > x0 - 0.01).all()
        assert (lon < x1 + 0.01).all()
        assert (lat > y0 - 0.01).all()
        assert (lat < y1 + 0.01).all()
    # OSM: a connected main network, crossings that are bridges, households assumed
    assert ("layer_empty", "roads") not in found
    parts = found[("roads_disconnected", "roads")]
    figures: dict[str, Any] = dict(parts.figures)
    assert parts.severity == "info"
    assert 2 <= parts.count <= 50
    assert figures["outside_share"] < 0.05
    assert figures["largest_m"][0] > 90_000  # metres of the main network
    cross = found[("roads_crossing_unnoded", "roads")]
    figures = dict(cross.figures)
    assert cross.severity == "info"
    assert figures["join_crossings"] == "keep_default"
    assert figures["bridge_pairs"] >= 0.9 * cross.count
    assert figures["osm_pairs"] == cross.count
    assumed = found[("households_assumed", "buildings")]
    assert assumed.figures["share"] == 1.0
    assert assumed.count == assumed.figures["recorded"]
    assert ("buildings_no_households", "buildings") not in found
    assert not [k for k in found if k[0] == "duplicates"]


def test_helsinki_lights_off_the_road(samples: Engine) -> None:
    report = check_area(area_context(samples, "helsinki"))
    lights = next(f for f in report.findings if f.code == "lights_off_road")
    assert 10 <= lights.count <= 60  # of 586 street lamps
    assert lights.figures["points"] == 586
    farthest: Any = lights.figures["farthest_m"]
    assert 30 < farthest < 200


@pytest.mark.parametrize("area", ["lauf", "north-bayreuth"])
def test_warm_and_cold_check_alike(samples: Engine, area: str) -> None:
    warm = WarmAreas(8 * 2**30).context(samples, area=area)
    assert check_area(area_context(samples, area, warm)) == check_area(
        area_context(samples, area))
