"""Print figures: pixel size of the paper, text that stays text, CJK labels, scale bar."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import matplotlib.image
import pytest
from sqlalchemy import Engine

from gis.context import Context
from maps.figure import render_figure
from maps.sheet import cjk_font
from tests.conftest import run_vgis


def test_cjk_font_installed() -> None:
    assert cjk_font() is not None


@pytest.mark.parametrize(("paper", "orientation", "dpi", "size_mm"), [
    ("A4", "landscape", 100, (297, 210)), ("A3", "portrait", 72, (297, 420))])
def test_png_has_paper_size(samples: Engine, tmp_path: Path, paper: Any, orientation: Any,
                            dpi: int, size_mm: tuple[int, int]) -> None:
    out = render_figure(Context.load(samples, "lauf", "Wetzendorf"), tmp_path / "f.png",
                        paper=paper, orientation=orientation, dpi=dpi)
    height, width = matplotlib.image.imread(out).shape[:2]
    assert abs(width - size_mm[0] / 25.4 * dpi) <= 1
    assert abs(height - size_mm[1] / 25.4 * dpi) <= 1


def test_pdf_keeps_text(engine: Engine, conformance: dict[str, Any], tmp_path: Path) -> None:
    out = render_figure(Context.load(engine, "conformance-lauf", "Lauf an der Pegnitz"),
                        tmp_path / "lights.pdf", view="lights", paper="A3")
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    for words in ("路灯亮化分析图", "Lauf an der Pegnitz", "图例", "村道", "未亮化路段",
                  "比例尺 1:", "OpenStreetMap", "亮化率", "65.9%", "67.2%"):
        assert words in text, words
    assert " m" in text or "km" in text  # the scale bar's label


def test_svg_and_cli(samples: Engine, tmp_path: Path) -> None:
    out = tmp_path / "corridor.svg"
    run_vgis("figure", "corridor", "--area", "north-bayreuth", "--lang", "en", "-o", str(out),
             "--dpi", "72")
    svg = out.read_text(encoding="utf-8")
    assert "<text" in svg
    assert "Villages along trunk roads" in svg
    html = tmp_path / "v.html"
    run_vgis("map", "village", "Kuhnhof", "--area", "lauf", "--view", "garbage", "-o", str(html))
    assert html.stat().st_size > 100_000


def test_candidates_sheet(samples: Engine, tmp_path: Path) -> None:
    out = tmp_path / "candidates.pdf"
    run_vgis("figure", "candidates", "--area", "north-bayreuth", "--paper", "A3", "-o", str(out))
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    for words in ("示范村候选排序图", "north-bayreuth", "图例", "得分", "前10名",
                  "1. Bremermühle", "68.5", "10. Sandreuth", "比例尺 1:"):
        assert words in text, words
