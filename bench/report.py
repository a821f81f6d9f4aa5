"""The benchmark's printed tables: one per county, a summary, and the engines' agreement."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from bench.measure import ANALYSES, Loaded, Step, Timings, peak_so_far
from gis.params import CorridorParams, LightingParams, ServiceParams

# the definitions' own defaults, whatever the environment sets
LIGHT_RADIUS_M = LightingParams().radius_m
GARBAGE_RADIUS_M = ServiceParams().radius_m
CORRIDOR_M = CorridorParams().distance_m
# the margin corridor() reads lines within: max(distance, county-seat radius) + 1 km
CORRIDOR_WINDOW_M = 6000.0


# --- agreement -------------------------------------------------------------------------------

def _number(x: float | None) -> bool:
    return x is not None and not math.isnan(x)


def _max_diff(pairs: Sequence[tuple[float | None, float | None]]) -> tuple[float, int, int]:
    """Max |a − b| where both are numbers, the number of such pairs, and of half-missing ones."""
    both = [abs(a - b) for a, b in pairs if a is not None and b is not None
            and _number(a) and _number(b)]
    one = sum(_number(a) != _number(b) for a, b in pairs)
    return (max(both) if both else math.nan), len(both), one


def _within(distance: float | None, limit: float) -> bool:
    return distance is not None and distance <= limit


def _served_share(fig: dict[str, float]) -> float | None:
    return fig["served_households"] / fig["households"] if fig["households"] else None


def agreement(results: dict[str, Any], sql: dict[str, Any]) -> list[str]:
    """Lines saying how far one SQL formulation's figures are from the in-process ones."""
    out = []
    if "lighting" in sql:
        d, n, one = _max_diff([(c.figures.lit_share, sql["lighting"][c.village_id]["lit_share"])
                               for c in results["lighting"]])
        out.append(f"lit_share     max |Δ| {d:.1e} over {n} villages ({one} with a share in "
                   "one engine only)")
    if "garbage" in sql:
        mine, theirs = results["garbage"], sql["garbage"]
        d, n, one = _max_diff([(c.figures.served_share, _served_share(theirs[c.village_id]))
                               for c in mine])
        hh = sum(abs(c.figures.households - theirs[c.village_id]["households"])
                 for c in mine)
        out.append(f"served_share  max |Δ| {d:.1e} over {n} villages ({one} with a share in "
                   f"one engine only; households differ by {hh:g})")
    if "corridor" in sql:
        rows = [r.model_dump() for r in results["corridor"]]
        for label, key, near_sql in (("road", "road_distance_m", sql["corridor"][0]),
                                     ("railway", "railway_distance_m", sql["corridor"][1])):
            # the SQL looks within a window: only villages nearer than it can be compared
            near = [r for r in rows if _within(r[key], CORRIDOR_WINDOW_M)]
            d, n, missed = _max_diff([(r[key], near_sql.get(r["village_id"])) for r in near])
            extra = sum(not _within(r[key], CORRIDOR_WINDOW_M)
                        and _within(near_sql.get(r["village_id"]), CORRIDOR_WINDOW_M)
                        for r in rows)
            inside = sum(_within(r[key], CORRIDOR_M)
                         != _within(near_sql.get(r["village_id"]), CORRIDOR_M) for r in rows)
            out.append(f"{label + ' distance':<13} max |Δ| {d:.1e} m over {n} villages within "
                       f"{CORRIDOR_WINDOW_M:g} m ({missed} missed by SQL, {extra} by "
                       f"in-process); corridor membership differs for {inside}")
    return out


# --- formatting ------------------------------------------------------------------------------

def _s(step: Step | None) -> str:
    if step is None:
        return "skipped"
    return step.note or f"{step.seconds:.3f}"


def _ratio(sql: Step | None, mine: Step) -> str:
    if sql is None or not sql.ok or not mine.seconds:
        return "-"
    return f"{sql.seconds / mine.seconds:.1f}x"


def _mib(step: Step | None) -> str:
    return "-" if step is None or math.isnan(step.peak_mib) else f"{step.peak_mib:,.0f}"


def _total(steps: Sequence[Step | None]) -> Step | None:
    if not steps or any(s is None or not s.ok for s in steps):
        return None
    done = [s for s in steps if s is not None]
    return Step(sum(s.seconds for s in done), max(s.peak_mib for s in done))


