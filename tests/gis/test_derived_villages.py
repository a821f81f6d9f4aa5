"""Villages derived from buildings on a real OSM-derived GeoPackage, end to end.

The GeoPackages are built here from the bundled lauf extract with GDAL's OSM driver
(pyogrio), keeping only OSM's own columns (``highway``, ``building``, ``amenity``,
``name``) and no place points, as a planner's export of roads, buildings and waste
points would come; none of them is in the repository. They load with ``vgis load
file`` and no ``--field`` into a fresh area, which has no village at all until the
buildings come.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from sqlalchemy import Engine

from layers.store import read_layer
from tests.conftest import CONFORMANCE, DATA, run_vgis

PBF = DATA / "osm" / "lauf-200115.osm.pbf"
AREA = "osm-settlements"
UTM = 32632
WASTE = ("waste_basket", "waste_disposal", "waste_transfer_station", "recycling")


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("osm-settle")
    lines = pyogrio.read_dataframe(PBF, layer="lines")
    areas = pyogrio.read_dataframe(PBF, layer="multipolygons", on_invalid="ignore")
    points = pyogrio.read_dataframe(PBF, layer="points")
    points["amenity"] = points["other_tags"].str.extract(r'"amenity"=>"([^"]*)"')[0]
    files = {
        "roads": lines[lines["highway"].notna()][["osm_id", "name", "highway", "geometry"]],
        "buildings": areas[areas["building"].notna() & areas.geometry.notna()][
            ["osm_id", "name", "building", "geometry"]],
        "garbage": points[points["amenity"].isin(WASTE)][["osm_id", "name", "amenity",
                                                          "geometry"]],
    }
    paths = {}
    for name, frame in files.items():
        paths[name] = out / f"{name}.gpkg"
        gpd.GeoDataFrame(frame, crs=4326).to_file(paths[name], driver="GPKG")
    return paths


def _load(path: Path, layer: str, area: str) -> dict[str, Any]:
    return dict(json.loads(run_vgis("load", "file", str(path), "--layer", layer, "--area",
                                    area, "--json").stdout))


@pytest.fixture(scope="module")
def loaded(engine: Engine, exported: dict[str, Path]) -> dict[str, dict[str, Any]]:
    reports = {"roads": _load(exported["roads"], "roads", AREA)}
    none = run_vgis("villages", "--area", AREA, "--json")
    assert json.loads(none.stdout) == []  # roads alone: no village yet
    reports["buildings"] = _load(exported["buildings"], "buildings", AREA)
    reports["garbage"] = _load(exported["garbage"], "garbage", AREA)
    return reports


def _clusters_by_discs(xy: np.ndarray) -> np.ndarray:
    """Single linkage at 100 m computed another way: the union of 50 m discs, its parts."""
    discs = shapely.buffer(shapely.points(xy), 50.0, quad_segs=32)
    parts = shapely.get_parts(shapely.union_all(discs))
    part, point = shapely.STRtree(parts).query(shapely.points(xy), predicate="within")[::-1]
    label = np.full(len(xy), -1)
    label[point] = part
    return label


def test_villages_are_derived_from_the_buildings(engine: Engine,
                                                 loaded: dict[str, dict[str, Any]]) -> None:
    note = next(n for n in loaded["buildings"]["notes"] if "territories derived" in n)
    assert "residential buildings" in note
    assert "outside any territory" in note
    villages = read_layer(engine, "villages", area=AREA).to_crs(UTM)
    assert len(villages) >= 3
    assert set(villages["boundary_source"]) == {"derived_buildings"}
    assert villages["name"].is_unique
    listed = json.loads(run_vgis("villages", "--area", AREA, "--json").stdout)
    assert {r["boundary_source"] for r in listed} == {"derived_buildings"}

    buildings = read_layer(engine, "buildings", area=AREA).to_crs(UTM)
    homes = buildings[buildings["class"] == "residential"]
    xy = shapely.get_coordinates(shapely.centroid(np.asarray(homes.geometry.values)))
    label = _clusters_by_discs(xy)
    sizes = np.bincount(label)
    big = np.flatnonzero(sizes >= 20)
    assert len(big) == len(villages)  # one territory per cluster of 20 or more
    shapes = np.asarray(villages.geometry.values)
    pts = shapely.points(xy)
    for k in big:
        members = pts[label == k]
        inside = [shapely.contains_properly(s, members).all() for s in shapes]
        assert sum(inside) == 1  # every clustered centroid inside one territory, its own
    counts = [int(shapely.contains_properly(s, pts).sum()) for s in shapes]
    assert min(counts) >= 20
    # territories never overlap (they may share an edge)
    left, right = shapely.STRtree(shapes).query(shapes, predicate="intersects")
    pairs = left < right
    overlap = shapely.area(shapely.intersection(shapes[left[pairs]], shapes[right[pairs]]))
    assert (overlap < 0.01).all()  # square metres: shared edges after the round trip


def test_coverage_and_maps_answer(loaded: dict[str, dict[str, Any]], tmp_path: Path) -> None:
    garbage = json.loads(run_vgis("coverage", "garbage", "--area", AREA, "--json").stdout)
    assert all(r["households"] > 0 for r in garbage)
    assert sum(r["served_households"] for r in garbage) > 0  # OSM's own waste baskets
    lights = json.loads(run_vgis("coverage", "lights", "--area", AREA, "--json").stdout)
    assert all(r["road_length_m"] > 0 for r in lights)
    name = max(garbage, key=lambda r: r["served_households"])["village"]
    out = tmp_path / "village.html"
    run_vgis("map", "village", name, "--area", AREA, "--view", "garbage", "-o", str(out))
    assert out.stat().st_size > 10_000
    overview = tmp_path / "overview.html"
    run_vgis("map", "overview", "--area", AREA, "-o", str(overview))
    assert "vgis-no-villages" not in overview.read_text(encoding="utf-8")
    profile = json.loads(run_vgis("villages", "profile", name, "--area", AREA,
                                  "--json").stdout)
    assert profile["boundary_source"] == "derived_buildings"


def test_real_boundaries_afterwards_replace_them(engine: Engine,
                                                 loaded: dict[str, dict[str, Any]]) -> None:
    report = _load(CONFORMANCE / "villages.gpkg", "villages", AREA)
    assert any("derived from buildings removed" in n for n in report["notes"])
    villages = read_layer(engine, "villages", area=AREA)
    assert len(villages) == 9
    assert "derived_buildings" not in set(villages["boundary_source"])
