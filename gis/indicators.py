"""The indicators of the candidate ranking, each scored 0..1 for every village (NaN: no data).

Spatial indicators are measured here in planar metres in the area's metric CRS; the
others are read from the villages' attributes (``attrs``, as a survey spreadsheet
loaded with ``vgis load attrs`` fills them; the words are read by the importers'
:func:`layers.io.valuemaps.read_flag` and :func:`~layers.io.valuemaps.read_number`).
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
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from numpy.typing import NDArray
from rasterio.features import rasterize
from sqlalchemy import text

from gis.context import EXISTING, Context
from gis.params import DrainageParams
from gis.proximity import CorridorRow
from gis.roads import drainage_coverage
from gis.service import STANDARD_FACILITIES
from gis.terrain import Terrain, area_terrain
from layers.errors import VgisError
from layers.io.valuemaps import ATTRIBUTE_ALIASES, normalize_word, read_flag, read_number

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Indicator:
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


def present_layers(ctx: Context) -> set[str]:
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


def _from_rows(ctx: Context, rows: list[CorridorRow], key: str) -> FloatArray:
    """A number of the corridor rows for each village of ``ctx`` (NaN: none)."""
    by_id = {r.village_id: getattr(r, key) for r in rows}
    got = (by_id.get(int(i)) for i in ctx.villages["id"])
    return np.array([np.nan if v is None else float(v) for v in got], dtype=float)


def location_indicators(ctx: Context, rows: list[CorridorRow],
                        visibility: Mapping[int, float | None] | None,
                        present: set[str], p: Mapping[str, float],
                        visibility_note: str | None = None) -> list[Indicator]:
    """地理位置: corridor, visibility, county seat, township seat, agricultural zone.

    ``rows`` are the corridor rows of the villages (distances in metres), ``present``
    what :func:`present_layers` found, ``p`` the thresholds of the weights.
    """
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
        Indicator("location", "corridor", "m", d,
                   far(d, "corridor_full_m", "corridor_zero_m", ("trunk",)),
                   "the area has no trunk road or railway"),
        Indicator("location", "visibility", "share", seen, seen, why_seen),
        Indicator("location", "county_seat", "m", county,
                   far(county, "county_seat_full_m", "county_seat_zero_m",
                       ("county_seat", "zones:county_seat")),
                   "the area has no county seat (place or zone)"),
        Indicator("location", "township_seat", "m", town,
                   far(town, "township_seat_full_m", "township_seat_zero_m",
                       ("township_seat", "zones:township_seat")),
                   "the area has no township seat (town place or zone)"),
        Indicator("location", "agri_demo_zone", "m", agri,
                   (np.nan_to_num(agri, nan=np.inf) <= 0).astype(float) if has_agri else _nan(n),
                   "the area has no agri_demo_zone zones"),
    ]


def environment_indicators(ctx: Context, rows: list[CorridorRow], present: set[str],
                           p: Mapping[str, float]) -> list[Indicator]:
    """环境状况: slope (degrees), drainage along main roads, ecological redline, scenic."""
    n = len(ctx.villages)
    terrain = area_terrain(ctx.engine, ctx.area, ctx.epsg)
    slope = _nan(n) if terrain is None else village_slopes(ctx.villages, terrain)
    if "drainage" in present:
        covered = drainage_coverage(ctx, DrainageParams.defaults().updated(
            offset_m=p["drainage_offset_m"]))
        drained = np.array([np.nan if c.figures.with_drainage_share is None
                            else c.figures.with_drainage_share for c in covered], dtype=float)
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
        Indicator("environment", "slope", "deg", slope,
                   _ramp(slope, p["slope_good_deg"], p["slope_bad_deg"]),
                   "the area has no terrain model (DEM)" if terrain is None
                   else "no terrain cell centre lies in any village"),
        Indicator("environment", "drainage", "share", drained, drained,
                   "the area has no drainage features" if "drainage" not in present
                   else "no village has main roads (township or village class)"),
        Indicator("environment", "ecology", "share", redline, 1.0 - redline,
                   "the area has no ecological_redline zones"),
        Indicator("environment", "scenic", "m", scenic,
                   (np.nan_to_num(scenic, nan=np.inf) <= p["scenic_m"]).astype(float)
                   if has_scenic else _nan(n),
                   "the area has no scenic_area zones"),
    ]


def _points(raw: object) -> float | None:
    """A score from 0 to 100, or None."""
    value = read_number(raw)
    return value if value is not None and 0.0 <= value <= 100.0 else None


def _amount(raw: object) -> float | None:
    """An amount of 0 or more, or None."""
    value = read_number(raw)
    return value if value is not None and value >= 0.0 else None


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


def attribute_indicators(ctx: Context, warnings: list[str]) -> list[Indicator]:
    """文化底蕴, 产业发展, 干群基础 from the village attributes; bad values go to ``warnings``."""
    attrs, farmland, households = _village_records(ctx)
    labels = [f"{name} (id {int(vid)})" for name, vid in zip(ctx.villages["name"],
                                                              ctx.villages["id"], strict=True)]

    def read(name: str, parse: Callable[[object], float | None], what: str) -> FloatArray:
        out = _nan(len(attrs))
        for k, record in enumerate(attrs):
            raw = next((record[f] for f in map(normalize_word, ATTRIBUTE_ALIASES[name])
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
        keys = ATTRIBUTE_ALIASES[name]
        return f"no village has the attribute {keys[0]} ({keys[1]})"

    culture = read("culture_score", _points, "a score from 0 to 100")
    tradition = read("traditional_village", read_flag, "yes/no (是/否)")
    industry = read("industry_score", _points, "a score from 0 to 100")
    income = read("collective_income", _amount, "an amount in 10k yuan (0 or more)")
    cadre = read("cadre_score", _points, "a score from 0 to 100")
    with np.errstate(divide="ignore", invalid="ignore"):
        per_household = np.where(households > 0, farmland / households, np.nan)
    return [
        Indicator("culture", "culture_score", "points", culture, culture / 100.0,
                   absent("culture_score")),
        Indicator("culture", "traditional_village", "flag", tradition, tradition,
                   absent("traditional_village")),
        Indicator("industry", "industry_score", "points", industry, industry / 100.0,
                   absent("industry_score")),
        Indicator("industry", "collective_income", "10k yuan", income, _by_max(income),
                   absent("collective_income")),
        Indicator("industry", "farmland_per_household", "mu/household", per_household,
                   _by_max(per_household), "no village has both farmland_mu and households"),
        Indicator("cadre", "cadre_score", "points", cadre, cadre / 100.0, absent("cadre_score")),
    ]


def facility_indicator(ctx: Context, present: set[str]) -> Indicator:
    """干群基础: the share of the seven standard facilities (四室一站一场一栏) in the village."""
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
    return Indicator("cadre", "facilities", "share", share, share,
                      "the area has no facilities")
