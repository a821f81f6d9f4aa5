"""The warm service on a real uvicorn with two workers: area-wide answers, no stale answer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text

from layers.io.loader import load_file
from testkit.server import uvicorn_server
from tests.conftest import CONFORMANCE, run_vgis

KEY = "warm-key"
AREA = "warm-http"


@pytest.fixture(scope="module")
def base(samples: Engine) -> Iterator[str]:
    for layer in ("villages", "roads", "lights", "buildings", "garbage"):
        load_file(samples, CONFORMANCE / f"{layer}.gpkg", layer, AREA)
    with uvicorn_server(workers=2, extra_env={"VGIS_API_KEY": KEY}) as url:
        yield url


def _get(base: str, path: str, **params: Any) -> Any:
    r = httpx.get(base + path, params=params, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize(("kind", "params"), [
    ("lights", {}), ("lights", {"radius": 25, "min_gap": 5}), ("garbage", {}),
    ("garbage", {"distance": "network", "radius": 100}), ("drainage", {}), ("roads", {}),
])
def test_area_answer_is_every_village_answer(base: str, kind: str,
                                             params: dict[str, Any]) -> None:
    every = _get(base, f"/analysis/coverage/{kind}", area="lauf", **params)
    villages = _get(base, "/villages", area="lauf")
    assert [a["village_id"] for a in every] == sorted(v["id"] for v in villages)
    for answer in every[:4]:  # the same fields as the per-village answer
        assert answer == _get(base, f"/villages/{answer['village_id']}/coverage/{kind}",
                              **params)
    flags = [f"--{k.replace('_', '-')}={v}" for k, v in params.items()]
    cli = json.loads(run_vgis("coverage", kind, "--area", "lauf", *flags, "--json").stdout)
    assert every == cli  # the cold path of the command line


def test_bad_area_requests(base: str) -> None:
    assert httpx.get(f"{base}/analysis/coverage/lights", params={"area": "nowhere"}).status_code \
        == 404
    assert httpx.get(f"{base}/analysis/coverage/light", params={"area": "lauf"}).status_code \
        == 422
    assert httpx.get(f"{base}/analysis/coverage/lights").status_code == 422


def test_no_stale_answer_after_an_edit_in_either_worker(base: str, samples: Engine) -> None:
    def shares() -> set[float]:  # enough calls that both workers answer
        return {a["lit_share"] for _ in range(8)
               for a in _get(base, "/analysis/coverage/lights", area=AREA)[:1]}

    before = shares()
    assert len(before) == 1
    first = _get(base, "/analysis/coverage/lights", area=AREA)[0]
    with samples.connect() as conn:
        row = conn.execute(text(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM villages "
            "WHERE id = :id) s"), {"id": first["village_id"]}).one()
    lon, lat = float(row[0]), float(row[1])
    cloud = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"working": True},
         "geometry": {"type": "Point", "coordinates": [lon + dx * 3e-4, lat + dy * 3e-4]}}
        for dx in range(-8, 9) for dy in range(-8, 9)]}
    r = httpx.post(f"{base}/collections/lights/items", params={"area": AREA}, json=cloud,
                   headers={"X-API-Key": KEY}, timeout=60)
    assert r.status_code == 201, r.text
    after = shares()
    assert len(after) == 1
    assert after != before
    assert after == {_get(base, f"/villages/{first['village_id']}/coverage/lights")["lit_share"]}
    r = httpx.post(f"{base}/areas/{AREA}/upload", params={"layer": "lights"},
                   headers={"X-API-Key": KEY}, timeout=60,
                   files={"file": ("lights.gpkg", (CONFORMANCE / "lights.gpkg").read_bytes())})
    assert r.status_code == 201, r.text
    assert shares() == after  # another source: the posted lights stay
    for _ in range(2):  # both workers now hold the area; a delete reaches them too
        httpx.delete(f"{base}/areas/{AREA}", headers={"X-API-Key": KEY}, timeout=60)
    assert httpx.get(f"{base}/analysis/coverage/lights", params={"area": AREA}).status_code \
        == 404
