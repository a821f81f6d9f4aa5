"""Turn a source GeoDataFrame (EPSG:4326) into canonical features, or say exactly what is wrong.

Every check is vectorised over the whole frame; each rejected feature becomes one
:class:`~layers.errors.Problem` naming the file, the feature and the field.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers.errors import ImportRejected, Problem
from layers.io.valuemaps import BOOLEAN_WORDS, FIELD_ALIASES, ValueMap, normalize_word
from layers.report import ImportReport
from layers.schema import WGS84, FieldSpec, LayerSpec

# shapely type ids
_POINT, _LINE, _POLYGON, _MPOINT, _MLINE, _MPOLYGON, _COLLECTION = 0, 1, 3, 4, 5, 6, 7
_TYPE_IDS = {"Point": _POINT, "LineString": _LINE, "Polygon": _POLYGON,
             "MultiPoint": _MPOINT, "MultiLineString": _MLINE, "MultiPolygon": _MPOLYGON}
_TYPE_NAMES = {v: k for k, v in _TYPE_IDS.items()} | {_COLLECTION: "GeometryCollection"}
_ID_COLUMNS = ("source_id", "id", "fid", "objectid", "osm_id", "编号", "bh")
_RESERVED = {"geometry", "source", "attrs"}


def _feature_labels(frame: pd.DataFrame, id_column: str | None) -> list[str]:
    if id_column is None:
        return [f"#{i}" for i in range(len(frame))]
    ids = frame[id_column].astype("string").fillna("")
    return [f"#{i} (id {v})" if v else f"#{i}" for i, v in enumerate(ids)]


def _find_column(columns: list[str], canonical: str, explicit: Mapping[str, str]) -> str | None:
    if canonical in explicit:
        return explicit[canonical]
    folded = {normalize_word(c): c for c in columns if c not in _RESERVED}
    for word in (canonical, *FIELD_ALIASES.get(canonical, ())):
        hit = folded.get(normalize_word(word))
        if hit is not None:
            return hit
    if len(canonical) > 10:  # Shapefile field names are cut to 10 characters
        return folded.get(normalize_word(canonical[:10]))
    return None


def _jsonable(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, np.generic):
        return _jsonable(value.item())
    if isinstance(value, datetime | date | pd.Timestamp):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, str | int | float | bool | dict | list):
        return value
    return str(value)


class _Checker:
    """Collects problems while the columns of one frame are normalised."""

    def __init__(self, source: str, labels: list[str]) -> None:
        self.source = source
        self.labels = labels
        self.problems: list[Problem] = []

    def reject(self, mask: np.ndarray, fld: str, message: Any) -> None:
        for i in np.flatnonzero(mask):
            text = message(i) if callable(message) else str(message)
            self.problems.append(Problem(self.source, self.labels[i], fld, text))


def _normalize_geometry(
    geoms: np.ndarray, spec: LayerSpec, check: _Checker, report: ImportReport
) -> np.ndarray:
    """Validate and repair geometry; return the (possibly repaired) array."""
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    check.reject(missing, "geometry", "empty or missing geometry")
    geoms = np.asarray(np.where(missing, None, shapely.force_2d(geoms)), dtype=object)
    present = ~missing
    allowed = {_TYPE_IDS[t] for t in spec.geometry_types}
    # multi-part forms of an allowed single type are accepted (split or promoted later)
    allowed |= {_MPOINT if _POINT in allowed else -9, _MLINE if _LINE in allowed else -9}
    if _MPOLYGON in allowed:
        allowed.add(_POLYGON)
    type_ids = shapely.get_type_id(geoms)
    wrong = present & ~np.isin(type_ids, list(allowed))
    check.reject(
        wrong, "geometry",
        lambda i: f"{_TYPE_NAMES.get(int(type_ids[i]), 'this geometry')} is not allowed in "
        f"{spec.name} (allowed: {', '.join(spec.geometry_types)})",
    )
    ok = present & ~wrong
    coords_bad = np.zeros(len(geoms), dtype=bool)
    if ok.any():
        # every vertex finite and in range (an envelope alone passes a NaN inside a line)
        xy, owner = shapely.get_coordinates(geoms[ok], return_index=True)
        wrong = ~np.isfinite(xy).all(axis=1) | (np.abs(xy[:, 0]) > 180) | (np.abs(xy[:, 1]) > 90)
        coords_bad[np.flatnonzero(ok)[np.unique(owner[wrong])]] = True
    check.reject(coords_bad, "geometry",
                 "coordinates not finite or outside longitude/latitude range: is the source "
                 "CRS right? (--crs)")
    ok &= ~coords_bad
    invalid = ok & ~shapely.is_valid(geoms)
    for i in np.flatnonzero(invalid):
        geom = geoms[i]
        reason = shapely.is_valid_reason(geom)
        dim = shapely.get_dimensions(geom)
        fixed = shapely.make_valid(geom)
        if dim == 2:
            parts = shapely.get_parts(fixed)
            polys = [p for p in parts if shapely.get_dimensions(p) == 2]
            fixed = shapely.union_all(polys) if polys else shapely.Polygon()
        if dim == 2 and shapely.is_empty(fixed) and _POINT in allowed:
            # a footprint with no area (a sliver cut at an extract's edge): keep the
            # building or facility as the point at its centroid rather than lose it
            geoms[i] = shapely.centroid(geom)
            report.repaired += 1
            report.collapsed_to_point += 1
            continue
        if shapely.is_empty(fixed) or shapely.get_dimensions(fixed) != dim or (
            dim == 1 and shapely.length(fixed) == 0
        ):
            check.problems.append(Problem(
                check.source, check.labels[i], "geometry",
                f"invalid geometry ({reason}) that cannot be repaired safely",
            ))
            continue
        geoms[i] = fixed
        report.repaired += 1
    if _LINE in allowed:
        lines = ok & np.isin(shapely.get_type_id(geoms), [_LINE, _MLINE])
        zero = np.zeros(len(geoms), dtype=bool)
        zero[lines] = shapely.length(geoms[lines]) == 0
        check.reject(zero, "geometry", "line of zero length (fewer than 2 distinct points)")
    return geoms


def _choice_column(
    values: pd.Series, spec: LayerSpec, fspec: FieldSpec, vmap: ValueMap,
    check: _Checker, report: ImportReport,
) -> pd.Series:
    uniques = values.dropna().unique()
    mapping = {u: vmap.lookup(spec.name, fspec.name, u) for u in uniques}
    mapped = values.map(mapping)
    unknown = values.notna() & mapped.isna()
    fallback = fspec.fallback or ("unknown" if "unknown" in fspec.choices else None)
    if fallback is not None:
        for word, n in values[unknown].value_counts().items():
            report.mapped_to_fallback[f"{fspec.name}={word}→{fallback}"] += int(n)
        mapped = mapped.where(~unknown, fallback)
    else:
        check.reject(
            unknown.to_numpy(), fspec.name,
            lambda i: f"unknown value {values.iloc[i]!r}; allowed: {', '.join(fspec.choices)} "
            "(map it with --values FILE)",
        )
    bad = mapped.notna() & ~mapped.isin(fspec.choices)
    allowed = ", ".join(fspec.choices)
    check.reject(bad.to_numpy(), fspec.name,
                 lambda i: f"value map gives {mapped.iloc[i]!r}, not one of {allowed}")
    return mapped


def _numeric_column(values: pd.Series, fspec: FieldSpec, check: _Checker) -> pd.Series:
    text = values.astype("string").str.strip()
    text = text.where(text != "")
    numbers = pd.to_numeric(text, errors="coerce")
    bad = text.notna() & numbers.isna()
    check.reject(bad.to_numpy(), fspec.name, lambda i: f"not a number: {values.iloc[i]!r}")
    infinite = numbers.notna() & ~np.isfinite(numbers.astype(float))
    check.reject(infinite.to_numpy(), fspec.name,
                 lambda i: f"not a finite number: {values.iloc[i]!r}")
    numbers = numbers.where(~infinite)
    too_big = numbers > (2**31 - 1 if fspec.kind == "int" else 1e12)
    check.reject(too_big.fillna(False).to_numpy(), fspec.name, "too large")
    numbers = numbers.where(~too_big.fillna(False))
    negative = numbers < 0
    check.reject(negative.fillna(False).to_numpy(), fspec.name, "must not be negative")
    if fspec.kind == "int":
        fractional = numbers.notna() & (numbers != numbers.round())
        check.reject(fractional.to_numpy(), fspec.name,
                     lambda i: f"not a whole number: {values.iloc[i]!r}")
        return pd.Series(numbers.round(), dtype="Int64")
    return pd.Series(numbers, dtype="Float64")


def _bool_column(values: pd.Series, fspec: FieldSpec, check: _Checker) -> pd.Series:
    def to_bool(v: Any) -> bool | None:
        if isinstance(v, bool | np.bool_):
            return bool(v)
        if isinstance(v, int | float | np.integer | np.floating) and v in (0, 1):
            return bool(v)
        return BOOLEAN_WORDS.get(normalize_word(v))

    mapped = values.map(lambda v: None if pd.isna(v) else to_bool(v))
    bad = values.notna() & mapped.isna()
    check.reject(bad.to_numpy(), fspec.name,
                 lambda i: f"not a yes/no value: {values.iloc[i]!r} (use 是/否, yes/no, 1/0)")
    return mapped.astype("boolean")


def normalize(
    frame: gpd.GeoDataFrame,
    spec: LayerSpec,
    *,
    source: str,
    report: ImportReport,
    field_map: Mapping[str, str] | None = None,
    values: ValueMap | None = None,
) -> gpd.GeoDataFrame:
    """Map a source frame onto the canonical schema of ``spec``.

    Parameters
    ----------
    frame
        Source features, geometry already in EPSG:4326 (longitude, latitude degrees).
    spec
        The target canonical layer.
    source
        The source file's name, used in problems and stored with each feature.
    report
        Receives counts of repairs, defaults and fallback mappings.
    field_map
        Canonical field → source column, from ``--field CANON=SOURCE``.
    values
        Value maps in force (built-in plus ``--values FILE``).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``name``, ``status``, ``source_id``, ``attrs`` and the layer's own fields,
        geometry in EPSG:4326.

    Raises
    ------
    ImportRejected
        When any feature is wrong; it lists every problem, nothing is returned.
    """
    field_map = dict(field_map or {})
    values = values or ValueMap()
    frame = frame.reset_index(drop=True)
    columns = [str(c) for c in frame.columns if c != frame.geometry.name]
    for canonical, column in field_map.items():
        if canonical not in spec.canonical_names:
            raise ImportRejected(source, [Problem(
                source, "-", canonical,
                f"--field {canonical}=…: {spec.name} has no field {canonical!r} "
                f"(fields: {', '.join(spec.canonical_names)})",
            )])
        if column not in columns:
            same = [c for c in columns if c.casefold() == column.casefold()]
            if len(same) == 1:
                field_map[canonical] = same[0]
                continue
            raise ImportRejected(source, [Problem(
                source, "-", column,
                f"--field {canonical}={column}: the file has no column {column!r} "
                f"(columns: {', '.join(columns)})",
            )])
    id_words = {normalize_word(w) for w in _ID_COLUMNS}
    id_column = next((c for c in columns if normalize_word(c) in id_words), None)
    check = _Checker(source, _feature_labels(frame, id_column))
    out = pd.DataFrame(index=frame.index)
    used: set[str] = set()

    for name in spec.canonical_names:
        source_column = _find_column(columns, name, field_map)
        fspec = spec.field(name) or (
            FieldSpec("status", "text", ("existing", "planned"), "existing")
            if name == "status" else FieldSpec(name, "text")
        )
        if source_column is None:
            raw = pd.Series(pd.NA, index=frame.index, dtype=object)
        else:
            raw = frame[source_column]
            used.add(source_column)
            if raw.dtype == object or pd.api.types.is_string_dtype(raw):
                raw = raw.astype("string").str.strip()
                raw = raw.where(raw != "")
        if fspec.choices:
            col = _choice_column(raw, spec, fspec, values, check, report)
        elif fspec.kind in ("int", "float"):
            col = _numeric_column(raw, fspec, check)
        elif fspec.kind == "bool":
            col = _bool_column(raw, fspec, check)
        else:
            col = raw.astype("string")
        missing = col.isna() & raw.isna()  # present but unusable values are reported above
        if missing.any():
            default = fspec.default if name != "class" else fspec.fallback
            if default is not None:
                report.defaults[f"{name}={default}"] += int(missing.sum())
                col = col.astype(object).where(~missing, default)
            elif name == "class":
                hint = ("no column gives the class (map one with --field class=COLUMN)"
                        if source_column is None else "no class value")
                check.reject(missing.to_numpy(), "class",
                             f"{hint}; allowed: {', '.join(fspec.choices)}")
        out[name] = col

    if spec.name == "buildings":
        residential = (out["class"] == "residential") & out["households"].isna()
        if residential.any():
            report.defaults["households=1 (residential building without a number)"] += int(
                residential.sum())
            out["households"] = out["households"].astype(object).where(~residential, 1)

    geoms = _normalize_geometry(frame.geometry.to_numpy(copy=True), spec, check, report)
    if check.problems:
        raise ImportRejected(source, check.problems)

    if id_column is not None:
        used.add(id_column)
        ids = frame[id_column].astype("string").fillna("")
        out["source_id"] = [v or str(i) for i, v in enumerate(ids)]
    else:
        out["source_id"] = [str(i) for i in range(len(frame))]
    out["attrs"] = _attrs_column(frame, [c for c in columns if c not in used])
    result = gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(geoms, crs=WGS84).values, crs=WGS84)
    return _fit_geometry_types(result, spec, report)


def _attrs_column(frame: pd.DataFrame, columns: list[str]) -> list[str]:
    """Remaining source attributes as JSON text (an ``attrs`` column holding JSON is merged)."""
    records: list[dict[str, Any]] = [{} for _ in range(len(frame))]
    for column in columns:
        if (column in _RESERVED and column != "attrs") or column.startswith("vgis_"):
            continue
        for record, value in zip(records, frame[column].tolist(), strict=True):
            if column == "attrs" and isinstance(value, dict):
                record.update(value)
                continue
            if column == "attrs" and isinstance(value, str):
                try:
                    parsed = json.loads(value)
                except ValueError:
                    parsed = None
                if isinstance(parsed, dict):
                    record.update(parsed)
                    continue
            v = _jsonable(value)
            if v is not None:
                record[column] = v
    return [json.dumps(r, ensure_ascii=False) for r in records]


def _fit_geometry_types(
    frame: gpd.GeoDataFrame, spec: LayerSpec, report: ImportReport
) -> gpd.GeoDataFrame:
    """Split multi-part lines/points into one feature per part; promote polygons to multi."""
    geoms = np.asarray(frame.geometry.values, dtype=object)
    type_ids = shapely.get_type_id(geoms)
    if "MultiPolygon" in spec.geometry_types and "Polygon" not in spec.geometry_types:
        single = np.flatnonzero(type_ids == _POLYGON)
        if len(single):
            geoms = geoms.copy()
            geoms[single] = shapely.multipolygons(geoms[single], indices=np.arange(len(single)))
    multi = np.isin(type_ids, [_MPOINT, _MLINE])
    if not multi.any():
        return frame.set_geometry(gpd.GeoSeries(geoms, crs=WGS84, index=frame.index))
    counts = np.where(multi, shapely.get_num_geometries(geoms), 1)
    report.split_multipart += int((counts > 1).sum())
    rows = np.repeat(np.arange(len(frame)), counts)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    part_no = np.arange(len(rows)) - starts
    out_geoms = geoms[rows]
    out_geoms[multi[rows]] = shapely.get_parts(geoms[multi])
    result = frame.iloc[rows].reset_index(drop=True)
    source_ids = result["source_id"].astype(str).to_numpy()
    several = counts[rows] > 1
    result["source_id"] = np.where(
        several, np.char.add(np.char.add(source_ids.astype(str), "."), part_no.astype(str)),
        source_ids,
    )
    return result.set_geometry(gpd.GeoSeries(out_geoms, crs=WGS84))
