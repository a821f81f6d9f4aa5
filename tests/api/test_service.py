"""Request-level tests against the real PostGIS with the sample data (in-process client)."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pyproj import Transformer
from sqlalchemy import Engine, text

from layers.runtime.settings import get_settings
from layers.store import layer_counts

KEY = "test-key-0123"


@pytest.fixture(scope="module")
def client(samples: Engine) -> Iterator[TestClient]:
    mp = pytest.MonkeyPatch()
    mp.setenv("VGIS_API_KEY", KEY)
    get_settings.cache_clear()
    from api.app import create_app

    with TestClient(create_app()) as c:
        yield c
    mp.undo()
    get_settings.cache_clear()


def _bins(n: int = 3, bad: dict[str, Any] | None = None) -> dict[str, Any]:
    feats = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [11.27, 49.51]},
              "properties": {"class": "垃圾桶", "name": f"bin {i}"}} for i in range(n)]
    if bad:
        props: dict[str, Any] = feats[1]["properties"]  # type: ignore[assignment]
        props.update(bad.get("properties", {}))
        if "geometry" in bad:
            feats[1]["geometry"] = bad["geometry"]
    return {"type": "FeatureCollection", "features": feats}


def test_landing_json_and_html(client: TestClient) -> None:
    body = client.get("/").json()
    assert {link["rel"] for link in body["links"]} >= {"conformance", "data", "service-desc"}
    led = client.get("/", headers={"Accept": "text/html"}, follow_redirects=False)
    assert (led.status_code, led.headers["location"]) == (303, "/workspace")
    page = client.get("/maps")
    assert page.headers["content-type"].startswith("text/html")
    assert "Kuhnhof" in page.text
    assert "/villages/" in page.text
    assert "OpenStreetMap" in page.text
    assert "/analysis/candidates/map?area=helsinki" in page.text
    # the visible-area map only for areas with a terrain model
    assert "/analysis/corridor/map?area=lauf&amp;visible=true" in page.text or \
        "/analysis/corridor/map?area=lauf&visible=true" in page.text
    assert "area=helsinki&visible=true" not in page.text
    assert client.get("/conformance").json()["conformsTo"]


def test_items_paging_and_filters(client: TestClient) -> None:
    r = client.get("/collections/roads/items", params={"area": "lauf", "limit": 100})
    assert r.headers["content-type"] == "application/geo+json"
    body = r.json()
    assert body["numberReturned"] == 100
    assert body["numberMatched"] == 2785
    assert [link["rel"] for link in body["links"]] == ["self", "next"]
    second = client.get("/collections/roads/items",
                        params={"area": "lauf", "limit": 100, "offset": 100}).json()
    assert {link["rel"] for link in second["links"]} == {"self", "next", "prev"}
    assert not {f["id"] for f in body["features"]} & {f["id"] for f in second["features"]}
    bbox = client.get("/collections/buildings/items",
                      params={"bbox": "11.27,49.50,11.28,49.51", "limit": 10000}).json()
    for f in bbox["features"]:
        xs = [c for ring in f["geometry"]["coordinates"] for c in ring] \
            if f["geometry"]["type"] == "Polygon" else [f["geometry"]["coordinates"]]
        assert any(11.27 - 1e-3 <= x <= 11.28 + 1e-3 for x, _ in xs)
    x0, y0, x1, y1 = Transformer.from_crs(4326, 32632, always_xy=True).transform_bounds(
        11.27, 49.50, 11.28, 49.51)
    utm = client.get("/collections/buildings/items", params={
        "bbox": f"{x0},{y0},{x1},{y1}", "limit": 10000,
        "bbox-crs": "http://www.opengis.net/def/crs/EPSG/0/32632"}).json()
    assert utm["numberMatched"] >= bbox["numberMatched"] > 0
    villages = client.get("/villages", params={"area": "lauf"}).json()
    kuhnhof = next(v for v in villages if v["name"] == "Kuhnhof")
    inside = client.get("/collections/garbage/items",
                        params={"village": kuhnhof["id"], "limit": 50}).json()
    assert inside["numberMatched"] == 9  # 7 of OSM, 2 synthetic bins (data/synthetic)
    one = client.get(f"/collections/garbage/items/{inside['features'][0]['id']}").json()
    assert one["properties"]["area"] == "lauf"


@pytest.mark.parametrize(("path", "params", "status"), [
    ("/collections/nowhere/items", {}, 404),
    ("/collections/roads/items/999999999", {}, 404),
    ("/collections/roads/items", {"limit": -1}, 422),
    ("/collections/roads/items", {"limit": 10001}, 422),
    ("/collections/roads/items", {"bbox": "0,0,90,90"}, 422),
    ("/collections/roads/items", {"bbox": "1,2,3"}, 422),
    ("/collections/roads/items", {"bbox": "10,95,11,96"}, 422),
    ("/collections/roads/items", {"bbox": "nan,1,2,3"}, 422),
    ("/collections/roads/items", {"status": "'; DROP TABLE roads; --"}, 422),
    ("/collections/roads;DROP TABLE roads/items", {}, 404),
    ("/collections/roads/items", {"bbox-crs": "EPSG:99999", "bbox": "0,0,1,1"}, 422),
    ("/villages/999999/coverage/lights", {}, 404),
    ("/villages", {"area": "nowhere"}, 404),
    ("/analysis/corridor", {"area": "lauf", "road_classes": "motorway"}, 422),
    ("/analysis/corridor", {"area": "\x00"}, 422),
    ("/collections/roads/items", {"area": "la\x00uf"}, 422),
    ("/analysis/candidates", {"area": "lauf", "spacing": "nan"}, 422),
])
def test_bad_reads_get_4xx(client: TestClient, path: str, params: dict[str, Any],
                           status: int) -> None:
    r = client.get(path, params=params)
    assert r.status_code == status, r.text
    assert r.json()


def test_sql_like_area_is_just_a_name(client: TestClient, samples: Engine) -> None:
    before = layer_counts(samples)
    r = client.get("/collections/roads/items", params={"area": "lauf' OR '1'='1"})
    assert (r.status_code, r.json()["numberMatched"]) == (200, 0)
    assert layer_counts(samples) == before


def test_writes_need_the_key(client: TestClient, samples: Engine) -> None:
    before = layer_counts(samples)
    assert client.post("/collections/garbage/items", params={"area": "api"},
                       json=_bins()).status_code == 401
    assert client.post("/collections/garbage/items", params={"area": "api"}, json=_bins(),
                       headers={"X-API-Key": "wrong"}).status_code == 401
    assert client.delete("/collections/garbage/items/1").status_code == 401
    assert layer_counts(samples) == before


@pytest.mark.parametrize("bad", [
    {"properties": {"class": "高架桥"}},
    {"geometry": {"type": "LineString", "coordinates": [[11.27, 49.51], [11.28, 49.52]]}},
    {"geometry": {"type": "Point", "coordinates": [1127.0, 49.51]}},
    {"geometry": {"type": "Point", "coordinates": "here"}},
])
def test_bad_feature_rejects_whole_post(client: TestClient, samples: Engine,
                                        bad: dict[str, Any]) -> None:
    before = layer_counts(samples)
    r = client.post("/collections/garbage/items", params={"area": "api"},
                    json=_bins(bad=bad), headers={"X-API-Key": KEY})
    assert r.status_code == 422, r.text
    assert layer_counts(samples) == before


def test_malformed_bodies(client: TestClient, samples: Engine) -> None:
    before = layer_counts(samples)
    headers = {"X-API-Key": KEY, "Content-Type": "application/json"}
    for body in (b"{not json", b"[]", b'{"type": "Feature"}', b'{"type": "FeatureCollection"}'):
        r = client.post("/collections/garbage/items", params={"area": "api"}, content=body,
                        headers=headers)
        assert r.status_code == 422, body
    assert layer_counts(samples) == before


def test_post_and_delete(client: TestClient, samples: Engine) -> None:
    before = layer_counts(samples, "api")["garbage"] if "api" in _areas(client) else 0
    r = client.post("/collections/garbage/items", params={"area": "api"}, json=_bins(3),
                    headers={"X-API-Key": KEY})
    assert r.status_code == 201, r.text
    assert r.json()["features"] == {"garbage": 3}
    items = client.get("/collections/garbage/items", params={"area": "api", "limit": 100}).json()
    assert items["numberMatched"] == before + 3
    victim = items["features"][0]["id"]
    assert client.delete(f"/collections/garbage/items/{victim}",
                         headers={"X-API-Key": KEY}).status_code == 204
    assert client.delete(f"/collections/garbage/items/{victim}",
                         headers={"X-API-Key": KEY}).status_code == 404


def _areas(client: TestClient) -> set[str]:
    return {v["area"] for v in client.get("/villages").json()}


def test_uploads(client: TestClient, samples: Engine) -> None:
    headers = {"X-API-Key": KEY}
    data = json.dumps(_bins(4)).encode()
    r = client.post("/areas/upload-area/upload", params={"layer": "garbage"}, headers=headers,
                    files={"file": ("bins.geojson", data, "application/geo+json")})
    assert r.status_code == 201, r.text
    assert r.json()["features"] == {"garbage": 4}
    before = layer_counts(samples)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("x.shp", b"\0" * (300 * 1024 * 1024))
    r = client.post("/areas/upload-area/upload", params={"layer": "garbage"}, headers=headers,
                    files={"file": ("bomb.zip", bomb.getvalue(), "application/zip")})
    assert r.status_code == 422, r.text
    assert "refused" in r.json()["detail"]
    big = b"\0" * (200 * 1024 * 1024)
    r = client.post("/areas/upload-area/upload", params={"layer": "garbage"}, headers=headers,
                    files={"file": ("big.geojson", big, "application/geo+json")})
    assert r.status_code == 413
    assert layer_counts(samples) == before


def test_analysis_and_maps(client: TestClient) -> None:
    villages = client.get("/villages", params={"area": "lauf"}).json()
    vid = next(v["id"] for v in villages if v["name"] == "Kuhnhof")
    profile = client.get(f"/villages/{vid}").json()
    assert profile["elevation_max_m"] == 410.0
    garbage = client.get(f"/villages/{vid}/coverage/garbage").json()
    # 39 by OSM's points; 78 with the 2 synthetic bins of data/synthetic
    assert (garbage["households"], garbage["served_households"]) == (525, 78)
    lights = client.get(f"/villages/{vid}/coverage/lights", params={"radius": 20}).json()
    assert lights["radius_m"] == 20
    corridor = client.get("/analysis/corridor", params={"area": "north-bayreuth"}).json()
    assert len(corridor) == 48
    page = client.get(f"/villages/{vid}/map", params={"view": "garbage"})
    assert 'src="/static/leaflet.js"' in page.text
    assert client.get("/static/leaflet.js").status_code == 200
    assert client.get("/static/images/layers.png").status_code == 200
    png = client.get(f"/villages/{vid}/figure.png", params={"dpi": 60})
    assert png.headers["content-type"] == "image/png"
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert client.get("/maps/overview", params={"area": "lauf"}).status_code == 200
    assert client.get("/analysis/corridor/map", params={"area": "lauf"}).status_code == 200


def test_visibility_and_elevation(client: TestClient) -> None:
    """The corridor with visibility and the elevation profile: the same figures as vgis."""
    rows = client.get("/analysis/corridor", params={"area": "north-bayreuth",
                                                    "visible": "true"}).json()
    assert len(rows) == 48
    assert sum(r["visible_buildings"] for r in rows) == 3491
    alt = next(r for r in rows if r["village"] == "Altenplos")
    assert (alt["visible_share"], alt["buildings"]) == (0.8615, 381)
    near = client.get("/analysis/corridor", params={"area": "north-bayreuth", "visible": "true",
                                                    "max_distance": 1000}).json()
    assert sum(r["visible_buildings"] for r in near) < 3491
    tall = client.get("/analysis/corridor", params={"area": "north-bayreuth", "visible": "true",
                                                    "road_height": 5, "rail_height": 6}).json()
    assert sum(r["visible_buildings"] for r in tall) > 3491
    prof = client.get("/analysis/elevation", params={
        "area": "north-bayreuth", "line": "11.55,49.98;11.62,50.02"}).json()
    assert (prof["length_m"], prof["min_m"], prof["max_m"]) == (6707.04, 341.92, 487.18)
    assert len(prof["distance_m"]) == len(prof["elevation_m"])
    for params, needle in (
        ({"area": "helsinki", "visible": "true"}, "no terrain model"),
        ({"area": "north-bayreuth", "visible": "true", "spacing": 0}, "spacing"),
    ):
        r = client.get("/analysis/corridor", params=params)
        assert r.status_code == 422, r.text
        assert needle in r.text
    r = client.get("/analysis/elevation", params={"area": "north-bayreuth", "line": "11.55,49.98"})
    assert r.status_code == 422
    assert "two points" in r.text
    r = client.get("/analysis/elevation", params={"area": "north-bayreuth", "line": "x,y;1,2"})
    assert r.status_code == 422
    r = client.get("/analysis/elevation", params={"area": "north-bayreuth",
                                                  "line": "11.67,50.2;11.69,50.5"})
    assert r.status_code == 422
    assert "outside the terrain" in r.text
    page = client.get("/analysis/corridor/map", params={"area": "lauf", "visible": "true",
                                                        "lang": "en"})
    assert page.status_code == 200
    assert "Visible from the lines" in page.text


def test_candidates(client: TestClient) -> None:
    """The ranking over HTTP: the same as `vgis candidates`, weights in a POST body."""
    r = client.get("/analysis/candidates", params={"area": "north-bayreuth"})
    assert r.status_code == 200, r.text
    result = r.json()
    assert [c["village"] for c in result["candidates"][:3]] == [
        "Bremermühle", "Harsdorf", "Schupfenschlag"]
    assert result["candidates"][0]["score"] == 68.5
    assert result["visibility"]["observers"] == 375
    mine = client.post("/analysis/candidates", params={"area": "north-bayreuth", "top": 3},
                       json={"criteria": {"location": 1.0, "environment": 0, "cadre": 0}})
    assert mine.status_code == 200, mine.text
    assert [c["score"] for c in mine.json()["candidates"]] == [100.0, 100.0, 100.0]
    for weight in (-1, 10**400, "heavy"):
        bad = client.post("/analysis/candidates", params={"area": "north-bayreuth"},
                          json={"criteria": {"location": weight}})
        assert bad.status_code == 422, bad.text
        assert "criteria.location" in bad.text
    helsinki = client.get("/analysis/candidates", params={"area": "helsinki", "top": 2}).json()
    assert helsinki["visibility"] is None  # no terrain there: reported missing
    assert any(m.startswith("location.visibility") for m in helsinki["missing_everywhere"])
    page = client.get("/analysis/candidates/map", params={"area": "lauf", "lang": "en"})
    assert page.status_code == 200
    assert "Candidate villages" in page.text
    pdf = client.get("/analysis/candidates/figure.pdf", params={"area": "lauf", "dpi": 60})
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content[:5] == b"%PDF-"


def test_candidates_csv(client: TestClient, samples: Engine) -> None:
    """The ranking as CSV for the selection report, also for an area named in Chinese."""
    r = client.get("/analysis/candidates.csv", params={"area": "north-bayreuth", "top": 3})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    lines = r.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("排名 rank,村庄 village,编号 village_id,得分 score")
    assert lines[1].startswith("1,Bremermühle,")
    assert len(lines) == 4
    square = [[116.39, 39.9], [116.40, 39.9], [116.40, 39.91], [116.39, 39.91], [116.39, 39.9]]
    village = {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {
        "type": "Polygon", "coordinates": [square]}, "properties": {"name": "示范村"}}]}
    try:
        assert client.post("/collections/villages/items", params={"area": "示范县"},
                           json=village, headers={"X-API-Key": KEY}).status_code == 201
        r = client.get("/analysis/candidates.csv", params={"area": "示范县"})
        assert r.status_code == 200, r.text
        assert "filename*=UTF-8''candidates-%E7%A4%BA%E8%8C%83%E5%8E%BF.csv" in \
            r.headers["content-disposition"]
        pdf = client.get("/analysis/candidates/figure.pdf", params={"area": "示范县", "dpi": 50})
        assert pdf.status_code == 200, pdf.text
    finally:
        with samples.begin() as conn:
            conn.execute(text("DELETE FROM areas WHERE name = '示范县'"))


def test_survey_upload(client: TestClient, samples: Engine) -> None:
    """A survey spreadsheet over HTTP: behind the key, all or nothing."""
    name = client.get("/villages", params={"area": "helsinki"}).json()[0]["name"]
    csv = f"name,culture_score\n{name},77\n".encode()
    files = {"file": ("survey.csv", csv, "text/csv")}
    assert client.post("/areas/helsinki/attributes", files=files).status_code == 401
    try:
        r = client.post("/areas/helsinki/attributes", files=files, headers={"X-API-Key": KEY})
        assert r.status_code == 200, r.text
        assert (r.json()["villages"], r.json()["attributes"]) == (1, ["culture_score"])
        with samples.connect() as conn:
            got = conn.execute(text("SELECT attrs->>'culture_score' FROM villages WHERE "
                                    "area = 'helsinki' AND name = :n"), {"n": name}).scalar()
        assert got == "77"
        bad = client.post("/areas/helsinki/attributes", headers={"X-API-Key": KEY},
                          files={"file": ("s.csv", b"name,culture_score\nNowhere,1\n",
                                          "text/csv")})
        assert bad.status_code == 422
        assert bad.json()["problems"][0]["feature"] == "row 2"
    finally:
        with samples.begin() as conn:
            conn.execute(text("UPDATE villages SET attrs = attrs - 'culture_score' "
                              "WHERE area = 'helsinki'"))


def test_operations(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/ready").json() == {"status": "ready"}
    r = client.get("/collections/roads/items", params={"limit": 500},
                   headers={"Accept-Encoding": "gzip"})
    assert r.headers.get("content-encoding") == "gzip"


def test_items_as_a_small_map(client: TestClient) -> None:
    page = client.get("/collections/garbage/items", params={"area": "lauf", "f": "html"})
    assert page.headers["content-type"].startswith("text/html")
    assert 'src="/static/leaflet.js"' in page.text
    assert "FeatureCollection" in page.text
    browser = client.get("/collections/roads/items", headers={"Accept": "text/html"})
    assert browser.headers["content-type"].startswith("text/html")
