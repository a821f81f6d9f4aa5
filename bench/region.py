"""A region's figures from the warm service against the best SQL, side by side in one run.

Starts a throwaway PostGIS cluster, loads a real region (the conformance set: the lauf
extract of OSM with 10k lights and 9k buildings, ``tests/data/conformance/lauf``), starts
uvicorn (one worker) and times, each over ``--runs`` runs (median, min, max):

- **warm service, area-wide**: ``GET /analysis/coverage/lights?area=A`` and
  ``/analysis/coverage/garbage?area=A`` (every village's figures; the area is warm, the
  answers are computed each time, JSON answers are not kept);
- **warm service, per village**: one ``/villages/{id}/coverage/lights`` and ``/garbage``
  per village, one after the other;
- **CLI**: ``vgis coverage lights --area A --json`` and ``garbage`` as two processes
  (cold: each reads PostGIS);
- **best SQL**: ``testkit.sqlpeer`` (metric temporary tables, exact lit intervals,
  ``EXISTS ST_DWithin`` for households served), the two queries on the same data;

then checks the answers agree (lit share within 1e-4, households served exactly) and
prints the ratio best SQL / each. Then HTTP p50/p95 at 10 clients for single-village
coverage (rotating over the villages) and items pages (fixed, and with a new offset each
time so no kept page answers), and the worker's memory.

Usage: ``python -m bench.region [--runs 5] [--seconds 6]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from bench.service import ROOT, _cluster, _load

AREA = "region"
CONFORMANCE = ROOT / "tests" / "data" / "conformance" / "lauf"
LAYERS = ("villages", "buildings", "roads", "railways", "lights", "garbage")


def _timed(fn: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    times, out = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return times, out


def _get(http: httpx.Client, path: str) -> Any:
    r = http.get(path)
    if r.status_code != 200:
        raise RuntimeError(f"{path}: {r.status_code} {r.text[:200]}")
    return r.json()


def _row(name: str, times: list[float], sql_median: float) -> str:
    med = statistics.median(times)
    return (f"{name:<34}{med:>9.3f}{min(times):>9.3f}{max(times):>9.3f}"
            f"{sql_median / med:>13.1f}x")


def _agree(lights: list[dict[str, Any]], garbage: list[dict[str, Any]],
           sql_lit: dict[int, dict[str, float]], sql_homes: dict[int, dict[str, float]]
           ) -> str:
    worst, wrong = 0.0, 0
    for a in lights:
        theirs = sql_lit[a["village_id"]]
        share = theirs["lit_length_m"] / theirs["road_length_m"] if theirs["road_length_m"] \
            else None
        if a["lit_share"] is not None and share is not None:
            worst = max(worst, abs(a["lit_share"] - share))
    for a in garbage:
        if a["served_households"] != sql_homes[a["village_id"]]["served_households"]:
            wrong += 1
    return (f"agreement with SQL: lit share within {worst:.1e} over {len(lights)} villages; "
            f"households served differ in {wrong} of {len(garbage)}")


def bench_region(runs: int, seconds: float) -> None:
    """Load the region, serve it, and print the figures, ratios and HTTP latencies."""
    from gis.context import Context
    from gis.params import CoverageOptions, LightingParams, ServiceParams
    from layers.io.loader import load_file
    from layers.runtime.db import make_engine, migrate
    from layers.store import layer_counts
    from testkit.server import rss_kib, uvicorn_process
    from testkit.sqlpeer import households_indexed_sql, lighting_exact_sql

    engine = make_engine(os.environ["DATABASE_URL"])
    migrate(engine)
    for layer in LAYERS:
        load_file(engine, CONFORMANCE / f"{layer}.gpkg", layer, AREA)
    counts = layer_counts(engine, AREA)
    print(f"region: the conformance set (OSM lauf): {counts['villages']} villages, "
          f"{counts['roads']:,} roads, {counts['lights']:,} lights, "
          f"{counts['buildings']:,} buildings, {counts['garbage']:,} garbage points")
    lights_p = CoverageOptions().params("lights")
    garbage_p = CoverageOptions().params("garbage")
    assert isinstance(lights_p, LightingParams)
    assert isinstance(garbage_p, ServiceParams)

    def sql() -> tuple[Any, Any]:
        ctx = Context.load(engine, AREA)
        return (lighting_exact_sql(ctx, radius=lights_p.radius_m, classes=lights_p.classes),
                households_indexed_sql(ctx, classes=garbage_p.classes,
                                       radius=garbage_p.radius_m))

    sql_times, (sql_lit, sql_homes) = _timed(sql, runs)
    sql_med = statistics.median(sql_times)
    exe = str(Path(sys.executable).with_name("vgis"))

    def cli() -> None:
        for kind in ("lights", "garbage"):
            subprocess.run([exe, "coverage", kind, "--area", AREA, "--json"], check=True,
                           capture_output=True)

    cli_times, _ = _timed(cli, runs)
    with uvicorn_process(workers=1) as (base, proc), httpx.Client(base_url=base,
                                                                  timeout=600) as http:
        rss_cold = rss_kib(proc.pid)
        ids = [v["id"] for v in _get(http, f"/villages?area={AREA}")]

        def area_wide() -> tuple[Any, Any]:
            return (_get(http, f"/analysis/coverage/lights?area={AREA}"),
                    _get(http, f"/analysis/coverage/garbage?area={AREA}"))

        t0 = time.perf_counter()
        area_wide()
        first = time.perf_counter() - t0
        rss_warm = rss_kib(proc.pid)
        warm_times, (lights, garbage) = _timed(area_wide, runs)

        def per_village() -> None:
            for vid in ids:
                _get(http, f"/villages/{vid}/coverage/lights")
                _get(http, f"/villages/{vid}/coverage/garbage")

        village_times, _ = _timed(per_village, runs)
        print(f"\nlighting + garbage figures of every village ({len(ids)}), {runs} runs; "
              f"first area-wide call (reads the area into memory): {first:.2f} s")
        head = f"{'method':<34}{'median s':>9}{'min':>9}{'max':>9}{'best SQL/this':>14}"
        print(head)
        print("-" * len(head))
        print(_row("warm service, area-wide (2 calls)", warm_times, sql_med))
        print(_row(f"warm service, per village ({2 * len(ids)})", village_times, sql_med))
        print(_row("CLI, 2 processes (cold)", cli_times, sql_med))
        print(_row("best SQL (testkit.sqlpeer)", sql_times, sql_med))
        print(_agree(lights, garbage, sql_lit, sql_homes))
        ratio = sql_med / statistics.median(warm_times)
        print(f"target: warm area-wide >= 3x faster than the best SQL -> {ratio:.1f}x "
              f"({'met' if ratio >= 3 else 'MISSED'})")
        print(f"worker RSS {rss_cold / 1024:,.0f} MiB before, {rss_warm / 1024:,.0f} MiB "
              f"with the area warm (VGIS_CACHE_MB {os.environ.get('VGIS_CACHE_MB', '1024')})")
    _latency(ids, seconds)


def _latency(ids: list[int], seconds: float) -> None:
    from testkit.server import uvicorn_server

    cells = {
        "coverage/lights, rotating villages": [f"/villages/{v}/coverage/lights" for v in ids],
        "items roads limit=1000 (kept page)": [f"/collections/roads/items?limit=1000&area={AREA}"],
        "items roads limit=1000, new offsets": [
            f"/collections/roads/items?limit=1000&area={AREA}&offset={k}"
            for k in range(0, 3000, 7)],
    }
    print(f"\nHTTP on loopback (uvicorn, 2 workers; the 10 client threads share the 2 "
          f"cores), {seconds:g} s per cell, 10 clients")
    print(f"{'request':<38}{'n':>6}{'p50 ms':>8}{'p95 ms':>8}{'req/s':>7}")
    with uvicorn_server(workers=2) as base:
        for name, paths in cells.items():
            for path in paths[:30]:  # both workers warm
                httpx.get(base + path, timeout=120)
            lat, wall = _load(base, paths, 10, seconds)
            lat.sort()
            p95 = lat[min(int(len(lat) * 0.95), len(lat) - 1)]
            print(f"{name:<38}{len(lat):>6}{statistics.median(lat) * 1e3:>8.0f}"
                  f"{p95 * 1e3:>8.0f}{len(lat) / wall:>7.1f}"
                  f"{'' if p95 <= 0.2 else '  (p95 target 200 ms MISSED)'}")


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m bench.region [--runs 5] [--seconds 6]``."""
    parser = argparse.ArgumentParser(prog="python -m bench.region", description=__doc__
                                     .splitlines()[0] if __doc__ else "")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=6.0)
    args = parser.parse_args(argv)
    cluster, tmp = _cluster()
    try:
        bench_region(args.runs, args.seconds)
    finally:
        cluster.remove()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
