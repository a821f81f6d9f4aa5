"""Plans in the store: a named set of planned features of one area (or village), journaled.

A plan (table ``plans``) belongs to an area and optionally one village; its features
(``plan_features``: lights, garbage points, drainage, roads, facilities, status
``planned``) are its own: the layers' tables are never changed by a plan, so existing
features stay as surveyed and several plans of a village are variants side by side.

This module reads plans and checks features for them; :mod:`layers.plan_edits` writes
them (every edit one transaction, journaled, undoable).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
from sqlalchemy import Connection, Engine, text

from layers.errors import Conflict, ImportRejected, UnknownPlan
from layers.models import PLAN_LAYERS
from layers.schema import WGS84, layer_spec
from layers.store import has_control

PLAN_REACH_M = 100.0
"""A planned feature lies within this of the plan's village (a light on the boundary
road, a bin at the entrance), metres (geodesic)."""
DIGITS = 15
PLAN_COLUMNS = ("id, area, village_id, village, name, note, author, created_at, updated_at, "
                 "version")


@dataclass(frozen=True)
class Plan:
    """A plan's record (times in UTC)."""

    id: int
    area: str
    village_id: int | None
    village: str | None
    name: str
    note: str
    author: str
    created_at: datetime
    updated_at: datetime
    version: int

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, times as ISO 8601."""
        out = asdict(self)
        out["created_at"] = self.created_at.isoformat()
        out["updated_at"] = self.updated_at.isoformat()
        return out


@dataclass(frozen=True)
class PlannedFeature:
    """One checked feature for a plan: layer, name, the layer's own fields, geometry."""

    layer: str
    name: str | None
    props: dict[str, Any]
    geom: Any  # shapely geometry, EPSG:4326


def check_version(plan: Plan, if_match: int | None) -> None:
    """Refuse an edit made on another version than the plan's (``If-Match``; None: any).

    Raises
    ------
    Conflict
        When the plan changed meanwhile (409).
    """
    if if_match is not None and if_match != plan.version:
        raise Conflict(f"plan {plan.id} is at version {plan.version}, not {if_match}: it "
                       "changed meanwhile; reload it and edit again")


def plan_of_row(row: Any) -> Plan:
    """A plan's record from a row of :data:`PLAN_COLUMNS`."""
    return Plan(int(row.id), str(row.area), None if row.village_id is None else
                int(row.village_id), row.village, str(row.name), str(row.note),
                str(row.author), row.created_at, row.updated_at, int(row.version))


def _jsonable(value: Any) -> Any:
    if pd.isna(value) if not isinstance(value, list | dict) else False:
        return None
    return value.item() if hasattr(value, "item") else value


