"""Writing plans: every change one transaction, journaled, undoable.

Every edit

1. locks the plan's row and, when the client says which version it edited
   (``If-Match``), refuses with :class:`~layers.errors.Conflict` when the plan moved on;
2. checks every feature as an import does (:func:`layers.plans.check_feature`) and that
   it lies within :data:`layers.plans.PLAN_REACH_M` of the plan's village (of a village
   of the area for an area-wide plan);
3. writes the features, adds one to the plan's version and journals each feature
   before and after (``plan_journal``: who, when, GeoJSON with 15 decimals, exact for
   doubles of degrees).

An undo reverts the newest edit not yet undone, as a new edit (the journal keeps both),
so nothing is ever lost. Bad input writes nothing and leaves the journal as it was.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import shapely
from sqlalchemy import Connection, Engine, text

from layers.errors import Conflict, ImportRejected, UnknownArea, UnknownPlan, VgisError
from layers.plans import (
    DIGITS,
    PLAN_COLUMNS,
    PLAN_REACH_M,
    Plan,
    PlannedFeature,
    check_feature,
    check_version,
    current_village,
    get_plan,
    one_feature,
    plan_of_row,
)


def create_plan(engine: Engine, *, area: str, name: str, author: str,
                village_id: int | None = None, note: str = "") -> Plan:
    """A new, empty plan of ``area`` (of one village of it when ``village_id`` is given).

    Raises
    ------
    UnknownArea, UnknownVillage
        When the area has no data, or the village is not one of the area's.
    VgisError
        When the name is empty or longer than 200 characters.
    """
    with engine.begin() as conn:
        return _insert_plan(conn, area=area, name=name, author=author, village_id=village_id,
                            note=note)


def _insert_plan(conn: Connection, *, area: str, name: str, author: str,
                 village_id: int | None, note: str) -> Plan:
    from layers.errors import UnknownVillage
    from layers.store import check_area_name, has_control

    name, note = name.strip(), note or ""
    check_area_name(area)
    if not name or len(name) > 200 or has_control(name):
        raise VgisError("a plan's name is 1-200 printable characters")
    if len(note) > 10_000 or has_control(note, "\n\t"):
        raise VgisError("a plan's note is at most 10,000 printable characters")
    if conn.execute(text("SELECT 1 FROM areas WHERE name = :a"), {"a": area}).first() is None:
        raise UnknownArea(area)
    village = None
    if village_id is not None:
        village = conn.execute(text(
            "SELECT name FROM villages WHERE id = :v AND area = :a AND status = 'existing'"),
            {"v": village_id, "a": area}).first()
        if village is None:
            raise UnknownVillage(f"no village with id {village_id} in area {area!r}")
    row = conn.execute(text(
        "INSERT INTO plans (area, village_id, village, name, note, author) VALUES "
        f"(:a, :v, :vn, :n, :note, :who) RETURNING {PLAN_COLUMNS}"),
        {"a": area, "v": village_id, "vn": None if village is None else village[0],
         "n": name, "note": note, "who": author}).one()
    _journal(conn, int(row.id), 1, author, "create")
    return plan_of_row(row)


def _journal(conn: Connection, plan_id: int, version: int, actor: str, action: str,
             fid: int | None = None, layer: str | None = None,
             before: dict[str, Any] | None = None, after: dict[str, Any] | None = None
             ) -> None:
    conn.execute(text(
        "INSERT INTO plan_journal (plan_id, version, actor, action, feature_id, layer, "
        "before, after) VALUES (:p, :v, :who, :what, :f, :l, CAST(:b AS jsonb), "
        "CAST(:a AS jsonb))"),
        {"p": plan_id, "v": version, "who": actor, "what": action, "f": fid, "l": layer,
         "b": None if before is None else json.dumps(before),
         "a": None if after is None else json.dumps(after)})


def _begin_edit(conn: Connection, plan_id: int, if_match: int | None) -> tuple[Plan, int]:
    """Lock the plan, check the client's version; the plan and the version the edit makes."""
    row = conn.execute(text(f"SELECT {PLAN_COLUMNS} FROM plans WHERE id = :p FOR UPDATE"),
                       {"p": plan_id}).first()
    if row is None:
        raise UnknownPlan(f"no plan with id {plan_id}")
    plan = plan_of_row(row)
    check_version(plan, if_match)
    conn.execute(text("UPDATE plans SET version = version + 1, updated_at = now() "
                      "WHERE id = :p"), {"p": plan_id})
    return plan, plan.version + 1


