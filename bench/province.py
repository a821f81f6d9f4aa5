"""Benchmark of ``vgis figures`` on a synthetic province: 1 and 2 Dask workers side by side.

A province is counties of the county generator (:mod:`bench.county`) of at most
:data:`COUNTY_BUILDINGS` buildings each, every county an area of its own (seeds differ),
loaded into a throwaway PostGIS. For each size the figures of every village (all five
kinds) are computed from scratch with 1 and with 2 worker processes of a local Dask
cluster, then once more with nothing changed (incremental: recomputes 0). Printed:
wall time, the speed-up, the peak resident memory of each worker (its whole process,
imports included), and the single-process engine for the smallest size.

Usage: ``python -m bench.province [--sizes 100000 1000000 3000000]``.
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import dataclass, field

from sqlalchemy import Engine, text

from bench.measure import Step, measured
from bench.run import load_county
from bench.service import throwaway_cluster

COUNTY_BUILDINGS = 250_000


@dataclass
class Run:
    """One ``run_figures`` call: wall time, figures recomputed, workers' peaks (MiB)."""

    seconds: float
    recomputed: int
    tiles: int
    villages: int
    peaks: list[float] = field(default_factory=list)


def load_province(engine: Engine, n: int) -> list[str]:
    """Counties of ≤ COUNTY_BUILDINGS buildings summing to ``n``, one area each."""
    counties = max(1, math.ceil(n / COUNTY_BUILDINGS))
    areas = []
    for i in range(counties):
        size = n // counties + (1 if i < n % counties else 0)
        area = f"province-{n}-county-{i + 1}"
        loaded = load_county(engine, area, size, seed=100 + i)
        print(f"  loaded {area}: {loaded.counts['buildings']:,} buildings, "
              f"{loaded.counts['villages']:,} villages in "
              f"{loaded.copy.seconds + loaded.normalize.seconds:.0f} s", flush=True)
        areas.append(area)
    return areas


def clear(engine: Engine, areas: list[str]) -> None:
    """Forget the stored figures of ``areas`` (the next run computes everything)."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM figure_tiles WHERE area = ANY(:a)"), {"a": areas})


def figures(engine: Engine, areas: list[str], workers: int) -> Run:
    """Bring the figures of ``areas`` up to date with a local cluster of ``workers``."""
    from gis.figures import Job
    from gis.province import run_figures

    start = time.perf_counter()
    run = run_figures(engine, areas, Job.defaults(), workers=workers)
    return Run(time.perf_counter() - start, run.recomputed, run.tiles, run.villages,
               run.worker_peak_mb)


def single_process(engine: Engine, areas: list[str]) -> Step:
    """Every kind over each whole area in this process (the engine the faces fall back to)."""
    from gis.context import Context
    from gis.figures import Job, compute

    job = Job.defaults()
    step = Step()
    with measured(step):
        for area in areas:
            ctx = Context.load(engine, area)
            for kind, params in job.params.items():
                compute(ctx, kind, params)
    return step


def main(argv: list[str] | None = None) -> int:
    """Load each province size, time 1 and 2 workers and the incremental run; print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 3_000_000])
    parser.add_argument("--single-max", type=int, default=100_000,
                        help="also time the single-process engine up to this size")
    args = parser.parse_args(argv)
    from layers.runtime.db import get_engine, migrate

    lines = []
    with throwaway_cluster():
        engine = get_engine()
        migrate(engine)
        for n in args.sizes:
            print(f"province of {n:,} buildings", flush=True)
            areas = load_province(engine, n)
            one = figures(engine, areas, 1)
            clear(engine, areas)
            two = figures(engine, areas, 2)
            again = figures(engine, areas, 2)
            single = single_process(engine, areas) if n <= args.single_max else None
            line = (f"{n:>10,} {one.villages:>8,} {one.tiles:>6,} {one.seconds:>8.1f} "
                    f"{two.seconds:>8.1f} {one.seconds / two.seconds:>7.2f}x "
                    f"{max(one.peaks):>9.0f} {max(two.peaks):>9.0f} {again.seconds:>7.1f} "
                    f"{again.recomputed:>5} "
                    f"{'-' if single is None else f'{single.seconds:.1f}':>8}")
            print(line, flush=True)
            lines.append(line)
            with engine.begin() as conn:
                conn.execute(text("DELETE FROM areas WHERE name = ANY(:a)"), {"a": areas})
        engine.dispose()
    print("\n buildings villages  tiles  1 wkr s  2 wkr s speed-up  peak1 MiB "
          " peak2 MiB again s recmp  1-proc s")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
