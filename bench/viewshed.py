"""Viewshed benchmark: :func:`gis.terrain.viewshed` and :func:`~gis.terrain.union_viewshed`.

No database: the DEM is read from its file. Measured, each with an eye 1.7 m above the
ground and targets on the ground:

- **north-bayreuth clip** (``data/dem/north-bayreuth_srtm3.tif``, SRTM3 reprojected to
  EPSG:32632, ≈ 74 m cells): one observer at the clip centre with a reach of 3 km and
  of the whole clip (15 km); a gently bending 20 km road through the clip, an observer
  every 100 m (:func:`~gis.terrain.observers_along`), union over all cells, 3 km reach;
- **synthetic 5000 × 5000 terrain** (30 m cells, EPSG:32650): rolling hills (a few
  sines and cosines plus seeded spline-smoothed noise, 200 m of relief), generated
  vectorised; the same two measurements;
- **growth** on the synthetic terrain: time against the number of observers (the first
  10, 50, 200 of the road), against the raster size at a fixed reach (crops of 1000²,
  2500², 5000² cells, the observer at the same cell) and against the reach (1, 2, 3,
  6 km, one observer); the exponent is the least-squares slope in log-log.

Each case runs once untimed with the work counted (cells tested and elevations
interpolated, :class:`gis.terrain.SightWork`) and ``tracemalloc`` on (peak of the call's
Python/numpy allocations), then ``--repeat`` (roads: ``--road-repeat``) timed runs
whose minimum and median are printed, with this process's peak RSS
(:func:`bench.measure.measured`). The SHA-256 of ``gis/terrain.py`` is printed and
recorded, since the figures belong to that version of the algorithm. The figures are
also written as JSON (``--json``, default ``$VGIS_DATA_DIR/bench/viewshed.json``,
``var/`` under ``make``).

Usage: ``python -m bench.viewshed [--quick] [--repeat 5] [--road-repeat 3] [--json PATH]``;
``--quick`` is a reduced smoke run (2000² synthetic terrain, short roads, one timed run).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import math
import os
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy
import shapely
from numpy.typing import NDArray
from rasterio.transform import from_origin
from scipy.ndimage import zoom
from shapely.ops import substring

import gis.terrain as terrain_mod
from bench.measure import Step, load_average, measured, peak_so_far, revision, status_kb
from gis.terrain import (
    SightWork,
    Terrain,
    observers_along,
    read_terrain,
    union_viewshed,
    viewshed,
)

ROOT = Path(__file__).resolve().parent.parent
CLIP_PATH = ROOT / "data/dem/north-bayreuth_srtm3.tif"
CLIP_CRS = "EPSG:32632"
SYN_CRS = "EPSG:32650"
SYN_CELL_M = 30.0
SYN_ORIGIN = (480_000.0, 3_450_000.0)  # top-left corner, UTM 50N (central China)
SYN_RELIEF_M = 200.0
SYN_BASE_M = 100.0
EYE_M = 1.7
REACH_M = 3000.0
WHOLE_CLIP_M = 15_000.0
ROAD_M = 20_000.0
SPACING_M = 100.0

FloatArray = NDArray[np.float64]


# --- terrains and roads ----------------------------------------------------------------------

def synthetic_terrain(n: int, seed: int = 0) -> Terrain:
    """Rolling hills on an ``n`` × ``n`` grid of 30 m cells, 100–300 m above sea level.

    Three pairs of separable sine/cosine waves (wavelengths 1.9–9 km) plus seeded
    Gaussian noise on a 1.5 km lattice, smoothed by cubic-spline zoom; rescaled to
    exactly ``SYN_RELIEF_M`` of relief. The noise lattice is sized to ``n``, so a smaller
    raster is not a crop of a larger one (the growth test crops the large one instead).
    """
    x = (np.arange(n) + 0.5) * SYN_CELL_M
    z = np.zeros((n, n))
    for amp, lx, ly, phase in ((1.0, 9000.0, 7000.0, 0.3), (0.6, 4100.0, 5300.0, 1.1),
                               (0.35, 2300.0, 1900.0, 2.0)):
        a, b = 2 * np.pi * x / lx + phase, 2 * np.pi * x / ly
        z += amp * np.multiply.outer(np.cos(b), np.sin(a))
        z += 0.5 * amp * np.multiply.outer(np.sin(b), np.cos(a))
    lattice = 50  # cells between noise nodes (1.5 km)
    k = math.ceil(n / lattice) + 3
    coarse = np.random.default_rng(seed).standard_normal((k, k))
    z += 0.5 * zoom(coarse, lattice, order=3)[lattice:lattice + n, lattice:lattice + n]
    z -= z.min()
    z *= SYN_RELIEF_M / z.max()
    z += SYN_BASE_M
    return Terrain(z, from_origin(*SYN_ORIGIN, SYN_CELL_M, SYN_CELL_M), SYN_CRS)


def crop(terrain: Terrain, n: int) -> Terrain:
    """The top-left ``n`` × ``n`` cells (same transform: the same ground)."""
    return Terrain(np.ascontiguousarray(terrain.elevation[:n, :n]), terrain.transform,
                   terrain.crs)


def cell_centre(terrain: Terrain, row: float, col: float) -> tuple[float, float]:
    """Map coordinates (x, y) of the centre of cell (row, col)."""
    x, y = terrain.transform * (col + 0.5, row + 0.5)
    return float(x), float(y)


def grid_centre(terrain: Terrain) -> tuple[float, float]:
    """Map coordinates of the middle of the grid."""
    rows, cols = terrain.elevation.shape
    return cell_centre(terrain, rows / 2 - 0.5, cols / 2 - 0.5)


def bent_road(centre: tuple[float, float], angle_deg: float, length: float = ROAD_M,
              amplitude: float = 600.0, wavelength: float = 8000.0) -> Any:
    """A road of exactly ``length`` m through ``centre``: a sine-bent line along an angle."""
    u = np.array([math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg))])
    v = np.array([-u[1], u[0]])
    base = 1.1 * length  # the bends make the road longer than its base line
    s = np.linspace(-length / 2, -length / 2 + base, 2000)
    xy = (np.asarray(centre) + s[:, None] * u
          + (amplitude * np.sin(2 * np.pi * s / wavelength))[:, None] * v)
    return substring(shapely.linestrings(xy), 0.0, length)


# --- measuring -------------------------------------------------------------------------------

def in_reach(terrain: Terrain, observers: FloatArray, max_distance: float) -> int:
    """Cells with an elevation within ``max_distance`` of an observer standing on the terrain."""
    z = terrain.elevation
    on = np.isfinite(terrain.sample(observers))
    rc = terrain.to_rowcol(observers[on])
    reach = math.ceil(max_distance / terrain.cell) + 1
    mask = np.zeros(z.shape, dtype=bool)
    for (ox, oy), (r, c) in zip(observers[on], rc, strict=True):
        r0, r1 = max(int(r) - reach, 0), min(int(r) + reach + 1, z.shape[0])
        c0, c1 = max(int(c) - reach, 0), min(int(c) + reach + 1, z.shape[1])
        if r0 >= r1 or c0 >= c1:
            continue
        cols, rows = np.meshgrid(np.arange(c0, c1) + 0.5, np.arange(r0, r1) + 0.5)
        xs, ys = terrain.transform * (cols, rows)
        mask[r0:r1, c0:c1] |= np.hypot(np.asarray(xs) - ox, np.asarray(ys) - oy) <= max_distance
    return int((mask & np.isfinite(z)).sum())


@dataclass
class Case:
    """One measured viewshed: its timings, work, result and memory."""

    terrain: str
    label: str
    observers: int
    max_distance_m: float
    seconds: list[float] = field(default_factory=list)
    cells_tested: int = -1
    samples: int = -1
    visible_cells: int = 0
    reach_cells: int = 0
    terrain_cells: int = 0
    start_rss_mib: float = math.nan
    peak_rss_mib: float = math.nan
    traced_peak_mib: float = math.nan

    @property
    def best(self) -> float:
        """Fastest timed run, seconds."""
        return min(self.seconds)

    @property
    def median(self) -> float:
        """Median timed run, seconds."""
        return statistics.median(self.seconds)

    def record(self) -> dict[str, Any]:
        """The case as JSON-ready figures."""
        return {**asdict(self), "min_s": self.best, "median_s": self.median}


def run_case(name: str, label: str, terrain: Terrain, observers: FloatArray,
             max_distance: float, repeat: int) -> Case:
    """Measure one viewshed (one observer) or union viewshed (several)."""
    observers = np.asarray(observers, dtype=float).reshape(-1, 2)
    call: Callable[[SightWork | None], NDArray[np.bool_]]
    if len(observers) == 1:
        xy = (float(observers[0, 0]), float(observers[0, 1]))

        def call(work: SightWork | None = None) -> NDArray[np.bool_]:
            return viewshed(terrain, xy, observer_height=EYE_M, max_distance=max_distance,
                            work=work)
    else:
        heights = np.full(len(observers), EYE_M)

        def call(work: SightWork | None = None) -> NDArray[np.bool_]:
            return union_viewshed(terrain, observers, heights, max_distance=max_distance,
                                  work=work)

    case = Case(name, label, len(observers), max_distance,
                terrain_cells=int(np.isfinite(terrain.elevation).sum()),
                reach_cells=in_reach(terrain, observers, max_distance))
    gc.collect()
    tracemalloc.start()
    try:
        work = SightWork()
        seen = call(work)
        case.traced_peak_mib = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    case.cells_tested = work.cells
    case.samples = work.samples
    case.visible_cells = int(seen.sum())
    del seen
    peaks: list[float] = []
    starts: list[float] = []
    for _ in range(repeat):
        gc.collect()
        start = status_kb("VmRSS")
        step = Step()
        with measured(step):
            call(None)
        case.seconds.append(step.seconds)
        peaks.append(step.peak_mib)
        if start is not None:
            starts.append(start / 1024)
    case.peak_rss_mib = max(peaks)
    case.start_rss_mib = min(starts) if starts else math.nan
    return case


def exponent(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Least-squares slope of log y against log x (nan with fewer than two points)."""
    if len(xs) < 2:
        return math.nan
    return float(np.polyfit(np.log(xs), np.log(ys), 1)[0])


