"""``GET /areas/{area}/check`` and its map through the real service (in process and uvicorn)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from gis.checks import area_context, check_area
from layers.io.loader import load_file
from layers.runtime.settings import get_settings
from testkit.server import uvicorn_server
from tests.conftest import run_vgis


@pytest.fixture(scope="module")
def client(samples: Engine) -> Iterator[TestClient]:
    get_settings.cache_clear()
    from api.app import create_app

    with TestClient(create_app()) as c:
        yield c


@pytest.mark.parametrize("area", ["north-bayreuth", "lauf", "helsinki"])
def test_check_route_answers_the_cli_json(client: TestClient, area: str) -> None:
    r = client.get(f"/areas/{area}/check")
    assert r.status_code == 200, r.text
    body = r.json()
    assert list(body) == ["area", "findings"]
    assert body == json.loads(run_vgis("check", "--area", area, "--json").stdout)
    assert body["area"] == area
    assert body["findings"]
    assert {"code", "count", "severity", "message_zh", "message_en", "layer", "feature_ids",
            "truncated", "locations", "figures"} == set(body["findings"][0])


def test_unknown_area_is_404(client: TestClient) -> None:
    for path in ("/areas/nowhere/check", "/areas/nowhere/check/map"):
        r = client.get(path)
        assert r.status_code == 404, path
        assert r.json()["error"] == "UnknownArea"
    assert client.get("/areas/" + "x" * 201 + "/check").status_code == 422


def test_check_map_page(client: TestClient) -> None:
    r = client.get("/areas/helsinki/check/map", params={"lang": "en"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "Content-Security-Policy" in r.headers
    assert '"check_lights_off_road_lights"' in r.text
    assert "Lights off the road" in r.text
    assert "/static/leaflet.js" in r.text
    assert 'src="http' not in r.text
    again = client.get("/areas/helsinki/check/map", params={"lang": "en"},
                       headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304
    assert "/areas/lauf/check/map" in client.get("/maps").text


def test_area_without_villages_is_checked(client: TestClient, samples: Engine,
                                          tmp_path: Path) -> None:
    """An area the service's memory does not keep (no village) is read from the store."""
    path = tmp_path / "lamps.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [116.4, 39.9]},
         "properties": {"class": "grid"}}]}), encoding="utf-8")
    load_file(samples, path, "lights", "checks-no-villages")
    r = client.get("/areas/checks-no-villages/check")
    assert r.status_code == 200, r.text
    assert [(f["code"], f["layer"]) for f in r.json()["findings"]] == [
        ("layer_empty", "roads"), ("layer_empty", "villages")]
    assert client.get("/areas/checks-no-villages/check/map").status_code == 200


def test_real_uvicorn(samples: Engine) -> None:
    want = json.loads(check_area(area_context(samples, "lauf")).model_dump_json())
    with uvicorn_server(workers=1) as base:
        r = httpx.get(f"{base}/areas/lauf/check", timeout=60)
        assert r.status_code == 200
        assert r.json() == want
        assert httpx.get(f"{base}/areas/nowhere/check", timeout=10).status_code == 404
