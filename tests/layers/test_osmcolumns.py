"""Files made from OSM load with no --field: OSM's own columns give the classes.

The GeoPackages are built here from the bundled lauf extract with GDAL's OSM driver
(pyogrio), keeping only OSM's columns, as a planner's export from QGIS would; none of
them is in the repository.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from sqlalchemy import Engine

from layers.io.files import import_file
from layers.io.loader import load_file
from layers.io.osm import TAG_TABLE, road_surface
from layers.store import read_layer
from tests.conftest import DATA

PBF = DATA / "osm" / "lauf-200115.osm.pbf"


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("osm-export")
    lines = pyogrio.read_dataframe(PBF, layer="lines")
    areas = pyogrio.read_dataframe(PBF, layer="multipolygons", on_invalid="ignore")
    roads = lines[lines["highway"].notna()][["osm_id", "name", "highway", "other_tags",
                                             "geometry"]]
    buildings = areas[areas["building"].notna() & areas.geometry.notna()][
        ["osm_id", "name", "building", "geometry"]]
    geofabrik = roads.rename(columns={"highway": "fclass"}).drop(columns="other_tags")
    geofabrik["fclass"] = geofabrik["fclass"].replace({"track": "track_grade2"})
    files = {"roads": roads, "buildings": buildings, "geofabrik": geofabrik}
    paths = {}
    for name, frame in files.items():
        paths[name] = out / f"{name}.gpkg"
        gpd.GeoDataFrame(frame, crs=4326).to_file(paths[name], driver="GPKG")
    return paths


def test_highway_gives_the_road_class(exported: dict[str, Path]) -> None:
    frame, report = import_file(exported["roads"], "roads")
    table = next(t for layer, key, t in TAG_TABLE if layer == "roads")
    source = pyogrio.read_dataframe(exported["roads"])
    expected = source["highway"].map(lambda v: table.get(v, "other"))
    assert list(frame["class"]) == list(expected)  # the .pbf importer's value map, exactly
    assert (frame["class"] == "other").mean() < 0.05
    assert any("'highway'" in note for note in report.notes)
    assert not any(note.startswith("warning") for note in report.notes)


def test_geofabrik_fclass_reads_the_same(exported: dict[str, Path]) -> None:
    osm, _ = import_file(exported["roads"], "roads")
    geofabrik, report = import_file(exported["geofabrik"], "roads")
    assert list(geofabrik["class"]) == list(osm["class"])
    assert any("'fclass'" in note for note in report.notes)


def test_buildings_count_households_and_load(exported: dict[str, Path],
                                             engine: Engine) -> None:
    report = load_file(engine, exported["buildings"], "buildings", "osm-export")
    assert any("'building'" in note for note in report.notes)
    loaded = read_layer(engine, "buildings", area="osm-export")
    assert (loaded["class"] == "residential").mean() > 0.9
    assert loaded["households"].sum() > 6000


def test_explicit_field_wins_and_unknown_columns_warn(exported: dict[str, Path],
                                                      tmp_path: Path) -> None:
    frame, report = import_file(exported["roads"], "roads", field_map={"class": "highway"})
    assert not any("OSM column" in note for note in report.notes)
    assert (frame["class"] == "other").mean() < 0.1  # the value maps know OSM's words too
    odd = gpd.read_file(exported["roads"]).rename(columns={"highway": "kind_of_way"})
    odd = odd.drop(columns="other_tags")
    path = tmp_path / "odd.gpkg"
    odd.to_file(path, driver="GPKG")
    _, report = import_file(path, "roads")
    warning = next(note for note in report.notes if note.startswith("warning"))
    assert "kind_of_way" in warning
    assert "--field class=COLUMN" in warning


def test_keys_in_gdal_other_tags(exported: dict[str, Path], tmp_path: Path) -> None:
    """GDAL's OSM driver keeps amenity (points) and surface (lines) in ``other_tags``."""
    points = pyogrio.read_dataframe(PBF, layer="points")
    tags = points["other_tags"].fillna("")
    waste = points[tags.str.contains('"amenity"=>"(?:waste_basket|recycling)"', regex=True)]
    assert "amenity" not in waste.columns
    path = tmp_path / "waste.gpkg"
    gpd.GeoDataFrame(waste, crs=4326).to_file(path, driver="GPKG")
    frame, report = import_file(path, "garbage")
    expected = waste["other_tags"].str.contains('"amenity"=>"waste_basket"').map(
        {True: "bin", False: "recycling"})
    assert list(frame["class"]) == list(expected)
    assert len(frame) == 41
    assert any("other_tags" in note for note in report.notes)
    roads, report = import_file(exported["roads"], "roads")
    source = pyogrio.read_dataframe(exported["roads"])
    surface = source["other_tags"].str.extract(r'"surface"=>"([^"]*)"', expand=False)
    expected = [road_surface({"surface": v}) if isinstance(v, str) else "unknown"
                for v in surface]
    assert list(roads["surface"]) == expected  # the .pbf importer's words, exactly
    assert (roads["surface"] != "unknown").sum() > 800
    assert any("'surface' read from" in note for note in report.notes)
