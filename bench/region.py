"""Real regions' figures from the warm service against the best SQL, side by side in one run.

Starts a throwaway PostGIS cluster and loads the bundled real regions: the OSM samples
(:func:`layers.io.loader.load_samples`: north-bayreuth, lauf, helsinki; rural German OSM
maps no street lamps, so there every road is unlit) and the conformance set
(``tests/data/conformance/lauf``: the lauf extract with synthetic solar lights on its real
roads, area ``conformance-lauf``). For each area a fresh uvicorn with **one worker** is
started (the process is the server, so its RSS is the worker's); after one warm-up call
of each kind (the area is read into memory) every method is timed ``--runs`` times, the
methods interleaved run by run; median, min and max of lights + garbage:

- **warm service, area-wide**: ``GET /analysis/coverage/lights?area=A`` and
  ``/analysis/coverage/garbage?area=A`` (every village; computed each call);
- **warm service, per village**: ``/villages/{id}/coverage/lights`` and ``/garbage``
  for every village, one after the other (2 × villages calls);
- **CLI**: ``vgis coverage lights --area A --json`` and ``garbage``, two processes
  (cold: start-up and a PostGIS read each);
- **SQL**: ``testkit.sql`` and ``testkit.sqlpeer`` (metric temporary tables, exact lit
  intervals, ``EXISTS ST_DWithin`` for households served), each a fresh
  ``Context.load`` (reads the villages) plus the formulation's statements through
  SQLAlchemy; **best SQL** is the faster formulation's median per kind, summed.

The area-wide answers are checked against the per-village ones, the CLI's and each SQL
formulation's (lit share within 1e-4, households served exactly), as
:func:`bench.report.agreement` does for :mod:`bench.run`. Then HTTP p50/p95 at 10
clients (uvicorn, 2 workers, every area warm) for single-village lighting coverage
rotating over the villages and items pages of 1,000 roads (one kept page, and a new
offset each time), and the workers' memory.

Usage: ``python -m bench.region [--runs 5] [--seconds 6] [--areas A ...]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, text

from bench.measure import load_average, revision
from bench.service import ROOT, _load, throwaway_cluster

KINDS = ("lights", "garbage")
CONFORMANCE_AREA = "conformance-lauf"
CONFORMANCE = ROOT / "tests" / "data" / "conformance" / "lauf"
CONFORMANCE_LAYERS = ("villages", "buildings", "roads", "railways", "lights", "garbage")
SHARE_TOLERANCE = 1e-4
Figures = dict[int, dict[str, Any]]  # village id -> figures


@dataclass
class Method:
    """One way of getting the figures: its times per kind (s) and its last answers."""

    name: str
    times: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    answers: dict[str, Figures] = field(default_factory=dict)

    def timed(self, kind: str, fn: Callable[[], Figures]) -> None:
        """Run ``fn`` once, recording its wall time and its answer for ``kind``."""
        t0 = time.perf_counter()
        out = fn()
        self.times[kind].append(time.perf_counter() - t0)
        self.answers[kind] = out

    def total(self) -> list[float]:
        """Lights + garbage of each run, s."""
        return [sum(run) for run in zip(*(self.times[k] for k in KINDS), strict=True)]

    def median(self, kind: str | None = None) -> float:
        """Median of one kind, or of lights + garbage, s."""
        return statistics.median(self.total() if kind is None else self.times[kind])


@dataclass
class AreaRun:
    """Everything measured on one area."""

    area: str
    villages: list[int]
    methods: list[Method]
    sql: list[Method]
    first_s: float
    rss_kib: dict[str, int]
    estimate_bytes: int

    def best_sql(self) -> float:
        """The faster SQL formulation's median per kind, summed, s."""
        return sum(min(m.median(k) for m in self.sql) for k in KINDS)


def _by_id(answers: list[dict[str, Any]]) -> Figures:
    return {int(a["village_id"]): a for a in answers}


def _get(http: httpx.Client, path: str) -> Any:
    r = http.get(path)
    if r.status_code != 200:
        raise RuntimeError(f"{path}: {r.status_code} {r.text[:200]}")
    return r.json()


def _workers(pid: int) -> list[int]:
    """The worker processes of the uvicorn supervisor ``pid`` (not the resource tracker)."""
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            if b"resource_tracker" not in Path(f"/proc/{child}/cmdline").read_bytes():
                out.append(int(child))
    return out


