"""``vgis``: the command line, a thin face over ``layers``, ``gis`` and the API server.

Every command prints a readable table, or exact JSON with ``--json``. Errors of
input are printed as one clear message with exit code 2; nothing is written.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console
from rich.table import Table

from layers.errors import ImportRejected, VgisError

F = TypeVar("F", bound=Callable[..., Any])
err = Console(stderr=True)
out = Console()


def _fail(exc: Exception) -> None:
    if isinstance(exc, ImportRejected):
        err.print(f"[bold red]import rejected[/]: {exc}", markup=True, highlight=False)
    else:
        err.print(f"[bold red]error[/]: {exc}", markup=True, highlight=False)
    sys.exit(2)


class _Group(click.Group):
    """A group that turns the product's input errors into one message and exit code 2."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except VgisError as exc:
            _fail(exc)


def _engine() -> Any:
    from layers.db import get_engine

    return get_engine()


def _print_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=1, default=str))


def _table(title: str, rows: list[dict[str, Any]], columns: list[str]) -> None:
    table = Table(title=title, show_lines=False)
    for c in columns:
        table.add_column(c, overflow="fold")
    for r in rows:
        table.add_row(*("" if r.get(c) is None else str(r.get(c)) for c in columns))
    out.print(table)


@click.group(cls=_Group)
def main() -> None:
    """vgis: village planning GIS (layers in PostGIS, coverage, corridors, maps)."""


# --- database -------------------------------------------------------------------------------

@main.group(cls=_Group)
def db() -> None:
    """The database: the local PostGIS cluster and the schema."""


@db.command("up")
def db_up() -> None:
    """Start the local PostGIS cluster (created on first use); no-op with DATABASE_URL."""
    from layers.db import database_url, local_cluster
    from layers.settings import get_settings

    if get_settings().database_url:
        click.echo("DATABASE_URL is set: using that server, no local cluster")
        return
    url = database_url()
    click.echo(f"local PostGIS cluster in {local_cluster().directory} running: {url}")


@db.command("down")
def db_down() -> None:
    """Stop the local PostGIS cluster."""
    from layers.db import local_cluster

    local_cluster().stop()
    click.echo("local PostGIS cluster stopped")


@db.command("init")
def db_init() -> None:
    """Create or migrate the schema to the newest revision."""
    from layers.db import migrate

    click.echo(f"schema at revision {migrate(_engine())}")


@db.command("status")
@click.option("--json", "as_json", is_flag=True, help="Exact JSON output.")
def db_status(as_json: bool) -> None:
    """Where the database is, its schema revision and what it holds."""
    from layers.db import current_revision, head_revision, postgis_version
    from layers.store import area_names, layer_counts

    engine = _engine()
    revision = current_revision(engine)
    status: dict[str, Any] = {
        "url": engine.url.render_as_string(hide_password=True),
        "postgis": postgis_version(engine) if revision else None,
        "revision": revision, "head": head_revision(),
        "areas": area_names(engine) if revision else [],
        "features": layer_counts(engine) if revision else {},
    }
    if as_json:
        _print_json(status)
        return
    for k in ("url", "postgis", "revision", "head"):
        click.echo(f"{k:9} {status[k]}")
    click.echo(f"areas     {', '.join(status['areas']) or '-'}")
    for layer, n in status["features"].items():
        click.echo(f"  {layer:11} {n:>9,}")


# --- loading --------------------------------------------------------------------------------

@main.group(cls=_Group)
def load() -> None:
    """Import data: OSM extracts, planners' files, terrain models."""


def _progress(quiet: bool) -> Callable[[int], None] | None:
    if quiet or not err.is_terminal:
        return None

    def show(n: int) -> None:
        err.print(f"  read {n:,} OSM objects…", end="\r")

    return show


def _report(report: Any, area: str, as_json: bool) -> None:
    data = {"area": area, **report.as_dict()}
    if as_json:
        _print_json(data)
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


