"""Candidate demonstration villages, ranked on the plans' five criteria (建成10个示范村).

The plans choose demonstration villages on 地理位置、环境状况、文化底蕴、产业发展、干群基础:
location, environment, culture, industry and cadre basis. Each criterion is scored 0..1
from indicators scored 0..1. Spatial indicators are measured here in planar metres in
the area's metric CRS; the others are read from the villages' attributes (``attrs``).
Weights and thresholds (``params``) come from ``gis/weights.toml``; a planner's own
TOML file may override any of them.

Indicators, with ``ramp(x, a, b)`` = 1 for x ≤ a, 0 for x ≥ b, linear in between:

location (地理位置)
    corridor = ramp(d, corridor_full_m, corridor_zero_m), d the distance (m) from the
    village polygon to the nearest trunk road or railway (:func:`gis.proximity.corridor`;
    0 where they touch); visibility = the share (0..1) of the village's built area
    visible from those lines, as the caller gives it; county_seat = ramp(d,
    county_seat_full_m, county_seat_zero_m), d to the nearest county seat (place or
    zone); township_seat = ramp(d, township_seat_full_m, township_seat_zero_m), d to the
    nearest town place or township_seat zone; agri_demo_zone = 1 when the village lies in
    or touches an agri_demo_zone zone, else 0.
environment (环境状况)
    slope = ramp(s, slope_good_deg, slope_bad_deg), s the mean slope (degrees) of the
    terrain cells whose centre lies in the village (the DEM reprojected to the metric
    CRS, slope = atan |∇z| by central differences, as in the village profile);
    drainage = length of main village roads (township, village) with a drainage line
    within drainage_offset_m metres / their length (:func:`gis.coverage.drainage_coverage`);
    ecology = 1 − area(village ∩ ecological_redline zones) / area(village);
    scenic = 1 when a scenic_area zone lies within scenic_m metres, else 0.
culture (文化底蕴)
    culture_score = attrs culture_score (文化底蕴) / 100; traditional_village = 1 when attrs
    traditional_village (传统村落) says yes (true, 1, yes, 是), 0 when it says no.
industry (产业发展)
    industry_score = attrs industry_score (产业发展) / 100; collective_income = attrs
    collective_income (村集体收入, 10k yuan) / its maximum over the area's villages;
    farmland_per_household = (farmland_mu / households) / its maximum over the area.
cadre (干群基础)
    cadre_score = attrs cadre_score (干群基础) / 100; facilities = number of the seven
    standard facilities (四室一站一场一栏) in or touching the village / 7.

Missing data is reported, never scored 0. An indicator is missing for a village when no
visibility share is given for it; the area has no DEM, or no terrain cell centre lies in
the village (slope); the village has no main roads or the area no drainage (drainage);
the area has no zone of the class (agri_demo_zone, ecology, scenic) or no facilities;
no trunk line or seat was found near the villages (corridor, county_seat, township_seat);
the attribute is absent or unreadable (those are listed in ``warnings``).

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
import tomllib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from rasterio.features import rasterize
from sqlalchemy import text

from gis.context import EXISTING, Context
from gis.coverage import STANDARD_FACILITIES, drainage_coverage
from gis.proximity import corridor
from gis.terrain import Terrain, area_terrain, require_terrain
from gis.visibility import VisibilityParams, corridor_visibility, visibility_params_dict
from layers.errors import VgisError
from layers.valuemaps import BOOLEAN_WORDS, normalize_word

FloatArray = NDArray[np.float64]

CRITERIA: dict[str, str] = {
    "location": "地理位置", "environment": "环境状况", "culture": "文化底蕴",
    "industry": "产业发展", "cadre": "干群基础",
}
INDICATORS: dict[str, tuple[str, ...]] = {
    "location": ("corridor", "visibility", "county_seat", "township_seat", "agri_demo_zone"),
    "environment": ("slope", "drainage", "ecology", "scenic"),
    "culture": ("culture_score", "traditional_village"),
    "industry": ("industry_score", "collective_income", "farmland_per_household"),
    "cadre": ("cadre_score", "facilities"),
}
# each pair: (value scoring 1, value scoring 0) of a linear ramp
RAMPS: tuple[tuple[str, str], ...] = (
    ("corridor_full_m", "corridor_zero_m"), ("county_seat_full_m", "county_seat_zero_m"),
    ("township_seat_full_m", "township_seat_zero_m"), ("slope_good_deg", "slope_bad_deg"),
)
PARAMS: tuple[str, ...] = (*(k for pair in RAMPS for k in pair), "scenic_m", "drainage_offset_m")
# the keys a village's attributes may use (English, simplified and traditional Chinese)
ATTRIBUTE_KEYS: dict[str, tuple[str, ...]] = {
    "culture_score": ("culture_score", "文化底蕴", "文化底蘊"),
    "traditional_village": ("traditional_village", "传统村落", "傳統村落"),
    "industry_score": ("industry_score", "产业发展", "產業發展"),
    "collective_income": ("collective_income", "村集体收入", "村集體收入"),
    "cadre_score": ("cadre_score", "干群基础", "干群基礎", "幹群基礎"),
}


# --- weights --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Weights:
    """Weights of the criteria and of the indicators within each, and the thresholds.

    Attributes
    ----------
    criteria
        Criterion → weight (relative; 0 leaves the criterion out).
    indicators
        Criterion → indicator → weight within the criterion.
    params
        Thresholds: ``*_m`` in metres (planar, the area's metric CRS), ``*_deg`` in degrees.
    """

    criteria: dict[str, float]
    indicators: dict[str, dict[str, float]]
    params: dict[str, float]

    @classmethod
    def load(cls, path: str | Path | None = None) -> Weights:
        """The default weights, with the keys a planner's TOML file sets merged over them.

        Raises
        ------
        VgisError
            When the file cannot be read, or names an unknown criterion, indicator or
            parameter, or gives a negative or non-numeric value, all-zero weights or a
            ramp whose 1-end is not below its 0-end; the message names the file and key.
        """
        text_ = resources.files("gis").joinpath("weights.toml").read_text(encoding="utf-8")
        weights = _merge(None, tomllib.loads(text_), "gis/weights.toml")
        if path is None:
            return weights
        path = Path(path)
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise VgisError(f"{path}: cannot read the weights file: {exc.strerror}") from exc
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise VgisError(f"{path}: not a TOML file: {exc}") from exc
        return _merge(weights, table, str(path))

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any], source: str = "weights") -> Weights:
        """The default weights with ``table`` (the TOML file's structure) merged over them."""
        merged = _merge(cls.load(), table, source)
        _check(merged, source)
        return merged


def _bad(source: str, key: str, what: str) -> VgisError:
    return VgisError(f"{source}: {key}: {what}")


def _known(name: str, allowed: Collection[str], source: str, key: str, what: str) -> None:
    if name not in allowed:
        raise _bad(source, key, f"unknown {what}; use {', '.join(allowed)}")


MAX_VALUE = 1e9
"""Largest weight or threshold accepted (metres, degrees or a relative weight)."""


def _number(value: object, source: str, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _bad(source, key, f"must be a number, not {value!r}")
    number = float(value) if abs(value) <= MAX_VALUE else math.inf
    if not math.isfinite(number):
        raise _bad(source, key, f"must be a number up to {MAX_VALUE:g} (got {str(value)[:20]})")
    if number < 0:
        raise _bad(source, key, f"must not be negative (got {value})")
    return number


def _table(value: object, source: str, key: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _bad(source, key, "must be a table ([...] section)")
    return value


def _merge(base: Weights | None, table: Mapping[str, Any], source: str) -> Weights:
    """``base`` with the values of a parsed TOML ``table`` over it, checked."""
    criteria = dict(base.criteria) if base else {}
    indicators = {c: dict(base.indicators[c]) for c in CRITERIA} if base else {}
    params = dict(base.params) if base else {}
    for section, value in table.items():
        if section == "criteria":
            for name, w in _table(value, source, section).items():
                _known(name, CRITERIA, source, f"criteria.{name}", "criterion")
                criteria[name] = _number(w, source, f"criteria.{name}")
        elif section == "indicators":
            for crit, inner in _table(value, source, section).items():
                _known(crit, CRITERIA, source, f"indicators.{crit}", "criterion")
                for name, w in _table(inner, source, f"indicators.{crit}").items():
                    key = f"indicators.{crit}.{name}"
                    _known(name, INDICATORS[crit], source, key, f"indicator of {crit}")
                    indicators.setdefault(crit, {})[name] = _number(w, source, key)
        elif section == "params":
            for name, v in _table(value, source, section).items():
                _known(name, PARAMS, source, f"params.{name}", "parameter")
                params[name] = _number(v, source, f"params.{name}")
        else:
            raise _bad(source, section, "unknown section; use [criteria], "
                                        "[indicators.<criterion>] and [params]")
    weights = Weights(criteria, indicators, params)
    _check(weights, source)
    return weights


def _check(weights: Weights, source: str) -> None:
    """Every key present and known, no negative weight, no all-zero set, ramps in order."""
    if set(weights.criteria) != set(CRITERIA) or set(weights.indicators) != set(CRITERIA):
        raise _bad(source, "criteria", f"needs exactly {', '.join(CRITERIA)}")
    if set(weights.params) != set(PARAMS):
        raise _bad(source, "params", f"needs exactly {', '.join(PARAMS)}")
    for crit, names in INDICATORS.items():
        if set(weights.indicators[crit]) != set(names):
            raise _bad(source, f"indicators.{crit}", f"needs exactly {', '.join(names)}")
        for name, w in weights.indicators[crit].items():
            _number(w, source, f"indicators.{crit}.{name}")
        if not any(weights.indicators[crit].values()):
            raise _bad(source, f"indicators.{crit}", "all weights are 0; give one a weight")
    for name, w in weights.criteria.items():
        _number(w, source, f"criteria.{name}")
    if not any(weights.criteria.values()):
        raise _bad(source, "criteria", "all weights are 0; give one a weight")
    for name, v in weights.params.items():
        _number(v, source, f"params.{name}")
    for full, zero in RAMPS:
        if weights.params[full] >= weights.params[zero]:
            raise _bad(source, f"params.{full}", f"must be below params.{zero} "
                       f"({weights.params[full]} ≥ {weights.params[zero]})")


# --- indicators -----------------------------------------------------------------------------

@dataclass(frozen=True)
class _Indicator:
    """One indicator for every village: value, score 0..1 (NaN: missing), and why missing."""

    criterion: str
    name: str
    unit: str
    value: FloatArray
    score: FloatArray
    why: str  # said when no village has it


def _ramp(x: FloatArray, full: float, zero: float) -> FloatArray:
    """1 at or below ``full``, 0 at or above ``zero``, linear between (NaN stays NaN)."""
    return np.asarray(np.clip((zero - x) / (zero - full), 0.0, 1.0), dtype=float)


def _nan(n: int) -> FloatArray:
    return np.full(n, np.nan)


def village_slopes(villages: gpd.GeoDataFrame, terrain: Terrain) -> FloatArray:
    """Mean terrain slope (degrees) of each village, NaN where no cell centre lies in it.

    One pass for all villages: village rows are burnt into the terrain grid (a cell
    belongs to the village containing its centre; where villages overlap, to the later
    one) and the slopes summed per village. ``villages`` must be in the terrain's CRS
    (metres).
    """
    n = len(villages)
    shapes = [(geom, k + 1) for k, geom in enumerate(villages.geometry.values)
              if geom is not None and not geom.is_empty]
    if not shapes:
        return _nan(n)
    owner = rasterize(shapes, out_shape=terrain.elevation.shape, transform=terrain.transform,
                      fill=0, dtype="int32")
    dz_dy, dz_dx = np.gradient(terrain.elevation, terrain.cell)
    slope = np.degrees(np.arctan(np.hypot(dz_dx, dz_dy)))
    ok = (owner > 0) & np.isfinite(slope)
    total = np.bincount(owner[ok], weights=slope[ok], minlength=n + 1)[1:]
    cells = np.bincount(owner[ok], minlength=n + 1)[1:]
    return np.where(cells > 0, total / np.maximum(cells, 1), np.nan)


def _present(ctx: Context) -> set[str]:
    """Which optional layers the area has (one query).

    ``zones:<class>``, ``drainage``, ``facilities``, ``trunk`` (trunk roads or railways),
    ``county_seat`` and ``township_seat`` (places of those classes).
    """
    sql = text(
        "SELECT 'zones:' || class FROM zones WHERE area = :a AND status = 'existing' "
        "GROUP BY class UNION ALL "
        "SELECT 'drainage' WHERE EXISTS (SELECT 1 FROM drainage "
        "WHERE area = :a AND status = 'existing') UNION ALL "
        "SELECT 'facilities' WHERE EXISTS (SELECT 1 FROM facilities "
        "WHERE area = :a AND status = 'existing') UNION ALL "
        "SELECT 'trunk' WHERE EXISTS (SELECT 1 FROM roads WHERE area = :a "
        "AND status = 'existing' AND class IN ('expressway', 'national', 'provincial')) "
        "OR EXISTS (SELECT 1 FROM railways WHERE area = :a AND status = 'existing') UNION ALL "
        "SELECT 'county_seat' WHERE EXISTS (SELECT 1 FROM places WHERE area = :a "
        "AND status = 'existing' AND class = 'county_seat') UNION ALL "
        "SELECT 'township_seat' WHERE EXISTS (SELECT 1 FROM places WHERE area = :a "
        "AND status = 'existing' AND class = 'town')")
    with ctx.engine.connect() as conn:
        return {str(r[0]) for r in conn.execute(sql, {"a": ctx.area})}


def _from_rows(ctx: Context, rows: list[dict[str, Any]], key: str) -> FloatArray:
    """A number of the corridor rows for each village of ``ctx`` (NaN: none)."""
    by_id = {int(r["village_id"]): r.get(key) for r in rows}
    got = (by_id.get(int(i)) for i in ctx.villages["id"])
    return np.array([np.nan if v is None else float(v) for v in got], dtype=float)


def _location(ctx: Context, rows: list[dict[str, Any]],
              visibility: Mapping[int, float | None] | None,
              present: set[str], p: Mapping[str, float],
              visibility_note: str | None = None) -> list[_Indicator]:
    ids = ctx.villages["id"].to_numpy()
    n = len(ids)
    d = _from_rows(ctx, rows, "distance_m")
    county = _from_rows(ctx, rows, "county_seat_distance_m")
    town = _from_rows(ctx, rows, "township_seat_distance_m")
    agri = _from_rows(ctx, rows, "agri_demo_zone_distance_m")
    if visibility is None:
        seen = _nan(n)
        why_seen = visibility_note or "not computed (no visibility shares were given)"
    else:
        got = (visibility.get(int(i)) for i in ids)
        seen = np.array([np.nan if v is None else v for v in got], dtype=float)
        bad = ~np.isnan(seen) & ~((seen >= 0) & (seen <= 1))
        if bad.any():
            raise VgisError(f"visibility of village {int(ids[bad][0])} is {seen[bad][0]}; "
                            "give a share from 0 to 1")
        why_seen = visibility_note or "no visibility share was given for any village"
    has_agri = "zones:agri_demo_zone" in present

    def far(x: FloatArray, full: str, zero: str, kinds: tuple[str, ...]) -> FloatArray:
        # looked for out to the ramp's 0 (see rank_candidates): not found but present
        # in the area means farther than that, a score of 0 (not missing data)
        score = _ramp(x, p[full], p[zero])
        return np.where(np.isnan(x) & any(k in present for k in kinds), 0.0, score)

    return [
        _Indicator("location", "corridor", "m", d,
                   far(d, "corridor_full_m", "corridor_zero_m", ("trunk",)),
                   "the area has no trunk road or railway"),
        _Indicator("location", "visibility", "share", seen, seen, why_seen),
        _Indicator("location", "county_seat", "m", county,
                   far(county, "county_seat_full_m", "county_seat_zero_m",
                       ("county_seat", "zones:county_seat")),
                   "the area has no county seat (place or zone)"),
        _Indicator("location", "township_seat", "m", town,
                   far(town, "township_seat_full_m", "township_seat_zero_m",
                       ("township_seat", "zones:township_seat")),
                   "the area has no township seat (town place or zone)"),
        _Indicator("location", "agri_demo_zone", "m", agri,
                   (np.nan_to_num(agri, nan=np.inf) <= 0).astype(float) if has_agri else _nan(n),
                   "the area has no agri_demo_zone zones"),
    ]


def _environment(ctx: Context, rows: list[dict[str, Any]], present: set[str],
                 p: Mapping[str, float]) -> list[_Indicator]:
    n = len(ctx.villages)
    terrain = area_terrain(ctx.engine, ctx.area, ctx.epsg)
    slope = _nan(n) if terrain is None else village_slopes(ctx.villages, terrain)
    if "drainage" in present:
        covered = drainage_coverage(ctx, offset=p["drainage_offset_m"])
        drained = np.array([np.nan if c.figures["with_drainage_share"] is None
                            else c.figures["with_drainage_share"] for c in covered], dtype=float)
    else:
        drained = _nan(n)
    redline = _nan(n)
    if "zones:ecological_redline" in present:
        zones = ctx.layer("zones", EXISTING, classes=("ecological_redline",))
        geoms = np.asarray(ctx.villages.geometry.values)
        inside = shapely.area(shapely.intersection(
            geoms, shapely.union_all(np.asarray(zones.geometry.values))))
        redline = inside / np.maximum(shapely.area(geoms), 1e-9)
    scenic = _from_rows(ctx, rows, "scenic_area_distance_m")
    has_scenic = "zones:scenic_area" in present
    return [
        _Indicator("environment", "slope", "deg", slope,
                   _ramp(slope, p["slope_good_deg"], p["slope_bad_deg"]),
                   "the area has no terrain model (DEM)" if terrain is None
                   else "no terrain cell centre lies in any village"),
        _Indicator("environment", "drainage", "share", drained, drained,
                   "the area has no drainage features" if "drainage" not in present
                   else "no village has main roads (township or village class)"),
        _Indicator("environment", "ecology", "share", redline, 1.0 - redline,
                   "the area has no ecological_redline zones"),
        _Indicator("environment", "scenic", "m", scenic,
                   (np.nan_to_num(scenic, nan=np.inf) <= p["scenic_m"]).astype(float)
                   if has_scenic else _nan(n),
                   "the area has no scenic_area zones"),
    ]


def _as_number(raw: object) -> float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        value = float(raw)
    elif isinstance(raw, str):
        try:
            value = float(raw.strip())
        except ValueError:
            return None
    else:
        return None
    return value if math.isfinite(value) else None


def _points(raw: object) -> float | None:
    """A score from 0 to 100, or None."""
    value = _as_number(raw)
    return value if value is not None and 0.0 <= value <= 100.0 else None


def _amount(raw: object) -> float | None:
    """An amount of 0 or more, or None."""
    value = _as_number(raw)
    return value if value is not None and value >= 0.0 else None


def _flag(raw: object) -> float | None:
    """1.0 for yes (true, 1, yes, 是), 0.0 for no (false, 0, no, 否), else None."""
    if isinstance(raw, bool):
        return float(raw)
    if isinstance(raw, int | float):
        return float(raw) if raw in (0, 1) else None
    word = BOOLEAN_WORDS.get(normalize_word(raw))
    return None if word is None else float(word)


def _by_max(values: FloatArray) -> FloatArray:
    """``values`` / their maximum (NaN stays NaN; all 0 when the maximum is 0)."""
    known = values[np.isfinite(values)]
    top = float(known.max()) if known.size else 0.0
    return np.where(np.isnan(values), np.nan, values / top if top > 0 else 0.0)


def _village_records(ctx: Context) -> tuple[list[dict[str, Any]], FloatArray, FloatArray]:
    """Each village's attributes (keys folded), ``farmland_mu`` and ``households`` (NaN: none)."""
    ids = [int(i) for i in ctx.villages["id"]]
    with ctx.engine.connect() as conn:
        got = {int(r[0]): r for r in conn.execute(text(
            "SELECT id, attrs, farmland_mu, households FROM villages WHERE id = ANY(:ids)"),
            {"ids": ids})}
    attrs = [{normalize_word(k): v for k, v in (got[i][1] or {}).items()} for i in ids]

    def numbers(col: int) -> FloatArray:
        return np.array([np.nan if got[i][col] is None else float(got[i][col]) for i in ids])

    return attrs, numbers(2), numbers(3)


def _attribute_indicators(ctx: Context, warnings: list[str]) -> list[_Indicator]:
    attrs, farmland, households = _village_records(ctx)
    labels = [f"{name} (id {int(vid)})" for name, vid in zip(ctx.villages["name"],
                                                              ctx.villages["id"], strict=True)]

    def read(name: str, parse: Callable[[object], float | None], what: str) -> FloatArray:
        out = _nan(len(attrs))
        for k, record in enumerate(attrs):
            raw = next((record[f] for f in map(normalize_word, ATTRIBUTE_KEYS[name])
                        if record.get(f) not in (None, "")), None)
            if raw is None:
                continue
            value = parse(raw)
            if value is None:
                warnings.append(f"{labels[k]}: attribute {name} = {raw!r} is not {what}; "
                                "left out")
            else:
                out[k] = value
        return out

    def absent(name: str) -> str:
        keys = ATTRIBUTE_KEYS[name]
        return f"no village has the attribute {keys[0]} ({keys[1]})"

    culture = read("culture_score", _points, "a score from 0 to 100")
    tradition = read("traditional_village", _flag, "yes/no (是/否)")
    industry = read("industry_score", _points, "a score from 0 to 100")
    income = read("collective_income", _amount, "an amount in 10k yuan (0 or more)")
    cadre = read("cadre_score", _points, "a score from 0 to 100")
    with np.errstate(divide="ignore", invalid="ignore"):
        per_household = np.where(households > 0, farmland / households, np.nan)
    return [
        _Indicator("culture", "culture_score", "points", culture, culture / 100.0,
                   absent("culture_score")),
        _Indicator("culture", "traditional_village", "flag", tradition, tradition,
                   absent("traditional_village")),
        _Indicator("industry", "industry_score", "points", industry, industry / 100.0,
                   absent("industry_score")),
        _Indicator("industry", "collective_income", "10k yuan", income, _by_max(income),
                   absent("collective_income")),
        _Indicator("industry", "farmland_per_household", "mu/household", per_household,
                   _by_max(per_household), "no village has both farmland_mu and households"),
        _Indicator("cadre", "cadre_score", "points", cadre, cadre / 100.0, absent("cadre_score")),
    ]


def _facilities(ctx: Context, present: set[str]) -> _Indicator:
    n = len(ctx.villages)
    share = _nan(n)
    if "facilities" in present:
        found = ctx.layer("facilities", EXISTING, classes=STANDARD_FACILITIES)
        have = np.zeros((n, len(STANDARD_FACILITIES)), dtype=bool)
        if len(found):
            v_idx, f_idx = shapely.STRtree(np.asarray(found.geometry.values)).query(
                np.asarray(ctx.villages.geometry.values), predicate="intersects")
            kind = pd.Categorical(found["class"].to_numpy()[f_idx],
                                  categories=list(STANDARD_FACILITIES)).codes
            have[v_idx, kind] = True
        share = have.sum(axis=1) / len(STANDARD_FACILITIES)
    return _Indicator("cadre", "facilities", "share", share, share,
                      "the area has no facilities")


# --- ranking --------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Scores:
    criteria: dict[str, FloatArray]  # criterion → score 0..1 (NaN: no data)
    counted: NDArray[np.bool_]  # villages × criteria: available and weighted
    score: FloatArray  # 0..100 (NaN: nothing to score on)
    completeness: FloatArray
    contribution: FloatArray  # villages × criteria, points of ``score``


def _score(indicators: list[_Indicator], weights: Weights) -> _Scores:
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


def _missing_everywhere(indicators: list[_Indicator], criteria: dict[str, FloatArray]
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
    ctx: Context, *, weights: Weights | None = None, top: int = 10,
    visibility: Mapping[int, float | None] | None = None,
    corridor_rows: list[dict[str, Any]] | None = None, visibility_note: str | None = None,
) -> dict[str, Any]:
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
        otherwise computed (trunk roads and railways, 500 m), looking for lines and seats
        as far as the farthest ramp's 0 (farther ones score 0).
    visibility_note
        Why visibility is missing, when it is (reported in ``missing_everywhere``).

    Returns
    -------
    dict
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
    _check(weights, "weights")
    if top < 1:
        raise VgisError(f"top must be 1 or more (got {top})")
    p = weights.params
    reach = max(p["corridor_zero_m"], p["county_seat_zero_m"], p["township_seat_zero_m"])
    rows = corridor(ctx, search_m=reach) if corridor_rows is None else corridor_rows
    present = _present(ctx)
    warnings: list[str] = []
    found = [*_location(ctx, rows, visibility, present, weights.params, visibility_note),
             *_environment(ctx, rows, present, weights.params),
             *_attribute_indicators(ctx, warnings), _facilities(ctx, present)]
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
    return {
        "area": ctx.area, "top": top,
        "weights": dict(weights.criteria),
        "indicator_weights": {c: dict(w) for c, w in weights.indicators.items()},
        "params": dict(weights.params),
        "missing_everywhere": _missing_everywhere(indicators, scores.criteria),
        "warnings": warnings,
        "candidates": candidates,
        "ranked": len(order),
        "unscored": [names[k] for k in range(len(ids)) if not np.isfinite(shown[k])],
    }


def rank_area(
    ctx: Context, *, weights: Weights | None = None, top: int = 10,
    visible: bool | None = None, params: VisibilityParams | None = None,
) -> dict[str, Any]:
    """:func:`rank_candidates` with the visibility indicator measured over the terrain.

    Parameters
    ----------
    ctx, weights, top
        As :func:`rank_candidates`.
    visible
        None: measure visibility when the area has a terrain model (else it is reported
        missing); True: measure it (an error without terrain); False: leave it out.
    params
        Observer spacing and heights, target height, maximum distance (metres).

    Returns
    -------
    dict
        The ranking, with ``visibility``: the parameters used and the number of
        observers, or None when visibility was not measured.
    """
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
            shares = {vid: v["visible_share"] for vid, v in vis.villages.items()}
            used = visibility_params_dict(vis.params, len(vis.observers))
            note = vis.extra.get("note") or "no building of the village lies on the terrain"
    result = rank_candidates(ctx, weights=weights, top=top, visibility=shares,
                             visibility_note=note)
    result["visibility"] = used
    return result


CSV_COLUMNS: tuple[tuple[str, str], ...] = (
    ("rank", "排名"), ("village", "村庄"), ("village_id", "编号"), ("score", "得分"),
    ("completeness", "数据完整度"), ("location", "地理位置"), ("environment", "环境状况"),
    ("culture", "文化底蕴"), ("industry", "产业发展"), ("cadre", "干群基础"),
    ("missing", "缺少数据"), ("explanation", "说明"),
)


def ranking_csv(result: dict[str, Any]) -> str:
    """The ranking as CSV for a selection report: one row per candidate, bilingual header.

    Criterion columns hold the criterion's score 0..1 (empty without data). Written with
    a byte-order mark so that spreadsheet programs read the Chinese text as UTF-8.
    """
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([f"{zh} {en}" for en, zh in CSV_COLUMNS])
    for c in result["candidates"]:
        crit = {k: "" if v["score"] is None else f"{v['score']:.3f}"
                for k, v in c["criteria"].items()}
        writer.writerow([c["rank"], c["village"], c["village_id"], f"{c['score']:.1f}",
                         f"{c['completeness']:.2f}", *(crit[k] for k in CRITERIA),
                         "; ".join(c["missing"]), c["explanation"]])
    return "\ufeff" + buffer.getvalue()
