"""Street-light coverage (路灯亮化): share of road length lit, unlit gaps, new lights.

A road point is lit when it lies within ``radius_m`` of a working light (lights outside
the village light its roads too); lengths are exact (:mod:`gis.linear`, no polygonised
circles). Gaps are the unlit stretches longer than ``min_gap_m``; new lights are spaced
along each gap so that every point of it is lit. Metres in the area's metric CRS; map
layers in EPSG:4326.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np

from gis.context import EXISTING, WITH_PLANNED, Context
from gis.linear import complement, substrings
from gis.measure import clip_lines, count_within, lit_lengths, share, sum_by_class, to_wgs84
from gis.params import LightingParams
from gis.results import Coverage, LightingFigures, LitFigures
from gis.siting import lights_for_gaps


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
    road_tab = sum_by_class(lit.road_length, village, cls, classes, n)
    lit_tab = sum_by_class(lit.lit_length, village, cls, classes, n)
    n_lights = count_within(lights, ctx.villages)
    figures = []
    for v in range(n):
        total, lit_total = float(road_tab[v].sum()), float(lit_tab[v].sum())
        figures.append({
            "road_length_m": round(total, 2),
            "lit_length_m": round(lit_total, 2),
            "lit_share": share(lit_total, total),
            "lights": int(n_lights[v]),
            "by_class": {
                c: {"road_length_m": round(float(road_tab[v, k]), 2),
                    "lit_length_m": round(float(lit_tab[v, k]), 2),
                    "lit_share": share(float(lit_tab[v, k]), float(road_tab[v, k]))}
                for k, c in enumerate(classes) if road_tab[v, k] > 0
            },
        })
    return figures, (pieces, lit)


def lighting_coverage(ctx: Context, params: LightingParams | None = None, *,
                      details: bool = True) -> list[Coverage[LightingFigures, LitFigures]]:
    """Street-light coverage of every village in ``ctx``.

    Parameters
    ----------
    ctx
        The villages and the store.
    params
        Reach (metres), road classes, shortest gap reported (metres), spacing of new
        lights, whether planned features count too (default: :meth:`LightingParams.defaults`).
    details
        Build the map layers (gaps, proposed lights); off for bulk runs.
    """
    params = params or LightingParams.defaults()
    params.check()
    radius, classes, min_gap = params.radius_m, params.classes, params.min_gap_m
    include_planned = params.include_planned
    spacing = params.light_spacing_m
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
            layers["unlit_gaps"] = to_wgs84(gpd.GeoDataFrame(
                {"class": pieces["class"].to_numpy()[gaps.line[mine]],
                 "length_m": np.round(gaps.length[mine], 2)},
                geometry=gap_lines[mine], crs=ctx.epsg))
            pick = gap_village[gap_of] == v
            layers["proposed_lights"] = to_wgs84(gpd.GeoDataFrame(
                {"status": "proposed"}, index=np.arange(int(pick.sum())),
                geometry=new_points[pick], crs=ctx.epsg))
        results.append(Coverage(
            ctx.area, int(row.id), str(row.name), params, LightingFigures(**figures),
            LitFigures(**after[v]) if include_planned else None, layers))
    return results
