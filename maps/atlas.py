"""An atlas of an area (图集): one bound PDF with every village's sheets, as QGIS's atlas makes.

The pages, in order:
1. a cover: the area, the date, the organisation, what the atlas holds, the credits;
2. the contents (目录 / Contents): the overview, the table and each village, with pages;
3. the county overview sheet (villages by lit share);
4. the table of every village's figures (households, lit share, households served,
   drainage, hardening, corridor) — the stored figures of ``vgis figures`` when
   current (:func:`gis.figures.area_answers`), else computed once;
5. for each village (in the order asked for, else by id): its sheets of the chosen
   views (layout, lights, garbage), then its profile
   (:func:`gis.profile.village_profile`) as a table.

Every page carries its number and the credit line in the footer. The pages are
planned first (so each knows its number and the contents can list them), rendered
each into its own PDF by worker processes, one page at a time per process, and then
joined by qpdf (pikepdf), which copies page by page: no process holds the atlas.
"""

from __future__ import annotations

import math
import multiprocessing
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Engine

from gis.context import Context
from gis.figures import area_answers, area_corridor
from gis.params import CoverageOptions
from layers.errors import UnknownVillage, VgisError
from layers.runtime.settings import get_settings
from maps.credits import credit_line
from maps.sheet import Paper, footer, text_page
from maps.style import Lang, language
from maps.views import View

ATLAS_VIEWS: tuple[View, ...] = ("layout", "lights", "garbage")
CONTENTS_LINES = 26
"""Entries on one contents page."""
TABLE_ROWS = 22
"""Villages on one page of the table."""

PageKind = Literal["cover", "contents", "overview", "table", "sheet", "profile"]
Progress = Callable[[int, int], None]

_T: dict[str, tuple[str, str]] = {
    "atlas": ("村庄规划图集", "Village planning atlas"),
    "contents": ("目录", "Contents"), "overview": ("村庄总览图", "County overview"),
    "table": ("各村指标一览表", "Figures of every village"), "profile": ("村庄概况", "Profile"),
    "village": ("村庄", "Village"), "households": ("户数", "Households"),
    "lit": ("亮化率", "Lit share"), "served": ("垃圾收集覆盖率", "Households served"),
    "drained": ("排水覆盖率", "With drainage"), "hardened": ("道路硬化率", "Hardened"),
    "corridor": ("干道铁路距离(米)", "To trunk lines (m)"), "page": ("页", "Page"),
    "holds": ("本图集含 {v} 个村庄, 共 {p} 页", "{v} villages, {p} pages"),
    "layout": ("村庄布局图", "layout"), "lights": ("路灯亮化分析图", "lights"),
    "garbage": ("垃圾收集覆盖图", "garbage"),
}



def t(key: str, lang: Lang) -> str:
    """The atlas's word for ``key``."""
    zh, en = _T[key]
    return zh if lang == "zh" else en


@dataclass(frozen=True)
class Page:
    """One page: its number (from 1), kind, and the village / view / part it shows."""

    number: int
    kind: PageKind
    part: int = 0
    village_id: int | None = None
    village: str = ""
    view: View | None = None


@dataclass(frozen=True)
class AtlasPlan:
    """Every page of an atlas, known before any is drawn, and what the pages share."""

    area: str
    paper: Paper
    lang: Lang
    views: tuple[View, ...]
    villages: tuple[tuple[int, str], ...]
    pages: tuple[Page, ...]
    table: tuple[tuple[str, ...], ...]
    credit: str
    contents: tuple[tuple[str, int, bool], ...] = field(default=())  # title, page, indented

    def first_page(self, kind: PageKind, village_id: int | None = None) -> int:
        """The number of the first page of a kind (of a village)."""
        return next(p.number for p in self.pages
                    if p.kind == kind and (village_id is None or p.village_id == village_id))


def _share(a: dict[str, Any] | None, key: str) -> str:
    value = None if a is None else a.get(key)
    return "–" if value is None else f"{float(value):.1%}"


def _table(ctx: Context, lang: Lang) -> tuple[tuple[str, ...], ...]:
    """One row of figures per village (stored figures when current)."""
    options = CoverageOptions()
    by_kind = {kind: {a["village_id"]: a for a in area_answers(ctx, options.params(kind))}
               for kind in ("lights", "garbage", "drainage", "roads")}
    near = {r.village_id: r.distance_m for r in area_corridor(ctx)}
    rows = []
    for vid, name in zip(ctx.villages["id"], ctx.villages["name"], strict=True):
        g = by_kind["garbage"].get(int(vid))
        d = near.get(int(vid))
        rows.append((str(name), "–" if g is None else f"{g['households']:,}",
                     _share(by_kind["lights"].get(int(vid)), "lit_share"),
                     _share(g, "served_share"),
                     _share(by_kind["drainage"].get(int(vid)), "with_drainage_share"),
                     _share(by_kind["roads"].get(int(vid)), "hardened_share"),
                     "–" if d is None else f"{d:,.0f}"))
    return tuple(rows)


