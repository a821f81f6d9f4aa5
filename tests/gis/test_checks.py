"""Data checks (gis.checks) on hand-made layers whose every finding is computed by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point, box
from sqlalchemy import Engine, text

from gis.checks import CODES, area_context, check_area
from gis.findings import CheckReport, Finding
from gis.roadchecks import advice, is_bridge
from gis.topology import components, dangling_ends, duplicate_groups, unnoded_crossings
from layers.errors import UnknownArea
from layers.io.loader import load_file
from layers.store import read_layer

AREA = "checks-hand"
X0, Y0 = 500_000.0, 3_376_000.0  # UTM 50N (EPSG:32650), central China
UTM = 32650


def _line(*xy: tuple[float, float]) -> LineString:
    return LineString([(X0 + x, Y0 + y) for x, y in xy])


def _at(x: float, y: float) -> Point:
    return Point(X0 + x, Y0 + y)


# name → geometry (metres from X0, Y0); the bridge column marks R8
ROADS: dict[str, LineString] = {
    "R1": _line((0, 0), (100, 0), (200, 0)),       # the main street, a vertex at x = 100
    "R2": _line((100, 0), (100, 100)),             # joins R1 at its vertex (a noded T)
    "R3": _line((50, -50), (50, 50)),              # crosses R1 at (50, 0): no vertex on either
    "R4": _line((150, -50), (150, -1.5)),          # ends 1.5 m short of R1 (an undershoot)
    "R5": _line((0, 300), (30, 300)),              # an isolated piece far off …
    "R6": _line((30, 300), (0, 300)),              # … and its copy, drawn the other way
    "R7": _line((180, -20), (180, 0), (180, 20)),  # crosses R1 at its own vertex only
    "R8": _line((60, 50), (140, 50)),              # a bridge over R2 at (100, 50)
    "R9": _line((120, 0), (120, -30)),             # ends on R1, which has no vertex there
}


def _save(tmp: Path, name: str, frame: gpd.GeoDataFrame) -> Path:
    path = tmp / f"{name}.gpkg"
    frame.set_crs(UTM).to_file(path)
    return path


@pytest.fixture(scope="module")
def hand(engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, int]]:
    """The hand-made area loaded with ``load_file``; store ids by layer and name."""
    tmp = tmp_path_factory.mktemp("checks")
    files = {
        "villages": gpd.GeoDataFrame({"name": ["甲村", "乙村"]}, geometry=[
            shapely.affinity.translate(box(-20, -60, 220, 120), X0, Y0),
            shapely.affinity.translate(box(400, 400, 500, 500), X0, Y0)]),
        "roads": gpd.GeoDataFrame({"name": list(ROADS), "class": ["村道"] * len(ROADS),
                                   "bridge": [None] * 7 + ["yes", None]},
                                  geometry=list(ROADS.values())),
        "lights": gpd.GeoDataFrame({"name": ["L1", "L2", "L3"], "class": ["太阳能路灯"] * 3},
                                   geometry=[_at(10, 5), _at(10, 200), _at(10, 5)]),
        "garbage": gpd.GeoDataFrame({"name": ["G1", "G2"], "class": ["垃圾桶"] * 2},
                                    geometry=[_at(210, 60), _at(0, 10)]),
        "buildings": gpd.GeoDataFrame(
            {"name": ["B1", "B2", "B3", "B4", "B5", "B6"],
             "class": ["住宅", "住宅", "住宅", "住宅", "住宅", "公共"],
             "households": [0, 3, None, 1, 1, None]},
            geometry=[shapely.affinity.translate(box(x, 10, x + 8, 18), X0, Y0)
                      for x in (10, 30, 60, 130, 160, 190)]),
    }
    for layer, frame in files.items():
        load_file(engine, _save(tmp, layer, frame), layer, AREA)
    ids = {layer: {str(n): int(i) for n, i in zip(
        read_layer(engine, layer, area=AREA)["name"], read_layer(engine, layer, area=AREA)["id"],
        strict=True)} for layer in files}
    # B5: a number that went missing after the import (an edit in the store)
    with engine.begin() as conn:
        conn.execute(text("UPDATE buildings SET households = NULL WHERE id = :id"),
                     {"id": ids["buildings"]["B5"]})
    return ids


@pytest.fixture(scope="module")
def report(engine: Engine, hand: dict[str, dict[str, int]]) -> CheckReport:
    return check_area(area_context(engine, AREA))


def _one(report: CheckReport, code: str, layer: str | None = None) -> Finding:
    found = [f for f in report.findings if f.code == code and layer in (None, f.layer)]
    assert len(found) == 1, [f.code for f in report.findings]
    return found[0]


def _ids(hand: dict[str, dict[str, int]], layer: str, *names: str) -> list[int]:
    return [hand[layer][n] for n in names]


def test_every_finding_of_the_hand_made_area(report: CheckReport,
                                             hand: dict[str, dict[str, int]]) -> None:
    got = sorted((f.code, f.layer, f.count, f.severity) for f in report.findings)
    assert got == sorted([
        ("roads_disconnected", "roads", 7, "warning"),
        ("roads_isolated", "roads", 5, "warning"),
        ("roads_crossing_unnoded", "roads", 3, "warning"),
        ("roads_dangling", "roads", 2, "warning"),
        ("duplicates", "roads", 1, "warning"),
        ("duplicates", "lights", 1, "warning"),
        ("lights_off_road", "lights", 1, "warning"),
        ("garbage_off_road", "garbage", 1, "warning"),
        ("buildings_no_households", "buildings", 2, "warning"),
        ("households_assumed", "buildings", 2, "info"),
        ("villages_without_roads", "villages", 1, "warning"),
    ])
    # most serious first, then in the documented order of the codes
    ranks = [(("error", "warning", "info").index(f.severity), CODES.index(f.code))
             for f in report.findings]
    assert ranks == sorted(ranks)
    for f in report.findings:
        assert f.message_zh
        assert f.message_en
        assert not f.truncated
        assert str(f.count) in f.message_en.replace(",", "")


def test_components_and_isolated_pieces(report: CheckReport,
                                        hand: dict[str, dict[str, int]]) -> None:
    parts = _one(report, "roads_disconnected")
    # {R1, R2} 300 m; R3 100 m; R8 80 m; {R5, R6} 60 m; R4 48.5 m; R7 40 m; R9 30 m
    assert parts.figures["largest_m"] == [300.0, 100.0, 80.0, 60.0, 48.5]
    assert parts.figures["outside_length_m"] == pytest.approx(358.5)
    assert parts.figures["outside_share"] == pytest.approx(358.5 / 658.5, abs=1e-6)
    assert sorted(parts.feature_ids) == sorted(_ids(hand, "roads", "R3", "R4", "R5", "R6",
                                                    "R7", "R8", "R9"))
    assert parts.feature_ids[0] == hand["roads"]["R9"]  # the smallest part first
    assert "300 m" in parts.message_en
    assert "300 m" in parts.message_zh
    isolated = _one(report, "roads_isolated")  # under 100 m: R3 (exactly 100 m) is not
    assert sorted(isolated.feature_ids) == sorted(_ids(hand, "roads", "R4", "R5", "R6", "R7",
                                                       "R8", "R9"))
    assert isolated.figures == {"roads": 6, "length_m": 258.5}
    assert len(isolated.locations) == 5  # one per piece


def test_unnoded_crossings_and_the_advice(report: CheckReport,
                                          hand: dict[str, dict[str, int]]) -> None:
    cross = _one(report, "roads_crossing_unnoded")
    assert sorted(cross.feature_ids) == sorted(_ids(hand, "roads", "R1", "R2", "R3", "R7",
                                                    "R8"))
    assert cross.figures == {"points": 3, "neither_vertex": 2, "bridge_pairs": 1,
                             "osm_pairs": 0, "join_crossings": "join_crossings"}
    assert "--join crossings" in cross.message_en
    assert "--join crossings" in cross.message_zh
    # the crossing points, back in metres (locations are to 1e-6°, about 0.1 m)
    xy = _metres(cross.locations)
    assert xy[np.lexsort(xy.T[::-1])] == pytest.approx(
        np.array([[50.0, 0.0], [100.0, 50.0], [180.0, 0.0]]), abs=0.1)


def test_dangling_ends(report: CheckReport, hand: dict[str, dict[str, int]]) -> None:
    ends = _one(report, "roads_dangling")
    assert ends.feature_ids == _ids(hand, "roads", "R9", "R4")  # the closest first
    assert ends.figures == {"ends": 2, "on_road": 1, "farthest_m": 1.5}
    assert _metres(ends.locations) == pytest.approx(np.array([[120.0, 0.0], [150.0, -1.5]]),
                                                    abs=0.1)


def test_duplicates_off_road_households_villages(report: CheckReport,
                                                 hand: dict[str, dict[str, int]]) -> None:
    assert _one(report, "duplicates", "roads").feature_ids == _ids(hand, "roads", "R6")
    assert _one(report, "duplicates", "lights").feature_ids == _ids(hand, "lights", "L3")
    lights = _one(report, "lights_off_road")
    assert lights.feature_ids == _ids(hand, "lights", "L2")
    assert lights.figures == {"points": 3, "farthest_m": 100.0}  # to R5 at y = 300
    garbage = _one(report, "garbage_off_road")
    assert garbage.feature_ids == _ids(hand, "garbage", "G1")
    assert garbage.figures["farthest_m"] == 50.0  # to R7's end (180, 20)
    homes = _one(report, "buildings_no_households")
    assert sorted(homes.feature_ids) == sorted(_ids(hand, "buildings", "B1", "B5"))
    assert homes.figures == {"empty": 1, "zero": 1}
    assumed = _one(report, "households_assumed")  # B3 assumed; B4 said 1 itself
    assert sorted(assumed.feature_ids) == sorted(_ids(hand, "buildings", "B3", "B4"))
    assert assumed.figures["recorded"] == 1  # B3 at the import (B5 had its 1 then)
    assert "1 of them assumed by the import" in assumed.message_en
    assert assumed.figures["share"] == pytest.approx(2 / 5)
    villages = _one(report, "villages_without_roads")
    assert villages.feature_ids == _ids(hand, "villages", "乙村")
    assert "乙村" in villages.message_zh
    assert "乙村" in villages.message_en
    lon, lat = villages.locations[0]
    assert _metres([(lon, lat)])[0] == pytest.approx([450.0, 450.0], abs=50)


def _metres(lonlat: list[tuple[float, float]]) -> np.ndarray:
    from pyproj import Transformer

    x, y = Transformer.from_crs(4326, UTM, always_xy=True).transform(*np.asarray(lonlat).T)
    return np.column_stack([np.asarray(x) - X0, np.asarray(y) - Y0])


def test_osm_roads_keep_the_default(engine: Engine, tmp_path: Path) -> None:
    """Crossings of roads from an OSM export (a ``highway`` column): keep the default."""
    roads = gpd.GeoDataFrame({"highway": ["residential"] * 4, "class": ["village"] * 4},
                             geometry=[_line((0, 0), (100, 0)), _line((50, -50), (50, 50)),
                                       _line((0, 20), (100, 20)), _line((30, -50), (30, 50))])
    villages = gpd.GeoDataFrame({"name": ["丙村"]}, geometry=[
        shapely.affinity.translate(box(-10, -60, 110, 60), X0, Y0)])
    load_file(engine, _save(tmp_path, "osm-roads", roads), "roads", "checks-osm")
    load_file(engine, _save(tmp_path, "osm-villages", villages), "villages", "checks-osm")
    found = check_area(area_context(engine, "checks-osm"))
    cross = _one(found, "roads_crossing_unnoded")
    assert (cross.count, cross.severity) == (4, "info")
    assert cross.figures["osm_pairs"] == 4
    assert cross.figures["join_crossings"] == "keep_default"
    assert "not --join crossings" in cross.message_en


def test_an_area_without_villages_or_roads(engine: Engine, tmp_path: Path) -> None:
    lights = gpd.GeoDataFrame({"class": ["grid"] * 2}, geometry=[_at(0, 0), _at(5, 0)])
    load_file(engine, _save(tmp_path, "lone-lights", lights), "lights", "checks-lights")
    found = check_area(area_context(engine, "checks-lights"))
    assert [(f.code, f.layer, f.severity) for f in found.findings] == [
        ("layer_empty", "roads", "error"), ("layer_empty", "villages", "error")]
    with pytest.raises(UnknownArea):
        area_context(engine, "checks-nowhere")


def test_kernels_by_hand() -> None:
    lines = np.array(list(ROADS.values()), dtype=object)
    label, n = components(lines)
    assert n == 7
    assert label[0] == label[1]
    assert label[4] == label[5]
    cross = unnoded_crossings(lines)
    assert sorted(zip(cross.a.tolist(), cross.b.tolist(), strict=True)) == [(0, 2), (0, 6),
                                                                           (1, 7)]
    ends = dangling_ends(lines, within=2.0)
    assert sorted(ends.line.tolist()) == [3, 8]
    assert sorted(ends.distance.round(6).tolist()) == [0.0, 1.5]
    assert duplicate_groups(lines).tolist().count(-1) == 7
    # a T noded at a shared vertex, and a crossing noded on both roads, are no problem
    noded = np.array([LineString([(0, 0), (5, 0), (10, 0)]), LineString([(5, -5), (5, 0),
                                                                          (5, 5)])])
    assert components(noded)[1] == 1
    assert len(unnoded_crossings(noded).a) == 0
    assert len(dangling_ends(noded).line) == 0


@pytest.mark.parametrize(("attrs", "bridge"), [
    ({"bridge": "yes"}, True), ({"bridge": "viaduct"}, True), ({"tunnel": "culvert"}, True),
    ({"layer": "-1"}, True), ({"layer": "0"}, False), ({"bridge": "no"}, False),
    ({"BRIDGE": "T"}, True), ({"bridge": "F"}, False), ({"桥梁": "是"}, True),
    ({"highway": "primary"}, False), (None, False), ({"layer": "x"}, False),
])
def test_bridge_marks(attrs: dict[str, Any] | None, bridge: bool) -> None:
    assert is_bridge(attrs) is bridge


def test_advice_rule() -> None:
    assert advice(10, bridges=5, osm=0) == "keep_default"
    assert advice(10, bridges=0, osm=6) == "keep_default"
    assert advice(10, bridges=4, osm=4) == "join_crossings"
    assert advice(2, bridges=0, osm=0) == "check_by_hand"


def test_cli_json_text_and_map(report: CheckReport, tmp_path: Path) -> None:
    import json

    from tests.conftest import run_vgis

    data = json.loads(run_vgis("check", "--area", AREA, "--json").stdout)
    assert list(data) == ["area", "findings"]
    assert data == json.loads(report.model_dump_json())
    text_ = run_vgis("check", "--area", AREA, "--lang", "en").stdout
    for f in report.findings:
        assert f.code in text_.replace("\n", "").replace(" ", "").replace("│", "")
    assert "passed:" not in text_ or "Empty layer" not in text_
    zh = run_vgis("check", "--area", AREA).stdout
    assert "警告" in zh
    assert "没有道路的村" in zh
    page = tmp_path / "check.html"
    done = run_vgis("check", "--area", AREA, "--map", str(page), "--json")
    assert json.loads(done.stdout) == data  # the map's note goes to stderr
    html = page.read_text(encoding="utf-8")
    assert '"check_roads_dangling_roads"' in html
    assert '"check_duplicates_lights"' in html
    assert 'src="http' not in html
    assert 'href="http' not in html
    missing = run_vgis("check", "--area", "checks-nowhere", check=False)
    assert missing.returncode == 2
    assert "no area named 'checks-nowhere'" in missing.stderr
    bad = run_vgis("check", "--area", AREA, "--lang", "fr", check=False)
    assert bad.returncode == 2