# --- printing --------------------------------------------------------------------------------

HEAD = (f"{'case':<30}{'obs':>5}{'reach m':>8}{'min s':>8}{'median s':>9}{'cells tested':>13}"
        f"{'samples M':>10}{'ns/sample':>10}{'visible':>9}{'vis/reach':>10}{'vis/all':>8}"
        f"{'peak RSS':>9}{'traced':>8}")


def print_cases(title: str, cases: Sequence[Case]) -> None:
    """One table of cases under a title."""
    print(f"\n== {title} ==")
    print(HEAD)
    print("-" * len(HEAD))
    for c in cases:
        ns = 1e9 * c.best / c.samples if c.samples > 0 else math.nan
        print(f"{c.label:<30}{c.observers:>5}{c.max_distance_m:>8,.0f}{c.best:>8.3f}"
              f"{c.median:>9.3f}{c.cells_tested:>13,}{c.samples / 1e6:>10.1f}{ns:>10.1f}"
              f"{c.visible_cells:>9,}{100 * c.visible_cells / max(c.reach_cells, 1):>9.1f}%"
              f"{100 * c.visible_cells / max(c.terrain_cells, 1):>7.2f}%"
              f"{c.peak_rss_mib:>9,.0f}{c.traced_peak_mib:>8,.0f}", flush=True)


