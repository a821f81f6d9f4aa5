"""``vgis figures`` on Dask: identical to the single-process engine, incremental, and the faces.

Runs are real: the installed ``vgis`` in a subprocess starting a local Dask cluster of 1,
2 and 4 worker processes, against the session's PostGIS, on the samples, the
conformance set and a synthetic county (small tiles, so villages are split among many
tasks); and an external cluster: ``dask scheduler`` and two ``dask worker`` processes on
127.0.0.1 (no nanny, so a killed worker stays dead), stopped by the test. "Identical" is
the JSON text of every village's answer.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Engine, text

from bench.county import make_county
from gis.context import Context
from gis.figures import FIGURE_KINDS, Job, compute
from gis.province import str_tiles
from layers.io.normalize import normalize
from layers.report import ImportReport
from layers.schema import LAYERS
from layers.store import replace_source
from tests.conftest import ROOT, run_vgis

COUNTY = "figures-county"
AREAS = ("lauf", "helsinki", "north-bayreuth", "conformance-lauf", COUNTY)


def load_synthetic(engine: Engine, area: str, n_buildings: int, seed: int) -> None:
    """A county of the benchmark's generator, loaded as a file would be."""
    source = f"synthetic-county-{n_buildings}-seed{seed}"
    report = ImportReport(source=source)
    frames = {layer: normalize(frame, LAYERS[layer], source=source, report=report)
              for layer, frame in make_county(n_buildings, seed).items()}
    replace_source(engine, area=area, source=source, kind="file", frames=frames,
                   report=report, sha256=hashlib.sha256(source.encode()).hexdigest())


@pytest.fixture(scope="module")
def store(samples: Engine, conformance: dict[str, object]) -> Engine:
    load_synthetic(samples, COUNTY, 12_000, seed=7)
    return samples


def single_process(engine: Engine, areas: tuple[str, ...] = AREAS) -> dict[tuple[str, str, int],
                                                                            str]:
    """(area, kind, village id) → the JSON text of the whole-area, one-process answer."""
    out = {}
    job = Job.defaults()
    for area in areas:
        ctx = Context.load(engine, area)
        for kind, params in job.params.items():
            for a in compute(ctx, kind, params):
                out[(area, kind, a["village_id"])] = json.dumps(a, ensure_ascii=False)
    return out


def figures(*flags: str, areas: tuple[str, ...] = AREAS) -> dict[str, Any]:
    args = [f"--area={a}" for a in areas]
    return dict(json.loads(run_vgis("figures", *args, "--json", *flags).stdout))


def by_key(out: dict[str, Any]) -> dict[tuple[str, str, int], str]:
    return {(r["area"], r["kind"], r["village_id"]): json.dumps(r, ensure_ascii=False)
            for r in out["villages"]}