@load.command("osm")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--area", help="Area name (default: the file name without extension).")
@click.option("--json", "as_json", is_flag=True, help="Exact JSON report, no progress display.")
def load_osm_cmd(file: Path, area: str | None, as_json: bool) -> None:
    """Import every layer from an OSM .pbf extract."""
    from layers.loader import default_area, load_osm

    area = area or default_area(file)
    report = load_osm(_engine(), file, area, progress=_progress(as_json))
    _report(report, area, as_json)


def _field_pairs(pairs: tuple[str, ...]) -> dict[str, str]:
    mapping: dict[str, str] = {}
    for pair in pairs:
        canon, sep, src = pair.partition("=")
        if not sep or not canon or not src:
            raise click.BadParameter(f"{pair!r}: use CANON=SOURCE, e.g. class=等级",
                                     param_hint="--field")
        mapping[canon.strip()] = src.strip()
    return mapping


@load.command("file")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--layer", required=True, help="Canonical layer: villages, roads, lights, …")
@click.option("--source-layer", help="Layer inside a multi-layer file (GeoPackage, DXF, KML).")
@click.option("--area", help="Area name (default: the file name without extension).")
@click.option("--crs", help="Source CRS when the file has none or a wrong one, e.g. EPSG:4527.")
@click.option("--coords", type=click.Choice(["wgs84", "gcj02", "bd09"]), default="wgs84",
              show_default=True, help="Offset system of coordinates copied from web maps.")
@click.option("--field", "fields", multiple=True, metavar="CANON=SOURCE",
              help="Map a source column to a canonical field (repeatable).")
@click.option("--values", "values_file", type=click.Path(path_type=Path),
              help="TOML/YAML value map: field → {source value: canonical value}.")
@click.option("--encoding", help="Attribute encoding when the file does not say (e.g. GBK).")
@click.option("--json", "as_json", is_flag=True, help="Exact JSON report.")
def load_file_cmd(
    file: Path, layer: str, source_layer: str | None, area: str | None, crs: str | None,
    coords: str, fields: tuple[str, ...], values_file: Path | None, encoding: str | None,
    as_json: bool,
) -> None:
    """Import one layer from a GeoPackage, Shapefile/zip, GeoJSON, KML, DXF or CSV file."""
    from layers.loader import default_area, load_file

    area = area or default_area(file)
    report = load_file(
        _engine(), file, layer, area, source_layer=source_layer, crs=crs,
        coords=coords,  # type: ignore[arg-type]
        field_map=_field_pairs(fields), values_file=values_file, encoding=encoding,
    )
    _report(report, area, as_json)


@load.command("dem")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--area", help="Area name (default: the file name without extension).")
@click.option("--json", "as_json", is_flag=True, help="Exact JSON output.")
def load_dem_cmd(file: Path, area: str | None, as_json: bool) -> None:
    """Register a terrain model (GeoTIFF, SRTM .hgt or .hgt.zip) to an area."""
    from layers.loader import default_area, load_dem

    info = load_dem(_engine(), file, area or default_area(file))
    if as_json:
        _print_json(info)
    else:
        click.echo(f"{file.name} → area {info['area']}: {info['width']}×{info['height']} cells, "
                   f"elevation {info['min_value']:.0f}–{info['max_value']:.0f} m")


@load.command("attrs")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--area", required=True, help="Area whose villages the rows belong to.")
@click.option("--key", type=click.Choice(["name", "code"]), default="name", show_default=True,
              help="Match rows to villages by name (名称/村名) or code (编码/行政代码).")
@click.option("--sheet", help="Sheet of a workbook (default: the first).")
@click.option("--encoding", help="CSV encoding when not UTF-8 (e.g. GBK).")
@click.option("--json", "as_json", is_flag=True, help="Exact JSON report.")
def load_attrs_cmd(file: Path, area: str, key: str, sheet: str | None, encoding: str | None,
                   as_json: bool) -> None:
    """Merge a survey spreadsheet (one row per village) into the villages' attributes.

    Population, households and farmland_mu fill their columns; every other column
    (culture_score/文化底蕴, traditional_village/传统村落, industry_score/产业发展,
    collective_income/村集体收入, cadre_score/干群基础 …) goes into the village's
    attributes, where `vgis candidates` reads them.
    """
    from layers.attributes import load_attributes

    report = load_attributes(_engine(), file, area, key=key,  # type: ignore[arg-type]
                             sheet=sheet, encoding=encoding)
    if as_json:
        _print_json(report)
        return
    click.echo(f"merged {file.name} into {report['villages']} village(s) of {area}: "
               f"columns {', '.join(report['columns']) or '-'}; attributes "
               f"{', '.join(report['attributes']) or '-'}")


