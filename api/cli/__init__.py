"""``vgis``: the command line, a thin face over ``layers``, ``gis`` and ``maps``.

Every command prints a readable table, or exact JSON with ``--json``. Errors of input
are printed as one clear message with exit code 2; nothing is written. The commands
live by the rooms they face: :mod:`api.cli.data` (database, imports, exports, the
server), :mod:`api.cli.analysis` (villages, coverage, corridor, candidates, terrain),
:mod:`api.cli.plans` (keys and plans),
:mod:`api.cli.sheets` (maps and print sheets), :mod:`api.cli.check` (data checks),
:mod:`api.cli.figures` (every village's figures on Dask) and :mod:`api.cli.package`
(a village's offline package).
"""

from __future__ import annotations

from api.cli import analysis, check, data, figures, package, plans, sheets
from api.cli.base import main

__all__ = ["analysis", "check", "data", "figures", "main", "package", "plans", "sheets"]
