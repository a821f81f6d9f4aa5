"""Settlements from buildings: the rule by hand, and what a load does with it in the store."""

from __future__ import annotations

import json
from typing import Any

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from layers.errors import Conflict, VgisError
from layers.io.loader import load_features
from layers.io.rederive import DERIVED_SOURCE
from layers.io.settlements import (
    derive_settlements,
    road_settlement_name,
    single_linkage,
    unique_names,
)
from layers.plan_edits import create_plan
from layers.plans import plan_village
from layers.store import read_layer

X0, Y0 = 500_000.0, 3_376_000.0  # UTM 50N (EPSG:32650), central China
TO_LONLAT = Transformer.from_crs(32650, 4326, always_xy=True)
ORIGIN = np.array([X0, Y0])


def _dx(x: float, y: float = 0.0) -> np.ndarray:
    return np.array([x, y])


def _groups() -> np.ndarray:
    """Two groups of 25 houses 500 m apart (a 5 × 5 grid at 20 m) and 5 stragglers."""
    grid = np.array([(i * 20.0, j * 20.0) for i in range(5) for j in range(5)])
    stragglers = np.array([(2000.0 + 300 * k, 1500.0) for k in range(5)])
    return np.vstack([grid, grid + _dx(580.0), stragglers]) + ORIGIN


def test_two_groups_and_stragglers_by_hand() -> None:
    xy = _groups()
    found = derive_settlements(shapely.points(xy), crs=32650)
    t = found.territories
    assert list(t["buildings"]) == [25, 25]
    assert found.clusters == 7  # two groups and five lone houses
    assert found.outside == 5
    assert list(found.settlement) == [0] * 25 + [1] * 25 + [-1] * 5  # west first (tie)
    assert list(t["name"]) == ["聚落 1", "聚落 2"]
    a, b = t.geometry.values
    assert shapely.area(shapely.intersection(a, b)) == 0.0  # they do not even touch:
    assert shapely.distance(a, b) > 0  # 500 m apart, each within its hull + 100 m
    pts = shapely.points(xy)
    for k, shape in enumerate(t.geometry.values):
        assert shapely.contains_properly(shape, pts[found.settlement == k]).all()
    # a territory is the 80 m square grown by 100 m (rounded corners: 16 segments a quarter)
    grown = shapely.buffer(shapely.box(X0, Y0, X0 + 80, Y0 + 80), 100, quad_segs=16)
    assert shapely.area(a) == pytest.approx(shapely.area(grown), rel=1e-9)


def test_single_linkage_is_inclusive_and_chains() -> None:
    line = np.column_stack([np.arange(30) * 100.0, np.zeros(30)])  # exactly 100 m apart
    assert len(set(single_linkage(line, 100.0))) == 1
    apart = np.column_stack([np.arange(30) * 100.001, np.zeros(30)])
    assert len(set(single_linkage(apart, 100.0))) == 30


def test_voronoi_splits_touching_settlements_and_keeps_every_house_inside() -> None:
    rng = np.random.default_rng(7)
    west = rng.uniform(0, 200, (60, 2))
    east = rng.uniform(0, 200, (40, 2)) + _dx(320.0)  # 120 m gap: separate clusters
    dup = west[:5]  # five houses twice (two footprints, one centroid)
    xy = np.vstack([west, east, dup]) + ORIGIN
    found = derive_settlements(shapely.points(xy), crs=32650)
    t = found.territories
    assert list(t["buildings"]) == [65, 40]
    a, b = t.geometry.values
    assert shapely.area(shapely.intersection(a, b)) < 1e-6  # they share an edge, no more
    assert shapely.intersects(a, b)  # hull + 100 m overlap: the cells split the gap
    pts = shapely.points(xy)
    for k, shape in enumerate(t.geometry.values):
        assert shapely.contains_properly(shape, pts[found.settlement == k]).all()
    assert found.outside == 0


