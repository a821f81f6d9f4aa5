"""``make bench``: time both analysis engines on synthetic counties of growing size.

For each size (buildings; default 1k, 10k, 100k, 1M) the county of :mod:`bench.county`
is generated, normalised and loaded into its own area of a throwaway PostGIS cluster,
then analysed over every village:

- **in-process** (:mod:`gis.coverage`, :mod:`gis.proximity`): lighting coverage
  (15 m), garbage coverage (70 m, euclidean) and corridor selection (500 m), each
  timed cold — a fresh :class:`~gis.context.Context` reading its layers from PostGIS —
  and warm (the same call again on that context: pure compute); then all three on one
  fresh context, which is "the county fully analysed";
- **SQL**, two formulations, each with a fresh context (it reads only the villages):
  ``testkit.sql`` (``lighting_sql``, ``households_sql``, ``nearest_sql`` for trunk roads
  and railways) and ``testkit.sqlpeer`` (metric temporary tables, exact lighting
  intervals); the faster is the peer to beat.

Printed per size: counts, load times, seconds per analysis, the SQL / in-process
ratios, peak resident memory of this process and how far the engines' figures differ;
then a summary with the growth from size to size and the issue's targets. Usage::

    python -m bench.run [--sizes 1000 10000 ...] [--sql-max 100000] [--seed 0] [--repeat 1]
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from bench.county import METRIC_EPSG, make_county
from bench.measure import Loaded, Step, Timings, load_average, measured, revision
from bench.report import (
    CORRIDOR_M,
    CORRIDOR_WINDOW_M,
    GARBAGE_RADIUS_M,
    LIGHT_RADIUS_M,
    print_size,
    print_summary,
)
from gis.context import Context
from gis.lighting import lighting_coverage
from gis.params import (
    GARBAGE_CLASSES,
    LIGHT_CLASSES,
    TRUNK_CLASSES,
    CorridorParams,
    LightingParams,
    ServiceParams,
)
from gis.proximity import corridor
from gis.service import household_coverage
from gis.warm import WarmAreas
from layers.io.normalize import normalize
from layers.report import ImportReport
from layers.runtime.cluster import LocalCluster
from layers.runtime.db import make_engine, migrate, postgis_version
from layers.schema import LAYERS
from layers.store import replace_source
from testkit.sql import households_sql, lighting_sql, nearest_sql
from testkit.sqlpeer import households_indexed_sql, lighting_exact_sql, nearest_transformed_sql

DEFAULT_SIZES = (1_000, 10_000, 100_000, 1_000_000)
WARM_BUDGET = 1024 * 2**20  # the service's default VGIS_CACHE_MB
Analysis = Callable[[Context], Any]

IN_PROCESS: dict[str, Analysis] = {
    "lighting": lambda ctx: lighting_coverage(ctx, LightingParams(radius_m=LIGHT_RADIUS_M),
                                              details=False),
    "garbage": lambda ctx: household_coverage(ctx, ServiceParams(radius_m=GARBAGE_RADIUS_M),
                                              details=False),
    "corridor": lambda ctx: corridor(ctx, CorridorParams(distance_m=CORRIDOR_M)),
}

SQL: dict[str, dict[str, Analysis]] = {
    "testkit.sql": {
        "lighting": lambda ctx: lighting_sql(ctx, radius=LIGHT_RADIUS_M, classes=LIGHT_CLASSES),
        "garbage": lambda ctx: households_sql(ctx, classes=GARBAGE_CLASSES,
                                              radius=GARBAGE_RADIUS_M),
        "corridor": lambda ctx: (
            nearest_sql(ctx, layer="roads", classes=TRUNK_CLASSES, window=CORRIDOR_WINDOW_M),
            nearest_sql(ctx, layer="railways", classes=["rail"], window=CORRIDOR_WINDOW_M)),
    },
    "testkit.sqlpeer": {
        "lighting": lambda ctx: lighting_exact_sql(ctx, radius=LIGHT_RADIUS_M,
                                                   classes=LIGHT_CLASSES),
        "garbage": lambda ctx: households_indexed_sql(ctx, classes=GARBAGE_CLASSES,
                                                      radius=GARBAGE_RADIUS_M),
        "corridor": lambda ctx: (
            nearest_transformed_sql(ctx, layer="roads", classes=TRUNK_CLASSES,
                                    window=CORRIDOR_WINDOW_M),
            nearest_transformed_sql(ctx, layer="railways", classes=["rail"],
                                    window=CORRIDOR_WINDOW_M)),
    },
}


def load_county(engine: Engine, area: str, n_buildings: int, seed: int) -> Loaded:
    """Generate, normalise and COPY a county into ``area``; ANALYZE the tables."""
    gen, norm, copy, analyze = Step(), Step(), Step(), Step()
    with measured(gen):
        raw = make_county(n_buildings, seed)
    road_km = float(raw["roads"].to_crs(METRIC_EPSG).length.sum()) / 1000
    rail_km = float(raw["railways"].to_crs(METRIC_EPSG).length.sum()) / 1000
    source = f"synthetic-county-{n_buildings}-seed{seed}"
    report = ImportReport(source=source)
    with measured(norm):
        frames = {layer: normalize(frame, LAYERS[layer], source=source, report=report)
                  for layer, frame in raw.items()}
    counts = {layer: len(frame) for layer, frame in frames.items()}
    del raw
    with measured(copy):
        replace_source(engine, area=area, source=source, kind="file", frames=frames,
                       report=report, sha256=hashlib.sha256(source.encode()).hexdigest())
    del frames
    with measured(analyze), engine.begin() as conn:
        for layer in counts:
            conn.execute(text(f"ANALYZE {layer}"))
    return Loaded(counts, road_km, rail_km, gen, norm, copy, analyze)


def _fastest(steps: Sequence[Step]) -> Step:
    done = [s for s in steps if s.ok]
    return min(done, key=lambda s: s.seconds) if done else steps[-1]


def run_in_process(engine: Engine, area: str, t: Timings, repeat: int = 1) -> None:
    """Time each in-process analysis cold and warm, then all three on one context.

    With ``repeat`` > 1 each is run that many times and the fastest run is kept.
    """
    for name, analysis in IN_PROCESS.items():
        colds, warms = [], []
        for _ in range(repeat):
            cold, warm = Step(), Step()
            with measured(cold):
                ctx = Context.load(engine, area)
                t.results[name] = analysis(ctx)
            with measured(warm):
                analysis(ctx)
            colds.append(cold)
            warms.append(warm)
            del ctx
        t.cold[name], t.warm[name] = _fastest(colds), _fastest(warms)
    runs = []
    for _ in range(repeat):
        step = Step()
        with measured(step):
            ctx = Context.load(engine, area)
            for analysis in IN_PROCESS.values():
                analysis(ctx)
        runs.append(step)
        del ctx
    t.all_three = _fastest(runs)
    run_served(engine, area, t, repeat)


def run_served(engine: Engine, area: str, t: Timings, repeat: int = 1) -> None:
    """Time each analysis as the warm service runs it (the area already in memory)."""
    warm = WarmAreas(WARM_BUDGET)
    warm.context(engine, area=area)  # the first request of the area reads it
    stats = warm.stats()
    t.warm_bytes, t.warm_budget = stats.bytes, stats.budget_bytes
    for name, analysis in IN_PROCESS.items():
        runs = []
        for _ in range(max(repeat, 2)):
            step = Step()
            with measured(step):
                analysis(warm.context(engine, area=area))
            runs.append(step)
        t.served[name] = _fastest(runs)


def run_sql(sql_engine: Engine, area: str, t: Timings, repeat: int = 1) -> None:
    """Time each SQL formulation of each analysis (fresh context: villages read included).

    With ``repeat`` > 1 the fastest of that many runs is kept; a timeout ends the repeats.
    """
    for formulation, analyses in SQL.items():
        steps, results = t.sql.setdefault(formulation, {}), t.sql_results.setdefault(
            formulation, {})
        for name, analysis in analyses.items():
            runs = []
            for _ in range(repeat):
                step = Step()
                runs.append(step)
                try:
                    with measured(step):
                        ctx = Context.load(sql_engine, area)
                        results[name] = analysis(ctx)
                except OperationalError as exc:
                    if "statement timeout" not in str(exc):
                        raise
                    step.note = "timeout"
                    break
            steps[name] = _fastest(runs)


def _sql_engine(url: str, timeout_s: float) -> Engine:
    """An engine whose statements are cancelled after ``timeout_s`` seconds."""
    return create_engine(url, connect_args={
        "options": f"-c statement_timeout={int(timeout_s * 1000)}"})


def bench(sizes: Sequence[int], *, seed: int, sql_max: int, sql_timeout: float,
          repeat: int = 1) -> None:
    """Start a throwaway cluster, run every size, print the tables, remove the cluster."""
    tmp = Path(tempfile.mkdtemp(prefix="vgis-bench-"))
    tmp.chmod(0o755)  # under root the postgres user owns the cluster and must enter it
    cluster = LocalCluster(tmp / "pg")
    engines: list[Engine] = []
    try:
        cluster.start()
        engine = make_engine(cluster.url)
        sql_engine = _sql_engine(cluster.url, sql_timeout)
        engines += [engine, sql_engine]
        migrate(engine)
        with engine.connect() as conn:
            pg = str(conn.execute(text("SHOW server_version")).scalar_one())
        print(f"vgis benchmark at {revision()}: {os.cpu_count()} CPUs, "
              f"Python {sys.version.split()[0]}, "
              f"PostgreSQL {pg}, PostGIS {postgis_version(engine)}; seed {seed}; SQL for "
              f"sizes <= {sql_max:,}, statement timeout {sql_timeout:g} s; fastest of "
              f"{repeat} run(s) per step", flush=True)
        rows = []
        for n in sizes:
            area = f"bench-{n}"
            loaded = load_county(engine, area, n, seed)
            t = Timings(load_before=load_average())
            run_in_process(engine, area, t, repeat)
            note = ""
            if n <= sql_max:
                run_sql(sql_engine, area, t, repeat)
            else:
                note = f"SQL engines skipped at this size (--sql-max {sql_max:,})"
            t.load_after = load_average()
            print_size(n, loaded, t, note)
            t.results.clear()  # the figures are only needed for the agreement check
            t.sql_results.clear()
            rows.append((n, loaded, t))
            gc.collect()
        print_summary(rows)
    finally:
        for eng in engines:
            eng.dispose()
        cluster.remove()
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m bench.run [--sizes N ...] [--sql-max N] [--seed S]``."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description="Time the in-process and SQL engines on synthetic counties.")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES),
                        help="county sizes in buildings (default: 1000 10000 100000 1000000)")
    parser.add_argument("--sql-max", type=int, default=100_000,
                        help="run the SQL engines only up to this many buildings "
                             "(default 100000)")
    parser.add_argument("--sql-timeout", type=float, default=900.0,
                        help="cancel an SQL statement after this many seconds (default 900)")
    parser.add_argument("--seed", type=int, default=0, help="county generator seed")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run each timed step this many times and keep the fastest "
                             "(default 1)")
    args = parser.parse_args(argv)
    if any(n < 1 for n in args.sizes):
        parser.error("sizes must be positive numbers of buildings")
    if args.repeat < 1:
        parser.error("--repeat must be 1 or more")
    bench(sorted(args.sizes), seed=args.seed, sql_max=args.sql_max,
          sql_timeout=args.sql_timeout, repeat=args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
