"""The terrain model in the analysis: elevation in metres and visibility (viewsheds).

A terrain is the area's DEM reprojected to the area's metric CRS (bilinear), so
distances are metres. A viewshed is exact line of sight in the manner of Franklin and
Ray's R3: for every cell within ``max_distance`` of the observer, the sight line to the
cell centre is tested where it crosses each row or column of cell centres (rows when
it runs more north–south, columns otherwise), with the elevation interpolated linearly
between the two centres it passes; the cell is visible when no crossing rises above
the line. Earth curvature and refraction follow ``gdal_viewshed``'s convention (the
drop d²/2R is scaled by the curvature coefficient, 0.85714 for visible light).
Vectorised with numpy over the cells of each observer (in batches of similar
distance), and a union of observers tests only the cells not yet seen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import rasterio
import shapely
from numpy.typing import NDArray
from rasterio.transform import Affine
from rasterio.warp import Resampling, calculate_default_transform, reproject
from scipy.ndimage import distance_transform_edt, map_coordinates
from scipy.spatial import cKDTree
from sqlalchemy import Engine

from gis.params import VISIBLE_LIGHT_CC, VisibilityParams, check_metres
from layers.errors import VgisError
from layers.store import terrain_path

EARTH_RADIUS_M = 6_371_008.8


@dataclass
class SightWork:
    """What viewshed computations did, summed over the calls given this record.

    Attributes
    ----------
    cells
        Target cells whose line of sight was tested (per observer, the unseen cells
        within reach).
    samples
        Elevations interpolated: the sight-line samples, and one per observer for the
        ground under it.
    """

    cells: int = 0
    samples: int = 0


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

    @cached_property
    def filled(self) -> NDArray[np.float64]:
        """The elevation with each unknown cell given its nearest known cell's value.

        Interpolation reads this grid, so a void or the border of a reprojected DEM
        never turns a neighbouring sample into NaN (and so never hides a ridge).
        """
        void = np.isnan(self.elevation)
        if not void.any() or void.all():
            return self.elevation
        idx = distance_transform_edt(void, return_distances=False, return_indices=True)
        return np.asarray(self.elevation[tuple(idx)], dtype=float)

    def interpolate(self, rows: NDArray[np.float64], cols: NDArray[np.float64]
                    ) -> NDArray[np.float64]:
        """Bilinear elevation at fractional (row, col) of the filled grid, metres."""
        return np.asarray(map_coordinates(self.filled, [rows, cols], order=1, mode="nearest"),
                          dtype=float)

    def sample(self, xy: NDArray[np.float64]) -> NDArray[np.float64]:
        """Bilinear elevation at points (x, y), metres; NaN off the terrain.

        A point is off the terrain when it lies outside the grid or in a cell of
        unknown elevation.
        """
        rc = self.to_rowcol(np.asarray(xy, dtype=float).reshape(-1, 2))
        n_rows, n_cols = self.elevation.shape
        out = np.full(len(rc), np.nan)
        inside = ((rc[:, 0] >= -0.5) & (rc[:, 0] <= n_rows - 0.5)
                  & (rc[:, 1] >= -0.5) & (rc[:, 1] <= n_cols - 0.5))
        near = np.clip(np.rint(rc[inside]).astype(np.int64), 0, [n_rows - 1, n_cols - 1])
        known = np.isfinite(self.elevation[near[:, 0], near[:, 1]])
        pick = np.flatnonzero(inside)[known]
        out[pick] = self.interpolate(rc[pick, 0], rc[pick, 1])
        return out


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
    path = terrain_path(engine, area)
    return None if path is None else read_terrain(path, f"EPSG:{epsg}")


def viewshed(
    terrain: Terrain, observer_xy: tuple[float, float], *,
    observer_height: float = VisibilityParams.road_height_m,
    target_height: float = VisibilityParams.target_height_m,
    max_distance: float = VisibilityParams.max_distance_m,
    curvature: float = VISIBLE_LIGHT_CC, chunk: int = 4096, work: SightWork | None = None,
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
    work
        When given, the cells tested and samples taken are added to it.
    """
    return union_viewshed(terrain, np.array([observer_xy], dtype=float),
                          np.array([observer_height], dtype=float),
                          target_height=target_height, max_distance=max_distance,
                          curvature=curvature, chunk=chunk, work=work)


