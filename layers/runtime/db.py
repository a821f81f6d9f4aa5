"""Database connection: DATABASE_URL when set, otherwise the local cluster; schema migration."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from layers.errors import DatabaseUnavailable
from layers.runtime.cluster import LocalCluster, default_cluster_dir
from layers.runtime.settings import Settings, get_settings

_MIGRATIONS = Path(__file__).parent.parent / "migrations"


def local_cluster(settings: Settings | None = None) -> LocalCluster:
    """The local cluster that serves when DATABASE_URL is unset."""
    settings = settings or get_settings()
    return LocalCluster(settings.pg_dir or default_cluster_dir(settings.data_dir))


def database_url(settings: Settings | None = None, *, start: bool = True) -> str:
    """Return the database URL, starting the local cluster when DATABASE_URL is unset."""
    settings = settings or get_settings()
    if settings.database_url:
        url = settings.database_url
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        return url
    cluster = local_cluster(settings)
    if start:
        cluster.start()
    return cluster.url


def make_engine(url: str) -> Engine:
    """Create an engine for ``url`` with a pool suited to a small service."""
    # a server that does not answer is unreachable after 5 s (not the system's minutes)
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True,
                         connect_args={"connect_timeout": 5})


@lru_cache(maxsize=4)
def _engine_for(url: str) -> Engine:
    return make_engine(url)


def get_engine(settings: Settings | None = None) -> Engine:
    """Return the process-wide engine (the local cluster is started on first use)."""
    return _engine_for(database_url(settings))


def _alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return cfg


def migrate(engine: Engine) -> str:
    """Bring the schema to the newest migration; return the revision now applied."""
    cfg = _alembic_config(engine)
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except OperationalError as exc:
        raise DatabaseUnavailable(f"cannot reach the database: {exc.orig}") from exc
    return current_revision(engine) or ""


def current_revision(engine: Engine) -> str | None:
    """The migration revision the database is at (None before ``vgis db init``)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision() -> str:
    """The newest migration revision shipped with the code."""
    script = ScriptDirectory.from_config(_alembic_config(make_engine("postgresql+psycopg://")))
    return str(script.get_current_head())


def postgis_version(engine: Engine) -> str:
    """The PostGIS version of the database."""
    with engine.connect() as conn:
        return str(conn.execute(text("SELECT postgis_lib_version()")).scalar_one())
