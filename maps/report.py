"""A village's section of a plan as a Word document (.docx), in Chinese or English.

:func:`village_report` writes (:class:`maps.document.WordDocument`):

- the title (the village, its area; with a plan its name and version), the date and the
  organisation (``VGIS_ORGANISATION``);
- 村庄概况 / Village profile: :func:`gis.profile.village_profile` as a table;
- 设施覆盖 / Coverage: street lights, garbage, drainage and road hardening, the figures
  before and, with a plan, after (:func:`gis.plans.plan_figures`), each with the
  parameters used (each kind's defaults, as a plan's figures are computed);
- 图件 / Figures: the village's print sheets (layout, lights, garbage, as surveyed; with
  a plan also its plan sheets) at 150 dpi, 16 cm wide, numbered;
- 明细 / Details: unlit stretches, unserved households, proposed lights and collection
  points (with a plan: what still lacks once it is built, and the plan's own features),
  each list cut at :data:`MAX_ROWS` rows with the number left out;
- the credit line of the area's data (:func:`maps.credits.credit_line`).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import NDArray
from sqlalchemy import Engine

from gis.context import Context
from gis.coverage import coverage
from gis.params import CoverageOptions, CoverageParams
from gis.plans import ContextMaker, Frames, cold_context, plan_figures
from gis.profile import VillageProfile, village_profile
from gis.results import Coverage, reported
from layers.errors import VgisError
from layers.plans import Plan, plan_snapshot, plan_village
from layers.runtime.settings import get_settings
from maps.credits import credit_line
from maps.document import WordDocument
from maps.figure import plan_sheet, render_figure
from maps.report_words import KIND_ROWS, KINDS, label, number, says
from maps.style import Lang, language, word
from maps.views import View

MAX_ROWS = 200
"""The longest list the section prints; the rest is counted ("… N more")."""
SHEET_DPI = 150
"""The resolution the print sheets are rendered at for the document."""
_SHEETS: tuple[View, ...] = ("layout", "lights", "garbage")
_TITLES = {"layout": "village_layout", "lights": "lights_map", "garbage": "garbage_map"}


class PlanNotOfVillage(VgisError):
    """A plan given for a village's section that is not a plan of that village."""


@dataclass(frozen=True)
class VillageReport:
    """A written section: where it is, of which village and plan, and what it holds.

    ``listed`` counts every row of each list of the details (before the cut at
    :data:`MAX_ROWS`): ``unlit_gaps``, ``unserved_buildings``, ``proposed_lights``,
    ``proposed_points``.
    """

    path: Path
    area: str
    village_id: int
    village: str
    plan_id: int | None
    plan_version: int | None
    figures: int
    tables: int
    listed: dict[str, int]


def report_plan(engine: Engine, plan_id: int, area: str, village_id: int, village: str
                ) -> tuple[Plan, Frames]:
    """The plan and its features (one snapshot), checked to be of this village.

    Raises
    ------
    UnknownPlan
        When there is no such plan (404).
    PlanNotOfVillage
        For an area-wide plan, or a plan of another village.
    """
    plan, frames = plan_snapshot(engine, plan_id)
    if plan.village_id is None:
        raise PlanNotOfVillage(f"plan {plan.id} ({plan.name}) is of the whole area "
                               f"{plan.area!r}: a village's section takes a plan of the village")
    if plan.area != area or plan_village(engine, plan) != village_id:
        raise PlanNotOfVillage(f"plan {plan.id} ({plan.name}) is of village {plan.village!r} "
                               f"in area {plan.area!r}, not of {village!r} ({area}); "
                               f"`vgis plan list --area {area}` lists the plans")
    return plan, frames


