"""The offline package of a village: unzipped, opened offline, read back, through both faces."""

from __future__ import annotations

import datetime as dt
import subprocess
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pyogrio
import pytest
from sqlalchemy import Engine, text

from gis.context import find_villages, metric_epsg
from layers.plans import Plan, list_plans
from layers.schema import LAYERS
from maps.credits import credit_line
from maps.package import MARGIN_M, Package, village_package
from testkit.browser import chromium, open_map, serve_directory
from testkit.server import uvicorn_server
from tests.conftest import run_vgis

pytestmark = pytest.mark.usefixtures("samples")
SHEETS = ("sheets/layout.pdf", "sheets/lights.pdf", "sheets/garbage.pdf")
MEMBERS = {"index.html", "map-lights.html", "map-garbage.html", "layers.gpkg", *SHEETS,
           "village.docx",
           "README.txt"}


def _village_id(engine: Engine, name: str) -> int:
    return int(find_villages(engine, name, "lauf")["id"].iloc[0])


@pytest.fixture(scope="module")
def kuhnhof(samples: Engine) -> int:
    return _village_id(samples, "Kuhnhof")


@pytest.fixture(scope="module")
def sample_plan(samples: Engine) -> Plan:
    return next(p for p in list_plans(samples, "lauf") if p.name == "示范村规划 2027")


def _unzip(made: Package, folder: Path) -> Path:
    with zipfile.ZipFile(made.path) as zf:
        assert zf.testzip() is None
        zf.extractall(folder)
    return folder


@pytest.fixture(scope="module")
def plain(samples: Engine, kuhnhof: int, tmp_path_factory: pytest.TempPathFactory
          ) -> tuple[Package, Path]:
    out = tmp_path_factory.mktemp("package") / "kuhnhof.zip"
    made = village_package(samples, kuhnhof, out)
    return made, _unzip(made, tmp_path_factory.mktemp("plain"))


@pytest.fixture(scope="module")
def planned(samples: Engine, kuhnhof: int, sample_plan: Plan,
            tmp_path_factory: pytest.TempPathFactory) -> tuple[Package, Path]:
    out = tmp_path_factory.mktemp("package") / "kuhnhof-plan.zip"
    made = village_package(samples, kuhnhof, out, plan_id=sample_plan.id)
    return made, _unzip(made, tmp_path_factory.mktemp("planned"))


@pytest.fixture(scope="module")
def offline() -> Iterator[Any]:
    """Chromium with its network switched off (DevTools' offline emulation)."""
    with chromium() as driver:
        driver.set_network_conditions(offline=True, latency=0, download_throughput=0,
                                      upload_throughput=0)
        yield driver


def _store_counts(engine: Engine, village_id: int) -> dict[str, int]:
    """Existing features within MARGIN_M of the village, counted by PostGIS."""
    with engine.connect() as conn:
        epsg = metric_epsg(engine, "lauf")
        out = {"villages": 1}
        for layer in LAYERS:
            if layer != "villages":
                out[layer] = int(conn.execute(text(
                    f"SELECT count(*) FROM {layer} f, villages v WHERE v.id = :v AND "
                    "f.area = 'lauf' AND f.status = 'existing' AND ST_DWithin("
                    "ST_Transform(f.geom, :epsg), ST_Transform(v.geom, :epsg), :m)"),
                    {"v": village_id, "epsg": epsg, "m": MARGIN_M}).scalar_one())
    return out


def _plan_counts(engine: Engine, plan_id: int) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT layer, count(*) FROM plan_features WHERE plan_id = :p "
                                 "GROUP BY layer"), {"p": plan_id}).all()
    return {f"plan_{r[0]}": int(r[1]) for r in rows}


def _gpkg_counts(path: Path) -> dict[str, int]:
    return {str(name): pyogrio.read_info(path, layer=str(name))["features"]
            for name, _ in pyogrio.list_layers(path)}


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_members(plain: tuple[Package, Path], planned: tuple[Package, Path]) -> None:
    for made, _ in (plain, planned):
        with zipfile.ZipFile(made.path) as zf:
            names = zf.namelist()
        assert set(names) == MEMBERS
        assert names[-1] == "README.txt"
        assert [n for n, _ in made.files] == names
        assert all(size > 0 for _, size in made.files)
        assert made.village == "Kuhnhof"
        assert made.area == "lauf"
    assert planned[0].plan is not None
    assert plain[0].plan is None


