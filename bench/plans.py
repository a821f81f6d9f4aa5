"""How fast a plan's numbers follow an edit: the workspace's loop over HTTP, warm.

Starts a throwaway PostGIS cluster, loads the samples (with the synthetic lights, bins
and the sample plan of ``data/synthetic``), starts uvicorn (one worker) and, for two
villages — Kuhnhof (the sample plan, 239 features) and Lauf an der Pegnitz (the largest
village, 2,792 households, a plan of the analysis' proposed lights) — times over
``--edits`` edits each:

- **move**: ``PATCH /plans/{id}/features/{fid}`` of a planned light (alternately 20 m
  east and back), answered with the plan's new version and figures (before/after of
  lights and garbage): what the workspace waits for between the drop and new numbers;
- **undo**: ``POST /plans/{id}/undo`` (the same answer);
- **reload**: ``GET /plans/{id}`` (the plan, its features and figures), what the page
  fetches after an edit to redraw the features.

Prints median, p95 and max per request (ms) against the workspace's target (300 ms from
drop to numbers). Usage: ``python -m bench.plans [--edits 20]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
from typing import Any

import httpx

from bench.measure import load_average, revision
from bench.service import ROOT, throwaway_cluster

KEY = "bench-plans-key"
TARGET_MS = 300.0


def _timed(http: httpx.Client, method: str, path: str, **kw: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    r = http.request(method, path, **kw)
    ms = (time.perf_counter() - t0) * 1000
    if r.status_code >= 300:
        raise RuntimeError(f"{method} {path}: {r.status_code} {r.text[:200]}")
    return ms, r.json()


def _row(name: str, ms: list[float]) -> str:
    ms = sorted(ms)
    p95 = ms[min(int(len(ms) * 0.95), len(ms) - 1)]
    return (f"{name:<44}{len(ms):>4}{statistics.median(ms):>9.0f}{p95:>8.0f}{ms[-1]:>8.0f}"
            f"{'' if p95 <= TARGET_MS else '  (target 300 ms MISSED)'}")


def measure(http: httpx.Client, plan_id: int, edits: int) -> dict[str, list[float]]:
    """Time moves, undos and reloads of one plan (warm: one of each first, untimed)."""
    plan = http.get(f"/plans/{plan_id}").json()
    light = next(f for f in plan["features"]["features"] if f["properties"]["layer"] == "lights")
    lon, lat = light["geometry"]["coordinates"]
    out: dict[str, list[float]] = {"move": [], "undo": [], "reload": []}
    version = plan["version"]
    for i in range(edits + 1):
        shift = 2.7e-4 if i % 2 == 0 else 0.0  # ~20 m east, and back
        ms, answer = _timed(http, "PATCH", f"/plans/{plan_id}/features/{light['id']}",
                            json={"geometry": {"type": "Point",
                                               "coordinates": [lon + shift, lat]}},
                            headers={"If-Match": f'"{version}"'})
        version = answer["version"]
        ms_undo, answer = _timed(http, "POST", f"/plans/{plan_id}/undo",
                                 headers={"If-Match": f'"{version}"'})
        version = answer["version"]
        ms_get, _ = _timed(http, "GET", f"/plans/{plan_id}")
        if i:  # the first round warms the area and the modules
            out["move"].append(ms)
            out["undo"].append(ms_undo)
            out["reload"].append(ms_get)
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m bench.plans [--edits 20]``."""
    parser = argparse.ArgumentParser(prog="python -m bench.plans")
    parser.add_argument("--edits", type=int, default=20, help="timed edits per village")
    args = parser.parse_args(argv)
    with throwaway_cluster() as cluster:
        from layers.io.loader import load_samples
        from layers.runtime.db import make_engine, migrate
        from testkit.server import uvicorn_server

        engine = make_engine(cluster.url)
        migrate(engine)
        load_samples(engine, ROOT / "data", say=lambda _: None)
        print(f"vgis plan-edit benchmark at {revision()}, load average {load_average():.2f}")
        with uvicorn_server(workers=1, extra_env={"VGIS_API_KEY": KEY}) as base, \
                httpx.Client(base_url=base, timeout=120, headers={"X-API-Key": KEY}) as http:
            sample = next(p for p in http.get("/plans", params={"area": "lauf"}).json()
                          if p["village"] == "Kuhnhof")
            villages = http.get("/villages", params={"area": "lauf"}).json()
            largest = max(villages, key=lambda v: v["households"])
            plan = http.post("/plans", json={"area": "lauf", "village_id": largest["id"],
                                             "name": "bench"}).json()
            t0 = time.perf_counter()
            added = http.post(f"/plans/{plan['id']}/proposals/lights").json()["added"]
            propose_s = time.perf_counter() - t0
            print(f"\nproposals for {largest['name']}: {added} lights in {propose_s:.2f} s "
                  "(analysis, 1 edit, figures)")
            head = f"{'village, request':<44}{'n':>4}{'p50 ms':>9}{'p95':>8}{'max':>8}"
            print(head)
            print("-" * len(head))
            for name, pid in ((f"Kuhnhof ({sample['name']})", sample["id"]),
                              (f"{largest['name']} (bench)", plan["id"])):
                for request, ms in measure(http, pid, args.edits).items():
                    print(_row(f"{name}: {request}", ms))
        print("move/undo: the edit answered with the plan's new version and figures; "
              "reload: GET /plans/{id}")
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
