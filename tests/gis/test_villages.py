"""The village list: SQL figures agree with an in-process geopandas computation."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
from sqlalchemy import Engine

from gis.villages import list_villages
from layers.errors import UnknownArea
from layers.store import read_layer
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