def load_regions(engine: Engine) -> dict[str, dict[str, float]]:
    """Load the samples and the conformance set; what each area holds (counts, road km)."""
    from layers.io.loader import load_file, load_samples
    from layers.store import layer_counts

    t0 = time.perf_counter()
    load_samples(engine, ROOT / "data", say=lambda line: print(f"  {line}"))
    for layer in CONFORMANCE_LAYERS:
        load_file(engine, CONFORMANCE / f"{layer}.gpkg", layer, CONFORMANCE_AREA)
    print(f"  {CONFORMANCE_AREA}: loaded {', '.join(CONFORMANCE_LAYERS)} from "
          f"{CONFORMANCE.relative_to(ROOT)} ({time.perf_counter() - t0:.1f} s for all)")
    with engine.connect() as conn:
        found: Sequence[Any] = conn.execute(text(
            "SELECT DISTINCT area FROM villages ORDER BY area")).scalars().all()
        lengths: Sequence[Any] = conn.execute(text(
            "SELECT area, SUM(ST_Length(geom::geography)) / 1000 FROM roads GROUP BY area"
        )).all()
    areas = [str(a) for a in found]
    km = {str(a): float(k or 0) for a, k in lengths}
    held = {a: {**{k: float(v) for k, v in layer_counts(engine, a).items()},
                "road_km": km.get(a, 0.0)} for a in areas}
    print(f"\n{'area':<18}{'villages':>9}{'roads':>7}{'road km':>9}{'lights':>8}"
          f"{'buildings':>10}{'garbage':>8}")
    for a, c in sorted(held.items(), key=lambda i: (-i[1]["villages"], -i[1]["roads"])):
        print(f"{a:<18}{c['villages']:>9,.0f}{c['roads']:>7,.0f}{c['road_km']:>9,.1f}"
              f"{c['lights']:>8,.0f}{c['buildings']:>10,.0f}{c['garbage']:>8,.0f}")
    return held


def _sql_methods(engine: Engine, area: str) -> dict[str, dict[str, Callable[[], Figures]]]:
    """Each SQL formulation of each kind, as the figures per village id."""
    from gis.context import Context
    from gis.params import CoverageOptions, LightingParams, ServiceParams
    from testkit.sql import households_sql, lighting_sql
    from testkit.sqlpeer import households_indexed_sql, lighting_exact_sql

    lp, gp = CoverageOptions().params("lights"), CoverageOptions().params("garbage")
    assert isinstance(lp, LightingParams)
    assert isinstance(gp, ServiceParams)
    assert gp.distance == "euclidean"  # the SQL formulations count straight-line reach

    def ctx() -> Context:
        return Context.load(engine, area)

    return {
        "testkit.sql": {
            "lights": lambda: lighting_sql(ctx(), radius=lp.radius_m, classes=lp.classes),
            "garbage": lambda: households_sql(ctx(), classes=gp.classes, radius=gp.radius_m)},
        "testkit.sqlpeer": {
            "lights": lambda: lighting_exact_sql(ctx(), radius=lp.radius_m,
                                                 classes=lp.classes),
            "garbage": lambda: households_indexed_sql(ctx(), classes=gp.classes,
                                                      radius=gp.radius_m)},
    }


def measure_area(engine: Engine, area: str, runs: int, cache_mb: float) -> AreaRun:
    """Time every method on ``area`` with a fresh one-worker uvicorn; keep the answers."""
    from gis.warm import WarmAreas
    from testkit.server import rss_kib, uvicorn_process

    exe = str(Path(sys.executable).with_name("vgis"))
    sql = {name: (Method(f"SQL {name}"), fns) for name, fns in
           _sql_methods(engine, area).items()}
    area_wide, per_village = Method("warm service, area-wide"), Method("")
    cli = Method("CLI, 2 processes (cold)")
    rss: dict[str, int] = {}
    env = {"VGIS_CACHE_MB": f"{cache_mb:g}"}
    with uvicorn_process(workers=1, extra_env=env) as (base, proc), \
            httpx.Client(base_url=base, timeout=600) as http:
        rss["started"] = rss_kib(proc.pid)
        ids = [int(v["id"]) for v in _get(http, f"/villages?area={area}")]
        per_village.name = f"warm service, per village ({2 * len(ids)})"
        for kind in KINDS:  # imports the analysis without reading the area: 404
            assert http.get(f"/villages/2147483647/coverage/{kind}").status_code == 404
        rss["imported"] = rss_kib(proc.pid)
        t0 = time.perf_counter()
        for kind in KINDS:
            _get(http, f"/analysis/coverage/{kind}?area={area}")
        first = time.perf_counter() - t0
        rss["warm"] = rss_kib(proc.pid)

        def area_answers(kind: str) -> Figures:
            return _by_id(_get(http, f"/analysis/coverage/{kind}?area={area}"))

        def village_answers(kind: str) -> Figures:
            return {v: _get(http, f"/villages/{v}/coverage/{kind}") for v in ids}

        def cli_answers(kind: str) -> Figures:
            out = subprocess.run([exe, "coverage", kind, "--area", area, "--json"],
                                 check=True, capture_output=True, text=True)
            return _by_id(json.loads(out.stdout))

        for _ in range(runs):  # interleaved, so drift of the machine's load hits all alike
            for kind in KINDS:
                for method, fns in sql.values():
                    method.timed(kind, fns[kind])
                cli.timed(kind, partial(cli_answers, kind))
                area_wide.timed(kind, partial(area_answers, kind))
                per_village.timed(kind, partial(village_answers, kind))
        rss["after"] = rss_kib(proc.pid)
    warm = WarmAreas(int(cache_mb * 2**20))
    warm.context(engine, area=area)
    return AreaRun(area, ids, [area_wide, per_village, cli], [m for m, _ in sql.values()],
                   first, rss, warm.stats().bytes)