@load.command("samples")
@click.option("--data-dir", type=click.Path(path_type=Path), default=Path("data"),
              show_default=True, help="Folder of the bundled sample data.")
@click.option("--force", is_flag=True, help="Reload even when unchanged.")
def load_samples_cmd(data_dir: Path, force: bool) -> None:
    """Load the bundled sample data (skips what is loaded and unchanged)."""
    from layers.loader import load_samples

    load_samples(_engine(), data_dir, force=force, say=click.echo)


# --- views ----------------------------------------------------------------------------------

@main.group("villages", cls=_Group, invoke_without_command=True)
@click.option("--area", help="Only this area.")
@click.option("--json", "as_json", is_flag=True, help="Exact JSON output.")
@click.pass_context
def villages_cmd(ctx: click.Context, area: str | None, as_json: bool) -> None:
    """List villages: name, code, boundary source, area km², households, population."""
    if ctx.invoked_subcommand is not None:
        return
    from gis.villages import list_villages

    rows = [v.as_dict() for v in list_villages(_engine(), area)]
    if as_json:
        _print_json(rows)
        return
    _table(f"villages ({len(rows)})", rows,
           ["area", "name", "code", "boundary_source", "area_km2", "households", "population"])


@villages_cmd.command("profile")
@click.argument("name")
@click.option("--area", help="Area, when the name occurs in several.")
@click.option("--json", "as_json", is_flag=True, help="Exact JSON output.")
def profile_cmd(name: str, area: str | None, as_json: bool) -> None:
    """The profile of one village (area, people, roads, facilities, distances, elevation)."""
    from gis.context import Context
    from gis.profile import village_profile

    profile = village_profile(Context.load(_engine(), area, name))
    if as_json:
        _print_json(profile)
        return
    for key, value in profile.items():
        click.echo(f"{key:28} {value}")


def _split(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for item in values for v in item.split(",") if v.strip()]


def _print_coverage(results: list[Any], as_json: bool, geojson: bool) -> None:
    if as_json:
        data = [r.as_dict(geometry=geojson) for r in results]
        _print_json(data[0] if len(data) == 1 else data)
        return
    for r in results:
        out.print(f"[bold]{r.kind}[/] coverage of {r.village} ({r.area})", highlight=False)
        for key, value in r.params.items():
            click.echo(f"  {key:30} {value}")
        for key, value in r.figures.items():
            if key != "by_class":
                click.echo(f"  {key:30} {value}")
        for cls, fig in r.figures.get("by_class", {}).items():
            click.echo(f"    {cls:12} " + "  ".join(f"{k}={v}" for k, v in fig.items()))
        if r.with_planned is not None:
            click.echo("  with planned features:")
            for key, value in r.with_planned.items():
                if key != "by_class":
                    click.echo(f"  {key:30} {value}")


@main.command("coverage")
@click.argument("kind", type=click.Choice(["lights", "garbage", "drainage", "roads",
                                           "facilities"]))
@click.option("--village", help="Village name or id (default: every village of --area).")
@click.option("--area", help="Area, when the name occurs in several (or all its villages).")
@click.option("--radius", type=float, help="Reach/service radius, metres (lights 15, "
              "garbage 70, facilities 300, drainage offset 10, roads 50).")
@click.option("--class", "classes", multiple=True,
              help="Classes that count (repeatable or comma-separated).")
@click.option("--distance", type=click.Choice(["euclidean", "network"]), default="euclidean",
              show_default=True, help="Garbage/facilities: straight line or along roads.")
@click.option("--target-share", type=float, default=0.95, show_default=True,
              help="Garbage/facilities: share of households proposed points should reach.")