def test_twenty_flats_in_one_block_make_a_round_settlement() -> None:
    found = derive_settlements(shapely.points(np.repeat([ORIGIN], 20, axis=0)), crs=32650)
    (shape,) = found.territories.geometry.values
    assert shapely.get_type_id(shape) == 6  # a MultiPolygon, as villages are stored
    assert shapely.area(shape) == pytest.approx(np.pi * 100**2, rel=0.002)
    assert shapely.contains_properly(shape, shapely.Point(*ORIGIN))
    assert derive_settlements(shapely.points(np.repeat([ORIGIN], 19, axis=0))).outside == 19


def test_names_place_then_road_then_rank() -> None:
    xy = _groups()
    places = gpd.GeoDataFrame({"name": ["东村", None]},
                              geometry=[shapely.Point(X0 + 40, Y0 + 900),
                                        shapely.Point(X0 + 620, Y0 + 40)], crs=32650)
    roads = gpd.GeoDataFrame({"name": ["幸福路", "Hauptstraße"]},
                             geometry=[shapely.LineString([(X0 + 500, Y0 + 200),
                                                           (X0 + 800, Y0 + 200)]),
                                       shapely.LineString([(X0, Y0 - 400), (X0 + 80, Y0 - 400)])],
                             crs=32650)
    found = derive_settlements(shapely.points(xy), places=places, roads=roads, crs=32650)
    # 东村 is 860 m from the west centre (unnamed places do not count), 幸福路 160 m east
    assert list(found.territories["name"]) == ["东村", "幸福路聚落"]
    assert list(found.territories["named_after"]) == ["place", "road"]
    far = places.assign(geometry=places.geometry.translate(0, 500))  # 1.36 km: too far
    found = derive_settlements(shapely.points(xy), places=far, roads=roads, crs=32650)
    assert list(found.territories["name"]) == ["聚落 1", "幸福路聚落"]  # Hauptstraße: 440 m
    assert road_settlement_name("Hauptstraße") == "Hauptstraße 聚落"


def test_a_name_twice_goes_to_the_nearest() -> None:
    assert unique_names(["A", "B", "A", "A"], np.array([50.0, 1.0, 10.0, 20.0])) == [
        "A (3)", "B", "A", "A (2)"]
    assert unique_names(["A", "A (2)", "A"]) == ["A", "A (2)", "A (3)"]


# --- in the store -------------------------------------------------------------------------


def _collection(xy: np.ndarray, **props: Any) -> dict[str, Any]:
    lon, lat = TO_LONLAT.transform(xy[:, 0], xy[:, 1])
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": dict(props),
         "geometry": {"type": "Point", "coordinates": [float(x), float(y)]}}
        for x, y in zip(lon, lat, strict=True)]}


def _villages(engine: Engine, area: str) -> gpd.GeoDataFrame:
    return read_layer(engine, "villages", area=area)


def test_a_load_derives_villages_and_reports_them(engine: Engine) -> None:
    report = load_features(engine, _collection(_groups(), **{"class": "residential"}),
                           "buildings", "settle-hand", "houses")
    note = next(n for n in report.notes if "derived from" in n)
    assert "2 village territories derived from 50 of its 55 residential buildings" in note
    assert "5 building(s) outside any territory" in note
    villages = _villages(engine, "settle-hand")
    assert list(villages["boundary_source"]) == ["derived_buildings"] * 2
    assert set(villages["source"]) == {DERIVED_SOURCE}
    assert [json.loads(a)["buildings"] if isinstance(a, str) else a["buildings"]
            for a in villages["attrs"]] == [25, 25]
    with engine.connect() as conn:
        logged = conn.execute(text("SELECT kind, counts FROM loads WHERE area = 'settle-hand' "
                                   "AND source = :s"), {"s": DERIVED_SOURCE}).all()
    assert [(k, c) for k, c in logged] == [("derived", {"villages": 2})]
    # the same buildings again: the territories come out the same and keep their ids
    again = load_features(engine, _collection(_groups(), **{"class": "residential"}),
                          "buildings", "settle-hand", "houses")
    assert any("unchanged (kept, with their ids)" in n for n in again.notes)
    assert list(_villages(engine, "settle-hand")["id"]) == list(villages["id"])
    # five more houses join the east group: re-derived
    more = np.vstack([_groups(), _groups()[25:30] + _dx(0.0, 100.0)])
    load_features(engine, _collection(more, **{"class": "residential"}), "buildings",
                  "settle-hand", "houses")
    assert sorted(json.loads(a)["buildings"] if isinstance(a, str) else a["buildings"]
                  for a in _villages(engine, "settle-hand")["attrs"]) == [25, 30]


