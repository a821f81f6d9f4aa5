"""Where an area's data comes from: the sources in use, read from the load log.

A source is *in use* when the area still holds something of it: a feature of any layer
(``source`` column) or a terrain model (``rasters.source``). Each is classified by how
it was loaded (``loads.kind``) and what its import report says:

- ``osm``: an OpenStreetMap extract (``vgis load osm``), or a planner's file whose
  classes were read from OSM's own columns (``highway``, ``building``, … — the report's
  notes say so, :mod:`layers.io.osmcolumns`): derived from OSM, so OSM's licence holds;
- ``srtm``: a terrain model whose file name says SRTM (the samples' and most public DEMs);
- ``derived``: villages derived from buildings by this product;
- ``declared``: a file loaded with a credit of its own (``vgis load file --credit``),
  printed as given (one that names OpenStreetMap counts as ``osm``);
- ``own``: everything else, the planner's office's own data (``VGIS_ORGANISATION``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Engine, text

from layers.errors import VgisError
from layers.schema import LAYERS

Origin = Literal["osm", "srtm", "derived", "declared", "own"]
MAX_CREDIT = 200
"""Longest credit a load may declare, characters."""


def check_credit(credit: str | None) -> None:
    """Raise :class:`VgisError` unless ``credit`` is None or 1–200 printable characters."""
    if credit is not None and (not credit.strip() or len(credit) > MAX_CREDIT
                               or any(ord(c) < 32 for c in credit)):
        raise VgisError(f"a credit is 1-{MAX_CREDIT} printable characters")


@dataclass(frozen=True)
class SourceInUse:
    """One source of an area's data: its name (file), how it was loaded, its origin."""

    source: str
    kind: str
    origin: Origin
    credit: str | None = None  # the declared credit (origin ``declared``)


def _origin(kind: str, source: str, notes: list[str], credit: str | None) -> Origin:
    if kind == "osm" or any("OSM column" in n or "other_tags" in n for n in notes) \
            or (credit is not None and "openstreetmap" in credit.lower()):
        return "osm"
    if credit is not None:
        return "declared"
    if kind == "dem" and "srtm" in source.lower():
        return "srtm"
    if kind == "derived":
        return "derived"
    return "own"


def sources_in_use(engine: Engine, area: str) -> list[SourceInUse]:
    """The sources whose data the area still holds, in load order (empty: unknown area)."""
    held = " UNION ".join(f"SELECT DISTINCT source FROM {layer} WHERE area = :area"
                          for layer in LAYERS)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT l.source, l.kind, l.report -> 'notes', l.report ->> 'credit' FROM loads l "
            f"WHERE l.area = :area AND l.source IN ({held} UNION SELECT source FROM rasters "
            "WHERE area = :area) AND l.id = (SELECT max(id) FROM loads m "
            "WHERE m.area = l.area AND m.source = l.source) ORDER BY l.id"),
            {"area": area}).all()
    return [SourceInUse(str(r[0]), str(r[1]), _origin(
        str(r[1]), str(r[0]), [str(n) for n in (r[2] or [])], r[3]), r[3]) for r in rows]
