"""Terrain models registered to areas: GeoTIFF and zipped SRTM .hgt."""

from __future__ import annotations

from pathlib import Path

import pytest
import rasterio
from sqlalchemy import Engine, text

from layers.errors import UnreadableFile
from layers.io.dem import load_dem
from tests.conftest import DATA


def test_geotiff_registered(samples: Engine) -> None:
    with samples.connect() as conn:
        row = conn.execute(text(
            "SELECT path, width, height, min_value, max_value, "
            "ST_XMin(footprint), ST_YMax(footprint) FROM rasters WHERE area = 'lauf'")).one()
    assert (row.width, row.height) == (91, 49)
    assert (row.min_value, row.max_value) == (311, 421)
    with rasterio.open(row.path) as src:  # the copy in the data directory is readable
        assert src.read(1).max() == 421


def test_hgt_zip_and_replacement(engine: Engine) -> None:
    info = load_dem(engine, DATA / "dem" / "N49E011.hgt.zip", "srtm-tile")
    assert (info.width, info.height) == (1201, 1201)
    assert 200 < info.min_value < info.max_value < 1100
    load_dem(engine, DATA / "dem" / "N49E011.hgt.zip", "srtm-tile")
    with engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM rasters WHERE area = 'srtm-tile'")).scalar_one()
    assert n == 1


def test_not_a_raster(engine: Engine, tmp_path: Path) -> None:
    bad = tmp_path / "terrain.tif"
    bad.write_bytes(b"not a tiff")
    with pytest.raises(UnreadableFile, match=r"terrain\.tif"):
        load_dem(engine, bad, "bad-dem")