@click.option("--min-gap", type=float, default=30.0, show_default=True,
              help="Lights: report unlit stretches longer than this, metres.")
@click.option("--include-planned", is_flag=True, help="Also report with planned features.")
@click.option("--json", "as_json", is_flag=True, help="Exact JSON output.")
@click.option("--geojson", is_flag=True, help="With --json: include the map layers.")
def coverage_cmd(kind: str, village: str | None, area: str | None, radius: float | None,
                 classes: tuple[str, ...], distance: str, target_share: float, min_gap: float,
                 include_planned: bool, as_json: bool, geojson: bool) -> None:
    """Coverage of a village (or all of an area) by lights, garbage, drainage, roads.

    KIND is lights, garbage, drainage, roads (hardening) or facilities (with --class).
    """
    from gis import coverage as cov
    from gis.context import Context

    if village is None and area is None:
        raise click.UsageError("give --village NAME, or --area NAME for all its villages")
    ctx = Context.load(_engine(), area, village)
    chosen = _split(classes)
    details = village is not None
    results: list[Any]
    if kind == "lights":
        results = cov.lighting_coverage(
            ctx, radius=radius if radius is not None else 15.0,
            classes=chosen or cov.LIGHT_CLASSES, min_gap=min_gap,
            include_planned=include_planned, details=details)
    elif kind in ("garbage", "facilities"):
        default_classes = cov.GARBAGE_CLASSES if kind == "garbage" else ()
        if kind == "facilities" and not chosen:
            raise click.UsageError("facilities: say which with --class (e.g. toilet)")
        results = cov.household_coverage(
            ctx, layer=kind, classes=chosen or default_classes,
            radius=radius if radius is not None else (70.0 if kind == "garbage" else 300.0),
            distance=distance,  # type: ignore[arg-type]
            target_share=target_share, include_planned=include_planned, details=details)
    elif kind == "drainage":
        results = cov.drainage_coverage(
            ctx, offset=radius if radius is not None else 10.0,
            classes=chosen or cov.MAIN_ROAD_CLASSES, include_planned=include_planned)
    else:
        results = cov.road_hardening(ctx, reach_m=radius if radius is not None else 50.0,
                                     include_planned=include_planned)
    _print_coverage(results, as_json, geojson)


def _visibility_options(f: F) -> F:
    """The observer and target options of a visibility analysis (corridor, map)."""
    for opt in reversed([
        click.option("--spacing", type=float, default=100.0, show_default=True,
                     help="Visibility: metres between observers along a line."),
        click.option("--max-distance", type=float, default=3000.0, show_default=True,
                     help="Visibility: farthest distance seen, metres."),
        click.option("--target-height", type=float, default=0.0, show_default=True,
                     help="Visibility: height above the ground that must be seen, m."),
        click.option("--road-height", type=float, default=1.7, show_default=True,
                     help="Visibility: eye height above a road, metres."),
        click.option("--rail-height", type=float, default=3.0, show_default=True,
                     help="Visibility: eye height above a railway, metres."),
        click.option("--curvature", type=float, default=0.85714, show_default=True,
                     help="Visibility: earth curvature and refraction coefficient "
                          "(0 ignores the curvature)."),
    ]):
        f = opt(f)
    return f


def _visibility(options: dict[str, Any]) -> Any:
    """The visibility parameters from the options of :func:`_visibility_options`."""
    from gis.visibility import VisibilityParams

    return VisibilityParams(
        spacing_m=options.pop("spacing"), max_distance_m=options.pop("max_distance"),
        target_height_m=options.pop("target_height"), road_height_m=options.pop("road_height"),
        rail_height_m=options.pop("rail_height"), curvature=options.pop("curvature"))


@main.command("corridor")
@click.option("--area", help="Area whose villages are selected.")
@click.option("--distance", type=float, default=500.0, show_default=True,
              help="Corridor half-width, metres.")
@click.option("--road-classes", default="expressway,national,provincial", show_default=True,
              help="Road classes whose corridor counts ('none' for no roads).")
@click.option("--railways/--no-railways", default=True, show_default=True,
              help="Whether railways' corridor counts.")
