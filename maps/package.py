"""The offline package of one village: its maps, layers, print sheets and a README in one zip.

For township staff who work without network: :func:`village_package` writes a zip of

- ``index.html``, ``map-lights.html``, ``map-garbage.html``: the village map's layout,
  lights and garbage views (:func:`maps.views.village_map`), every script inlined, so
  they open from disk with no network; a bar at the top links the three;
- ``layers.gpkg``: one GeoPackage layer per canonical layer (the village itself, and
  the existing features within :data:`MARGIN_M` of it), EPSG:4326, fields as
  ``vgis export`` writes them; with a plan, its features as ``plan_<layer>``;
- ``sheets/layout.pdf``, ``sheets/lights.pdf``, ``sheets/garbage.pdf``: the print
  sheets (A4 landscape, :func:`maps.figure.render_figure`);
- ``village.docx``: the village's section of the plan in Word (:mod:`maps.report`);
- ``README.txt``: what is inside and how to open it, in Chinese and English.

With a plan, the maps and sheets draw the plan's features (before/after) and say its
name and version. The parts are :data:`MEMBERS`: one more file is one more entry, and
the README lists it. Each part is written to a temporary file and copied into the zip
from there; the zip appears at its path only when complete.
"""

from __future__ import annotations

import datetime as dt
import html
import tempfile
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pyogrio
import shapely
from sqlalchemy import Engine

from gis.context import Context, find_villages
from gis.params import CoverageOptions, LightingParams, ServiceParams
from gis.plans import ContextMaker, cold_context
from layers.errors import VgisError
from layers.plans import PLAN_REACH_M, Frames, Plan, plan_snapshot, plan_village
from layers.schema import LAYERS
from layers.store import attrs_to_text, read_layer
from maps.credits import credit_line
from maps.style import Lang, language, word
from maps.views import View, view_analysis

MARGIN_M = PLAN_REACH_M
"""The layers' features lie within this of the village polygon, metres (the reach a
plan's features have from their village: a light on the boundary road)."""
SHEET_DPI = 150
Bilingual = tuple[str, str]  # (zh, en)
_BROWSER: Bilingual = ("用浏览器（Chrome、Edge、Firefox）直接打开，无需联网",
                       "open in a web browser (Chrome, Edge, Firefox) from disk; no network")
_QGIS: Bilingual = ("用 QGIS 打开（拖入窗口，或“图层 → 添加图层 → 矢量图层”）",
                    "open in QGIS (drag it in, or Layer → Add Layer → Vector Layer)")
_PDF: Bilingual = ("用 PDF 阅读器打开或打印（A4 横向）",
                   "open or print with a PDF reader (A4 landscape)")
_WORD: Bilingual = ("用 Word 或 WPS、LibreOffice 打开、编辑",
                    "open and edit in Word, WPS or LibreOffice")


@dataclass
class Job:
    """What every part of a package is made from.

    ``ctx`` is the village (with the plan's features when a plan is packed), read once
    for every map and sheet; ``counts`` is filled by the GeoPackage (layer → features).
    """

    engine: Engine
    ctx: Context
    lang: Lang
    options: CoverageOptions
    plan: Plan | None = None
    plan_frames: Frames = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    make: ContextMaker = cold_context

    @property
    def village(self) -> str:
        """The village's name."""
        return str(self.ctx.villages["name"].iloc[0])

    @property
    def subject(self) -> str | None:
        """The line under a sheet's title with a plan (as ``vgis plan export``), else None."""
        if self.plan is None:
            return None
        return (f"{self.plan.name} — {self.village} ({self.ctx.area}), "
                f"v{self.plan.version}")


@dataclass(frozen=True)
class Member:
    """One file of the package: its name in the zip, what it is, how to open it, its maker."""

    name: str
    what: Bilingual
    how: Bilingual
    make: Callable[[Job, Path], Any]


@dataclass(frozen=True)
class Package:
    """A package written: its path, the village, its files (name, bytes) and the time taken."""

    path: Path
    village: str
    area: str
    plan: Plan | None
    files: list[tuple[str, int]]
    seconds: float


# --- the maps ---------------------------------------------------------------------------

_MAPS: tuple[tuple[str, View, str], ...] = (
    ("index.html", "layout", "village_layout"), ("map-lights.html", "lights", "lights_map"),
    ("map-garbage.html", "garbage", "garbage_map"))


