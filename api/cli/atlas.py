"""``vgis atlas``: every village's sheets of an area bound into one PDF, with contents."""

from __future__ import annotations

from pathlib import Path

import click

from api.cli import render
from api.cli.base import engine, main
from gis.words import split_list
from maps.atlas import ATLAS_VIEWS


@main.command("atlas")
@click.option("--area", required=True, help="The area whose villages the atlas shows.")
@click.option("--villages", help="Only these villages (names or ids, comma-separated).")
@click.option("--views", default=",".join(ATLAS_VIEWS), show_default=True,
              help="The sheets of each village, comma-separated.")
@click.option("--paper", type=click.Choice(["A4", "A3"]), default="A4", show_default=True)
@click.option("--lang", type=click.Choice(["zh", "en"]),
              help="Labels (default VGIS_LANGUAGE, zh).")
@click.option("--workers", type=click.IntRange(1, 256),
              help="Processes drawing pages (default: the number of cores).")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="The PDF to write.")
def atlas_cmd(area: str, villages: str | None, views: str, paper: str, lang: str | None,
              workers: int | None, output: Path) -> None:
    """An atlas (图集): cover, contents, overview, the table of figures, each village's sheets.

    Every page is numbered; the pages are drawn in parallel and joined page by page,
    so a large atlas is never held in memory.
    """
    from typing import cast

    from maps.atlas import build_atlas
    from maps.sheet import Paper
    from maps.style import Lang
    from maps.views import View

    with render.progress_bar("atlas", "pages") as step:
        result = build_atlas(
            engine(), area, output, villages=split_list(villages) if villages else None,
            views=[cast(View, v) for v in split_list(views)], paper=cast(Paper, paper),
            lang=cast(Lang | None, lang), workers=workers, progress=step)
    size = result.output.stat().st_size / 1e6
    click.echo(f"{result.output}: {result.pages} pages, {result.villages} villages, "
               f"{size:.1f} MB in {result.seconds:.1f} s ({result.workers} processes)")
