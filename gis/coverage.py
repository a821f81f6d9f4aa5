"""Coverage of a village by its services, as the plans state them (design.md, Analysis).

- lighting: share of road length within reach of a working street light, per class,
  with the unlit gaps and new lights that close them;
- garbage (and any public facility): share of households whose building centroid is
  within the service radius of a point, euclidean or along the road network, with the
  unserved buildings and new collection points that reach a target share;
- drainage: main road length with a drainage line alongside; covered vs open channels;
- roads: hardened share by class, households within reach of a hardened road.

Every function analyses all villages of a :class:`~gis.context.Context` at once
(vectorised over features), reports existing features, and with ``include_planned``
the figures with planned features too (before/after). Distances are metres in the
area's metric CRS; map layers are returned in EPSG:4326.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from gis.context import EXISTING, WITH_PLANNED, Context
from gis.linear import complement, substrings
from gis.measure import (
    clip_lines,
    households_in_villages,
    lit_lengths,
    near_lines_length,
    per_village,
    within_euclidean,
)
from gis.network import network_distance
from gis.siting import greedy_max_coverage, lights_for_gaps
from layers.errors import VgisError
from layers.schema import WGS84

LIGHT_CLASSES: tuple[str, ...] = ("village", "alley", "township")
GARBAGE_CLASSES: tuple[str, ...] = ("bin", "collection_point", "transfer_station")
MAIN_ROAD_CLASSES: tuple[str, ...] = ("township", "village")
PERSONS_PER_HOUSEHOLD = 3.0  # used only when a village has no population figure
STANDARD_FACILITIES: tuple[str, ...] = (
    "meeting_room", "reception_room", "reading_room", "classroom",
    "service_station", "square", "notice_board",
)
Distance = Literal["euclidean", "network"]


@dataclass
class Coverage:
    """One village's coverage: the figures, before/after, and map-ready layers."""

    kind: str
    area: str
    village_id: int
    village: str
    params: dict[str, Any]
    figures: dict[str, Any]
    with_planned: dict[str, Any] | None = None
    layers: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)

    def as_dict(self, *, geometry: bool = False) -> dict[str, Any]:
        """JSON-ready form; with ``geometry`` the layers as GeoJSON FeatureCollections."""
        out: dict[str, Any] = {
            "kind": self.kind, "area": self.area, "village_id": self.village_id,
            "village": self.village, **self.params, **self.figures,
        }
        if self.with_planned is not None:
            out["with_planned"] = self.with_planned
        if geometry:
            out["layers"] = {k: _geojson(v) for k, v in self.layers.items()}
        return out


def _geojson(frame: gpd.GeoDataFrame) -> dict[str, Any]:
    import json

    return dict(json.loads(frame.to_json(drop_id=True)))


def _share(part: float, whole: float) -> float | None:
    return round(part / whole, 6) if whole > 0 else None


def _classes_ok(classes: Sequence[str], allowed: Sequence[str], what: str) -> tuple[str, ...]:
    bad = [c for c in classes if c not in allowed]
    if bad:
        raise VgisError(f"unknown {what} class(es) {', '.join(bad)}; use {', '.join(allowed)}")
    return tuple(classes)