@click.option("--visible", is_flag=True,
              help="Add the share of each village's buildings seen from the lines "
                   "(line of sight over the terrain; eyes 1.7 m above roads, 3 m above rails).")
@_visibility_options
@click.option("--all", "show_all", is_flag=True, help="List villages outside the corridor too.")
@click.option("--json", "as_json", is_flag=True, help="Exact JSON output.")
def corridor_cmd(area: str | None, distance: float, road_classes: str, railways: bool,
                 visible: bool, show_all: bool, as_json: bool, **seen: Any) -> None:
    """Villages within a distance of trunk roads and/or railways, with key-area flags."""
    from gis.context import Context
    from gis.proximity import corridor
    from gis.visibility import corridor_with_visibility

    classes = [] if road_classes.strip().lower() == "none" else _split((road_classes,))
    ctx = Context.load(_engine(), area)
    if visible:
        rows, _ = corridor_with_visibility(
            ctx, distance=distance, road_classes=classes, railways=railways,
            params=_visibility(seen))
    else:
        rows = corridor(ctx, distance=distance, road_classes=classes, railways=railways)
    if not show_all:
        rows = [r for r in rows if r["in_corridor"]]
    if as_json:
        _print_json(rows)
        return
    _table(f"villages within {distance:g} m ({len(rows)})", rows,
           ["village", "distance_m", "via", "road_distance_m", "road_name", "road_class",
            "railway_distance_m", "railway_name", *(["visible_share", "visible_buildings",
                                                     "buildings"] if visible else []),
            "near_county_seat", "near_township_seat", "in_agri_demo_zone"])


@main.command("candidates")
@click.option("--area", help="Area whose villages are ranked (needed when there are several).")
@click.option("--top", type=click.IntRange(1, None), default=10, show_default=True,
              help="How many candidates (the plans build 10 demonstration villages).")
@click.option("--weights", "weights_file", type=click.Path(path_type=Path),
              help="TOML file of weights and thresholds (only the keys to change; "
                   "defaults in gis/weights.toml).")
@click.option("--visible/--no-visible", default=None,
              help="Measure how much of each village is seen from the trunk lines "
                   "(default: when the area has a terrain model).")
@_visibility_options
@click.option("--csv", "csv_file", type=click.Path(path_type=Path),
              help="Also write the ranking as CSV (for the selection report; opens in Excel).")
@click.option("--json", "as_json", is_flag=True, help="Exact JSON output.")
def candidates_cmd(area: str | None, top: int, weights_file: Path | None, visible: bool | None,
                   csv_file: Path | None, as_json: bool, **seen: Any) -> None:
    """Rank demonstration-village candidates (location, environment, culture, industry, cadre).

    Each score is explained by criterion; missing data is listed, never scored 0.
    """
    from gis.candidates import Weights, rank_area, ranking_csv
    from gis.context import Context

    ctx = Context.load(_engine(), area)
    result = rank_area(ctx,
                       weights=Weights.load(weights_file), top=top, visible=visible,
                       params=_visibility(seen))
    if csv_file is not None:
        csv_file.parent.mkdir(parents=True, exist_ok=True)
        csv_file.write_text(ranking_csv(result), encoding="utf-8")
    if as_json:
        _print_json(result)
        return
    rows = [{"rank": c["rank"], "village": c["village"], "score": c["score"],
             **{k: "–" if v["score"] is None else f"{v['score']:.2f}"
                for k, v in c["criteria"].items()},
             "completeness": f"{c['completeness']:.0%}"} for c in result["candidates"]]
    _table(f"{ctx.area}: top {len(rows)} of {result['ranked']} villages", rows,
           ["rank", "village", "score", "location", "environment", "culture", "industry",
            "cadre", "completeness"])
    for c in result["candidates"]:
        out.print(f"{c['rank']}. {c['explanation']}", highlight=False)
    for note in result["missing_everywhere"]:
        out.print(f"[yellow]missing[/]: {note}", highlight=False)
    for note in result["warnings"]:
        out.print(f"[yellow]warning[/]: {note}", highlight=False)


