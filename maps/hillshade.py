"""Hillshade of an area's terrain model: the default background when there is no tile service."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import numpy as np
import rasterio
from numpy.typing import NDArray
from rasterio.warp import Resampling, calculate_default_transform, reproject
from sqlalchemy import Engine

from layers.store import terrain_path


@dataclass(frozen=True)
class Shade:
    """A hillshade image (0–255, NaN where there is no data) and its bounds in ``crs``."""

    image: NDArray[np.float64]
    bounds: tuple[float, float, float, float]  # left, bottom, right, top
    crs: str


def hillshade(elevation: NDArray[np.float64], cell_x: float, cell_y: float,
              azimuth: float = 315.0, altitude: float = 45.0) -> NDArray[np.float64]:
    """Hillshade (0–255) of an elevation grid with cells ``cell_x`` × ``cell_y`` metres."""
    dy, dx = np.gradient(elevation, cell_y, cell_x)
    slope = np.arctan(np.hypot(dx, dy))
    aspect = np.arctan2(-dx, dy)
    az, alt = np.radians(360.0 - azimuth + 90.0), np.radians(altitude)
    shaded = np.sin(alt) * np.cos(slope) + np.cos(alt) * np.sin(slope) * np.cos(az - aspect)
    return np.asarray(np.clip(shaded, 0, 1) * 255.0, dtype=float)


def area_hillshade(engine: Engine, area: str, crs: str = "EPSG:3857",
                   bounds_wgs84: tuple[float, float, float, float] | None = None
                   ) -> Shade | None:
    """The hillshade of ``area``'s terrain model reprojected to ``crs`` (None without DEM)."""
    path = terrain_path(engine, area)
    if path is None:
        return None
    with rasterio.open(path) as src:
        left, bottom, right, top = src.bounds
        if bounds_wgs84 is not None and src.crs.to_epsg() == 4326:
            left, bottom = max(left, bounds_wgs84[0]), max(bottom, bounds_wgs84[1])
            right, top = min(right, bounds_wgs84[2]), min(top, bounds_wgs84[3])
        # four output pixels per cell: bilinear resampling gives a smooth relief
        transform, width, height = calculate_default_transform(
            src.crs, crs, src.width * 4, src.height * 4, left=left, bottom=bottom, right=right,
            top=top)
        width, height = max(int(width), 2), max(int(height), 2)
        dem = np.full((height, width), np.nan)
        reproject(rasterio.band(src, 1), dem, dst_transform=transform, dst_crs=crs,
                  dst_nodata=np.nan, resampling=Resampling.bilinear)
    cell_x, cell_y = abs(transform.a), abs(transform.e)
    if crs == "EPSG:3857":  # web-mercator metres are stretched by 1/cos(lat)
        lat = np.radians((bottom + top) / 2)
        cell_x, cell_y = cell_x * np.cos(lat), cell_y * np.cos(lat)
    shade = hillshade(dem, cell_x, cell_y)
    shade[np.isnan(dem)] = np.nan
    b = (transform.c, transform.f + transform.e * height, transform.c + transform.a * width,
         transform.f)
    return Shade(shade, b, crs)


def shade_png(shade: Shade) -> str:
    """The hillshade as a PNG ``data:`` URI (grey, transparent where there is no data)."""
    import matplotlib.image

    grey = np.nan_to_num(shade.image, nan=0.0) / 255.0
    rgba = np.dstack([grey, grey, grey, np.where(np.isnan(shade.image), 0.0, 0.55)])
    buf = io.BytesIO()
    matplotlib.image.imsave(buf, rgba, format="png")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
