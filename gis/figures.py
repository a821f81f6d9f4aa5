"""Every village's figures, computed by tiles and kept in the store (``vgis figures``).

The kinds are the area-wide analyses: ``lights``, ``garbage``, ``drainage``, ``roads``
(:func:`gis.coverage.coverage`, without map layers) and ``corridor``
(:func:`gis.proximity.corridor`, every village, its default reach). A village's figures
depend only on the features within the reach of its analyses (the service radius, the
network's search tolerance, the corridor's reach), never on which other villages are
analysed with it: so a **tile** (a few dozen neighbouring villages) computed alone
gives each of its villages the figures of the whole area computed at once, to the
last digit, and it reads only its villages' extent plus each analysis's reach (the
context's bounding-box reads, :meth:`gis.context.Context.reads`).

**Data version of a tile**: the boxes a tile read and, for each, the number of rows
and the largest ``rev`` in it (:mod:`layers.figures`). A village's stored figures are
recomputed only when that fingerprint changed or the parameters did (their key: the
kind, its parameters, the area's metric CRS and :data:`ENGINE`, bumped when a
definition changes).

:func:`figures_of_tile` is the unit of work (a Dask task in :mod:`gis.province`);
:func:`area_answers` and :func:`area_corridor` are what the faces call: the stored
figures when they are current, else computed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Engine

from gis.context import Context, find_villages, metric_epsg
from gis.coverage import coverage
from gis.params import COVERAGE_KINDS, CorridorParams, CoverageOptions, CoverageParams
from gis.proximity import CorridorRow, corridor, corridor_order
from layers.figures import (
    NewRow,
    Stored,
    confirm,
    current_tiles,
    fingerprint,
    read_figures,
    stored_rows,
    write_tile,
)
from layers.versions import area_version

FigureKind = Literal["lights", "garbage", "drainage", "roads", "corridor"]
FIGURE_KINDS: tuple[FigureKind, ...] = ("lights", "garbage", "drainage", "roads", "corridor")
ENGINE = "1"
"""The version of the figures' definitions: part of every key (bump it when one changes)."""

KindParams = CoverageParams | CorridorParams


@dataclass(frozen=True)
class Job:
    """What a run computes: the kinds and their parameters (decided once, by the caller)."""

    params: dict[str, KindParams]

    @classmethod
    def defaults(cls, kinds: Sequence[str] = FIGURE_KINDS) -> Job:
        """The kinds with the parameters in force (:meth:`gis.params.Params.defaults`)."""
        return cls({k: kind_params(k) for k in kinds})

    def keys(self, epsg: int) -> dict[str, str]:
        """Kind → the key of its parameters in an area of metric CRS ``epsg``."""
        return {k: params_key(k, p, epsg) for k, p in self.params.items()}


def kind_params(kind: str) -> KindParams:
    """The default parameters of one kind of figures."""
    if kind == "corridor":
        return CorridorParams.defaults()
    if kind not in COVERAGE_KINDS or kind == "facilities":
        raise ValueError(f"unknown kind of figures {kind!r}; use {', '.join(FIGURE_KINDS)}")
    return CoverageOptions().params(kind)