def _lonlat(text_: str, hint: str) -> tuple[float, float]:
    try:
        lon, lat = (float(v) for v in text_.replace(" ", "").split(","))
    except ValueError:
        raise click.BadParameter(f"{text_!r}: give LON,LAT in degrees", param_hint=hint) from None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise click.BadParameter(f"{text_!r}: not a longitude,latitude", param_hint=hint)
    return lon, lat


@main.command("viewshed")
@click.option("--area", required=True, help="Area whose terrain model is used.")
@click.option("--at", "at", required=True, help="Observer position LON,LAT (WGS84 degrees).")
@click.option("--height", type=float, default=1.7, show_default=True,
              help="Eye height above the ground, metres.")
@click.option("--target-height", type=float, default=0.0, show_default=True,
              help="Height above the ground that must be seen, metres.")
@click.option("--max-distance", type=float, default=3000.0, show_default=True,
              help="Farthest distance seen, metres.")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="FILE.tif: 1 visible, 0 not, 255 no data (area's metric CRS).")
def viewshed_cmd(area: str, at: str, height: float, target_height: float,
                 max_distance: float, output: Path) -> None:
    """Write the cells visible from one observer as a GeoTIFF."""
    from gis.terrain import viewshed_at, write_viewshed

    seen, terrain = viewshed_at(_engine(), area, _lonlat(at, "--at"), observer_height=height,
                                target_height=target_height, max_distance=max_distance)
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
    from gis.terrain import profile_at

    points = [_lonlat(p, "--line") for p in line.split(";") if p.strip()]
    if len(points) < 2:
        raise click.BadParameter("give two points or more", param_hint="--line")
    prof = profile_at(_engine(), area, points, step)
    if as_json:
        _print_json(prof)
        return
    _table(f"elevation along {prof['length_m']:g} m (every {prof['step_m']:g} m)", [
        {k: prof[k] for k in ("length_m", "min_m", "max_m", "ascent_m", "descent_m")}],
        ["length_m", "min_m", "max_m", "ascent_m", "descent_m"])


def _sheet_context(verb: str, kind: str, village: str | None, area: str | None,
                   suffix: str) -> Any:
    """The context a map or figure draws: one village, or all villages of an area."""
    from gis.context import Context

    if kind == "village" and not village:
        raise click.UsageError(f"vgis {verb} village NAME [--area AREA] -o FILE{suffix}")
    if kind != "village" and not area:
        raise click.UsageError(f"vgis {verb} {kind} --area AREA -o FILE{suffix}")
    return Context.load(_engine(), area, village if kind == "village" else None)


def _lang(value: str | None) -> Any:
    from layers.settings import get_settings

    lang = value or get_settings().language
    if lang not in ("zh", "en"):
        raise click.BadParameter("use zh or en", param_hint="--lang")
    return lang


def _ranking_options(f: F) -> F:
    """The options of a candidates map or figure."""
    for opt in reversed([
        click.option("--top", type=click.IntRange(1, None), default=10, show_default=True,
                     help="Candidates: how many are numbered."),
        click.option("--weights", "weights_file", type=click.Path(path_type=Path),
                     help="Candidates: TOML file of weights (see `vgis candidates`)."),
    ]):
        f = opt(f)
    return f


def _weights(path: Path | None) -> Any:
    from gis.candidates import Weights

    return Weights.load(path)


def _sheet_options(what: str) -> Callable[[F], F]:
    """What a map and a print sheet both take: the kind, the village or area, the view."""
    def decorate(f: F) -> F:
        for opt in reversed([
            click.argument("kind", type=click.Choice(["village", "corridor", "overview",
                                                      "candidates"])),
            click.argument("village", required=False),
            click.option("--area", help=f"Area: the village's, or the one the {what} covers."),
            click.option("--view", type=click.Choice(["layout", "lights", "garbage"]),
                         default="layout", show_default=True,
                         help=f"Village {what}: layout or a coverage view."),
        ]):
            f = opt(f)
        return f
    return decorate


