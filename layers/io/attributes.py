"""Village attributes from a survey spreadsheet, joined to the villages by name or code.

The plans' selection criteria that no map shows (文化底蕴, 产业发展, 干群基础, collective
income, traditional-village status …) arrive as a township's spreadsheet, one row per
village. ``vgis load attrs FILE --area A [--key name|code]`` matches each row to one
existing village of the area and merges the row into the village: the canonical
numbers (population, households, farmland_mu) into their columns, every other column
into ``attrs`` (numbers as numbers). Atomic: a row that matches no village or several,
a village named twice, or a bad number rejects the whole file with every problem listed
as ``file: row: field: what``; nothing is written.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyogrio
from sqlalchemy import Engine, bindparam, text
from sqlalchemy.dialects.postgresql import JSONB

from layers.errors import ImportRejected, Problem, UnreadableFile, VgisError
from layers.io.valuemaps import FIELD_ALIASES, normalize_word
from layers.models import loads
from layers.report import AttributesReport
from layers.store import check_area, file_sha256

NUMERIC_FIELDS: tuple[str, ...] = ("population", "households", "farmland_mu")
"""Columns of the villages table a spreadsheet may fill (numbers ≥ 0)."""


def _column(columns: list[str], canonical: str) -> str | None:
    folded = {normalize_word(c): c for c in columns}
    for word in (canonical, *FIELD_ALIASES.get(canonical, ())):
        if normalize_word(word) in folded:
            return folded[normalize_word(word)]
    return None


def _value(raw: Any) -> Any:
    """A cell as JSON: numbers as numbers, blank as None, the rest as trimmed text."""
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return None
    if isinstance(raw, np.generic):
        raw = raw.item()
    if isinstance(raw, bool | int | float):
        return raw
    text_ = str(raw).strip()
    if not text_:
        return None
    try:
        number = float(text_)
    except ValueError:
        return text_
    if not math.isfinite(number):
        return text_
    return int(number) if number.is_integer() and "." not in text_ else number


def _read(path: Path, sheet: str | None, encoding: str | None) -> pd.DataFrame:
    if not path.is_file():
        raise UnreadableFile(f"{path}: no such file")
    options = ({"AUTODETECT_TYPE": "NO"} if path.suffix.lower() in (".csv", ".txt") else {})
    try:
        return pd.DataFrame(pyogrio.read_dataframe(path, layer=sheet, read_geometry=False,
                                                   encoding=encoding, **options))
    except Exception as exc:  # pyogrio's errors name the driver, not the planner's problem
        raise UnreadableFile(f"{path.name}: cannot read it as a table: {exc}") from exc


def load_attributes(
    engine: Engine, path: Path, area: str, *, key: Literal["name", "code"] = "name",
    sheet: str | None = None, encoding: str | None = None, actor: str | None = None,
) -> AttributesReport:
    """Merge a spreadsheet's rows into the attributes of the area's villages.

    Parameters
    ----------
    engine
        The store.
    path
        CSV, XLSX or any table GDAL reads, one row per village.
    area
        The area whose (existing) villages are matched.
    key
        Match rows by village ``name`` (名称/村名 …) or ``code`` (编码/行政代码 …).
    sheet
        The sheet of a workbook (default: the first).
    encoding
        The CSV's encoding when it is not UTF-8 (e.g. GBK).
    actor
        Who loads it (the API key's owner, ``cli:LOGIN``), kept in the load log.

    Returns
    -------
    AttributesReport
        ``file``, ``area``, ``key``, ``villages`` (rows merged), ``columns`` (written to
        the villages table) and ``attributes`` (merged into ``attrs``).

    Raises
    ------
    ImportRejected
        With every row that matches no village or several, names a village twice, or
        has a bad number; nothing is written.
    """
    if key not in ("name", "code"):
        raise VgisError(f"match villages by name or code, not {key!r}")
    check_area(engine, area)
    frame = _read(path, sheet, encoding)
    columns = [str(c) for c in frame.columns]
    key_col = _column(columns, key)
    if key_col is None:
        raise UnreadableFile(f"{path.name}: no {key} column (looked for {key} and "
                             f"{', '.join(FIELD_ALIASES.get(key, ()))}; columns are: "
                             f"{', '.join(columns)})")
    numeric = {f: c for f in NUMERIC_FIELDS if (c := _column(columns, f)) and c != key_col}
    extra = [c for c in columns if c != key_col and c not in numeric.values()]
    with engine.connect() as conn:
        rows = conn.execute(text(f"SELECT id, {key} FROM villages "  # key: name|code only
                                 "WHERE area = :a AND status = 'existing'"), {"a": area}).all()
    ids: dict[str, list[int]] = {}
    for vid, value in rows:
        if value is not None:
            ids.setdefault(normalize_word(value), []).append(int(str(vid)))
    problems: list[Problem] = []
    updates: list[dict[str, Any]] = []
    seen: dict[int, int] = {}
    for i, record in enumerate(frame.to_dict("records")):
        where = f"row {i + 2}"
        label = _value(record[key_col])
        found = ids.get(normalize_word(label), []) if label is not None else []
        if label is None:
            problems.append(Problem(path.name, where, key_col, f"no village {key}"))
            continue
        if len(found) != 1:
            what = "no village" if not found else f"{len(found)} villages"
            problems.append(Problem(path.name, where, key_col,
                                    f"{what} of area {area!r} with {key} {label!r}"))
            continue
        if found[0] in seen:
            problems.append(Problem(path.name, where, key_col,
                                    f"{label!r} is also on row {seen[found[0]] + 2}"))
            continue
        seen[found[0]] = i
        update: dict[str, Any] = {"vid": found[0]}
        for fld, col in numeric.items():
            value = _value(record[col])
            whole = fld in ("population", "households")
            number = isinstance(value, int | float) and not isinstance(value, bool)
            ok = value is None or (number and value >= 0
                                   and (not whole or float(value).is_integer()))
            if not ok:
                problems.append(Problem(path.name, where, col,
                                        f"{fld} must be a {'whole ' if whole else ''}number "
                                        f"of 0 or more, not {value!r}"))
            update[fld] = None if not ok or value is None else (int(value) if whole
                                                                 else float(value))
        update["attrs"] = {c: v for c in extra if (v := _value(record[c])) is not None}
        updates.append(update)
    if problems:
        raise ImportRejected(path.name, problems)
    sets = "".join(f", {f} = COALESCE(:{f}, {f})" for f in numeric)
    statement = text(f"UPDATE villages SET attrs = attrs || :attrs{sets} WHERE id = :vid"
                     ).bindparams(bindparam("attrs", type_=JSONB))
    report = AttributesReport(file=path.name, area=area, key=key, villages=len(updates),
                              columns=sorted(numeric), attributes=extra)
    with engine.begin() as conn:
        if updates:
            conn.execute(statement, [dict.fromkeys(numeric) | u for u in updates])
        conn.execute(loads.insert().values(
            area=area, source=path.name, kind="attrs", sha256=file_sha256(path),
            counts={"villages": len(updates)}, report=report.model_dump(), actor=actor))
    return report
