"""The village list: SQL figures agree with an in-process geopandas computation."""

from __future__ import annotations

import json
from typing import Any

import geopandas as gpd
import pytest
from sqlalchemy import Engine, text

from gis.villages import list_villages
from layers.errors import UnknownArea
from layers.store import layer_counts, read_layer
from tests.conftest import run_vgis


def test_households_and_area_agree_with_geopandas(samples: Engine) -> None:
    villages = read_layer(samples, "villages", area="lauf")
    buildings = read_layer(samples, "buildings", area="lauf")
    utm = villages.to_crs(32632)
    centroids = gpd.GeoDataFrame(buildings[["households", "class"]],
                                 geometry=buildings.to_crs(32632).centroid)
    residential = centroids[centroids["class"] == "residential"]
    joined = gpd.sjoin(residential, utm[["name", utm.geometry.name]], predicate="within")
    expected = joined.groupby("name")["households"].sum().to_dict()
    listed = {v.name: v for v in list_villages(samples, "lauf")}
    assert {k: v.households for k, v in listed.items()} == expected
    assert sum(expected.values()) > 6000
    km2 = dict(zip(utm["name"], utm.area / 1e6, strict=True))
    for name, v in listed.items():
        assert v.area_km2 == pytest.approx(km2[name], rel=0.002)


def test_unknown_area(samples: Engine) -> None:
    with pytest.raises(UnknownArea, match="nowhere"):
        list_villages(samples, "nowhere")


def test_cli_villages_json(samples: Engine) -> None:
    rows = json.loads(run_vgis("villages", "--area", "north-bayreuth", "--json").stdout)
    assert len(rows) >= 20
    assert set(rows[0]) >= {"name", "code", "boundary_source", "area_km2", "households",
                            "population"}
    proc = run_vgis("villages", "--area", "nowhere", check=False)
    assert proc.returncode == 2
    assert "no area named 'nowhere'" in proc.stderr


def test_conformance_households(engine: Engine, conformance: dict[str, Any]) -> None:
    """The conformance set loads whole, and households per village match its figures."""
    counts = layer_counts(engine, "conformance-lauf")
    assert {k: counts[k] for k in ("villages", "roads", "railways", "lights", "garbage")} == {
        "villages": 9, "roads": 2703, "railways": 64, "lights": 3392, "garbage": 41}
    # five footprints of no area (cut at the extract's edge) are kept as points, not lost
    assert counts["buildings"] == 6515
    with engine.connect() as conn:
        planned = conn.execute(text(
            "SELECT count(*) FROM lights WHERE area = 'conformance-lauf' AND status = 'planned'"
        )).scalar_one()
    assert planned == 30
    listed = {v.name: v.households for v in list_villages(engine, "conformance-lauf")}
    assert listed == {name: fig["households"] for name, fig in conformance["villages"].items()}


def test_cli_load_osm_json_is_quiet_and_exact(engine: Engine) -> None:
    proc = run_vgis("load", "osm", "data/osm/helsinki.osm.pbf", "--area", "hel-json", "--json")
    report = json.loads(proc.stdout)  # nothing but JSON on stdout
    assert report["area"] == "hel-json"
    assert report["features"]["lights"] == 586
    assert proc.stderr == ""
