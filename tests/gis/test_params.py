"""The parameters of the analyses: one default each, checked values, the faces' words."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from sqlalchemy import Engine

from gis.context import Context
from gis.params import (
    COVERAGE_KINDS,
    CorridorParams,
    CoverageOptions,
    DrainageParams,
    FacilityParams,
    HardeningParams,
    LightingParams,
    ServiceParams,
    VisibilityParams,
)
from gis.profile import village_profile
from gis.words import parse_line, parse_lonlat, split_list
from layers.errors import VgisError
from layers.io.loader import load_features
from layers.runtime.settings import get_settings
from maps.style import ramp_bins
from tests.conftest import run_vgis


def test_the_radius_means_each_kinds_reach() -> None:
    asked = CoverageOptions(radius_m=42.0, classes=("toilet",))
    got = {kind: CoverageOptions(radius_m=42.0).params(kind) for kind in COVERAGE_KINDS
           if kind != "facilities"} | {"facilities": asked.params("facilities")}
    reach = {"lights": "radius_m", "garbage": "radius_m", "facilities": "radius_m",
             "drainage": "offset_m", "roads": "reach_m"}
    kinds = {"lights": LightingParams, "garbage": ServiceParams, "facilities": FacilityParams,
             "drainage": DrainageParams, "roads": HardeningParams}
    for kind, params in got.items():
        assert type(params) is kinds[kind]
        assert params.as_dict()[reach[kind]] == 42.0
    # nothing given: each kind's own default
    plain = {k: CoverageOptions().params(k).as_dict()[reach[k]] for k in COVERAGE_KINDS
             if k != "facilities"}
    assert plain == {"lights": 15.0, "garbage": 70.0, "drainage": 10.0, "roads": 50.0}
    assert LightingParams().light_spacing_m == 30.0  # new lights at twice the reach


@pytest.mark.parametrize(("kind", "options", "needle"), [
    ("lights", CoverageOptions(radius_m=-1), "radius"),
    ("lights", CoverageOptions(radius_m=float("nan")), "radius"),
    ("lights", CoverageOptions(classes=("motorway",)), "unknown road class"),
    ("garbage", CoverageOptions(target_share=1.5), "target share"),
    ("garbage", CoverageOptions(classes=("toilet",)), "unknown garbage class"),
    ("facilities", CoverageOptions(), "say which classes"),
    ("drainage", CoverageOptions(radius_m=-3), "offset"),
    ("bins", CoverageOptions(), "unknown coverage kind"),
])
def test_bad_values_are_clear_errors(kind: str, options: CoverageOptions, needle: str) -> None:
    with pytest.raises(VgisError, match=needle):
        options.params(kind)


def test_facilities_have_their_own_parameters() -> None:
    with pytest.raises(VgisError, match="FacilityParams"):
        ServiceParams(layer="facilities", classes=("toilet",)).check()


def test_corridor_roads_from_the_faces_words() -> None:
    default = CorridorParams()
    assert default.with_roads(None).road_classes == ("expressway", "national", "provincial")
    assert default.with_roads("expressway, county").road_classes == ("expressway", "county")
    assert default.with_roads("none").road_classes == ()
    assert default.with_roads("").road_classes == ()  # given but empty: no roads, as before
    with pytest.raises(VgisError, match="choose road classes"):
        CorridorParams(railways=False).with_roads("none")
    with pytest.raises(VgisError, match="unknown road class"):
        default.with_roads("highway")


def test_visibility_values_are_checked() -> None:
    for bad in ({"spacing_m": 0.0}, {"max_distance_m": float("inf")}, {"road_height_m": -1.0},
                {"curvature": 2.0}):
        with pytest.raises(VgisError):
            VisibilityParams().updated(**bad)
    assert VisibilityParams().updated(spacing_m=None).spacing_m == 100.0  # None keeps


def test_planners_words() -> None:
    assert split_list(("toilet,clinic", " square ")) == ("toilet", "clinic", "square")
    assert split_list(None) == ()
    assert parse_lonlat(" 11.5, 50.0") == (11.5, 50.0)
    assert parse_line("11.5,50;11.6,50.1") == [(11.5, 50.0), (11.6, 50.1)]
    for bad in ("11.5", "x,y", "200,10", "nan,1"):
        with pytest.raises(VgisError):
            parse_lonlat(bad)
    with pytest.raises(VgisError, match="two points"):
        parse_line("11.5,50")


def test_share_classes_are_exact() -> None:
    values = np.array([0.0, 0.2, 0.6, 0.999, 1.0, np.nan])
    bins = ramp_bins(values, 1.0)
    which = [next((k for k, (pick, *_) in enumerate(bins) if pick[i]), None)
             for i in range(len(values))]
    assert which == [0, 1, 3, 4, 4, None]  # 60 % is in 60–80 %, on maps and sheets alike
    assert [(lo, hi) for _, lo, hi, _ in bins][2] == (0.4, 0.6)


def test_a_bad_setting_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VGIS_LIGHTS_RADIUS_M", "-5")
    get_settings.cache_clear()
    try:
        with pytest.raises(VgisError, match="VGIS_LIGHTS_RADIUS_M"):
            LightingParams.defaults()
        assert LightingParams.shown().radius_m == 15.0  # help texts still show a default
    finally:
        monkeypatch.delenv("VGIS_LIGHTS_RADIUS_M")
        get_settings.cache_clear()


def test_cli_words_and_settings_errors(samples: Engine) -> None:
    bad = run_vgis("map", "corridor", "--area", "north-bayreuth", "--distance", "network",
                   "-o", "x.html", check=False)
    assert bad.returncode == 2
    assert "half-width" in bad.stderr
    env = {**os.environ, "VGIS_GARBAGE_RADIUS_M": "far"}
    import subprocess
    import sys
    from pathlib import Path

    proc = subprocess.run([str(Path(sys.executable).with_name("vgis")), "coverage", "garbage",
                           "--village", "Kuhnhof", "--area", "lauf"], capture_output=True,
                          text=True, env=env, check=False)
    assert proc.returncode == 2
    assert "VGIS_GARBAGE_RADIUS_M" in proc.stderr
    assert "Traceback" not in proc.stderr
    keys = list(json.loads(run_vgis("coverage", "lights", "--village", "Kuhnhof", "--area",
                                    "lauf", "--json").stdout))
    assert keys[:6] == ["kind", "area", "village_id", "village", "radius_m", "classes"]


def test_profile_of_a_village_without_a_name(engine: Engine) -> None:
    square = [[[9.0, 49.0], [9.01, 49.0], [9.01, 49.01], [9.0, 49.01], [9.0, 49.0]]]
    load_features(engine, {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "X1"},
         "geometry": {"type": "Polygon", "coordinates": square}}]},
        "villages", "nameless", "nameless.geojson")
    ctx = Context.load(engine, "nameless")
    profile = village_profile(ctx)
    assert profile.village is None
    assert profile.code == "X1"