def print_size(n: int, loaded: Loaded, t: Timings, sql_note: str) -> None:
    """Print one county's counts, load times, timing table and agreement lines."""
    c = loaded.counts
    print(f"\n== county of {n:,} buildings ==", flush=True)
    print(f"villages {c['villages']:,}  buildings {c['buildings']:,}  lights {c['lights']:,}  "
          f"garbage points {c['garbage']:,}  roads {c['roads']:,} features / "
          f"{loaded.road_km:,.1f} km  railways {c['railways']:,} / {loaded.rail_km:,.1f} km")
    print(f"generate {_s(loaded.generate)} s  normalize {_s(loaded.normalize)} s  "
          f"load (COPY) {_s(loaded.copy)} s  ANALYZE {_s(loaded.analyze)} s  (peak RSS "
          f"{_mib(loaded.normalize)} MiB normalising, {_mib(loaded.copy)} MiB loading)")
    names = list(t.sql)
    head = (f"{'analysis (all villages)':<24}{'in-proc s':>10}{'compute s':>10}"
            + f"{'served s':>9}" + "".join(f"{name + ' s':>18}" for name in names)
            + f"{'best SQL/in-proc':>17}{'best SQL/compute':>17}{'best SQL/served':>16}"
            + f"{'peak MiB':>9}{'SQL peak MiB':>13}")
    print(head)
    print("-" * len(head))
    rows: list[tuple[str, Step, Step, Step, list[Step | None]]] = [
        (a, t.cold[a], t.warm[a], t.served.get(a, Step()), [t.sql[name].get(a) for name in names])
        for a in ANALYSES]
    compute = _total([t.warm[a] for a in ANALYSES]) or Step()
    served = _total([t.served.get(a) for a in ANALYSES]) or Step()
    rows.append(("all three, one context", t.all_three, compute, served,
                 [_total([t.sql[name].get(a) for a in ANALYSES]) for name in names]))
    for label, cold, warm, svc, sql in rows:
        done = [s for s in sql if s is not None and s.ok]
        best = min(done, key=lambda s: s.seconds) if done else None
        print(f"{label:<24}{_s(cold):>10}{_s(warm):>10}{_s(svc):>9}"
              + "".join(f"{_s(s):>18}" for s in sql)
              + f"{_ratio(best, cold):>17}{_ratio(best, warm):>17}{_ratio(best, svc):>16}"
              + f"{_mib(cold):>9}{_mib(best):>13}")
    print("in-proc s: fresh Context.load + analysis (reads PostGIS); compute s: the same call "
          "again on that context; served s: as the warm service runs it (version read, rows "
          "selected from the area in memory, analysis); SQL s: fresh Context.load + the "
          "queries; peak MiB: this process's peak RSS during the step")
    if t.warm_budget:
        print(f"warm area holds {t.warm_bytes / 2**20:,.0f} MiB (estimate) of the "
              f"{t.warm_budget / 2**20:,.0f} MiB budget "
              f"({'within' if t.warm_bytes <= t.warm_budget else 'OVER'})")
    if sql_note:
        print(sql_note)
    for name in names:
        for line in agreement(t.results, t.sql_results.get(name, {})):
            print(f"agreement with {name}: {line}")
    print(f"load average {t.load_before:.2f} before, {t.load_after:.2f} after; process peak "
          f"RSS so far {peak_so_far():,.0f} MiB", flush=True)


def print_summary(rows: Sequence[tuple[int, Loaded, Timings]]) -> None:
    """Print growth across sizes and how the issue's targets fare."""
    print("\n== summary ==")
    head = (f"{'buildings':>10}{'villages':>9}{'load s':>9}{'analysed s':>11}{'ms/1k bld':>10}"
            f"{'growth':>8}{'best SQL s':>11}{'SQL/in-proc':>12}{'peak MiB':>10}")
    print(head)
    print("-" * len(head))
    prev: tuple[int, float] | None = None
    for n, loaded, t in rows:
        full = t.all_three.seconds
        growth = "-" if prev is None else f"{math.log(full / prev[1]) / math.log(n / prev[0]):.2f}"
        best = [t.best_sql(a) for a in ANALYSES]
        sql = sum(b[1].seconds for b in best if b is not None) if all(best) else math.nan
        print(f"{n:>10,}{loaded.counts['villages']:>9,}"
              f"{loaded.normalize.seconds + loaded.copy.seconds:>9.1f}{full:>11.2f}"
              f"{1e6 * full / n:>10.1f}{growth:>8}"
              f"{'-' if math.isnan(sql) else f'{sql:.2f}':>11}"
              f"{'-' if math.isnan(sql) else f'{sql / full:.1f}x':>12}"
              f"{t.all_three.peak_mib:>10,.0f}")
        prev = (n, full)
    print("load s: normalise + COPY; analysed s: in-process lighting + garbage + corridor of "
          "every village on one fresh context, reading included; growth: log(t2/t1) / "
          "log(n2/n1) from the size above (1.00 = linear); best SQL s: the fastest "
          "formulation of each analysis, summed")
    by_n = {n: t for n, _, t in rows}
    if 100_000 in by_n:
        took = by_n[100_000].all_three.seconds
        print(f"target: 100k county fully analysed in under 10 s -> {took:.2f} s "
              f"({'met' if took < 10 else 'MISSED'})")
    for n, _, t in rows:
        ratios = []
        for analysis in ANALYSES:
            peer = t.best_sql(analysis)
            if peer is not None and analysis in t.served:
                r = peer[1].seconds / t.served[analysis].seconds
                ratios.append(f"{analysis} {r:.2f}x vs {peer[0]}"
                              f"{'' if r >= 3 else ' (MISSED)'}")
        if ratios:
            print(f"target: the warm service >= 3x faster than the best SQL at {n:,}: "
                  + ", ".join(ratios))
    if 10_000 in by_n and 1_000_000 in by_n:
        small, large = by_n[10_000].all_three.seconds, by_n[1_000_000].all_three.seconds
        print(f"target: near-linear growth 10k -> 1M: x{large / small:.0f} the time for x100 "
              f"the buildings (exponent {math.log(large / small) / math.log(100):.2f})")
