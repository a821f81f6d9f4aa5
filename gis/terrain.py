"""The terrain model in the analysis: elevation statistics and visibility (viewsheds).

A terrain is the area's DEM reprojected to the area's metric CRS (bilinear), so
distances are metres. A viewshed is computed by exact line-of-sight sampling: for every
cell within ``max_distance`` of the observer, the sight line to the cell centre is
sampled every half cell (bilinear elevation); the cell is visible when no sample rises
above the line. Earth curvature and refraction follow ``gdal_viewshed``'s convention
(the drop d²/2R is scaled by the curvature coefficient, 0.85714 for visible light).
Vectorised with numpy over all cells and samples, chunked to bound memory.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import rasterio
from numpy.typing import NDArray
from rasterio.transform import Affine
from rasterio.warp import Resampling, calculate_default_transform, reproject
from scipy.ndimage import map_coordinates
from sqlalchemy import Engine, text

EARTH_RADIUS_M = 6_371_008.8
VISIBLE_LIGHT_CC = 0.85714


@dataclass(frozen=True)
class Terrain:
    """Elevation (m, NaN where unknown) on a grid in a metric CRS."""

    elevation: NDArray[np.float64]
    transform: Affine
    crs: str

    @property
    def cell(self) -> float:
        """Cell size, metres (square cells)."""
        return float(abs(self.transform.a))

    def to_rowcol(self, xy: NDArray[np.float64]) -> NDArray[np.float64]:
        """Fractional (row, col) of points (x, y) in metres; cell centres are integers."""
        inv = ~self.transform
        cols, rows = inv * (xy[:, 0], xy[:, 1])
        return np.column_stack([np.asarray(rows) - 0.5, np.asarray(cols) - 0.5])

    def sample(self, xy: NDArray[np.float64]) -> NDArray[np.float64]:
        """Bilinear elevation at points (x, y), metres."""
        rc = self.to_rowcol(xy)
        return np.asarray(map_coordinates(self.elevation, rc.T, order=1, mode="nearest",
                                          cval=np.nan), dtype=float)


def read_terrain(path: str, crs: str) -> Terrain:
    """Read a DEM file and reproject it to ``crs`` at about its own resolution."""
    with rasterio.open(path) as src:
        transform, width, height = calculate_default_transform(
            src.crs, crs, src.width, src.height, *src.bounds)
        size = min(abs(transform.a), abs(transform.e))
        transform, width, height = calculate_default_transform(
            src.crs, crs, src.width, src.height, *src.bounds, resolution=size)
        dem = np.full((int(height), int(width)), np.nan)
        reproject(rasterio.band(src, 1), dem, src_transform=src.transform, src_crs=src.crs,
                  src_nodata=src.nodata, dst_transform=transform, dst_crs=crs,
                  dst_nodata=np.nan, resampling=Resampling.bilinear)
    return Terrain(dem, transform, crs)


def area_terrain(engine: Engine, area: str, epsg: int) -> Terrain | None:
    """The area's terrain in EPSG:``epsg`` metres (None when the area has no DEM)."""
    with engine.connect() as conn:
        row = conn.execute(text("SELECT path FROM rasters WHERE area = :a ORDER BY res_x LIMIT 1"),
                           {"a": area}).first()
    return None if row is None else read_terrain(str(row[0]), f"EPSG:{epsg}")


def viewshed(
    terrain: Terrain, observer_xy: tuple[float, float], *, observer_height: float = 1.7,
    target_height: float = 0.0, max_distance: float = 3000.0,
    curvature: float = VISIBLE_LIGHT_CC, chunk: int = 4096,
) -> NDArray[np.bool_]:
    """Cells visible from one observer (a boolean grid shaped like the terrain).

    Parameters
    ----------
    terrain
        Elevation grid in a metric CRS.
    observer_xy
        Observer position (x, y) in the terrain's CRS, metres.
    observer_height, target_height
        Heights above the ground of the eye and of the target, metres.
    max_distance
        Cells farther than this (metres) are not visible.
    curvature
        Curvature coefficient (0 ignores the earth's curvature).
    chunk
        Cells per vectorised batch (memory ≈ chunk × samples × 8 bytes × a few).
    """
    z = terrain.elevation
    visible = np.zeros(z.shape, dtype=bool)
    ox, oy = observer_xy
    z_obs = float(terrain.sample(np.array([[ox, oy]]))[0])
    if not np.isfinite(z_obs):
        return visible
    eye = z_obs + observer_height
    rows, cols = np.nonzero(np.isfinite(z))
    xs, ys = terrain.transform * (cols + 0.5, rows + 0.5)
    dx, dy = np.asarray(xs) - ox, np.asarray(ys) - oy
    dist = np.hypot(dx, dy)
    near = dist <= max_distance
    rows, cols, dx, dy, dist = rows[near], cols[near], dx[near], dy[near], dist[near]
    if len(dist) == 0:
        return visible
    step = terrain.cell / 2.0
    n_samples = max(int(np.ceil(dist.max() / step)), 1)
    k = 2.0 * EARTH_RADIUS_M
    target_z = z[rows, cols] + target_height - curvature * dist**2 / k
    with np.errstate(divide="ignore", invalid="ignore"):
        target_slope = (target_z - eye) / dist
    for start in range(0, len(dist), chunk):
        sl = slice(start, start + chunk)
        d = dist[sl]
        # sample every half cell strictly between observer and target
        t = np.arange(1, n_samples + 1)[None, :] * step / np.maximum(d[:, None], 1e-9)
        # samples within a cell of the target belong to its own slope, not to the horizon
        inside = (t * d[:, None]) < d[:, None] - terrain.cell
        sx = ox + dx[sl][:, None] * t
        sy = oy + dy[sl][:, None] * t
        sd = d[:, None] * t
        sz = terrain.sample(np.column_stack([sx.ravel(), sy.ravel()])).reshape(sx.shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = (sz - curvature * sd**2 / k - eye) / sd
        slope = np.where(inside & np.isfinite(slope), slope, -np.inf)
        blocked = slope.max(axis=1) > target_slope[sl]
        visible[rows[sl], cols[sl]] = ~blocked
    visible[np.isnan(z)] = False
    return visible
