"""The three ways data enters the store: an OSM extract, a planner's file, a terrain model.

Each reads and checks everything first, then writes in one transaction
(:func:`layers.store.replace_source`), so a rejected import writes nothing; in the
same transaction an area without villages of its own gets them derived from its
buildings (:func:`layers.io.rederive.settle_area`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
import shapely.errors
import shapely.geometry
from sqlalchemy import Connection, Engine

from layers.credits import check_credit
from layers.io.chinacoords import CoordSystem
from layers.io.crs import check_collection_crs
from layers.io.dem import load_dem
from layers.io.files import import_file
from layers.io.osm import import_osm
from layers.io.rederive import settle_area
from layers.io.valuemaps import ValueMap, load_value_file
from layers.report import ImportReport
from layers.store import file_sha256, last_load_sha, replace_source

__all__ = ["SAMPLES", "default_area", "load_dem", "load_file", "load_osm", "load_samples"]


def default_area(path: Path) -> str:
    """Area name for a file loaded without ``--area``: its name without extensions."""
    return path.name.split(".")[0]


def _settle(area: str, source: str, layers: Iterable[str], actor: str | None
            ) -> Callable[[Connection, ImportReport], None]:
    """What every load runs in its transaction: villages derived from buildings, if due."""
    written = tuple(layers)

    def settle(conn: Connection, report: ImportReport) -> None:
        settle_area(conn, report, area=area, source=source, layers=written, actor=actor)

    return settle


def load_osm(
    engine: Engine, path: Path, area: str | None = None, *,
    progress: Callable[[int], None] | None = None, actor: str | None = None,
) -> ImportReport:
    """Import every layer of an OSM extract into ``area`` (default: the file's stem)."""
    frames, report = import_osm(path, progress=progress)
    area = area or default_area(path)
    return replace_source(engine, area=area, source=path.name,
                          sha256=file_sha256(path), kind="osm", frames=frames, report=report,
                          actor=actor, after=_settle(area, path.name, frames, actor))


def load_file(
    engine: Engine, path: Path, layer: str, area: str | None = None, *,
    source_layer: str | None = None, crs: str | None = None, coords: CoordSystem = "wgs84",
    field_map: Mapping[str, str] | None = None, values_file: Path | None = None,
    encoding: str | None = None, drop_attributes: bool = False, actor: str | None = None,
    credit: str | None = None,
) -> ImportReport:
    """Import one layer from a planner's file into ``area`` (default: the file's stem).

    A Shapefile without its ``.dbf`` is refused unless ``drop_attributes``; ``actor``
    (who loads it) is kept in the load log; ``credit`` (who the data comes from, e.g.
    "© OpenStreetMap contributors (ODbL 1.0)" for a file made from OSM) is printed on
    the area's maps and documents (:mod:`layers.credits`).
    """
    check_credit(credit)
    values = ValueMap(load_value_file(values_file) if values_file else None)
    frame, report = import_file(path, layer, source_layer=source_layer, crs=crs, coords=coords,
                                field_map=field_map, values=values, encoding=encoding,
                                drop_attributes=drop_attributes)
    report.credit = credit
    source = path.name if source_layer is None else f"{path.name}:{source_layer}"
    area = area or default_area(path)
    return replace_source(engine, area=area, source=source,
                          sha256=file_sha256(path), kind="file", frames={layer: frame},
                          report=report, actor=actor, after=_settle(area, source, [layer], actor))


@dataclass(frozen=True)
class Sample:
    """A bundled sample: an OSM extract and its terrain model, loaded into one area.

    ``synthetic`` are files of made-up features (``data/synthetic``, marked as such in
    ``data/README.md``) loaded as (file, layer); ``plan`` a saved plan (GeoJSON with a
    ``plan`` member: name, village, note) made once, when the area has no plan of its name.
    """

    area: str
    osm: str
    dem: str
    synthetic: tuple[tuple[str, str], ...] = ()
    plan: str = ""


SAMPLES: tuple[Sample, ...] = (
    Sample("north-bayreuth", "osm/north-bayreuth.osm.pbf", "dem/north-bayreuth_srtm3.tif"),
    Sample("lauf", "osm/lauf-200115.osm.pbf", "dem/lauf_srtm3.tif",
           (("synthetic/lauf-lights.gpkg", "lights"), ("synthetic/lauf-bins.gpkg", "garbage")),
           "synthetic/lauf-plan-2027.geojson"),
    Sample("helsinki", "osm/helsinki.osm.pbf", ""),
)
SAMPLE_AUTHOR = "samples"
"""Who the journal says made the sample plans."""


def load_samples(
    engine: Engine, data_dir: Path, *, force: bool = False,
    say: Callable[[str], None] = print, actor: str | None = None,
) -> None:
    """Load the bundled sample data; sources already loaded unchanged are skipped.

    ``actor`` (who loads them) is kept in the load log.
    """
    for sample in SAMPLES:
        osm = data_dir / sample.osm
        if force or last_load_sha(engine, sample.area, osm.name) != file_sha256(osm):
            report = load_osm(engine, osm, sample.area, actor=actor)
            say(f"{sample.area}: loaded {osm.name}: {sum(report.layer_counts.values())} features")
        else:
            say(f"{sample.area}: {osm.name} already loaded, unchanged")
        if sample.dem:
            dem = data_dir / sample.dem
            if force or last_load_sha(engine, sample.area, dem.name) != file_sha256(dem):
                load_dem(engine, dem, sample.area, actor=actor)
                say(f"{sample.area}: registered terrain {dem.name}")
        for file, layer in sample.synthetic:
            path = data_dir / file
            if force or last_load_sha(engine, sample.area, path.name) != file_sha256(path):
                report = load_file(engine, path, layer, sample.area, actor=actor)
                say(f"{sample.area}: loaded {path.name} (synthetic): "
                    f"{report.layer_counts.get(layer, 0)} {layer}")
        if sample.plan:
            made = load_sample_plan(engine, data_dir / sample.plan, sample.area)
            if made:
                say(f"{sample.area}: saved the sample plan {made}")


def load_sample_plan(engine: Engine, path: Path, area: str) -> str | None:
    """Save the plan of ``path`` in ``area`` unless a plan of its name is there; its name.

    The file is a GeoJSON FeatureCollection with a ``plan`` member (``name``,
    ``village``, ``note``) and features with ``properties.layer``; the plan is made and
    its features added as one edit by :data:`SAMPLE_AUTHOR`.
    """
    import json

    from layers.plan_edits import add_features, create_plan
    from layers.plans import check_feature, list_plans

    data = json.loads(path.read_text(encoding="utf-8"))
    meta = data["plan"]
    if any(p.name == meta["name"] for p in list_plans(engine, area)):
        return None
    from sqlalchemy import text

    with engine.connect() as conn:
        village = conn.execute(text(
            "SELECT id FROM villages WHERE area = :a AND name = :n AND status = 'existing' "
            "ORDER BY id LIMIT 1"), {"a": area, "n": meta["village"]}).scalar()
    if village is None:
        return None
    features = [check_feature(f, label=f"{path.name} #{i}")
                for i, f in enumerate(data["features"])]
    plan = create_plan(engine, area=area, village_id=int(village), name=meta["name"],
                       note=meta.get("note", ""), author=SAMPLE_AUTHOR)
    add_features(engine, plan.id, features, actor=SAMPLE_AUTHOR, action="propose")
    return f"{meta['name']!r} of {meta['village']} ({len(features)} features)"


GEOJSON_TYPES = ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon",
                 "MultiPolygon")


