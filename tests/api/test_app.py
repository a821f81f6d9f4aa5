"""The service on a real uvicorn on 127.0.0.1: health and the ten collections."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import Engine

from layers.cluster import free_port
from layers.schema import LAYERS


@pytest.fixture(scope="module")
def server(samples: Engine) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.app:app", "--host", "127.0.0.1",
         "--port", str(port)], env=os.environ.copy(),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise AssertionError("uvicorn did not start")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_health_and_ready(server: str) -> None:
    assert httpx.get(f"{server}/health").json() == {"status": "ok"}
    assert httpx.get(f"{server}/ready").status_code == 200


def test_collections_lists_the_ten_layers(server: str) -> None:
    body = httpx.get(f"{server}/collections").json()
    ids = [c["id"] for c in body["collections"]]
    assert ids == list(LAYERS)
    roads = next(c for c in body["collections"] if c["id"] == "roads")
    west, _, east, _ = roads["extent"]["spatial"]["bbox"][0]
    assert west < 11.4  # Bavaria
    assert east > 24.9  # Helsinki
    assert "OpenStreetMap" in roads["attribution"]