def _to_wgs84(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return frame.to_crs(WGS84) if len(frame) else frame.set_crs(WGS84, allow_override=True)


# --- lighting -------------------------------------------------------------------------------

def _by_class(values: np.ndarray, village: np.ndarray, cls: np.ndarray,
              classes: tuple[str, ...], n: int) -> np.ndarray:
    """Sum ``values`` into an (n villages × classes) table."""
    code = pd.Categorical(cls, categories=list(classes)).codes.astype(np.int64)
    ok = code >= 0
    key = village[ok] * len(classes) + code[ok]
    return np.bincount(key, weights=values[ok], minlength=n * len(classes)).reshape(
        n, len(classes))


def _count_within(points: gpd.GeoDataFrame, villages: gpd.GeoDataFrame) -> np.ndarray:
    """Number of points inside each village."""
    if len(points) == 0:
        return np.zeros(len(villages), dtype=np.int64)
    v_idx, _ = shapely.STRtree(np.asarray(points.geometry.values)).query(
        np.asarray(villages.geometry.values), predicate="contains")
    return np.bincount(v_idx, minlength=len(villages))


def _lighting_figures(ctx: Context, statuses: tuple[str, ...], radius: float,
                      classes: tuple[str, ...]) -> tuple[list[dict[str, Any]], Any]:
    roads = ctx.layer("roads", statuses)
    roads = roads[roads["class"].isin(classes)]
    lights = ctx.layer("lights", statuses, margin_m=radius)
    pieces = clip_lines(roads, ctx.villages)
    lit = lit_lengths(pieces, lights, radius)
    n = len(ctx.villages)
    village = pieces["village"].to_numpy()
    cls = pieces["class"].to_numpy()
    road_tab = _by_class(lit.road_length, village, cls, classes, n)
    lit_tab = _by_class(lit.lit_length, village, cls, classes, n)
    n_lights = _count_within(lights, ctx.villages)
    figures = []
    for v in range(n):
        total, lit_total = float(road_tab[v].sum()), float(lit_tab[v].sum())
        figures.append({
            "road_length_m": round(total, 2),
            "lit_length_m": round(lit_total, 2),
            "lit_share": _share(lit_total, total),
            "lights": int(n_lights[v]),
            "by_class": {
                c: {"road_length_m": round(float(road_tab[v, k]), 2),
                    "lit_length_m": round(float(lit_tab[v, k]), 2),
                    "lit_share": _share(float(lit_tab[v, k]), float(road_tab[v, k]))}
                for k, c in enumerate(classes) if road_tab[v, k] > 0
            },
        })
    return figures, (pieces, lit)


def lighting_coverage(
    ctx: Context, *, radius: float = 15.0, classes: Sequence[str] = LIGHT_CLASSES,
    min_gap: float = 30.0, spacing: float | None = None, include_planned: bool = False,
    details: bool = True,
) -> list[Coverage]:
    """Street-light coverage of every village in ``ctx``.

    Parameters
    ----------
    ctx
        The villages and the store.
    radius
        Reach of a light, metres (a road point is lit when within ``radius`` of a working
        light; lights outside the village light its roads too).
    classes
        Road classes counted (default village, alley, township).
    min_gap
        Unlit stretches longer than this (metres) are reported as gaps and closed.
    spacing
        Spacing of proposed lights along a gap, metres (default 2 × radius).
    include_planned
        Also report the figures with planned lights and roads.
    details
        Build the map layers (gaps, proposed lights); off for bulk runs.
    """
    from layers.schema import ROAD_CLASSES

    classes = _classes_ok(classes, ROAD_CLASSES, "road")
    if radius < 0:
        raise VgisError("the reach of a light (--radius) must be 0 metres or more")
    spacing = spacing or 2 * radius
    before, (pieces, lit) = _lighting_figures(ctx, EXISTING, radius, classes)
    after = _lighting_figures(ctx, WITH_PLANNED, radius, classes)[0] if include_planned else []
    gaps = complement(lit.lit, lit.road_length, min_gap)
    piece_village = pieces["village"].to_numpy()
    gap_village = piece_village[gaps.line]
    n = len(ctx.villages)
    gap_count = np.bincount(gap_village, minlength=n)
    gap_length = np.bincount(gap_village, weights=gaps.length, minlength=n)
    per_gap = np.maximum(np.ceil(gaps.length / spacing - 1e-9), 1) if spacing > 0 else \
        np.zeros(len(gaps.line))
    new_count = np.bincount(gap_village, weights=per_gap, minlength=n)
    if details and spacing > 0:
        new_points, gap_of = lights_for_gaps(np.asarray(pieces.geometry.values), gaps, spacing)
        gap_lines = substrings(np.asarray(pieces.geometry.values), gaps)
    results = []
    for v, row in enumerate(ctx.villages.itertuples()):
        figures = before[v] | {
            "unlit_gaps": int(gap_count[v]),
            "unlit_gap_length_m": round(float(gap_length[v]), 2),
            "proposed_lights": int(new_count[v]),
        }
        layers: dict[str, gpd.GeoDataFrame] = {}
        if details and spacing > 0:
            mine = np.flatnonzero(gap_village == v)
            layers["unlit_gaps"] = _to_wgs84(gpd.GeoDataFrame(
                {"class": pieces["class"].to_numpy()[gaps.line[mine]],
                 "length_m": np.round(gaps.length[mine], 2)},
                geometry=gap_lines[mine], crs=ctx.epsg))
            pick = gap_village[gap_of] == v
            layers["proposed_lights"] = _to_wgs84(gpd.GeoDataFrame(
                {"status": "proposed"}, index=np.arange(int(pick.sum())),
                geometry=new_points[pick], crs=ctx.epsg))
        results.append(Coverage(
            "lights", ctx.area, int(row.id), str(row.name),
            {"radius_m": radius, "classes": list(classes), "min_gap_m": min_gap,
             "spacing_m": spacing},
            figures, after[v] if include_planned else None, layers))
    return results


# --- households served by points (garbage, facilities) ---------------------------------------

def _population(ctx: Context, households: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pop = ctx.villages["population"].to_numpy(dtype=float, na_value=np.nan)
    estimated = np.isnan(pop)
    return np.where(estimated, households * PERSONS_PER_HOUSEHOLD, pop), estimated


def _served(ctx: Context, statuses: tuple[str, ...], layer: str, classes: tuple[str, ...],
            radius: float, distance: Distance) -> tuple[Any, np.ndarray, gpd.GeoDataFrame]:
    buildings = ctx.layer("buildings", statuses)
    margin = radius if distance == "euclidean" else 3 * radius
    points = ctx.layer(layer, statuses, margin_m=margin)
    points = points[points["class"].isin(classes)]
    homes = households_in_villages(buildings, ctx.villages)
    targets = homes.centroid
    sources = shapely.centroid(np.asarray(points.geometry.values))
    if distance == "euclidean":
        served = within_euclidean(targets, sources, radius)
    else:
        roads = ctx.layer("roads", statuses, margin_m=margin)
        dist = network_distance(np.asarray(roads.geometry.values), sources, targets,
                                limit=radius + 50)
        served = dist <= radius
    return homes, served, points


def _road_sites(roads: np.ndarray, tree: shapely.STRtree, village: Any) -> np.ndarray:
    """Candidate sites for new points: every 20 m along the roads inside the village."""
    near = roads[tree.query(village, predicate="intersects")]
    inside = shapely.intersection(shapely.segmentize(near, 20.0), village)
    return np.asarray(shapely.get_parts(shapely.extract_unique_points(inside)))


def household_coverage(
    ctx: Context, *, layer: str = "garbage", classes: Sequence[str] = GARBAGE_CLASSES,
    radius: float = 70.0, distance: Distance = "euclidean", target_share: float = 0.95,
    include_planned: bool = False, details: bool = True,
) -> list[Coverage]:
    """Households within the service radius of a garbage point or facility, per village.

    Parameters
    ----------
    ctx
        The villages and the store.
    layer
        ``garbage`` or ``facilities``.
    classes
        Classes of points that serve (default: bin, collection_point, transfer_station).
    radius
        Service radius, metres (70 m for clustered housing, up to 200 m scattered).
    distance
        ``euclidean`` (straight line, default) or ``network`` (along the roads).
    target_share
        Share of households the proposed new points should reach.
    include_planned
        Also report the figures with planned points and buildings.
    details
        Build the map layers (unserved buildings, proposed points).
    """
    from layers.schema import LAYERS

    cls_field = LAYERS[layer].class_field
    assert cls_field is not None
    classes = _classes_ok(classes, cls_field.choices, layer)
    if radius < 0:
        raise VgisError("the service radius (--radius) must be 0 metres or more")
    homes, served, points = _served(ctx, EXISTING, layer, classes, radius, distance)
    n = len(ctx.villages)
    total = np.bincount(homes.village, weights=homes.households, minlength=n)
    got = np.bincount(homes.village, weights=homes.households * served, minlength=n)
    n_points = _count_within(points, ctx.villages)
    population, estimated = _population(ctx, total)
    after: list[dict[str, Any]] = []
    if include_planned:
        h2, s2, p2 = _served(ctx, WITH_PLANNED, layer, classes, radius, distance)
        t2 = np.bincount(h2.village, weights=h2.households, minlength=n)
        g2 = np.bincount(h2.village, weights=h2.households * s2, minlength=n)
        c2 = _count_within(p2, ctx.villages)
        after = [{"households": int(t2[v]), "served_households": int(g2[v]),
                  "served_share": _share(g2[v], t2[v]),
                  "unserved_households": int(t2[v] - g2[v]), "points": int(c2[v])}
                 for v in range(n)]
    buildings = ctx.layer("buildings", EXISTING)
    if details:
        road_geoms = np.asarray(ctx.layer("roads", EXISTING).geometry.values)
        road_tree = shapely.STRtree(road_geoms)
    results = []
    for v, row in enumerate(ctx.villages.itertuples()):
        figures: dict[str, Any] = {
            "households": int(total[v]), "served_households": int(got[v]),
            "served_share": _share(got[v], total[v]),
            "unserved_households": int(total[v] - got[v]),
            "points": int(n_points[v]),
            "population": round(float(population[v])), "population_estimated": bool(estimated[v]),
            "people_per_point": round(population[v] / n_points[v], 1) if n_points[v] else None,
        }
        if layer == "garbage":
            figures["cleaners_needed"] = [math.ceil(population[v] / 400),
                                          math.ceil(population[v] / 300)]
        layers: dict[str, gpd.GeoDataFrame] = {}
        if details:
            # new points are sited by straight-line reach, in network mode too (where
            # served_share_with_proposed is then an upper bound)
            unserved = (homes.village == v) & ~served
            need = target_share * total[v] - got[v]
            candidates = np.r_[
                _road_sites(road_geoms, road_tree, ctx.villages.geometry.values[v]),
                homes.centroid[unserved]]
            chosen, newly = greedy_max_coverage(candidates, homes.centroid[unserved],
                                                homes.households[unserved], radius, need)
            figures["proposed_points"] = len(chosen)
            figures["served_share_with_proposed"] = _share(
                got[v] + homes.households[unserved][newly].sum(), total[v])
            layers["proposed_points"] = _to_wgs84(gpd.GeoDataFrame(
                {"rank": np.arange(1, len(chosen) + 1)}, geometry=candidates[chosen],
                crs=ctx.epsg))
            rows = homes.building[unserved]
            layers["unserved_buildings"] = _to_wgs84(gpd.GeoDataFrame(
                {"id": buildings["id"].to_numpy()[rows],
                 "households": homes.households[unserved]},
                geometry=np.asarray(buildings.geometry.values)[rows], crs=ctx.epsg))
        results.append(Coverage(
            layer if layer == "garbage" else "facilities", ctx.area, int(row.id), str(row.name),
            {"radius_m": radius, "classes": list(classes), "distance": distance,
             "target_share": target_share},
            figures, after[v] if include_planned else None, layers))
    return results


# --- drainage and road hardening ----------------------------------------------------------

def _drainage_figures(ctx: Context, statuses: tuple[str, ...], offset: float,
                      classes: tuple[str, ...]) -> list[dict[str, Any]]:
    roads = ctx.layer("roads", statuses)
    main = clip_lines(roads[roads["class"].isin(classes)], ctx.villages)
    drains = ctx.layer("drainage", statuses, margin_m=offset)
    alongside = near_lines_length(main, drains, offset)
    n = len(ctx.villages)
    village = main["village"].to_numpy()
    main_len = per_village(shapely.length(np.asarray(main.geometry.values)), village, n)
    along = per_village(alongside, village, n)
    inside = clip_lines(drains, ctx.villages)
    d_len = shapely.length(np.asarray(inside.geometry.values))
    d_village = inside["village"].to_numpy()
    covered = inside["covered"].to_numpy(dtype=bool)
    cov_len = per_village(d_len * covered, d_village, n)
    open_len = per_village(d_len * ~covered, d_village, n)
    return [{
        "main_road_length_m": round(float(main_len[v]), 2),
        "with_drainage_length_m": round(float(along[v]), 2),
        "with_drainage_share": _share(float(along[v]), float(main_len[v])),
        "drainage_length_m": round(float(cov_len[v] + open_len[v]), 2),
        "covered_length_m": round(float(cov_len[v]), 2),
        "open_length_m": round(float(open_len[v]), 2),
    } for v in range(n)]


def drainage_coverage(
    ctx: Context, *, offset: float = 10.0, classes: Sequence[str] = MAIN_ROAD_CLASSES,
    include_planned: bool = False,
) -> list[Coverage]:
    """Main-road length with a drainage line alongside, and covered vs open drainage.

    Parameters
    ----------
    ctx
        The villages and the store.
    offset
        A road point has drainage alongside when a drainage line is within ``offset`` m.
    classes
        The main road classes (default township, village).
    include_planned
        Also report the figures with planned channels and roads.
    """
    from layers.schema import ROAD_CLASSES

    classes = _classes_ok(classes, ROAD_CLASSES, "road")
    before = _drainage_figures(ctx, EXISTING, offset, classes)
    after = _drainage_figures(ctx, WITH_PLANNED, offset, classes) if include_planned else []
    return [Coverage("drainage", ctx.area, int(row.id), str(row.name),
                     {"offset_m": offset, "classes": list(classes)}, before[v],
                     after[v] if include_planned else None)
            for v, row in enumerate(ctx.villages.itertuples())]


def _hardening_figures(ctx: Context, statuses: tuple[str, ...], reach_m: float
                       ) -> list[dict[str, Any]]:
    from layers.schema import ROAD_CLASSES

    roads = ctx.layer("roads", statuses, margin_m=reach_m)
    pieces = clip_lines(roads, ctx.villages)
    n = len(ctx.villages)
    length = shapely.length(np.asarray(pieces.geometry.values))
    village, cls = pieces["village"].to_numpy(), pieces["class"].to_numpy()
    hard = (pieces["surface"] == "hardened").to_numpy()
    unknown = (pieces["surface"] == "unknown").to_numpy()
    total = _by_class(length, village, cls, ROAD_CLASSES, n)
    hardened = _by_class(length * hard, village, cls, ROAD_CLASSES, n)
    unknown_len = per_village(length * unknown, village, n)
    homes = households_in_villages(ctx.layer("buildings", statuses), ctx.villages)
    hard_roads = np.asarray(roads.geometry.values)[(roads["surface"] == "hardened").to_numpy()]
    # the whole building (not only its centroid) within reach of a hardened road
    footprints = np.asarray(ctx.layer("buildings", statuses).geometry.values)[homes.building]
    near = within_euclidean(footprints, hard_roads, reach_m)
    hh = np.bincount(homes.village, weights=homes.households, minlength=n)
    hh_near = np.bincount(homes.village, weights=homes.households * near, minlength=n)
    return [{
        "road_length_m": round(float(total[v].sum()), 2),
        "hardened_length_m": round(float(hardened[v].sum()), 2),
        "hardened_share": _share(float(hardened[v].sum()), float(total[v].sum())),
        "surface_unknown_length_m": round(float(unknown_len[v]), 2),
        "by_class": {c: {"road_length_m": round(float(total[v, k]), 2),
                         "hardened_length_m": round(float(hardened[v, k]), 2),
                         "hardened_share": _share(float(hardened[v, k]), float(total[v, k]))}
                     for k, c in enumerate(ROAD_CLASSES) if total[v, k] > 0},
        "households": int(hh[v]),
        "households_near_hardened_road": int(hh_near[v]),
        "households_near_hardened_share": _share(float(hh_near[v]), float(hh[v])),
    } for v in range(n)]


def road_hardening(ctx: Context, *, reach_m: float = 50.0, include_planned: bool = False
                   ) -> list[Coverage]:
    """Hardened share of road length by class; households within reach of a hardened road.

    Parameters
    ----------
    ctx
        The villages and the store.
    reach_m
        A household is reached when its building lies within ``reach_m`` metres of a
        hardened road (roads outside the village count too).
    include_planned
        Also report the figures with planned roads and buildings.
    """
    before = _hardening_figures(ctx, EXISTING, reach_m)
    after = _hardening_figures(ctx, WITH_PLANNED, reach_m) if include_planned else []
    return [Coverage("roads", ctx.area, int(row.id), str(row.name), {"reach_m": reach_m},
                     before[v], after[v] if include_planned else None)
            for v, row in enumerate(ctx.villages.itertuples())]
