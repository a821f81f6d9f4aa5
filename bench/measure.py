"""Wall time and peak resident memory of benchmark steps, and the records they fill."""

from __future__ import annotations

import gc
import math
import os
import resource
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ANALYSES = ("lighting", "garbage", "corridor")
_PEAK = [0.0]  # the largest peak RSS (MiB) of any measured step so far


def status_kb(key: str) -> int | None:
    """A figure of this process from /proc/self/status, kB (e.g. VmRSS); None if absent."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def _reset_peak() -> bool:
    """Reset the kernel's resident-memory high-water mark of this process (Linux ≥ 4.0)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_so_far() -> float:
    """The largest peak RSS (MiB) of the steps measured so far.

    Resetting ``VmHWM`` also resets ``ru_maxrss``, so the process's own figure would
    only cover the last step.
    """
    return _PEAK[0]


def load_average() -> float:
    """The 1-minute load average (other work on the machine skews the timings)."""
    return os.getloadavg()[0]


@dataclass
class Step:
    """Wall time (s) and peak resident memory (MiB) of one measured step."""

    seconds: float = math.nan
    peak_mib: float = math.nan
    note: str = ""

    @property
    def ok(self) -> bool:
        """Whether the step ran to the end (not skipped, not timed out)."""
        return not self.note and not math.isnan(self.seconds)


@contextmanager
def measured(step: Step) -> Iterator[Step]:
    """Time the block (``perf_counter``) and record its peak RSS into ``step``.

    The peak is the kernel's ``VmHWM``, reset when the block starts, so it is the
    largest resident set of this process during the block (the PostgreSQL server's
    memory is not included). Where it cannot be reset, ``ru_maxrss`` (the lifetime
    peak) is reported instead.
    """
    gc.collect()
    resettable = _reset_peak()
    start = time.perf_counter()
    try:
        yield step
    finally:
        step.seconds = time.perf_counter() - start
        hwm = status_kb("VmHWM") if resettable else None
        if hwm is None:
            hwm = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        step.peak_mib = hwm / 1024
        _PEAK[0] = max(_PEAK[0], step.peak_mib)


@dataclass
class Loaded:
    """What one county holds (features per layer, km of road and rail) and its load steps."""

    counts: dict[str, int]
    road_km: float
    rail_km: float
    generate: Step
    normalize: Step
    copy: Step
    analyze: Step


@dataclass
class Timings:
    """Every measured analysis of one county, with the figures each engine gave.

    ``cold``/``warm``: in-process analyses with a fresh context / again on that
    context; ``served``: as the service answers, on a context from a warm area
    (:class:`gis.warm.WarmAreas`: the version read, the rows selected from memory, the
    analysis); ``warm_bytes``: what the warm area holds (estimate); ``all_three``: the
    three on one fresh context; ``sql``: formulation → analysis → step;
    ``results``/``sql_results`` hold the figures for the agreement check.
    """

    cold: dict[str, Step] = field(default_factory=dict)
    warm: dict[str, Step] = field(default_factory=dict)
    served: dict[str, Step] = field(default_factory=dict)
    warm_bytes: int = 0
    warm_budget: int = 0
    all_three: Step = field(default_factory=Step)
    sql: dict[str, dict[str, Step]] = field(default_factory=dict)
    results: dict[str, Any] = field(default_factory=dict)
    sql_results: dict[str, dict[str, Any]] = field(default_factory=dict)
    load_before: float = math.nan
    load_after: float = math.nan

    def best_sql(self, analysis: str) -> tuple[str, Step] | None:
        """The fastest SQL formulation of ``analysis`` that finished, if any."""
        done = [(name, steps[analysis]) for name, steps in self.sql.items()
                if analysis in steps and steps[analysis].ok]
        return min(done, key=lambda d: d[1].seconds) if done else None


def revision() -> str:
    """The checkout's commit, marked ``-dirty`` when files differ from it (else ``?``)."""
    try:
        out = subprocess.run(["git", "describe", "--always", "--dirty"], capture_output=True,
                             text=True, check=False, cwd=Path(__file__).resolve().parent)
    except OSError:
        return "?"
    return out.stdout.strip() or "?"
