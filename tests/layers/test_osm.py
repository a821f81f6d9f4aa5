"""OSM import on the real extracts, checked against an independent reading (GDAL's OSM driver)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from sqlalchemy import Engine, text

from layers.io.loader import load_osm
from layers.io.osm import classify, road_surface
from layers.store import layer_counts
from tests.conftest import DATA

NB = DATA / "osm" / "north-bayreuth.osm.pbf"


@pytest.mark.parametrize(
    ("tags", "kind", "expected"),
    [
        ({"highway": "motorway"}, "way", [("roads", "expressway")]),
        ({"highway": "motorway_link"}, "way", [("roads", "expressway")]),
        ({"highway": "trunk"}, "way", [("roads", "national")]),
        ({"highway": "primary"}, "way", [("roads", "provincial")]),
        ({"highway": "secondary"}, "way", [("roads", "county")]),
        ({"highway": "tertiary"}, "way", [("roads", "township")]),
        ({"highway": "unclassified"}, "way", [("roads", "village")]),
        ({"highway": "residential"}, "way", [("roads", "village")]),
        ({"highway": "living_street"}, "way", [("roads", "village")]),
        ({"highway": "service"}, "way", [("roads", "alley")]),
        ({"highway": "footway"}, "way", [("roads", "alley")]),
        ({"highway": "path"}, "way", [("roads", "alley")]),
        ({"highway": "pedestrian"}, "way", [("roads", "alley")]),
        ({"highway": "track"}, "way", [("roads", "track")]),
        ({"highway": "platform"}, "way", []),
        ({"highway": "street_lamp"}, "node", [("lights", "other")]),
        ({"amenity": "waste_basket"}, "node", [("garbage", "bin")]),
        ({"amenity": "waste_disposal"}, "node", [("garbage", "collection_point")]),
        ({"amenity": "waste_transfer_station"}, "area", [("garbage", "transfer_station")]),
        ({"amenity": "recycling"}, "node", [("garbage", "recycling")]),
        ({"waterway": "ditch"}, "way", [("drainage", "ditch")]),
        ({"waterway": "drain"}, "way", [("drainage", "drain")]),
        ({"waterway": "canal"}, "way", [("drainage", "canal")]),
        ({"waterway": "stream"}, "way", [("drainage", "stream")]),
        ({"waterway": "river"}, "way", [("drainage", "river")]),
        ({"railway": "rail"}, "way", [("railways", "rail")]),
        ({"railway": "rail", "highspeed": "yes"}, "way", [("railways", "high_speed")]),
        ({"railway": "light_rail"}, "way", [("railways", "light_rail")]),
        ({"railway": "tram"}, "way", [("railways", "tram")]),
        ({"railway": "abandoned"}, "way", []),
        ({"building": "yes"}, "area", [("buildings", "yes")]),
        ({"building": "no"}, "area", []),
        ({"amenity": "toilets"}, "node", [("facilities", "toilet")]),
        ({"place": "village"}, "node", [("places", "village")]),
        ({"place": "hamlet"}, "node", [("places", "hamlet")]),
        ({"amenity": "waste_basket"}, "way", []),  # a closed way arrives again as an area
    ],
)
def test_tag_table(tags: dict[str, str], kind: str, expected: list[tuple[str, str]]) -> None:
    assert classify(tags, kind) == expected


def test_surface_tags() -> None:
    assert road_surface({"surface": "asphalt"}) == "hardened"
    assert road_surface({"surface": "gravel"}) == "unhardened"
    assert road_surface({}) == "unknown"


@pytest.fixture(scope="module")
def independent_lengths_km() -> pd.Series:
    """Road length per OSM highway value, read by GDAL's OSM driver, in UTM 32N."""
    lines = pyogrio.read_dataframe(NB, layer="lines", columns=["highway"])
    lines = lines[lines["highway"].notna()].to_crs(32632)
    return lines.groupby("highway").geometry.apply(lambda g: g.length.sum() / 1000)


def _stored_lengths_km(engine: Engine, area: str) -> pd.Series:
    sql = text("""
        SELECT attrs->>'highway' AS highway,
               SUM(ST_Length(ST_Transform(geom, 32632))) / 1000 AS km
        FROM roads WHERE area = :area GROUP BY 1
    """)
    with engine.connect() as conn:
        rows = conn.execute(sql, {"area": area}).all()
    return pd.Series({r[0]: float(r[1]) for r in rows})


