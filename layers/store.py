"""Writing to and reading from the PostGIS store.

An import is one transaction: the area is created if new, the features an earlier
load of the same source wrote into the same area are deleted, the new ones are
copied in (PostgreSQL COPY), and the load is logged. Any error rolls it all back.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import shapely
from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from layers.errors import ImportRejected, Problem, UnknownArea, VgisError
from layers.models import areas, layer_tables, loads
from layers.report import ImportReport
from layers.schema import LAYERS, WGS84, layer_spec

log = logging.getLogger("vgis.store")


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes (a directory: of its files' bytes, in name order)."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for f in files:
        with f.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


MAX_AREA_NAME = 200
"""Longest area name, characters."""


def has_control(text: str, allowed: str = "") -> bool:
    """Whether ``text`` holds a control character (NUL …) other than those ``allowed``."""
    return any(ord(c) < 32 and c not in allowed for c in text)


def check_area_name(area: str) -> None:
    """Refuse an area name that is empty, too long or holds control characters."""
    if not area.strip() or len(area) > MAX_AREA_NAME or has_control(area):
        raise VgisError(f"an area name is 1 to {MAX_AREA_NAME} printable characters "
                        f"(got {area[:40]!r}{'…' if len(area) > 40 else ''})")


def ensure_area(conn: Connection, area: str) -> None:
    """Create the area row if it does not exist (the name checked first)."""
    check_area_name(area)
    conn.execute(
        text("INSERT INTO areas (name) VALUES (:name) ON CONFLICT (name) DO NOTHING"),
        {"name": area},
    )


def lock_source(conn: Connection, area: str, source: str) -> None:
    """Hold the load of ``source`` into ``area`` for this transaction (others wait).

    Re-loading a source replaces it; two loads of one source at the same moment would
    each delete nothing the other has not committed and leave two copies. A
    transaction-level advisory lock on (area, source) serialises them: the later one
    waits, then replaces the earlier one's features, so exactly one copy stays.
    """
    conn.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                 {"key": f"vgis-load\x1f{area}\x1f{source}"})


def copy_rows(conn: Connection, layer: str, frame: gpd.GeoDataFrame, area: str,
              source: str) -> None:
    """Copy a canonical frame (EPSG:4326) into ``layer`` as features of ``source`` (COPY)."""
    spec = layer_spec(layer)
    own = [f.name for f in spec.fields]
    columns = ["area", "name", "status", "source", "source_id", "attrs", *own, "geom"]
    n = len(frame)
    if n == 0:
        return
    geoms = shapely.set_srid(np.asarray(frame.geometry.values, dtype=object), WGS84)
    wkb = shapely.to_wkb(geoms, hex=True, include_srid=True)

    def pylist(series: pd.Series) -> list[Any]:
        return [None if v is pd.NA or v is None or (isinstance(v, float) and np.isnan(v))
                else (v.item() if isinstance(v, np.generic) else v)
                for v in series.astype(object).tolist()]

    data = [
        [area] * n, pylist(frame["name"]), pylist(frame["status"]), [source] * n,
        pylist(frame["source_id"]), list(frame["attrs"]),
        *(pylist(frame[c]) for c in own), wkb.tolist(),
    ]
    quoted = ", ".join(f'"{c}"' for c in columns)
    raw = conn.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cur, cur.copy(f"COPY {layer} ({quoted}) FROM STDIN") as copy:
        for row in zip(*data, strict=True):
            copy.write_row(row)


def replace_source(
    engine: Engine,
    *,
    area: str,
    source: str,
    sha256: str,
    kind: str,
    frames: Mapping[str, gpd.GeoDataFrame],
    report: ImportReport,
    actor: str | None = None,
    after: Callable[[Connection, ImportReport], None] | None = None,
) -> ImportReport:
    """Write canonical frames as the features of ``source`` in ``area``, replacing earlier ones.

    Parameters
    ----------
    engine
        The store.
    area
        Area name the features belong to.
    source
        The source's name (file name); a later load of the same name replaces these.
    sha256
        Hash of the source's bytes, kept in the load log.
    kind
        ``osm``, ``file`` or ``dem``.
    frames
        Canonical frames by layer name (EPSG:4326).
    report
        The import report; receives the counts written and replaced.
    actor
        Who loads it (the API key's owner, ``cli:LOGIN``), kept in the load log.
    after
        Run in the same transaction once the features are written, before the load is
        logged (the loaders pass :func:`layers.io.rederive.settle_area`: villages derived
        from buildings); what it raises rolls the whole load back.

    Returns
    -------
    ImportReport
        ``report``, completed.
    """
    with engine.begin() as conn:
        ensure_area(conn, area)
        lock_source(conn, area, source)
        for layer, frame in frames.items():
            table = layer_tables[layer]
            deleted = conn.execute(
                table.delete().where(table.c.area == area, table.c.source == source)
            ).rowcount
            report.replaced += int(deleted or 0)
            try:
                copy_rows(conn, layer, frame, area, source)
            except (DBAPIError, psycopg.Error) as exc:  # a constraint the checks did not foresee
                driver = exc.orig if isinstance(exc, DBAPIError) else exc
                if isinstance(driver, psycopg.OperationalError):
                    raise  # the database went away: 503, not the planner's data
                log.warning("%s: the database refused %s: %s", source, layer, exc)
                problem = Problem(source, "-", layer, "the database refused a value of these "
                                  "features (the server's log says which); nothing was written")
                raise ImportRejected(source, [problem]) from exc
            report.layer_counts[layer] = len(frame)
        if report.replaced:
            report.notes.append(
                f"replaced {report.replaced} feature(s) of an earlier load of {source} into {area}"
            )
        if after is not None:
            after(conn, report)
        try:
            conn.execute(loads.insert().values(
                area=area, source=source, kind=kind, sha256=sha256,
                counts=report.layer_counts, report=report.as_dict(), actor=actor,
            ))
        except IntegrityError as exc:  # pragma: no cover - area row exists above
            raise UnknownArea(area) from exc
    return report


def delete_area(engine: Engine, area: str) -> dict[str, int]:
    """Delete an area with every feature, terrain model and load record of it, atomically.

    The terrain files copied into the data directory go too, once the transaction has
    committed. Returns the number of features deleted per layer, and ``rasters`` and
    ``loads``.

    Raises
    ------
    UnknownArea
        When there is no such area.
    """
    with engine.begin() as conn:
        found = conn.execute(text("SELECT 1 FROM areas WHERE name = :a FOR UPDATE"),
                             {"a": area}).first()
        if found is None:
            raise UnknownArea(area)
        counts = {name: int(conn.execute(select(func.count()).select_from(t).where(
            t.c.area == area)).scalar_one()) for name, t in layer_tables.items()}
        paths = [str(r[0]) for r in conn.execute(text(
            "SELECT path FROM rasters WHERE area = :a"), {"a": area})]
        counts["loads"] = int(conn.execute(select(func.count()).select_from(loads).where(
            loads.c.area == area)).scalar_one())
        counts["rasters"] = len(paths)
        conn.execute(areas.delete().where(areas.c.name == area))  # the rest cascades
    for path in paths:
        Path(path).unlink(missing_ok=True)
    return counts


def last_load_sha(engine: Engine, area: str, source: str) -> str | None:
    """SHA-256 of the newest load of ``source`` into ``area`` (None if never loaded)."""
    with engine.connect() as conn:
        row = conn.execute(
            select(loads.c.sha256)
            .where(loads.c.area == area, loads.c.source == source)
            .order_by(loads.c.id.desc()).limit(1)
        ).first()
    return None if row is None else str(row[0])


def area_names(engine: Engine) -> list[str]:
    """Names of every area in the store, sorted."""
    with engine.connect() as conn:
        return [str(r[0]) for r in conn.execute(select(areas.c.name).order_by(areas.c.name))]


def largest_area(engine: Engine) -> str | None:
    """The area with the most villages (the first a workspace opens), or None."""
    with engine.connect() as conn:
        found = conn.execute(text(
            "SELECT area FROM villages WHERE status = 'existing' GROUP BY area "
            "ORDER BY count(*) DESC, area LIMIT 1")).scalar()
    return None if found is None else str(found)


def check_area(engine: Engine, area: str) -> None:
    """Raise :class:`UnknownArea` unless ``area`` exists."""
    with engine.connect() as conn:
        found = conn.execute(select(func.count()).where(areas.c.name == area)).scalar_one()
    if not found:
        raise UnknownArea(area)


def read_layer(
    engine: Engine,
    layer: str,
    *,
    area: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    statuses: Iterable[str] | None = None,
    classes: Iterable[str] | None = None,
    attrs: bool = True,
) -> gpd.GeoDataFrame:
    """Read a layer's features as a GeoDataFrame in EPSG:4326.

    Parameters
    ----------
    engine
        The store.
    layer
        Canonical layer name.
    area
        Only features of this area.
    bbox
        (min lon, min lat, max lon, max lat) in EPSG:4326 degrees; uses the GiST index.
    statuses
        Only these statuses (default: all).
    classes
        Only these classes (default: all).
    attrs
        Read the source attributes (JSON); without them a ``ref`` column holds
        ``attrs->>'ref'`` (a road's number), and reading is several times faster.
    """
    spec = layer_spec(layer)
    where = ["TRUE"]
    params: dict[str, Any] = {}
    if area is not None:
        where.append("area = :area")
        params["area"] = area
    if bbox is not None:
        where.append("geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326)")
        params.update(zip(("x0", "y0", "x1", "y1"), bbox, strict=True))
    if statuses is not None:
        where.append("status = ANY(:statuses)")
        params["statuses"] = list(statuses)
    if classes is not None and spec.class_field is not None:
        where.append('"class" = ANY(:classes)')
        params["classes"] = list(classes)
    own = ", ".join(f'"{f.name}"' for f in spec.fields)
    extra = "attrs" if attrs else "attrs->>'ref' AS ref"
    sql = (
        f"SELECT id, area, name, status, source, source_id, {extra}, {own}, geom "
        f"FROM {layer} WHERE {' AND '.join(where)} ORDER BY id"
    )
    return read_frame(engine, sql, params)


def read_frame(engine: Engine, sql: str, params: dict[str, Any] | None = None
               ) -> gpd.GeoDataFrame:
    """Run a query whose last column is ``geom`` (EPSG:4326) into a GeoDataFrame.

    Geometry travels as WKB and is decoded by shapely in one vectorised call (several
    times faster than row-wise readers for tens of thousands of features).
    """
    select_sql = sql.replace(", geom ", ", ST_AsBinary(geom) AS geom ", 1)
    with engine.connect() as conn:
        result = conn.execute(text(select_sql), params or {})
        columns = list(result.keys())
        rows = [tuple(r) for r in result.all()]  # plain tuples: pandas builds them fast
    frame = pd.DataFrame.from_records(rows, columns=columns)
    wkb = frame.pop("geom").to_numpy() if len(frame) else np.array([], dtype=object)
    geoms = shapely.from_wkb(wkb) if len(wkb) else np.array([], dtype=object)
    frame["geom"] = gpd.GeoSeries(geoms, crs=WGS84, index=frame.index).values
    return gpd.GeoDataFrame(frame, geometry="geom", crs=WGS84)


def terrain_path(engine: Engine, area: str, touching_wkt: str | None = None) -> str | None:
    """The file of the area's finest terrain model (None when the area has none).

    Parameters
    ----------
    engine
        The store.
    area
        The area whose registered rasters are searched.
    touching_wkt
        Only a raster whose footprint intersects this geometry (WKT, EPSG:4326 degrees).
    """
    where = "area = :area"
    params: dict[str, Any] = {"area": area}
    if touching_wkt is not None:
        where += " AND ST_Intersects(footprint, ST_GeomFromText(:wkt, 4326))"
        params["wkt"] = touching_wkt
    with engine.connect() as conn:
        row = conn.execute(text(f"SELECT path FROM rasters WHERE {where} "
                                "ORDER BY res_x LIMIT 1"), params).first()
    return None if row is None else str(row[0])


def layer_counts(engine: Engine, area: str | None = None) -> dict[str, int]:
    """Number of features per layer (in one area, or in all)."""
    out: dict[str, int] = {}
    with engine.connect() as conn:
        for name, table in layer_tables.items():
            q = select(func.count()).select_from(table)
            if area is not None:
                q = q.where(table.c.area == area)
            out[name] = int(conn.execute(q).scalar_one())
    return out


def attrs_to_text(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return a copy whose ``attrs`` column is JSON text (for file formats without JSON)."""
    out = frame.copy()
    out["attrs"] = [json.dumps(a or {}, ensure_ascii=False, sort_keys=True) for a in out["attrs"]]
    return out


__all__ = [
    "LAYERS",
    "area_names",
    "attrs_to_text",
    "check_area",
    "copy_rows",
    "delete_area",
    "file_sha256",
    "last_load_sha",
    "layer_counts",
    "read_layer",
    "replace_source",
    "terrain_path",
]