def plan_atlas(engine: Engine, area: str, *, villages: Sequence[str] | None = None,
               views: Sequence[View] = ATLAS_VIEWS, paper: Paper = "A4",
               lang: Lang | None = None) -> AtlasPlan:
    """Number every page of the atlas of ``area`` (``villages``: names or ids; default all).

    Raises
    ------
    UnknownVillage
        When a village asked for is not in the area (or the area has none).
    VgisError
        When no view is chosen or a view is unknown.
    """
    lang = language(lang)
    if not views or any(v not in ATLAS_VIEWS for v in views):
        raise VgisError(f"views are some of {', '.join(ATLAS_VIEWS)} (got {', '.join(views)})")
    ctx = Context.load(engine, area)
    frame = ctx.villages
    if villages:
        wanted = [str(v) for v in villages]
        known = {str(n) for n in frame["name"]} | {str(i) for i in frame["id"]}
        missing = [v for v in wanted if v not in known]
        if missing:
            raise UnknownVillage(f"no village {', '.join(missing)} in area {area!r}; "
                                 "`vgis villages --area` lists them")
        rank = {v: i for i, v in enumerate(wanted)}  # in the order asked for
        order = [min(rank.get(str(n), len(wanted)), rank.get(str(i), len(wanted)))
                 for n, i in zip(frame["name"], frame["id"], strict=True)]
        frame = frame.assign(_order=order)
        frame = frame[frame["_order"] < len(wanted)].sort_values("_order", kind="stable")
        ctx = Context(engine, area, ctx.epsg, frame.drop(columns="_order"))
    table = _table(ctx, lang)
    picked = tuple((int(i), str(n)) for i, n in zip(frame["id"], frame["name"], strict=True))
    n_contents = math.ceil((2 + len(picked)) / CONTENTS_LINES)
    kinds: list[tuple[PageKind, int, int | None, str, View | None]] = [("cover", 0, None, "", None)]
    kinds += [("contents", i, None, "", None) for i in range(n_contents)]
    kinds.append(("overview", 0, None, "", None))
    kinds += [("table", i, None, "", None) for i in range(math.ceil(len(table) / TABLE_ROWS))]
    for vid, name in picked:
        kinds += [("sheet", 0, vid, name, view) for view in views]
        kinds.append(("profile", 0, vid, name, None))
    pages = tuple(Page(n, k, part, vid, name, view)
                  for n, (k, part, vid, name, view) in enumerate(kinds, start=1))
    plan = AtlasPlan(area, paper, lang, tuple(views), picked, pages, table,
                     credit_line(engine, area, lang))
    contents = [(t("overview", lang), plan.first_page("overview"), False),
                (t("table", lang), plan.first_page("table"), False)]
    contents += [(name, plan.first_page("sheet", vid), True) for vid, name in picked]
    return replace(plan, contents=tuple(contents))


def _page_label(plan: AtlasPlan, page: Page) -> str:
    return (f"{t('page', plan.lang)} {page.number} / {len(plan.pages)}" if plan.lang == "en"
            else f"第 {page.number} 页 / 共 {len(plan.pages)} 页")


def _cover(fig: Any, plan: AtlasPlan) -> None:
    lang = plan.lang
    org = get_settings().organisation
    fig.text(0.5, 0.66, plan.area, ha="center", fontsize=30, fontweight="bold")
    fig.text(0.5, 0.56, t("atlas", lang), ha="center", fontsize=22)
    fig.text(0.5, 0.44, t("holds", lang).format(v=len(plan.villages), p=len(plan.pages)),
             ha="center", fontsize=12)
    fig.text(0.5, 0.38, date.today().isoformat(), ha="center", fontsize=12)
    if org:
        fig.text(0.5, 0.32, org, ha="center", fontsize=14)


def _contents(fig: Any, plan: AtlasPlan, part: int) -> None:
    fig.text(0.08, 0.9, t("contents", plan.lang), fontsize=20, fontweight="bold")
    lines = plan.contents[part * CONTENTS_LINES:(part + 1) * CONTENTS_LINES]
    step = 0.78 / CONTENTS_LINES
    for i, (title, number, indented) in enumerate(lines):
        y = 0.84 - i * step
        fig.text(0.12 if indented else 0.08, y, title, fontsize=10)
        fig.text(0.92, y, str(number), fontsize=10, ha="right")
        fig.add_artist(_leader(fig, 0.5, 0.9, y))


def _leader(fig: Any, x0: float, x1: float, y: float) -> Any:
    from matplotlib.lines import Line2D

    return Line2D([x0, x1], [y + 0.003, y + 0.003], transform=fig.transFigure, color="#bbb",
                  lw=0.5, ls=":")


def _grid(fig: Any, title: str, columns: list[str], rows: list[list[str]]) -> None:
    fig.text(0.05, 0.92, title, fontsize=16, fontweight="bold")
    ax = fig.add_axes((0.05, 0.08, 0.9, 0.8))
    ax.set_axis_off()
    if not rows:
        return
    height = min(1.0, (len(rows) + 1) / (TABLE_ROWS + 1))
    table = ax.table(cellText=rows, colLabels=columns, bbox=(0, 1 - height, 1, height),
                     cellLoc="right", colLoc="center")
    table.auto_set_font_size(False)
    table.set_fontsize(8)
    for (r, c), cell in table.get_celld().items():
        if c == 0 and r > 0:
            cell.set_text_props(ha="left")