def village_report(engine: Engine, area: str, village_id: int, output: Path, *,
                   plan_id: int | None = None, lang: Lang | None = None,
                   make: ContextMaker = cold_context) -> VillageReport:
    """Write the village's section (.docx) to ``output``.

    Parameters
    ----------
    engine
        The store.
    area, village_id
        The village.
    output
        The file to write (``.docx``).
    plan_id
        A plan of this village: its figures after, its sheets and features too.
    lang
        ``zh`` or ``en`` (default ``VGIS_LANGUAGE``).
    make
        Makes the contexts (the service's are warm).

    Raises
    ------
    VgisError
        For an output that is not .docx, an unknown village (UnknownVillage) or plan
        (UnknownPlan), or a plan not of this village (:class:`PlanNotOfVillage`).
    """
    lang = language(lang)
    if output.suffix.lower() != ".docx":
        raise VgisError(f"{output.name}: a village's section is written as .docx")
    ctx = make(engine, area, village_id)
    known = ctx.villages["name"].iloc[0]
    name = str(known) if isinstance(known, str) and known else str(village_id)
    plan: Plan | None = None
    frames: Frames = {}
    if plan_id is not None:
        plan, frames = report_plan(engine, plan_id, area, village_id, name)
    profile = village_profile(ctx)
    params = {k: CoverageOptions(include_planned=False).params(k) for k in KINDS}
    after: dict[str, dict[str, Any]] | None = None
    if plan is None:
        found = {k: coverage(ctx, params[k], details=k in ("lights", "garbage"))[0]
                 for k in KINDS}
        before = {k: c.figures.model_dump() for k, c in found.items()}
        details = {k: found[k] for k in ("lights", "garbage")}
    else:
        planned = make(engine, area, village_id)
        figures = plan_figures(planned, frames, KINDS)
        before = {k: v["before"] for k, v in figures.items()}
        after = {k: v["after"] for k, v in figures.items()}
        with planned.as_built():  # what the plan still lacks
            details = {k: coverage(planned, params[k], details=True)[0]
                       for k in ("lights", "garbage")}
    doc = WordDocument(lang)
    _title(doc, name, area, plan, lang)
    doc.heading(says("profile", lang))
    doc.table([says("item", lang), says("value", lang)], profile_rows(profile, lang),
              caption=f"{says('profile', lang)} — {name}", right=(1,))
    _coverage(doc, before, after, params, lang)
    with tempfile.TemporaryDirectory(prefix="vgis-report-") as tmp:
        doc.heading(says("figures", lang))
        for image, caption in _sheets(engine, ctx, plan, Path(tmp), lang, make):
            doc.figure(image, caption)
        doc.heading(says("details", lang))
        listed = _details(doc, details, frames, plan is not None, lang)
        credit = credit_line(engine, area, lang)
        if credit:
            doc.paragraph(credit, small=True)
        doc.save(output)
    return VillageReport(output, area, village_id, name, None if plan is None else plan.id,
                         None if plan is None else plan.version, doc.figures, doc.tables,
                         listed)


def _title(doc: WordDocument, name: str, area: str, plan: Plan | None, lang: Lang) -> None:
    """The title, the place and plan, the date, the organisation and the plan's note."""
    zh = lang == "zh"
    place = f"{word('area', lang)}{'：' if zh else ': '}{area}"
    if plan is not None:
        place += (f"；{says('plan', lang)}：{plan.name}（第 {plan.version} 版）" if zh
                  else f" · {says('plan', lang)}: {plan.name}, version {plan.version}")
    sep = "：" if zh else ": "
    lines = [place, f"{word('date', lang)}{sep}{dt.date.today().isoformat()}"]
    org = get_settings().organisation.strip()
    if org:
        lines.append(f"{word('author', lang)}{sep}{org}")
    if plan is not None and plan.note:
        lines.append(f"{says('note', lang)}{sep}{plan.note}")
    doc.title(says("title", lang).format(village=name), lines)


