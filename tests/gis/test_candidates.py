"""Candidate ranking: real north-bayreuth figures, a hand-built area, weights files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pyproj import Transformer
from sqlalchemy import Engine, text

from gis.candidates import rank_candidates as ranking_of
from gis.context import Context
from gis.indicators import village_slopes
from gis.profile import elevation
from gis.proximity import corridor
from gis.terrain import area_terrain
from gis.weights import CRITERIA, INDICATORS, Weights
from layers.errors import VgisError
from layers.io.loader import load_features
from tests.conftest import run_vgis


def rank_candidates(*args: Any, **kwargs: Any) -> dict[str, Any]:
    """The ranking as the faces give it (JSON-ready)."""
    return ranking_of(*args, **kwargs).model_dump()

NB = "north-bayreuth"
# measured on the bundled extract (derived villages, SRTM3 terrain), default weights
NB_TOP_TEN = [
    ("Bremermühle", 68.5), ("Harsdorf", 68.3), ("Schupfenschlag", 67.7),
    ("Neudrossenfeld", 66.5), ("Crottendorf", 65.7), ("Stöckig", 65.1), ("Waldau", 64.7),
    ("Unterkonnersreuth", 64.5), ("Unterwaiz", 64.1), ("Ruh", 63.7),
]


def _by_name(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["village"]: c for c in result["candidates"]}


# --- north-bayreuth -------------------------------------------------------------------------

def test_north_bayreuth_top_ten(samples: Engine) -> None:
    result = rank_candidates(Context.load(samples, NB))
    cands = result["candidates"]
    assert [(c["village"], c["score"]) for c in cands] == NB_TOP_TEN
    assert [c["rank"] for c in cands] == list(range(1, 11))
    assert result["ranked"] == 70
    assert result["unscored"] == []
    scores = [c["score"] for c in cands]
    assert scores == sorted(scores, reverse=True)
    assert all(0 <= s <= 100 for s in scores)
    top = cands[0]
    # only the spatial criteria have data; culture and industry weigh 0.35 of 1.0
    assert top["completeness"] == 0.65
    assert top["criteria"]["culture"]["score"] is None
    assert top["criteria"]["industry"]["score"] is None
    location = top["criteria"]["location"]
    assert location["indicators"]["corridor"] == {"value": 349.6, "unit": "m", "score": 1.0,
                                                  "weight": 0.35}
    environment = top["criteria"]["environment"]["indicators"]
    assert environment["slope"]["value"] == pytest.approx(2.813)  # it has a DEM
    assert environment["drainage"]["score"] == pytest.approx(0.386)
    assert top["criteria"]["cadre"]["indicators"]["facilities"]["score"] == 0.0
    # the contributions add up to the score
    assert sum(c["contribution"] for c in top["criteria"].values()
               if c["contribution"] is not None) == pytest.approx(top["score"], abs=0.15)
    assert all("slope" in c["criteria"]["environment"]["indicators"] for c in cands)
    missing = result["missing_everywhere"]
    assert any(m.startswith("culture: no village has data") and "culture_score" in m
               and "traditional_village" in m for m in missing)
    assert any(m.startswith("industry: no village has data") and "collective_income" in m
               for m in missing)
    assert "cadre.cadre_score: no village has the attribute cadre_score (干群基础)" in missing
    assert not any(m.startswith("environment.slope") for m in missing)
    assert {"culture.culture_score", "industry.farmland_per_household",
            "location.visibility"} <= set(top["missing"])
    assert top["explanation"] == (
        "Bremermühle scores 68.5 of 100, strongest on location (1.00) and weakest on cadre "
        "(0.00); no data for culture and industry (completeness 65%).")


def test_slope_agrees_with_the_village_profile(samples: Engine) -> None:
    ctx = Context.load(samples, NB)
    terrain = area_terrain(samples, NB, ctx.epsg)
    assert terrain is not None
    slopes = village_slopes(ctx.villages, terrain)
    for k in (0, 3, 44, 69):
        one = Context.load(samples, NB, village_id=int(ctx.villages["id"].iloc[k]))
        profile = elevation(one, one.villages.to_crs(4326).geometry.values[0])
        assert round(float(slopes[k]), 2) == profile["slope_mean_deg"]


def test_leaving_the_corridor_costs_location_points(samples: Engine) -> None:
    ctx = Context.load(samples, NB)
    rows = corridor(ctx)
    before = rank_candidates(ctx, corridor_rows=rows, top=70)
    first = before["candidates"][0]
    moved = [r.model_copy(update={"distance_m": 4000.0})
             if r.village_id == first["village_id"] else r for r in rows]
    after = rank_candidates(ctx, corridor_rows=moved, top=70)
    now = next(c for c in after["candidates"] if c["village_id"] == first["village_id"])
    assert now["criteria"]["location"]["indicators"]["corridor"]["score"] == pytest.approx(
        1000 / 4500, abs=1e-3)  # (5000 − 4000) / (5000 − 500)
    # location weighs 0.3 of the 0.65 available; its only indicator fell from 1 to 2/9
    assert now["score"] == pytest.approx(first["score"] - 100 * 0.3 * (1 - 1000 / 4500) / 0.65,
                                         abs=0.1)
    assert now["rank"] > 10
    assert after["candidates"][0]["village"] == NB_TOP_TEN[1][0]


def test_visibility_given_or_not(samples: Engine) -> None:
    ctx = Context.load(samples, NB)
    rows = corridor(ctx)
    without = rank_candidates(ctx, corridor_rows=rows)
    assert all("visibility" not in c["criteria"]["location"]["indicators"]
               and "location.visibility" in c["missing"] for c in without["candidates"])
    assert any(m.startswith("location.visibility:") for m in without["missing_everywhere"])
    ruh = next(int(i) for i, n in zip(ctx.villages["id"], ctx.villages["name"], strict=True)
               if n == "Ruh")
    first = without["candidates"][0]["village_id"]
    # a share per village; None (e.g. a village without buildings) is missing data, not 0
    seen: dict[int, float | None] = {int(i): 0.0 for i in ctx.villages["id"]}
    seen |= {ruh: 1.0, first: None}
    given = rank_candidates(ctx, corridor_rows=rows, visibility=seen, top=70)
    assert not any(m.startswith("location.visibility") for m in given["missing_everywhere"])
    unseen = next(c for c in given["candidates"] if c["village_id"] == first)
    assert "location.visibility" in unseen["missing"]
    assert unseen["score"] == without["candidates"][0]["score"]
    for c in given["candidates"]:
        if c["village_id"] == first:
            continue
        assert "location.visibility" not in c["missing"]
        share = c["criteria"]["location"]["indicators"]["visibility"]
        assert share == {"value": 1.0 if c["village_id"] == ruh else 0.0, "unit": "share",
                         "score": 1.0 if c["village_id"] == ruh else 0.0, "weight": 0.2}
    # the only village seen from the lines climbs from 10th to 2nd, behind the one whose
    # share is unknown (scored on its other indicators: missing data is not a 0)
    assert [(c["village"], c["score"]) for c in given["candidates"][:2]] == [
        ("Bremermühle", 68.5), ("Ruh", 63.7)]
    assert given["candidates"][2]["score"] < 63.7
    with pytest.raises(VgisError, match="give a share from 0 to 1"):
        rank_candidates(ctx, corridor_rows=rows, visibility={ruh: 1.5})


def test_a_culture_attribute_is_scored_for_that_village_only(samples: Engine) -> None:
    ctx = Context.load(samples, NB)
    ruh = next(int(i) for i, n in zip(ctx.villages["id"], ctx.villages["name"], strict=True)
               if n == "Ruh")
    with samples.begin() as conn:
        conn.execute(text("""UPDATE villages SET attrs = attrs || '{"文化底蘊": 90}'
                             WHERE id = :id"""), {"id": ruh})
    try:
        result = rank_candidates(ctx, top=70)
    finally:
        with samples.begin() as conn:
            conn.execute(text("UPDATE villages SET attrs = attrs - '文化底蘊' WHERE id = :id"),
                         {"id": ruh})
    cands = _by_name(result)
    culture = cands["Ruh"]["criteria"]["culture"]
    assert culture["score"] == 0.9
    assert culture["indicators"] == {"culture_score": {"value": 90.0, "unit": "points",
                                                       "score": 0.9, "weight": 0.6}}
    assert cands["Ruh"]["completeness"] == 0.8
    assert "culture.culture_score" not in cands["Ruh"]["missing"]
    assert all(c["criteria"]["culture"]["score"] is None for n, c in cands.items() if n != "Ruh")
    assert cands["Ruh"]["rank"] == 1
    assert cands["Ruh"]["score"] == 68.6  # was 63.7 without culture
    env = cands["Ruh"]["criteria"]["environment"]["score"]
    assert cands["Ruh"]["score"] == pytest.approx(
        100 * (0.3 * 1.0 + 0.2 * env + 0.15 * 0.9 + 0.15 * 0.0) / 0.8, abs=0.05)
    assert not any(m.startswith("culture: ") for m in result["missing_everywhere"])
    assert any(m.startswith("culture.traditional_village:") for m in result["missing_everywhere"])
    assert rank_candidates(ctx)["candidates"][9]["village"] == "Ruh"  # restored


# --- a hand-built area ----------------------------------------------------------------------

SYNTH = "candidates-hand-built"
_TO_WGS84 = Transformer.from_crs(32650, 4326, always_xy=True)  # UTM 50N, near Beijing


def _pt(x: float, y: float) -> list[float]:
    return list(_TO_WGS84.transform(440_000.0 + x, 4_420_000.0 + y))


def _rect(x0: float, y0: float, x1: float, y1: float) -> dict[str, Any]:
    ring = [_pt(x0, y0), _pt(x1, y0), _pt(x1, y1), _pt(x0, y1), _pt(x0, y0)]
    return {"type": "Polygon", "coordinates": [ring]}


def _collection(*features: tuple[dict[str, Any], dict[str, Any]]) -> dict[str, object]:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": g, "properties": p} for g, p in features]}


@pytest.fixture(scope="module")
def hand_built(engine: Engine) -> Iterator[Context]:
    """Three 1 km square villages in a row west of a national road (metres, UTM 50N).

    Anle lies 200 m from the road, Baishui 2750 m, Chengguan 8000 m; otherwise Anle and
    Baishui are alike (2 of the 7 standard facilities, culture 60, 5 mu per household).
    Chengguan has all 7 facilities, is a traditional village, lies in an agricultural
    demonstration zone and 500–1000 m from a scenic area, and half inside the redline.
    Every village is 5500 m from the county seat and 5000 m from the township seat.
    """
    std = ["meeting_room", "reception_room", "reading_room", "classroom", "service_station",
           "square", "notice_board"]
    layers = {
        "villages": _collection(
            (_rect(0, 0, 1000, 1000),
             {"name": "Anle", "households": 100, "farmland_mu": 500, "文化底蕴": 60}),
            (_rect(-2550, 0, -1550, 1000),
             {"name": "Baishui", "households": 100, "farmland_mu": 500, "culture_score": "60",
              "industry_score": "high"}),
            (_rect(-7800, 0, -6800, 1000),
             {"name": "Chengguan", "households": 100, "farmland_mu": 500, "文化底蘊": 60,
              "傳統村落": "是"})),
        "roads": _collection(({"type": "LineString", "coordinates": [_pt(1200, -2000),
                                                                      _pt(1200, 3000)]},
                              {"name": "G105", "class": "national"})),
        "facilities": _collection(*(
            ({"type": "Point", "coordinates": _pt(x0 + 100 + 100 * k, 500)}, {"class": c})
            for x0, kinds in ((0, std[::5]), (-2550, std[::5]), (-7800, std))
            for k, c in enumerate(kinds))),
        "zones": _collection(
            (_rect(-9000, 6500, 2000, 7000), {"class": "county_seat"}),
            (_rect(-9000, -6000, 2000, -5000), {"class": "township_seat"}),
            (_rect(-8000, -500, -6500, 1500), {"class": "agri_demo_zone"}),
            (_rect(-7800, 0, -7300, 1000), {"class": "ecological_redline"}),
            (_rect(-8500, 0, -8000, 1000), {"class": "scenic_area"})),
    }
    for layer, features in layers.items():
        load_features(engine, features, layer, SYNTH, f"{layer}.geojson")
    try:
        yield Context.load(engine, SYNTH)
    finally:
        with engine.begin() as conn:  # every layer's rows go with the area (ON DELETE CASCADE)
            conn.execute(text("DELETE FROM areas WHERE name = :a"), {"a": SYNTH})


def _expected(w: dict[str, float]) -> dict[str, float]:
    """Scores by hand: criterion scores, then 100 · Σ w_c·s_c / Σ w_c (every criterion has data)."""
    county, township = (30000 - 5500) / 25000, (15000 - 5000) / 12000
    location = {  # corridor .35, county_seat .15, township_seat .10, agri_demo_zone .20
        "Anle": (0.35 * 1.0 + 0.15 * county + 0.10 * township + 0.20 * 0) / 0.8,
        "Baishui": (0.35 * 0.5 + 0.15 * county + 0.10 * township + 0.20 * 0) / 0.8,
        "Chengguan": (0.35 * 0.0 + 0.15 * county + 0.10 * township + 0.20 * 1) / 0.8,
    }
    environment = {"Anle": 0.3 * 1 / 0.55, "Baishui": 0.3 * 1 / 0.55,  # ecology .3, scenic .25
                   "Chengguan": (0.3 * 0.5 + 0.25 * 1) / 0.55}
    culture = {"Anle": 0.6, "Baishui": 0.6, "Chengguan": 0.6 * 0.6 + 0.4 * 1}
    cadre = {"Anle": 2 / 7, "Baishui": 2 / 7, "Chengguan": 7 / 7}
    return {v: round(100 * (w["location"] * location[v] + w["environment"] * environment[v]
                            + w["culture"] * culture[v] + w["industry"] * 1.0
                            + w["cadre"] * cadre[v]) / sum(w.values()), 1)
            for v in location}


DEFAULT_CRITERIA = {"location": 0.3, "environment": 0.2, "culture": 0.15, "industry": 0.2,
                    "cadre": 0.15}


def test_hand_built_scores(hand_built: Context) -> None:
    result = rank_candidates(hand_built)
    cands = _by_name(result)
    want = _expected(DEFAULT_CRITERIA)
    assert [(c["village"], c["score"]) for c in result["candidates"]] == sorted(
        want.items(), key=lambda vs: -vs[1])
    assert want == {"Chengguan": 77.1, "Anle": 66.0, "Baishui": 59.4}
    assert all(c["completeness"] == 1.0 for c in cands.values())
    anle, baishui, cheng = cands["Anle"], cands["Baishui"], cands["Chengguan"]
    # in the corridor vs 2750 m away, all else equal: Anle ranks above Baishui
    assert anle["criteria"]["location"]["indicators"]["corridor"] == {
        "value": 200.0, "unit": "m", "score": 1.0, "weight": 0.35}
    assert baishui["criteria"]["location"]["indicators"]["corridor"]["value"] == 2750.0
    assert baishui["criteria"]["location"]["indicators"]["corridor"]["score"] == 0.5
    assert anle["rank"] < baishui["rank"]
    def scores_but_location(cand: dict[str, Any]) -> dict[str, Any]:
        return {k: (v["score"], {i: x["score"] for i, x in v["indicators"].items()})
                for k, v in cand["criteria"].items() if k != "location"}

    assert scores_but_location(anle) == scores_but_location(baishui)
    location = cheng["criteria"]["location"]["indicators"]
    assert location["county_seat"]["value"] == 5500.0
    assert location["county_seat"]["score"] == 0.98
    assert location["township_seat"]["score"] == pytest.approx(0.833, abs=1e-3)
    assert location["agri_demo_zone"]["score"] == 1.0
    assert "agri_demo_zone" in anle["criteria"]["location"]["indicators"]  # 0, not missing
    environment = cheng["criteria"]["environment"]["indicators"]
    assert environment["ecology"] == {"value": 0.5, "unit": "share", "score": 0.5,
                                      "weight": 0.3}
    assert environment["scenic"]["score"] == 1.0
    assert anle["criteria"]["environment"]["indicators"]["scenic"]["score"] == 0.0
    # attribute keys in English, simplified and traditional Chinese
    assert cheng["criteria"]["culture"]["indicators"]["traditional_village"]["value"] is True
    assert [c["criteria"]["culture"]["indicators"]["culture_score"]["value"]
            for c in (anle, baishui, cheng)] == [60.0, 60.0, 60.0]
    assert cheng["criteria"]["cadre"]["indicators"]["facilities"]["score"] == 1.0
    assert anle["criteria"]["industry"]["indicators"] == {"farmland_per_household": {
        "value": 5.0, "unit": "mu/household", "score": 1.0, "weight": 0.2}}
    assert result["warnings"] == [
        f"Baishui (id {baishui['village_id']}): attribute industry_score = 'high' is not a "
        "score from 0 to 100; left out"]
    assert "industry.industry_score" in baishui["missing"]
    assert set(result["missing_everywhere"]) == {
        "location.visibility: not computed (no visibility shares were given)",
        "environment.slope: the area has no terrain model (DEM)",
        "environment.drainage: the area has no drainage features",
        "industry.industry_score: no village has the attribute industry_score (产业发展)",
        "industry.collective_income: no village has the attribute collective_income (村集体收入)",
        "cadre.cadre_score: no village has the attribute cadre_score (干群基础)",
    }
    assert cheng["explanation"] == (
        "Chengguan scores 77.1 of 100, strongest on industry (1.00) and weakest on location "
        "(0.54); every criterion has data.")
    assert rank_candidates(hand_built, top=1)["candidates"][0]["village"] == "Chengguan"


# --- weights --------------------------------------------------------------------------------

def test_default_weights() -> None:
    weights = Weights.load()
    assert weights.criteria == DEFAULT_CRITERIA
    assert set(weights.indicators) == set(CRITERIA)
    for crit, names in INDICATORS.items():
        assert set(weights.indicators[crit]) == set(names)
        assert sum(weights.indicators[crit].values()) == pytest.approx(1.0)
    assert weights.params["corridor_full_m"] == 500.0
    assert weights.params["county_seat_zero_m"] == 30000.0


def test_a_users_weight_changes_the_order(hand_built: Context, tmp_path: Path) -> None:
    path = tmp_path / "weights.toml"
    path.write_text("# 地理位置 first\n[criteria]\nlocation = 1.0\n", encoding="utf-8")
    weights = Weights.load(path)
    assert weights.criteria == DEFAULT_CRITERIA | {"location": 1.0}
    assert weights.indicators == Weights.load().indicators
    result = rank_candidates(hand_built, weights=weights)
    want = _expected(DEFAULT_CRITERIA | {"location": 1.0})
    assert want == {"Anle": 68.7, "Chengguan": 67.5, "Baishui": 55.8}
    assert [(c["village"], c["score"]) for c in result["candidates"]] == sorted(
        want.items(), key=lambda vs: -vs[1])
    assert result["weights"]["location"] == 1.0


@pytest.mark.parametrize(("content", "key", "what"), [
    ("[criteria]\nbeauty = 0.2\n", "criteria.beauty", "unknown criterion"),
    ("[indicators.location]\nairport = 0.2\n", "indicators.location.airport",
     "unknown indicator of location"),
    ("[indicators.tourism]\nhotels = 1\n", "indicators.tourism", "unknown criterion"),
    ("[params]\ncorridor_m = 300\n", "params.corridor_m", "unknown parameter"),
    ("[weights]\nlocation = 1\n", "weights", "unknown section"),
    ("[criteria]\nculture = -0.1\n", "criteria.culture", "must not be negative"),
    ("[indicators.cadre]\nfacilities = -1\n", "indicators.cadre.facilities",
     "must not be negative"),
    ("[criteria]\nculture = \"high\"\n", "criteria.culture", "must be a number"),
    ("[criteria]\nlocation = 0\nenvironment = 0\nculture = 0\nindustry = 0\ncadre = 0\n",
     "criteria", "all weights are 0"),
    ("[indicators.culture]\nculture_score = 0\ntraditional_village = 0\n",
     "indicators.culture", "all weights are 0"),
    ("[params]\ncorridor_full_m = 6000\n", "params.corridor_full_m",
     "must be below params.corridor_zero_m"),
    ("[criteria\nlocation = 1\n", "", "not a TOML file"),
])
def test_bad_weights_files(tmp_path: Path, content: str, key: str, what: str) -> None:
    path = tmp_path / "my-weights.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(VgisError) as err:
        Weights.load(path)
    message = str(err.value)
    assert message.startswith(f"{path}: {key}: " if key else f"{path}: ")
    assert what in message


def test_missing_weights_file(tmp_path: Path) -> None:
    with pytest.raises(VgisError, match="cannot read the weights file"):
        Weights.load(tmp_path / "nowhere.toml")


def test_cli_candidates_with_terrain_and_weights(samples: Engine, tmp_path: Path) -> None:
    """`vgis candidates --json` on north-bayreuth: visibility measured over its terrain."""
    result = json.loads(run_vgis("candidates", "--area", NB, "--json").stdout)
    assert [(c["village"], c["score"]) for c in result["candidates"]] == [
        ("Bremermühle", 68.5), ("Harsdorf", 68.3), ("Schupfenschlag", 67.7),
        ("Neudrossenfeld", 66.4), ("Crottendorf", 65.7), ("Stöckig", 65.1),
        ("Waldau", 64.7), ("Unterkonnersreuth", 64.5), ("Unterwaiz", 64.1),
        ("Sandreuth", 63.7)]
    assert result["visibility"]["observers"] == 375
    assert not any(m.startswith("location.visibility") for m in result["missing_everywhere"])
    neu = next(c for c in result["candidates"] if c["village"] == "Neudrossenfeld")
    assert neu["criteria"]["location"]["indicators"]["visibility"]["value"] == 0.993
    # leaving visibility out reports it missing for everyone
    off = json.loads(run_vgis("candidates", "--area", NB, "--no-visible", "--top", "3",
                              "--json").stdout)
    assert len(off["candidates"]) == 3
    assert all("location.visibility" in c["missing"] for c in off["candidates"])
    # a planner's weights: location alone
    weights = tmp_path / "weights.toml"
    weights.write_text("[criteria]\nlocation = 1.0\nenvironment = 0\ncadre = 0\n",
                       encoding="utf-8")
    mine = json.loads(run_vgis("candidates", "--area", NB, "--weights", str(weights),
                               "--top", "3", "--json").stdout)
    assert mine["weights"]["environment"] == 0
    assert [c["score"] for c in mine["candidates"]] == [100.0, 100.0, 100.0]
    sheet = tmp_path / "candidates.csv"
    run_vgis("candidates", "--area", NB, "--top", "3", "--csv", str(sheet))
    rows = sheet.read_text(encoding="utf-8-sig").splitlines()
    assert rows[0].split(",")[:4] == ["排名 rank", "村庄 village", "编号 village_id", "得分 score"]
    assert rows[1].startswith("1,Bremermühle,")
    assert len(rows) == 4
    table = run_vgis("candidates", "--area", NB, "--top", "3").stdout
    assert "Bremermühle scores 68.5 of 100" in table
    assert "missing" in table
    weights.write_text("[criteria]\nlocaton = 1\n", encoding="utf-8")
    bad = run_vgis("candidates", "--area", NB, "--weights", str(weights), check=False)
    assert bad.returncode == 2
    assert "locaton" in bad.stderr


def test_far_lines_and_seats_score_zero_not_missing(engine: Engine) -> None:
    """Present in the area but beyond every search: a score of 0, not missing data."""
    area = "candidates-far"
    layers = {
        "villages": _collection((_rect(0, 0, 1000, 1000), {"name": "Yuan"})),
        "roads": _collection(({"type": "LineString", "coordinates": [_pt(60_000, 0),
                                                                      _pt(60_000, 5000)]},
                              {"name": "G1", "class": "expressway"})),
        "zones": _collection((_rect(45_000, 0, 46_000, 1000), {"class": "county_seat"})),
    }
    for layer, features in layers.items():
        load_features(engine, features, layer, area, f"{layer}.geojson")
    try:
        result = rank_candidates(Context.load(engine, area))
        (yuan,) = result["candidates"]
        location = yuan["criteria"]["location"]["indicators"]
        assert location["corridor"] == {"value": None, "unit": "m", "score": 0.0,
                                        "weight": 0.35}
        assert location["county_seat"]["score"] == 0.0
        assert "location.corridor" not in yuan["missing"]
        assert "location.county_seat" not in yuan["missing"]
        assert "location.township_seat" in yuan["missing"]  # the area has none at all
        assert yuan["criteria"]["location"]["score"] == 0.0
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM areas WHERE name = :a"), {"a": area})


def test_huge_and_odd_weights_are_refused() -> None:
    for value, what in ((10**400, "a number up to"), (float("nan"), "a number up to"),
                        ("1", "a number, not")):
        with pytest.raises(VgisError, match=f"body: criteria.location: must be {what}"):
            Weights.from_mapping({"criteria": {"location": value}}, "body")
