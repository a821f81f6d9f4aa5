"""The one check every coordinate reference system passes before data is read in it.

Files (their own CRS or ``.prj``), the ``--crs`` / ``crs=`` option, a GeoJSON ``crs``
member, a terrain model and the ``bbox-crs`` of a query all go through
:func:`usable_crs`: only a 2D geographic or projected CRS on the Earth is accepted (a
compound CRS gives its horizontal part). A geocentric CRS (the data would land at the
pole), a local/engineering CRS, a vertical one or one of another body is refused with
a message naming it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pyproj import CRS
from pyproj.exceptions import CRSError

from layers.errors import UnsupportedCRS

_EARTH_SEMI_MAJOR_M = (6_350_000.0, 6_400_000.0)
_CRS84 = ("urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84",
          "http://www.opengis.net/def/crs/OGC/1.3/CRS84")


def _label(crs: CRS) -> str:
    code = crs.to_epsg()
    return f"EPSG:{code} ({crs.name})" if code else repr(crs.name)


def usable_crs(crs: Any, where: str) -> CRS:
    """``crs`` as a 2D geographic or projected CRS on the Earth, or :class:`UnsupportedCRS`.

    Parameters
    ----------
    crs
        A pyproj CRS, or anything :meth:`pyproj.CRS.from_user_input` reads (``EPSG:4547``,
        ``4547``, WKT, a PROJ string).
    where
        What the CRS belongs to (a file's name, ``--crs``, ``bbox-crs``), for the message.
    """
    try:
        parsed = crs if isinstance(crs, CRS) else CRS.from_user_input(
            int(crs) if isinstance(crs, str) and crs.strip().isdigit() else crs)
    except (CRSError, TypeError, ValueError) as exc:
        text = str(crs)
        shown = text if len(text) <= 80 else text[:77] + "…"
        raise UnsupportedCRS(f"{where}: cannot understand CRS {shown!r}") from exc
    if parsed.is_compound and parsed.sub_crs_list:
        parsed = parsed.sub_crs_list[0]
    if parsed.is_geocentric:
        raise UnsupportedCRS(f"{where}: {_label(parsed)} is geocentric (x, y, z from the "
                             "Earth's centre); give a geographic or projected CRS")
    if not (parsed.is_geographic or parsed.is_projected):
        raise UnsupportedCRS(f"{where}: {_label(parsed)} is neither geographic nor projected "
                             "(a local, engineering or vertical CRS); give the data's real "
                             "CRS with --crs EPSG:N")
    if len(parsed.axis_info) != 2:
        raise UnsupportedCRS(f"{where}: {_label(parsed)} has {len(parsed.axis_info)} axes; "
                             "give its 2D form (e.g. EPSG:4326 for EPSG:4979)")
    ellipsoid = parsed.ellipsoid
    semi_major = ellipsoid.semi_major_metre if ellipsoid is not None else None
    if semi_major is None or not (_EARTH_SEMI_MAJOR_M[0] <= semi_major
                                  <= _EARTH_SEMI_MAJOR_M[1]):
        raise UnsupportedCRS(f"{where}: {_label(parsed)} is not a CRS of the Earth")
    return parsed


def geojson_crs_member(path: Path, head_bytes: int = 1 << 16) -> str | None:
    """The name in a GeoJSON file's (obsolete) ``crs`` member, when it has one near its top."""
    with path.open("rb") as fh:
        head = fh.read(head_bytes).decode("utf-8", errors="replace")
    found = re.search(r'"crs"\s*:\s*(\{[^{}]*\{[^{}]*\}[^{}]*\}|\{[^{}]*\})', head)
    if found is None:
        return None
    try:
        member = json.loads(found.group(1))
    except ValueError:
        return "(unreadable crs member)"
    name = (member.get("properties") or {}).get("name") if isinstance(member, dict) else None
    return str(name) if name is not None else "(a crs member without a name)"


def check_collection_crs(member: object, where: str) -> None:
    """Refuse a posted FeatureCollection whose ``crs`` member is not WGS84 longitude/latitude.

    RFC 7946 GeoJSON is WGS84 (CRS84); an old-style ``crs`` naming anything else would
    otherwise be read as degrees it is not.
    """
    if member is None:
        return
    name = (member.get("properties") or {}).get("name") if isinstance(member, dict) else None
    if not isinstance(name, str):
        raise UnsupportedCRS(f"{where}: the crs member names no CRS; post WGS84 lon/lat "
                             "(RFC 7946) without one")
    if name in _CRS84:
        return
    parsed = usable_crs(name, where)
    if parsed.to_epsg() != 4326:
        raise UnsupportedCRS(f"{where}: the features are in {_label(parsed)}; post WGS84 "
                             "longitude/latitude (RFC 7946), or upload the file with crs=")