def _check_inside(conn: Connection, plan: Plan, features: Sequence[PlannedFeature],
                  labels: Sequence[str]) -> None:
    village = current_village(conn, plan)
    outside: Sequence[Any] = conn.execute(text(
        "SELECT g.i FROM unnest(CAST(:wkb AS bytea[])) WITH ORDINALITY AS g(w, i) "
        "WHERE NOT EXISTS (SELECT 1 FROM villages v WHERE v.area = :a "
        "AND v.status = 'existing' AND (CAST(:v AS integer) IS NULL OR v.id = :v) "
        "AND ST_DWithin(v.geom::geography, ST_GeomFromWKB(g.w, 4326)::geography, :reach)) "
        "ORDER BY g.i"),
        {"wkb": [shapely.to_wkb(f.geom) for f in features], "a": plan.area, "v": village,
         "reach": PLAN_REACH_M}).scalars().all()
    if outside:
        from layers.errors import Problem

        where = (f"village {plan.village!r}" if village is not None
                 else f"any village of area {plan.area!r}")
        raise ImportRejected("plan", [Problem("plan", labels[int(i) - 1], "geometry",
                                              f"farther than {PLAN_REACH_M:g} m from {where}")
                                      for i in outside])


def _insert_all(conn: Connection, plan_id: int, features: Sequence[PlannedFeature]
                ) -> list[int]:
    """Insert the features in one statement; their new ids, in the features' order."""
    rows: Sequence[Any] = conn.execute(text(
        "INSERT INTO plan_features (plan_id, layer, name, props, geom) "
        "SELECT :p, t.l, t.n, CAST(t.pr AS jsonb), ST_GeomFromWKB(t.w, 4326) "
        "FROM unnest(CAST(:l AS text[]), CAST(:n AS text[]), CAST(:pr AS text[]), "
        "CAST(:w AS bytea[])) WITH ORDINALITY AS t(l, n, pr, w, i) ORDER BY t.i "
        "RETURNING id"),
        {"p": plan_id, "l": [f.layer for f in features], "n": [f.name for f in features],
         "pr": [json.dumps(f.props) for f in features],
         "w": [shapely.to_wkb(f.geom) for f in features]}).scalars().all()
    return sorted(int(r) for r in rows)  # ids are drawn in insertion order


def add_features(engine: Engine, plan_id: int, features: Sequence[PlannedFeature], *,
                 actor: str, if_match: int | None = None, action: str = "add"
                 ) -> tuple[int, list[int]]:
    """Add checked features to the plan as one edit; the new version and the features' ids.

    Raises
    ------
    UnknownPlan, Conflict, ImportRejected
        No such plan; a stale ``if_match``; a feature outside the plan's village.
    """
    if not features:
        raise VgisError("no features to add")
    with engine.begin() as conn:
        plan, version = _begin_edit(conn, plan_id, if_match)
        _check_inside(conn, plan, features, [f"#{i}" for i in range(len(features))])
        ids = _insert_all(conn, plan_id, features)
        _journal_added(conn, plan_id, version, actor, action, ids)
    return version, ids


def _journal_added(conn: Connection, plan_id: int, version: int, actor: str, action: str,
                   ids: Sequence[int] | None = None) -> None:
    """Journal the plan's features ``ids`` (None: all) as added, in one statement.

    Each row's after is the feature as :func:`layers.plans.one_feature` gives it.
    """
    conn.execute(text(
        "INSERT INTO plan_journal (plan_id, version, actor, action, feature_id, layer, "
        "after) SELECT :p, :v, :who, :what, f.id, f.layer, jsonb_build_object("
        "'type', 'Feature', 'id', f.id, 'geometry', "
        f"ST_AsGeoJSON(f.geom, {DIGITS})::jsonb, 'properties', jsonb_build_object("
        "'layer', f.layer, 'name', f.name, 'status', 'planned') || f.props) "
        "FROM plan_features f WHERE f.plan_id = :p "
        "AND (CAST(:ids AS integer[]) IS NULL OR f.id = ANY(:ids)) ORDER BY f.id"),
        {"p": plan_id, "v": version, "who": actor, "what": action,
         "ids": None if ids is None else list(ids)})


def update_feature(engine: Engine, plan_id: int, fid: int, *, actor: str,
                   geometry: Mapping[str, Any] | None = None,
                   properties: Mapping[str, Any] | None = None,
                   if_match: int | None = None) -> int:
    """Move a feature and/or change its fields (merged with the old ones); the new version.

    Raises
    ------
    UnknownPlan, Conflict, ImportRejected
        No such plan or feature; a stale ``if_match``; bad geometry or field, or outside.
    """
    if geometry is None and properties is None:
        raise VgisError("give a geometry and/or properties to change")
    with engine.begin() as conn:
        plan, version = _begin_edit(conn, plan_id, if_match)
        before = one_feature(conn, plan_id, fid)
        props = {**before["properties"], **(properties or {})}
        layer = str(before["properties"]["layer"])
        if props.get("layer") != layer:
            raise VgisError(f"a feature stays in its layer ({layer}); delete it and add anew")
        checked = check_feature({"type": "Feature", "properties": props,
                                 "geometry": geometry or before["geometry"]},
                                label=f"feature {fid}")
        _check_inside(conn, plan, [checked], [f"feature {fid}"])
        conn.execute(text(
            "UPDATE plan_features SET name = :n, props = CAST(:props AS jsonb), "
            "geom = ST_GeomFromWKB(:wkb, 4326) WHERE id = :f"),
            {"n": checked.name, "props": json.dumps(checked.props),
             "wkb": shapely.to_wkb(checked.geom), "f": fid})
        action = "move" if properties is None else "edit"
        _journal(conn, plan_id, version, actor, action, fid, layer, before,
                 one_feature(conn, plan_id, fid))
    return version