def check_feature(feature: Mapping[str, Any], layer: str | None = None,
                  label: str = "feature") -> PlannedFeature:
    """A GeoJSON Feature checked as an import checks it, for a plan.

    The layer is ``layer`` or the feature's ``properties.layer``; the other properties
    are the layer's fields (``name``, ``class``, ``working`` ...), mapped and defaulted
    as on import. ``label`` names the feature in errors.

    Raises
    ------
    ImportRejected
        Naming the feature and the field that is wrong (422).
    """
    from layers.errors import Problem
    from layers.io.loader import geometry_of
    from layers.io.normalize import normalize
    from layers.report import ImportReport

    def reject(field: str, message: str) -> ImportRejected:
        return ImportRejected("plan", [Problem("plan", label, field, message)])

    props = feature.get("properties") if isinstance(feature, Mapping) else None
    props = dict(props) if isinstance(props, Mapping) else {}
    if not isinstance(feature, Mapping) or feature.get("type") != "Feature" or not isinstance(
            feature.get("geometry"), Mapping):
        raise reject("feature", "not a GeoJSON Feature with a geometry object")
    name = layer or props.pop("layer", None)
    props.pop("layer", None)
    props.pop("status", None)
    if name not in PLAN_LAYERS:
        raise reject("layer", f"a plan holds {', '.join(PLAN_LAYERS)}; got {str(name)[:40]!r}")
    try:
        geom = geometry_of(dict(feature["geometry"]))
    except (ValueError, TypeError, KeyError, OverflowError,
            shapely.errors.ShapelyError) as exc:
        raise reject("geometry", str(exc)[:200]) from None
    spec = layer_spec(str(name))
    text_of = props.get("name")
    if text_of is not None and (not isinstance(text_of, str) or len(text_of) > 200
                                or has_control(text_of)):
        raise reject("name", "a name is text of at most 200 printable characters")
    if spec.class_field is not None and props.get("class") in (None, ""):
        raise reject("class", f"say the class: {', '.join(spec.class_field.choices)}")
    kind = geom.geom_type
    if kind not in spec.geometry_types:
        raise reject("geometry", f"{name} are {' or '.join(spec.geometry_types)}, not {kind}")
    frame = gpd.GeoDataFrame([props], geometry=[geom], crs=WGS84)
    report = ImportReport(source="plan")
    out = normalize(frame, spec, source="plan", report=report)
    if report.mapped_to_fallback:  # a planner's own choice is exact: no "other" for a typo
        field = next(iter(report.mapped_to_fallback)).split("=")[0].split(":")[0]
        allowed = (spec.field(field) or spec.fields[0]).choices
        raise reject(field, f"{props.get(field)!r} is not one of {', '.join(allowed)}")
    row = out.iloc[0]
    own = {f.name: _jsonable(row[f.name]) for f in spec.fields}
    return PlannedFeature(str(name), _jsonable(row["name"]), own, out.geometry.iloc[0])


def feature_json(row: Any) -> dict[str, Any]:
    """A plan feature's row (:func:`feature_sql`) as a GeoJSON Feature."""
    return {"type": "Feature", "id": int(row.id), "geometry": json.loads(row.geojson),
            "properties": {"layer": row.layer, "name": row.name, "status": "planned",
                           **dict(row.props)}}


SHOWN_DIGITS = 7
"""Decimals of degrees in answers to clients (≈ 1 cm); the journal keeps :data:`DIGITS`."""


def feature_sql(digits: int = DIGITS) -> str:
    """The query of a plan's features (``:p``) with GeoJSON of ``digits`` decimals."""
    return (f"SELECT id, layer, name, props, ST_AsGeoJSON(geom, {digits}) AS geojson "
            "FROM plan_features WHERE plan_id = :p")


def one_feature(conn: Connection, plan_id: int, fid: int) -> dict[str, Any]:
    """Feature ``fid`` of the plan as GeoJSON (15 decimals); UnknownPlan when none."""
    row = conn.execute(text(feature_sql() + " AND id = :f"), {"p": plan_id, "f": fid}).first()
    if row is None:
        raise UnknownPlan(f"plan {plan_id} has no feature {fid}")
    return feature_json(row)


# --- plans ------------------------------------------------------------------------------

def get_plan(engine: Engine | Connection, plan_id: int) -> Plan:
    """The plan ``plan_id``.

    Raises
    ------
    UnknownPlan
        When there is none.
    """
    sql = text(f"SELECT {PLAN_COLUMNS} FROM plans WHERE id = :p")
    if isinstance(engine, Connection):
        row = engine.execute(sql, {"p": plan_id}).first()
    else:
        with engine.connect() as conn:
            row = conn.execute(sql, {"p": plan_id}).first()
    if row is None:
        raise UnknownPlan(f"no plan with id {plan_id}; GET /plans?area=A lists them")
    return plan_of_row(row)


def list_plans(engine: Engine, area: str | None = None) -> list[Plan]:
    """The plans of ``area`` (of every area when None), newest change first."""
    where, params = ("WHERE area = :a", {"a": area}) if area is not None else ("", {})
    with engine.connect() as conn:
        rows = conn.execute(text(f"SELECT {PLAN_COLUMNS} FROM plans {where} "
                                 "ORDER BY updated_at DESC, id DESC"), params).all()
    return [plan_of_row(r) for r in rows]