@main.command("map")
@_sheet_options("map")
@click.option("--metric", type=click.Choice(["lit_share", "served_share", "hardened_share",
                                             "households"]), default="lit_share",
              show_default=True, help="Overview: what colours the villages.")
@click.option("--distance", type=float, default=500.0, show_default=True,
              help="Corridor half-width, metres.")
@click.option("--radius", type=float, help="Coverage view: reach/service radius, metres.")
@click.option("--visible", is_flag=True, help="Corridor map: also the area seen from the lines.")
@_visibility_options
@_ranking_options
@click.option("--lang", help="Labels: zh (default) or en.")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="FILE.html (self-contained: opens offline).")
def map_cmd(kind: str, village: str | None, area: str | None, view: str, metric: str,
            distance: float, radius: float | None, visible: bool, top: int,
            weights_file: Path | None, lang: str | None, output: Path, **seen: Any) -> None:
    """Write an interactive map (village layout/coverage, corridor, overview, candidates)."""
    from maps.views import candidates_map, corridor_map, overview_map, village_map

    ctx = _sheet_context("map", kind, village, area, ".html")
    if kind == "village":
        fmap = village_map(ctx, view=view, lang=_lang(lang), radius=radius)  # type: ignore[arg-type]
    elif kind == "corridor":
        fmap = corridor_map(ctx, distance=distance, lang=_lang(lang),
                            visible=_visibility(seen) if visible else None)
    elif kind == "candidates":
        fmap = candidates_map(ctx, top=top, weights=_weights(weights_file),
                              seen=_visibility(seen), lang=_lang(lang))
    else:
        fmap = overview_map(ctx, metric=metric, lang=_lang(lang))  # type: ignore[arg-type]
    output.parent.mkdir(parents=True, exist_ok=True)
    fmap.save(str(output))
    click.echo(f"wrote {output} ({output.stat().st_size / 1e6:.1f} MB)")


@main.command("figure")
@_sheet_options("sheet")
@click.option("--paper", type=click.Choice(["A4", "A3"]), default="A4", show_default=True)
@click.option("--orientation", type=click.Choice(["landscape", "portrait"]),
              default="landscape", show_default=True)
@click.option("--dpi", type=click.IntRange(50, 600), default=200, show_default=True)
@click.option("--distance", type=float, default=500.0, show_default=True,
              help="Corridor half-width, metres.")
@_ranking_options
@click.option("--lang", help="Labels: zh (default) or en.")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="FILE.png, FILE.pdf or FILE.svg")
def figure_cmd(kind: str, village: str | None, area: str | None, view: str, paper: str,
               orientation: str, dpi: int, distance: float, top: int,
               weights_file: Path | None, lang: str | None, output: Path) -> None:
    """Export a print-ready map sheet (title block, legend, scale bar, north arrow)."""
    from maps.figure import render_figure

    ctx = _sheet_context("figure", kind, village, area, ".pdf")
    render_figure(ctx, output, kind=kind, view=view, paper=paper,  # type: ignore[arg-type]
                  orientation=orientation, dpi=dpi, lang=_lang(lang),  # type: ignore[arg-type]
                  distance=distance, top=top, weights=_weights(weights_file))
    click.echo(f"wrote {output}")


@main.command("export")
@click.argument("layer")
@click.option("--area", help="Only this area.")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="FILE.gpkg, FILE.geojson or FILE.shp")
def export_cmd(layer: str, area: str | None, output: Path) -> None:
    """Export a layer to GeoPackage, GeoJSON or Shapefile (EPSG:4326)."""
    from layers.export import export_layer
    from layers.schema import layer_spec

    layer_spec(layer)
    n, notes = export_layer(_engine(), layer, output, area)
    click.echo(f"wrote {n} {layer} feature(s) to {output}")
    for note in notes:
        click.echo(f"note: {note}")


@main.command("serve")
@click.option("--host", default=None, help="Interface (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default 8000).")
def serve_cmd(host: str | None, port: int | None) -> None:
    """Serve the HTTP API and maps."""
    import uvicorn

    from layers.settings import get_settings

    settings = get_settings()
    uvicorn.run("api.app:app", host=host or settings.host, port=port or settings.port,
                log_level="info")