def print_growth(title: str, unit: str, xs: Sequence[float], cases: Sequence[Case],
                 expected: str) -> dict[str, Any]:
    """A growth table and its fitted exponents; returns them for the JSON."""
    print(f"\n-- {title} --")
    head = f"{unit:>14}{'min s':>9}{'median s':>10}{'cells tested':>14}{'samples M':>11}"
    print(head)
    print("-" * len(head))
    for x, c in zip(xs, cases, strict=True):
        print(f"{x:>14,.0f}{c.best:>9.3f}{c.median:>10.3f}{c.cells_tested:>14,}"
              f"{c.samples / 1e6:>11.1f}")
    fit = {"time": exponent(xs, [c.best for c in cases]),
           "cells_tested": exponent(xs, [max(c.cells_tested, 1) for c in cases]),
           "samples": exponent(xs, [max(c.samples, 1) for c in cases])}
    print(f"exponent (log-log slope): time {fit['time']:.2f}, cells tested "
          f"{fit['cells_tested']:.2f}, samples {fit['samples']:.2f}  (expected: {expected})",
          flush=True)
    return {"unit": unit, "x": list(xs), "min_s": [c.best for c in cases],
            "cells_tested": [c.cells_tested for c in cases],
            "samples": [c.samples for c in cases], "exponent": fit, "expected": expected}