def union_viewshed(
    terrain: Terrain, observers: NDArray[np.float64], heights: NDArray[np.float64], *,
    target_height: float = VisibilityParams.target_height_m,
    max_distance: float = VisibilityParams.max_distance_m,
    curvature: float = VISIBLE_LIGHT_CC, targets: NDArray[np.bool_] | None = None,
    chunk: int = 4096, work: SightWork | None = None,
) -> NDArray[np.bool_]:
    """Cells visible from at least one of several observers.

    Each observer only tests the cells that no earlier observer saw, nearest first
    and in batches of similar distance (so a batch samples only as far as it needs):
    the cost per observer is (unseen cells in range) × (distance / half a cell).

    Parameters
    ----------
    terrain
        Elevation grid in a metric CRS.
    observers
        Observer positions, shape (n, 2): x, y in the terrain's CRS, metres.
    heights
        Eye height above the ground of each observer, metres, shape (n,).
    target_height
        Height above the ground of the target, metres.
    max_distance
        Cells farther than this (metres) from an observer are not visible from it.
    curvature
        Curvature coefficient (0 ignores the earth's curvature).
    targets
        Only these cells are tested (a boolean grid like the terrain); all by default.
    chunk
        Cells per vectorised batch.
    work
        When given, the cells tested and samples taken are added to it.
    """
    z = terrain.elevation
    seen = np.zeros(z.shape, dtype=bool)
    todo = np.isfinite(z) if targets is None else (targets & np.isfinite(z))
    if len(observers) == 0 or not todo.any():
        return seen
    observers = np.asarray(observers, dtype=float)
    z_obs = terrain.sample(observers)
    if work is not None:
        work.samples += len(observers)
    centre = terrain.to_rowcol(observers)
    reach = int(np.ceil(max_distance / terrain.cell)) + 1
    n_rows, n_cols = z.shape
    for (ox, oy), h, zo, (r, c) in zip(observers, heights, z_obs, centre, strict=True):
        if not np.isfinite(zo):
            continue
        # only the window within reach of this observer, and only cells not yet seen
        r0, r1 = max(int(r) - reach, 0), min(int(r) + reach + 1, n_rows)
        c0, c1 = max(int(c) - reach, 0), min(int(c) + reach + 1, n_cols)
        if r0 >= r1 or c0 >= c1:
            continue
        rr, cc = np.nonzero(todo[r0:r1, c0:c1] & ~seen[r0:r1, c0:c1])
        rr, cc = rr + r0, cc + c0
        xs, ys = terrain.transform * (cc + 0.5, rr + 0.5)
        dx, dy = np.asarray(xs) - ox, np.asarray(ys) - oy
        dist = np.hypot(dx, dy)
        keep = dist <= max_distance
        order = np.argsort(dist[keep], kind="stable")
        rr, cc = rr[keep][order], cc[keep][order]
        dx, dy, dist = dx[keep][order], dy[keep][order], dist[keep][order]
        vis = _line_of_sight(terrain, float(r), float(c), float(zo + h), rr, cc, dist,
                             z[rr, cc] + target_height, curvature, chunk, work)
        seen[rr[vis], cc[vis]] = True
    return seen


def _line_of_sight(
    terrain: Terrain, orow: float, ocol: float, eye: float, rr: NDArray[np.int64],
    cc: NDArray[np.int64], dist: NDArray[np.float64], target_z: NDArray[np.float64],
    curvature: float, chunk: int, work: SightWork | None = None,
) -> NDArray[np.bool_]:
    """Whether each target cell (rr, cc; sorted by distance) is seen from the eye.

    The sight line is sampled where it crosses the rows or columns of cell centres
    (rows when it runs more north–south, columns otherwise), with the elevation
    interpolated linearly between the two centres it passes: Franklin and Ray's R3.
    """
    out = np.zeros(len(dist), dtype=bool)
    if work is not None:
        work.cells += len(dist)
    if len(dist) == 0:
        return out
    k = 2.0 * EARTH_RADIUS_M
    with np.errstate(divide="ignore", invalid="ignore"):
        target_slope = (target_z - curvature * dist**2 / k - eye) / dist
    drow, dcol = rr - orow, cc - ocol
    along_cols = np.abs(dcol) >= np.abs(drow)
    # the major axis: its start (the eye), its end (the target cell) and direction
    a = np.where(along_cols, ocol, orow)
    span = np.where(along_cols, dcol, drow)
    sign = np.sign(span)
    first = np.where(sign > 0, np.floor(a) + 1.0, np.ceil(a) - 1.0)
    count = np.maximum(np.abs(np.where(along_cols, cc, rr) - first), 0).astype(np.int64)
    for start in range(0, len(dist), chunk):
        sl = slice(start, start + chunk)
        n = int(count[sl].max()) if count[sl].size else 0
        if n == 0:
            out[sl] = True
            continue
        steps = np.arange(n)[None, :]
        major = first[sl, None] + sign[sl, None] * steps
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.nan_to_num((major - a[sl, None]) / span[sl, None])
        valid = steps < count[sl, None]
        pr = np.where(along_cols[sl, None], orow + drow[sl, None] * t, major)
        pc = np.where(along_cols[sl, None], major, ocol + dcol[sl, None] * t)
        sz = terrain.interpolate(pr.ravel(), pc.ravel()).reshape(pr.shape)
        if work is not None:
            work.samples += int(pr.size)
        sd = dist[sl, None] * t
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = (sz - curvature * sd**2 / k - eye) / sd
        slope = np.where(valid & np.isfinite(slope), slope, -np.inf)
        out[sl] = ~(slope.max(axis=1) > target_slope[sl])
    return out