def _nav(current: str, lang: Lang) -> str:
    """The bar linking the package's three maps (relative links: they work from disk)."""
    links = [f"<b>{html.escape(word(title, lang))}</b>" if file == current else
             f"<a href='{file}'>{html.escape(word(title, lang))}</a>"
             for file, _, title in _MAPS]
    return ("<div class='vgis-package-nav' style='position:fixed;top:8px;left:50%;"
            "transform:translateX(-50%);z-index:1000;background:#fff;padding:4px 10px;"
            "border-radius:4px;font:13px sans-serif;box-shadow:0 1px 5px rgba(0,0,0,.4)'>"
            + " · ".join(links) + "</div>")


def _map(file: str, view: View) -> Callable[[Job, Path], None]:
    def make(job: Job, out: Path) -> None:
        from branca.element import Element, Figure

        from maps.views import village_map

        fmap = village_map(job.ctx, view=view, options=job.options, lang=job.lang)
        page = fmap.get_root()
        assert isinstance(page, Figure)
        page.html.add_child(Element(_nav(file, job.lang)), name="vgis_nav")
        fmap.save(str(out))
    return make


# --- the sheets -------------------------------------------------------------------------

def _sheet(view: View) -> Callable[[Job, Path], None]:
    def make(job: Job, out: Path) -> None:
        from maps.figure import render_figure

        render_figure(job.ctx, out, view=view, options=job.options, paper="A4",
                      orientation="landscape", dpi=SHEET_DPI, lang=job.lang,
                      subject=job.subject)
    return make


# --- the layers -------------------------------------------------------------------------

