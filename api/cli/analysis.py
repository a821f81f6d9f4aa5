"""``vgis villages``, ``coverage``, ``corridor``, ``candidates``, ``viewshed``, ``elevation``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from api.cli import render
from api.cli.base import Group, engine, main
from api.cli.options import (
    corridor_from,
    corridor_options,
    coverage_from,
    coverage_options,
    ranking_options,
    visibility_from,
    visibility_options,
    weights_from,
)
from gis.params import COVERAGE_KINDS, RankingParams, VisibilityParams


@main.group("villages", cls=Group, invoke_without_command=True)
@click.option("--area", help="Only this area.")
@click.option("--json", "as_json", is_flag=True, help="Exact JSON output.")
@click.pass_context
def villages_cmd(ctx: click.Context, area: str | None, as_json: bool) -> None:
    """List villages: name, code, boundary source, area km², households, population."""
    if ctx.invoked_subcommand is not None:
        return
    from gis.villages import list_villages

    rows = [v.as_dict() for v in list_villages(engine(), area)]
    if as_json:
        render.print_json(rows)
        return
    render.table(f"villages ({len(rows)})", rows, ["area", "name", "code", "boundary_source",
                                                   "area_km2", "households", "population"])


@villages_cmd.command("profile")
@click.argument("name")
@click.option("--area", help="Area, when the name occurs in several.")
@click.option("--json", "as_json", is_flag=True, help="Exact JSON output.")
def profile_cmd(name: str, area: str | None, as_json: bool) -> None:
    """The profile of one village (area, people, roads, facilities, distances, elevation)."""
    from gis.context import Context
    from gis.profile import village_profile

    profile = village_profile(Context.load(engine(), area, name)).model_dump(by_alias=True)
    if as_json:
        render.print_json(profile)
        return
    for key, value in profile.items():
        click.echo(f"{key:28} {value}")


@main.command("coverage")
@click.argument("kind", type=click.Choice(COVERAGE_KINDS))
@click.option("--village", help="Village name or id (default: every village of --area).")
@click.option("--area", help="Area, when the name occurs in several (or all its villages).")
@coverage_options()
@click.option("--json", "as_json", is_flag=True, help="Exact JSON output.")
@click.option("--geojson", is_flag=True, help="With --json: include the map layers.")
def coverage_cmd(kind: str, village: str | None, area: str | None, as_json: bool,
                 geojson: bool, **options: Any) -> None:
    """Coverage of a village (or all of an area) by lights, garbage, drainage, roads.

    KIND is lights, garbage, drainage, roads (hardening) or facilities (with --class).
    """
    from gis.context import Context
    from gis.coverage import coverage

    if village is None and area is None:
        raise click.UsageError("give --village NAME, or --area NAME for all its villages")
    params = coverage_from(**options).params(kind)
    results = coverage(Context.load(engine(), area, village), params,
                       details=village is not None)
    render.coverage(results, as_json, geojson, one=village is not None)


@main.command("corridor")
@click.option("--area", help="Area whose villages are selected.")
@corridor_options()
@click.option("--visible", is_flag=True,
              help="Add the share of each village's buildings seen from the lines "
                   "(line of sight over the terrain; eyes above roads and rails).")
@visibility_options
@click.option("--all", "show_all", is_flag=True, help="List villages outside the corridor too.")
@click.option("--json", "as_json", is_flag=True, help="Exact JSON output.")
def corridor_cmd(area: str | None, distance: float | None, road_classes: str | None,
                 railways: bool | None, visible: bool, show_all: bool, as_json: bool,
                 **seen: Any) -> None:
    """Villages within a distance of trunk roads and/or railways, with key-area flags."""
    from gis.context import Context
    from gis.proximity import corridor
    from gis.visibility import corridor_with_visibility

    lines = corridor_from(distance, road_classes, railways)
    ctx = Context.load(engine(), area)
    if visible:
        rows, _ = corridor_with_visibility(ctx, lines, params=visibility_from(seen))
    else:
        rows = corridor(ctx, lines)
    shown = [r.model_dump(exclude_unset=True) for r in rows if show_all or r.in_corridor]
    if as_json:
        render.print_json(shown)
        return
    render.table(f"villages within {lines.distance_m:g} m ({len(shown)})", shown,
                 ["village", "distance_m", "via", "road_distance_m", "road_name", "road_class",
                  "railway_distance_m", "railway_name",
                  *(["visible_share", "visible_buildings", "buildings"] if visible else []),
                  "near_county_seat", "near_township_seat", "in_agri_demo_zone"])


@main.command("candidates")
@click.option("--area", help="Area whose villages are ranked (needed when there are several).")
@ranking_options
@click.option("--visible/--no-visible", default=None,
              help="Measure how much of each village is seen from the trunk lines "
                   "(default: when the area has a terrain model).")
@visibility_options
@click.option("--csv", "csv_file", type=click.Path(path_type=Path),
              help="Also write the ranking as CSV (for the selection report; opens in Excel).")
@click.option("--json", "as_json", is_flag=True, help="Exact JSON output.")
def candidates_cmd(area: str | None, top: int | None, weights_file: Path | None,
                   visible: bool | None, csv_file: Path | None, as_json: bool,
                   **seen: Any) -> None:
    """Rank demonstration-village candidates (location, environment, culture, industry, cadre).

    Each score is explained by criterion; missing data is listed, never scored 0.
    """
    from gis.candidates import rank_area
    from gis.context import Context
    from maps.tables import ranking_csv

    ctx = Context.load(engine(), area)
    result = rank_area(ctx, weights=weights_from(weights_file),
                       ranking=RankingParams.defaults().updated(top=top, visible=visible),
                       params=visibility_from(seen))
    if csv_file is not None:
        csv_file.parent.mkdir(parents=True, exist_ok=True)
        csv_file.write_text(ranking_csv(result), encoding="utf-8")
    if as_json:
        render.print_json(result.model_dump())
        return
    render.candidates(result, ctx.area)


@main.command("viewshed")
@click.option("--area", required=True, help="Area whose terrain model is used.")
@click.option("--at", "at", required=True, help="Observer position LON,LAT (WGS84 degrees).")
@click.option("--height", type=float,
              help="Eye height above the ground, metres (default "
                   f"{VisibilityParams.shown().road_height_m:g}, as on a road).")
@click.option("--target-height", type=float,
              help="Height above the ground that must be seen, metres (default "
                   f"{VisibilityParams.shown().target_height_m:g}).")
@click.option("--max-distance", type=float,
              help="Farthest distance seen, metres (default "
                   f"{VisibilityParams.shown().max_distance_m:g}).")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="FILE.tif: 1 visible, 0 not, 255 no data (area's metric CRS).")
def viewshed_cmd(area: str, at: str, height: float | None, target_height: float | None,
                 max_distance: float | None, output: Path) -> None:
    """Write the cells visible from one observer as a GeoTIFF."""
    from gis.terrain import viewshed_at, write_viewshed
    from gis.words import parse_lonlat

    params = VisibilityParams.defaults().updated(target_height_m=target_height,
                                                 max_distance_m=max_distance)
    seen, terrain = viewshed_at(engine(), area, parse_lonlat(at), observer_height=height,
                                params=params)
    write_viewshed(output, seen, terrain)
    cells = int(seen.sum())
    click.echo(f"wrote {output}: {cells} visible cells of {terrain.cell:.1f} m "
               f"({cells * terrain.cell ** 2 / 1e6:.2f} km²)")


@main.command("elevation")
@click.option("--area", required=True, help="Area whose terrain model is used.")
@click.option("--line", "line", required=True,
              help="The line as LON,LAT;LON,LAT;… (WGS84 degrees, two points or more).")
@click.option("--step", type=float, help="Sampling interval, metres (default half a cell).")
@click.option("--json", "as_json", is_flag=True, help="Exact JSON output.")
def elevation_cmd(area: str, line: str, step: float | None, as_json: bool) -> None:
    """Elevation profile along a line: heights every STEP metres, climb and descent."""
    from gis.elevation import profile_at
    from gis.words import parse_line

    prof = profile_at(engine(), area, parse_line(line), step)
    if as_json:
        render.print_json(prof.model_dump())
        return
    keys = ["length_m", "min_m", "max_m", "ascent_m", "descent_m"]
    render.table(f"elevation along {prof.length_m:g} m (every {prof.step_m:g} m)",
                 [prof.model_dump(include=set(keys))], keys)
