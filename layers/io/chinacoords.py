"""Undo the offsets of Chinese web maps: GCJ-02 (Amap, Tencent) and BD-09 (Baidu) to WGS84.

GCJ-02 is WGS84 shifted by a published, deterministic function of position (on the
Krasovsky ellipsoid); BD-09 is GCJ-02 shifted once more. The forward functions are
exact; the inverse of GCJ-02 is solved by fixed-point iteration to better than
1e-10 degrees (about 0.01 mm). Points outside China are not offset by either system.
All functions take and return longitude, latitude in degrees, vectorised over arrays.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

CoordSystem = Literal["wgs84", "gcj02", "bd09"]
_A = 6378245.0  # Krasovsky 1940 semi-major axis, metres
_EE = 0.00669342162296594323  # its first eccentricity squared
_X_PI = np.pi * 3000.0 / 180.0

Float = NDArray[np.float64]


def in_china(lon: ArrayLike, lat: ArrayLike) -> NDArray[np.bool_]:
    """Whether points lie in the rectangle where the offsets apply (roughly China)."""
    lon_a, lat_a = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    return (lon_a > 72.004) & (lon_a < 137.8347) & (lat_a > 0.8293) & (lat_a < 55.8271)


def _delta(lon: Float, lat: Float) -> tuple[Float, Float]:
    x, y = lon - 105.0, lat - 35.0
    sq = np.sqrt(np.abs(x))
    common = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    dlat = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sq + common
            + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
            + (160.0 * np.sin(y / 12.0 * np.pi) + 320 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0)
    dlon = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sq + common
            + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
            + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0)
    rad = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad) * np.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Float, Float]:
    """WGS84 → GCJ-02 (degrees)."""
    lon_a, lat_a = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    dlon, dlat = _delta(lon_a, lat_a)
    inside = in_china(lon_a, lat_a)
    return np.where(inside, lon_a + dlon, lon_a), np.where(inside, lat_a + dlat, lat_a)


def _invert(
    forward: Callable[[Float, Float], tuple[Float, Float]], lon: ArrayLike, lat: ArrayLike,
    start: tuple[Float, Float] | None = None,
) -> tuple[Float, Float]:
    """Solve forward(x) = (lon, lat) by fixed-point iteration (the shifts vary slowly)."""
    t_lon, t_lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    x_lon, x_lat = (t_lon.copy(), t_lat.copy()) if start is None else start
    for _ in range(30):
        f_lon, f_lat = forward(x_lon, x_lat)
        e_lon, e_lat = f_lon - t_lon, f_lat - t_lat
        x_lon, x_lat = x_lon - e_lon, x_lat - e_lat
        if max(np.max(np.abs(e_lon), initial=0.0), np.max(np.abs(e_lat), initial=0.0)) < 1e-10:
            break
    return x_lon, x_lat


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[Float, Float]:
    """GCJ-02 → WGS84 (degrees), by iteration to 1e-10 degrees."""
    return _invert(wgs84_to_gcj02, lon, lat)


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[Float, Float]:
    """GCJ-02 → BD-09 (degrees)."""
    x, y = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Float, Float]:
    """BD-09 → GCJ-02 (degrees), Baidu's published closed form (good to about 1e-6°)."""
    x = np.asarray(lon, dtype=float) - 0.0065
    y = np.asarray(lat, dtype=float) - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def to_wgs84(lon: ArrayLike, lat: ArrayLike, system: CoordSystem) -> tuple[Float, Float]:
    """Convert longitudes/latitudes in ``system`` to WGS84 (degrees)."""
    if system == "wgs84":
        return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    if system == "bd09":
        # refine the closed form by iteration so BD-09 round trips to 1e-10°
        lon, lat = _invert(gcj02_to_bd09, lon, lat, start=bd09_to_gcj02(lon, lat))
    return gcj02_to_wgs84(lon, lat)


def from_wgs84(lon: ArrayLike, lat: ArrayLike, system: CoordSystem) -> tuple[Float, Float]:
    """Convert WGS84 longitudes/latitudes to ``system`` (degrees), e.g. for a Gaode background."""
    if system == "wgs84":
        return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    return gcj02_to_bd09(g_lon, g_lat) if system == "bd09" else (g_lon, g_lat)
