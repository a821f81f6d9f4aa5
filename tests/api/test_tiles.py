"""Vector tiles and lean served maps on a real uvicorn, drawn in headless Chromium."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, text

from layers.io.loader import load_file
from testkit.browser import chromium, open_map
from testkit.mvt import read_tile
from testkit.server import uvicorn_server
from tests.conftest import CONFORMANCE

KEY = "tiles-key"
AREA = "tiles-edit"


@pytest.fixture(scope="module")
def base(samples: Engine) -> Iterator[str]:
    for layer in ("villages", "roads", "lights", "buildings", "garbage"):
        load_file(samples, CONFORMANCE / f"{layer}.gpkg", layer, AREA)
    with uvicorn_server(workers=1, extra_env={"VGIS_API_KEY": KEY}) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as driver:
        yield driver


def _xyz(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2**z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return z, int((lon + 180) / 360 * n), int(y)


def _centre(engine: Engine, area: str, name: str | None = None) -> tuple[float, float]:
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT ST_X(p), ST_Y(p), id FROM (SELECT ST_PointOnSurface(geom) AS p, id "
            "FROM villages WHERE area = :a AND (CAST(:n AS text) IS NULL OR name = :n) "
            "ORDER BY id LIMIT 1) s"), {"a": area, "n": name}).one()
    return float(row[0]), float(row[1])


def _ids(engine: Engine, layer: str, area: str, tile: tuple[int, int, int], margin: float,
         statuses: tuple[str, ...] = ("existing", "planned")) -> set[int]:
    """Features meeting the tile grown by ``margin`` (of its width), by PostGIS."""
    z, x, y = tile
    with engine.connect() as conn:
        return {int(r[0]) for r in conn.execute(text(
            f"SELECT id FROM {layer} WHERE area = :a AND status = ANY(:s) AND ST_Intersects("
            "ST_Transform(geom, 3857), ST_TileEnvelope(:z, :x, :y, margin => :m))"),
            {"a": area, "s": list(statuses), "z": z, "x": x, "y": y, "m": margin})}


def _tile(base: str, layer: str, tile: tuple[int, int, int], **params: Any) -> httpx.Response:
    z, x, y = tile
    return httpx.get(f"{base}/tiles/{layer}/{z}/{x}/{y}.pbf", params=params, timeout=60)


@pytest.mark.parametrize(("area", "layer", "z"), [
    ("lauf", "buildings", 16), ("lauf", "roads", 14), (AREA, "lights", 15),
    ("lauf", "villages", 12)])
def test_a_tile_holds_the_features_of_its_square(base: str, samples: Engine, area: str,
                                                 layer: str, z: int) -> None:
    tile = _xyz(*_centre(samples, area, "Kuhnhof" if area == "lauf" else None), z)
    r = _tile(base, layer, tile, area=area)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    assert r.headers["content-encoding"] == "gzip"
    got = read_tile(r.content)[layer]
    ids = [int(f.properties["id"]) for f in got.features]
    assert len(ids) == len(set(ids)) > 0
    inside = _ids(samples, layer, area, tile, 0.0)
    outer = _ids(samples, layer, area, tile, 64 / 4096 + 1e-6)
    assert set(ids) <= outer
    assert len(inside - set(ids)) <= 0.01 * len(inside)  # only specks below a grid cell
    if layer == "buildings":
        keys = set().union(*(f.properties for f in got.features))  # nulls are left out
        assert {"id", "class", "households", "status", "name"} <= keys


def test_filters_and_the_http_rules(base: str, samples: Engine) -> None:
    tile = _xyz(*_centre(samples, "lauf", "Kuhnhof"), 14)
    raw = httpx.get(f"{base}/tiles/roads/{tile[0]}/{tile[1]}/{tile[2]}.pbf",
                    params={"area": "lauf"}, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in raw.headers
    assert read_tile(raw.content)["roads"].features
    planned = _tile(base, "roads", tile, area="lauf", status="planned")
    assert planned.content == b""  # the samples plan no roads
    elsewhere = _tile(base, "roads", tile, area="helsinki")
    assert elsewhere.status_code == 200
    assert elsewhere.content == b""
    etag = _tile(base, "roads", tile, area="lauf").headers["etag"]
    again = httpx.get(f"{base}/tiles/roads/{tile[0]}/{tile[1]}/{tile[2]}.pbf",
                      params={"area": "lauf"}, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    for path, params, status in [
        ("/tiles/roads/23/0/0.pbf", {"area": "lauf"}, 422),
        ("/tiles/roads/3/8/0.pbf", {"area": "lauf"}, 404),
        ("/tiles/roads/-1/0/0.pbf", {"area": "lauf"}, 422),
        ("/tiles/nothing/3/0/0.pbf", {"area": "lauf"}, 404),
        ("/tiles/roads/3/0/0.pbf", {"area": "nowhere"}, 404),
        ("/tiles/roads/3/0/0.pbf", {}, 422),
        ("/tiles/roads/3/0/0.pbf", {"area": "lauf", "status": "gone"}, 422),
        ("/tiles/roads/3/0/0.pbf", {"area": "lauf'; DROP TABLE roads;--"}, 404),
    ]:
        assert httpx.get(base + path, params=params).status_code == status, path


def test_an_edit_changes_the_tile_and_its_etag(base: str, samples: Engine) -> None:
    lon, lat = _centre(samples, AREA)
    tile = _xyz(lon, lat, 16)
    first = _tile(base, "lights", tile, area=AREA)
    layers = read_tile(first.content)
    before = {f.properties["id"] for f in (layers["lights"].features if "lights" in layers
                                           else [])}
    new = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"working": True},
         "geometry": {"type": "Point", "coordinates": [lon, lat]}}]}
    r = httpx.post(f"{base}/collections/lights/items", params={"area": AREA}, json=new,
                   headers={"X-API-Key": KEY})
    assert r.status_code == 201, r.text
    second = httpx.get(f"{base}/tiles/lights/{tile[0]}/{tile[1]}/{tile[2]}.pbf",
                       params={"area": AREA}, headers={"If-None-Match": first.headers["etag"]})
    assert second.status_code == 200
    assert second.headers["etag"] != first.headers["etag"]
    after = {f.properties["id"] for f in read_tile(second.content)["lights"].features}
    assert len(after - before) == 1


def test_served_maps_are_lean_and_draw_from_tiles(base: str, samples: Engine,
                                                  browser: Any) -> None:
    villages = httpx.get(f"{base}/villages", params={"area": "lauf"}).json()
    vid = max(villages, key=lambda v: v["households"])["id"]  # Lauf an der Pegnitz
    for view in ("layout", "lights", "garbage"):
        page = httpx.get(f"{base}/villages/{vid}/map", params={"view": view})
        assert page.status_code == 200
        assert len(page.content) <= 1.5e6, (view, len(page.content))
        assert "/static/vectorgrid.js" in page.text
    report = open_map(browser, f"{base}/villages/{vid}/map?view=garbage", "tiles-garbage.png",
                      wait_s=2.0)
    assert report.errors == []
    assert report.foreign_requests() == []
    tiles = [u for u in report.requests if "/tiles/buildings/" in u]
    assert tiles
    assert report.counts["buildings"] > 2000
    assert report.counts["households"] == report.counts["buildings"]
    assert report.counts["roads"] > 100
    overview = open_map(browser, f"{base}/maps/overview?area=lauf", "tiles-overview.png",
                        wait_s=2.0)
    assert overview.errors == []
    assert overview.foreign_requests() == []
    assert overview.counts["villages"] > 0
    assert overview.counts["roads"] > 100
    assert any("/tiles/roads/" in u for u in overview.requests)
    # a click on a road opens its popup, written as text
    popup = browser.execute_script("""
        var map = vgis.map, roads = vgis.layers.roads, grid;
        roads.eachLayer(function (l) { grid = l; });
        var shown = null;
        map.on('popupopen', function (e) { shown = e.popup.getContent().innerText; });
        var f = null, keys = Object.keys(grid._vectorTiles);
        for (var i = 0; i < keys.length && !f; i++) {
          var feats = grid._vectorTiles[keys[i]]._features;
          for (var id in feats) { f = feats[id].feature; break; }
        }
        grid.fire('click', {layer: f, latlng: map.getCenter()});
        return shown;""")
    assert popup


def test_rendered_pages_follow_the_data(base: str, samples: Engine) -> None:
    with samples.connect() as conn:
        vid = int(conn.execute(text("SELECT id FROM villages WHERE area = :a ORDER BY id "
                                    "LIMIT 1"), {"a": AREA}).scalar_one())
    first = httpx.get(f"{base}/villages/{vid}/map", params={"view": "lights"})
    again = httpx.get(f"{base}/villages/{vid}/map", params={"view": "lights"},
                      headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    png = httpx.get(f"{base}/villages/{vid}/figure.png", params={"dpi": 50, "view": "lights"})
    assert png.headers["content-type"] == "image/png"
    with samples.begin() as conn:
        conn.execute(text("DELETE FROM lights WHERE area = :a"), {"a": AREA})
    changed = httpx.get(f"{base}/villages/{vid}/map", params={"view": "lights"},
                        headers={"If-None-Match": first.headers["etag"]})
    assert changed.status_code == 200
    assert changed.text != first.text
    png2 = httpx.get(f"{base}/villages/{vid}/figure.png", params={"dpi": 50, "view": "lights"},
                     headers={"If-None-Match": png.headers["etag"]})
    assert png2.status_code == 200
    assert png2.content != png.content


def test_items_pages_are_kept_until_the_store_changes(base: str, samples: Engine) -> None:
    url = f"{base}/collections/garbage/items"
    params: dict[str, str | int] = {"area": AREA, "limit": 5}
    first = httpx.get(url, params=params)
    assert first.status_code == 200
    assert httpx.get(url, params=params,
                     headers={"If-None-Match": first.headers["etag"]}).status_code == 304
    html = httpx.get(url, params=params, headers={"Accept": "text/html"})
    assert html.headers["content-type"].startswith("text/html")  # a variant of its own
    assert html.headers["etag"] != first.headers["etag"]
    with samples.begin() as conn:  # a change in another area moves the store's version
        conn.execute(text("UPDATE roads SET name = name WHERE id = (SELECT min(id) FROM roads "
                          "WHERE area = 'helsinki')"))
    again = httpx.get(url, params=params, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 200
    assert again.json()["numberMatched"] == first.json()["numberMatched"]