def test_without_residential_buildings_all_are_used(engine: Engine) -> None:
    report = load_features(engine, _collection(_groups(), **{"class": "agricultural"}),
                           "buildings", "settle-barns", "barns")
    assert any("no residential buildings: all 55 buildings were clustered" in n
               for n in report.notes)
    assert len(_villages(engine, "settle-barns")) == 2


def test_real_boundaries_replace_the_derived(engine: Engine) -> None:
    area = "settle-then-official"
    load_features(engine, _collection(_groups(), **{"class": "residential"}), "buildings",
                  area, "houses")
    assert len(_villages(engine, area)) == 2
    report = load_features(engine, _square("试点村"), "villages", area, "boundaries")
    assert any("2 village territories derived from buildings removed" in n
               for n in report.notes)
    villages = _villages(engine, area)
    assert list(villages["name"]) == ["试点村"]
    assert list(villages["boundary_source"]) == ["official"]
    # more buildings now derive nothing: the area has villages of its own
    load_features(engine, _collection(_groups(), **{"class": "residential"}), "buildings",
                  area, "more houses")
    assert list(_villages(engine, area)["name"]) == ["试点村"]


def _street(x0: float, x1: float, y: float, name: str) -> dict[str, object]:
    coords = [list(TO_LONLAT.transform(x, y)) for x in (x0, x1)]
    return {"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"name": name, "class": "village"},
        "geometry": {"type": "LineString", "coordinates": coords}}]}


def _square(name: str) -> dict[str, object]:
    ring = [list(TO_LONLAT.transform(X0 + dx, Y0 + dy))
            for dx, dy in ((-50, -50), (700, -50), (700, 150), (-50, 150), (-50, -50))]
    return {"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"name": name},
        "geometry": {"type": "Polygon", "coordinates": [ring]}}]}


def test_a_plan_keeps_its_derived_village(engine: Engine) -> None:
    area = "settle-planned"
    houses = _collection(_groups(), **{"class": "residential"})
    load_features(engine, houses, "buildings", area, "houses")
    villages = _villages(engine, area)
    assert list(villages["name"]) == ["聚落 1", "聚落 2"]
    east = create_plan(engine, area=area, village_id=int(villages["id"][1]), name="东片方案",
                       author="test")
    # a street loaded later names the east settlement 幸福路聚落 by the rule, but the
    # plan's settlement keeps 聚落 2: the territories come out as stored, ids kept
    report = load_features(engine, _street(X0 + 560, X0 + 700, Y0 + 50, "幸福路"), "roads",
                           area, "streets")
    assert any("unchanged (kept, with their ids)" in n for n in report.notes), report.notes
    assert list(_villages(engine, area)["id"]) == list(villages["id"])
    # five more houses in the east: re-derived, and the plan's name kept
    more = np.vstack([_groups(), _groups()[25:30] + _dx(0.0, 100.0)])
    houses = _collection(more, **{"class": "residential"})
    report = load_features(engine, houses, "buildings", area, "houses")
    assert any("1 settlement(s) that plans are made for kept the name" in n
               for n in report.notes), report.notes
    villages = _villages(engine, area)
    # the east group is larger now: by the rule 幸福路聚落 and 聚落 2 (the west group); the
    # plan's settlement keeps 聚落 2, and the west group, which had it by the rule, steps aside
    assert list(villages["name"]) == ["聚落 2", "聚落 2 (2)"]
    attrs = villages["attrs"][0]
    assert (json.loads(attrs) if isinstance(attrs, str) else attrs)["named_after"] == "plan"
    assert plan_village(engine, east) == int(villages["id"][0])
    again = load_features(engine, houses, "buildings", area, "houses")
    assert any("unchanged (kept, with their ids)" in n for n in again.notes)
    west = create_plan(engine, area=area, village_id=int(villages["id"][1]), name="示范村规划",
                       author="test")
    # the west group gone: a 聚落 1 remains (the east group, first by size), but the
    # west plan's settlement is no more; the east plan's is
    with pytest.raises(Conflict, match="示范村规划") as info:
        load_features(engine, _collection(_groups()[25:], **{"class": "residential"}),
                      "buildings", area, "houses")
    assert "东片方案" not in str(info.value)
    assert "Nothing was written" in str(info.value)
    assert list(_villages(engine, area)["id"]) == list(villages["id"])  # rolled back
    assert len(read_layer(engine, "buildings", area=area)) == 60
    # real boundaries without the plans' village names are refused too
    with pytest.raises(Conflict, match="东片方案"):
        load_features(engine, _square("试点村"), "villages", area, "boundaries")
    assert west.id != east.id


