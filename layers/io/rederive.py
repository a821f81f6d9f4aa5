"""When and how an area's villages are derived from its buildings, inside a load's transaction.

After a load that wrote buildings, places, roads or villages, :func:`settle_area`
looks at the area as the transaction now sees it:

- it has villages from a real source (official boundaries, a file of villages, or
  territories derived from place points by ``vgis load osm``): the territories derived
  from buildings, if any, are removed;
- otherwise its existing buildings are clustered by the rule of
  :mod:`layers.io.settlements` and the territories are written as the villages of the
  source :data:`DERIVED_SOURCE` (``boundary_source = derived_buildings``), replacing
  the earlier ones; when they come out exactly as they are stored, nothing is rewritten
  (the villages keep their ids).

Plans find their village by id, or by name once the id is gone (:mod:`layers.plans`).
A re-derive gives a settlement a plan is made for the plan's name when its new
territory holds the old one's point (:func:`keep_planned_names`). A change that would
still leave a plan's village, derived from buildings, with neither id nor name is
refused (:class:`~layers.errors.Conflict`): the whole load is rolled back and the
message names the plans. Plans are never deleted or orphaned by a load.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from sqlalchemy import Connection, text

from layers.errors import Conflict, UnknownVillage, VgisError
from layers.io.normalize import normalize
from layers.io.osm import metric_crs
from layers.io.settlements import RULE, Settlements, derive_settlements
from layers.models import layer_tables, loads
from layers.plans import PLAN_COLUMNS, Plan, current_village, plan_of_row
from layers.report import ImportReport
from layers.schema import LAYERS, WGS84
from layers.store import copy_rows, lock_source

DERIVED_SOURCE = "derived from buildings"
"""The source name of villages derived from buildings (no load may take it)."""
DERIVED_KIND = "derived"
"""The ``loads.kind`` of a derivation."""
BOUNDARY_SOURCE = "derived_buildings"
TRIGGERS = frozenset({"buildings", "places", "roads", "villages"})
"""Layers whose load can change the derived villages (what they are made and named of)."""
_RULE_TEXT = (f"single linkage at {RULE.link_m:g} m, clusters of ≥ {RULE.min_buildings} "
              f"buildings, Voronoi cells clipped to the hull + {RULE.grow_m:g} m")


def check_source_name(source: str) -> None:
    """Refuse a load under the name the derived villages are kept under."""
    if source == DERIVED_SOURCE:
        raise VgisError(f"{source!r} is the name of the villages derived from buildings; "
                        "give the source another name")


def _read(conn: Connection, sql: str, params: dict[str, Any]) -> gpd.GeoDataFrame:
    """Rows of ``sql`` (last column ``wkb``: EPSG:4326 WKB) as a frame, in this transaction."""
    result = conn.execute(text(sql), params)
    rows = result.all()
    columns = list(result.keys())
    data = {c: [r[i] for r in rows] for i, c in enumerate(columns[:-1])}
    geoms = shapely.from_wkb([bytes(r[-1]) for r in rows]) if rows else []
    return gpd.GeoDataFrame(data, geometry=geoms, crs=WGS84)


def _metric(conn: Connection, area: str, lonlat_bounds: tuple[float, ...]) -> int:
    """The area's configured metric CRS, else the UTM zone of the buildings' centre."""
    configured = conn.execute(text("SELECT metric_epsg FROM areas WHERE name = :a"),
                              {"a": area}).scalar()
    if configured:
        return int(configured)
    x0, y0, x1, y1 = lonlat_bounds
    return metric_crs((x0 + x1) / 2, (y0 + y1) / 2)


def derive_area(conn: Connection, area: str) -> tuple[Settlements, gpd.GeoDataFrame, int, bool]:
    """The settlements of ``area``'s existing buildings, as this transaction sees them.

    Returns
    -------
    (settlements, buildings, epsg, residential_only)
        The settlements (metric CRS ``epsg``); the buildings clustered (metric CRS): the
        residential ones, or every building when the area has no residential building
        (``residential_only`` False).
    """
    buildings = _read(conn, "SELECT id, class, ST_AsBinary(geom) AS wkb FROM buildings "
                            "WHERE area = :a AND status = 'existing' ORDER BY id", {"a": area})
    residential = buildings[(buildings["class"] == "residential").to_numpy()]
    residential_only = not residential.empty or buildings.empty
    used = residential if residential_only else buildings
    if used.empty:
        return derive_settlements(np.empty(0, dtype=object), crs=WGS84), used, WGS84, True
    bounds = tuple(float(v) for v in used.total_bounds)
    epsg = _metric(conn, area, bounds)
    # every place and road that may name a settlement: within place_m of the extent
    reach = max(RULE.place_m, RULE.road_m) * 1.1
    dlat = reach / 110_574.0
    dlon = reach / (111_320.0 * max(np.cos(np.radians(max(abs(bounds[1]), abs(bounds[3])))),
                                    0.01))
    box = {"a": area, "x0": bounds[0] - dlon, "y0": bounds[1] - dlat,
           "x1": bounds[2] + dlon, "y1": bounds[3] + dlat}
    named = ("WHERE area = :a AND status = 'existing' AND NULLIF(btrim(name), '') IS NOT NULL "
             "AND geom && ST_MakeEnvelope(:x0, :y0, :x1, :y1, 4326) ORDER BY id")
    places = _read(conn, f"SELECT name, ST_AsBinary(geom) AS wkb FROM places {named}", box)
    roads = _read(conn, f"SELECT name, ST_AsBinary(geom) AS wkb FROM roads {named}", box)
    metric = used.to_crs(epsg)
    centroids = shapely.centroid(np.asarray(metric.geometry.values))
    found = derive_settlements(centroids, places=places.to_crs(epsg), roads=roads.to_crs(epsg),
                               crs=epsg)
    return found, metric, epsg, residential_only


def _villages_frame(found: Settlements) -> gpd.GeoDataFrame:
    """The territories as canonical villages (EPSG:4326)."""
    t = found.territories
    frame = gpd.GeoDataFrame({
        "name": t["name"].to_numpy(),
        "source_id": [f"settlement-{int(k)}" for k in t["rank"]],
        "boundary_source": BOUNDARY_SOURCE,
        "attrs": [json.dumps({"derived_from": "buildings", "buildings": int(n),
                              "rank": int(k), "named_after": str(a), "rule": _RULE_TEXT},
                             ensure_ascii=False)
                  for n, k, a in zip(t["buildings"], t["rank"], t["named_after"], strict=True)],
    }, geometry=t.geometry.values, crs=t.crs).to_crs(WGS84)
    return normalize(frame, LAYERS["villages"], source=DERIVED_SOURCE,
                     report=ImportReport(source=DERIVED_SOURCE))


def _digest(frame: gpd.GeoDataFrame) -> str:
    """SHA-256 of the derived villages' names and geometries (what a re-derive compares)."""
    digest = hashlib.sha256(_RULE_TEXT.encode())
    for name, wkb in zip(frame["name"], shapely.to_wkb(np.asarray(frame.geometry.values)),
                         strict=True):
        digest.update(str(name).encode() + b"\x1f" + wkb)
    return digest.hexdigest()


