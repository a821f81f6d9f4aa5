"""Elevation profiles: the terrain along a line, every so many metres (海拔, 坡度 along a road).

The line is sampled every ``step`` metres (default half a cell) in the area's metric CRS
and the terrain interpolated bilinearly (:meth:`gis.terrain.Terrain.sample`); the
profile reports the heights, their range and the total climb and descent.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import shapely
from pydantic import BaseModel, Field
from sqlalchemy import Engine

from gis.terrain import Terrain, terrain_of, to_metric
from layers.errors import VgisError

MAX_PROFILE_SAMPLES = 100_000
"""Most points an elevation profile samples (a longer step is asked for beyond)."""


class LineProfile(BaseModel):
    """Elevation along a line, from its first vertex to its last."""

    length_m: float = Field(description="length of the line, metres")
    step_m: float = Field(description="sampling interval along it, metres")
    distance_m: list[float] = Field(description="distance of each sample from the start, m")
    elevation_m: list[float | None] = Field(
        description="elevation of each sample, metres (null off the terrain)")
    min_m: float | None = Field(description="lowest elevation, metres")
    max_m: float | None = Field(description="highest elevation, metres")
    ascent_m: float = Field(description="total climb from start to end, metres")
    descent_m: float = Field(description="total descent from start to end, metres")


class _Where(BaseModel):
    area: str = Field(description="the area whose terrain model was used")
    crs: str = Field(description="the metric CRS the distances are measured in")


class ElevationProfile(LineProfile, _Where):
    """A profile along a line given in WGS84 degrees, over an area's terrain."""


def elevation_profile(terrain: Terrain, line: Any, step: float | None = None
                      ) -> LineProfile:
    """Elevation along a line, every ``step`` metres (default: half a cell).

    Parameters
    ----------
    terrain
        Elevation grid in a metric CRS.
    line
        A LineString in the terrain's CRS, metres.
    step
        Sampling interval along the line, metres.

    Returns
    -------
    LineProfile
        ``distance_m`` and ``elevation_m`` lists (None off the terrain), the line's
        ``length_m``, ``min_m``/``max_m`` elevation, and total ``ascent_m`` /
        ``descent_m`` (metres climbed and lost going from the first to the last vertex).
    """
    step = terrain.cell / 2.0 if step is None else float(step)
    if not (np.isfinite(step) and step > 0):
        raise VgisError("the profile step must be a number of metres above 0")
    length = float(shapely.length(line))
    if length / step > MAX_PROFILE_SAMPLES:
        raise VgisError(f"a {length:,.0f} m line every {step:g} m is more than "
                        f"{MAX_PROFILE_SAMPLES:,} samples; give a longer step")
    along = np.r_[np.arange(0.0, length, step), length]
    xy = shapely.get_coordinates(shapely.line_interpolate_point(line, along))
    z = terrain.sample(xy)
    inside = np.isfinite(z)
    if not inside.any():
        raise VgisError("the line lies outside the terrain model")
    dz = np.diff(z[inside])
    return LineProfile.model_validate({
        "length_m": round(length, 2),
        "step_m": round(float(step), 2),
        "distance_m": [round(float(d), 2) for d in along],
        "elevation_m": [round(float(v), 2) if np.isfinite(v) else None for v in z],
        "min_m": round(float(z[inside].min()), 2) if inside.any() else None,
        "max_m": round(float(z[inside].max()), 2) if inside.any() else None,
        "ascent_m": round(float(dz[dz > 0].sum()), 2),
        "descent_m": round(float(-dz[dz < 0].sum()), 2) + 0.0,  # never -0.0
    })


def profile_at(engine: Engine, area: str, points_lonlat: Sequence[tuple[float, float]],
               step: float | None = None) -> ElevationProfile:
    """:func:`elevation_profile` along a line given by (lon, lat) WGS84 vertices."""
    terrain, epsg = terrain_of(engine, area)
    line = shapely.linestrings(to_metric(points_lonlat, epsg))
    return ElevationProfile(area=area, crs=f"EPSG:{epsg}",
                            **elevation_profile(terrain, line, step).model_dump())
