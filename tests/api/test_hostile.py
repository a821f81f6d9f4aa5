"""A hostile client against a real uvicorn: every class of abuse gets a 4xx or 503, costs
the server nothing before it shows its key, and loses or doubles nothing."""

from __future__ import annotations

import json
import socket
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import geopandas as gpd
import httpx
import pytest
from pyproj import CRS
from shapely.geometry import Point
from sqlalchemy import Engine, text

from layers.store import layer_counts
from testkit.browser import chromium
from testkit.server import rss_kib, uvicorn_process
from tests.conftest import run_vgis

KEY = "hostile-key"
AREA = "hostile"


@pytest.fixture(scope="module")
def server(samples: Engine) -> Iterator[tuple[str, int]]:
    with uvicorn_process(workers=1, extra_env={"VGIS_API_KEY": KEY}) as (base, proc):
        yield base, proc.pid


def _bins(n: int, name: str = "桶") -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"class": "垃圾桶", "name": name},
         "geometry": {"type": "Point", "coordinates": [11.28 + i * 1e-4, 49.51]}}
        for i in range(n)]}


def _geojson(tmp: Path, n: int = 5) -> Path:
    path = tmp / "bins.geojson"
    path.write_text(json.dumps(_bins(n)), encoding="utf-8")
    return path


