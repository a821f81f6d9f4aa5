"""Served maps: size and render time of pages, and first paint of 100k buildings via tiles.

Starts a throwaway PostGIS cluster with the bundled samples and one uvicorn worker, then

- the village map of the samples' largest village (Lauf an der Pegnitz, by households)
  in each view, and the county overview: HTML size, the first render with the area warm
  (nothing kept yet for this data version), and the same page again (kept);
- 100k synthetic buildings around Kuhnhof, in an area of their own with one village
  around them: the served village map opened in headless Chromium, time to first
  contentful paint and until the first buildings are drawn from the vector tiles.

Usage: ``python -m bench.served``.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import httpx
import shapely

from bench.service import ROOT, _buildings, throwaway_cluster


def _page(http: httpx.Client, path: str) -> tuple[float, float, int]:
    """Seconds of a first and a second request of ``path``, and the page's bytes."""
    t0 = time.perf_counter()
    r = http.get(path)
    first = time.perf_counter() - t0
    if r.status_code != 200:
        raise RuntimeError(f"{path}: {r.status_code}")
    t0 = time.perf_counter()
    http.get(path)
    return first, time.perf_counter() - t0, len(r.content)


def _synthetic_area(engine: Any, n: int, folder: Path) -> str:
    """Load ``n`` buildings around Kuhnhof and a village around them into area ``syn-n``."""
    from gis.context import Context
    from layers.io.loader import load_file

    ctx = Context.load(engine, "lauf", "Kuhnhof")
    centre = ctx.villages.geometry.values[0].centroid
    frame = _buildings(n, (centre.x, centre.y), ctx.epsg)
    area = f"syn-{n}"
    hull = shapely.convex_hull(shapely.union_all(frame.geometry.values)).buffer(50)
    gpd.GeoDataFrame({"name": [f"synthetic {n:,}"]}, geometry=[hull], crs=ctx.epsg).to_file(
        folder / "village.gpkg")
    frame.to_file(folder / "buildings.gpkg")
    load_file(engine, folder / "village.gpkg", "villages", area)
    load_file(engine, folder / "buildings.gpkg", "buildings", area)
    return area


def _first_paint(driver: Any, url: str) -> tuple[float | None, float | None, int]:
    """Seconds to first contentful paint and to the first buildings drawn, and how many."""
    driver.get("about:blank")
    t0 = time.monotonic()
    driver.get(url)
    drawn_at, paint = None, None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and drawn_at is None:
        n = driver.execute_script(
            "return window.vgis && vgis.layers.buildings ? vgis.count('buildings') : 0")
        if n and n > 0:
            drawn_at = time.monotonic() - t0
        time.sleep(0.02)
    paint = driver.execute_script(
        "var e = performance.getEntriesByName('first-contentful-paint')[0];"
        "return e ? e.startTime / 1000 : null;")
    time.sleep(1.0)
    count = int(driver.execute_script("return vgis.count('buildings')") or 0)
    return paint, drawn_at, count


def bench_served(n: int) -> None:
    """Print the page sizes and times, then the tiles' first paint at ``n`` buildings."""
    from layers.io.loader import load_samples
    from layers.runtime.db import make_engine, migrate
    from layers.runtime.settings import get_settings
    from testkit.browser import chromium
    from testkit.server import uvicorn_server

    engine = make_engine(str(get_settings().database_url))
    migrate(engine)
    load_samples(engine, ROOT / "data", say=lambda _: None)
    folder = Path(tempfile.mkdtemp(prefix="vgis-bench-served-"))
    try:
        area = _synthetic_area(engine, n, folder)
        with uvicorn_server(workers=1) as base, httpx.Client(base_url=base,
                                                             timeout=600) as http:
            villages = http.get("/villages", params={"area": "lauf"}).json()
            big = max(villages, key=lambda v: v["households"])
            http.get("/analysis/coverage/lights", params={"area": "lauf"})  # area warm
            print(f"\nserved pages (uvicorn, 1 worker), lauf warm; largest village "
                  f"{big['name']} ({big['households']:,} households)")
            print(f"{'page':<34}{'MB':>7}{'first s':>9}{'kept s':>8}   (first: nothing kept for "
                  "this data version but the area; kept: the same page again)")
            for label, path in [
                    *((f"village map, {v}", f"/villages/{big['id']}/map?view={v}")
                      for v in ("layout", "lights", "garbage")),
                    ("county overview (lauf)", "/maps/overview?area=lauf"),
                    ("county overview (north-bayreuth)", "/maps/overview?area=north-bayreuth"),
                    ("  the same, another metric", "/maps/overview?area=north-bayreuth"
                                                   "&metric=served_share")]:
                if "north-bayreuth" in path:
                    http.get("/analysis/coverage/lights", params={"area": "north-bayreuth"})
                first, kept, size = _page(http, path)
                print(f"{label:<34}{size / 1e6:>7.2f}{first:>9.2f}{kept:>8.3f}"
                      f"{'' if size <= 1.5e6 and first <= 0.5 else '  (target MISSED)'}")
            vid = http.get("/villages", params={"area": area}).json()[0]["id"]
            with chromium() as driver:
                paint, drawn, count = _first_paint(driver, f"{base}/villages/{vid}/map")
            print(f"\n{n:,} buildings, served village map in headless Chromium: first "
                  f"contentful paint {paint if paint is not None else float('nan'):.2f} s, "
                  f"first buildings drawn from tiles {drawn if drawn else float('nan'):.2f} s "
                  f"({count:,} drawn a second later; target < 3 s)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    """Command line: ``python -m bench.served``."""
    with throwaway_cluster():
        bench_served(100_000)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
