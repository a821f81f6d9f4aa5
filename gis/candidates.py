"""Candidate demonstration villages, ranked on the plans' five criteria (建成10个示范村).

The plans choose demonstration villages on 地理位置、环境状况、文化底蕴、产业发展、干群基础:
location, environment, culture, industry and cadre basis. Each criterion is scored 0..1
from indicators scored 0..1. Spatial indicators are measured here in planar metres in
the area's metric CRS; the others are read from the villages' attributes (``attrs``);
their definitions are in :mod:`gis.indicators`. Weights and thresholds (``params``)
come from ``gis/weights.toml``, which a planner's own TOML file may override
(:mod:`gis.weights`).

Scores, summing only available indicators and criteria of weight w > 0:

- criterion: s_c = Σ w_i·s_i / Σ w_i over its indicators; None when none is available;
- village: score = 100 · Σ w_c·s_c / Σ w_c (0..100, one decimal);
- completeness = Σ w_c (available criteria) / Σ w_c (all criteria);
- contribution of a criterion = 100 · w_c·s_c / Σ w_c (available): they add up to score.

Villages are ranked by score (as shown, one decimal) descending, then by completeness
descending, then by name.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, Field

from gis.context import Context
from gis.figures import area_corridor
from gis.indicators import (
    Indicator,
    attribute_indicators,
    environment_indicators,
    facility_indicator,
    location_indicators,
    present_layers,
)
from gis.params import RankingParams, VisibilityParams
from gis.proximity import SEAT_SEARCH_M, CorridorRow, corridor
from gis.terrain import area_terrain, require_terrain
from gis.visibility import corridor_visibility, visibility_params_dict
from gis.weights import CRITERIA, INDICATORS, Weights, check_weights

FloatArray = NDArray[np.float64]


class IndicatorScore(BaseModel):
    """One indicator of a candidate: what was measured or read, and its score."""

    value: float | bool | None = Field(description="the measured or attribute value, in "
                                                   "``unit``")
    unit: str = Field(description="m (metres), deg (degrees), share (0..1), points (0–100), "
                                  "flag, 10k yuan, mu/household")
    score: float = Field(description="its score, 0..1")
    weight: float = Field(description="its weight within the criterion")


class CriterionScore(BaseModel):
    """One of the five criteria of a candidate."""

    title_zh: str = Field(description="the plans' word for it (地理位置 …)")
    score: float | None = Field(description="weighted mean of its indicators with data, 0..1 "
                                            "(null: no data)")
    weight: float = Field(description="the criterion's weight")
    contribution: float | None = Field(description="points of the score it gives (they add up "
                                                   "to the score)")
    indicators: dict[str, IndicatorScore] = Field(description="the indicators with data")


class Candidate(BaseModel):
    """A demonstration-village candidate, its score explained."""

    rank: int = Field(description="1 for the best")
    village_id: int = Field(description="the village's id")
    village: str = Field(description="the village's name")
    score: float = Field(description="0..100, one decimal")
    completeness: float = Field(description="share of the criteria's weight that had data, "
                                            "0..1")
    criteria: dict[str, CriterionScore] = Field(description="location, environment, "
                                                           "culture, industry, cadre")
    missing: list[str] = Field(description="criterion.indicator without data for the village")
    explanation: str = Field(description="one sentence: strongest, weakest, missing")


class Ranking(BaseModel):
    """The ranking of an area's villages as demonstration-village candidates."""

    area: str = Field(description="the area's name")
    top: int = Field(description="how many candidates are listed")
    weights: dict[str, float] = Field(description="weights of the criteria")
    indicator_weights: dict[str, dict[str, float]] = Field(
        description="weights of the indicators within each criterion")
    params: dict[str, float] = Field(description="thresholds: *_m metres, *_deg degrees")
    missing_everywhere: list[str] = Field(description="what no village has data for, and why")
    warnings: list[str] = Field(description="attributes that could not be read")
    candidates: list[Candidate] = Field(description="the best ``top``, best first")
    ranked: int = Field(description="villages with a score")
    unscored: list[str] = Field(description="villages with no data at all")
    visibility: dict[str, float | int] | None = Field(
        default=None, description="the visibility parameters used and the number of "
                                  "observers (null: visibility not measured)")


@dataclass(frozen=True)
class _Scores:
    criteria: dict[str, FloatArray]  # criterion → score 0..1 (NaN: no data)
    counted: NDArray[np.bool_]  # villages × criteria: available and weighted
    score: FloatArray  # 0..100 (NaN: nothing to score on)
    completeness: FloatArray
    contribution: FloatArray  # villages × criteria, points of ``score``