def observers_along(
    lines: Sequence[Any] | NDArray[Any], spacing: float,
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Observer points every ``spacing`` metres along lines (both ends included).

    Of two points closer than half a spacing (the other carriageway of a dual road, the
    joint of two pieces, a line's far end just past its last step) the later one is
    dropped.

    Parameters
    ----------
    lines
        Line geometries in a metric CRS.
    spacing
        Distance between observers along a line, metres (> 0).

    Returns
    -------
    points, line_index
        Observer positions, shape (n, 2), metres; and the index into ``lines`` of the
        line each observer stands on.
    """
    if spacing <= 0:
        raise VgisError("the observer spacing must be more than 0 metres")
    geoms = np.asarray(lines, dtype=object)
    if len(geoms) == 0:
        return np.empty((0, 2)), np.empty(0, dtype=np.int64)
    length = shapely.length(geoms)
    counts = np.floor(length / spacing).astype(np.int64) + 1
    which = np.repeat(np.arange(len(geoms)), counts)
    first = np.repeat(np.cumsum(counts) - counts, counts)
    along = np.minimum((np.arange(counts.sum()) - first) * spacing, length[which])
    # the far end of each line too
    which = np.r_[which, np.arange(len(geoms))]
    along = np.r_[along, length]
    pts = shapely.line_interpolate_point(geoms[which], along)
    xy = shapely.get_coordinates(pts)
    # of two observers closer than half a spacing, the later one goes
    pairs = cKDTree(xy).query_pairs(spacing / 2.0 * (1 - 1e-9), output_type="ndarray")
    keep = np.ones(len(xy), dtype=bool)
    keep[pairs.max(axis=1)] = False
    return xy[keep], which[keep].astype(np.int64)


def require_terrain(engine: Engine, area: str, epsg: int) -> Terrain:
    """:func:`area_terrain`, or a VgisError that says how to load one."""
    terrain = area_terrain(engine, area, epsg)
    if terrain is None:
        raise VgisError(f"area {area!r} has no terrain model; load one with "
                        f"`vgis load dem FILE --area {area}`")
    return terrain


def terrain_of(engine: Engine, area: str) -> tuple[Terrain, int]:
    """The area's terrain in its metric CRS, and that CRS's EPSG code (an error without)."""
    from gis.context import metric_epsg

    epsg = metric_epsg(engine, area)
    return require_terrain(engine, area, epsg), epsg


def to_metric(points_lonlat: Sequence[tuple[float, float]], epsg: int) -> NDArray[np.float64]:
    """(lon, lat) WGS84 degrees as (x, y) metres of EPSG:``epsg``, shape (n, 2)."""
    from pyproj import Transformer

    lon, lat = np.asarray(points_lonlat, dtype=float).T
    x, y = Transformer.from_crs(4326, epsg, always_xy=True).transform(lon, lat)
    return np.column_stack([x, y])


def viewshed_at(
    engine: Engine, area: str, lonlat: tuple[float, float], *,
    observer_height: float | None = None, params: VisibilityParams | None = None,
) -> tuple[NDArray[np.bool_], Terrain]:
    """The viewshed of one observer at (lon, lat) WGS84 degrees over an area's terrain.

    Parameters
    ----------
    engine, area
        The store and the area whose terrain model is used.
    lonlat
        The observer, WGS84 degrees.
    observer_height
        Eye height above the ground, metres (None: that of an observer on a road).
    params
        Target height, maximum distance and curvature (default:
        :meth:`VisibilityParams.defaults`).

    Raises
    ------
    VgisError
        When the area has no terrain, the observer stands off it, or a value is wrong.
    """
    if observer_height is not None:
        check_metres("the observer height", observer_height)
    params = (params or VisibilityParams.defaults()).updated(road_height_m=observer_height)
    terrain, epsg = terrain_of(engine, area)
    xy = to_metric([lonlat], epsg)
    if not np.isfinite(terrain.sample(xy)[0]):
        raise VgisError(f"{lonlat[0]:.6f},{lonlat[1]:.6f} lies outside the terrain model "
                        f"of area {area!r}")
    seen = viewshed(terrain, (float(xy[0, 0]), float(xy[0, 1])),
                    observer_height=params.road_height_m, target_height=params.target_height_m,
                    max_distance=params.max_distance_m, curvature=params.curvature)
    return seen, terrain


def write_viewshed(path: Path, seen: NDArray[np.bool_], terrain: Terrain) -> None:
    """Write a viewshed as a GeoTIFF: 1 visible, 0 not visible, 255 no terrain."""
    data = np.where(np.isfinite(terrain.elevation), seen.astype(np.uint8), 255).astype(np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    with rasterio.open(path, "w", driver="GTiff", width=data.shape[1], height=data.shape[0],
                       count=1, dtype="uint8", crs=terrain.crs, transform=terrain.transform,
                       nodata=255, compress="deflate") as dst:
        dst.write(data, 1)
