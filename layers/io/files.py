"""Import a planner's file into one canonical layer.

Formats: GeoPackage, Shapefile (also zipped), GeoJSON, KML/KMZ, DXF and CSV/XLSX
with longitude/latitude columns, all read through GDAL (pyogrio). The source CRS
comes from the file or ``--crs`` (CGCS2000 EPSG:4490 and its Gauss–Krüger zones
EPSG:4513–4554 included); coordinates copied from Chinese web maps are corrected
from GCJ-02/BD-09 with ``coords``.
"""

from __future__ import annotations

import zipfile
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from layers.errors import ImportRejected, Problem, UnreadableFile, UnsupportedCRS
from layers.io.chinacoords import CoordSystem, to_wgs84
from layers.io.crs import geojson_crs_member, usable_crs
from layers.io.normalize import normalize
from layers.io.osmcolumns import fallback_warning, recognise_osm_columns
from layers.io.valuemaps import ValueMap, normalize_word
from layers.report import ImportReport
from layers.schema import WGS84, layer_spec

TABLE_SUFFIXES = {".csv", ".txt", ".xlsx", ".xls", ".ods"}
VECTOR_SUFFIXES = {".gpkg", ".shp", ".zip", ".geojson", ".json", ".kml", ".kmz", ".dxf", ".fgb"}
_LON_WORDS = ("lon", "lng", "long", "longitude", "x", "经度", "jd", "东经")
_LAT_WORDS = ("lat", "latitude", "y", "纬度", "wd", "北纬")