def _raw(base: str, request: bytes, timeout: float = 5.0) -> bytes:
    """Send raw bytes; return what the server answers before (or instead of) reading more."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        sock.sendall(request)
        return sock.recv(65536)


# --- resource exhaustion before authentication ------------------------------------------

@pytest.mark.parametrize("path", ["/areas/x/upload?layer=garbage", "/areas/x/attributes",
                                  "/collections/garbage/items?area=x", "/areas/x"])
def test_keyless_write_is_refused_before_its_body(server: tuple[str, int], path: str) -> None:
    base, _ = server
    head = (f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Content-Length: 209715200\r\n\r\n").encode()
    answer = _raw(base, head)  # 200 MB announced, none sent: the answer comes at once
    assert answer.startswith(b"HTTP/1.1 401"), answer[:80]


def test_declared_oversize_is_refused_before_its_body(server: tuple[str, int]) -> None:
    base, _ = server
    head = ("POST /areas/x/upload?layer=garbage HTTP/1.1\r\nHost: x\r\n"
            f"X-API-Key: {KEY}\r\nContent-Length: 209715200\r\n\r\n").encode()
    assert _raw(base, head).startswith(b"HTTP/1.1 413")


def _chunks(total: int, size: int = 1 << 20) -> Iterator[bytes]:
    block = b"x" * size
    for _ in range(total // size):
        yield block


def test_keyless_chunked_200mb_costs_no_memory(server: tuple[str, int]) -> None:
    base, pid = server
    before = rss_kib(pid)
    for path in ("/areas/x/upload?layer=garbage", "/collections/garbage/items?area=x"):
        try:
            r = httpx.post(f"{base}{path}", content=_chunks(200 << 20), timeout=30)
            assert r.status_code == 401
        except httpx.TransportError:
            pass  # the server may close the connection after its 401
    grown = rss_kib(pid) - before
    print(f"\nserver RSS after two keyless chunked 200 MB bodies: {grown:+,} KiB")
    assert grown < 8 * 1024


def test_chunked_bodies_over_the_limit_stop_with_a_key(server: tuple[str, int]) -> None:
    base, pid = server
    before = rss_kib(pid)
    r = httpx.post(f"{base}/collections/garbage/items?area={AREA}", content=_chunks(40 << 20),
                   headers={"X-API-Key": KEY, "Content-Type": "application/json"}, timeout=60)
    assert r.status_code == 413  # 20 MB for a JSON body, chunked or not
    files = {"file": ("big.geojson", b"".join(_chunks(8 << 20)) * 14)}  # 112 MB
    r = httpx.post(f"{base}/areas/{AREA}/upload", params={"layer": "garbage"}, files=files,
                   headers={"X-API-Key": KEY}, timeout=120)
    assert r.status_code == 413
    print(f"server RSS after refusing 40 MB and 112 MB bodies: {rss_kib(pid) - before:+,} KiB")


# --- concurrent loads of one source -----------------------------------------------------

def test_concurrent_uploads_leave_one_copy(server: tuple[str, int], samples: Engine,
                                           tmp_path: Path) -> None:
    base, _ = server
    path = _geojson(tmp_path, 7)
    statuses: list[int] = []

    def upload() -> None:
        with path.open("rb") as fh:
            r = httpx.post(f"{base}/areas/{AREA}-race/upload", params={"layer": "garbage"},
                           files={"file": ("bins.geojson", fh)}, headers={"X-API-Key": KEY},
                           timeout=120)
        statuses.append(r.status_code)

    threads = [threading.Thread(target=upload) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with samples.connect() as conn:
        copies = conn.execute(text("SELECT count(*) FROM garbage WHERE area = :a"),
                              {"a": f"{AREA}-race"}).scalar_one()
    print(f"\n8 concurrent uploads of one 7-point source: statuses {sorted(statuses)}, "
          f"{copies} features stored")
    assert statuses == [201] * 8
    assert copies == 7


def test_concurrent_posts_with_one_source(server: tuple[str, int], samples: Engine) -> None:
    base, _ = server

    def post() -> None:
        httpx.post(f"{base}/collections/garbage/items",
                   params={"area": f"{AREA}-race2", "source": "survey-1"}, json=_bins(4),
                   headers={"X-API-Key": KEY}, timeout=60).raise_for_status()

    threads = [threading.Thread(target=post) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert layer_counts(samples, f"{AREA}-race2")["garbage"] == 4


# --- stored script in pages -------------------------------------------------------------

XSS = "<img src=x onerror=\"window.__xss=(window.__xss||0)+1\">"


def test_stored_script_never_runs(server: tuple[str, int], samples: Engine) -> None:
    base, _ = server
    r = httpx.post(f"{base}/collections/garbage/items", params={"area": f"{AREA}-xss"},
                   json=_bins(3, name=XSS), headers={"X-API-Key": KEY}, timeout=60)
    assert r.status_code == 201
    page = f"{base}/collections/garbage/items?f=html&area={AREA}-xss"
    html_page = httpx.get(page)
    assert "default-src 'self'" in html_page.headers["content-security-policy"]
    assert "script-src-attr 'none'" in html_page.headers["content-security-policy"]
    assert XSS not in html_page.text
    with chromium() as driver:
        driver.get(page)
        opened, shown = driver.execute_script("""
            var n = 0, texts = [];
            function visit(l) {
                if (l.eachLayer) { l.eachLayer(visit); return; }
                if (!l.getLatLng) { return; }
                l.fire('click', {latlng: l.getLatLng()}, true);  // as a planner's click
                var box = document.querySelector('.leaflet-popup-content');
                if (box) { n += 1; texts.push(box.innerText); }
            }
            Object.values(window).filter(function (v) { return v instanceof L.Map; })
                .forEach(function (m) { m.eachLayer(visit); });
            return [n, texts.join(' ')];""")
        assert opened >= 3
        assert driver.execute_script("return window.__xss || 0") == 0
    assert "<img" in shown or "onerror" in shown  # shown as the text it is


# --- bad input is a clear 4xx -----------------------------------------------------------

def _post(base: str, body: Any, area: str = AREA, **headers: str) -> httpx.Response:
    return httpx.post(f"{base}/collections/roads/items", params={"area": area},
                      content=body if isinstance(body, bytes) else json.dumps(body),
                      headers={"X-API-Key": KEY, "Content-Type": "application/json", **headers},
                      timeout=60)


def _line(coords: Any, kind: str = "LineString") -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"class": "村道"},
         "geometry": {"type": "LineString", "coordinates": [[11.28, 49.51], [11.29, 49.52]]}},
        {"type": "Feature", "properties": {"class": "村道"},
         "geometry": {"type": kind, "coordinates": coords}}]}


@pytest.mark.parametrize(("body", "needle"), [
    (_line([[11.28, 49.51]]), "two"),
    (_line([[11.28, 49.51], [11.28, 49.51]]), "two distinct points"),
    (_line([[0, 0], [1, 1]], kind="Circle"), "geometry type 'Circle'"),
    (_line([[11.28, 49.51], ["a", 49.52]]), "not a coordinate"),
    (_line([[11.28, 49.51], [True, 49.52]]), "not a coordinate"),
    (_line([[[11.28, 49.51], [11.3, 49.5], [11.28, 49.51]]], kind="Polygon"), "#1"),
    ({**_line([[11.28, 49.51], [11.3, 49.5]]),
      "crs": {"type": "name", "properties": {"name": "EPSG:4978"}}}, "geocentric"),
    ({**_line([[11.28, 49.51], [11.3, 49.5]]),
      "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}}},
     "post WGS84"),
])
def test_bad_geometries_name_the_feature(server: tuple[str, int], samples: Engine,
                                         body: Any, needle: str) -> None:
    base, _ = server
    before = layer_counts(samples, None)["roads"]
    r = _post(base, body)
    assert r.status_code == 422, r.text
    assert needle in r.text
    assert layer_counts(samples, None)["roads"] == before


def test_a_nan_vertex_inside_a_line(server: tuple[str, int]) -> None:
    base, _ = server
    raw = (b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":'
           b'{"class":"village"},"geometry":{"type":"LineString","coordinates":'
           b'[[11.28,49.51],[NaN,49.515],[11.29,49.52]]}}]}')
    r = _post(base, raw)
    assert r.status_code == 422
    assert "#0" in r.text
    assert "constraint" not in r.text


@pytest.mark.parametrize("key", ["中文钥匙".encode(), b"\xff\xfe", KEY.encode() + b"\x80"])
def test_odd_keys_are_simply_wrong(server: tuple[str, int], key: bytes) -> None:
    base, _ = server
    r = httpx.post(f"{base}/collections/roads/items", params={"area": AREA}, json=_bins(1),
                   headers=[(b"X-API-Key", key)])
    assert r.status_code == 401


@pytest.mark.parametrize(("crs", "needle"), [
    ("EPSG:4978", "geocentric"), ("EPSG:5703", "neither geographic nor projected"),
    ("IAU_2015:49900", "not a CRS of the Earth"), ("EPSG:4979", "3 axes"),
    ("EPSG:999999", "cannot understand"),
    ('LOCAL_CS["site",UNIT["metre",1]]', "neither geographic nor projected"),
])
def test_unusable_crs_is_refused(server: tuple[str, int], tmp_path: Path, crs: str,
                                 needle: str) -> None:
    base, _ = server
    path = _geojson(tmp_path)
    with path.open("rb") as fh:
        r = httpx.post(f"{base}/areas/{AREA}/upload", params={"layer": "garbage", "crs": crs},
                       files={"file": ("bins.geojson", fh)}, headers={"X-API-Key": KEY})
    assert r.status_code == 422, r.text
    assert needle in r.text


def _shapefile_zip(tmp: Path, crs: Any, points: list[Point], drop: tuple[str, ...] = ()
                   ) -> Path:
    folder = tmp / "shp"
    folder.mkdir(exist_ok=True)
    gpd.GeoDataFrame({"class": ["垃圾桶"] * len(points)}, geometry=points).to_file(
        folder / "bins.shp", encoding="UTF-8")
    (folder / "bins.prj").write_text(CRS.from_user_input(crs).to_wkt("WKT1_GDAL"))
    out = tmp / "bins.zip"
    with zipfile.ZipFile(out, "w") as zf:
        for f in folder.iterdir():
            if f.suffix.lower() not in drop:
                zf.write(f, f.name)
    return out


def _upload(base: str, path: Path, area: str = AREA, **params: str) -> httpx.Response:
    with path.open("rb") as fh:
        return httpx.post(f"{base}/areas/{area}/upload", params={"layer": "garbage", **params},
                          files={"file": (path.name, fh)}, headers={"X-API-Key": KEY},
                          timeout=60)


def test_wrong_data_is_not_accepted_silently(server: tuple[str, int], samples: Engine,
                                             tmp_path: Path) -> None:
    base, _ = server
    # a geocentric .prj: the points would land at the pole
    (tmp_path / "a").mkdir()
    geocentric = _shapefile_zip(tmp_path / "a", "EPSG:4978", [Point(4e6, 7e5)])
    r = _upload(base, geocentric)
    assert r.status_code == 422
    assert "geocentric" in r.text
    # an old-style GeoJSON crs member nobody knows is not WGS84
    odd = tmp_path / "odd.geojson"
    odd.write_text(json.dumps({**_bins(2), "crs": {"type": "name", "properties": {
        "name": "urn:ogc:def:crs:EPSG::123456"}}}), encoding="utf-8")
    r = _upload(base, odd)
    assert r.status_code == 422
    assert "crs member" in r.text
    # a zipped Shapefile without its .dbf loses every attribute: refused unless asked
    (tmp_path / "b").mkdir()
    no_dbf = _shapefile_zip(tmp_path / "b", "EPSG:4326", [Point(11.28, 49.51)], (".dbf",))
    r = _upload(base, no_dbf, area=f"{AREA}-nodbf")
    assert r.status_code == 422
    assert ".dbf" in r.text
    assert f"{AREA}-nodbf" not in _areas(samples)
    r = _upload(base, no_dbf, area=f"{AREA}-nodbf", drop_attributes="true")
    assert r.status_code == 422  # geometry only: the class cannot be told, and it says so
    assert "class" in r.text


def _areas(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return {str(r[0]) for r in conn.execute(text("SELECT name FROM areas"))}


def test_names_and_paths(server: tuple[str, int], tmp_path: Path) -> None:
    base, _ = server
    path = _geojson(tmp_path)
    r = _upload(base, path, area="a" * 201)
    assert r.status_code == 422
    r = httpx.post(f"{base}/collections/garbage/items", params={"area": "a" * 300},
                   json=_bins(1), headers={"X-API-Key": KEY})
    assert r.status_code == 422
    with path.open("rb") as fh:
        r = httpx.post(f"{base}/areas/{AREA}/upload", params={"layer": "garbage"},
                       files={"file": ("名" * 100 + ".geojson", fh)}, headers={"X-API-Key": KEY})
    assert r.status_code == 422
    assert "file name" in r.text
    broken = tmp_path / "broken.gpkg"
    broken.write_bytes(b"SQLite format 3\x00" + b"\x00" * 200)
    r = _upload(base, broken)
    assert r.status_code == 422
    assert "broken.gpkg" in r.text
    assert "/tmp" not in r.text
    assert "vgis-upload" not in r.text


# --- OGC API Features: unknown parameters -----------------------------------------------

@pytest.mark.parametrize("params", [{"colour": "red"}, {"datetime": "2020-01-01T00:00:00Z"},
                                    {"limit": "5", "sortby": "name"}])
def test_unknown_parameters_are_400(server: tuple[str, int], params: dict[str, str]) -> None:
    base, _ = server
    r = httpx.get(f"{base}/collections/roads/items", params=params)
    assert r.status_code == 400
    assert "InvalidParameter" in r.text


# --- deleting an area -------------------------------------------------------------------

def test_delete_an_area(server: tuple[str, int], samples: Engine, tmp_path: Path) -> None:
    base, _ = server
    assert _upload(base, _geojson(tmp_path, 3), area=f"{AREA}-wrong").status_code == 201
    assert httpx.delete(f"{base}/areas/{AREA}-wrong").status_code == 401
    r = httpx.delete(f"{base}/areas/{AREA}-wrong", headers={"X-API-Key": KEY})
    assert r.status_code == 200
    assert r.json()["deleted"]["garbage"] == 3
    assert f"{AREA}-wrong" not in _areas(samples)
    assert httpx.delete(f"{base}/areas/{AREA}-wrong", headers={"X-API-Key": KEY}
                        ).status_code == 404
    # and from the command line
    assert _upload(base, _geojson(tmp_path, 2), area=f"{AREA}-cli").status_code == 201
    out = json.loads(run_vgis("area", "delete", f"{AREA}-cli", "--json").stdout)
    assert out["deleted"]["garbage"] == 2
    assert run_vgis("area", "delete", "no-such-area", "--yes", check=False).returncode == 2


# --- the database down ------------------------------------------------------------------

def test_database_down_is_503(samples: Engine) -> None:
    from layers.runtime.cluster import free_port

    dead = f"postgresql+psycopg://vgis@127.0.0.1:{free_port()}/vgis"
    with uvicorn_process(workers=1, extra_env={"DATABASE_URL": dead, "VGIS_API_KEY": KEY}
                         ) as (base, _):
        statuses = {}
        for method, path in (("GET", "/ready"), ("GET", "/villages"), ("GET", "/collections"),
                             ("GET", "/collections/roads/items"), ("GET", "/villages/1"),
                             ("GET", "/analysis/corridor?area=lauf"),
                             ("POST", "/collections/garbage/items?area=x")):
            r = httpx.request(method, f"{base}{path}", json=_bins(1),
                              headers={"X-API-Key": KEY}, timeout=30)
            statuses[f"{method} {path}"] = r.status_code
            assert r.status_code == 503, (path, r.text)
            assert r.headers.get("retry-after") == "5"
            assert "database" in r.json()["detail"]
            assert "127.0.0.1" not in r.text
        print(f"\nwith the database down: {statuses}")
        assert httpx.get(f"{base}/health").status_code == 200
