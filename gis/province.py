"""Province scale: every village's figures on a Dask cluster, by spatial tiles (``vgis figures``).

**Partitioning.** Each area's existing villages are cut into tiles of neighbouring
villages holding about :data:`TILE_BUILDINGS` buildings each (the area's buildings per
village times the villages of a tile): sort-tile-recursive packing of the villages'
box centres (columns by x, then runs by y), so tiles are compact and balanced. A task
is one tile (:func:`gis.figures.figures_of_tile`): it reads, by bounding-box queries,
its villages and each layer within its villages' extent plus the reach of the
analysis that reads it; no task holds more than its tile, whatever the province.

**Engines.** By default a :class:`dask.distributed.LocalCluster` of ``workers``
processes (one thread each; default: the number of cores), started and stopped by the
run; or an existing cluster at ``scheduler`` (``tcp://host:8786``). Workers reach
PostGIS through their own ``DATABASE_URL`` when it is set, else through the URL of the
caller. A task that fails because its worker died is run again elsewhere (Dask's
retries); a tile's rows are written in one transaction, so nothing half-written stays.
"""

from __future__ import annotations

import logging
import math
import os
import resource
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Engine, text

from gis.context import metric_epsg
from gis.figures import Job, Tile, TileOutcome, figures_of_tile
from layers.errors import UnknownVillage, VgisError
from layers.figures import prune, read_figures
from layers.versions import area_version

TILE_BUILDINGS = 10_000
"""Buildings a tile holds (about): small enough for a worker's memory and for balance."""
RETRIES = 2
"""Times a tile is tried again after a failure (a worker that died, a lost connection)."""

Progress = Callable[[int, int], None]
"""Called with (villages done, villages in all) as tiles finish."""


def str_tiles(x: NDArray[np.float64], y: NDArray[np.float64], per_tile: int
              ) -> list[NDArray[np.int64]]:
    """Indices of points packed into tiles of ``per_tile`` (sort-tile-recursive, deterministic)."""
    n = len(x)
    if n == 0:
        return []
    per_tile = max(1, per_tile)
    columns = max(1, math.ceil(math.sqrt(math.ceil(n / per_tile))))
    per_column = math.ceil(n / columns)
    by_x = np.lexsort((y, x))
    tiles: list[NDArray[np.int64]] = []
    for start in range(0, n, per_column):
        column = by_x[start:start + per_column]
        column = column[np.lexsort((x[column], y[column]))]
        tiles += [column[i:i + per_tile].astype(np.int64)
                  for i in range(0, len(column), per_tile)]
    return tiles


def plan_tiles(engine: Engine, area: str, tile_buildings: int = TILE_BUILDINGS) -> list[Tile]:
    """The tiles of an area's existing villages (see the module's text); raises UnknownArea."""
    area_version(engine, area)
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT id, (ST_XMin(geom) + ST_XMax(geom)) / 2, (ST_YMin(geom) + ST_YMax(geom)) / 2 "
            "FROM villages WHERE area = :a AND status = 'existing' ORDER BY id"),
            {"a": area}).all()
        buildings = int(conn.execute(text("SELECT count(*) FROM buildings WHERE area = :a"),
                                     {"a": area}).scalar_one())
    if not rows:
        return []
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    x = np.array([r[1] for r in rows], dtype=np.float64)
    y = np.array([r[2] for r in rows], dtype=np.float64)
    per_village = max(buildings / len(ids), 1.0)
    per_tile = max(1, round(tile_buildings / per_village))
    epsg = metric_epsg(engine, area)
    return [Tile(area, epsg, i, tuple(int(v) for v in np.sort(ids[part])))
            for i, part in enumerate(str_tiles(x, y, per_tile))]


_ENGINES: dict[str, Engine] = {}


def _tile_task(tile: Tile, url: str, job: Job) -> TileOutcome:
    """A task on a worker: its own ``DATABASE_URL`` (when set) or the caller's URL."""
    from layers.runtime.db import database_url, make_engine
    from layers.runtime.settings import Settings

    own = os.environ.get("DATABASE_URL") or os.environ.get("VGIS_DATABASE_URL")
    url = database_url(Settings(), start=False) if own else url
    if url not in _ENGINES:
        _ENGINES[url] = make_engine(url)
    return figures_of_tile(_ENGINES[url], tile, job)


def _peak_rss_mb() -> float:
    """The peak resident memory of this process, MiB (a worker's, run there)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass
class FiguresRun:
    """What a run did: tiles, villages, figures recomputed and kept, time, workers' peaks."""

    areas: list[str]
    tiles: int = 0
    villages: int = 0
    recomputed: int = 0
    kept: int = 0
    pruned: int = 0
    seconds: float = 0.0
    workers: int = 0
    worker_peak_mb: list[float] = field(default_factory=list)
    outcomes: list[TileOutcome] = field(default_factory=list)