def _share(fig: dict[str, Any]) -> float | None:
    if "lit_share" in fig:
        return None if fig["lit_share"] is None else float(fig["lit_share"])
    road = fig["road_length_m"]  # an SQL formulation's figures
    return float(fig["lit_length_m"]) / road if road else None


def agreement(run: AreaRun) -> list[str]:
    """How far each method's figures are from the warm area-wide answers."""
    mine = run.methods[0].answers
    out = []
    for other in run.methods[1:] + run.sql:
        theirs = other.answers
        worst, shares, missing = 0.0, 0, 0
        for vid, a in mine["lights"].items():
            s, t = _share(a), _share(theirs["lights"][vid])
            if s is not None and t is not None:
                worst, shares = max(worst, abs(s - t)), shares + 1
            missing += (s is None) != (t is None)
        served = sum(int(a["served_households"]) != int(theirs["garbage"][vid]
                                                         ["served_households"])
                     for vid, a in mine["garbage"].items())
        homes = sum(int(a["households"]) != int(theirs["garbage"][vid]["households"])
                    for vid, a in mine["garbage"].items())
        same = ""
        if not other.name.startswith("SQL"):
            equal = {k: sum(mine[k][v] == theirs[k][v] for v in mine[k]) for k in KINDS}
            same = f"; answers identical: lights {equal['lights']}, garbage {equal['garbage']}"
        ok = (worst <= SHARE_TOLERANCE and not missing and not served and not homes
              and mine["lights"].keys() == theirs["lights"].keys())
        out.append(f"  vs {other.name.split(' (')[0]:<28} lit share max |Δ| {worst:.1e} over "
                   f"{shares} villages ({missing} with a share in one only); households "
                   f"served differ in {served}, households in {homes} of "
                   f"{len(mine['garbage'])}{same} -> {'agree' if ok else 'DIFFER'}")
    return out


def print_area(run: AreaRun, runs: int, cache_mb: float) -> None:
    """The timing table, agreement and memory of one area."""
    best = run.best_sql()
    print(f"\n== {run.area}: lighting + garbage figures of every village ({len(run.villages)})"
          f", {runs} runs; first area-wide call of both (reads the area into memory) "
          f"{run.first_s:.3f} s ==")
    head = (f"{'method':<34}{'lights':>8}{'garbage':>8}{'median s':>9}{'min':>8}{'max':>8}"
            f"{'best SQL/this':>14}")
    print(head)
    print("-" * len(head))
    for m in run.methods + run.sql:
        tot = m.total()
        print(f"{m.name:<34}{m.median('lights'):>8.3f}{m.median('garbage'):>8.3f}"
              f"{m.median():>9.3f}{min(tot):>8.3f}{max(tot):>8.3f}{best / m.median():>13.1f}x")
    print(f"{'best SQL (faster per kind)':<34}"
          + "".join(f"{min(m.median(k) for m in run.sql):>8.3f}" for k in KINDS)
          + f"{best:>9.3f}")
    print("lights, garbage: medians of each kind; median/min/max: of lights + garbage per "
          "run; SQL: fresh Context.load (villages) + the statements, per kind")
    for line in agreement(run):
        print(line)
    r = run.rss_kib
    print(f"  worker RSS (1 worker, VGIS_CACHE_MB {cache_mb:g}): {r['started'] / 1024:,.0f} MiB "
          f"started, {r['imported'] / 1024:,.0f} MiB with the analyses imported, "
          f"{r['warm'] / 1024:,.0f} MiB with the area warm "
          f"(+{(r['warm'] - r['imported']) / 1024:,.0f} MiB), {r['after'] / 1024:,.0f} MiB "
          f"after the runs; WarmAreas estimate of the area {run.estimate_bytes / 2**20:,.1f} "
          "MiB")


