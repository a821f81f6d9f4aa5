"""Every map type opened in headless Chromium from 127.0.0.1: drawn, offline, no errors."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from gis.context import Context
from gis.params import CoverageOptions, VisibilityParams
from maps.interactive import html_of
from maps.overviews import candidates_map, corridor_map, overview_map
from maps.views import village_map
from testkit.browser import chromium, open_map, serve_directory

pytestmark = pytest.mark.usefixtures("samples")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as driver:
        yield driver


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    folder = tmp_path_factory.mktemp("maps")
    with serve_directory(folder) as base:
        yield folder, base


def _check(report: Any, expect: list[str]) -> None:
    assert report.errors == []
    assert report.foreign_requests() == []
    for layer in expect:
        assert report.counts.get(layer, 0) > 0, (layer, report.counts)


def test_village_layout(samples: Engine, browser: Any, site: tuple[Path, str]) -> None:
    folder, base = site
    village_map(Context.load(samples, "lauf", "Kuhnhof")).save(str(folder / "layout.html"))
    report = open_map(browser, f"{base}/layout.html", "village-layout.png")
    _check(report, ["hillshade", "roads", "buildings", "garbage", "drainage", "villages"])
    assert browser.execute_script("return document.querySelectorAll('.vgis-button').length") == 2
    legend = browser.execute_script("return document.querySelector('.vgis-legend').innerText")
    assert "村道" in legend
    assert "建筑" in legend


def test_lights_view(engine: Engine, conformance: dict[str, Any], browser: Any,
                     site: tuple[Path, str]) -> None:
    folder, base = site
    ctx = Context.load(engine, "conformance-lauf", "Wetzendorf")
    village_map(ctx, view="lights").save(str(folder / "lights.html"))
    report = open_map(browser, f"{base}/lights.html", "lights-coverage.png")
    _check(report, ["roads", "lights", "light_reach", "unlit_gaps", "proposed_lights"])
    summary = browser.execute_script("return document.querySelector('.vgis-summary').innerText")
    assert "60.1%" in summary  # Wetzendorf's lit share (conformance 0.60134)


def test_garbage_view_in_english(samples: Engine, browser: Any, site: tuple[Path, str]) -> None:
    folder, base = site
    village_map(Context.load(samples, "lauf", "Kuhnhof"), view="garbage",
                lang="en").save(str(folder / "garbage.html"))
    report = open_map(browser, f"{base}/garbage.html", "garbage-coverage.png")
    _check(report, ["households", "service_area", "proposed_points", "garbage"])
    legend = browser.execute_script("return document.querySelector('.vgis-legend').innerText")
    assert "Unserved household" in legend


def test_corridor_and_overview(samples: Engine, browser: Any, site: tuple[Path, str]) -> None:
    folder, base = site
    corridor_map(Context.load(samples, "north-bayreuth"), visible=VisibilityParams(),
                 lang="en").save(str(folder / "corridor.html"))
    report = open_map(browser, f"{base}/corridor.html", "corridor.png")
    _check(report, ["corridor", "villages", "roads", "railways", "hillshade", "visible_area"])
    legend = browser.execute_script("return document.querySelector('.vgis-legend').innerText")
    assert "Visible from the lines ≤ 3000 m" in legend
    candidates_map(Context.load(samples, "north-bayreuth"), lang="en").save(
        str(folder / "candidates.html"))
    report = open_map(browser, f"{base}/candidates.html", "candidates.png")
    _check(report, ["villages", "candidates", "roads", "railways", "hillshade"])
    summary = browser.execute_script(
        "return document.querySelector('.vgis-summary').innerText")
    assert "Bremermühle" in summary
    assert "68.5" in summary
    overview_map(Context.load(samples, "helsinki")).save(str(folder / "overview.html"))
    report = open_map(browser, f"{base}/overview.html", "overview.png")
    _check(report, ["villages", "roads"])


def test_file_is_self_contained_and_compact(samples: Engine) -> None:
    page = html_of(village_map(Context.load(samples, "lauf", "Kuhnhof")))
    assert not re.findall(r"(?:src|href)=\"https?://", page)
    assert "jsdelivr" not in page
    assert "cdnjs" not in page
    assert "© OpenStreetMap contributors" in page
    served = html_of(village_map(Context.load(samples, "lauf", "Kuhnhof"), assets="served"))
    assert 'src="/static/leaflet.js"' in served
    assert len(served) < len(page)


def test_big_layers_become_point_clouds(samples: Engine, browser: Any, site: tuple[Path, str],
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    import maps.views

    monkeypatch.setattr(maps.views, "POINT_CLOUD_AT", 100)
    folder, base = site
    fmap = village_map(Context.load(samples, "lauf", "Lauf an der Pegnitz"))
    fmap.save(str(folder / "cloud.html"))
    report = open_map(browser, f"{base}/cloud.html", "point-cloud.png")
    _check(report, ["buildings"])
    assert report.counts["buildings"] > 2000


def test_popup_text_is_escaped(engine: Engine, tmp_path: Path) -> None:
    import geopandas as gpd
    from shapely.geometry import LineString, box

    from layers.io.loader import load_file

    hostile = "<img src=x onerror=alert(1)>"
    gpd.GeoDataFrame({"name": ["村"]}, geometry=[box(114, 30, 114.01, 30.01)],
                     crs=4326).to_file(tmp_path / "v.geojson")
    gpd.GeoDataFrame({"name": [hostile], "class": ["村道"]},
                     geometry=[LineString([(114.001, 30.001), (114.005, 30.005)])],
                     crs=4326).to_file(tmp_path / "r.geojson")
    load_file(engine, tmp_path / "v.geojson", "villages", "xss")
    load_file(engine, tmp_path / "r.geojson", "roads", "xss")
    page = html_of(village_map(Context.load(engine, "xss", "村"), view="lights",
                               options=CoverageOptions(radius_m=0)))
    assert hostile not in page
    assert "lt;img src=x onerror=alert(1)" in page  # escaped (folium writes & as \u0026)
