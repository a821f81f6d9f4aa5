"""``vgis db``, ``vgis load``, ``vgis export`` and ``vgis serve``: the store and the service."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, cast

import click

from api.cli.base import Group, cli_actor, engine, err, main
from api.cli.render import import_report, print_json
from layers.io.chinacoords import CoordSystem

# --- database -------------------------------------------------------------------------------

@main.group(cls=Group)
def db() -> None:
    """The database: the local PostGIS cluster and the schema."""


@db.command("up")
def db_up() -> None:
    """Start the local PostGIS cluster (created on first use); no-op with DATABASE_URL."""
    from layers.runtime.db import database_url, local_cluster
    from layers.runtime.settings import get_settings

    if get_settings().database_url:
        click.echo("DATABASE_URL is set: using that server, no local cluster")
        return
    url = database_url()
    click.echo(f"local PostGIS cluster in {local_cluster().directory} running: {url}")


@db.command("down")
def db_down() -> None:
    """Stop the local PostGIS cluster."""
    from layers.runtime.db import local_cluster

    local_cluster().stop()
    click.echo("local PostGIS cluster stopped")


@db.command("init")
def db_init() -> None:
    """Create or migrate the schema to the newest revision."""
    from layers.runtime.db import migrate

    click.echo(f"schema at revision {migrate(engine())}")


@db.command("status")
@click.option("--json", "as_json", is_flag=True, help="Exact JSON output.")
def db_status(as_json: bool) -> None:
    """Where the database is, its schema revision and what it holds."""
    from layers.runtime.db import current_revision, head_revision, postgis_version
    from layers.store import area_names, layer_counts

    store = engine()
    revision = current_revision(store)
    status: dict[str, Any] = {
        "url": store.url.render_as_string(hide_password=True),
        "postgis": postgis_version(store) if revision else None,
        "revision": revision, "head": head_revision(),
        "areas": area_names(store) if revision else [],
        "features": layer_counts(store) if revision else {},
    }
    if as_json:
        print_json(status)
        return
    for k in ("url", "postgis", "revision", "head"):
        click.echo(f"{k:9} {status[k]}")
    click.echo(f"areas     {', '.join(status['areas']) or '-'}")
    for layer, n in status["features"].items():
        click.echo(f"  {layer:11} {n:>9,}")


# --- loading --------------------------------------------------------------------------------

@main.group(cls=Group)
def load() -> None:
    """Import data: OSM extracts, planners' files, terrain models."""


def _progress(quiet: bool) -> Callable[[int], None] | None:
    if quiet or not err.is_terminal:
        return None

    def show(n: int) -> None:
        err.print(f"  read {n:,} OSM objects…", end="\r")

    return show


@load.command("osm")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--area", help="Area name (default: the file name without extension).")
@click.option("--json", "as_json", is_flag=True, help="Exact JSON report, no progress display.")
def load_osm_cmd(file: Path, area: str | None, as_json: bool) -> None:
    """Import every layer from an OSM .pbf extract."""
    from layers.io.loader import default_area, load_osm

    area = area or default_area(file)
    report = load_osm(engine(), file, area, progress=_progress(as_json), actor=cli_actor())
    import_report(report, area, as_json)


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
@click.option("--drop-attributes", is_flag=True,
              help="Load a Shapefile that has lost its .dbf: geometry only (a layer whose "
                   "class has no fallback, such as garbage, is still refused).")
@click.option("--credit", help="Who the data comes from, printed on maps and documents "
                               "(e.g. \"© OpenStreetMap contributors (ODbL 1.0)\" for a file "
                               "made from OSM; default: the office's own, VGIS_ORGANISATION).")
