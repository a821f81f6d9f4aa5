"""``vgis report``: sections of a plan as Word documents (:mod:`maps.report`).

``vgis report village NAME --area A [--plan ID] [--lang zh|en] -o village.docx`` writes
the village's section: its profile, coverage before (and with the plan after), the
print sheets as figures, the lists of what is missing, the data credit.
"""

from __future__ import annotations

import time
from pathlib import Path

import click

from api.cli.base import Group, engine, main


@main.group(cls=Group)
def report() -> None:
    """Sections of a plan as Word documents (.docx)."""


@report.command("village")
@click.argument("name")
@click.option("--area", required=True, help="The village's area.")
@click.option("--plan", "plan_id", type=int,
              help="A plan of this village (`vgis plan list --area A`): figures after it too.")
@click.option("--lang", type=click.Choice(["zh", "en"]),
              help="Language: zh or en (default VGIS_LANGUAGE, zh).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              required=True, help="FILE.docx (opens in Word and LibreOffice).")
def report_village(name: str, area: str, plan_id: int | None, lang: str | None,
                   output: Path) -> None:
    """Write a village's section: profile, coverage, figures, lists, credit."""
    from typing import cast

    from gis.context import find_villages
    from layers.errors import VgisError
    from maps.report import village_report
    from maps.style import Lang

    if output.suffix.lower() != ".docx":  # before any work (maps.report checks it too)
        raise VgisError(f"{output.name}: a village's section is written as .docx")
    store = engine()
    village_id = int(find_villages(store, name, area)["id"].iloc[0])
    started = time.perf_counter()
    found = village_report(store, area, village_id, output, plan_id=plan_id,
                           lang=cast(Lang | None, lang))
    plan = "" if found.plan_id is None else f", plan {found.plan_id} v{found.plan_version}"
    click.echo(f"wrote {output} ({found.village}{plan}: {found.figures} figures, "
               f"{found.tables} tables, {output.stat().st_size / 1e6:.1f} MB, "
               f"{time.perf_counter() - started:.0f} s)")