def describe(name: str, t: Terrain) -> dict[str, Any]:
    """A terrain's size, cell and array size; printed and returned for the JSON."""
    z = t.elevation
    finite = np.isfinite(z)
    info = {"name": name, "rows": z.shape[0], "cols": z.shape[1], "cell_m": t.cell,
            "crs": t.crs, "cells_with_elevation": int(finite.sum()),
            "min_m": float(z[finite].min()), "max_m": float(z[finite].max()),
            "array_mib": z.nbytes / 2**20, "dtype": str(z.dtype)}
    print(f"{name}: {z.shape[0]:,} rows × {z.shape[1]:,} cols of {t.cell:.1f} m ({t.crs}), "
          f"{info['cells_with_elevation']:,} cells with elevation, {info['min_m']:.0f}–"
          f"{info['max_m']:.0f} m; elevation array {info['array_mib']:,.1f} MiB ({z.dtype})",
          flush=True)
    return info


# --- the benchmark ---------------------------------------------------------------------------

def terrain_source() -> str:
    """The first 12 hex digits of the SHA-256 of ``gis/terrain.py`` as it is now."""
    return hashlib.sha256(Path(terrain_mod.__file__).read_bytes()).hexdigest()[:12]


def default_json() -> Path:
    """``$VGIS_DATA_DIR/bench/viewshed.json`` (``var/`` of the checkout by default)."""
    return Path(os.environ.get("VGIS_DATA_DIR") or ROOT / "var") / "bench" / "viewshed.json"


