"""An area with no village and no building yet still draws its overview map.

The roads are an OSM-derived GeoPackage built here from the bundled lauf extract
(GDAL's OSM driver via pyogrio, OSM's own columns only), loaded with ``vgis load file``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from testkit.browser import chromium, open_map, serve_directory
from tests.conftest import DATA, run_vgis

PBF = DATA / "osm" / "lauf-200115.osm.pbf"
AREA = "roads-only"


@pytest.fixture(scope="module")
def roads_only(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("roads-only")
    lines = pyogrio.read_dataframe(PBF, layer="lines")
    rails = lines[lines["railway"].notna()][["osm_id", "name", "railway", "geometry"]]
    roads = lines[lines["highway"].notna()][["osm_id", "name", "highway", "geometry"]]
    said = {}
    for name, frame in (("roads", roads), ("railways", rails)):
        gpd.GeoDataFrame(frame, crs=4326).to_file(out / f"{name}.gpkg", driver="GPKG")
        said[name] = run_vgis("load", "file", str(out / f"{name}.gpkg"), "--layer", name,
                              "--area", AREA).stdout
    assert "no villages and no buildings yet" in said["roads"]
    return AREA


def test_analyses_say_there_is_no_village(roads_only: str) -> None:
    proc = run_vgis("coverage", "garbage", "--area", roads_only, check=False)
    assert proc.returncode == 2
    assert f"no village at all in area {roads_only!r}" in proc.stderr


def test_overview_map_draws_the_layers_there_are(roads_only: str, tmp_path: Path) -> None:
    with serve_directory(tmp_path) as base:
        for lang, words in (("zh", "尚无村庄"), ("en", "No villages yet")):
            out = tmp_path / f"overview-{lang}.html"
            run_vgis("map", "overview", "--area", roads_only, "--lang", lang, "-o", str(out))
            page = out.read_text(encoding="utf-8")
            assert words in page
            with chromium() as driver:
                report = open_map(driver, f"{base}/{out.name}", f"overview-no-villages-{lang}.png")
                text = driver.execute_script(
                    "return document.querySelector('.vgis-no-villages').innerText")
            assert report.errors == []
            assert report.foreign_requests() == []
            assert report.counts.get("roads", 0) > 0
            assert report.counts.get("railways", 0) > 0
            assert report.counts.get("villages", 0) == 0
            assert words in text


@pytest.fixture(scope="module")
def client(engine: Engine) -> Iterator[TestClient]:
    from api.app import create_app

    with TestClient(create_app()) as c:
        yield c


def test_overview_map_over_http(roads_only: str, client: TestClient) -> None:
    r = client.get("/maps/overview", params={"area": roads_only, "lang": "en"})
    assert r.status_code == 200, r.text
    assert "No villages yet" in r.text
    corridor = client.get("/analysis/corridor/map", params={"area": roads_only})
    assert corridor.status_code == 404  # a corridor needs villages
    assert "no village at all" in corridor.json()["detail"]
