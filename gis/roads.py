"""Drainage along the main roads (排水渠) and road hardening (道路硬化).

- drainage: main road length with a drainage line within ``offset_m`` alongside;
  covered vs open drainage length in the village;
- hardening: hardened share of road length by class; households whose building lies
  within ``reach_m`` of a hardened road (roads outside the village count too).

Metres in the area's metric CRS.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

from gis.context import EXISTING, WITH_PLANNED, Context
from gis.measure import (
    clip_lines,
    households_in_villages,
    near_lines_length,
    per_village,
    share,
    sum_by_class,
    within_euclidean,
)
from gis.params import DrainageParams, HardeningParams
from gis.results import Coverage, DrainageFigures, HardeningFigures
from layers.schema import ROAD_CLASSES


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
        "with_drainage_share": share(float(along[v]), float(main_len[v])),
        "drainage_length_m": round(float(cov_len[v] + open_len[v]), 2),
        "covered_length_m": round(float(cov_len[v]), 2),
        "open_length_m": round(float(open_len[v]), 2),
    } for v in range(n)]


def drainage_coverage(ctx: Context, params: DrainageParams | None = None
                      ) -> list[Coverage[DrainageFigures, DrainageFigures]]:
    """Main-road length with a drainage line alongside, and covered vs open drainage.

    Parameters
    ----------
    ctx
        The villages and the store.
    params
        Offset (metres), main road classes, whether planned features count too
        (default: :meth:`DrainageParams.defaults`).
    """
    params = params or DrainageParams.defaults()
    params.check()
    offset, classes, include_planned = params.offset_m, params.classes, params.include_planned
    before = _drainage_figures(ctx, EXISTING, offset, classes)
    after = _drainage_figures(ctx, WITH_PLANNED, offset, classes) if include_planned else []
    return [Coverage(ctx.area, int(row.id), str(row.name), params, DrainageFigures(**before[v]),
                     DrainageFigures(**after[v]) if include_planned else None)
            for v, row in enumerate(ctx.villages.itertuples())]


def _hardening_figures(ctx: Context, statuses: tuple[str, ...], reach_m: float
                       ) -> list[dict[str, Any]]:
    roads = ctx.layer("roads", statuses, margin_m=reach_m)
    pieces = clip_lines(roads, ctx.villages)
    n = len(ctx.villages)
    length = shapely.length(np.asarray(pieces.geometry.values))
    village, cls = pieces["village"].to_numpy(), pieces["class"].to_numpy()
    hard = (pieces["surface"] == "hardened").to_numpy()
    unknown = (pieces["surface"] == "unknown").to_numpy()
    total = sum_by_class(length, village, cls, ROAD_CLASSES, n)
    hardened = sum_by_class(length * hard, village, cls, ROAD_CLASSES, n)
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
        "hardened_share": share(float(hardened[v].sum()), float(total[v].sum())),
        "surface_unknown_length_m": round(float(unknown_len[v]), 2),
        "by_class": {c: {"road_length_m": round(float(total[v, k]), 2),
                         "hardened_length_m": round(float(hardened[v, k]), 2),
                         "hardened_share": share(float(hardened[v, k]), float(total[v, k]))}
                     for k, c in enumerate(ROAD_CLASSES) if total[v, k] > 0},
        "households": int(hh[v]),
        "households_near_hardened_road": int(hh_near[v]),
        "households_near_hardened_share": share(float(hh_near[v]), float(hh[v])),
    } for v in range(n)]


def road_hardening(ctx: Context, params: HardeningParams | None = None
                   ) -> list[Coverage[HardeningFigures, HardeningFigures]]:
    """Hardened share of road length by class; households within reach of a hardened road.

    Parameters
    ----------
    ctx
        The villages and the store.
    params
        Reach of a hardened road (metres; roads outside the village count too), whether
        planned features count too (default: :meth:`HardeningParams.defaults`).
    """
    params = params or HardeningParams.defaults()
    params.check()
    reach_m, include_planned = params.reach_m, params.include_planned
    before = _hardening_figures(ctx, EXISTING, reach_m)
    after = _hardening_figures(ctx, WITH_PLANNED, reach_m) if include_planned else []
    return [Coverage(ctx.area, int(row.id), str(row.name), params,
                     HardeningFigures(**before[v]),
                     HardeningFigures(**after[v]) if include_planned else None)
            for v, row in enumerate(ctx.villages.itertuples())]