def planned_villages(conn: Connection, area: str, derived_ids: set[int]
                     ) -> list[tuple[Plan, int]]:
    """The plans of ``area`` made for one of ``derived_ids``, with that village's id now."""
    rows = conn.execute(text(f"SELECT {PLAN_COLUMNS} FROM plans WHERE area = :a AND "
                             "village_id IS NOT NULL ORDER BY id"), {"a": area}).all()
    found = []
    for plan in map(plan_of_row, rows):  # one step per plan
        try:
            village = current_village(conn, plan)
        except UnknownVillage:
            continue  # already without its village: no load changes anything for it
        if village is not None and village in derived_ids:
            found.append((plan, village))
    return found


def keep_planned_names(conn: Connection, planned: list[tuple[Plan, int]],
                       frame: gpd.GeoDataFrame) -> tuple[list[Plan], int]:
    """Give each plan's settlement, re-derived, the name the plan knows it by.

    A settlement a plan is made for is, after a re-derive, the new territory that holds
    the point on the surface of its old territory (``ST_PointOnSurface``); it takes the
    plan's village name (a road loaded later renames what was ``聚落 1``), and a new
    territory that had that name by the rule gets `` (2)`` …. ``frame`` (canonical
    villages, EPSG:4326) is changed in place.

    Returns
    -------
    (gone, renamed)
        The plans whose settlement is gone (no new territory holds its point, or it
        merged with another plan's settlement of another name), and how many new
        territories took a plan's name.
    """
    shapes = np.asarray(frame.geometry.values)
    claimed: dict[int, str] = {}
    gone = []
    for plan, village in planned:  # one step per plan
        wkb: bytes = conn.execute(text("SELECT ST_AsBinary(ST_PointOnSurface(geom)) FROM "
                                       "villages WHERE id = :v"), {"v": village}).scalar_one()
        hit = np.flatnonzero(shapely.contains(shapes, shapely.from_wkb(bytes(wkb))))
        if plan.village is None or len(hit) != 1 or claimed.get(
                int(hit[0]), plan.village) != plan.village:
            gone.append(plan)
            continue
        claimed[int(hit[0])] = plan.village
    names = [str(n) for n in frame["name"]]
    renamed = 0
    for k, name in claimed.items():
        if names[k] == name:
            continue
        renamed += 1
        for j in [j for j, n in enumerate(names) if n == name and j not in claimed]:
            names[j] = _free(name, names)
        names[k] = name
        attrs = json.loads(frame.at[k, "attrs"])
        frame.at[k, "attrs"] = json.dumps({**attrs, "named_after": "plan"}, ensure_ascii=False)
    frame["name"] = names
    return gone, renamed