def render_page(engine: Engine, plan: AtlasPlan, page: Page, output: Path) -> Path:
    """Draw one page of the atlas into its own PDF ``output``."""
    from maps.figure import render_figure

    lang, label = plan.lang, _page_label(plan, page)
    if page.kind in ("overview", "sheet"):
        ctx = (Context.load(engine, plan.area) if page.kind == "overview"
               else Context.load(engine, plan.area, village_id=page.village_id))
        return render_figure(ctx, output, kind="village" if page.kind == "sheet" else "overview",
                             view=page.view or "layout", paper=plan.paper, dpi=150, lang=lang,
                             page=label)
    with text_page(output, plan.paper) as fig:
        if page.kind == "cover":
            _cover(fig, plan)
        elif page.kind == "contents":
            _contents(fig, plan, page.part)
        elif page.kind == "table":
            rows = plan.table[page.part * TABLE_ROWS:(page.part + 1) * TABLE_ROWS]
            _grid(fig, t("table", lang), [t(k, lang) for k in (
                "village", "households", "lit", "served", "drained", "hardened", "corridor")],
                [list(r) for r in rows])
        else:
            from gis.profile import village_profile
            from maps.report import profile_rows  # the profile as the Word section has it

            ctx = Context.load(engine, plan.area, village_id=page.village_id)
            _grid(fig, f"{page.village} · {t('profile', lang)}", ["", ""],
                  profile_rows(village_profile(ctx), lang))
        footer(fig, plan.credit, label)
    return output


_ENGINES: dict[str, Engine] = {}


def _render_in_worker(url: str, plan: AtlasPlan, page: Page, folder: str) -> tuple[int, str]:
    """A page drawn in a worker process (its own engine to the store)."""
    from layers.runtime.db import make_engine

    if url not in _ENGINES:
        _ENGINES[url] = make_engine(url)
    out = render_page(_ENGINES[url], plan, page, Path(folder) / f"{page.number:05d}.pdf")
    return page.number, str(out)


@dataclass
class AtlasResult:
    """The atlas written: its file, pages, villages, seconds, worker processes."""

    output: Path
    pages: int
    villages: int
    seconds: float
    workers: int


def _join(plan: AtlasPlan, files: list[Path], output: Path) -> None:
    """Join the pages' PDFs in order (qpdf copies page by page), with bookmarks."""
    import pikepdf

    sources = []
    with pikepdf.Pdf.new() as out:
        for path in files:
            src = pikepdf.Pdf.open(path)
            sources.append(src)
            out.pages.extend(src.pages)
        with out.open_outline() as outline:
            for title, number, _ in plan.contents:
                outline.root.append(pikepdf.OutlineItem(title, number - 1))
        out.docinfo["/Title"] = f"{plan.area} · {t('atlas', plan.lang)}"
        output.parent.mkdir(parents=True, exist_ok=True)
        out.save(output)
    for src in sources:
        src.close()


def build_atlas(engine: Engine, area: str, output: Path, *,
                villages: Sequence[str] | None = None, views: Sequence[View] = ATLAS_VIEWS,
                paper: Paper = "A4", lang: Lang | None = None, workers: int | None = None,
                progress: Progress | None = None) -> AtlasResult:
    """Write the atlas of ``area`` to ``output`` (PDF), pages drawn by ``workers`` processes.

    Parameters
    ----------
    engine
        The store (its URL is handed to the worker processes).
    area, villages, views, paper, lang
        As :func:`plan_atlas`.
    output
        The PDF to write.
    workers
        Processes drawing pages (default: the number of cores; 1 draws in this process).
    progress
        Called with (pages done, pages in all).
    """
    if output.suffix.lower() != ".pdf":
        raise VgisError(f"{output.name}: an atlas is a .pdf")
    start = time.perf_counter()
    plan = plan_atlas(engine, area, villages=villages, views=views, paper=paper, lang=lang)
    n = max(1, workers or multiprocessing.cpu_count())
    done: dict[int, Path] = {}
    with tempfile.TemporaryDirectory(prefix="vgis-atlas-") as tmp:
        if progress:
            progress(0, len(plan.pages))
        if n == 1:
            for page in plan.pages:
                done[page.number] = render_page(engine, plan, page,
                                                Path(tmp) / f"{page.number:05d}.pdf")
                if progress:
                    progress(len(done), len(plan.pages))
        else:
            url = engine.url.render_as_string(hide_password=False)
            spawn = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=n, mp_context=spawn) as pool:
                futures = [pool.submit(_render_in_worker, url, plan, p, tmp) for p in plan.pages]
                for fut in as_completed(futures):
                    number, path = fut.result()
                    done[number] = Path(path)
                    if progress:
                        progress(len(done), len(plan.pages))
        _join(plan, [done[p.number] for p in plan.pages], output)
    return AtlasResult(output, len(plan.pages), len(plan.villages),
                       time.perf_counter() - start, n)