def _check_archive(path: Path) -> list[str]:
    """Members of a zip archive; refuse archives that unpack to far more than they weigh."""
    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.namelist()
            total = sum(i.file_size for i in zf.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise UnreadableFile(f"{path.name}: not a readable zip archive ({exc})") from exc
    packed = path.stat().st_size
    if total > 1024**3 or (total > 50 * 1024**2 and total > 100 * packed):
        raise UnreadableFile(
            f"{path.name}: unpacks to {total / 1e6:,.0f} MB from {packed / 1e6:,.1f} MB "
            "(a zip bomb?); refused")
    return members


_NO_DBF = ("{name}: the Shapefile has no .dbf, so every attribute (class, name, …) would be "
           "lost; add the .dbf, or load it with --drop-attributes if the geometry is enough")


def _gdal_path(path: Path, drop_attributes: bool = False) -> str:
    if path.suffix.lower() == ".kmz":
        _check_archive(path)
        return str(path)
    if path.suffix.lower() == ".zip":
        members = _check_archive(path)
        shps = [m for m in members if m.lower().endswith(".shp")]
        if len(shps) != 1:
            raise UnreadableFile(
                f"{path.name}: a zipped Shapefile must hold exactly one .shp (found {len(shps)})"
            )
        if not drop_attributes and shps[0][:-4].lower() + ".dbf" not in {
                m.lower() for m in members}:
            raise UnreadableFile(_NO_DBF.format(name=path.name))
        return f"/vsizip/{path}/{shps[0]}"
    if path.suffix.lower() == ".shp" and not drop_attributes and not any(
            p.suffix.lower() == ".dbf" for p in path.parent.glob(path.stem + ".*")):
        raise UnreadableFile(_NO_DBF.format(name=path.name))
    return str(path)


def parse_crs(value: str, where: str) -> CRS:
    """Parse ``EPSG:4547``, ``4547`` or a WKT/PROJ string (:func:`usable_crs`)."""
    return usable_crs(value, where)


def _pick(columns: list[str], words: tuple[str, ...]) -> str | None:
    folded = {normalize_word(c): c for c in columns}
    return next((folded[normalize_word(w)] for w in words if normalize_word(w) in folded), None)


def _read_table(path: Path, source_layer: str | None, encoding: str | None) -> gpd.GeoDataFrame:
    """Read a CSV/spreadsheet whose rows carry longitude and latitude columns."""
    # CSV: keep every column as text (coordinates are parsed below, with row numbers)
    csv_options = {"AUTODETECT_TYPE": "NO", "X_POSSIBLE_NAMES": "", "Y_POSSIBLE_NAMES": ""}
    frame = pyogrio.read_dataframe(
        path, layer=source_layer, read_geometry=False, encoding=encoding,
        **(csv_options if path.suffix.lower() in (".csv", ".txt") else {}),
    )
    columns = [str(c) for c in frame.columns]
    lon_col, lat_col = _pick(columns, _LON_WORDS), _pick(columns, _LAT_WORDS)
    if lon_col is None or lat_col is None:
        raise UnreadableFile(
            f"{path.name}: no longitude/latitude columns (looked for lon/lng/longitude/x/经度 "
            f"and lat/latitude/y/纬度; columns are: {', '.join(columns)})"
        )
    lon = pd.to_numeric(frame[lon_col].astype("string").str.strip(), errors="coerce")
    lat = pd.to_numeric(frame[lat_col].astype("string").str.strip(), errors="coerce")
    bad = lon.isna() | lat.isna()
    if bad.any():
        problems = [
            Problem(path.name, f"#{i} (row {i + 2})", lon_col if pd.isna(lon.iloc[i]) else lat_col,
                    f"not a coordinate: {frame[lon_col].iloc[i]!r}, {frame[lat_col].iloc[i]!r}")
            for i in np.flatnonzero(bad.to_numpy())
        ]
        raise ImportRejected(path.name, problems)
    geoms = shapely.points(lon.to_numpy(float), lat.to_numpy(float))
    return gpd.GeoDataFrame(frame.drop(columns=[lon_col, lat_col]), geometry=geoms, crs=None)


def _prj_text(path: Path) -> str | None:
    """The text of a Shapefile's .prj (beside it, or in its zip), if it has one."""
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as zf:
            prj = [m for m in zf.namelist() if m.lower().endswith(".prj")]
            return zf.read(prj[0]).decode("utf-8", errors="replace") if prj else None
    sidecar = [p for p in path.parent.glob(path.stem + ".*") if p.suffix.lower() == ".prj"]
    return sidecar[0].read_text(encoding="utf-8", errors="replace") if sidecar else None


def read_source(
    path: Path,
    *,
    source_layer: str | None = None,
    encoding: str | None = None,
    drop_attributes: bool = False,
) -> gpd.GeoDataFrame:
    """Read one layer of a vector file or table as it is (no CRS change, no mapping).

    Raises
    ------
    UnreadableFile
        When the file is missing, of an unknown kind, truncated or unparseable.
    """
    if not path.exists():
        raise UnreadableFile(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix not in VECTOR_SUFFIXES | TABLE_SUFFIXES:
        raise UnreadableFile(
            f"{path.name}: unsupported file type {suffix!r}; use GeoPackage, Shapefile (.shp or "
            ".zip), GeoJSON, KML, DXF, CSV or XLSX"
        )
    if path.stat().st_size == 0:
        raise UnreadableFile(f"{path.name}: the file is empty")
    try:
        if suffix in TABLE_SUFFIXES:
            return _read_table(path, source_layer, encoding)
        gdal_path = _gdal_path(path, drop_attributes)
        if source_layer is None:
            names = [str(n) for n, _ in pyogrio.list_layers(gdal_path)]
            if len(names) > 1 and suffix not in (".dxf", ".kml", ".kmz"):
                raise UnreadableFile(
                    f"{path.name}: holds {len(names)} layers ({', '.join(names)}); "
                    "choose one with --source-layer"
                )
        if suffix == ".dxf":
            frame = _read_dxf(gdal_path, source_layer, encoding)
        else:
            frame = pyogrio.read_dataframe(gdal_path, layer=source_layer, encoding=encoding,
                                           on_invalid="ignore")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError,
            pyogrio.errors.FieldError, pyogrio.errors.GeometryError,
            pyogrio.errors.CRSError, UnicodeDecodeError, RuntimeError) as exc:
        raise UnreadableFile(f"{path.name}: cannot read ({str(exc).strip()})") from exc
    if not isinstance(frame, gpd.GeoDataFrame):
        raise UnreadableFile(f"{path.name}: has no geometry")
    if suffix == ".dxf":
        frame = _flatten_dxf(frame)
    if suffix in (".shp", ".zip") and frame.crs is None:
        prj = _prj_text(path)
        if prj:  # GDAL reads no CRS from a .prj it cannot use: say what the .prj holds
            usable_crs(prj, f"{path.name} (its .prj)")
    if suffix in (".geojson", ".json"):
        member = geojson_crs_member(path)
        if member is not None and "CRS84" not in member:
            # GDAL reads a crs member it knows; one it does not know must not become WGS84
            usable_crs(member, f"{path.name} (its crs member)")
    return frame


def _read_dxf(gdal_path: str, source_layer: str | None, encoding: str | None
              ) -> gpd.GeoDataFrame:
    """Read a DXF; its text encoding comes from the drawing's code page or ``encoding``."""
    if encoding is None:
        return pyogrio.read_dataframe(gdal_path, layer=source_layer)
    pyogrio.set_gdal_config_options({"DXF_ENCODING": encoding})
    try:
        return pyogrio.read_dataframe(gdal_path, layer=source_layer)
    finally:
        pyogrio.set_gdal_config_options({"DXF_ENCODING": None})


def _flatten_dxf(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Keep the DXF attributes a planner uses (layer, text) and drop CAD styling columns."""
    keep = [c for c in frame.columns if c in ("Layer", "Text", "EntityHandle") or c == "geometry"]
    out = frame[keep].rename(columns={"Layer": "cad_layer", "Text": "name",
                                      "EntityHandle": "id"})
    return gpd.GeoDataFrame(out, geometry="geometry", crs=frame.crs)


def to_wgs84_frame(
    frame: gpd.GeoDataFrame, *, name: str, crs: str | None, coords: CoordSystem,
    is_table: bool, report: ImportReport,
) -> gpd.GeoDataFrame:
    """Put the frame in EPSG:4326, correcting GCJ-02/BD-09 offsets when ``coords`` says so."""
    if crs is not None:
        target = parse_crs(crs, name)
        if frame.crs is not None and CRS.from_user_input(frame.crs) != target:
            report.notes.append(f"--crs {crs} overrides the file's CRS {frame.crs.to_string()}")
        frame = frame.set_crs(target, allow_override=True)
    elif frame.crs is not None:
        frame = frame.set_crs(usable_crs(frame.crs, name), allow_override=True)
    else:
        if not is_table:
            raise UnsupportedCRS(
                f"{name}: the file has no CRS (a Shapefile without .prj?); give it with "
                "--crs EPSG:N (e.g. EPSG:4490 for CGCS2000, EPSG:4527 for a Gauss–Krüger zone)"
            )
        frame = frame.set_crs(WGS84)
    if frame.crs.to_epsg() != WGS84:
        frame = frame.to_crs(WGS84)
    if coords != "wgs84":
        def shift(xy: np.ndarray) -> np.ndarray:
            lon, lat = to_wgs84(xy[:, 0], xy[:, 1], coords)
            return np.column_stack([lon, lat])

        frame = frame.set_geometry(shapely.transform(frame.geometry.values, shift))
        report.notes.append(f"coordinates converted from {coords} to WGS84")
    return frame


def import_file(
    path: Path,
    layer: str,
    *,
    source_layer: str | None = None,
    crs: str | None = None,
    coords: CoordSystem = "wgs84",
    field_map: Mapping[str, str] | None = None,
    values: ValueMap | None = None,
    encoding: str | None = None,
    drop_attributes: bool = False,
) -> tuple[gpd.GeoDataFrame, ImportReport]:
    """Read, re-project and normalise a file into canonical features of ``layer``.

    Returns
    -------
    (frame, report)
        Canonical features in EPSG:4326 and the import report (nothing written yet).

    Raises
    ------
    ImportRejected, UnreadableFile, UnsupportedCRS
        With the file, feature and field of every problem.
    """
    spec = layer_spec(layer)
    report = ImportReport(source=path.name)
    frame = read_source(path, source_layer=source_layer, encoding=encoding,
                        drop_attributes=drop_attributes)
    if len(frame) == 0:
        raise ImportRejected(path.name, [Problem(path.name, "-", "-", "the file has no features")])
    frame = to_wgs84_frame(frame, name=path.name, crs=crs, coords=coords,
                           is_table=path.suffix.lower() in TABLE_SUFFIXES, report=report)
    seen = [str(c) for c in frame.columns if c != frame.geometry.name]
    frame, fields = recognise_osm_columns(frame, spec, field_map, report)
    canonical = normalize(frame, spec, source=path.name, report=report,
                          field_map=fields, values=values)
    fallback_warning(canonical, spec, seen, report)
    return canonical, report
