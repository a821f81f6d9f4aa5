"""Every default decided once: a ``VGIS_…`` setting moves the CLI, the service, maps and sheets.

Each setting is tried through each face: ``vgis`` in a subprocess with the variable set,
a real uvicorn started with it, and a map and a print sheet drawn in a process whose
settings carry it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from gis.context import Context
from gis.params import CorridorParams, CoverageOptions, LightingParams, ServiceParams
from layers.runtime.settings import get_settings
from maps.figure import render_figure
from maps.interactive import html_of
from maps.views import village_map
from testkit.server import uvicorn_server
from tests.conftest import run_vgis

SETTINGS = {"VGIS_LIGHTS_RADIUS_M": "20", "VGIS_GARBAGE_RADIUS_M": "90",
            "VGIS_CORRIDOR_DISTANCE_M": "800"}


@pytest.fixture
def with_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process's settings carry :data:`SETTINGS` (read afresh), then forget them."""
    for key, value in SETTINGS.items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    yield
    for key in SETTINGS:
        monkeypatch.delenv(key)
    get_settings.cache_clear()


def _vgis(*args: str) -> Any:
    env = {**os.environ, **SETTINGS}
    exe = Path(sys.executable).with_name("vgis")
    proc = subprocess.run([str(exe), *args], capture_output=True, text=True, env=env,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _in_corridor(rows: list[dict[str, Any]], distance: float) -> None:
    """Rows say in_corridor exactly when the village lies within ``distance`` metres."""
    assert rows
    for r in rows:
        assert r["in_corridor"] == (r["distance_m"] is not None and r["distance_m"] <= distance)


def test_defaults_without_settings() -> None:
    assert LightingParams.defaults().radius_m == 15.0
    assert ServiceParams.defaults().radius_m == 70.0
    assert CorridorParams.defaults().distance_m == 500.0


def test_settings_seed_the_defaults(with_settings: None) -> None:
    assert LightingParams.defaults().radius_m == 20.0
    assert ServiceParams.defaults().radius_m == 90.0
    assert CorridorParams.defaults().distance_m == 800.0
    assert CoverageOptions().params("lights").as_dict()["radius_m"] == 20.0
    # a planner's own value still wins, and a class the setting does not touch keeps its own
    assert CoverageOptions(radius_m=5).params("lights").as_dict()["radius_m"] == 5.0
    toilets = CoverageOptions(classes=("toilet",)).params("facilities")
    assert toilets.as_dict()["radius_m"] == 300.0


def test_cli_follows_the_settings(samples: Engine) -> None:
    lights = _vgis("coverage", "lights", "--village", "Kuhnhof", "--area", "lauf", "--json")
    assert lights["radius_m"] == 20
    assert lights["spacing_m"] == 40  # new lights at twice the reach
    garbage = _vgis("coverage", "garbage", "--village", "Kuhnhof", "--area", "lauf", "--json")
    assert garbage["radius_m"] == 90
    rows = _vgis("corridor", "--area", "north-bayreuth", "--all", "--json")
    _in_corridor(rows, 800.0)
    assert sum(r["in_corridor"] for r in rows) > 30  # 30 villages lie within 500 m
    plain = json.loads(run_vgis("coverage", "lights", "--village", "Kuhnhof", "--area", "lauf",
                                "--json").stdout)
    assert plain["radius_m"] == 15  # without the setting, the analysis' own default
    assert "20" in subprocess.run(
        [str(Path(sys.executable).with_name("vgis")), "coverage", "--help"],
        capture_output=True, text=True, env={**os.environ, **SETTINGS}, check=True).stdout


def test_service_follows_the_settings(samples: Engine) -> None:
    with uvicorn_server(workers=1, extra_env=SETTINGS) as base:
        villages = httpx.get(f"{base}/villages", params={"area": "lauf"}).json()
        vid = next(v["id"] for v in villages if v["name"] == "Kuhnhof")
        lights = httpx.get(f"{base}/villages/{vid}/coverage/lights").json()
        assert lights["radius_m"] == 20
        garbage = httpx.get(f"{base}/villages/{vid}/coverage/garbage").json()
        assert garbage["radius_m"] == 90
        asked = httpx.get(f"{base}/villages/{vid}/coverage/lights", params={"radius": 12}).json()
        assert asked["radius_m"] == 12
        rows = httpx.get(f"{base}/analysis/corridor",
                         params={"area": "north-bayreuth", "all_villages": "true"}).json()
        _in_corridor(rows, 800.0)
        docs = httpx.get(f"{base}/openapi.json").text
        assert "lights 20, garbage 90" in docs  # the descriptions show the defaults in force


def test_maps_and_sheets_follow_the_settings(samples: Engine, with_settings: None,
                                             tmp_path: Path) -> None:
    ctx = Context.load(samples, "lauf", "Kuhnhof")
    lights = html_of(village_map(ctx, view="lights", lang="en"))
    assert "Light reach 20 m" in lights
    garbage = html_of(village_map(ctx, view="garbage", lang="en"))
    assert "Service radius 90 m" in garbage
    sheet = render_figure(ctx, tmp_path / "garbage.pdf", view="garbage", lang="en", dpi=72)
    text = subprocess.run(["pdftotext", str(sheet), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "Service radius 90 m" in text


def test_map_and_sheet_agree_on_a_radius(samples: Engine, tmp_path: Path) -> None:
    """``vgis figure`` takes the analysis options of ``vgis map`` and ``vgis coverage``."""
    help_text = run_vgis("figure", "village", "--help").stdout
    for option in ("--radius", "--class", "--distance", "--include-planned", "--min-gap",
                   "--target-share"):
        assert option in help_text, option
    want = json.loads(run_vgis("coverage", "lights", "--village", "Kuhnhof", "--area", "lauf",
                               "--radius", "25", "--json").stdout)["lit_share"]
    sheet = tmp_path / "lights.pdf"
    run_vgis("figure", "village", "Kuhnhof", "--area", "lauf", "--view", "lights",
             "--radius", "25", "--existing-only", "--lang", "en", "--dpi", "72",
             "-o", str(sheet))
    text = subprocess.run(["pdftotext", str(sheet), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert f"{want:.1%}" in text
    page = tmp_path / "lights.html"
    run_vgis("map", "village", "Kuhnhof", "--area", "lauf", "--view", "lights", "--radius", "25",
             "--existing-only", "--lang", "en", "-o", str(page))
    assert f"{want:.1%}" in page.read_text(encoding="utf-8")
    assert "Light reach 25 m" in page.read_text(encoding="utf-8")
