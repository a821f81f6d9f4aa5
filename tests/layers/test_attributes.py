"""A survey spreadsheet joined to the villages: merged whole, or rejected whole."""

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
from layers.errors import ImportRejected, UnreadableFile
from layers.io.attributes import load_attributes
from layers.io.loader import load_features
from tests.conftest import run_vgis


def rank_candidates(*args: Any, **kwargs: Any) -> dict[str, Any]:
    """The ranking as the faces give it (JSON-ready)."""
    return ranking_of(*args, **kwargs).model_dump()

AREA = "attrs-survey"
_TO_WGS84 = Transformer.from_crs(32650, 4326, always_xy=True)


def _square(x0: float, name: str, code: str) -> dict[str, Any]:
    ring = [list(_TO_WGS84.transform(440_000.0 + x, 4_420_000.0 + y))
            for x, y in ((x0, 0), (x0 + 1000, 0), (x0 + 1000, 1000), (x0, 1000), (x0, 0))]
    return {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
            "properties": {"name": name, "code": code}}


@pytest.fixture
def villages(engine: Engine) -> Iterator[Engine]:
    features: dict[str, object] = {"type": "FeatureCollection", "features": [
        _square(0, "东村", "410101001"), _square(2000, "西村", "410101002"),
        _square(4000, "南村", "410101003")]}
    load_features(engine, features, "villages", AREA, "villages.geojson")
    try:
        yield engine
    finally:
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM areas WHERE name = :a"), {"a": AREA})


def _state(engine: Engine) -> dict[str, tuple[Any, ...]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT name, attrs, households, farmland_mu FROM villages "
                                 "WHERE area = :a"), {"a": AREA}).all()
    return {r[0]: (json.dumps(r[1], sort_keys=True), r[2], r[3]) for r in rows}


def test_survey_merges_and_feeds_the_ranking(villages: Engine, tmp_path: Path) -> None:
    survey = tmp_path / "调查表.csv"
    survey.write_text("村名,文化底蕴,传统村落,产业发展,村集体收入,干群基础,户数,耕地\n"
                      "东村,80,是,70,25.5,90,120,600\n"
                      " 西村 ,40,否,,10,60,80,\n", encoding="gbk")
    report = load_attributes(villages, survey, AREA, encoding="GBK")
    assert report.villages == 2
    assert report.columns == ["farmland_mu", "households"]
    state = _state(villages)
    assert json.loads(state["东村"][0]) == {"文化底蕴": 80, "传统村落": "是", "产业发展": 70,
                                           "村集体收入": 25.5, "干群基础": 90}
    assert state["东村"][1:] == (120, 600.0)
    assert json.loads(state["西村"][0]) == {"文化底蕴": 40, "传统村落": "否",
                                           "村集体收入": 10, "干群基础": 60}
    assert state["西村"][1:] == (80, None)  # a blank cell leaves the column alone
    assert state["南村"] == ("{}", None, None)  # not in the survey: untouched
    result = rank_candidates(Context.load(villages, AREA), top=3)
    ranked = {c["village"]: c for c in result["candidates"]}
    east = ranked["东村"]["criteria"]
    assert east["culture"]["score"] == pytest.approx(0.6 * 0.8 + 0.4 * 1.0, abs=1e-3)
    assert east["cadre"]["indicators"]["cadre_score"]["score"] == 0.9
    assert east["industry"]["indicators"]["collective_income"]["score"] == 1.0
    assert result["unscored"] == ["南村"]  # no data of any kind: not ranked


def test_match_by_code_and_merge_again(villages: Engine, tmp_path: Path) -> None:
    first = tmp_path / "a.csv"
    first.write_text("编码,culture_score\n410101003,50\n", encoding="utf-8")
    load_attributes(villages, first, AREA, key="code")
    second = tmp_path / "b.csv"
    second.write_text("行政代码,cadre_score\n410101003,70\n", encoding="utf-8")
    load_attributes(villages, second, AREA, key="code")
    assert json.loads(_state(villages)["南村"][0]) == {"culture_score": 50, "cadre_score": 70}


def test_bad_rows_reject_the_whole_file(villages: Engine, tmp_path: Path) -> None:
    before = _state(villages)
    bad = tmp_path / "bad.csv"
    bad.write_text("村名,户数,文化底蕴\n东村,12,80\n北村,5,60\n东村,7,1\n西村,many,3\n"
                   "南村,-4,2\n,3,3\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as caught:
        load_attributes(villages, bad, AREA)
    found = {(p.feature, p.field) for p in caught.value.problems}
    assert found == {("row 3", "村名"), ("row 4", "村名"), ("row 5", "户数"),
                     ("row 6", "户数"), ("row 7", "村名")}
    messages = " ".join(p.message for p in caught.value.problems)
    assert "no village of area 'attrs-survey' with name '北村'" in messages
    assert "also on row 2" in messages
    assert _state(villages) == before  # nothing written
    nokey = tmp_path / "nokey.csv"
    nokey.write_text("village_no,culture_score\n1,2\n", encoding="utf-8")
    with pytest.raises(UnreadableFile, match="no name column"):
        load_attributes(villages, nokey, AREA)


def test_cli(villages: Engine, tmp_path: Path) -> None:
    survey = tmp_path / "survey.csv"
    survey.write_text("name,industry_score\n西村,55\n", encoding="utf-8")
    out = json.loads(run_vgis("load", "attrs", str(survey), "--area", AREA, "--json").stdout)
    assert (out["villages"], out["attributes"]) == (1, ["industry_score"])
    survey.write_text("name,industry_score\n中村,55\n", encoding="utf-8")
    bad = run_vgis("load", "attrs", str(survey), "--area", AREA, check=False)
    assert bad.returncode == 2
    assert "survey.csv" in bad.stderr
    assert "中村" in bad.stderr
