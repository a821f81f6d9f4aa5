"""``vgis figures``: every village's figures of many areas, on a Dask cluster, into the store."""

from __future__ import annotations

from typing import Any

import click

from api.cli import render
from api.cli.base import engine, main
from gis.figures import FIGURE_KINDS
from gis.province import TILE_BUILDINGS
from gis.words import split_list

_HEADLINE: dict[str, tuple[str, float, str]] = {
    "lights": ("lit_share", 0.6, "< 60 % lit"),
    "garbage": ("served_share", 0.5, "< 50 % served"),
    "drainage": ("with_drainage_share", 0.5, "< 50 % drained"),
    "roads": ("hardened_share", 0.5, "< 50 % hardened"),
}
"""Each kind's share in the summary, and the mark below which a village lacks it."""


def summary(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per area and kind: villages, the median share, villages below the mark (in the corridor)."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in rows:
        groups.setdefault((r["area"], r["kind"]), []).append(r)
    out = []
    for (area, kind), got in sorted(groups.items()):
        line: dict[str, Any] = {"area": area, "kind": kind, "villages": len(got)}
        if kind == "corridor":
            line["lacking"] = f"{sum(r['in_corridor'] for r in got)} in the corridor"
        else:
            field, mark, words = _HEADLINE[kind]
            shares = sorted(r[field] for r in got if r.get(field) is not None)
            line["median"] = f"{shares[len(shares) // 2]:.1%}" if shares else ""
            line["lacking"] = f"{sum(s < mark for s in shares)} {words}"
        out.append(line)
    return out


@main.command("figures")
@click.option("--area", "areas", multiple=True, required=True,
              help="An area whose villages are computed (repeat for several).")
@click.option("--kinds", default=",".join(FIGURE_KINDS), show_default=True,
              help="Kinds of figures, comma-separated.")
@click.option("--workers", type=click.IntRange(1, 1024),
              help="Worker processes of the local Dask cluster "
                   "(default VGIS_DASK_WORKERS, else the number of cores).")
@click.option("--scheduler", help="An existing Dask scheduler, e.g. tcp://host:8786 "
                                  "(default VGIS_DASK_SCHEDULER; else a local cluster).")
@click.option("--tile-buildings", type=click.IntRange(1, 10_000_000),
              default=TILE_BUILDINGS, show_default=True,
              help="About how many buildings one task (a tile of villages) holds.")
@click.option("--json", "as_json", is_flag=True, help="Exact JSON output.")
def figures_cmd(areas: tuple[str, ...], kinds: str, workers: int | None,
                scheduler: str | None, tile_buildings: int, as_json: bool) -> None:
    """Every village's figures into the table village_figures; only what changed is recomputed.

    Tiles of neighbouring villages run as tasks on Dask; a village is recomputed when
    the data its figures read or their parameters changed since it was stored.
    """
    from gis.figures import Job
    from gis.province import run_figures, stored_figures
    from layers.runtime.settings import get_settings

    chosen = split_list(kinds)
    bad = [k for k in chosen if k not in FIGURE_KINDS]
    if bad or not chosen:
        raise click.UsageError(f"unknown kind(s) {', '.join(bad) or '(none)'}; "
                               f"use {', '.join(FIGURE_KINDS)}")
    if workers is not None and scheduler:
        raise click.UsageError("give --workers (a local cluster) or --scheduler, not both")
    settings = get_settings()
    scheduler = scheduler or (None if workers else settings.dask_scheduler)
    job = Job.defaults(chosen)
    store = engine()
    with render.progress_bar("figures", "villages", shown=not as_json) as step:
        run = run_figures(store, list(dict.fromkeys(areas)), job,
                          workers=workers or settings.dask_workers,
                          scheduler=scheduler, progress=step, tile_buildings=tile_buildings)
    rows = stored_figures(store, run.areas, job)
    if as_json:
        render.print_json({"recomputed": run.recomputed, "kept": run.kept,
                           "tiles": run.tiles, "villages": rows})
        return
    render.table(f"village figures ({run.villages} villages, {run.tiles} tiles, "
                 f"{run.workers} workers, {run.seconds:.1f} s)", summary(rows),
                 ["area", "kind", "villages", "median", "lacking"])
    click.echo(f"recomputed {run.recomputed} figures, kept {run.kept} unchanged"
               + (f", dropped {run.pruned} of villages gone" if run.pruned else ""))
