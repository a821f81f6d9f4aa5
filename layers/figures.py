"""The store of computed village figures (``village_figures``, ``figure_tiles``; migration 0005).

A row holds one village's figures of one kind under one set of parameters (their key),
as the JSON answer of the single-process engine, with

- ``tile_id``: the tile it was computed in, whose ``reads`` are the boxes (layer and
  lon/lat bbox) the computation read and ``fingerprint`` what each box held then:
  ``[rows, largest rev]``. Every insert and update of a feature gives it a new, larger
  ``rev``; so a box holds what it held (as far as any figure can tell) exactly when
  its fingerprint is unchanged: an insert or update in it raises the largest ``rev``,
  a delete lowers the count. A tile whose data changed while it was computed has no
  fingerprint (null) and is never current;
- ``data_version``: the area's data version (:mod:`layers.versions`) read before the
  rows were computed or last checked; rows are current for the faces when it is the
  area's version now.

Writes of a tile are one transaction: a run stopped at any point leaves whole tiles.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, text

from layers.schema import LAYERS

Box = tuple[float, float, float, float]
Read = tuple[str, Box]
Fingerprint = list[list[int]]


def fingerprint(conn: Connection | Engine, area: str, reads: Sequence[Read]) -> Fingerprint:
    """``[rows, largest rev]`` of each box of ``reads`` (features of every status and class)."""
    if not reads:
        return []
    parts: list[str] = []
    params: dict[str, Any] = {"area": area}
    for i, (layer, box) in enumerate(reads):
        if layer not in LAYERS:
            raise ValueError(f"not a layer: {layer!r}")
        parts.append(f"(SELECT {i} AS i, count(*) AS n, COALESCE(max(rev), 0) AS rev "
                     f"FROM {layer} WHERE area = :area AND geom && "
                     f"ST_MakeEnvelope(:x0_{i}, :y0_{i}, :x1_{i}, :y1_{i}, 4326))")
        params.update({f"x0_{i}": box[0], f"y0_{i}": box[1], f"x1_{i}": box[2],
                       f"y1_{i}": box[3]})
    sql = text(" UNION ALL ".join(parts) + " ORDER BY i")
    if isinstance(conn, Engine):
        with conn.connect() as c:
            rows = c.execute(sql, params).all()
    else:
        rows = conn.execute(sql, params).all()
    return [[int(r[1]), int(r[2])] for r in rows]


@dataclass(frozen=True)
class Stored:
    """A stored row's key, tile and data version (the figures are read separately)."""

    village_id: int
    kind: str
    params_key: str
    tile_id: int
    data_version: int


def stored_rows(engine: Engine, area: str, village_ids: Sequence[int],
                keys: dict[str, str]) -> list[Stored]:
    """The rows of these villages under ``keys`` (kind → parameters' key)."""
    if not village_ids or not keys:
        return []
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT village_id, kind, params_key, tile_id, data_version FROM village_figures "
            "WHERE area = :area AND village_id = ANY(:ids) AND kind = ANY(:kinds) "
            "AND params_key = ANY(:keys)"),
            {"area": area, "ids": list(village_ids), "kinds": list(keys),
             "keys": list(keys.values())}).all()
    return [Stored(int(r[0]), str(r[1]), str(r[2]), int(r[3]), int(r[4])) for r in rows
            if keys.get(str(r[1])) == str(r[2])]


def current_tiles(engine: Engine, area: str, tile_ids: Iterable[int]) -> set[int]:
    """Of ``tile_ids``, those whose boxes still hold what they held when computed."""
    ids = sorted(set(tile_ids))
    if not ids:
        return set()
    with engine.connect() as conn:
        tiles = conn.execute(text(
            "SELECT id, reads, fingerprint FROM figure_tiles WHERE id = ANY(:ids) "
            "AND area = :area"), {"ids": ids, "area": area}).all()
        return {int(t[0]) for t in tiles if t[2] is not None and fingerprint(
            conn, area, [(r[0], (r[1], r[2], r[3], r[4])) for r in t[1]]) == t[2]}