def params_key(kind: str, params: KindParams, epsg: int) -> str:
    """SHA-256 of the kind, its parameters, the metric CRS and :data:`ENGINE`."""
    blob = json.dumps({"kind": kind, "params": params.as_dict(), "epsg": epsg,
                       "engine": ENGINE}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def compute(ctx: Context, kind: str, params: KindParams) -> list[dict[str, Any]]:
    """The figures of every village of ``ctx`` of one kind, as JSON-ready answers (by id).

    The answers are those of ``vgis coverage KIND --area A --json`` (coverage kinds)
    and of ``vgis corridor --all --json`` with ``kind: corridor`` first (by village id).
    """
    if isinstance(params, CorridorParams):
        rows = sorted(corridor(ctx, params), key=lambda r: r.village_id)
        return [{"kind": "corridor", **r.model_dump(exclude_unset=True)} for r in rows]
    return [c.as_dict() for c in coverage(ctx, params, details=False)]


@dataclass(frozen=True)
class Tile:
    """Neighbouring villages of one area computed together (one task)."""

    area: str
    epsg: int  # the area's metric CRS, decided once for the run
    index: int
    village_ids: tuple[int, ...]


@dataclass(frozen=True)
class TileOutcome:
    """What a tile did: figures recomputed and kept (village × kind), villages."""

    area: str
    index: int
    villages: int
    recomputed: int
    kept: int


def figures_of_tile(engine: Engine, tile: Tile, job: Job) -> TileOutcome:
    """Bring the stored figures of a tile's villages up to date; recompute what changed.

    1. Read the area's data version *v*, then the villages' stored rows; those whose
       tile still has its fingerprint are kept (and marked current at *v*).
    2. The others are computed on a context of just their villages, and written with
       the fingerprint of the boxes read, in one transaction; if the area's version
       moved while they were computed, the tile gets no fingerprint (recomputed next
       time), since what it read may be older than what the boxes hold now.
    """
    version = area_version(engine, tile.area)
    villages = find_villages(engine, area=tile.area, allow_empty=True, ids=tile.village_ids)
    epsg = tile.epsg
    keys = job.keys(epsg)
    have = stored_rows(engine, tile.area, villages["id"].tolist(), keys)
    fresh = current_tiles(engine, tile.area, {r.tile_id for r in have})
    kept = [r for r in have if r.tile_id in fresh]
    confirm(engine, tile.area, kept, version.version)
    done = {(r.village_id, r.kind) for r in kept}
    rows: list[NewRow] = []
    reads: set[tuple[str, tuple[float, float, float, float]]] = set()
    contexts: dict[tuple[int, ...], Context] = {}  # kinds of the same villages share reads
    for kind, params in job.params.items():
        todo = villages[[(int(i), kind) not in done for i in villages["id"]]]
        if todo.empty:
            continue
        ids = tuple(int(i) for i in todo["id"])
        if ids not in contexts:
            contexts[ids] = Context(engine, tile.area, epsg, todo.to_crs(epsg))
        answers = compute(contexts[ids], kind, params)
        rows += [NewRow(a["village_id"], a["village"], kind, keys[kind], params.as_dict(), a)
                 for a in answers]
    for ctx in contexts.values():
        reads |= set(ctx.reads())
    if rows:
        ordered = sorted(reads)
        prints = fingerprint(engine, tile.area, ordered)
        moved = area_version(engine, tile.area).version != version.version
        write_tile(engine, tile.area, ordered, None if moved else prints, rows,
                   version.version)
    return TileOutcome(tile.area, tile.index, len(villages), len(rows), len(kept))


def stored_answers(engine: Engine, area: str, params: KindParams, epsg: int | None = None
                   ) -> list[dict[str, Any]] | None:
    """Every village's stored answers of ``params``' kind (by id) when current, else None.

    Only figures of the existing features (no plan, ``include_planned`` off) are stored.
    """
    kind = "corridor" if isinstance(params, CorridorParams) else str(params.kind)
    if kind not in FIGURE_KINDS or getattr(params, "include_planned", False):
        return None
    epsg = metric_epsg(engine, area) if epsg is None else epsg
    answers, current = read_figures(engine, area, kind, params_key(kind, params, epsg))
    return answers if current else None


def area_answers(ctx: Context, params: CoverageParams) -> list[dict[str, Any]]:
    """Every village's coverage answer (by id): stored when current, else computed."""
    stored = None if ctx.plan is not None else stored_answers(ctx.engine, ctx.area, params,
                                                               ctx.epsg)
    if stored is not None:
        return stored
    return [c.as_dict() for c in coverage(ctx, params, details=False)]


def corridor_rows(answers: list[dict[str, Any]]) -> list[CorridorRow]:
    """Stored corridor answers as the rows of :func:`gis.proximity.corridor`, in its order."""
    return corridor_order([CorridorRow.model_validate(
        {k: v for k, v in a.items() if k != "kind"}) for a in answers])


def area_corridor(ctx: Context, params: CorridorParams | None = None) -> list[CorridorRow]:
    """:func:`gis.proximity.corridor` of every village: stored when current, else computed."""
    params = params or CorridorParams.defaults()
    stored = None if ctx.plan is not None else stored_answers(ctx.engine, ctx.area, params,
                                                               ctx.epsg)
    return corridor(ctx, params) if stored is None else corridor_rows(stored)


__all__ = ["FIGURE_KINDS", "Job", "Stored", "Tile", "TileOutcome", "area_answers",
           "area_corridor", "compute", "corridor_rows", "figures_of_tile", "kind_params",
           "params_key", "stored_answers"]