def plan_village(engine: Engine, plan: Plan) -> int | None:
    """The id of the plan's village now (found again by name after a reload), or None."""
    if plan.village_id is None:
        return None
    with engine.connect() as conn:
        return current_village(conn, plan)


def current_village(conn: Connection, plan: Plan) -> int | None:
    """The id of the plan's village now: by id, or by name after a reload of villages."""
    if plan.village_id is None:
        return None
    found = conn.execute(text(
        "SELECT id FROM villages WHERE area = :a AND status = 'existing' AND "
        "(id = :v OR (name = :n AND NOT EXISTS (SELECT 1 FROM villages WHERE id = :v))) "
        "ORDER BY id = :v DESC, id LIMIT 1"),
        {"a": plan.area, "v": plan.village_id, "n": plan.village}).scalar()
    if found is None:
        from layers.errors import UnknownVillage

        raise UnknownVillage(f"plan {plan.id}'s village {plan.village!r} is no longer in "
                             f"area {plan.area!r}")
    return int(found)


def features_collection(engine: Engine, plan_id: int) -> dict[str, Any]:
    """The plan's features as a GeoJSON FeatureCollection (EPSG:4326)."""
    with engine.connect() as conn:
        get_plan(conn, plan_id)
        rows = conn.execute(text(feature_sql(SHOWN_DIGITS) + " ORDER BY id"),
                            {"p": plan_id}).all()
    return {"type": "FeatureCollection", "features": [feature_json(r) for r in rows]}


Frames = dict[str, gpd.GeoDataFrame]


def plan_snapshot(engine: Engine, plan_id: int) -> tuple[Plan, Frames]:
    """The plan and its features per layer, read in one snapshot (REPEATABLE READ).

    Each layer's frame has ``id``, ``name`` and the layer's own fields as columns,
    EPSG:4326; the version of the plan is the one these features are of.

    Raises
    ------
    UnknownPlan
        When there is no such plan.
    """
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        plan = get_plan(conn, plan_id)
        rows = conn.execute(text(
            "SELECT id, layer, name, props, ST_AsBinary(geom) AS wkb FROM plan_features "
            "WHERE plan_id = :p ORDER BY id"), {"p": plan_id}).all()
    table = pd.DataFrame.from_records(rows, columns=["id", "layer", "name", "props", "wkb"])
    out: Frames = {}
    for layer, part in table.groupby("layer", sort=True):
        spec = layer_spec(str(layer))
        own = pd.DataFrame.from_records(part["props"].tolist(), index=part.index)
        cols = {f.name: own[f.name].to_numpy() if f.name in own else None
                for f in spec.fields}
        out[str(layer)] = gpd.GeoDataFrame(
            {"id": part["id"].to_numpy(), "name": part["name"].to_numpy(), **cols},
            geometry=shapely.from_wkb(part["wkb"].to_numpy()), crs=WGS84)
    return plan, out


def plan_frames(engine: Engine, plan_id: int) -> Frames:
    """The plan's features per layer (:func:`plan_snapshot`)."""
    return plan_snapshot(engine, plan_id)[1]




def write_gpkg(engine: Engine, plan_id: int, path: Path) -> Path:
    """The plan's features as a GeoPackage at ``path``: one table per layer, EPSG:4326.

    Each table has the layer's canonical fields (``name``, ``class`` ...), ``status``
    ``planned`` and the plan's id and name, so the file loads back with ``vgis load file``.
    An empty plan writes a table ``plan`` with the plan's record only.
    """
    plan = get_plan(engine, plan_id)
    frames = plan_frames(engine, plan_id)
    path.unlink(missing_ok=True)
    if not frames:
        gpd.GeoDataFrame({"plan_id": [plan.id], "plan": [plan.name]},
                         geometry=[None], crs=WGS84).to_file(path, layer="plan", driver="GPKG")
    for layer, frame in frames.items():
        out = frame.drop(columns="id").assign(status="planned", plan_id=plan.id,
                                              plan=plan.name, feature_id=frame["id"])
        out.to_file(path, layer=layer, driver="GPKG")
    return path
