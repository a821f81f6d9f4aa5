"""``vgis key`` and ``vgis plan``: people's keys, and plans made, edited and exported.

The same functions as ``/plans`` over HTTP (:mod:`layers.plans`, :mod:`gis.plans`). The
command line speaks for the person at the terminal: the journal names ``cli:USER``
(``--as NAME`` to say otherwise).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from api.cli.base import Group, cli_actor, engine, main, out
from api.cli.options import coverage_from, coverage_options
from api.cli.render import print_json, table

_AS = click.option("--as", "actor", help="The name the journal gives this edit "
                                         "(default cli:LOGIN).")
_JSON = click.option("--json", "as_json", is_flag=True, help="Exact JSON output.")


# --- keys ---------------------------------------------------------------------------------

@main.group(cls=Group)
def key() -> None:
    """API keys, one per person (the journal names the key's owner)."""


@key.command("add")
@click.argument("name")
def key_add(name: str) -> None:
    """Make a key for NAME and print it (only its hash is kept: copy it now)."""
    from layers.keys import add_key

    click.echo(add_key(engine(), name))


@key.command("list")
@_JSON
def key_list(as_json: bool) -> None:
    """Every person's key: name, made, revoked (never the key)."""
    from layers.keys import list_keys

    rows = [{"name": k.name, "created_at": k.created_at.isoformat(),
             "revoked_at": None if k.revoked_at is None else k.revoked_at.isoformat()}
            for k in list_keys(engine())]
    if as_json:
        print_json(rows)
    else:
        table("API keys", rows, ["name", "created_at", "revoked_at"])


@key.command("revoke")
@click.argument("name")
def key_revoke(name: str) -> None:
    """Revoke NAME's key at once."""
    from layers.errors import UnknownPlan
    from layers.keys import revoke_key

    if not revoke_key(engine(), name):
        raise UnknownPlan(f"{name!r} has no active key; `vgis key list` lists them")
    click.echo(f"revoked the key of {name}")


# --- plans --------------------------------------------------------------------------------

@main.group(cls=Group)
def plan() -> None:
    """Plans: new, list, show, propose, add, move, delete, undo, compare, copy, export."""


def _figures_rows(figures: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for kind, ba in figures.items():
        for field, before in ba["before"].items():
            if isinstance(before, int | float) and not isinstance(before, bool):
                after = ba["after"].get(field)
                rows.append({"kind": kind, "figure": field, "before": round(before, 4),
                             "after": None if after is None else round(after, 4)})
            elif before is None and field.endswith("share"):
                rows.append({"kind": kind, "figure": field, "before": None,
                             "after": ba["after"].get(field)})
    return rows


def _show(plan_id: int, as_json: bool, extra: dict[str, Any] | None = None) -> None:
    from gis.plans import figures_for
    from layers.plans import features_collection

    store = engine()
    record, figures = figures_for(store, plan_id)
    if as_json:
        print_json({**record.as_dict(), **(extra or {}),
                    "features": features_collection(store, plan_id), "figures": figures})
        return
    where = record.village or f"the whole area {record.area}"
    out.print(f"plan {record.id} [bold]{record.name}[/] — {where} ({record.area}), version "
              f"{record.version}, by {record.author}" + "".join(
                  f", {k} {v}" for k, v in (extra or {}).items()), highlight=False)
    table("before → after", _figures_rows(figures), ["kind", "figure", "before", "after"])


def _village_id(area: str, village: str | None) -> int | None:
    from gis.context import find_villages

    if village is None:
        return None
    return int(find_villages(engine(), village, area)["id"].iloc[0])


@plan.command("new")
@click.option("--area", required=True, help="The area planned.")
@click.option("--village", help="One village of it (name or id); default: the whole area.")
@click.option("--name", "name", required=True, help="The plan's name, e.g. 示范村规划 2027.")
@click.option("--note", default="", help="A note.")
@_AS
@_JSON
def plan_new(area: str, village: str | None, name: str, note: str, actor: str | None,
             as_json: bool) -> None:
    """Make an empty plan of an area or of one village."""
    from layers.plan_edits import create_plan

    record = create_plan(engine(), area=area, village_id=_village_id(area, village),
                         name=name, note=note, author=cli_actor(actor))
    if as_json:
        print_json(record.as_dict())
    else:
        click.echo(f"plan {record.id} made ({record.name}, version {record.version})")


@plan.command("list")
@click.option("--area", help="Only this area's plans.")
@_JSON
def plan_list(area: str | None, as_json: bool) -> None:
    """The plans, newest change first."""
    from layers.plans import list_plans

    rows = [p.as_dict() for p in list_plans(engine(), area)]
    if as_json:
        print_json(rows)
    else:
        table("plans", rows, ["id", "area", "village", "name", "version", "author",
                              "updated_at"])


@plan.command("show")
@click.argument("plan_id", type=int)
@_JSON
def plan_show(plan_id: int, as_json: bool) -> None:
    """A plan's figures before and after (with --json its features too)."""
    _show(plan_id, as_json)


@plan.command("propose")
@click.argument("plan_id", type=int)
@click.argument("kind", type=click.Choice(["lights", "garbage"]))
@coverage_options()
@_AS
@_JSON
def plan_propose(plan_id: int, kind: str, actor: str | None, as_json: bool,
                 **flags: Any) -> None:
    """Add the analysis' proposals (new lights, collection points) to the plan."""
    from gis.plans import propose_for
    from layers.plans import get_plan

    store = engine()
    added, _ = propose_for(store, get_plan(store, plan_id), kind, coverage_from(**flags),
                           actor=cli_actor(actor))
    _show(plan_id, as_json, {"added": added})


def _point(text: str) -> dict[str, Any]:
    from layers.errors import VgisError

    try:
        lon, lat = (float(v) for v in text.split(","))
    except ValueError:
        raise VgisError(f"a point is LON,LAT in degrees, not {text!r}") from None
    return {"type": "Point", "coordinates": [lon, lat]}


@plan.command("add")
@click.argument("plan_id", type=int)
@click.option("--layer", type=click.Choice(["lights", "garbage", "drainage", "roads",
                                            "facilities"]), help="The layer.")
@click.option("--at", "at", help="A point: LON,LAT (degrees).")
@click.option("--geojson", "geojson", type=click.Path(exists=True, dir_okay=False,
                                                      path_type=Path),
              help="A file with one GeoJSON Feature instead of --at.")
@click.option("--class", "cls", help="The feature's class (e.g. solar, collection_point).")
@click.option("--name", "name", help="The feature's name.")
@_AS
@_JSON
def plan_add(plan_id: int, layer: str | None, at: str | None, geojson: Path | None,
             cls: str | None, name: str | None, actor: str | None, as_json: bool) -> None:
    """Add one planned feature."""
    from layers.errors import VgisError
    from layers.plan_edits import add_features
    from layers.plans import check_feature

    if (at is None) == (geojson is None):
        raise VgisError("give --at LON,LAT or --geojson FILE")
    if geojson is not None:
        feature = json.loads(geojson.read_text(encoding="utf-8"))
    else:
        assert at is not None
        feature = {"type": "Feature", "geometry": _point(at), "properties": {}}
    props = feature.setdefault("properties", {}) or {}
    props.update({k: v for k, v in (("class", cls), ("name", name)) if v is not None})
    feature["properties"] = props
    _, ids = add_features(engine(), plan_id, [check_feature(feature, layer)],
                          actor=cli_actor(actor))
    _show(plan_id, as_json, {"id": ids[0]})


@plan.command("move")
@click.argument("plan_id", type=int)
@click.argument("feature_id", type=int)
@click.option("--to", "to", required=True, help="The new point: LON,LAT (degrees).")
@_AS
@_JSON
def plan_move(plan_id: int, feature_id: int, to: str, actor: str | None,
              as_json: bool) -> None:
    """Move a planned point."""
    from layers.plan_edits import update_feature

    update_feature(engine(), plan_id, feature_id, geometry=_point(to), actor=cli_actor(actor))
    _show(plan_id, as_json)


@plan.command("delete")
@click.argument("plan_id", type=int)
@click.argument("feature_id", type=int)
@_AS
@_JSON
def plan_delete(plan_id: int, feature_id: int, actor: str | None, as_json: bool) -> None:
    """Delete a planned feature (undo brings it back)."""
    from layers.plan_edits import delete_feature

    delete_feature(engine(), plan_id, feature_id, actor=cli_actor(actor))
    _show(plan_id, as_json)


@plan.command("undo")
@click.argument("plan_id", type=int)
@_AS
@_JSON
def plan_undo(plan_id: int, actor: str | None, as_json: bool) -> None:
    """Revert the plan's newest edit not yet undone."""
    from layers.plan_edits import undo

    undo(engine(), plan_id, actor=cli_actor(actor))
    _show(plan_id, as_json)


@plan.command("copy")
@click.argument("plan_id", type=int)
@click.option("--name", "name", help="The variant's name.")
@_AS
@_JSON
def plan_copy(plan_id: int, name: str | None, actor: str | None, as_json: bool) -> None:
    """Start a variant: a new plan with the same village and features."""
    from layers.plan_edits import copy_plan

    record = copy_plan(engine(), plan_id, actor=cli_actor(actor), name=name)
    _show(record.id, as_json)


@plan.command("history")
@click.argument("plan_id", type=int)
@_JSON
def plan_history(plan_id: int, as_json: bool) -> None:
    """The plan's journal: version, time, who, what, which feature."""
    from layers.plan_edits import history

    rows = history(engine(), plan_id)
    if as_json:
        print_json(rows)
    else:
        table(f"plan {plan_id}: journal", rows,
              ["version", "at", "actor", "action", "layer", "feature_id", "undone_in"])


@plan.command("compare")
@click.argument("a", type=int)
@click.argument("b", type=int)
@_JSON
def plan_compare(a: int, b: int, as_json: bool) -> None:
    """Two plans' figures after, side by side, and b − a."""
    from gis.plans import compare_plans

    c = compare_plans(engine(), a, b)
    fa, fb, diff = c.figures_a, c.figures_b, c.difference
    if as_json:
        print_json({"a": fa, "b": fb, "difference": diff})
        return
    rows = [{"kind": k, "figure": f, f"plan {a}": fa[k]["after"][f],
             f"plan {b}": fb[k]["after"][f], "b − a": d} for k, fig in diff.items()
            for f, d in fig.items()]
    table(f"plans {a} and {b}, after", rows, ["kind", "figure", f"plan {a}", f"plan {b}",
                                              "b − a"])


@plan.command("export")
@click.argument("plan_id", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="plan.gpkg (features), or .png/.pdf/.svg (the village sheet).")
@click.option("--view", type=click.Choice(["lights", "garbage"]), default="lights",
              show_default=True, help="The sheet's view.")
@click.option("--lang", type=click.Choice(["zh", "en"]), help="The sheet's labels.")
def plan_export(plan_id: int, output: Path, view: str, lang: str | None) -> None:
    """Write the plan's features (GeoPackage) or its village sheet (PNG, PDF, SVG)."""
    from typing import cast

    from layers.errors import VgisError
    from layers.plans import get_plan, write_gpkg

    suffix = output.suffix.lower()
    if suffix == ".gpkg":
        write_gpkg(engine(), plan_id, output)
    elif suffix in (".png", ".pdf", ".svg"):
        from maps.figure import plan_sheet
        from maps.style import Lang
        from maps.views import View

        plan_sheet(engine(), get_plan(engine(), plan_id), output, view=cast(View, view),
                   lang=cast(Lang | None, lang))
    else:
        raise VgisError(f"{output.name}: write .gpkg, .png, .pdf or .svg")
    click.echo(f"wrote {output}")
