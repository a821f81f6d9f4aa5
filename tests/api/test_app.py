"""The service on a real uvicorn on 127.0.0.1: maps in Chromium, concurrency, the ten layers."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from layers.schema import LAYERS
from layers.store import layer_counts
from testkit.browser import chromium, open_map
from testkit.server import uvicorn_server

KEY = "uvicorn-test-key"


@pytest.fixture(scope="module")
def server(samples: Engine) -> Iterator[str]:
    with uvicorn_server(extra_env={"VGIS_API_KEY": KEY}) as base:
        yield base


def test_health_and_collections(server: str) -> None:
    assert httpx.get(f"{server}/health").json() == {"status": "ok"}
    assert httpx.get(f"{server}/ready").status_code == 200
    body = httpx.get(f"{server}/collections").json()
    assert [c["id"] for c in body["collections"]] == list(LAYERS)
    roads = next(c for c in body["collections"] if c["id"] == "roads")
    west, _, east, _ = roads["extent"]["spatial"]["bbox"][0]
    assert west < 11.4  # Bavaria
    assert east > 24.9  # Helsinki
    assert "OpenStreetMap" in roads["attribution"]
    assert "/collections/{layer}/items" in httpx.get(f"{server}/openapi.json").text


def test_village_map_page_in_chromium(server: str) -> None:
    villages = httpx.get(f"{server}/villages", params={"area": "lauf"}).json()
    vid = next(v["id"] for v in villages if v["name"] == "Kuhnhof")
    with chromium() as driver:
        report = open_map(driver, f"{server}/villages/{vid}/map?view=lights",
                          "service-village-map.png")
        assert report.errors == []
        assert report.foreign_requests() == []
        assert any(r.endswith("/static/leaflet.js") for r in report.requests)
        for layer in ("roads", "buildings", "unlit_gaps", "hillshade"):
            assert report.counts.get(layer, 0) > 0, report.counts
        driver.get(f"{server}/maps")
        assert "Kuhnhof" in driver.page_source
        driver.get(f"{server}/")  # a browser is led to the workspace
        assert driver.current_url.endswith("/workspace")


def test_fifty_clients_mixed_reads_and_writes(server: str, samples: Engine) -> None:
    """50 concurrent clients for 20 s on loopback: no errors, no lost or doubled writes."""
    duration, clients = 20.0, 50
    stop_at = time.monotonic() + duration
    statuses: Counter[int] = Counter()
    written: list[int] = []
    lock = threading.Lock()
    before = layer_counts(samples, "load-test")["garbage"] if "load-test" in {
        v["area"] for v in httpx.get(f"{server}/villages").json()} else 0

    def client(n: int) -> None:
        with httpx.Client(base_url=server, timeout=30) as http:
            i = 0
            while time.monotonic() < stop_at and i < 2000:
                i += 1
                if (n + i) % 5 == 0:
                    body = {"type": "FeatureCollection", "features": [{
                        "type": "Feature",
                        "geometry": {"type": "Point", "coordinates": [114.0 + n * 1e-4, 30.0]},
                        "properties": {"class": "bin", "name": f"c{n}-{i}"}}]}
                    r = http.post("/collections/garbage/items", params={"area": "load-test"},
                                  json=body, headers={"X-API-Key": KEY})
                    if r.status_code == 201:
                        with lock:
                            written.append(1)
                else:
                    r = http.get("/collections/roads/items",
                                 params={"area": "lauf", "limit": 50, "offset": (i * 50) % 2000})
                with lock:
                    statuses[r.status_code] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=duration + 60)
    assert set(statuses) == {200, 201}, statuses
    assert sum(statuses.values()) > 500
    assert layer_counts(samples, "load-test")["garbage"] == before + len(written)
    names = httpx.get(f"{server}/collections/garbage/items",
                      params={"area": "load-test", "limit": 10000}).json()["features"]
    labels: Any = Counter(f["properties"]["name"] for f in names)
    assert max(labels.values()) == 1  # nothing written twice