def latency(areas: Sequence[AreaRun], seconds: float, cache_mb: float) -> None:
    """p50/p95 and throughput at 10 clients, uvicorn with 2 workers, every area warm."""
    from testkit.server import rss_kib, uvicorn_process

    print(f"\nHTTP on loopback: uvicorn, 2 workers (VGIS_CACHE_MB {cache_mb:g}), warm; 10 "
          f"clients (threads of this process, on the same 2 cores), {seconds:g} s per cell")
    head = f"{'area':<18}{'request':<38}{'n':>6}{'p50 ms':>8}{'p95 ms':>8}{'req/s':>7}"
    print(head)
    print("-" * len(head))
    env = {"VGIS_CACHE_MB": f"{cache_mb:g}"}
    with uvicorn_process(workers=2, extra_env=env) as (base, proc):
        for run in areas:
            a = run.area
            cells = {
                "coverage/lights, rotating villages": [f"/villages/{v}/coverage/lights"
                                                       for v in run.villages],
                "items roads limit=1000 (kept page)": [
                    f"/collections/roads/items?area={a}&limit=1000"],
                "items roads limit=1000, new offsets": [
                    f"/collections/roads/items?area={a}&limit=1000&offset={k}"
                    for k in range(1, 3000, 7)],
            }
            for name, paths in cells.items():
                for path in paths[:20]:  # both workers warm (area read, modules imported)
                    httpx.get(base + path, timeout=120)
                lat, wall = _load(base, paths, 10, seconds)
                lat.sort()
                p95 = lat[min(int(len(lat) * 0.95), len(lat) - 1)]
                print(f"{a:<18}{name:<38}{len(lat):>6}{statistics.median(lat) * 1e3:>8.0f}"
                      f"{p95 * 1e3:>8.0f}{len(lat) / wall:>7.1f}"
                      f"{'' if p95 <= 0.2 else '  (p95 target 200 ms MISSED)'}")
        workers = _workers(proc.pid)
        print("worker RSS with every area warm: "
              + ", ".join(f"{rss_kib(w) / 1024:,.0f} MiB" for w in workers)
              + f" (supervisor {rss_kib(proc.pid) / 1024:,.0f} MiB)")


def summary(areas: Sequence[AreaRun]) -> None:
    """The issue's target per area: warm area-wide at least 3x faster than the best SQL."""
    print("\n== target: warm area-wide >= 3x faster than the best SQL ==")
    for run in areas:
        mine = run.methods[0]
        ratio = run.best_sql() / mine.median()
        kinds = ", ".join(f"{k} {min(m.median(k) for m in run.sql) / mine.median(k):.1f}x"
                          for k in KINDS)
        print(f"{run.area:<18}{len(run.villages):>4} villages: {ratio:>5.1f}x ({kinds}) "
              f"{'met' if ratio >= 3 else 'MISSED'}")


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m bench.region [--runs 5] [--seconds 6] [--areas A ...]``."""
    parser = argparse.ArgumentParser(prog="python -m bench.region", description=__doc__
                                     .splitlines()[0] if __doc__ else "")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per method")
    parser.add_argument("--seconds", type=float, default=6.0, help="seconds per HTTP cell")
    parser.add_argument("--areas", nargs="+", help="areas measured (default: every area "
                        "loaded, most villages first)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be 1 or more")
    with throwaway_cluster() as cluster:
        from layers.runtime.db import make_engine, migrate, postgis_version
        from layers.runtime.settings import get_settings

        engine = make_engine(cluster.url)
        migrate(engine)
        cache_mb = get_settings().cache_mb
        print(f"vgis region benchmark at {revision()}: PostGIS {postgis_version(engine)}, "
              f"load average {load_average():.2f}; loading the regions")
        held = load_regions(engine)
        order = sorted(held, key=lambda a: (-held[a]["villages"], -held[a]["roads"]))
        chosen = args.areas or order
        unknown = set(chosen) - set(held)
        if unknown:
            parser.error(f"no such area: {', '.join(sorted(unknown))}")
        done = []
        for area in chosen:
            done.append(measure_area(engine, area, args.runs, cache_mb))
            print_area(done[-1], args.runs, cache_mb)
        summary(done)
        latency(done, args.seconds, cache_mb)
        print(f"load average at the end {load_average():.2f}")
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