def _free(name: str, names: list[str]) -> str:
    """``name (2)``, ``name (3)`` …: the first not in ``names``."""
    k = 2
    while f"{name} ({k})" in names:
        k += 1
    return f"{name} ({k})"


def guard_plans(lost: list[Plan]) -> None:
    """Refuse a change that would leave plans without their village (derived, going).

    Raises
    ------
    Conflict
        When ``lost`` is not empty; the message names each plan and its village.
    """
    if lost:
        named = "; ".join(f"plan {p.id} {p.name!r} (village {p.village!r})" for p in lost)
        raise Conflict(
            f"this load would take away villages derived from buildings that plans are made "
            f"for: {named}. Nothing was written. A plan keeps its village by id or by name "
            "(a re-derived settlement keeps the plan's name where its territory still is): "
            "load into another area (--area), or give the new data a village of that name")


def _derived_ids(conn: Connection, area: str) -> set[int]:
    return {int(r[0]) for r in conn.execute(text(
        "SELECT id FROM villages WHERE area = :a AND source = :s"),
        {"a": area, "s": DERIVED_SOURCE})}


def _log(conn: Connection, area: str, sha: str, count: int, notes: list[str],
         actor: str | None) -> None:
    conn.execute(loads.insert().values(
        area=area, source=DERIVED_SOURCE, kind=DERIVED_KIND, sha256=sha,
        counts={"villages": count}, report={"source": DERIVED_SOURCE, "notes": notes},
        actor=actor))


def _remove(conn: Connection, area: str) -> int:
    table = layer_tables["villages"]
    deleted = conn.execute(table.delete().where(table.c.area == area,
                                                table.c.source == DERIVED_SOURCE)).rowcount
    return int(deleted or 0)