@click.option("--json", "as_json", is_flag=True, help="Exact JSON report.")
def load_file_cmd(
    file: Path, layer: str, source_layer: str | None, area: str | None, crs: str | None,
    coords: str, fields: tuple[str, ...], values_file: Path | None, encoding: str | None,
    drop_attributes: bool, credit: str | None, as_json: bool,
) -> None:
    """Import one layer from a GeoPackage, Shapefile/zip, GeoJSON, KML, DXF or CSV file."""
    from layers.io.loader import default_area, load_file

    area = area or default_area(file)
    report = load_file(
        engine(), file, layer, area, source_layer=source_layer, crs=crs,
        coords=cast(CoordSystem, coords),
        field_map=_field_pairs(fields), values_file=values_file, encoding=encoding,
        drop_attributes=drop_attributes, actor=cli_actor(), credit=credit,
    )
    import_report(report, area, as_json)


@load.command("dem")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--area", help="Area name (default: the file name without extension).")
@click.option("--json", "as_json", is_flag=True, help="Exact JSON output.")
def load_dem_cmd(file: Path, area: str | None, as_json: bool) -> None:
    """Register a terrain model (GeoTIFF, SRTM .hgt or .hgt.zip) to an area."""
    from layers.io.loader import default_area, load_dem

    info = load_dem(engine(), file, area or default_area(file), actor=cli_actor())
    if as_json:
        print_json(info.model_dump())
    else:
        click.echo(f"{file.name} → area {info.area}: {info.width}×{info.height} cells, "
                   f"elevation {info.min_value:.0f}–{info.max_value:.0f} m")


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
    from layers.io.attributes import load_attributes

    report = load_attributes(engine(), file, area, key=cast(Literal["name", "code"], key),
                             sheet=sheet, encoding=encoding, actor=cli_actor())
    if as_json:
        print_json(report.model_dump())
        return
    click.echo(f"merged {file.name} into {report.villages} village(s) of {area}: "
               f"columns {', '.join(report.columns) or '-'}; attributes "
               f"{', '.join(report.attributes) or '-'}")


@load.command("samples")
@click.option("--data-dir", type=click.Path(path_type=Path), default=Path("data"),
              show_default=True, help="Folder of the bundled sample data.")
@click.option("--force", is_flag=True, help="Reload even when unchanged.")
def load_samples_cmd(data_dir: Path, force: bool) -> None:
    """Load the bundled sample data (skips what is loaded and unchanged)."""
    from layers.io.loader import load_samples

    load_samples(engine(), data_dir, force=force, say=click.echo, actor=cli_actor())


@main.group(cls=Group)
def area() -> None:
    """Areas: delete one (a wrong import) with all it holds."""


@area.command("delete")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--json", "as_json", is_flag=True, help="Exact JSON output.")
def area_delete_cmd(name: str, yes: bool, as_json: bool) -> None:
    """Delete area NAME: its features, terrain models and load records, in one step."""
    from layers.store import check_area, delete_area

    store = engine()
    check_area(store, name)
    if not yes and not as_json:
        click.confirm(f"delete area {name!r} and everything in it?", abort=True)
    counts = delete_area(store, name)
    if as_json:
        print_json({"area": name, "deleted": counts})
        return
    features = sum(v for k, v in counts.items() if k not in ("loads", "rasters"))
    click.echo(f"deleted area {name}: {features:,} features, {counts['rasters']} terrain "
               f"model(s), {counts['loads']} load record(s)")


@main.command("export")
@click.argument("layer")
@click.option("--area", help="Only this area.")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="FILE.gpkg, FILE.geojson or FILE.shp")
def export_cmd(layer: str, area: str | None, output: Path) -> None:
    """Export a layer to GeoPackage, GeoJSON or Shapefile (EPSG:4326)."""
    from layers.io.export import export_layer
    from layers.schema import layer_spec

    layer_spec(layer)
    n, notes = export_layer(engine(), layer, output, area)
    click.echo(f"wrote {n} {layer} feature(s) to {output}")
    for note in notes:
        click.echo(f"note: {note}")


@main.command("serve")
@click.option("--host", default=None, help="Interface (default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default 8000).")
def serve_cmd(host: str | None, port: int | None) -> None:
    """Serve the HTTP API and maps."""
    import uvicorn

    from layers.runtime.settings import get_settings

    settings = get_settings()
    uvicorn.run("api.app:app", host=host or settings.host, port=port or settings.port,
                log_level="info")