def geometry_of(geometry: dict[str, Any]) -> Any:
    """A shapely geometry from a GeoJSON geometry object, or ValueError saying what is wrong.

    Only the six simple GeoJSON types; a line needs two points or more and a polygon's
    rings four or more; coordinates must be numbers.
    """
    kind = geometry.get("type")
    if kind not in GEOJSON_TYPES:
        raise ValueError(f"geometry type {str(kind)[:40]!r} is not one of "
                         f"{', '.join(GEOJSON_TYPES)}")
    coords = geometry.get("coordinates")
    if not isinstance(coords, list) or not coords:
        raise ValueError("coordinates must be a non-empty list")
    numbers = np.asarray(_flatten(coords), dtype=float)  # ValueError for non-numbers
    if numbers.size == 0 or not np.isfinite(numbers).all():
        raise ValueError("coordinates must be finite numbers")
    if (kind == "LineString" and len(coords) < 2) or (kind == "MultiLineString" and any(
            not isinstance(part, list) or len(part) < 2 for part in coords)):
        raise ValueError("a line needs two points or more")
    shape = shapely.geometry.shape(geometry)
    if kind in ("LineString", "MultiLineString"):
        for line in shapely.get_parts(shape):
            if len(np.unique(shapely.get_coordinates(line), axis=0)) < 2:
                raise ValueError("a line needs two distinct points or more")
    return shape


def _flatten(value: Any) -> list[Any]:
    if isinstance(value, list):
        return [x for item in value for x in _flatten(item)]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"not a coordinate: {str(value)[:40]!r}")
    return [value]


def load_features(
    engine: Engine, collection: dict[str, object], layer: str, area: str, source: str,
    actor: str | None = None,
) -> ImportReport:
    """Import a GeoJSON FeatureCollection (EPSG:4326) into ``area`` as ``source``.

    The same checks and report as a file import; one transaction; any bad feature
    rejects the whole collection.
    """
    import hashlib
    import json

    import geopandas as gpd

    from layers.errors import ImportRejected, Problem
    from layers.io.normalize import normalize
    from layers.schema import layer_spec

    features = collection.get("features") if isinstance(collection, dict) else None
    if collection.get("type") != "FeatureCollection" or not isinstance(features, list):
        raise ImportRejected(source, [Problem(source, "-", "type",
                                              "expected a GeoJSON FeatureCollection")])
    if not features:
        raise ImportRejected(source, [Problem(source, "-", "features", "no features")])
    problems = []
    for i, f in enumerate(features):
        if not isinstance(f, dict) or f.get("type") != "Feature" or not isinstance(
                f.get("geometry"), dict) or not isinstance(f.get("properties", {}) or {}, dict):
            problems.append(Problem(source, f"#{i}", "feature",
                                    "not a GeoJSON Feature with a geometry object"))
    if problems:
        raise ImportRejected(source, problems)
    check_collection_crs(collection.get("crs"), source)
    geoms = []
    for i, f in enumerate(features):
        try:
            geoms.append(geometry_of(f["geometry"]))
        except (ValueError, TypeError, KeyError, AttributeError, IndexError,
                shapely.errors.ShapelyError) as exc:
            problems.append(Problem(source, f"#{i}", "geometry", str(exc)))
            geoms.append(None)
    if problems:
        raise ImportRejected(source, problems)
    frame = gpd.GeoDataFrame([f.get("properties") or {} for f in features],
                             geometry=geoms, crs=4326)
    report = ImportReport(source=source)
    canonical = normalize(frame, layer_spec(layer), source=source, report=report)
    digest = hashlib.sha256(json.dumps(collection, sort_keys=True, default=str).encode())
    return replace_source(engine, area=area, source=source, sha256=digest.hexdigest(),
                          kind="api", frames={layer: canonical}, report=report, actor=actor,
                          after=_settle(area, source, [layer], actor))
