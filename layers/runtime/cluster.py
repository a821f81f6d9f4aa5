"""A local PostgreSQL + PostGIS cluster that ``vgis`` starts and reuses when no DATABASE_URL is set.

The cluster uses the system's PostgreSQL binaries (Debian ``postgresql-15``), listens
on 127.0.0.1 only, on a free port chosen when it is created and kept in the data
directory. ``initdb`` refuses to run as root, so under root the cluster is owned and
run by the ``postgres`` system user.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pwd
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from layers.errors import DatabaseUnavailable

DB_NAME = "vgis"
DB_USER = "vgis"
_PORT_FILE = "vgis.port"


def _pg_bindir() -> Path:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    if candidates:
        return candidates[0].parent
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    raise DatabaseUnavailable(
        "PostgreSQL server binaries not found; install them (Debian: "
        "apt-get install postgresql-15 postgresql-15-postgis-3) or set DATABASE_URL"
    )


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_root() -> bool:
    return os.geteuid() == 0


def _reachable_by_postgres(path: Path) -> bool:
    """Whether the postgres user can enter every directory down to ``path``'s parent."""
    probe = path.parent
    while not probe.exists():
        probe = probe.parent
    return subprocess.run(
        ["runuser", "-u", "postgres", "--", "test", "-x", str(probe)], check=False
    ).returncode == 0


def default_cluster_dir(data_dir: Path) -> Path:
    """The cluster directory for a data directory.

    Under root the postgres user must be able to reach it; when it cannot (a data
    directory inside a private home or a mode-700 temporary folder), the cluster is
    kept under ``/var/lib/vgis/`` instead, named after the data directory.
    """
    wanted = data_dir / "pg"
    if not _as_root() or _reachable_by_postgres(wanted):
        return wanted
    digest = hashlib.sha1(str(data_dir.resolve()).encode()).hexdigest()[:10]
    return Path("/var/lib/vgis") / f"pg-{digest}"


@dataclass
class LocalCluster:
    """A PostgreSQL cluster in ``directory`` serving database ``vgis`` on 127.0.0.1."""

    directory: Path

    @property
    def pgdata(self) -> Path:
        """The PostgreSQL data directory."""
        return self.directory / "data"

    @property
    def port(self) -> int:
        """The cluster's TCP port (fixed when the cluster is created)."""
        return int((self.directory / _PORT_FILE).read_text().strip())

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the cluster's database."""
        return f"postgresql+psycopg://{DB_USER}@127.0.0.1:{self.port}/{DB_NAME}"

    def _run(self, args: list[str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [str(_pg_bindir() / args[0]), *args[1:]]
        if _as_root():
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if check and proc.returncode != 0:
            said = proc.stderr.strip() or proc.stdout.strip()
            raise DatabaseUnavailable(f"{args[0]} failed ({proc.returncode}): {said}")
        return proc

    def exists(self) -> bool:
        """Whether the cluster has been created."""
        return (self.pgdata / "PG_VERSION").exists() and (self.directory / _PORT_FILE).exists()

    def running(self) -> bool:
        """Whether the cluster's server is running."""
        if not self.exists():
            return False
        return self._run(["pg_ctl", "status", "-D", str(self.pgdata)], check=False).returncode == 0

    def create(self) -> None:
        """Create the cluster (initdb) with a fresh free port; no-op when it exists."""
        if self.exists():
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        if _as_root():
            self.directory.chmod(0o755)
            pg = pwd.getpwnam("postgres")
            os.chown(self.directory, pg.pw_uid, pg.pw_gid)
        self._run([
            "initdb", "-D", str(self.pgdata), "-U", DB_USER, "--auth=trust",
            "--encoding=UTF8", "--locale=C.UTF-8",
        ])
        (self.pgdata / "postgresql.auto.conf").open("a").write(
            "listen_addresses = '127.0.0.1'\n"
            f"unix_socket_directories = '{self.directory}'\n"
            "max_connections = 200\n"
            "shared_buffers = '512MB'\n"
            "work_mem = '64MB'\n"
            "maintenance_work_mem = '256MB'\n"
            "fsync = on\n"
        )
        port_file = self.directory / _PORT_FILE
        port_file.write_text(f"{free_port()}\n")
        if _as_root():
            pg = pwd.getpwnam("postgres")
            os.chown(port_file, pg.pw_uid, pg.pw_gid)

    def start(self, timeout_s: float = 30.0) -> None:
        """Start the server (creating the cluster and the database when needed)."""
        self.create()
        if not self.running():
            self._run([
                "pg_ctl", "start", "-D", str(self.pgdata), "-w", "-t", str(int(timeout_s)),
                "-l", str(self.directory / "server.log"), "-o", f"-p {self.port}",
            ])
        deadline = time.monotonic() + timeout_s
        while self._run(
            ["pg_isready", "-h", "127.0.0.1", "-p", str(self.port)], check=False
        ).returncode != 0:
            if time.monotonic() > deadline:
                raise DatabaseUnavailable(f"PostgreSQL in {self.pgdata} did not become ready")
            time.sleep(0.2)
        has_db = self._run([
            "psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", DB_USER, "-d", "postgres",
            "-tAc", f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'",
        ]).stdout.strip()
        if has_db != "1":
            self._run([
                "createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", DB_USER, DB_NAME,
            ])

    def stop(self) -> None:
        """Stop the server (fast shutdown); no-op when it is not running."""
        if self.running():
            self._run(["pg_ctl", "stop", "-D", str(self.pgdata), "-m", "fast", "-w"])

    def remove(self) -> None:
        """Stop the server and delete the whole cluster directory."""
        with contextlib.suppress(DatabaseUnavailable):
            self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)
