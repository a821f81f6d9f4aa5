"""A village's section as Word: read back, its figures the analyses', LibreOffice, CLI, HTTP.

The section of the sample village Kuhnhof (area ``lauf``) with the sample plan
(示范村规划 2027) is built once, read back with python-docx (headings in Word's
styles, the tables' figures equal to those of :mod:`gis.plans` and :mod:`gis.coverage`,
the images, the East Asian font), converted to PDF by LibreOffice headless and read
with ``pdftotext``; then the command line and the route on a real uvicorn.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Cm
from docx.table import Table
from docx.text.paragraph import Paragraph
from sqlalchemy import Engine

from gis.context import Context, find_villages
from gis.coverage import coverage
from gis.params import CoverageOptions
from gis.plans import figures_for
from gis.profile import village_profile
from layers.plan_edits import create_plan
from layers.plans import plan_frames
from maps.credits import credit_line
from maps.report import MAX_ROWS, VillageReport, village_report
from testkit.server import uvicorn_server
from tests.conftest import run_vgis

PLAN_NAME = "示范村规划 2027"
FONT = "Noto Sans CJK SC"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture(scope="module")
def kuhnhof(samples: Engine) -> int:
    return int(find_villages(samples, "Kuhnhof", "lauf")["id"].iloc[0])


@pytest.fixture(scope="module")
def plan_id(samples: Engine) -> int:
    listed = json.loads(run_vgis("plan", "list", "--area", "lauf", "--json").stdout)
    return min(p["id"] for p in listed if p["name"] == PLAN_NAME and p["village"] == "Kuhnhof")


@pytest.fixture(scope="module")
def other_plans(samples: Engine) -> dict[str, int]:
    """A plan of another village of lauf, and one of the whole area."""
    other = int(find_villages(samples, "Wetzendorf", "lauf")["id"].iloc[0])
    return {"village": create_plan(samples, area="lauf", village_id=other, name="Wetzendorf "
                                   "2027", author="test-report").id,
            "area": create_plan(samples, area="lauf", name="lauf 2027",
                                author="test-report").id}


@pytest.fixture(scope="module")
def section(samples: Engine, kuhnhof: int, plan_id: int, tmp_path_factory: pytest.TempPathFactory
            ) -> tuple[VillageReport, float]:
    out = tmp_path_factory.mktemp("report") / "kuhnhof.docx"
    started = time.perf_counter()
    found = village_report(samples, "lauf", kuhnhof, out, plan_id=plan_id, lang="zh")
    return found, time.perf_counter() - started


def _captioned(path: Path) -> dict[str, Table]:
    """Every table of the document under the text of the caption above it."""
    doc = Document(str(path))
    out: dict[str, Table] = {}
    caption = ""
    for block in doc.iter_inner_content():
        if isinstance(block, Paragraph) and block.style is not None and \
                block.style.name == "Caption":
            caption = block.text
        elif isinstance(block, Table):
            out[caption] = block
    return out


def _rows(table: Table) -> dict[str, list[str]]:
    return {r.cells[0].text: [c.text for c in r.cells[1:]] for r in table.rows[1:]}


def test_headings_title_and_fonts(section: tuple[VillageReport, float], plan_id: int,
                                  samples: Engine) -> None:
    found, _ = section
    doc = Document(str(found.path))
    styled = [(p.style.name if p.style is not None else "", p.text) for p in doc.paragraphs]
    headings = [(s, t) for s, t in styled if s.startswith("Heading")]
    assert [t for s, t in headings if s == "Heading 1"] == ["村庄概况", "设施覆盖", "图件", "明细"]
    assert [t for s, t in headings if s == "Heading 2"][:4] == [
        "路灯亮化", "垃圾收集", "排水设施", "道路硬化"]
    assert styled[0] == ("Title", "Kuhnhof 村庄专章")
    assert any(PLAN_NAME in t and f"第 {found.plan_version} 版" in t for _, t in styled[1:4])
    assert (found.plan_id, found.village) == (plan_id, "Kuhnhof")
    for name in ("Normal", "Title", "Heading 1", "Heading 2", "Caption", "Table Grid"):
        fonts = doc.styles[name].element.rPr.find(qn("w:rFonts"))
        assert fonts.get(qn("w:eastAsia")) == FONT, name
        assert fonts.get(qn("w:asciiTheme")) is None, name
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    assert defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}").get(
        qn("w:eastAsia")) == FONT
    credit = credit_line(samples, "lauf", "zh")
    assert "OpenStreetMap" in credit
    assert styled[-1][1] == credit  # the credit line ends the section


def test_figures_and_images(section: tuple[VillageReport, float]) -> None:
    found, _ = section
    doc = Document(str(found.path))
    assert len(doc.inline_shapes) == found.figures == 5  # 3 village sheets + 2 of the plan
    for shape in doc.inline_shapes:
        assert abs(shape.width - Cm(16)) < Cm(0.05)
        assert 1.35 < shape.width / shape.height < 1.45  # A4 landscape sheets
    captions = [p.text for p in doc.paragraphs if p.style is not None and
                p.style.name == "Caption" and p.text.startswith("图")]
    assert [c.split()[1] for c in captions] == ["1", "2", "3", "4", "5"]
    assert "路灯亮化分析图" in captions[1]
    assert PLAN_NAME in captions[3]


def test_tables_equal_the_analyses(section: tuple[VillageReport, float], samples: Engine,
                                   plan_id: int) -> None:
    found, _ = section
    tables = _captioned(found.path)
    _, figures = figures_for(samples, plan_id)
    lights = _rows(tables["表 2  路灯亮化"])
    before, after = figures["lights"]["before"], figures["lights"]["after"]
    assert lights["亮化率"] == [f"{before['lit_share']:.1%}", f"{after['lit_share']:.1%}"]
    assert lights["计入道路长度（米）"][0] == f"{before['road_length_m']:,.1f}"
    assert lights["路灯（盏）"] == [f"{before['lights']:,}", f"{after['lights']:,}"]
    assert after["lit_share"] > before["lit_share"]
    garbage = _rows(tables["表 3  垃圾收集"])
    g0, g1 = figures["garbage"]["before"], figures["garbage"]["after"]
    assert garbage["垃圾收集覆盖率"] == [f"{g0['served_share']:.1%}", f"{g1['served_share']:.1%}"]
    assert garbage["未覆盖户数"] == [f"{g0['unserved_households']:,}",
                                 f"{g1['unserved_households']:,}"]
    # independently of the plan: the village as surveyed, at each kind's defaults
    ctx = Context.load(samples, "lauf", "Kuhnhof")
    for kind, caption, key, row in (("drainage", "表 4  排水设施", "with_drainage_share",
                                     "排水覆盖率"),
                                    ("roads", "表 5  道路硬化", "hardened_share", "道路硬化率")):
        value = coverage(ctx, CoverageOptions(include_planned=False).params(kind),
                         details=False)[0].figures.model_dump()[key]
        shown = "–" if value is None else f"{value:.1%}"
        assert _rows(tables[caption])[row] == [shown, shown]  # the plan has no drainage, roads
    profile = village_profile(ctx)
    rows = _rows(tables["表 1  村庄概况 — Kuhnhof"])
    assert rows["户数"] == [f"{profile.households:,}"]
    assert rows["道路总长（米）"] == [f"{profile.road_length_m:,.1f}"]
    assert rows["村庄"] == ["Kuhnhof"]


def test_lists_are_what_the_plan_still_lacks(section: tuple[VillageReport, float],
                                             samples: Engine, plan_id: int) -> None:
    found, _ = section
    ctx = Context.load(samples, "lauf", "Kuhnhof")
    ctx.plan = frames = plan_frames(samples, plan_id)
    with ctx.as_built():
        lit = coverage(ctx, CoverageOptions(include_planned=False).params("lights"))[0]
        served = coverage(ctx, CoverageOptions(include_planned=False).params("garbage"))[0]
    expected = {"unlit_gaps": len(lit.layers["unlit_gaps"]),
                "unserved_buildings": len(served.layers["unserved_buildings"]),
                "proposed_lights": len(frames["lights"]) + len(lit.layers["proposed_lights"]),
                "proposed_points": len(frames["garbage"]) + len(served.layers["proposed_points"])}
    assert found.listed == expected
    assert expected["proposed_lights"] > MAX_ROWS  # the sample plan has 209 lights
    tables = _captioned(found.path)
    doc = Document(str(found.path))
    texts = [p.text for p in doc.paragraphs]
    for key, caption in (("unlit_gaps", "未亮化路段"), ("unserved_buildings", "未覆盖住户"),
                         ("proposed_lights", "建议新增路灯"),
                         ("proposed_points", "建议新增垃圾收集点")):
        table = next((t for c, t in tables.items() if c.endswith(f"  {caption}")), None)
        total = expected[key]
        if total == 0:
            assert table is None, key
            continue
        assert table is not None, key
        assert len(table.rows) - 1 == min(total, MAX_ROWS), key
        if total > MAX_ROWS:
            assert f"… 另有 {total - MAX_ROWS} 条未列出（共 {total} 条）。" in texts, key
    lights = _captioned(found.path)[next(c for c in tables if c.endswith("建议新增路灯"))]
    first = lights.rows[1].cells
    assert first[1].text == "本方案 · 太阳能路灯"
    point = frames["lights"].geometry.iloc[0]
    assert (first[2].text, first[3].text) == (f"{point.x:.6f}", f"{point.y:.6f}")


@pytest.fixture(scope="module")
def pdf(section: tuple[VillageReport, float], tmp_path_factory: pytest.TempPathFactory
        ) -> Iterator[Path]:
    soffice = shutil.which("soffice")
    assert soffice is not None, "LibreOffice (libreoffice-writer-nogui) is not installed"
    out = tmp_path_factory.mktemp("pdf")
    profile = Path(tempfile.mkdtemp(prefix="vgis-lo-"))
    try:
        subprocess.run([soffice, "--headless", f"-env:UserInstallation={profile.as_uri()}",
                        "--convert-to", "pdf", "--outdir", str(out), str(section[0].path)],
                       check=True, capture_output=True, timeout=300)
        yield out / "kuhnhof.pdf"
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def test_libreoffice_opens_it(pdf: Path) -> None:
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    for words in ("Kuhnhof 村庄专章", "村庄概况", "设施覆盖", "路灯亮化", "图件", "明细",
                  PLAN_NAME, "图 1", "表 2", "OpenStreetMap"):
        assert words in text, words
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True,
                          check=True).stdout
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]
    assert 6 <= pages <= 30, pages
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                           check=True).stdout
    assert "NotoSansCJK" in fonts


def test_cli_writes_english_and_refuses_clearly(samples: Engine, tmp_path: Path,
                                                 other_plans: dict[str, int]) -> None:
    out = tmp_path / "kuhnhof-en.docx"
    done = run_vgis("report", "village", "Kuhnhof", "--area", "lauf", "--lang", "en",
                    "-o", str(out))
    assert "3 figures" in done.stdout
    doc = Document(str(out))
    headings = [p.text for p in doc.paragraphs if p.style is not None
                and p.style.name == "Heading 1"]
    assert headings == ["Village profile", "Coverage", "Figures", "Details"]
    lights = _captioned(out)["Table 2  Street lighting"]
    assert [c.text for c in lights.rows[0].cells] == ["Item", "Before"]  # no plan: no after
    for args, says in (
            (["Kuhnhof", "-o", str(tmp_path / "k.pdf")], "written as .docx"),
            (["Nowhere", "-o", str(tmp_path / "n.docx")], "no village named 'Nowhere'"),
            (["Kuhnhof", "--plan", str(other_plans["village"]), "-o", str(tmp_path / "p.docx")],
             "is of village 'Wetzendorf'"),
            (["Kuhnhof", "--plan", str(other_plans["area"]), "-o", str(tmp_path / "a.docx")],
             "of the whole area")):
        failed = run_vgis("report", "village", *args, "--area", "lauf", check=False)
        assert failed.returncode == 2, failed.stderr
        assert says in " ".join(failed.stderr.split()), failed.stderr
        assert "Traceback" not in failed.stderr
    assert not (tmp_path / "p.docx").exists()


def test_route_on_uvicorn(samples: Engine, kuhnhof: int, plan_id: int,
                          other_plans: dict[str, int]) -> None:
    with uvicorn_server(workers=1) as base:
        url = f"{base}/villages/{kuhnhof}/report.docx"
        r = httpx.get(url, params={"plan": plan_id, "lang": "en"}, timeout=300)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == DOCX
        assert r.headers["content-disposition"].startswith('attachment; filename="Kuhnhof')
        doc = Document(io.BytesIO(r.content))
        assert doc.paragraphs[0].text == "Kuhnhof: village section"
        assert len(doc.inline_shapes) == 5
        again = httpx.get(url, params={"plan": plan_id, "lang": "en"}, timeout=300,
                          headers={"If-None-Match": r.headers["etag"]})
        assert again.status_code == 304
        for params, status, says in (
                ({"plan": other_plans["village"]}, 422, "is of village 'Wetzendorf'"),
                ({"plan": other_plans["area"]}, 422, "of the whole area"),
                ({"plan": 987654}, 404, "no plan with id 987654"),
                ({"lang": "fr"}, 422, "")):
            r = httpx.get(url, params=params, timeout=300)
            assert r.status_code == status, r.text
            assert says in str(r.json()["detail"])
        r = httpx.get(f"{base}/villages/987654/report.docx", timeout=60)
        assert r.status_code == 404
        assert "no village with id 987654" in r.json()["detail"]