def _score(indicators: list[Indicator], weights: Weights) -> _Scores:
    criteria: dict[str, FloatArray] = {}
    for crit in CRITERIA:
        mine = [i for i in indicators if i.criterion == crit]
        s = np.column_stack([i.score for i in mine])
        w = np.array([weights.indicators[crit][i.name] for i in mine])
        use = np.isfinite(s) & (w > 0)
        den = (use * w).sum(axis=1)
        num = np.where(use, s * w, 0.0).sum(axis=1)
        criteria[crit] = np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)
    s = np.column_stack(list(criteria.values()))
    w = np.array([weights.criteria[c] for c in CRITERIA])
    counted = np.isfinite(s) & (w > 0)
    den = (counted * w).sum(axis=1)
    safe = np.where(den > 0, den, 1.0)
    points = 100.0 * np.where(counted, s * w, 0.0) / safe[:, None]
    score = np.where(den > 0, points.sum(axis=1), np.nan)
    return _Scores(criteria, counted, score, den / w.sum(), points)


def _value(value: float, unit: str) -> float | bool | None:
    if not math.isfinite(value):
        return None
    if unit == "flag":
        return bool(value)
    return round(value, 1 if unit == "m" else 3)


def _listing(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _explain(name: str, score: float, criteria: dict[str, float], lacking: list[str],
             completeness: float) -> str:
    """One sentence: the strongest and weakest criteria, and those without data."""
    best = max(criteria.items(), key=lambda cs: cs[1])
    worst = min(criteria.items(), key=lambda cs: cs[1])
    if len(criteria) == 1:
        head = f"{name} scores {score:.1f} of 100 on {best[0]} alone ({best[1]:.2f})"
    else:
        head = (f"{name} scores {score:.1f} of 100, strongest on {best[0]} ({best[1]:.2f}) "
                f"and weakest on {worst[0]} ({worst[1]:.2f})")
    tail = (f"; no data for {_listing(lacking)} (completeness {completeness:.0%})" if lacking
            else "; every criterion has data")
    return f"{head}{tail}."


def _missing_everywhere(indicators: list[Indicator], criteria: dict[str, FloatArray]
                        ) -> list[str]:
    out = []
    for crit in CRITERIA:
        lacking = [i for i in indicators if i.criterion == crit and np.isnan(i.score).all()]
        if np.isnan(criteria[crit]).all():
            out.append(f"{crit}: no village has data ("
                       + "; ".join(f"{i.name}: {i.why}" for i in lacking) + ")")
        else:
            out.extend(f"{crit}.{i.name}: {i.why}" for i in lacking)
    return out


def rank_candidates(
    ctx: Context, *, weights: Weights | None = None, top: int | None = None,
    visibility: Mapping[int, float | None] | None = None,
    corridor_rows: list[CorridorRow] | None = None, visibility_note: str | None = None,
) -> Ranking:
    """Rank the villages of ``ctx`` as demonstration-village candidates (best first).

    Parameters
    ----------
    ctx
        The villages (metric CRS, metres) and the store.
    weights
        Weights and thresholds (default: ``gis/weights.toml``).
    top
        How many candidates to return (the plans build 10 demonstration villages).
    visibility
        Village id → share (0..1) of the village's built area visible from trunk roads
        and railways (``visible_share`` of :mod:`gis.visibility`); None when not computed.
        The indicator is missing for villages without a share (absent or None).
    corridor_rows
        The rows of :func:`gis.proximity.corridor` for ``ctx`` when the caller has them;
        otherwise computed (the default corridor), looking for lines and seats
        as far as the farthest ramp's 0 (farther ones score 0).
    visibility_note
        Why visibility is missing, when it is (reported in ``missing_everywhere``).

    Returns
    -------
    Ranking
        ``area``, ``top``, ``weights`` (of the criteria), ``indicator_weights``,
        ``params``, ``missing_everywhere`` (criteria and indicators no village has data
        for, with the reason), ``warnings`` (unreadable attributes), ``candidates`` (the
        best ``top``: rank, village_id, village, score 0..100, completeness 0..1,
        criteria with their indicators, missing indicators, explanation), ``ranked``
        (villages scored) and ``unscored`` (names of villages with no data at all).

    Raises
    ------
    VgisError
        On invalid weights, ``top`` below 1 or a visibility share outside 0..1.
    """
    weights = weights or Weights.load()
    check_weights(weights, "weights")
    top = RankingParams.defaults().updated(top=top).top
    p = weights.params
    reach = max(p["corridor_zero_m"], p["county_seat_zero_m"], p["township_seat_zero_m"])
    if corridor_rows is not None:
        rows = corridor_rows
    elif reach == SEAT_SEARCH_M:  # the corridor's own reach: `vgis figures` may keep it
        rows = area_corridor(ctx)
    else:
        rows = corridor(ctx, search_m=reach)
    present = present_layers(ctx)
    warnings: list[str] = []
    found = [*location_indicators(ctx, rows, visibility, present, weights.params,
                                  visibility_note),
             *environment_indicators(ctx, rows, present, weights.params),
             *attribute_indicators(ctx, warnings), facility_indicator(ctx, present)]
    indicators = [i for crit, names in INDICATORS.items() for name in names
                  for i in found if (i.criterion, i.name) == (crit, name)]
    scores = _score(indicators, weights)
    names = ["" if v is None else str(v) for v in ctx.villages["name"]]
    ids = [int(v) for v in ctx.villages["id"]]
    shown = np.round(scores.score, 1)
    order = sorted((k for k in range(len(ids)) if np.isfinite(shown[k])),
                   key=lambda k: (-shown[k], -scores.completeness[k], names[k], ids[k]))
    candidates = []
    for rank, k in enumerate(order[:top], start=1):
        criteria: dict[str, Any] = {}
        for j, crit in enumerate(CRITERIA):
            s = scores.criteria[crit][k]
            criteria[crit] = {
                "title_zh": CRITERIA[crit],
                "score": round(float(s), 3) if np.isfinite(s) else None,
                "weight": weights.criteria[crit],
                "contribution": round(float(scores.contribution[k, j]), 1)
                if scores.counted[k, j] else None,
                "indicators": {
                    i.name: {"value": _value(float(i.value[k]), i.unit), "unit": i.unit,
                             "score": round(float(i.score[k]), 3),
                             "weight": weights.indicators[crit][i.name]}
                    for i in indicators if i.criterion == crit and np.isfinite(i.score[k])},
            }
        counted = {c: float(scores.criteria[c][k]) for j, c in enumerate(CRITERIA)
                   if scores.counted[k, j]}
        lacking = [c for c in CRITERIA if criteria[c]["score"] is None]
        candidates.append({
            "rank": rank, "village_id": ids[k], "village": names[k],
            "score": float(shown[k]), "completeness": round(float(scores.completeness[k]), 3),
            "criteria": criteria,
            "missing": [f"{i.criterion}.{i.name}" for i in indicators if np.isnan(i.score[k])],
            "explanation": _explain(names[k], float(shown[k]), counted, lacking,
                                    float(scores.completeness[k])),
        })
    return Ranking.model_validate({
        "area": ctx.area, "top": top,
        "weights": dict(weights.criteria),
        "indicator_weights": {c: dict(w) for c, w in weights.indicators.items()},
        "params": dict(weights.params),
        "missing_everywhere": _missing_everywhere(indicators, scores.criteria),
        "warnings": warnings,
        "candidates": candidates,
        "ranked": len(order),
        "unscored": [names[k] for k in range(len(ids)) if not np.isfinite(shown[k])],
    })


def rank_area(
    ctx: Context, *, weights: Weights | None = None, ranking: RankingParams | None = None,
    params: VisibilityParams | None = None,
) -> Ranking:
    """:func:`rank_candidates` with the visibility indicator measured over the terrain.

    Parameters
    ----------
    ctx, weights
        As :func:`rank_candidates`.
    ranking
        How many candidates (``top``), and whether visibility is measured
        (``visible``: None when the area has a terrain model, else it is reported
        missing; True always, an error without terrain; False never).
    params
        Observer spacing and heights, target height, maximum distance (metres).

    Returns
    -------
    Ranking
        The ranking, with ``visibility``: the parameters used and the number of
        observers, or None when visibility was not measured.
    """
    ranking = ranking or RankingParams.defaults()
    visible = ranking.visible
    shares: dict[int, float | None] | None = None
    used: dict[str, Any] | None = None
    note: str | None = "left out (visible=false)"
    if visible is not False:
        # asked for explicitly: no terrain is an error; by default: reported missing
        terrain = (require_terrain(ctx.engine, ctx.area, ctx.epsg) if visible
                   else area_terrain(ctx.engine, ctx.area, ctx.epsg))
        note = "the area has no terrain model"
        if terrain is not None:
            vis = corridor_visibility(ctx, terrain, params=params)
            shares = {vid: v.visible_share for vid, v in vis.villages.items()}
            used = visibility_params_dict(vis.params, len(vis.observers))
            note = vis.extra.get("note") or "no building of the village lies on the terrain"
    result = rank_candidates(ctx, weights=weights, top=ranking.top, visibility=shares,
                             visibility_note=note)
    result.visibility = used
    return result
