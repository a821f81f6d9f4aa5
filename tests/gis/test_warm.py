"""Warm areas (gis.warm) give exactly the cold path's frames and figures, and no stale ones."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine, text

from gis.context import Context
from gis.coverage import coverage
from gis.params import CoverageOptions
from gis.profile import village_profile
from gis.proximity import corridor
from gis.warm import WarmAreas
from layers.io.loader import load_file
from layers.schema import LAYERS
from layers.store import read_layer
from layers.versions import area_version
from tests.conftest import CONFORMANCE

KINDS: list[tuple[str, CoverageOptions]] = [
    ("lights", CoverageOptions()), ("lights", CoverageOptions(radius_m=25, min_gap_m=5)),
    ("garbage", CoverageOptions()), ("garbage", CoverageOptions(distance="network")),
    ("drainage", CoverageOptions()), ("roads", CoverageOptions()),
    ("facilities", CoverageOptions(classes=("toilet",))),
    ("lights", CoverageOptions(include_planned=True)),
]
BIG = 8 * 2**30


def _figures(ctx: Context, kind: str, options: CoverageOptions) -> list[dict[str, Any]]:
    return [c.as_dict(geometry=True) for c in coverage(ctx, options.params(kind), details=True)]


@pytest.mark.parametrize("area", ["conformance-lauf", "lauf", "north-bayreuth"])
def test_warm_selects_exactly_the_rows_of_the_store(samples: Engine, conformance: Any,
                                                   area: str) -> None:
    warm = WarmAreas(BIG).context(samples, area=area)
    cold = Context.load(samples, area)
    for layer in LAYERS:
        for margin in (0.0, 15.0, 1000.0):
            for statuses in (("existing",), ("existing", "planned")):
                got = warm.source.select(layer, cold.bbox(margin), statuses, ())  # type: ignore[union-attr]
                want = read_layer(samples, layer, area=area, bbox=cold.bbox(margin),
                                  statuses=statuses, attrs=False)
                assert got["id"].tolist() == want["id"].tolist(), (layer, margin)
                want = want.to_crs(cold.epsg)
                assert got.geometry.geom_equals_exact(want.geometry, 0).all()
                pd.testing.assert_frame_equal(got.drop(columns="geom"),
                                              want.drop(columns="geom"), check_dtype=False)


@pytest.mark.parametrize("area", ["conformance-lauf", "lauf", "north-bayreuth"])
@pytest.mark.parametrize(("kind", "options"), KINDS)
def test_warm_figures_equal_cold(samples: Engine, conformance: Any, area: str, kind: str,
                                 options: CoverageOptions) -> None:
    warm = WarmAreas(BIG)
    assert _figures(warm.context(samples, area=area), kind, options) == \
        _figures(Context.load(samples, area), kind, options)
    first = Context.load(samples, area).villages["id"].iloc[:3]
    for vid in first:  # a single village: the warm selection around it, not the area's
        assert _figures(warm.context(samples, village_id=int(vid)), kind, options) == \
            _figures(Context.load(samples, None, village_id=int(vid)), kind, options)


def test_warm_corridor_and_profile_equal_cold(samples: Engine) -> None:
    warm = WarmAreas(BIG)
    assert corridor(warm.context(samples, area="north-bayreuth")) == \
        corridor(Context.load(samples, "north-bayreuth"))
    vid = int(Context.load(samples, "lauf", "Kuhnhof").villages["id"].iloc[0])
    assert village_profile(warm.context(samples, village_id=vid)) == \
        village_profile(Context.load(samples, None, village_id=vid))


def _version(engine: Engine, area: str) -> int:
    return area_version(engine, area).version


def test_every_change_bumps_the_data_version_and_no_stale_answer_survives(
        samples: Engine) -> None:
    area = "warm-edits"
    for layer in ("villages", "roads", "lights", "buildings", "garbage"):
        load_file(samples, CONFORMANCE / f"{layer}.gpkg", layer, area)
    warm = WarmAreas(BIG)
    lights = CoverageOptions().params("lights")

    def same() -> list[dict[str, Any]]:
        got = [c.as_dict() for c in coverage(warm.context(samples, area=area), lights)]
        assert got == [c.as_dict() for c in coverage(Context.load(samples, area), lights)]
        return got

    before, v0 = same(), _version(samples, area)
    with samples.begin() as conn:  # an edit: move every light of one village 500 m north
        conn.execute(text("UPDATE lights SET geom = ST_Translate(geom, 0, 0.0045) "
                          "WHERE area = :a AND id IN (SELECT id FROM lights WHERE area = :a "
                          "ORDER BY id LIMIT 40)"), {"a": area})
    v1 = _version(samples, area)
    assert v1 > v0
    after_edit = same()
    assert after_edit != before
    with samples.begin() as conn:
        conn.execute(text("DELETE FROM lights WHERE area = :a AND id IN (SELECT id FROM lights "
                          "WHERE area = :a ORDER BY id LIMIT 10)"), {"a": area})
    v2 = _version(samples, area)
    assert v2 > v1
    assert same() != after_edit
    load_file(samples, CONFORMANCE / "lights.gpkg", "lights", area)  # delete + insert
    v3 = _version(samples, area)
    assert v3 > v2
    assert same() == before
    with samples.begin() as conn:  # another metric CRS: the projection follows
        conn.execute(text("UPDATE areas SET metric_epsg = 25832 WHERE name = :a"), {"a": area})
    v4 = _version(samples, area)
    assert v4 > v3
    assert warm.context(samples, area=area).epsg == 25832
    with samples.begin() as conn:  # an unrelated area's change leaves this one's version
        conn.execute(text("UPDATE lights SET name = 'x' WHERE area = 'lauf' AND FALSE"))
    assert _version(samples, area) == v4
    warm.context(samples, area=area)
    stats = warm.stats()
    assert stats.misses == 5
    assert stats.hits >= 1


def test_the_cache_stays_within_its_budget(samples: Engine, conformance: Any) -> None:
    sizes = {}
    for area in ("conformance-lauf", "lauf", "north-bayreuth"):
        probe = WarmAreas(BIG)
        probe.context(samples, area=area)
        sizes[area] = probe.stats().bytes
        assert sizes[area] > 0
    budget = sizes["lauf"] + sizes["conformance-lauf"] + 1
    warm = WarmAreas(budget)
    for area in ("lauf", "conformance-lauf", "north-bayreuth", "lauf"):
        warm.context(samples, area=area)
        assert warm.stats().bytes <= budget
    stats = warm.stats()
    assert stats.evictions >= 1
    assert stats.areas <= 2
    tiny = WarmAreas(1000)  # an area larger than the budget is served, never kept
    assert len(tiny.context(samples, area="lauf").villages) > 0
    assert tiny.stats().areas == 0
    assert tiny.stats().too_large == 1
