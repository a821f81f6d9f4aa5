"""Plans over HTTP on a real uvicorn: make, propose, move, delete, undo, compare, export.

The area is the conformance set (real lauf roads and buildings, 3,392 lights) loaded
under its own name (its 30 planned lights are the store's, which a plan never counts);
the plan's figures are checked against the same features loaded
as ``planned`` from the plan's own GeoPackage and analysed by the ordinary coverage.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pyogrio
import pytest
import shapely
from sqlalchemy import Engine, text

from layers.io.loader import load_file
from testkit.server import uvicorn_server
from tests.conftest import CONFORMANCE, run_vgis

KEY = "plans-admin-key"
AREA = "plans-http"
CHECK = "plans-check"
LAYERS = ("villages", "roads", "lights", "buildings", "garbage")


@pytest.fixture(scope="module")
def base(engine: Engine) -> Iterator[str]:
    for area in (AREA, CHECK):
        for layer in LAYERS:
            load_file(engine, CONFORMANCE / f"{layer}.gpkg", layer, area)
    with engine.begin() as conn:  # the twin holds the plan's features as its only planned ones
        conn.execute(text("DELETE FROM lights WHERE area = :a AND status = 'planned'"),
                     {"a": CHECK})
    with uvicorn_server(workers=1, extra_env={"VGIS_API_KEY": KEY}) as url:
        yield url


@pytest.fixture(scope="module")
def village(base: str) -> dict[str, Any]:
    """The village with most road length (and a lit share below 1)."""
    villages = httpx.get(f"{base}/villages", params={"area": AREA}).json()
    answers = httpx.get(f"{base}/analysis/coverage/lights", params={"area": AREA}).json()
    best = max((a for a in answers if (a["lit_share"] or 0) < 0.99),
               key=lambda a: a["road_length_m"])
    return next(v for v in villages if v["id"] == best["village_id"])


def _send(method: str, url: str, *, key: str | None = KEY, version: int | None = None,
          **kw: Any) -> httpx.Response:
    headers = {} if key is None else {"X-API-Key": key}
    if version is not None:
        headers["If-Match"] = f'"{version}"'
    return httpx.request(method, url, headers=headers, timeout=120, **kw)


def _ok(r: httpx.Response, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json()


def _new_plan(base: str, village: dict[str, Any], name: str = "示范村规划 2027") -> Any:
    return _ok(_send("POST", f"{base}/plans", json={
        "area": AREA, "village_id": village["id"], "name": name, "note": "test"}), 201)


def test_a_plan_from_proposal_to_undo(base: str, village: dict[str, Any], engine: Engine,
                                      tmp_path: Path) -> None:
    assert _send("POST", f"{base}/plans", key=None, json={
        "area": AREA, "name": "x"}).status_code == 401
    plan = _new_plan(base, village)
    assert (plan["version"], plan["author"], plan["village"]) == (1, "admin", village["name"])
    pid = plan["id"]
    shown = _ok(_send("GET", f"{base}/plans/{pid}"))
    assert shown["features"] == {"type": "FeatureCollection", "features": []}
    cold = _ok(httpx.get(f"{base}/villages/{village['id']}/coverage/lights"))
    lights = shown["figures"]["lights"]
    assert lights["before"] == lights["after"]  # an empty plan changes nothing
    assert lights["before"]["lit_share"] == cold["lit_share"]
    assert set(shown["figures"]) == {"lights", "garbage"}

    # proposals: as many lights as the analysis proposes, the after-share rises
    proposed = _ok(_send("POST", f"{base}/plans/{pid}/proposals/lights", version=1))
    assert proposed["added"] == cold["proposed_lights"] > 0
    assert proposed["version"] == 2
    after = proposed["figures"]["lights"]["after"]
    assert after["lit_share"] > lights["before"]["lit_share"]
    assert after["lights"] == lights["before"]["lights"] + proposed["added"]

    # the after equals the ordinary analysis of the same features loaded as planned
    gpkg = tmp_path / "plan.gpkg"
    r = _send("GET", f"{base}/plans/{pid}/features.gpkg")
    assert r.status_code == 200
    gpkg.write_bytes(r.content)
    assert len(pyogrio.read_dataframe(gpkg, layer="lights")) == proposed["added"]
    load_file(engine, gpkg, "lights", CHECK)
    twin = next(v for v in httpx.get(f"{base}/villages", params={"area": CHECK}).json()
                if v["name"] == village["name"])
    check = _ok(httpx.get(f"{base}/villages/{twin['id']}/coverage/lights",
                          params={"include_planned": "true"}))
    assert check["with_planned"]["lit_length_m"] == pytest.approx(after["lit_length_m"],
                                                                  abs=1e-6)
    assert check["with_planned"]["lights"] == after["lights"]

    # a stale version is 409 and writes nothing
    feats = _ok(_send("GET", f"{base}/plans/{pid}"))["features"]["features"]
    first = feats[0]
    journal = _ok(httpx.get(f"{base}/plans/{pid}/history"))
    r = _send("PATCH", f"{base}/plans/{pid}/features/{first['id']}", version=1,
              json={"geometry": first["geometry"]})
    assert r.status_code == 409
    assert _ok(httpx.get(f"{base}/plans/{pid}/history")) == journal

    # move one light to the village's farthest corner from the roads: the share falls
    polygon = shapely.geometry.shape(_village_geometry(base, village["id"]))
    inner = polygon.representative_point()
    moved = _ok(_send("PATCH", f"{base}/plans/{pid}/features/{first['id']}", version=2,
                      json={"geometry": shapely.geometry.mapping(inner)}))
    assert moved["version"] == 3
    assert moved["figures"]["lights"]["after"]["lit_length_m"] < after["lit_length_m"]
    undone = _ok(_send("POST", f"{base}/plans/{pid}/undo", version=3))
    assert undone["version"] == 4
    assert undone["figures"] == proposed["figures"]  # exactly the figures before the move

    # deleting a proposal lowers the after-share; undo brings it back
    gone = _ok(_send("DELETE", f"{base}/plans/{pid}/features/{feats[1]['id']}"))
    assert gone["figures"]["lights"]["after"]["lit_length_m"] < after["lit_length_m"]
    back = _ok(_send("POST", f"{base}/plans/{pid}/undo"))
    assert back["figures"] == proposed["figures"]
    again = _ok(_send("POST", f"{base}/plans/{pid}/undo"))  # undoes the proposals
    assert again["figures"]["lights"]["after"] == lights["after"]
    assert _send("POST", f"{base}/plans/{pid}/undo").status_code == 409  # nothing left
    history = _ok(httpx.get(f"{base}/plans/{pid}/history"))
    actions = [h["action"] for h in history]
    assert actions[0] == "create"
    assert "move" in actions
    assert "delete" in actions
    assert {h["actor"] for h in history} == {"admin"}
    assert all(h["undone_in"] for h in history if h["action"] in ("propose", "move",
                                                                  "delete"))


def _village_geometry(base: str, village_id: int) -> dict[str, Any]:
    r = httpx.get(f"{base}/collections/villages/items/{village_id}")
    return dict(r.json()["geometry"])


def test_bad_edits_are_refused_and_write_nothing(base: str, village: dict[str, Any]) -> None:
    plan = _new_plan(base, village, "bad input")
    pid = plan["id"]
    inner = shapely.geometry.shape(_village_geometry(base, village["id"])).representative_point()
    light = {"type": "Feature", "geometry": shapely.geometry.mapping(inner),
             "properties": {"layer": "lights", "class": "solar"}}
    added = _ok(_send("POST", f"{base}/plans/{pid}/features", json=light), 201)
    fid = added["id"]
    journal = _ok(httpx.get(f"{base}/plans/{pid}/history"))
    far = {"type": "Point", "coordinates": [inner.x + 1.0, inner.y]}
    cases = [
        ("PATCH", f"/plans/{pid}/features/{fid}", {"geometry": far}, 422),
        ("PATCH", f"/plans/{pid}/features/{fid}",
         {"geometry": {"type": "LineString", "coordinates": [[inner.x, inner.y],
                                                             [inner.x + 1e-4, inner.y]]}}, 422),
        ("PATCH", f"/plans/{pid}/features/{fid}", {"properties": {"class": "laser"}}, 422),
        ("POST", f"/plans/{pid}/features", {**light, "geometry": far}, 422),
        ("POST", f"/plans/{pid}/features", {**light, "properties": {"layer": "villages"}}, 422),
        ("POST", f"/plans/{pid}/features", {"type": "Feature"}, 422),
        ("PATCH", f"/plans/{pid}/features/999999", {"geometry": far}, 404),
        ("DELETE", "/plans/999999/features/1", None, 404),
        ("POST", "/plans/999999/undo", None, 404),
        ("POST", "/plans", {"area": "nowhere", "name": "x"}, 404),
        ("POST", "/plans", {"area": AREA, "village_id": 2**31 - 1, "name": "x"}, 404),
        ("POST", "/plans", {"area": AREA, "name": ""}, 422),
        ("POST", "/plans", {"area": AREA, "name": "a\u0000b"}, 422),
        ("POST", "/plans", {"area": "x\u0000", "name": "a"}, 422),
        ("POST", f"/plans/{pid}/features", {**light, "properties": {"layer": "lights"}}, 422),
        ("POST", f"/plans/{pid}/features", {**light, "properties": {
            "layer": "lights", "class": "solar", "name": "x" * 201}}, 422),
        ("POST", f"/plans/{pid}/features", {**light, "geometry": {
            "type": "Point", "coordinates": [int("9" * 400), 1]}}, 422),
    ]
    for method, path, body, status in cases:
        r = _send(method, base + path, json=body)
        assert r.status_code == status, (method, path, r.text)
        assert "Traceback" not in r.text
        assert "/tmp" not in r.text
    r = _send("PATCH", f"{base}/plans/{pid}/features/{fid}", json={"geometry": far})
    assert "feature" in r.json()["detail"]
    assert "100 m" in r.json()["detail"]
    assert _send("DELETE", f"{base}/plans/{pid}/features/{fid}", version=1).status_code == 409
    assert _ok(httpx.get(f"{base}/plans/{pid}/history")) == journal
    assert _ok(httpx.get(f"{base}/plans/{pid}"))["version"] == 2
    assert httpx.get(f"{base}/plans/abc").status_code == 422
    assert _send("PATCH", f"{base}/plans/{pid}/features/{fid}", version=None,
                 json={"geometry": far}, key="wrong").status_code == 401
    for body in (b'{"area": "plans-http", "village_id": NaN, "name": "x"}', b"NaN",
                 b'{"area": "plans-http", "name": "x", "note": 1e400}'):
        r = httpx.post(f"{base}/plans", content=body, timeout=30, headers={
            "X-API-Key": KEY, "Content-Type": "application/json"})
        assert r.status_code == 422, body
        assert r.json()["error"] == "InvalidInput"
    for tag in ("yesterday", "²", "1" * 12):
        r = httpx.request("DELETE", f"{base}/plans/{pid}/features/{fid}",
                          headers={b"X-API-Key": KEY.encode(), b"If-Match": tag.encode()})
        assert r.status_code == 422, tag

    # a planned facility is counted by its own kind, and the plan stays readable
    square = shapely.buffer(inner, 1e-4, quad_segs=2)
    facility = {"type": "Feature", "geometry": shapely.geometry.mapping(square),
                "properties": {"layer": "facilities", "class": "toilet"}}
    answer = _ok(_send("POST", f"{base}/plans/{pid}/features",
                       json=json.loads(json.dumps(facility))), 201)
    assert answer["figures"]["facilities"]["after"]["points"] == \
        answer["figures"]["facilities"]["before"]["points"] + 1
    assert _ok(httpx.get(f"{base}/plans/{pid}"))["figures"] == answer["figures"]

    # plans of different places are not compared
    villages = httpx.get(f"{base}/villages", params={"area": AREA}).json()
    other = next(v for v in villages if v["id"] != village["id"])
    elsewhere = _new_plan(base, other, "elsewhere")
    r = httpx.get(f"{base}/plans/compare", params={"a": pid, "b": elsewhere["id"]})
    assert r.status_code == 422


def test_people_keys_copy_compare_and_sheet(base: str, village: dict[str, Any]) -> None:
    key = run_vgis("key", "add", "ana li").stdout.strip()
    assert key.startswith("vgis_")
    listed = json.loads(run_vgis("key", "list", "--json").stdout)
    assert "ana li" in [k["name"] for k in listed if k["revoked_at"] is None]
    assert key not in json.dumps(listed)
    plan = _ok(_send("POST", f"{base}/plans", key=key, json={
        "area": AREA, "village_id": village["id"], "name": "cheap"}), 201)
    assert plan["author"] == "ana li"
    _ok(_send("POST", f"{base}/plans/{plan['id']}/proposals/garbage", key=key,
              params={"target_share": 0.8}))
    variant = _ok(_send("POST", f"{base}/plans/{plan['id']}/copy", key=key,
                        json={"name": "dear"}), 201)
    proposed = _ok(_send("POST", f"{base}/plans/{variant['id']}/proposals/garbage", key=key,
                         params={"target_share": 0.99}))
    assert proposed["figures"]["garbage"]["after"]["served_share"] >= 0.8
    compared = _ok(httpx.get(f"{base}/plans/compare",
                             params={"a": plan["id"], "b": variant["id"]}))
    diff = compared["difference"]["garbage"]
    a_after = compared["figures"]["garbage"]["a"]["after"]
    b_after = compared["figures"]["garbage"]["b"]["after"]
    assert diff["points"] == b_after["points"] - a_after["points"] == proposed["added"]
    history = _ok(httpx.get(f"{base}/plans/{variant['id']}/history"))
    assert {h["actor"] for h in history} == {"ana li"}
    r = httpx.get(f"{base}/plans/{plan['id']}/figure.png",
                  params={"view": "garbage", "dpi": 60}, timeout=120)
    assert r.status_code == 200
    assert r.content[:4] == b"\x89PNG"
    r = httpx.get(f"{base}/plans/{plan['id']}/figure.pdf", params={"dpi": 60}, timeout=120)
    assert r.status_code == 200
    assert r.content[:4] == b"%PDF"
    listed_plans = _ok(httpx.get(f"{base}/plans", params={"area": AREA}))
    assert {plan["id"], variant["id"]} <= {p["id"] for p in listed_plans}
    r = _send("DELETE", f"{base}/areas/{AREA}", key=key)  # would take every plan's journal
    assert r.status_code == 403
    run_vgis("key", "revoke", "ana li")
    assert _send("POST", f"{base}/plans/{plan['id']}/undo", key=key).status_code == 401


def test_the_loop_on_files_from_elsewhere(base: str, engine: Engine, tmp_path: Path) -> None:
    """A county that is not in the repository (generated, central China), uploaded as
    GeoPackages by a person with her own key, planned through the API alone."""
    from bench.county import make_county

    area = "files-county"
    key = run_vgis("key", "add", "wang fang").stdout.strip()
    for layer, frame in make_county(1500, seed=7).items():
        if layer == "places":
            continue
        path = tmp_path / f"{layer}.gpkg"
        frame.to_file(path, driver="GPKG")
        with path.open("rb") as fh:
            r = httpx.post(f"{base}/areas/{area}/upload", params={"layer": layer},
                           files={"file": (path.name, fh, "application/geopackage+sqlite3")},
                           headers={"X-API-Key": key}, timeout=300)
        assert r.status_code == 201, r.text
    with engine.connect() as conn:  # the import records name the key's owner
        actors = set(conn.execute(text("SELECT actor FROM loads WHERE area = :a"),
                                  {"a": area}).scalars())
    assert actors == {"wang fang"}
    answers = _ok(httpx.get(f"{base}/analysis/coverage/garbage", params={"area": area}))
    target = max(answers, key=lambda a: a["households"])
    plan = _ok(_send("POST", f"{base}/plans", key=key, json={
        "area": area, "village_id": target["village_id"], "name": "示范村规划 2027"}), 201)
    pid = plan["id"]
    lights = _ok(_send("POST", f"{base}/plans/{pid}/proposals/lights", key=key, version=1))
    bins = _ok(_send("POST", f"{base}/plans/{pid}/proposals/garbage", key=key, version=2,
                     params={"target_share": 0.9}))
    assert lights["added"] > 0
    assert bins["added"] > 0
    lit, served = bins["figures"]["lights"], bins["figures"]["garbage"]
    assert lit["after"]["lit_share"] > lit["before"]["lit_share"]
    assert served["before"]["served_share"] == target["served_share"]
    assert served["after"]["served_share"] >= 0.9 > served["before"]["served_share"]
    point = next(f for f in _ok(httpx.get(f"{base}/plans/{pid}"))["features"]["features"]
                 if f["properties"]["layer"] == "garbage")
    lon, lat = point["geometry"]["coordinates"]
    moved = _ok(_send("PATCH", f"{base}/plans/{pid}/features/{point['id']}", key=key,
                      version=3, json={"geometry": {"type": "Point",
                                                    "coordinates": [lon + 4e-4, lat]}}))
    assert moved["figures"] != bins["figures"]
    undone = _ok(_send("POST", f"{base}/plans/{pid}/undo", key=key, version=4))
    assert undone["figures"] == bins["figures"]
    r = _send("GET", f"{base}/plans/{pid}/features.gpkg")
    gpkg = tmp_path / "plan.gpkg"
    gpkg.write_bytes(r.content)
    assert len(pyogrio.read_dataframe(gpkg, layer="garbage")) == bins["added"]
    assert {h["actor"] for h in _ok(httpx.get(f"{base}/plans/{pid}/history"))} == {"wang fang"}


def test_the_same_verbs_on_the_command_line(base: str, village: dict[str, Any],
                                            tmp_path: Path) -> None:
    def vgis(*args: str) -> Any:
        return json.loads(run_vgis("plan", *args, "--json").stdout)

    made = vgis("new", "--area", AREA, "--village", village["name"], "--name", "cli plan",
                "--as", "zhao")
    pid = str(made["id"])
    assert (made["author"], made["version"]) == ("zhao", 1)
    shown = vgis("propose", pid, "lights")
    assert shown["added"] > 0
    http = _ok(httpx.get(f"{base}/plans/{pid}"))
    assert shown["figures"] == http["figures"]  # the CLI (cold) and the service (warm) agree
    first = shown["features"]["features"][0]
    lon, lat = first["geometry"]["coordinates"]
    moved = vgis("move", pid, str(first["id"]), "--to", f"{lon + 2e-4},{lat}")
    assert moved["version"] == 3
    added = vgis("add", pid, "--layer", "garbage", "--at", f"{lon},{lat}",
                 "--class", "collection_point")
    assert added["figures"]["garbage"]["after"]["points"] == \
        added["figures"]["garbage"]["before"]["points"] + 1
    deleted = vgis("delete", pid, str(added["id"]))
    assert deleted["figures"]["garbage"] == shown["figures"]["garbage"]
    undone = vgis("undo", pid)
    assert undone["figures"]["garbage"] == added["figures"]["garbage"]
    copy = vgis("copy", pid, "--name", "cli variant")
    compared = json.loads(run_vgis("plan", "compare", pid, str(copy["id"]), "--json").stdout)
    assert all(v == 0 for v in compared["difference"]["lights"].values())
    assert next(h["actor"] for h in vgis("history", pid)) == "zhao"
    assert any(p["id"] == int(pid) for p in vgis("list", "--area", AREA))
    out = tmp_path / "plan.gpkg"
    run_vgis("plan", "export", pid, "-o", str(out))
    assert len(pyogrio.read_dataframe(out, layer="lights")) == shown["added"]
    bad = run_vgis("plan", "move", pid, str(first["id"]), "--to", "nonsense", check=False)
    assert bad.returncode == 2
    assert "LON,LAT" in bad.stderr
    stale = run_vgis("plan", "undo", "2147483000", check=False)
    assert stale.returncode == 2
