"""Benchmarks of the faces: map build/size/first paint, figure export, HTTP latency.

Starts a throwaway PostGIS cluster with the bundled lauf sample, then

- maps: a map of 1k, 10k and 100k synthetic buildings around Lauf (drawn as features
  up to ``maps.interactive.POINT_CLOUD_AT``, as a canvas point cloud above): build
  time, HTML size, and time to first contentful paint in headless Chromium;
- figures: A4 PNG at 150 dpi and A3 PDF export time of a village sheet;
- HTTP: p50/p95 latency and throughput of four requests with 1, 10 and 50 concurrent
  clients on loopback (uvicorn, 2 workers), warm.

Usage: ``python -m bench.service [--seconds 8]``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import httpx
import numpy as np
import shapely

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def throwaway_cluster() -> Iterator[Any]:
    """A PostGIS cluster in a temporary folder for one benchmark, removed afterwards.

    ``DATABASE_URL`` and ``VGIS_DATA_DIR`` point at it while the block runs.
    """
    from layers.runtime.cluster import LocalCluster
    from layers.runtime.settings import get_settings

    tmp = Path(tempfile.mkdtemp(prefix="vgis-bench-svc-"))
    tmp.chmod(0o755)
    os.environ["VGIS_DATA_DIR"] = str(tmp / "data")
    cluster = LocalCluster(tmp / "pg")
    cluster.start()
    os.environ["DATABASE_URL"] = cluster.url
    get_settings.cache_clear()
    try:
        yield cluster
    finally:
        cluster.remove()
        shutil.rmtree(tmp, ignore_errors=True)


def _buildings(n: int, centre: tuple[float, float], epsg: int, seed: int = 0
               ) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    xy = np.asarray(centre) + rng.normal(0, 8 * np.sqrt(n), size=(n, 2))  # ~80 per ha
    boxes = shapely.box(xy[:, 0] - 5, xy[:, 1] - 4, xy[:, 0] + 5, xy[:, 1] + 4)
    return gpd.GeoDataFrame({"name": None, "class": "residential", "households": 1,
                             "status": "existing"}, index=range(n), geometry=boxes, crs=epsg)


def bench_maps(engine: Any) -> None:
    """Map build time, HTML size and first paint at 1k/10k/100k buildings; figure export."""
    from gis.context import Context
    from maps.figure import render_figure
    from maps.interactive import MapBuilder, html_of
    from maps.sheet import Paper
    from maps.views import draw_buildings
    from testkit.browser import chromium, serve_directory

    ctx = Context.load(engine, "lauf", "Kuhnhof")
    centre = ctx.villages.geometry.values[0].centroid
    out = Path(tempfile.mkdtemp(prefix="vgis-bench-maps-"))
    print("\nmaps: synthetic buildings around Kuhnhof (lauf), hillshade background")
    print(f"{'features':>9} {'drawn as':>12} {'build s':>8} {'HTML MB':>8} {'KB/1k':>7} "
          f"{'first paint s':>14}")
    with chromium() as driver, serve_directory(out) as base:
        for n in (1_000, 10_000, 100_000):
            frame = _buildings(n, (centre.x, centre.y), ctx.epsg)
            t0 = time.perf_counter()
            b = MapBuilder(ctx, list(frame.to_crs(4326).total_bounds), "bench", "zh", "inline")
            draw_buildings(b, frame)
            page = html_of(b.finish(None))
            build = time.perf_counter() - t0
            (out / f"m{n}.html").write_text(page, encoding="utf-8")
            driver.get("about:blank")
            driver.get(f"{base}/m{n}.html")
            deadline = time.monotonic() + 30
            paint = None
            while time.monotonic() < deadline and paint is None:
                paint = driver.execute_script(
                    "var e = performance.getEntriesByName('first-contentful-paint')[0];"
                    "return e ? e.startTime / 1000 : null;")
                time.sleep(0.05)
            from maps.interactive import POINT_CLOUD_AT

            kind = "features" if n <= POINT_CLOUD_AT else "point cloud"
            size = len(page.encode()) / 1e6
            print(f"{n:>9,} {kind:>12} {build:>8.2f} {size:>8.2f} {size * 1e3 / n * 1e3:>7.1f} "
                  f"{paint if paint is not None else float('nan'):>14.2f}")
    shutil.rmtree(out, ignore_errors=True)
    print("\nfigures: village sheet (Kuhnhof, garbage view)")
    sheets: tuple[tuple[Paper, int, str], ...] = (("A4", 150, "png"), ("A3", 150, "pdf"))
    for paper, dpi, suffix in sheets:
        t0 = time.perf_counter()
        target = Path(tempfile.mkdtemp()) / f"sheet.{suffix}"
        render_figure(Context.load(engine, "lauf", "Kuhnhof"), target, view="garbage",
                      paper=paper, dpi=dpi)
        print(f"  {paper} {suffix.upper()} {dpi} dpi: {time.perf_counter() - t0:.2f} s, "
              f"{target.stat().st_size / 1e6:.1f} MB")


def _load(base: str, paths: str | list[str], clients: int, seconds: float
          ) -> tuple[list[float], float]:
    """Latencies (s) of GETs by ``clients`` threads for ``seconds``, cycling over ``paths``."""
    cycle = [paths] if isinstance(paths, str) else paths
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def run() -> None:
        with httpx.Client(base_url=base, timeout=600) as http:
            for k in range(100_000):
                if time.monotonic() > stop:
                    break
                path = cycle[(k * clients + threading.get_ident()) % len(cycle)]
                t0 = time.perf_counter()
                r = http.get(path)
                dt = time.perf_counter() - t0
                if r.status_code != 200:
                    raise RuntimeError(f"{path}: {r.status_code}")
                with lock:
                    latencies.append(dt)

    threads = [threading.Thread(target=run) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, time.perf_counter() - t0


def bench_http(seconds: float) -> None:
    """p50/p95 latency and throughput of four requests at 1, 10 and 50 clients."""
    from testkit.server import uvicorn_server

    with uvicorn_server() as base:
        villages = httpx.get(f"{base}/villages", params={"area": "lauf"}).json()
        vid = next(v["id"] for v in villages if v["name"] == "Kuhnhof")
        paths = {
            "items limit=1000": "/collections/roads/items?limit=1000&area=lauf",
            "coverage/lights": f"/villages/{vid}/coverage/lights",
            "village map": f"/villages/{vid}/map",
            "figure.png 100dpi": f"/villages/{vid}/figure.png?dpi=100",
        }
        print(f"\nHTTP on loopback (uvicorn, 2 workers), warm, {seconds:g} s per cell")
        print(f"{'request':>20} {'clients':>8} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>7}")
        for name, path in paths.items():
            httpx.get(base + path, timeout=120)  # warm
            for clients in ((1, 10) if "figure" in name else (1, 10, 50)):
                lat, wall = _load(base, path, clients, seconds)
                lat.sort()
                p95 = lat[min(int(len(lat) * 0.95), len(lat) - 1)]
                print(f"{name:>20} {clients:>8} {len(lat):>6} {statistics.median(lat) * 1e3:>8.0f} "
                      f"{p95 * 1e3:>8.0f} {len(lat) / wall:>7.1f}")


def main() -> None:
    """Run the service benchmarks and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()
    with throwaway_cluster() as cluster:
        from layers.io.loader import load_dem, load_osm
        from layers.runtime.db import make_engine, migrate

        engine = make_engine(cluster.url)
        migrate(engine)
        load_osm(engine, ROOT / "data/osm/lauf-200115.osm.pbf", "lauf")
        load_dem(engine, ROOT / "data/dem/lauf_srtm3.tif", "lauf")
        bench_maps(engine)
        bench_http(args.seconds)


if __name__ == "__main__":
    main()
