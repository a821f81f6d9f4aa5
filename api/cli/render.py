"""How ``vgis`` prints what the analyses answer: readable tables, or exact JSON."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click
from rich.table import Table

from api.cli.base import out

if TYPE_CHECKING:
    from gis.candidates import Ranking
    from gis.results import Coverage
    from layers.report import ImportReport


def print_json(data: Any) -> None:
    """Exact JSON (UTF-8 text, one space of indent)."""
    click.echo(json.dumps(data, ensure_ascii=False, indent=1, default=str))


@contextmanager
def progress_bar(what: str, unit: str, *, shown: bool = True
                 ) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on standard error (``done`` of ``total`` ``unit``), or None.

    Yields the callback to report progress with: ``step(done, total)``.
    """
    if not shown:
        yield None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(TextColumn(what), BarColumn(), MofNCompleteColumn(), TextColumn(unit),
                  TimeElapsedColumn(), TimeRemainingColumn(),
                  console=Console(stderr=True)) as bar:
        task = bar.add_task(what, total=None)

        def step(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield step


def table(title: str, rows: list[dict[str, Any]], columns: list[str]) -> None:
    """Rows as a table of the given columns (empty cells for None)."""
    grid = Table(title=title, show_lines=False)
    for c in columns:
        grid.add_column(c, overflow="fold")
    for r in rows:
        grid.add_row(*("" if r.get(c) is None else str(r.get(c)) for c in columns))
    out.print(grid)


def import_report(report: ImportReport, area: str, as_json: bool) -> None:
    """What an import wrote, repaired, mapped and replaced."""
    data = {"area": area, **report.as_dict()}
    if as_json:
        print_json(data)
        return
    click.echo(f"{data['source']} → area {area}")
    for layer, n in data["features"].items():
        click.echo(f"  {layer:11} {n:>9,}")
    for key in ("repaired_geometries", "collapsed_to_point", "split_multipart",
                "replaced_features"):
        if data[key]:
            click.echo(f"  {key.replace('_', ' ')}: {data[key]}")
    for k, v in data["unknown_values_mapped_to_fallback"].items():
        click.echo(f"  unknown value {k}: {v}")
    for k, v in data["defaults_applied"].items():
        click.echo(f"  default {k}: {v}")
    for note in data["notes"]:
        click.echo(f"  note: {note}")


def coverage(results: Sequence[Coverage[Any, Any]], as_json: bool, geojson: bool,
             one: bool) -> None:
    """Coverage results: JSON (an object for ``one`` village, else a list), or as text."""
    from gis.results import reported

    if as_json:
        data = [r.as_dict(geometry=geojson) for r in results]
        print_json(data[0] if one else data)
        return
    for r in results:
        out.print(f"[bold]{r.kind}[/] coverage of {r.village} ({r.area})", highlight=False)
        figures = r.figures.model_dump(exclude_unset=True)
        for key, value in {**reported(r.params), **figures}.items():
            if key != "by_class":
                click.echo(f"  {key:30} {value}")
        for cls, fig in figures.get("by_class", {}).items():
            click.echo(f"    {cls:12} " + "  ".join(f"{k}={v}" for k, v in fig.items()))
        if r.with_planned is not None:
            click.echo("  with planned features:")
            for key, value in r.with_planned.model_dump(exclude_unset=True).items():
                if key != "by_class":
                    click.echo(f"  {key:30} {value}")


def candidates(result: Ranking, area: str) -> None:
    """The ranking as a table, each candidate's explanation, and what is missing."""
    rows = [{"rank": c.rank, "village": c.village, "score": c.score,
             **{k: "–" if v.score is None else f"{v.score:.2f}" for k, v in c.criteria.items()},
             "completeness": f"{c.completeness:.0%}"} for c in result.candidates]
    table(f"{area}: top {len(rows)} of {result.ranked} villages", rows,
          ["rank", "village", "score", "location", "environment", "culture", "industry",
           "cadre", "completeness"])
    for c in result.candidates:
        out.print(f"{c.rank}. {c.explanation}", highlight=False)
    for note in result.missing_everywhere:
        out.print(f"[yellow]missing[/]: {note}", highlight=False)
    for note in result.warnings:
        out.print(f"[yellow]warning[/]: {note}", highlight=False)
