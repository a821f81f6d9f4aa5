"""Session fixtures: a throwaway PostGIS cluster on a free port, migrated, with the samples."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
_TMP = Path(tempfile.mkdtemp(prefix="vgis-test-"))
_TMP.chmod(0o755)  # the postgres user (cluster owner under root) must enter it
os.environ["VGIS_DATA_DIR"] = str(_TMP / "data")
os.environ.pop("DATABASE_URL", None)
os.environ.pop("VGIS_DATABASE_URL", None)

from layers.runtime.cluster import LocalCluster  # noqa: E402
from layers.runtime.db import make_engine, migrate  # noqa: E402
from layers.runtime.settings import get_settings  # noqa: E402


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    cluster = LocalCluster(_TMP / "pg")
    cluster.start()
    os.environ["DATABASE_URL"] = cluster.url
    get_settings.cache_clear()
    try:
        yield cluster.url
    finally:
        cluster.remove()
        shutil.rmtree(_TMP, ignore_errors=True)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    migrate(eng)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def samples(engine: Engine) -> Engine:
    """The store with the three bundled OSM extracts and their terrain loaded."""
    from layers.io.loader import load_samples

    load_samples(engine, DATA, say=lambda _: None)
    return engine


CONFORMANCE = ROOT / "tests" / "data" / "conformance" / "lauf"
OSM_CREDIT = "© OpenStreetMap contributors (ODbL 1.0)"
CONFORMANCE_LAYERS = ("villages", "buildings", "roads", "railways", "lights", "garbage")


@pytest.fixture(scope="session")
def conformance(engine: Engine) -> dict[str, object]:
    """The conformance set loaded with ``vgis load file`` into area ``conformance-lauf``."""
    from layers.io.loader import load_file

    for layer in CONFORMANCE_LAYERS:  # made from the bundled OSM extract (its README)
        load_file(engine, CONFORMANCE / f"{layer}.gpkg", layer, "conformance-lauf",
                  credit=OSM_CREDIT)
    import json

    return dict(json.loads((CONFORMANCE / "expected.json").read_text()))


def run_vgis(*args: str, check: bool = True, env_extra: dict[str, str] | None = None
             ) -> subprocess.CompletedProcess[str]:
    """Run the installed ``vgis`` command in a subprocess, as a planner would."""
    exe = Path(sys.executable).with_name("vgis")
    proc = subprocess.run([str(exe), *args], capture_output=True, text=True,
                          env={**os.environ, **(env_extra or {})}, check=False, cwd=ROOT)
    if check and proc.returncode != 0:
        raise AssertionError(f"vgis {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    return proc
