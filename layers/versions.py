"""The data version of an area: what caches of the service key on.

``areas.data_version`` takes a new value of a database sequence (migration 0002)
whenever a feature or terrain model of the area is inserted, updated or deleted, by
whatever client, and when the area's metric CRS changes; values never repeat, even
for an area deleted and loaded again. Reading it costs one indexed row; a
cache built after reading version *v* is stale as soon as the store says anything but
*v*, so no answer computed from old data survives a change, in this process or another.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, text

from layers.errors import UnknownArea, UnknownVillage


@dataclass(frozen=True)
class AreaVersion:
    """An area's name, data version and configured metric CRS (None: the UTM zone)."""

    area: str
    version: int
    metric_epsg: int | None


def area_version(engine: Engine, area: str) -> AreaVersion:
    """The data version of ``area``.

    Raises
    ------
    UnknownArea
        When there is no such area.
    """
    with engine.connect() as conn:
        row = conn.execute(text("SELECT data_version, metric_epsg FROM areas WHERE name = :a"),
                           {"a": area}).first()
    if row is None:
        raise UnknownArea(area)
    return AreaVersion(area, int(row[0]), None if row[1] is None else int(row[1]))


def village_version(engine: Engine, village_id: int) -> AreaVersion:
    """The area of the existing village ``village_id`` and that area's data version.

    Raises
    ------
    UnknownVillage
        When no existing village has this id.
    """
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT a.name, a.data_version, a.metric_epsg FROM villages v "
            "JOIN areas a ON a.name = v.area WHERE v.id = :id AND v.status = 'existing'"),
            {"id": village_id}).first()
    if row is None:
        raise UnknownVillage(f"no village with id {village_id}; `vgis villages` lists them")
    return AreaVersion(str(row[0]), int(row[1]), None if row[2] is None else int(row[2]))


def store_version(engine: Engine) -> AreaVersion:
    """A version of the whole store (every area): what store-wide answers key on.

    Every change takes a new, larger value of the sequence, so the largest
    ``data_version`` changes with every change but the deletion of an area, which
    changes the number of areas; the two make the version (``area`` is empty).
    """
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT COALESCE(MAX(data_version), 0), COUNT(*) FROM areas")).one()
    return AreaVersion("", int(row[0]) * 1_000_000 + int(row[1]), None)