def bench(*, quick: bool, repeat: int, road_repeat: int, json_path: Path) -> dict[str, Any]:
    """Run every case, print the tables, write the JSON; return what was written."""
    side = 2000 if quick else 5000
    sizes = (1000, 2000) if quick else (1000, 2500, 5000)
    reaches = (1000.0, 2000.0, 3000.0) if quick else (1000.0, 2000.0, 3000.0, 6000.0)
    counts = (5, 20) if quick else (10, 50, 200)
    source = terrain_source()
    print(f"vgis viewshed benchmark at {revision()}: {os.cpu_count()} CPUs, Python "
          f"{sys.version.split()[0]}, numpy {np.__version__}, scipy {scipy.__version__}; "
          f"{'quick, ' if quick else ''}min/median of {repeat} timed run(s) "
          f"({road_repeat} for roads) after one counted run; eye {EYE_M} m, target on "
          f"the ground; gis/terrain.py sha256 {source}; load average "
          f"{load_average():.2f}", flush=True)
    out: dict[str, Any] = {"revision": revision(), "cpus": os.cpu_count(),
                           "python": sys.version.split()[0], "numpy": np.__version__,
                           "scipy": scipy.__version__, "quick": quick, "repeat": repeat,
                           "road_repeat": road_repeat, "terrain_py_sha256": source,
                           "load_before": load_average(),
                           "terrains": [], "cases": [], "growth": {}}

    # 1. the real clip
    t0 = time.perf_counter()
    clip = read_terrain(str(CLIP_PATH), CLIP_CRS)
    print(f"\nread {CLIP_PATH.relative_to(ROOT)} in {time.perf_counter() - t0:.2f} s")
    out["terrains"].append(describe("north-bayreuth", clip))
    centre = np.array([grid_centre(clip)])
    rows, cols = clip.elevation.shape
    road = bent_road(grid_centre(clip), math.degrees(math.atan2(rows, cols)))
    road_obs, _ = observers_along([road], SPACING_M)
    on_clip = int(np.isfinite(clip.sample(road_obs)).sum())
    clip_cases = [
        run_case("north-bayreuth", "centre, 3 km", clip, centre, REACH_M, repeat),
        run_case("north-bayreuth", "centre, whole clip (15 km)", clip, centre, WHOLE_CLIP_M,
                 repeat),
        run_case("north-bayreuth", f"road {road.length / 1000:.0f} km, every 100 m", clip,
                 road_obs, REACH_M, road_repeat),
    ]
    print_cases(f"north-bayreuth clip (road: {len(road_obs)} observers, {on_clip} on the "
                "terrain)", clip_cases)
    del clip

    # 2. synthetic terrain
    t0 = time.perf_counter()
    syn = synthetic_terrain(side)
    print(f"\ngenerated the synthetic {side:,}² terrain in {time.perf_counter() - t0:.2f} s")
    out["terrains"].append(describe(f"synthetic {side}²", syn))
    centre = np.array([grid_centre(syn)])
    road = bent_road(grid_centre(syn), 20.0)
    road_obs, _ = observers_along([road], SPACING_M)
    if quick:
        road_obs = road_obs[:counts[-1]]
    road_km = (len(road_obs) - 1) * SPACING_M / 1000
    name = f"synthetic {side}²"
    single = run_case(name, "centre, 3 km", syn, centre, REACH_M, repeat)
    road_case = run_case(name, f"road {road_km:.1f} km, every 100 m", syn, road_obs, REACH_M,
                         road_repeat)
    print_cases(f"{name}, 30 m cells", [single, road_case])

    # 3. growth
    print(f"\n== growth ({name} terrain) ==")
    # the largest count is the whole road (its ≈ 200 observers) measured above
    by_n = [run_case(name, f"first {n} road observers", syn, road_obs[:n], REACH_M, road_repeat)
            for n in counts[:-1]] + [road_case]
    xs_n = [float(n) for n in counts[:-1]] + [float(len(road_obs))]
    out["growth"]["observers"] = print_growth(
        "observers (the first n of the road, 100 m apart; 3 km reach)", "observers", xs_n,
        by_n, "≤ 1: later observers skip the cells already seen")
    fixed = (500.0, 500.0)  # the observer's cell in every crop
    by_size = []
    for n in sizes:
        t = syn if n == side else crop(syn, n)
        by_size.append(run_case(f"synthetic crop {n}²", "cell (500, 500), 3 km", t,
                                np.array([cell_centre(t, *fixed)]), REACH_M, repeat))
        del t
    out["growth"]["raster_cells"] = print_growth(
        "raster size (crops of the synthetic terrain, observer at cell 500,500, 3 km reach)",
        "raster cells", [float(n * n) for n in sizes], by_size,
        "≈ 0: only the window within reach is processed")
    by_reach = [single if r == REACH_M else
                run_case(name, f"centre, {r / 1000:g} km", syn, centre, r, repeat)
                for r in reaches]
    out["growth"]["max_distance"] = print_growth(
        "reach (one observer at the centre)", "max distance m", list(reaches), by_reach,
        "time ≈ 3: cells r² × samples r")

    # 4. memory
    print(f"\n== memory ({name}) ==")
    print(f"elevation array {syn.elevation.nbytes / 2**20:,.1f} MiB (float64); a boolean "
          f"grid of it (seen/targets/result) {syn.elevation.size / 2**20:,.1f} MiB")
    for c in (single, road_case):
        print(f"{c.label:<30} peak RSS {c.peak_rss_mib:,.0f} MiB (RSS {c.start_rss_mib:,.0f} "
              f"MiB before the call, so +{c.peak_rss_mib - c.start_rss_mib:,.0f}); "
              f"tracemalloc peak of the call {c.traced_peak_mib:,.1f} MiB")
    print(f"process peak RSS over all measured steps {peak_so_far():,.0f} MiB; load average "
          f"{load_average():.2f}")
    out["memory"] = {"array_mib": syn.elevation.nbytes / 2**20,
                     "single": {"peak_rss_mib": single.peak_rss_mib,
                                "start_rss_mib": single.start_rss_mib,
                                "traced_peak_mib": single.traced_peak_mib},
                     "road": {"peak_rss_mib": road_case.peak_rss_mib,
                              "start_rss_mib": road_case.start_rss_mib,
                              "traced_peak_mib": road_case.traced_peak_mib},
                     "process_peak_rss_mib": peak_so_far()}
    everything = [*clip_cases, single, road_case, *by_n, *by_size, *by_reach]
    seen_ids: set[int] = set()
    for c in everything:
        if id(c) not in seen_ids:
            seen_ids.add(id(c))
            out["cases"].append(c.record())
    out["load_after"] = load_average()
    if terrain_source() != source:
        out["warning"] = "gis/terrain.py changed during the run"
        print(f"\nWARNING: gis/terrain.py changed during the run ({source} -> "
              f"{terrain_source()}); the figures may mix versions")
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(out, indent=1, ensure_ascii=False), encoding="utf-8")
    print(f"\nfigures written to {json_path}")
    print("cells tested: targets whose sight line was sampled (union: only cells no earlier "
          "observer saw); samples: elevations interpolated along the sight lines "
          "(map_coordinates points, padding of a batch included); vis/reach: visible "
          "share of the cells within reach of an observer; vis/all: of the raster's "
          "cells; peak RSS: this process during a timed run (MiB, terrain and libraries "
          "included); traced: tracemalloc peak of the counted run (MiB, allocations of "
          "the call only)")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m bench.viewshed [--quick] [--repeat N] [--json PATH]``."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.viewshed",
        description="Time line-of-sight viewsheds on a real DEM clip and a synthetic terrain.")
    parser.add_argument("--quick", action="store_true",
                        help="a reduced smoke run (2000² synthetic terrain, short roads, "
                             "one timed run each; under a minute)")
    parser.add_argument("--repeat", type=int, default=None,
                        help="timed runs of each single-observer case (default 5, quick 1)")
    parser.add_argument("--road-repeat", type=int, default=None,
                        help="timed runs of each road case (default 3, quick 1)")
    parser.add_argument("--json", type=Path, default=None,
                        help="where to write the figures (default "
                             "$VGIS_DATA_DIR/bench/viewshed.json, else var/bench/)")
    args = parser.parse_args(argv)
    repeat = args.repeat if args.repeat is not None else (1 if args.quick else 5)
    road_repeat = args.road_repeat if args.road_repeat is not None else (
        1 if args.quick else 3)
    if repeat < 1 or road_repeat < 1:
        parser.error("--repeat and --road-repeat must be 1 or more")
    bench(quick=args.quick, repeat=repeat, road_repeat=road_repeat,
          json_path=args.json or default_json())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