def forget(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM figure_tiles"))


def test_tiles_cover_each_village_once_and_are_compact() -> None:
    rng = np.random.default_rng(3)
    x, y = rng.uniform(0, 100, 1000), rng.uniform(0, 50, 1000)
    tiles = str_tiles(x, y, 37)
    assert sorted(np.concatenate(tiles).tolist()) == list(range(1000))
    assert max(len(t) for t in tiles) == 37
    assert len(tiles) <= 1000 // 37 + 6
    # compact: a tile spans a small part of the whole extent
    spans = [(x[t].max() - x[t].min()) * (y[t].max() - y[t].min()) for t in tiles]
    assert np.median(spans) < 100 * 50 / 10
    assert str_tiles(x[:0], y[:0], 5) == []


@pytest.mark.parametrize("workers", [1, 2, 4])
def test_figures_equal_the_single_process_engine(store: Engine, workers: int) -> None:
    forget(store)
    out = figures(f"--workers={workers}", "--tile-buildings=400")
    expected = single_process(store)
    assert out["recomputed"] == len(expected)
    assert out["kept"] == 0
    assert out["tiles"] > len(AREAS) * 2  # villages of an area are split among tasks
    got = by_key(out)
    assert got.keys() == expected.keys()
    differ = [k for k in expected if got[k] != expected[k]]
    assert differ == []
    kinds = {k for _, k, _ in got}
    assert kinds == set(FIGURE_KINDS)


def test_rerun_recomputes_nothing_an_edit_only_its_tiles(store: Engine) -> None:
    first = figures("--workers=2", "--tile-buildings=400")
    again = figures("--workers=2", "--tile-buildings=400")
    assert again["recomputed"] == 0
    assert again["kept"] == len(first["villages"])
    assert by_key(again) == by_key(first)
    # move one light of the synthetic county by ~50 m: only the villages whose tile
    # read that place are computed again, and they agree with the engine again
    with store.begin() as conn:
        conn.execute(text(
            "UPDATE lights SET geom = ST_Translate(geom, 0.0005, 0) WHERE id = "
            "(SELECT min(id) FROM lights WHERE area = :a)"), {"a": COUNTY})
    edited = figures("--workers=2", "--tile-buildings=400")
    assert 0 < edited["recomputed"] < len(first["villages"]) // 4
    assert by_key(edited) == single_process(store)
    # a deleted garbage point is seen too (the count of its box drops)
    with store.begin() as conn:
        conn.execute(text("DELETE FROM garbage WHERE id = (SELECT max(id) FROM garbage "
                          "WHERE area = :a)"), {"a": COUNTY})
    deleted = figures("--workers=1", "--tile-buildings=400")
    assert 0 < deleted["recomputed"] < len(first["villages"]) // 4
    assert by_key(deleted) == single_process(store)
    # other parameters are other figures: computed anew, the default ones kept
    with_radius = json.loads(run_vgis(
        "figures", f"--area={COUNTY}", "--kinds=lights", "--workers=1", "--json",
        env_extra={"VGIS_LIGHTS_RADIUS_M": "25"}).stdout)
    assert with_radius["recomputed"] == sum(1 for a, k, _ in by_key(deleted)
                                            if a == COUNTY and k == "lights")
    assert all(r["radius_m"] == 25 for r in with_radius["villages"])


def test_summary_table_and_bad_options(store: Engine) -> None:
    out = run_vgis("figures", "--area=lauf", "--workers=1").stdout
    assert "village figures" in out
    assert "lit" in out
    assert "recomputed" in out
    bad = run_vgis("figures", "--area=lauf", "--kinds=lights,colour", check=False)
    assert bad.returncode == 2
    assert "colour" in bad.stderr
    both = run_vgis("figures", "--area=lauf", "--workers=1", "--scheduler=tcp://x:1",
                    check=False)
    assert both.returncode == 2
    assert "not both" in both.stderr
    unknown = run_vgis("figures", "--area=nowhere", "--workers=1", check=False)
    assert unknown.returncode == 2
    assert "nowhere" in unknown.stderr
    gone = run_vgis("figures", "--area=lauf", "--scheduler=tcp://127.0.0.1:9", check=False)
    assert gone.returncode == 2
    assert "cannot reach the Dask scheduler" in gone.stderr


DASK = Path(sys.executable).with_name("dask")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _workers(address: str) -> int:
    from dask.distributed import Client

    with Client(address, timeout="5s") as client:
        return len(client.scheduler_info(n_workers=-1)["workers"])


@contextmanager
def dask_cluster(tmp: Path, n_workers: int) -> Iterator[tuple[str, list[subprocess.Popen[bytes]]]]:
    """A scheduler and ``n_workers`` single-thread workers on 127.0.0.1; all stopped after."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs: list[subprocess.Popen[bytes]] = []

    def start(name: str, *args: str) -> subprocess.Popen[bytes]:
        log = (tmp / f"{name}.log").open("wb")
        proc = subprocess.Popen([str(DASK), *args], stdout=log, stderr=subprocess.STDOUT,
                                cwd=ROOT, env=os.environ.copy(), start_new_session=True)
        procs.append(proc)
        return proc

    try:
        start("scheduler", "scheduler", "--host", "127.0.0.1", "--port", str(port),
              "--no-dashboard")
        workers = [start(f"worker{i}", "worker", address, "--host", "127.0.0.1",
                         "--nthreads", "1", "--no-nanny", "--no-dashboard",
                         "--name", f"w{i}", "--death-timeout", "60")
                   for i in range(n_workers)]
        deadline = time.monotonic() + 60
        while True:
            try:
                if _workers(address) == n_workers:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, (tmp / "scheduler.log").read_text()
            time.sleep(0.3)
        yield address, workers
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM village_figures")).scalar_one())


def _partial_tiles(engine: Engine) -> list[int]:
    """Tiles with a village lacking some kind: none, if each tile is written whole."""
    with engine.connect() as conn:
        return [int(r[0]) for r in conn.execute(text(
            "SELECT tile_id FROM village_figures GROUP BY tile_id "
            "HAVING count(*) <> 5 * count(DISTINCT village_id)"))]


def test_external_scheduler_same_figures_rerun_none_killed_worker(
        store: Engine, tmp_path: Path) -> None:
    expected = single_process(store)
    with dask_cluster(tmp_path, 2) as (address, workers):
        forget(store)
        out = figures(f"--scheduler={address}", "--tile-buildings=400")
        assert out["recomputed"] == len(expected)
        assert by_key(out) == expected
        again = json_run("--tile-buildings=400", env={"VGIS_DASK_SCHEDULER": address})
        assert again["recomputed"] == 0
        assert by_key(again) == expected

        # a worker killed while tiles are computed: no half-written tile, and the run
        # completes on the other worker (the scheduler runs the lost tasks again)
        forget(store)
        exe = Path(sys.executable).with_name("vgis")
        args = [str(exe), "figures", *[f"--area={a}" for a in AREAS], "--json",
                f"--scheduler={address}", "--tile-buildings=100"]
        run = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               cwd=ROOT, env=os.environ.copy())
        deadline = time.monotonic() + 120
        while _rows(store) == 0:
            assert run.poll() is None, run.communicate()[1].decode()
            assert time.monotonic() < deadline
            time.sleep(0.05)
        os.killpg(workers[0].pid, signal.SIGKILL)
        assert _partial_tiles(store) == []
        stdout, stderr = run.communicate(timeout=300)
        assert run.returncode == 0, stderr.decode()
        assert workers[0].wait(timeout=10) == -signal.SIGKILL
        done = json.loads(stdout)
        assert by_key(done) == expected
        assert _partial_tiles(store) == []
        assert _workers(address) == 1


def json_run(*flags: str, env: dict[str, str]) -> dict[str, Any]:
    args = [f"--area={a}" for a in AREAS]
    return dict(json.loads(run_vgis("figures", *args, "--json", *flags,
                                    env_extra=env).stdout))


def _tamper(engine: Engine, kind: str, village_id: int, field: str, value: float) -> None:
    """Change one stored figure (keeping its tile and version): shows who reads the table."""
    with engine.begin() as conn:
        conn.execute(text(
            "UPDATE village_figures SET figures = CAST(jsonb_set(CAST(figures AS jsonb), "
            "CAST(:path AS text[]), to_jsonb(CAST(:v AS float8))) AS json) "
            "WHERE area = 'lauf' AND kind = :kind AND village_id = :vid"),
            {"path": [field], "v": value, "kind": kind, "vid": village_id})


def test_faces_read_current_figures_and_compute_when_stale(store: Engine) -> None:
    from gis.candidates import rank_area
    from gis.params import RankingParams
    from maps.overviews import metric_values
    from testkit.server import uvicorn_server

    figures("--workers=1", areas=("lauf",))
    with store.connect() as conn:
        vid = int(conn.execute(text("SELECT min(id) FROM villages WHERE area = 'lauf' "
                                    "AND status = 'existing'")).scalar_one())
    _tamper(store, "lights", vid, "lit_share", 0.4242)
    _tamper(store, "corridor", vid, "distance_m", 4321.0)
    engine_said = json.loads(single_process(store, ("lauf",))[("lauf", "lights", vid)])
    with uvicorn_server(workers=1) as base:
        import httpx

        def lit() -> float:
            every = httpx.get(f"{base}/analysis/coverage/lights", params={"area": "lauf"},
                              timeout=60).json()
            return float(next(a["lit_share"] for a in every if a["village_id"] == vid))

        assert lit() == 0.4242  # the stored row, not a computation
        rows = httpx.get(f"{base}/analysis/corridor",
                         params={"area": "lauf", "all_villages": "true"}, timeout=60).json()
        assert next(r["distance_m"] for r in rows if r["village_id"] == vid) == 4321.0
        ctx = Context.load(store, "lauf")
        assert metric_values(ctx, "lit_share")[vid] == 0.4242
        ranking = rank_area(ctx, ranking=RankingParams.defaults().updated(visible=False))
        mine = [c for c in ranking.candidates if c.village_id == vid]
        assert mine[0].criteria["location"].indicators["corridor"].value == 4321.0
        # any change in the area: the stored rows are not current, the faces compute
        with store.begin() as conn:
            conn.execute(text("UPDATE lights SET working = working WHERE id = "
                              "(SELECT max(id) FROM lights WHERE area = 'lauf')"))
        assert lit() == engine_said["lit_share"]
        assert metric_values(Context.load(store, "lauf"), "lit_share")[vid] \
            == engine_said["lit_share"]
    forget(store)
