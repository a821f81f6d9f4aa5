"""Register terrain models (GeoTIFF, SRTM .hgt / .hgt.zip) to an area.

The raster is copied into the data directory as a tiled, compressed GeoTIFF (so
the store does not depend on where the original lay) and registered in the
``rasters`` table with its footprint, CRS, resolution and value range.
"""

from __future__ import annotations

import uuid
import zipfile
from pathlib import Path

import numpy as np
import rasterio
import shapely
from rasterio.errors import RasterioIOError
from rasterio.warp import transform_geom
from sqlalchemy import Engine

from layers.errors import UnreadableFile, UnsupportedCRS
from layers.io.crs import usable_crs
from layers.models import loads, rasters
from layers.report import TerrainRecord
from layers.runtime.settings import get_settings
from layers.store import ensure_area, file_sha256, lock_source


def _dataset_path(path: Path) -> str:
    if path.name.lower().endswith(".zip"):
        try:
            with zipfile.ZipFile(path) as zf:
                inner = [n for n in zf.namelist() if n.lower().endswith((".hgt", ".tif", ".tiff"))]
        except zipfile.BadZipFile as exc:
            raise UnreadableFile(f"{path.name}: not a readable zip archive") from exc
        if len(inner) != 1:
            raise UnreadableFile(f"{path.name}: expected one .hgt or .tif inside, found {inner}")
        return f"/vsizip/{path}/{inner[0]}"
    return str(path)


def load_dem(engine: Engine, path: Path, area: str, actor: str | None = None
             ) -> TerrainRecord:
    """Copy a terrain model into the data directory and register it to ``area``.

    Loading the same file name into the same area again replaces the earlier one.

    Returns
    -------
    TerrainRecord
        The registered raster: path, CRS, size, resolution, elevation range (metres).
    """
    if not path.exists():
        raise UnreadableFile(f"{path}: no such file")
    try:
        with rasterio.open(_dataset_path(path)) as src:
            if src.crs is None:
                raise UnsupportedCRS(f"{path.name}: the raster has no CRS")
            usable_crs(src.crs.to_wkt(), path.name)
            data = src.read(1, masked=True)
            profile = src.profile.copy()
            bounds = src.bounds
            crs = src.crs
            footprint = shapely.geometry.shape(transform_geom(
                crs, "EPSG:4326", shapely.geometry.mapping(shapely.box(*bounds))))
    except RasterioIOError as exc:
        raise UnreadableFile(f"{path.name}: cannot read raster ({exc})") from exc
    if data.count() == 0:
        raise UnreadableFile(f"{path.name}: the raster holds no valid cells")
    out_dir = get_settings().raster_dir / area
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = path.name.split(".")[0]
    target = out_dir / f"{stem}.tif"
    profile.update(driver="GTiff", tiled=True, blockxsize=256, blockysize=256, compress="deflate")
    if profile.get("nodata") is None:
        profile["nodata"] = -32768 if np.issubdtype(data.dtype, np.integer) else np.nan
    tmp = target.with_name(f"{stem}.{uuid.uuid4().hex}.tmp.tif")  # one per load
    with rasterio.open(tmp, "w", **profile) as dst:
        dst.write(data.filled(profile["nodata"]), 1)
    info: dict[str, object] = {
        "area": area, "source": path.name, "path": str(target), "crs": crs.to_string(),
        "width": int(profile["width"]), "height": int(profile["height"]),
        "res_x": float(profile["transform"].a), "res_y": float(-profile["transform"].e),
        "nodata": float(profile["nodata"]),
        "min_value": float(data.min()), "max_value": float(data.max()),
    }
    with engine.begin() as conn:
        ensure_area(conn, area)
        lock_source(conn, area, path.name)
        conn.execute(rasters.delete().where(rasters.c.area == area, rasters.c.source == path.name))
        conn.execute(rasters.insert().values(**info, footprint=f"SRID=4326;{footprint.wkt}"))
        conn.execute(loads.insert().values(
            area=area, source=path.name, kind="dem", sha256=file_sha256(path),
            counts={"rasters": 1}, report=info, actor=actor,
        ))
        tmp.replace(target)
    return TerrainRecord.model_validate(info)