def test_word_section_inside(plain: tuple[Package, Path], planned: tuple[Package, Path]
                             ) -> None:
    import io

    from docx import Document

    for made, _ in (plain, planned):
        with zipfile.ZipFile(made.path) as zf:
            doc = Document(io.BytesIO(zf.read("village.docx")))
        text = "\n".join(p.text for p in doc.paragraphs)
        assert "Kuhnhof" in text
        assert ("示范村规划 2027" in text) == (made.plan is not None)
        assert len(doc.inline_shapes) >= 3  # the sheets as figures


@pytest.mark.parametrize(("page", "drawn"), [
    ("index.html", ["hillshade", "roads", "buildings", "villages"]),
    ("map-lights.html", ["roads", "lights", "light_reach", "unlit_gaps"]),
    ("map-garbage.html", ["households", "garbage", "service_area"]),
])
def test_maps_open_from_disk_offline(plain: tuple[Package, Path], offline: Any, page: str,
                                     drawn: list[str]) -> None:
    _, folder = plain
    report = open_map(offline, (folder / page).as_uri(), f"package-{page}.png")
    assert report.errors == []
    assert report.foreign_requests() == []
    assert all(u.startswith(("file:", "data:", "blob:")) for u in report.requests), \
        report.requests
    for layer in drawn:
        assert report.counts.get(layer, 0) > 0, (layer, report.counts)
    links = offline.execute_script(
        "return Array.from(document.querySelectorAll('.vgis-package-nav a'))"
        ".map(function (a) { return a.getAttribute('href'); })")
    assert sorted(links) == sorted({"index.html", "map-lights.html", "map-garbage.html"}
                                   - {page})


def test_the_browser_really_is_offline(offline: Any, tmp_path: Path) -> None:
    """The emulation holds: what a page from disk fetches online fails in the offline one."""
    (tmp_path / "x.txt").write_text("here")
    (tmp_path / "p.html").write_text("<html><body>p</body></html>")
    fetch = ("var done = arguments[arguments.length - 1];"
             "fetch(arguments[0], {mode: 'no-cors'}).then(function () { done('online'); })"
             ".catch(function () { done('offline'); });")
    with serve_directory(tmp_path) as base, chromium() as online:
        answers = []
        for driver in (online, offline):
            driver.get((tmp_path / "p.html").as_uri())
            answers.append(driver.execute_async_script(fetch, f"{base}/x.txt"))
    assert answers == ["online", "offline"]


def test_map_draws_what_the_layers_hold(plain: tuple[Package, Path],
                                        planned: tuple[Package, Path], offline: Any) -> None:
    for (_, folder), name in ((plain, "plain"), (planned, "planned")):
        counts = _gpkg_counts(folder / "layers.gpkg")
        report = open_map(offline, (folder / "index.html").as_uri(), f"package-{name}.png")
        assert report.errors == []
        assert report.foreign_requests() == []
        # the map shows the village's extent + 150 m: at least what lies within 100 m
        assert report.counts["buildings"] >= counts["buildings"] > 0
        assert report.counts["roads"] > 0
        assert report.counts["lights"] >= counts["lights"] + counts.get("plan_lights", 0)
    assert _gpkg_counts(planned[1] / "layers.gpkg").get("plan_lights", 0) > 0


def test_layers_are_the_stores(samples: Engine, kuhnhof: int, sample_plan: Plan,
                               plain: tuple[Package, Path],
                               planned: tuple[Package, Path]) -> None:
    want = _store_counts(samples, kuhnhof)
    assert want["buildings"] > 0
    assert want["roads"] > 0
    assert _gpkg_counts(plain[1] / "layers.gpkg") == want
    plan_want = _plan_counts(samples, sample_plan.id)
    assert plan_want
    assert _gpkg_counts(planned[1] / "layers.gpkg") == {**want, **plan_want}
    gpkg = planned[1] / "layers.gpkg"
    for layer in [*LAYERS, *plan_want]:
        info = pyogrio.read_info(gpkg, layer=layer)
        assert info["crs"] == "EPSG:4326", layer
        spec = LAYERS[layer.removeprefix("plan_")]
        assert {"name", "status", *(f.name for f in spec.fields)} <= set(info["fields"]), layer
    village = pyogrio.read_dataframe(gpkg, layer="villages")
    assert village["name"].tolist() == ["Kuhnhof"]
    lights = pyogrio.read_dataframe(gpkg, layer="plan_lights")
    assert set(lights["status"]) == {"planned"}
    assert set(lights["plan"]) == {"示范村规划 2027"}
    roads = pyogrio.read_dataframe(gpkg, layer="roads")
    assert set(roads["status"]) == {"existing"}
    assert set(roads["vgis_area"]) == {"lauf"}