def _distributed() -> Any:
    """``dask.distributed`` (imported when a run starts; untyped)."""
    import importlib

    return importlib.import_module("dask.distributed")


def _client(workers: int | None, scheduler: str | None) -> tuple[Any, Any]:
    """A Dask client of an existing cluster, or of a local one started here (and the cluster)."""
    dd = _distributed()
    if scheduler:
        try:
            return dd.Client(scheduler, timeout="10s"), None
        except (OSError, TimeoutError) as exc:
            raise VgisError(f"cannot reach the Dask scheduler at {scheduler} ({exc}); "
                            "start one with `dask scheduler`") from None
    n = workers or os.cpu_count() or 1
    if n < 1:
        raise VgisError(f"--workers must be 1 or more (got {n})")
    cluster = dd.LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                           dashboard_address=None, silence_logs=logging.CRITICAL)
    return dd.Client(cluster), cluster


def _failed(tile: Tile, exc: BaseException) -> VgisError:
    from distributed.scheduler import KilledWorker

    where = f"tile {tile.index} of area {tile.area!r} ({len(tile.village_ids)} villages)"
    if isinstance(exc, VgisError):
        return VgisError(f"{where}: {exc}")
    if isinstance(exc, KilledWorker):
        return VgisError(f"{where}: its workers died {RETRIES + 1} times (out of memory?); "
                         "nothing of that tile was stored; see the workers' logs")
    return VgisError(f"{where} failed ({type(exc).__name__}); nothing of that tile was "
                     "stored; see the workers' logs")


def run_figures(engine: Engine, areas: Sequence[str], job: Job, *, workers: int | None = None,
                scheduler: str | None = None, progress: Progress | None = None,
                tile_buildings: int = TILE_BUILDINGS) -> FiguresRun:
    """Bring ``village_figures`` up to date for every village of ``areas`` (``job``'s kinds).

    Parameters
    ----------
    engine
        The store (its URL is handed to the workers that have no ``DATABASE_URL``).
    areas
        Areas whose villages are computed.
    job
        The kinds and their parameters (:meth:`gis.figures.Job.defaults`).
    workers
        Worker processes of the local cluster (default: the number of cores).
    scheduler
        Address of an existing Dask scheduler instead (``tcp://host:8786``).
    progress
        Called with (villages done, villages in all) as tiles finish.
    tile_buildings
        About how many buildings a tile (task) holds.

    Raises
    ------
    VgisError
        When the scheduler cannot be reached or a tile fails for good (the tiles
        finished before stay stored; run again to finish).
    """
    start = time.perf_counter()
    out = FiguresRun(list(areas))
    tiles = [t for a in areas for t in plan_tiles(engine, a, tile_buildings)]
    out.tiles, out.villages = len(tiles), sum(len(t.village_ids) for t in tiles)
    url = engine.url.render_as_string(hide_password=False)
    client, cluster = _client(workers, scheduler)
    try:
        out.workers = len(client.scheduler_info(n_workers=-1)["workers"])
        futures = client.map(_tile_task, tiles, url=url, job=job, pure=False, retries=RETRIES)
        tile_of = {f.key: t for f, t in zip(futures, tiles, strict=True)}
        done = 0
        if progress:
            progress(0, out.villages)
        for fut in _distributed().as_completed(futures):
            try:
                outcome: TileOutcome = fut.result()
            except Exception as exc:  # a task's error, re-raised here by Dask
                client.cancel(futures)
                raise _failed(tile_of[fut.key], exc) from None
            out.outcomes.append(outcome)
            out.recomputed += outcome.recomputed
            out.kept += outcome.kept
            done += outcome.villages
            if progress:
                progress(done, out.villages)
        out.worker_peak_mb = sorted(client.run(_peak_rss_mb).values())
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    out.pruned = sum(prune(engine, a) for a in areas)
    out.seconds = time.perf_counter() - start
    return out


def stored_figures(engine: Engine, areas: Sequence[str], job: Job) -> list[dict[str, Any]]:
    """The stored figures of every village of ``areas`` (by area, kind, village id)."""
    rows: list[dict[str, Any]] = []
    for area in areas:
        try:
            epsg = metric_epsg(engine, area)
        except UnknownVillage:  # an area with no feature at all has no figures
            continue
        for kind, key in job.keys(epsg).items():
            rows += read_figures(engine, area, kind, key)[0]
    return rows