def confirm(engine: Engine, area: str, rows: Sequence[Stored], version: int) -> None:
    """Mark ``rows`` current at the area's data ``version`` (found unchanged)."""
    stale = [r for r in rows if r.data_version != version]
    if not stale:
        return
    with engine.begin() as conn:
        conn.execute(text(
            "UPDATE village_figures SET data_version = :v WHERE area = :area "
            "AND (village_id, kind, params_key) IN (SELECT * FROM unnest("
            "CAST(:ids AS int[]), CAST(:kinds AS text[]), CAST(:keys AS text[])))"),
            {"v": version, "area": area, "ids": [r.village_id for r in stale],
             "kinds": [r.kind for r in stale], "keys": [r.params_key for r in stale]})


@dataclass(frozen=True)
class NewRow:
    """One village's figures of one kind, to be stored."""

    village_id: int
    village: str
    kind: str
    params_key: str
    params: dict[str, Any]
    figures: dict[str, Any]


def write_tile(engine: Engine, area: str, reads: Sequence[Read], print_: Fingerprint | None,
               rows: Sequence[NewRow], version: int) -> int:
    """Store a tile and its rows in one transaction (replacing the villages' old rows)."""
    with engine.begin() as conn:
        tile_id = int(conn.execute(text(
            "INSERT INTO figure_tiles (area, reads, fingerprint) "
            "VALUES (:area, CAST(:reads AS jsonb), CAST(:fp AS jsonb)) RETURNING id"),
            {"area": area, "reads": json.dumps([[layer, *box] for layer, box in reads]),
             "fp": None if print_ is None else json.dumps(print_)}).scalar_one())
        if rows:
            conn.execute(text(
                "INSERT INTO village_figures (area, village_id, village, kind, params_key, "
                "params, figures, tile_id, data_version) VALUES (:area, :vid, :village, "
                ":kind, :key, CAST(:params AS jsonb), CAST(:figures AS json), :tile, :v) "
                "ON CONFLICT (area, village_id, kind, params_key) DO UPDATE SET "
                "village = EXCLUDED.village, params = EXCLUDED.params, "
                "figures = EXCLUDED.figures, tile_id = EXCLUDED.tile_id, "
                "data_version = EXCLUDED.data_version, computed_at = now()"),
                [{"area": area, "vid": r.village_id, "village": r.village, "kind": r.kind,
                  "key": r.params_key, "params": json.dumps(r.params),
                  "figures": json.dumps(r.figures, ensure_ascii=False), "tile": tile_id,
                  "v": version} for r in rows])
    return tile_id


def prune(engine: Engine, area: str) -> int:
    """Drop rows of villages that no longer exist and tiles no row refers to; rows dropped."""
    with engine.begin() as conn:
        gone = conn.execute(text(
            "DELETE FROM village_figures f WHERE f.area = :area AND NOT EXISTS ("
            "SELECT 1 FROM villages v WHERE v.id = f.village_id AND v.area = f.area "
            "AND v.status = 'existing')"), {"area": area}).rowcount
        conn.execute(text(
            "DELETE FROM figure_tiles t WHERE t.area = :area AND NOT EXISTS ("
            "SELECT 1 FROM village_figures f WHERE f.tile_id = t.id)"), {"area": area})
    return int(gone)


def read_figures(engine: Engine, area: str, kind: str, params_key: str
                 ) -> tuple[list[dict[str, Any]], bool]:
    """Every existing village's stored figures (by id), and whether all are current.

    Current: every existing village of the area has a row under ``params_key`` marked
    with the area's data version as it is now.
    """
    with engine.connect() as conn:
        version = conn.execute(text("SELECT data_version FROM areas WHERE name = :a"),
                               {"a": area}).scalar()
        rows = conn.execute(text(
            "SELECT f.figures, f.data_version FROM villages v LEFT JOIN village_figures f "
            "ON f.area = v.area AND f.village_id = v.id AND f.kind = :kind "
            "AND f.params_key = :key WHERE v.area = :area AND v.status = 'existing' "
            "ORDER BY v.id"), {"area": area, "kind": kind, "key": params_key}).all()
    current = version is not None and all(r[1] == version for r in rows)
    return [r[0] for r in rows if r[0] is not None], current
