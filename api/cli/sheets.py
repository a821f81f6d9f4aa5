"""``vgis map`` and ``vgis figure``: an interactive map and a print sheet take the same options.

Both draw a village (layout, or a coverage view), the corridor, the overview or the
candidates, with the same analysis options as ``vgis coverage`` (``--radius``,
``--class``, ``--distance``, ``--include-planned/--existing-only``), the corridor's
(``--distance`` in metres, ``--road-classes``, ``--railways``) and the ranking's
(``--top``, ``--weights``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast

import click

from api.cli.base import engine, main
from api.cli.options import (
    DistanceOrMetres,
    corridor_from,
    corridor_options,
    coverage_from,
    coverage_options,
    ranking_options,
    visibility_from,
    visibility_options,
    weights_from,
)
from gis.params import CorridorParams, CoverageOptions, RankingParams
from gis.weights import Weights

F = TypeVar("F", bound=Callable[..., Any])


def _sheet_options(what: str) -> Callable[[F], F]:
    """What a map and a print sheet both take: the kind, village or area, view, analysis."""
    def decorate(f: F) -> F:
        for opt in reversed([
            click.argument("kind", type=click.Choice(["village", "corridor", "overview",
                                                      "candidates"])),
            click.argument("village", required=False),
            click.option("--area", help=f"Area: the village's, or the one the {what} covers."),
            click.option("--view", type=click.Choice(["layout", "lights", "garbage"]),
                         default="layout", show_default=True,
                         help=f"Village {what}: layout or a coverage view."),
            # --distance is the corridor's width in metres, or a coverage view's measure
            coverage_options(distance=DistanceOrMetres()),
            corridor_options(distance=False),
            ranking_options,
            click.option("--lang", help="Labels: zh or en (default VGIS_LANGUAGE, zh)."),
        ]):
            f = opt(f)
        return f
    return decorate


class _Asked:
    """The parsed options of a map or sheet command."""

    def __init__(self, verb: str, kind: str, village: str | None, area: str | None,
                 suffix: str, options: dict[str, Any]) -> None:
        if kind == "village" and not village:
            raise click.UsageError(f"vgis {verb} village NAME [--area AREA] -o FILE{suffix}")
        if kind != "village" and not area:
            raise click.UsageError(f"vgis {verb} {kind} --area AREA -o FILE{suffix}")
        # --distance: a corridor's width in metres, or how a coverage view measures
        distance = options.pop("distance")
        if kind == "corridor" and isinstance(distance, str):
            raise click.BadParameter(f"{distance!r}: a corridor's distance is its half-width "
                                     "in metres", param_hint="--distance")
        if kind == "village" and isinstance(distance, float):
            raise click.BadParameter(f"{distance:g}: a village view measures euclidean or "
                                     "network", param_hint="--distance")
        self.coverage: CoverageOptions = coverage_from(
            options.pop("radius"), options.pop("classes"), distance, options.pop("join"),
            options.pop("search_tolerance"), options.pop("target_share"),
            options.pop("min_gap"), options.pop("include_planned"))
        road_classes, railways = options.pop("road_classes"), options.pop("railways")
        self.lines: CorridorParams | None = corridor_from(
            distance if isinstance(distance, float) else None, road_classes, railways
        ) if kind == "corridor" else None
        self.ranking = RankingParams.defaults().updated(top=options.pop("top"))
        self.weights: Weights = weights_from(options.pop("weights_file"))
        from gis.context import Context
        from maps.style import language

        self.lang = language(options.pop("lang"))
        # the overview map of an area without villages draws the layers it has
        self.ctx = (Context.of_area(engine(), area) if verb == "map" and kind == "overview"
                    and area else Context.load(engine(), area,
                                               village if kind == "village" else None))


@main.command("map")
@_sheet_options("map")
@click.option("--metric", type=click.Choice(["lit_share", "served_share", "hardened_share",
                                             "households"]), default="lit_share",
              show_default=True, help="Overview: what colours the villages.")
@click.option("--visible", is_flag=True, help="Corridor map: also the area seen from the lines.")
@visibility_options
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="FILE.html (self-contained: opens offline).")
def map_cmd(kind: str, village: str | None, area: str | None, view: str, metric: str,
            visible: bool, output: Path, **options: Any) -> None:
    """Write an interactive map (village layout/coverage, corridor, overview, candidates)."""
    from maps.overviews import Metric, candidates_map, corridor_map, overview_map
    from maps.views import View, village_map

    seen = visibility_from(options)
    asked = _Asked("map", kind, village, area, ".html", options)
    if kind == "village":
        fmap = village_map(asked.ctx, view=cast(View, view), options=asked.coverage,
                           lang=asked.lang)
    elif kind == "corridor":
        fmap = corridor_map(asked.ctx, lines=asked.lines, visible=seen if visible else None,
                            lang=asked.lang)
    elif kind == "candidates":
        fmap = candidates_map(asked.ctx, ranking=asked.ranking, weights=asked.weights,
                              seen=seen, lang=asked.lang)
    else:
        fmap = overview_map(asked.ctx, metric=cast(Metric, metric), lang=asked.lang)
    output.parent.mkdir(parents=True, exist_ok=True)
    fmap.save(str(output))
    click.echo(f"wrote {output} ({output.stat().st_size / 1e6:.1f} MB)")


@main.command("figure")
@_sheet_options("sheet")
@click.option("--paper", type=click.Choice(["A4", "A3"]), default="A4", show_default=True)
@click.option("--orientation", type=click.Choice(["landscape", "portrait"]),
              default="landscape", show_default=True)
@click.option("--dpi", type=click.IntRange(50, 600), default=200, show_default=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="FILE.png, FILE.pdf or FILE.svg")
def figure_cmd(kind: str, village: str | None, area: str | None, view: str, paper: str,
               orientation: str, dpi: int, output: Path, **options: Any) -> None:
    """Export a print-ready map sheet (title block, legend, scale bar, north arrow)."""
    from maps.figure import SheetKind, render_figure
    from maps.sheet import Orientation, Paper
    from maps.views import View

    asked = _Asked("figure", kind, village, area, ".pdf", options)
    render_figure(asked.ctx, output, kind=cast(SheetKind, kind), view=cast(View, view),
                  options=asked.coverage, lines=asked.lines, ranking=asked.ranking,
                  weights=asked.weights, paper=cast(Paper, paper),
                  orientation=cast(Orientation, orientation), dpi=dpi, lang=asked.lang)
    click.echo(f"wrote {output}")