def test_sheets_name_the_village(plain: tuple[Package, Path],
                                 planned: tuple[Package, Path]) -> None:
    for sheet, title in zip(SHEETS, ("村庄布局图", "路灯亮化分析图", "垃圾收集覆盖分析图"),
                            strict=True):
        words = _pdf_text(plain[1] / sheet)
        assert "Kuhnhof" in words, sheet
        assert title in words, sheet
        assert "OpenStreetMap" in words
        head = (plain[1] / sheet).read_bytes()[:5]
        assert head == b"%PDF-"
        assert "示范村规划 2027" in _pdf_text(planned[1] / sheet), sheet


def test_readme_in_both_languages(samples: Engine, plain: tuple[Package, Path],
                                  planned: tuple[Package, Path]) -> None:
    readme = (plain[1] / "README.txt").read_text(encoding="utf-8")
    for words in ("村庄离线资料包", "offline package", "Kuhnhof", "lauf", "内容", "contents",
                  "浏览器", "browser", "QGIS", "PDF", "分析参数", "analysis parameters",
                  "15 m", "70 m", "数据来源", "data sources",
                  dt.datetime.now(dt.UTC).date().isoformat()):
        assert words in readme, words
    for line in (credit_line(samples, "lauf", "zh"), credit_line(samples, "lauf", "en")):
        assert line
        assert line in readme
    for name in MEMBERS - {"README.txt"}:
        assert f"- {name} (" in readme, name
    assert "示范村规划 2027" in (planned[1] / "README.txt").read_text(encoding="utf-8")
    assert "示范村规划" not in readme


def test_cli(samples: Engine, sample_plan: Plan, tmp_path: Path) -> None:
    out = tmp_path / "kuhnhof-en.zip"
    proc = run_vgis("package", "village", "Kuhnhof", "--area", "lauf", "--plan",
                    str(sample_plan.id), "--lang", "en", "-o", str(out))
    assert f"wrote {out}" in proc.stdout
    with zipfile.ZipFile(out) as zf:
        assert set(zf.namelist()) == MEMBERS
        page = zf.read("index.html").decode()
    assert "Village layout" in page
    assert not list(tmp_path.glob(".*.part"))
    for args, says in (
            (("Nowhere", "--area", "lauf"), "no village named 'Nowhere'"),
            (("Wetzendorf", "--area", "lauf", "--plan", str(sample_plan.id)),
             "is of village 'Kuhnhof'"),
            (("Kuhnhof", "--area", "lauf", "--plan", "999999"), "no plan with id 999999"),
    ):
        failed = run_vgis("package", "village", *args, "-o", str(tmp_path / "x.zip"),
                          check=False)
        assert failed.returncode == 2, failed.stderr
        assert says in " ".join(failed.stderr.split()), failed.stderr
        assert "Traceback" not in failed.stderr
    assert not (tmp_path / "x.zip").exists()
    bad = run_vgis("package", "village", "Kuhnhof", "--area", "lauf", "-o",
                   str(tmp_path / "x.tar"), check=False)
    assert bad.returncode == 2


def _package_dirs() -> set[Path]:
    import tempfile

    return set(Path(tempfile.gettempdir()).glob("vgis-package-*"))


def test_route(samples: Engine, kuhnhof: int, sample_plan: Plan, tmp_path: Path) -> None:
    wetzendorf = _village_id(samples, "Wetzendorf")
    before = _package_dirs()
    with uvicorn_server(workers=1) as base:
        url = f"{base}/villages/{kuhnhof}/package.zip"
        r = httpx.get(url, params={"plan": sample_plan.id}, timeout=300)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "application/zip"
        assert r.headers["content-disposition"].startswith("attachment;")
        assert "Kuhnhof-plan-" in r.headers["content-disposition"]
        assert "content-encoding" not in r.headers  # a zip is not gzipped again
        assert int(r.headers["content-length"]) == len(r.content)
        (tmp_path / "p.zip").write_bytes(r.content)
        with zipfile.ZipFile(tmp_path / "p.zip") as zf:
            assert set(zf.namelist()) == MEMBERS
            assert "示范村规划 2027" in zf.read("README.txt").decode()
        for path, params, status in (
                (f"{base}/villages/999999/package.zip", {}, 404),
                (url, {"plan": 999999}, 404),
                (f"{base}/villages/{wetzendorf}/package.zip", {"plan": sample_plan.id}, 422),
                (url, {"lang": "fr"}, 422),
                (url, {"plan": "x"}, 422)):
            r = httpx.get(path, params=params, timeout=60)
            assert r.status_code == status, (path, params, r.text)
            assert r.headers["content-type"] == "application/json"
        deadline = time.monotonic() + 10
        while _package_dirs() - before and time.monotonic() < deadline:
            time.sleep(0.1)  # removed by the response's background task, once sent
        assert _package_dirs() - before == set()