def profile_rows(p: VillageProfile, lang: Lang) -> list[list[str]]:
    """The profile as (label, value) rows, in the section's units."""
    zh = lang == "zh"
    joiner = "、" if zh else ", "

    def km(metres: float | None) -> str:
        return "–" if metres is None else f"{metres / 1000:,.1f}"

    def line(near: Any) -> str:
        if near.distance_m is None:
            return "–"
        what = [near.name or "–", label(near.class_ or "other", lang),
                f"{km(near.distance_m)} {'公里' if zh else 'km'}"]
        return ("，" if zh else ", ").join(what)

    def listed(classes: Sequence[str]) -> str:
        return joiner.join(label(c, lang) for c in classes) or "–"

    population = p.population
    if isinstance(population, float) and population.is_integer():
        population = int(population)
    rows = [[says("village_name", lang), p.village or "–"], [word("area", lang), p.area],
            [says("code", lang), p.code or "–"],
            [says("boundary_source", lang), label(p.boundary_source, lang)],
            [says("area_km2", lang), f"{p.area_km2:,.2f}"],
            [says("population", lang), number("population", population)],
            [label("households", lang), number("households", p.households)],
            [says("profile_road_m", lang), number("road_length_m", p.road_length_m)]]
    rows += [[f"    {label(c, lang)}", number("m", v)] for c, v in p.road_length_by_class_m.items()]
    rows += [[label("lights", lang), number("lights", p.lights)],
             [says("lights_working", lang), number("lights", p.lights_working)]]
    for key, counts in (("garbage_points", p.garbage_points), ("facilities", p.facilities)):
        rows.append([says(key, lang), number("n", sum(counts.values()))])
        rows += [[f"    {label(c, lang)}", number("n", n)] for c, n in sorted(counts.items())]
    present = [c for c, there in p.standard_facilities.items() if there]
    rows += [[says("standard_present", lang), listed(present)],
             [says("standard_missing", lang), listed(p.standard_facilities_missing)],
             [says("county_seat_km", lang), km(p.county_seat_distance_m)],
             [says("trunk_road", lang), line(p.nearest_trunk_road)],
             [says("railway", lang), line(p.nearest_railway)]]
    rows += [[says(k, lang), number("m", getattr(p, k))]
             for k in ("elevation_min_m", "elevation_mean_m", "elevation_max_m")]
    rows.append([says("slope_mean_deg", lang), number("deg", p.slope_mean_deg)])
    return rows


def parameter_text(params: CoverageParams, lang: Lang) -> str:
    """The parameters of a kind's analysis in words, e.g. ``照明半径 15 米；…``."""
    zh = lang == "zh"
    parts = []
    for key, value in reported(params).items():
        if value is None:
            continue
        if key == "classes":
            shown = ("、" if zh else ", ").join(label(c, lang) for c in value)
        elif key.endswith("_m"):
            shown = f"{value:g} {'米' if zh else 'm'}"
        elif key.endswith("share"):
            shown = f"{value:.0%}"
        else:
            shown = label(str(value), lang)
        parts.append(f"{label(f'{params.kind}.{key}', lang)} {shown}")
    return f"{says('parameters', lang)}{'：' if zh else ': '}" + ("；" if zh else "; ").join(parts)


def coverage_rows(kind: str, before: dict[str, Any], after: dict[str, Any] | None,
                  lang: Lang) -> list[list[str]]:
    """A kind's figures as rows: label, before and (with a plan) after."""
    return [[label(f"{kind}.{key}", lang), number(key, before.get(key))]
            + ([] if after is None else [number(key, after.get(key))])
            for key in KIND_ROWS[kind]]


def _coverage(doc: WordDocument, before: dict[str, dict[str, Any]],
              after: dict[str, dict[str, Any]] | None, params: dict[str, CoverageParams],
              lang: Lang) -> None:
    """设施覆盖 / Coverage: one Heading 2, table and line of parameters per kind."""
    doc.heading(says("coverage", lang))
    doc.paragraph(says("coverage_plan" if after is not None else "coverage_now", lang),
                  keep=True)
    header = [says("item", lang), word("before", lang)] + (
        [] if after is None else [word("after", lang)])
    for kind in KINDS:
        doc.heading(says(f"kind.{kind}", lang), level=2)
        doc.table(header, coverage_rows(kind, before[kind], None if after is None
                                        else after[kind], lang),
                  caption=says(f"kind.{kind}", lang), right=(1, 2))
        doc.paragraph(parameter_text(params[kind], lang), small=True)


def _sheets(engine: Engine, ctx: Context, plan: Plan | None, folder: Path, lang: Lang,
            make: ContextMaker) -> list[tuple[Path, str]]:
    """The print sheets rendered to PNG in ``folder``, each with its caption."""
    def caption(view: View, what: str) -> str:
        title = word(_TITLES[view], lang)
        return f"{title}（{what}）" if lang == "zh" else f"{title} ({what})"

    out = []
    for view in _SHEETS:
        path = render_figure(ctx, folder / f"{view}.png", view=view, lang=lang,
                             options=CoverageOptions(include_planned=False), dpi=SHEET_DPI)
        out.append((path, caption(view, says("as_surveyed", lang))))
    if plan is not None:
        for view in ("lights", "garbage"):
            path = plan_sheet(engine, plan, folder / f"plan-{view}.png", view=view,
                              dpi=SHEET_DPI, lang=lang, make=make)
            out.append((path, caption(view, plan.name)))
    return out


