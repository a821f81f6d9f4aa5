"""Credits follow the data: the line printed names only the sources an area's data comes from."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from gis.context import Context
from layers.credits import sources_in_use
from layers.errors import VgisError
from layers.io.loader import load_file
from layers.runtime.settings import get_settings
from maps.credits import credit_line
from maps.figure import render_figure
from maps.views import village_map
from tests.conftest import CONFORMANCE, run_vgis

OWN = "credits-own"


@pytest.fixture(scope="module")
def own(samples: Engine, conformance: dict[str, object]) -> Engine:
    """The conformance villages, roads and lights loaded as the office's own files."""
    for layer in ("villages", "roads", "lights"):
        load_file(samples, CONFORMANCE / f"{layer}.gpkg", layer, OWN)
    return samples


@pytest.fixture
def organisation() -> Iterator[None]:
    os.environ["VGIS_ORGANISATION"] = "示范县规划院"
    get_settings.cache_clear()
    yield
    del os.environ["VGIS_ORGANISATION"]
    get_settings.cache_clear()


def test_sources_in_use_by_origin(own: Engine) -> None:
    lauf = {s.source: s.origin for s in sources_in_use(own, "lauf")}
    assert lauf["lauf-200115.osm.pbf"] == "osm"
    assert lauf["lauf_srtm3.tif"] == "srtm"
    assert lauf["lauf-lights.gpkg"] == "own"
    assert {s.origin for s in sources_in_use(own, "helsinki")} == {"osm"}
    # files made from OSM and loaded with its credit count as OSM
    assert {s.origin for s in sources_in_use(own, "conformance-lauf")} == {"osm"}
    assert {s.origin for s in sources_in_use(own, OWN)} == {"own"}
    assert sources_in_use(own, "nowhere") == []


def test_credit_lines(own: Engine) -> None:
    en = credit_line(own, "lauf", "en")
    assert en.startswith("Map data © OpenStreetMap contributors (ODbL 1.0); elevation: NASA/USGS")
    assert en.endswith("the planner's own data")
    helsinki = credit_line(own, "helsinki", "zh")
    assert helsinki == "地图数据 © OpenStreetMap contributors (ODbL 1.0)"  # no terrain there
    assert credit_line(own, OWN, "zh") == "规划单位自有数据"


def test_named_office_and_declared_credit(own: Engine, organisation: None,
                                          tmp_path: Path) -> None:
    assert credit_line(own, OWN, "zh") == "示范县规划院数据"
    assert credit_line(own, OWN, "en") == "data: 示范县规划院"
    run_vgis("load", "file", str(CONFORMANCE / "garbage.gpkg"), "--layer", "garbage",
             "--area", OWN, "--credit", "环卫所 2026 普查")
    assert credit_line(own, OWN, "zh") == "示范县规划院数据；环卫所 2026 普查"
    with pytest.raises(VgisError, match="printable"):
        load_file(own, CONFORMANCE / "garbage.gpkg", "garbage", OWN, credit="a\x00b")


def test_maps_and_sheets_print_the_area_credit(own: Engine, tmp_path: Path) -> None:
    ctx = Context.load(own, OWN, "Kuhnhof")
    page = village_map(ctx, view="layout").get_root().render()
    credit = page.split("attributionControl.addAttribution(")[1][:200]
    assert "规划单位自有数据" in credit
    assert "OpenStreetMap" not in credit
    out = render_figure(ctx, tmp_path / "k.pdf", view="layout", lang="en")
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "the planner's own data" in text
    assert "OpenStreetMap" not in text
    assert "SRTM" not in text
    osm = render_figure(Context.load(own, "helsinki", "Kaartinkaupunki"), tmp_path / "h.pdf",
                        view="layout", lang="en")
    text = subprocess.run(["pdftotext", str(osm), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "OpenStreetMap" in text
    assert "SRTM" not in text
