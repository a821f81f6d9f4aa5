"""The service on a real uvicorn, 127.0.0.1 and a free port, stopped when the block ends."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from layers.runtime.cluster import free_port


@contextmanager
def uvicorn_server(workers: int = 2, extra_env: dict[str, str] | None = None
                   ) -> Iterator[str]:
    """Start ``api.app:app`` under uvicorn; yield its base URL once ``/health`` answers."""
    with uvicorn_process(workers, extra_env) as (base, _):
        yield base


def rss_kib(pid: int) -> int:
    """The resident memory of a process, KiB (from /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


@contextmanager
def uvicorn_process(workers: int = 2, extra_env: dict[str, str] | None = None
                    ) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """:func:`uvicorn_server`, yielding the process too (one worker: it is the server)."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.app:app", "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(workers), "--log-level", "warning"],
        env={**os.environ, **(extra_env or {})},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise RuntimeError("uvicorn did not start")
        yield base, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