def _lonlat(frame: gpd.GeoDataFrame) -> NDArray[np.float64]:
    """A point of each feature (the point itself, or one on its surface), lon/lat."""
    if frame.empty:
        return np.empty((0, 2))
    points = shapely.point_on_surface(np.asarray(frame.to_crs(4326).geometry.values))
    return np.asarray(shapely.get_coordinates(points), dtype=np.float64)


def _deg(value: float) -> str:
    return f"{value:.6f}"


def _details(doc: WordDocument, details: dict[str, Coverage[Any, Any]], frames: Frames,
             planned: bool, lang: Lang) -> dict[str, int]:
    """明细 / Details: the four lists, each cut at :data:`MAX_ROWS`; their full lengths."""
    gaps = details["lights"].layers.get("unlit_gaps", gpd.GeoDataFrame(geometry=[]))
    gaps = gaps.sort_values("length_m", ascending=False) if len(gaps) else gaps
    gap_rows = []
    for k, (cls, length, geom) in enumerate(zip(gaps.get("class", []), gaps.get("length_m", []),
                                                gaps.geometry, strict=True)):
        ends = shapely.get_coordinates(geom)
        gap_rows.append([str(k + 1), label(str(cls), lang), number("length_m", float(length)),
                         _deg(ends[0, 0]), _deg(ends[0, 1]), _deg(ends[-1, 0]),
                         _deg(ends[-1, 1])])
        if k + 1 >= MAX_ROWS:
            break
    homes = details["garbage"].layers.get("unserved_buildings", gpd.GeoDataFrame(geometry=[]))
    home_rows = []
    if len(homes):
        homes = homes.sort_values(["households", "id"], ascending=[False, True])
        shown = homes.iloc[:MAX_ROWS]
        home_rows = [[str(k + 1), str(int(b)), number("households", int(h)), _deg(x), _deg(y)]
                     for k, (b, h, (x, y)) in enumerate(zip(shown["id"], shown["households"],
                                                            _lonlat(shown), strict=True))]
    lists = {"unlit_gaps": (len(gaps), gap_rows), "unserved_buildings": (len(homes), home_rows)}
    for key, layer, analysed in (("proposed_lights", "lights", details["lights"]),
                                 ("proposed_points", "garbage", details["garbage"])):
        own = frames.get(layer, gpd.GeoDataFrame(geometry=[], crs=4326))
        proposed = analysed.layers.get(key, gpd.GeoDataFrame(geometry=[], crs=4326))
        sources = [f"{says('this_plan', lang)} · {label(str(c), lang)}"
                   for c in own.get("class", [])] + [says("analysis", lang)] * len(proposed)
        points = np.vstack([_lonlat(own), _lonlat(proposed)])
        rows = [[str(k + 1), s, _deg(x), _deg(y)]
                for k, (s, (x, y)) in enumerate(zip(sources[:MAX_ROWS], points, strict=False))]
        lists[key] = (len(sources), rows)
    columns = {"unlit_gaps": ["no", "road_class", "length", "start_lon", "start_lat",
                              "end_lon", "end_lat"],
               "unserved_buildings": ["no", "building", "households", "lon", "lat"],
               "proposed_lights": ["no", "source", "lon", "lat"],
               "proposed_points": ["no", "source", "lon", "lat"]}
    for key, (total, rows) in lists.items():
        doc.heading(says(f"list.{key}", lang), level=2)
        if planned and key in ("unlit_gaps", "unserved_buildings"):
            doc.paragraph(says("after_plan_built", lang), small=True, keep=True)
        if not rows:
            doc.paragraph(says("none", lang))
            continue
        doc.table([says(c, lang) for c in columns[key]], rows,
                  caption=says(f"list.{key}", lang),
                  right=[k for k, c in enumerate(columns[key]) if c not in ("source",
                                                                            "road_class")])
        if total > len(rows):
            doc.paragraph(says("more", lang).format(n=total - len(rows), total=total))
    return {k: total for k, (total, _) in lists.items()}
