"""``vgis package village``: one village's maps, layers, sheets and a README in one zip.

A thin face over :func:`maps.package.village_package`; the village is found by name
(and area) as ``vgis map village`` finds it. An unknown village or plan, or a plan of
another village, is one message and exit code 2; nothing is written.
"""

from __future__ import annotations

from pathlib import Path

import click

from api.cli.base import Group, engine, err, main


@main.group(cls=Group)
def package() -> None:
    """Offline packages for staff without network (maps, layers, sheets, README)."""


@package.command("village")
@click.argument("name")
@click.option("--area", required=True, help="The village's area.")
@click.option("--plan", "plan_id", type=int,
              help="A plan of this village (vgis plan list): drawn on the maps and sheets.")
@click.option("--lang", type=click.Choice(["zh", "en"]),
              help="Labels of the maps and sheets (default VGIS_LANGUAGE, zh); the README "
                   "is in both.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              required=True, help="FILE.zip")
def package_village(name: str, area: str, plan_id: int | None, lang: str | None,
                    output: Path) -> None:
    """Write the offline package of village NAME: unzip it and open index.html."""
    from gis.context import find_villages
    from layers.errors import UnknownVillage, VgisError
    from maps.package import village_package

    if output.suffix.lower() != ".zip":
        raise VgisError(f"{output.name}: a package is written as FILE.zip")
    store = engine()
    found = find_villages(store, name, area)
    if len(found) > 1:
        raise UnknownVillage(f"{len(found)} villages are named {name!r} in area {area!r} "
                             f"(ids {', '.join(str(i) for i in found['id'])}): give the id "
                             "as NAME")
    made = village_package(store, int(found["id"].iloc[0]), output, plan_id=plan_id,
                           lang=lang, say=lambda line: err.print(f"  {line}", markup=False,
                                                                 highlight=False))
    size = output.stat().st_size
    click.echo(f"wrote {output} ({size / 1e6:.1f} MB, {len(made.files)} files, "
               f"{made.seconds:.0f} s): {', '.join(n for n, _ in made.files)}")
