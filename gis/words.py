"""Reading what planners type into the faces: lists, LON,LAT points and lines.

Both faces (``vgis`` and the HTTP API) parse their options with these, so a word means
the same in each and a bad one gets the same message (a :class:`VgisError`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from layers.errors import VgisError


def split_list(text: str | Iterable[str] | None) -> tuple[str, ...]:
    """Words of a comma-separated option (or of several), trimmed, empty ones dropped."""
    if text is None:
        return ()
    items = [text] if isinstance(text, str) else list(text)
    return tuple(v.strip() for item in items for v in item.split(",") if v.strip())


def parse_lonlat(text: str) -> tuple[float, float]:
    """A point ``LON,LAT`` in WGS84 degrees (spaces allowed)."""
    try:
        lon, lat = (float(v) for v in text.replace(" ", "").split(","))
    except ValueError:
        raise VgisError(f"{text!r}: give LON,LAT in degrees") from None
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180
            and -90 <= lat <= 90):
        raise VgisError(f"{text!r}: not a longitude,latitude")
    return lon, lat


def parse_line(text: str) -> list[tuple[float, float]]:
    """A line ``LON,LAT;LON,LAT;…`` of two points or more, WGS84 degrees."""
    points = [parse_lonlat(p) for p in text.split(";") if p.strip()]
    if len(points) < 2:
        raise VgisError("the line needs two points or more (LON,LAT;LON,LAT)")
    return points
