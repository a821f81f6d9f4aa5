"""Coverage, corridor and profile on real data: conformance figures, two engines, the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point, box
from sqlalchemy import Engine

from gis.context import Context
from gis.lighting import lighting_coverage
from gis.params import (
    GARBAGE_CLASSES,
    LIGHT_CLASSES,
    CorridorParams,
    DrainageParams,
    LightingParams,
    ServiceParams,
)
from gis.profile import village_profile
from gis.proximity import corridor
from gis.roads import drainage_coverage, road_hardening
from gis.service import household_coverage
from layers.errors import UnknownVillage
from layers.io.loader import load_file
from testkit.sql import households_sql, lighting_sql, nearest_sql
from tests.conftest import run_vgis

AREA = "conformance-lauf"


def test_conformance_lighting(engine: Engine, conformance: dict[str, Any]) -> None:
    results = lighting_coverage(Context.load(engine, AREA), LightingParams(include_planned=True))
    sql = lighting_sql(Context.load(engine, AREA), classes=LIGHT_CLASSES,
                       radius=LightingParams().radius_m)
    assert len(results) == 9
    for r in results:
        want = conformance["villages"][r.village]
        assert r.figures.road_length_m == pytest.approx(want["road_length_m"], rel=0.001)
        assert r.figures.lit_length_m == pytest.approx(want["lit_length_m"], rel=0.001)
        assert r.figures.lit_share == pytest.approx(want["lit_share"], abs=1e-4)
        assert r.with_planned is not None
        assert r.with_planned.lit_share == pytest.approx(want["lit_share_with_planned"],
                                                            abs=1e-4)
        # the SQL engine (64-segment circles) agrees within 0.01 %
        assert sql[r.village_id]["lit_length_m"] == pytest.approx(r.figures.lit_length_m,
                                                                  rel=1e-4)
    lauf = next(r for r in results if r.village == conformance["planned_village"])
    assert lauf.with_planned is not None
    assert (lauf.with_planned.lit_share or 0.0) > (lauf.figures.lit_share or 0.0) > 0


def test_conformance_garbage_and_railway(engine: Engine, conformance: dict[str, Any]) -> None:
    ctx = Context.load(engine, AREA)
    garbage = household_coverage(ctx, details=False)
    sql = households_sql(ctx, classes=GARBAGE_CLASSES, radius=ServiceParams().radius_m)
    rails = {r.village: r for r in corridor(ctx, CorridorParams())}
    for g in garbage:
        want = conformance["villages"][g.village]
        assert g.figures.households == want["households"]
        assert g.figures.served_households == want["served_households"]
        assert (g.figures.served_share or 0.0) == pytest.approx(want["served_share"], abs=1e-4)
        assert sql[g.village_id]["served_households"] == want["served_households"]
        assert rails[g.village].railway_distance_m == pytest.approx(
            want["railway_distance_m"], abs=0.5)


def test_handmade_village_end_to_end(engine: Engine, tmp_path: Path) -> None:
    """A 100 m road with lights at 10 m and 50 m, a bin and houses at known distances."""
    x0, y0 = 500_000.0, 3_376_000.0  # UTM 50N (EPSG:32650), central China

    def save(name: str, frame: gpd.GeoDataFrame) -> Path:
        path = tmp_path / f"{name}.gpkg"
        frame.set_crs(32650).to_file(path)
        return path

    files = {
        "villages": save("v", gpd.GeoDataFrame({"name": ["试点村"], "population": [12]},
                                               geometry=[box(x0 - 100, y0 - 100, x0 + 200,
                                                             y0 + 200)])),
        "roads": save("r", gpd.GeoDataFrame({"class": ["村道"], "surface": ["水泥"]},
                                            geometry=[LineString([(x0, y0), (x0 + 100, y0)])])),
        "lights": save("l", gpd.GeoDataFrame({"class": ["太阳能路灯"] * 2},
                                             geometry=[Point(x0 + 10, y0), Point(x0 + 50, y0)])),
        "garbage": save("g", gpd.GeoDataFrame({"class": ["垃圾桶"]}, geometry=[Point(x0, y0)])),
        "buildings": save("b", gpd.GeoDataFrame(
            {"class": ["住宅"] * 4, "households": [1, 2, 1, 3]},
            geometry=[box(x0 + d - 1, y0 - 1, x0 + d + 1, y0 + 1) for d in (30, 69, 71, 150)])),
    }
    for layer, path in files.items():
        load_file(engine, path, layer, "handmade")
    ctx = Context.load(engine, "handmade", "试点村")
    lights = lighting_coverage(ctx)[0].figures
    assert lights.road_length_m == pytest.approx(100.0)
    assert lights.lit_length_m == pytest.approx(55.0)
    assert lights.lit_share == pytest.approx(0.55)
    assert (lights.unlit_gaps, lights.proposed_lights) == (1, 2)  # 35 m; the 10 m gap
    garbage = household_coverage(ctx)[0].figures
    assert (garbage.households, garbage.served_households) == (7, 3)
    assert garbage.people_per_point == 12.0
    assert garbage.cleaners_needed == [1, 1]
    roads = road_hardening(ctx)[0].figures
    assert roads.hardened_share == 1.0
    # every house is within 50 m of the road, the one at 150 m by 49 m (its wall)
    assert roads.households_near_hardened_road == 7
    with pytest.raises(UnknownVillage):
        Context.load(engine, "handmade", "不存在村")


def test_helsinki_lighting_two_engines(samples: Engine) -> None:
    ctx = Context.load(samples, "helsinki")
    results = {r.village: r.figures for r in lighting_coverage(ctx, details=False)}
    assert sum(f.lights for f in results.values()) <= 586
    assert results["Kaisaniemi"].lit_share == pytest.approx(0.396966, abs=1e-4)
    assert results["Kluuvi"].lit_share == pytest.approx(0.209531, abs=1e-4)
    sql = lighting_sql(ctx, classes=LIGHT_CLASSES, radius=LightingParams().radius_m)
    for r in lighting_coverage(ctx, details=False):
        assert sql[r.village_id]["lit_share"] == pytest.approx(r.figures.lit_share, rel=0.005)


def test_lauf_garbage_two_engines_and_network(samples: Engine) -> None:
    ctx = Context.load(samples, "lauf")
    euclid = {g.village: g.figures for g in household_coverage(ctx, details=False)}
    assert euclid["Lauf an der Pegnitz"].served_households == 157
    assert euclid["Kuhnhof"].served_households == 78  # 39 of OSM's + 2 synthetic bins
    sql = households_sql(ctx, classes=GARBAGE_CLASSES, radius=ServiceParams().radius_m)
    for g in household_coverage(ctx, details=False):
        assert sql[g.village_id]["served_households"] == g.figures.served_households
    network = {g.village: g.figures for g in household_coverage(
        ctx, ServiceParams(distance="network"), details=False)}
    for name, fig in network.items():  # a path along roads is never shorter than a straight line
        assert fig.served_households <= euclid[name].served_households
    assert network["Lauf an der Pegnitz"].served_households > 0


def test_garbage_proposals_reach_target(samples: Engine) -> None:
    result = household_coverage(Context.load(samples, "lauf", "Kuhnhof"),
                                ServiceParams(target_share=0.9))[0]
    assert (result.figures.served_share_with_proposed or 0.0) >= 0.9
    assert len(result.layers["proposed_points"]) == (result.figures.proposed_points or 0) > 0
    assert result.layers["unserved_buildings"]["households"].sum() == \
        result.figures.unserved_households


def test_north_bayreuth_corridor_two_engines(samples: Engine) -> None:
    ctx = Context.load(samples, "north-bayreuth")
    rows = corridor(ctx, CorridorParams(road_classes=("expressway",)))
    inside = [r for r in rows if r.in_corridor]
    assert len(rows) == 70
    assert len(inside) == 30
    near = [r for r in rows if r.road_distance_m is not None and r.road_distance_m <= 500]
    assert len(near) == 17  # along the A9
    by_name = {r.village: r for r in rows}
    assert by_name["Harsdorf"].road_distance_m == 0.0
    assert by_name["Neudrossenfeld"].road_distance_m == pytest.approx(1605.44, abs=0.5)
    roads = nearest_sql(ctx, layer="roads", classes=["expressway"], window=30_000)
    rails = nearest_sql(ctx, layer="railways", classes=["rail", "high_speed"], window=30_000)
    for r in rows:
        assert roads[r.village_id] == pytest.approx(r.road_distance_m, abs=0.5)
        if rails[r.village_id] is not None:
            assert rails[r.village_id] == pytest.approx(r.railway_distance_m, abs=0.5)


def test_drainage_and_before_after(samples: Engine) -> None:
    for d in drainage_coverage(Context.load(samples, "lauf"),
                               DrainageParams(include_planned=True)):
        f = d.figures
        assert f.covered_length_m + f.open_length_m == pytest.approx(
            f.drainage_length_m, abs=0.02)
        assert 0 <= f.with_drainage_length_m <= f.main_road_length_m + 1e-6
        assert d.with_planned == f  # no planned channels in the sample


def test_profile(samples: Engine) -> None:
    p = village_profile(Context.load(samples, "lauf", "Kuhnhof")).model_dump(by_alias=True)
    assert (p["elevation_min_m"], p["elevation_max_m"]) == (349.0, 410.0)
    assert 0.5 < p["slope_mean_deg"] < 15  # a gently rolling Franconian village
    assert p["nearest_railway"]["distance_m"] == pytest.approx(764.69, abs=1.0)
    assert p["garbage_points"] == {"bin": 7, "recycling": 2}  # 2 bins synthetic
    assert p["standard_facilities_missing"][0] == "meeting_room"
    assert p["households"] == 525


def test_cli_faces_give_design_keys(samples: Engine, conformance: dict[str, Any]) -> None:
    lights = json.loads(run_vgis("coverage", "lights", "--village", "Kuhnhof", "--area", AREA,
                                 "--include-planned", "--json").stdout)
    assert {"road_length_m", "lit_length_m", "lit_share", "with_planned"} <= set(lights)
    garbage = json.loads(run_vgis("coverage", "garbage", "--village", "Wetzendorf", "--area",
                                  AREA, "--json", "--geojson").stdout)
    assert (garbage["households"], garbage["served_households"]) == (200, 10)
    assert garbage["layers"]["unserved_buildings"]["type"] == "FeatureCollection"
    assert "cleaners_needed" in garbage
    rows = json.loads(run_vgis("corridor", "--area", "north-bayreuth", "--json").stdout)
    assert all(r["in_corridor"] and r["distance_m"] <= 500 for r in rows)
    profile = json.loads(run_vgis("villages", "profile", "Kuhnhof", "--area", "lauf",
                                  "--json").stdout)
    assert profile["village"] == "Kuhnhof"
    toilets = json.loads(run_vgis("coverage", "facilities", "--class", "toilet", "--area",
                                  "helsinki", "--json").stdout)
    assert all(t["radius_m"] == 300 for t in toilets)
    assert not any("cleaners_needed" in t for t in toilets)  # garbage only
    missing = run_vgis("coverage", "lights", "--village", "Nowhere", check=False)
    assert missing.returncode == 2
    assert "no village named 'Nowhere'" in missing.stderr
