"""``vgis check``: the data checks of an area, as a table, exact JSON, and a map."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.markup import escape
from rich.table import Table

from api.cli import render
from api.cli.base import err, main, out

if TYPE_CHECKING:
    from gis.findings import CheckReport
    from maps.style import Lang

_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


@main.command("check")
@click.option("--area", required=True, help="The area whose data is checked.")
@click.option("--json", "as_json", is_flag=True,
              help='Exact JSON output: {"area": …, "findings": […]}.')
@click.option("--map", "map_file", type=click.Path(path_type=Path, dir_okay=False),
              help="Also write the findings as an interactive map: FILE.html (opens offline).")
@click.option("--lang", help="Messages and map labels: zh or en (default VGIS_LANGUAGE, zh).")
def check_cmd(area: str, as_json: bool, map_file: Path | None, lang: str | None) -> None:
    """Check an area's data before trusting its figures.

    Road network parts that do not connect, crossings without a shared vertex (and
    whether --join crossings looks right), dangling ends within 2 m of a road,
    duplicate features, lights and garbage points over 30 m from every road,
    residential buildings without households, villages without roads. Each finding
    has a code, a count, a severity and the ids of the features concerned
    (docs/checks.md defines each check).
    """
    from api.cli.base import engine
    from gis.checks import area_context, check_area
    from maps.style import language

    chosen = language(lang)
    started = time.perf_counter()
    ctx = area_context(engine(), area)
    report = check_area(ctx)
    took = time.perf_counter() - started
    if map_file is not None:
        from maps.checks import check_map

        map_file.parent.mkdir(parents=True, exist_ok=True)
        check_map(ctx, report, lang=chosen).save(str(map_file))
        err.print(f"wrote {map_file} ({map_file.stat().st_size / 1e6:.1f} MB)",
                  highlight=False)
    if as_json:
        render.print_json(report.model_dump())
        return
    table(report, chosen, took)


def table(report: CheckReport, lang: Lang, seconds: float) -> None:
    """The findings as a table (most serious first), and the checks that passed."""
    from gis.checks import CODES
    from maps.checks import CHECK_LABELS, check_label, severity_word

    zh = lang == "zh"
    grid = Table(title=f"{'数据检查' if zh else 'data checks'}: {report.area} "
                       f"({seconds:.1f} s)", show_lines=True)
    names = (("严重程度", "检查 · 图层", "数量", "说明") if zh else
             ("severity", "check · layer", "count", "explanation"))
    grid.add_column(names[0], no_wrap=True)
    grid.add_column(names[1], min_width=max(len(c) for c in CODES))  # a code on one line
    grid.add_column(names[2], no_wrap=True, justify="right")
    grid.add_column(names[3], overflow="fold", ratio=1)
    for f in report.findings:
        grid.add_row(f"[{_STYLE[f.severity]}]{severity_word(f.severity, lang)}[/]",
                     f"{escape(check_label(f, lang))}\n[dim]{f.code}\n{f.layer}[/]",
                     f"{f.count:,}", escape(f.message_zh if zh else f.message_en))
    out.print(grid)
    passed = [c for c in CODES[1:] if c not in {f.code for f in report.findings}]
    if passed:
        listed = ("、" if zh else ", ").join(
            CHECK_LABELS[c][0 if zh else 1] for c in passed if c in CHECK_LABELS)
        out.print(f"{'通过' if zh else 'passed'}: {listed}", highlight=False)