def _for_file(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Store columns as ``vgis export`` writes them (re-import gives the same features)."""
    frame = attrs_to_text(frame).drop(columns=["id"])
    return frame.rename(columns={"area": "vgis_area", "source": "vgis_src"})


def village_layers(job: Job) -> dict[str, gpd.GeoDataFrame]:
    """Every canonical layer of the village, EPSG:4326: what ``layers.gpkg`` holds.

    ``villages`` is the village itself; every other layer its existing features within
    :data:`MARGIN_M` metres of the village polygon (planar, in the area's metric CRS);
    with a plan, its features as ``plan_<layer>``.
    """
    ctx = job.ctx
    village_id = int(ctx.villages["id"].iloc[0])
    polygon = ctx.villages.geometry.iloc[0]
    bbox = ctx.bbox(MARGIN_M * 1.5)  # the GiST prefilter; the exact test is below
    out: dict[str, gpd.GeoDataFrame] = {}
    for name in LAYERS:
        frame = read_layer(job.engine, name, area=ctx.area, bbox=bbox, statuses=("existing",))
        keep: npt.NDArray[np.bool_]
        if name == "villages":
            keep = (frame["id"] == village_id).to_numpy(dtype=bool)
        else:
            metric = frame.geometry.to_crs(ctx.epsg).to_numpy()
            keep = (np.asarray(shapely.dwithin(metric, polygon, MARGIN_M), dtype=bool)
                    if len(frame) else np.zeros(0, dtype=bool))
        out[name] = _for_file(frame[keep])
    if job.plan is not None:
        for name, planned in sorted(job.plan_frames.items()):
            out[f"plan_{name}"] = planned.drop(columns="id").assign(
                status="planned", plan_id=job.plan.id, plan=job.plan.name,
                feature_id=planned["id"])
    return out


def write_layers(job: Job, out: Path) -> None:
    """``layers.gpkg``: :func:`village_layers`, one GeoPackage layer each (empty ones too)."""
    for name, frame in village_layers(job).items():
        spec = LAYERS.get(name.removeprefix("plan_"))
        kinds = spec.geometry_types if spec is not None else ()
        kind = kinds[0] if len(kinds) == 1 else "Unknown"
        pyogrio.write_dataframe(frame, out, layer=name, driver="GPKG",
                                geometry_type=kind, promote_to_multi=kind.startswith("Multi"))
        job.counts[name] = len(frame)


# --- the Word section -------------------------------------------------------------------

def _section(job: Job, out: Path) -> None:
    """The village's section of the plan (:func:`maps.report.village_report`)."""
    from maps.report import village_report

    village_report(job.engine, job.ctx.area, int(job.ctx.villages["id"].iloc[0]), out,
                   plan_id=None if job.plan is None else job.plan.id, lang=job.lang,
                   make=job.make)


MEMBERS: tuple[Member, ...] = (
    Member("index.html", ("村庄布局图（交互地图），顶部可切换路灯、垃圾分析图",
                          "the village layout map (interactive); the bar on top switches views"),
           _BROWSER, _map("index.html", "layout")),
    Member("map-lights.html", ("路灯亮化分析图（交互地图）", "street-light coverage map"),
           _BROWSER, _map("map-lights.html", "lights")),
    Member("map-garbage.html", ("垃圾收集覆盖分析图（交互地图）",
                                "garbage collection coverage map"),
           _BROWSER, _map("map-garbage.html", "garbage")),
    Member("layers.gpkg", ("村庄图层（GeoPackage，EPSG:4326），每个图层一张表",
                           "the village's layers (GeoPackage, EPSG:4326), one table per layer"),
           _QGIS, write_layers),
    Member("sheets/layout.pdf", ("村庄布局图（打印图纸）", "village layout sheet"), _PDF,
           _sheet("layout")),
    Member("sheets/lights.pdf", ("路灯亮化分析图（打印图纸）", "street-light coverage sheet"), _PDF,
           _sheet("lights")),
    Member("sheets/garbage.pdf", ("垃圾收集覆盖分析图（打印图纸）", "garbage coverage sheet"), _PDF,
           _sheet("garbage")),
    Member("village.docx", ("村庄专章（Word 文档：概况、设施覆盖、图、表）",
                            "the village's section of the plan (Word: profile, coverage, "
                            "figures, tables)"), _WORD, _section),
)
"""The files of a package in the order they are made and listed; the README comes last."""


# --- the README -------------------------------------------------------------------------

def _title(layer: str) -> str:
    """A GeoPackage layer's name in both languages (``plan_lights``: the plan's lights)."""
    spec = LAYERS[layer.removeprefix("plan_")]
    if layer.startswith("plan_"):
        return f"规划{spec.title_zh} / planned {spec.title_en.lower()}"
    return f"{spec.title_zh} / {spec.title_en}"


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n / 1e3:.0f} kB"


def parameter_lines(options: CoverageOptions) -> list[str]:
    """The analysis parameters of the package's views, one line per kind, both languages."""
    lights = options.params("lights")
    garbage = options.params("garbage")
    assert isinstance(lights, LightingParams)
    assert isinstance(garbage, ServiceParams)
    planned = "是 / yes" if options.include_planned else "否 / no"
    return [
        f"  路灯 / lights: 照明半径 reach {lights.radius_m:g} m; 道路等级 road classes "
        f"{', '.join(lights.classes)}; 最短未亮化路段 shortest gap {lights.min_gap_m:g} m; "
        f"新灯间距 spacing of new lights {lights.light_spacing_m:g} m",
        f"  垃圾 / garbage: 服务半径 radius {garbage.radius_m:g} m ({garbage.distance}); "
        f"计入 classes {', '.join(garbage.classes)}; 目标覆盖率 target share "
        f"{garbage.target_share:.0%}",
        f"  计入规划要素 / planned features counted: {planned}",
    ]


def readme(job: Job, files: Sequence[tuple[Member, int]], made: dt.datetime) -> str:
    """``README.txt``: contents and how to open each, village, date, parameters, sources."""
    ctx = job.ctx
    lines = [f"{job.village}（{ctx.area}）村庄离线资料包 / offline package of the village "
             f"{job.village} (area {ctx.area})", "",
             f"生成时间 / made: {made:%Y-%m-%d %H:%M} (UTC)",
             "先解压整个资料包，再打开 index.html / unzip the whole package first, then open "
             "index.html"]
    if job.plan is not None:
        lines.append(f"规划 / plan: {job.plan.name} (id {job.plan.id}, v{job.plan.version}) "
                     "— 地图和图纸含规划要素 / the maps and sheets draw its features")
    lines += ["", "内容 / contents:"]
    for member, size in files:
        name = member.name
        lines += [f"- {name} ({_size(size)})", f"    {member.what[0]} / {member.what[1]}",
                  f"    打开方式：{member.how[0]} / {member.how[1]}"]
        if name == "layers.gpkg":
            lines += [f"    {layer}: {n} ({_title(layer)})" for layer, n in job.counts.items()]
            lines.append(f"    （村域外 {MARGIN_M:g} 米以内的现状要素 / existing features within "
                         f"{MARGIN_M:g} m of the village）")
    lines += ["", "分析参数 / analysis parameters:", *parameter_lines(job.options), "",
              "数据来源 / data sources:",
              f"  {credit_line(job.engine, ctx.area, 'zh') or '—'}",
              f"  {credit_line(job.engine, ctx.area, 'en') or '—'}", ""]
    return "\n".join(lines)


# --- the package ------------------------------------------------------------------------

def package_job(engine: Engine, village_id: int, *, plan_id: int | None = None,
                lang: str | None = None, options: CoverageOptions | None = None,
                make: ContextMaker = cold_context) -> Job:
    """The village (by id) and, with ``plan_id``, its plan, ready to be packed.

    Raises
    ------
    UnknownVillage, UnknownPlan
        For an unknown village or plan (404).
    VgisError
        For a plan of another village, or of a whole area (422).
    """
    chosen = language(lang)
    found = find_villages(engine, village_id=village_id)
    area = str(found["area"].iloc[0])
    plan: Plan | None = None
    frames: Frames = {}
    if plan_id is not None:
        plan, frames = plan_snapshot(engine, plan_id)
        if plan.village_id is None:
            raise VgisError(f"plan {plan.id} is of the whole area {plan.area!r}: a package "
                            "is of one village's plan")
        if plan.area != area or plan_village(engine, plan) != village_id:
            raise VgisError(f"plan {plan.id} is of village {plan.village!r} ({plan.area}), "
                            f"not of {found['name'].iloc[0]!r} ({area}): package that "
                            f"village, or one of this village's plans (vgis plan list "
                            f"--area {area})")
    ctx = make(engine, area, village_id)
    if plan is not None:  # the plan's maps and sheets draw it
        ctx.plan = frames
        options = replace(options or CoverageOptions(), include_planned=True)
    options, _ = view_analysis("layout", options)  # planned features drawn unless told
    return Job(engine, ctx, chosen, options, plan, frames, make=make)


def write_package(job: Job, output: Path, members: Sequence[Member] = MEMBERS,
                  say: Callable[[str], None] = lambda _: None) -> Package:
    """Write ``job``'s package to ``output`` (.zip): each member made, zipped, deleted.

    The zip is written next to ``output`` under a temporary name and renamed when
    complete, so a failure leaves nothing behind. ``say`` hears each file as it is made.
    """
    started = time.perf_counter()
    output.parent.mkdir(parents=True, exist_ok=True)
    part = output.with_name(f".{output.name}.part")
    files: list[tuple[Member, int]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="vgis-package-") as tmp, zipfile.ZipFile(
                part, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            for member in members:
                path = Path(tmp) / member.name
                path.parent.mkdir(parents=True, exist_ok=True)
                member.make(job, path)
                zf.write(path, arcname=member.name)  # copied in chunks
                files.append((member, path.stat().st_size))
                path.unlink()
                say(f"{member.name} ({_size(files[-1][1])})")
            text = readme(job, files, dt.datetime.now(dt.UTC)).encode("utf-8")
            zf.writestr("README.txt", text)
        part.replace(output)
    finally:
        part.unlink(missing_ok=True)
    return Package(output, job.village, job.ctx.area, job.plan,
                   [(m.name, n) for m, n in files] + [("README.txt", len(text))],
                   time.perf_counter() - started)


def village_package(engine: Engine, village_id: int, output: Path, *,
                    plan_id: int | None = None, lang: str | None = None,
                    options: CoverageOptions | None = None,
                    make: ContextMaker = cold_context,
                    say: Callable[[str], None] = lambda _: None) -> Package:
    """Write the offline package of a village (by id) to ``output``.

    Parameters
    ----------
    engine
        The store.
    village_id
        The village (``vgis villages`` lists the ids).
    output
        The zip to write (replaced when it exists).
    plan_id
        A plan of this village: the maps and sheets draw it, the GeoPackage holds its
        features as ``plan_<layer>``.
    lang
        Labels of the maps and sheets, ``zh`` or ``en`` (default ``VGIS_LANGUAGE``);
        the README is in both.
    options
        The coverage analysis of the lights and garbage views (default: the defaults in
        force, planned features drawn).
    make
        Makes the village's context (the service passes its warm areas').
    say
        Hears each file as it is made.

    Raises
    ------
    UnknownVillage, UnknownPlan
        For an unknown village or plan.
    VgisError
        For a plan of another village or of a whole area.
    """
    job = package_job(engine, village_id, plan_id=plan_id, lang=lang, options=options,
                      make=make)
    return write_package(job, output, say=say)