def test_the_derived_source_name_is_reserved(engine: Engine) -> None:
    with pytest.raises(VgisError, match="derived from buildings"):
        load_features(engine, _collection(_groups()[:1], **{"class": "residential"}),
                      "buildings", "settle-reserved", DERIVED_SOURCE)


def test_the_database_knows_the_new_boundary_source(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO areas (name) VALUES ('guard') ON CONFLICT DO NOTHING"))
    square = "SRID=4326;MULTIPOLYGON(((0 0, 1 0, 1 1, 0 1, 0 0)))"
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO villages (area, source, boundary_source, geom) VALUES "
                          "('guard', 'g', 'derived_buildings', :g)"), {"g": square})
        conn.execute(text("DELETE FROM villages WHERE area = 'guard'"))
    with pytest.raises(IntegrityError, match="boundary_source_in_list"), engine.begin() as conn:
        conn.execute(text("INSERT INTO villages (area, source, boundary_source, geom) VALUES "
                          "('guard', 'g', 'guessed', :g)"), {"g": square})


def _osm_xml(xy: np.ndarray) -> str:
    """An OSM extract of a 12 m square house at each point and a named street, no places."""
    nodes, ways = [], []
    nid = 1
    for w, (x, y) in enumerate(xy, start=1):
        refs = []
        for dx, dy in ((0, 0), (12, 0), (12, 12), (0, 12)):
            lon, lat = TO_LONLAT.transform(x + dx, y + dy)
            nodes.append(f'<node id="{nid}" version="1" lat="{lat:.8f}" lon="{lon:.8f}"/>')
            refs.append(nid)
            nid += 1
        nds = "".join(f'<nd ref="{r}"/>' for r in [*refs, refs[0]])
        ways.append(f'<way id="{w}" version="1">{nds}<tag k="building" v="yes"/></way>')
    street = []
    for x in (X0 - 20, X0 + 120):
        lon, lat = TO_LONLAT.transform(x, Y0 + 50)
        nodes.append(f'<node id="{nid}" version="1" lat="{lat:.8f}" lon="{lon:.8f}"/>')
        street.append(nid)
        nid += 1
    ways.append(f'<way id="{len(xy) + 1}" version="1"><nd ref="{street[0]}"/>'
                f'<nd ref="{street[1]}"/><tag k="highway" v="residential"/>'
                '<tag k="name" v="幸福路"/></way>')
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="test">'
            + "".join(nodes) + "".join(ways) + "</osm>")


def test_an_osm_extract_without_places_gets_villages_from_its_buildings(
        engine: Engine, tmp_path: Any) -> None:
    from layers.io.loader import load_osm

    path = tmp_path / "no-places.osm"
    path.write_text(_osm_xml(_groups()), encoding="utf-8")
    report = load_osm(engine, path, "settle-osm")
    assert any("no village-level administrative polygons: 0 village territories" in n
               for n in report.notes)
    assert any("2 village territories derived from 50 of its 55 residential buildings" in n
               for n in report.notes)
    villages = _villages(engine, "settle-osm")
    assert list(villages["name"]) == ["幸福路聚落", "聚落 2"]
    assert set(villages["boundary_source"]) == {"derived_buildings"}
