"""The atlas: pages planned, numbered and listed in the contents; drawn in processes; joined."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import httpx
import pikepdf
import pytest
from sqlalchemy import Engine

from maps.atlas import build_atlas, plan_atlas
from testkit.server import uvicorn_server
from tests.conftest import run_vgis


def page_texts(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    return text.split("\f")[:-1]


def test_plan_numbers_every_page(samples: Engine) -> None:
    plan = plan_atlas(samples, "lauf", views=["layout", "lights"])
    n = len(plan.villages)
    assert n == 9
    assert len(plan.pages) == 1 + 1 + 1 + 1 + n * 3  # cover, contents, overview, table
    assert [p.number for p in plan.pages] == list(range(1, len(plan.pages) + 1))
    assert plan.contents[0][1] == 3  # the overview follows cover and contents
    assert [c[1] for c in plan.contents[2:]] == [5 + 3 * i for i in range(n)]
    assert len(plan.table) == n


def test_atlas_pages_contents_footer_bookmarks(samples: Engine, tmp_path: Path) -> None:
    picked = ["Kuhnhof", "Rudolfshof", "Kotzenhof"]
    out = build_atlas(samples, "lauf", tmp_path / "atlas.pdf", villages=picked,
                      views=["layout", "garbage"], workers=2)
    assert out.pages == 4 + 3 * 3
    assert out.workers == 2
    texts = page_texts(out.output)
    assert len(texts) == out.pages
    for number, text in enumerate(texts, start=1):
        assert f"第 {number} 页 / 共 {out.pages} 页" in text
        assert "OpenStreetMap" in text  # the credit of the area's sources, on every page
    assert "lauf" in texts[0]
    assert "村庄规划图集" in texts[0]
    assert "目录" in texts[1]
    listed = {name: int(m.group(1)) for name in picked
              if (m := re.search(rf"{name}\s.*?(\d+)\s*$", texts[1], re.M))}
    assert set(listed) == set(picked)
    for name, first in listed.items():  # the contents point at the village's first sheet
        assert name in texts[first - 1]
        assert "村庄布局图" in texts[first - 1]
        assert "垃圾" in texts[first]  # then its garbage sheet, then its profile
        assert "村庄概况" in texts[first + 1]
        assert "户数" in texts[first + 1]
    assert "各村指标一览表" in texts[3]
    assert all(name in texts[3] for name in picked)
    with pikepdf.open(out.output) as pdf, pdf.open_outline() as outline:
        titles = [item.title for item in outline.root]
    assert titles[2:] == picked


def test_cli_and_http(samples: Engine, tmp_path: Path) -> None:
    out = tmp_path / "one.pdf"
    said = run_vgis("atlas", "--area", "lauf", "--villages", "Kuhnhof", "--views", "layout",
                    "--workers", "1", "--lang", "en", "-o", str(out)).stdout
    assert "6 pages, 1 villages" in said
    texts = page_texts(out)
    assert "Contents" in texts[1]
    assert "Page 6 / 6" in texts[5]
    bad = run_vgis("atlas", "--area", "lauf", "--views", "colour", "-o", str(out), check=False)
    assert bad.returncode == 2
    assert "views are some of" in bad.stderr
    with uvicorn_server(workers=1) as base:
        r = httpx.get(f"{base}/areas/lauf/atlas.pdf",
                      params={"villages": "Kuhnhof", "views": "layout,lights"}, timeout=300)
        assert r.status_code == 200, r.text
        assert r.headers["content-type"] == "application/pdf"
        assert "attachment" in r.headers["content-disposition"]
        (tmp_path / "http.pdf").write_bytes(r.content)
        assert len(page_texts(tmp_path / "http.pdf")) == 4 + 3
        assert httpx.get(f"{base}/areas/nowhere/atlas.pdf", timeout=60).status_code == 404
        assert httpx.get(f"{base}/areas/lauf/atlas.pdf", params={"villages": "Nowhere"},
                         timeout=60).status_code == 404
        assert httpx.get(f"{base}/areas/lauf/atlas.pdf", params={"views": "x"},
                         timeout=60).status_code == 422


@pytest.mark.parametrize("suffix", [".png", ".docx"])
def test_atlas_is_a_pdf(samples: Engine, tmp_path: Path, suffix: str) -> None:
    from layers.errors import VgisError

    with pytest.raises(VgisError, match=r"an atlas is a \.pdf"):
        build_atlas(samples, "lauf", tmp_path / f"a{suffix}")