def settle_area(conn: Connection, report: ImportReport, *, area: str, source: str,
                layers: Iterable[str], actor: str | None = None) -> None:
    """Derive, re-derive or remove ``area``'s villages from buildings after a load.

    Parameters
    ----------
    conn
        The load's transaction (its features already written).
    report
        The load's report: receives what was derived (notes).
    area
        The area loaded.
    source
        The source loaded.
    layers
        The layers the load wrote; only buildings, places, roads and villages matter.
    actor
        Who loads it, kept in the derivation's load log.

    Raises
    ------
    Conflict
        When the change would leave a plan without its village (:func:`guard_plans`).
    """
    check_source_name(source)
    if not TRIGGERS & set(layers):
        return
    lock_source(conn, area, DERIVED_SOURCE)  # two loads into one area derive one at a time
    real: list[str] = list(conn.execute(text(
        "SELECT name FROM villages WHERE area = :a AND status = 'existing' AND source <> :s"),
        {"a": area, "s": DERIVED_SOURCE}).scalars())
    derived = _derived_ids(conn, area)
    if real:
        if derived:
            names = {str(n) for n in real}
            guard_plans([plan for plan, _ in planned_villages(conn, area, derived)
                         if plan.village not in names])
            removed = _remove(conn, area)
            note = (f"{removed} village territories derived from buildings removed: {area} has "
                    "villages of its own now")
            report.notes.append(note)
            _log(conn, area, hashlib.sha256(b"").hexdigest(), 0, [note], actor)
        return
    started = time.perf_counter()
    found, used, _, residential_only = derive_area(conn, area)
    frame = _villages_frame(found)
    planned = planned_villages(conn, area, derived) if derived else []
    lost, renamed = keep_planned_names(conn, planned, frame)
    seconds = time.perf_counter() - started
    notes = _notes(area, found, len(used), residential_only, seconds)
    if renamed:
        notes.append(f"{renamed} settlement(s) that plans are made for kept the name the "
                     "plans know them by (instead of the rule's)")
    sha = _digest(frame)
    last = conn.execute(text("SELECT sha256 FROM loads WHERE area = :a AND source = :s "
                             "ORDER BY id DESC LIMIT 1"), {"a": area, "s": DERIVED_SOURCE}).scalar()
    if not derived and frame.empty:
        report.notes.extend(notes)  # nothing derived before, nothing now: nothing to write
        return
    if last == sha and len(derived) == len(frame):
        report.notes.append(f"the {len(frame)} village territories derived from buildings "
                            "are unchanged (kept, with their ids)")
        return
    guard_plans(lost)
    _remove(conn, area)
    copy_rows(conn, "villages", frame, area, DERIVED_SOURCE)
    report.notes.extend(notes)
    _log(conn, area, sha, len(frame), notes, actor)


def _notes(area: str, found: Settlements, used: int, residential_only: bool,
           seconds: float) -> list[str]:
    """What the load report says about a derivation."""
    n = len(found.territories)
    what = "residential buildings" if residential_only else "buildings"
    if used == 0:
        return [f"{area} has no villages and no buildings yet: no village territory "
                "derived (the overview map draws the layers there are)"]
    notes = []
    if not residential_only:
        notes.append(f"{area} has no residential buildings: all {used} buildings were "
                     "clustered (households count residential buildings only, so these "
                     "territories count none)")
    if n == 0:
        notes.append(f"{area} has no villages, and its {used} {what} form no cluster of "
                     f"≥ {RULE.min_buildings} within {RULE.link_m:g} m: no village territory "
                     "derived")
        return notes
    clustered = int((found.settlement >= 0).sum())
    named = found.territories["named_after"].value_counts().to_dict()
    notes.append(
        f"{area} has no villages of its own: {n} village territories derived from "
        f"{clustered} of its {used} {what} ({_RULE_TEXT}; boundary_source {BOUNDARY_SOURCE}, "
        f"{seconds:.2f} s); {found.outside} building(s) outside any territory; named after "
        f"a place {named.get('place', 0)}, a road {named.get('road', 0)}, by size "
        f"{named.get('rank', 0)}")
    return notes