def test_road_lengths_match_independent_count(samples: Engine, independent_lengths_km: pd.Series
                                              ) -> None:
    stored = _stored_lengths_km(samples, "north-bayreuth")
    # the figures for this file
    assert independent_lengths_km["motorway"] == pytest.approx(21.9, rel=0.02)
    assert independent_lengths_km["residential"] == pytest.approx(52.4, rel=0.02)
    assert independent_lengths_km["track"] == pytest.approx(305.8, rel=0.02)
    for highway in ("motorway", "primary", "secondary", "tertiary", "unclassified",
                    "residential", "track", "service", "path"):
        assert stored[highway] == pytest.approx(independent_lengths_km[highway], rel=0.02), highway


def test_classes_aggregate_osm_values(samples: Engine, independent_lengths_km: pd.Series) -> None:
    sql = text("SELECT class, SUM(ST_Length(ST_Transform(geom, 32632))) / 1000 FROM roads "
               "WHERE area = 'north-bayreuth' GROUP BY class")
    with samples.connect() as conn:
        by_class = {r[0]: float(r[1]) for r in conn.execute(sql)}
    ind = independent_lengths_km
    assert by_class["expressway"] == pytest.approx(ind["motorway"] + ind["motorway_link"], rel=0.02)
    assert by_class["village"] == pytest.approx(
        ind["unclassified"] + ind["residential"] + ind["living_street"], rel=0.02)
    assert by_class["track"] == pytest.approx(ind["track"], rel=0.02)


def test_north_bayreuth_counts(samples: Engine) -> None:
    counts = layer_counts(samples, "north-bayreuth")
    assert counts["buildings"] == 4267
    with samples.connect() as conn:
        rail_km = conn.execute(text(
            "SELECT SUM(ST_Length(ST_Transform(geom, 32632))) / 1000 FROM railways "
            "WHERE area = 'north-bayreuth'")).scalar_one()
        named = conn.execute(text(
            "SELECT count(*) FROM villages WHERE area = 'north-bayreuth' AND name IS NOT NULL"
        )).scalar_one()
        waste = conn.execute(text(
            "SELECT class, count(*) FROM garbage WHERE area = 'north-bayreuth' GROUP BY class"
        )).all()
    assert float(rail_km) == pytest.approx(16.0, abs=0.5)
    assert named >= 20
    assert dict(waste) == {"recycling": 5, "bin": 1}


def test_villages_derived_with_households(samples: Engine) -> None:
    from gis.villages import list_villages

    villages = list_villages(samples, "north-bayreuth")
    assert len(villages) >= 20
    assert {v.boundary_source for v in villages} == {"derived"}
    with_households = [v for v in villages if v.households > 0]
    assert len(with_households) > 0.8 * len(villages)
    # derived territories tile the extent: no overlaps, total close to the data extent
    with samples.connect() as conn:
        overlap = conn.execute(text(
            "SELECT COALESCE(SUM(ST_Area(ST_Intersection(a.geom, b.geom)::geography)), 0) "
            "FROM villages a JOIN villages b ON a.id < b.id AND a.geom && b.geom "
            "AND a.area = b.area WHERE a.area = 'north-bayreuth'")).scalar_one()
    assert float(overlap) < 1.0  # m²
    assert sum(v.area_km2 for v in villages) == pytest.approx(20 * 24, rel=0.1)


def test_helsinki_lamps(samples: Engine) -> None:
    assert layer_counts(samples, "helsinki")["lights"] == 586


def test_reload_replaces_not_duplicates(samples: Engine) -> None:
    before = layer_counts(samples, "lauf")
    report = load_osm(samples, DATA / "osm" / "lauf-200115.osm.pbf", "lauf")
    assert layer_counts(samples, "lauf") == before
    # the extract's own features, replaced one for one (the synthetic layers of
    # data/synthetic are other sources of the area and stay)
    assert report.replaced == sum(report.layer_counts.values()) < sum(before.values())
    assert any("replaced" in n for n in report.notes)


def test_townships_from_municipal_boundary(samples: Engine) -> None:
    frame = gpd.read_postgis(
        "SELECT name, township, geom FROM villages WHERE area = 'north-bayreuth'",
        samples, geom_col="geom")
    assert (frame["township"] == "Heinersreuth").sum() >= 2
