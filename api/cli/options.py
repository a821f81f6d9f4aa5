"""The analysis options of ``vgis``, built from :mod:`gis.params` (defaults decided there).

Every option is left unset (None) unless the planner gives it; the command hands it to
the parameters' :meth:`~gis.params.Params.updated`, so an unset option takes the default
in force (the class's, or its ``VGIS_…`` setting). The help shows that default.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from gis.network import JOINS
from gis.params import (
    DISTANCES,
    CorridorParams,
    CoverageOptions,
    LightingParams,
    RankingParams,
    ServiceParams,
    VisibilityParams,
    radius_defaults,
)
from gis.weights import Weights
from gis.words import split_list

F = TypeVar("F", bound=Callable[..., Any])


def _apply(f: F, options: list[Callable[[F], F]]) -> F:
    for opt in reversed(options):
        f = opt(f)
    return f


class DistanceOrMetres(click.ParamType[str | float, Any]):
    """``euclidean``/``network`` (how coverage measures) or a number of metres (corridor)."""

    name = "euclidean|network|METRES"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> str | float:
        """The word, or the number of metres."""
        if isinstance(value, str) and value in DISTANCES:
            return value
        try:
            return float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r}: use euclidean, network or a number of metres", param, ctx)


def coverage_options(*, distance: click.ParamType[Any, Any] | None = None
                     ) -> Callable[[F], F]:
    """The coverage options: what counts, how far, how distances are measured.

    --radius, --class, --distance, --join, --search-tolerance, --target-share, --min-gap
    and --include-planned. The command receives them as ``radius``, ``classes``,
    ``distance``, ``join``, ``search_tolerance``, ``target_share``, ``min_gap`` and
    ``include_planned``; :func:`coverage_from` makes the options.
    """
    lights, garbage = LightingParams.shown(), ServiceParams.shown()

    def decorate(f: F) -> F:
        return _apply(f, [
            click.option("--radius", type=float,
                         help=f"Reach or service radius, metres (default: {radius_defaults()}; "
                              "drainage: offset, roads: reach of a hardened road)."),
            click.option("--class", "classes", multiple=True,
                         help="Classes that count (repeatable or comma-separated; default: "
                              f"lights {','.join(lights.classes)}, garbage "
                              f"{','.join(garbage.classes)})."),
            click.option("--distance", type=distance or click.Choice(DISTANCES),
                         help=f"Garbage/facilities: straight line or along roads (default "
                              f"{garbage.distance})" + (
                                  "; corridor: its half-width, metres (default "
                                  f"{CorridorParams.shown().distance_m:g})."
                                  if distance else ".")),
            click.option("--join", type=click.Choice(JOINS),
                         help="--distance network: roads join where they share a vertex "
                              "(vertices, OSM) or also where they cross (crossings, CAD "
                              f"layers; default {garbage.join})."),
            click.option("--search-tolerance", type=float,
                         help="--distance network: a house or point farther than this from "
                              "every road is unreachable, metres (default "
                              f"{garbage.search_m:g})."),
            click.option("--target-share", type=float,
                         help="Garbage/facilities: share of households proposed points should "
                              f"reach (default {garbage.target_share:g})."),
            click.option("--min-gap", type=float,
                         help="Lights: report unlit stretches longer than this, metres "
                              f"(default {lights.min_gap_m:g})."),
            click.option("--include-planned/--existing-only", default=None,
                         help="Count planned features too (before/after); maps and sheets "
                              "draw the plan unless --existing-only."),
        ])
    return decorate


def coverage_from(radius: float | None, classes: tuple[str, ...], distance: Any,
                  join: Any, search_tolerance: float | None, target_share: float | None,
                  min_gap: float | None, include_planned: bool | None) -> CoverageOptions:
    """The options of :func:`coverage_options` as :class:`CoverageOptions`."""
    return CoverageOptions(
        radius_m=radius, classes=split_list(classes),
        distance=distance if distance in DISTANCES else None, join=join,
        search_m=search_tolerance, target_share=target_share, min_gap_m=min_gap,
        include_planned=include_planned)


def corridor_options(*, distance: bool = True) -> Callable[[F], F]:
    """--distance (unless the command has its own), --road-classes, --railways/--no-railways."""
    default = CorridorParams.shown()
    options: list[Callable[[F], F]] = [
        click.option("--road-classes",
                     help="Road classes whose corridor counts ('none' for no roads; "
                          f"default {','.join(default.road_classes)})."),
        click.option("--railways/--no-railways", default=None,
                     help="Whether the railways' corridor counts (default: "
                          f"{'--railways' if default.railways else '--no-railways'})."),
    ]
    if distance:
        options.insert(0, click.option(
            "--distance", type=float,
            help=f"Corridor half-width, metres (default {default.distance_m:g}).",
        ))
    return lambda f: _apply(f, options)


def corridor_from(distance: float | None, road_classes: str | None, railways: bool | None
                  ) -> CorridorParams:
    """The corridor options as :class:`CorridorParams` over the defaults."""
    return CorridorParams.defaults().updated(distance_m=distance, railways=railways
                                             ).with_roads(road_classes)


def visibility_options(f: F) -> F:
    """The observer and target options of a visibility analysis (corridor, map, ranking)."""
    d = VisibilityParams.shown()
    return _apply(f, [
        click.option("--spacing", type=float,
                     help=f"Visibility: metres between observers along a line "
                          f"(default {d.spacing_m:g})."),
        click.option("--max-distance", type=float,
                     help=f"Visibility: farthest distance seen, metres (default "
                          f"{d.max_distance_m:g})."),
        click.option("--target-height", type=float,
                     help="Visibility: height above the ground that must be seen, m "
                          f"(default {d.target_height_m:g})."),
        click.option("--road-height", type=float,
                     help=f"Visibility: eye height above a road, metres (default "
                          f"{d.road_height_m:g})."),
        click.option("--rail-height", type=float,
                     help=f"Visibility: eye height above a railway, metres (default "
                          f"{d.rail_height_m:g})."),
        click.option("--curvature", type=float,
                     help="Visibility: earth curvature and refraction coefficient "
                          f"(0 ignores the curvature; default {d.curvature:g})."),
    ])


def visibility_from(options: dict[str, Any]) -> VisibilityParams:
    """Pop the options of :func:`visibility_options` into :class:`VisibilityParams`."""
    return VisibilityParams.defaults().updated(
        spacing_m=options.pop("spacing"), max_distance_m=options.pop("max_distance"),
        target_height_m=options.pop("target_height"), road_height_m=options.pop("road_height"),
        rail_height_m=options.pop("rail_height"), curvature=options.pop("curvature"))


def ranking_options(f: F) -> F:
    """--top and --weights of a ranking (``vgis candidates``, candidates maps and sheets)."""
    return _apply(f, [
        click.option("--top", type=click.IntRange(1, None),
                     help=f"How many candidates (default {RankingParams.shown().top}; the "
                          "plans build 10 demonstration villages)."),
        click.option("--weights", "weights_file", type=click.Path(path_type=Path),
                     help="TOML file of weights and thresholds (only the keys to change; "
                          "defaults in gis/weights.toml)."),
    ])


def weights_from(path: Path | None) -> Weights:
    """The default weights, with a planner's TOML file over them."""
    return Weights.load(path)