def delete_feature(engine: Engine, plan_id: int, fid: int, *, actor: str,
                   if_match: int | None = None) -> int:
    """Delete a feature of the plan (journaled, so an undo brings it back); the new version."""
    with engine.begin() as conn:
        _, version = _begin_edit(conn, plan_id, if_match)
        before = one_feature(conn, plan_id, fid)
        conn.execute(text("DELETE FROM plan_features WHERE id = :f"), {"f": fid})
        _journal(conn, plan_id, version, actor, "delete", fid,
                 str(before["properties"]["layer"]), before=before)
    return version


def undo(engine: Engine, plan_id: int, *, actor: str, if_match: int | None = None) -> int:
    """Revert the newest edit not yet undone, as a new edit; the new version.

    Raises
    ------
    Conflict
        When there is nothing to undo (or ``if_match`` is stale).
    """
    with engine.begin() as conn:
        _, version = _begin_edit(conn, plan_id, if_match)
        rows = conn.execute(text(
            "SELECT id, feature_id, layer, before, after, version FROM plan_journal "
            "WHERE plan_id = :p AND version = (SELECT max(version) FROM plan_journal "
            "WHERE plan_id = :p AND undone_in IS NULL AND action NOT IN "
            "('create', 'copy', 'undo')) ORDER BY id DESC"), {"p": plan_id}).all()
        if not rows:
            raise Conflict(f"plan {plan_id} has no edit to undo")
        for r in rows:
            fid = int(r.feature_id)
            if r.before is None:
                conn.execute(text("DELETE FROM plan_features WHERE id = :f"), {"f": fid})
            else:
                old = r.before
                props = {k: v for k, v in old["properties"].items()
                         if k not in ("layer", "name", "status")}
                params = {"f": fid, "p": plan_id, "l": r.layer,
                          "n": old["properties"].get("name"), "props": json.dumps(props),
                          "g": json.dumps(old["geometry"])}
                conn.execute(text(
                    "INSERT INTO plan_features (id, plan_id, layer, name, props, geom) VALUES "
                    "(:f, :p, :l, :n, CAST(:props AS jsonb), "
                    "ST_SetSRID(ST_GeomFromGeoJSON(:g), 4326)) ON CONFLICT (id) DO UPDATE SET "
                    "name = EXCLUDED.name, props = EXCLUDED.props, geom = EXCLUDED.geom"),
                    params)
            _journal(conn, plan_id, version, actor, "undo", fid, r.layer, r.after, r.before)
        conn.execute(text("UPDATE plan_journal SET undone_in = :v WHERE id = ANY(:ids)"),
                     {"v": version, "ids": [int(r.id) for r in rows]})
    return version


def history(engine: Engine, plan_id: int) -> list[dict[str, Any]]:
    """The plan's journal, oldest first: one entry per feature changed, with before/after."""
    with engine.connect() as conn:
        get_plan(conn, plan_id)
        rows = conn.execute(text(
            "SELECT version, at, actor, action, feature_id, layer, before, after, undone_in "
            "FROM plan_journal WHERE plan_id = :p ORDER BY id"), {"p": plan_id}).all()
    return [{"version": r.version, "at": r.at.isoformat(), "actor": r.actor,
             "action": r.action, "feature_id": r.feature_id, "layer": r.layer,
             "before": r.before, "after": r.after, "undone_in": r.undone_in} for r in rows]


def copy_plan(engine: Engine, plan_id: int, *, actor: str, name: str | None = None) -> Plan:
    """A new plan with the same village (found again after a reload) and features.

    One transaction, the source plan locked against edits while it is copied.
    """
    with engine.begin() as conn:
        row = conn.execute(text(f"SELECT {PLAN_COLUMNS} FROM plans WHERE id = :p FOR SHARE"),
                           {"p": plan_id}).first()
        if row is None:
            raise UnknownPlan(f"no plan with id {plan_id}")
        source = plan_of_row(row)
        new = _insert_plan(conn, area=source.area, village_id=current_village(conn, source),
                           author=actor, name=name or f"{source.name} (copy)"[:200],
                           note=source.note)
        conn.execute(text(
            "INSERT INTO plan_features (plan_id, layer, name, props, geom) SELECT :n, layer, "
            "name, props, geom FROM plan_features WHERE plan_id = :p ORDER BY id"),
            {"n": new.id, "p": plan_id})
        _journal_added(conn, new.id, 1, actor, "copy")
    return new
