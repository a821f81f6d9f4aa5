"""The analysis options of the HTTP API as query parameters, built from :mod:`gis.params`.

A parameter left out is None and takes the default in force (:meth:`Params.defaults`:
the class's own, or its ``VGIS_…`` setting of the server), so the CLI and the service
answer alike. The descriptions show the defaults of the process that serves them.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from gis.network import Join
from gis.params import (
    CorridorParams,
    CoverageOptions,
    Distance,
    LightingParams,
    RankingParams,
    ServiceParams,
    VisibilityParams,
    radius_defaults,
)
from gis.words import split_list

_LIGHTS, _SERVICE = LightingParams.shown(), ServiceParams.shown()
_CORRIDOR, _SEEN, _RANKING = (CorridorParams.shown(), VisibilityParams.shown(),
                              RankingParams.shown())
AreaQ = Annotated[str, Query(min_length=1, max_length=200, description="the area's name")]


def coverage_options(
    radius: Annotated[float | None, Query(ge=0, le=5000, description=(
        f"reach or service radius, metres (default: {radius_defaults()}; drainage: the "
        "offset, roads: the reach of a hardened road)"))] = None,
    classes: Annotated[str | None, Query(max_length=500, description=(
        "comma-separated classes that count (default: lights "
        f"{','.join(_LIGHTS.classes)}, garbage {','.join(_SERVICE.classes)})"))] = None,
    distance: Annotated[Distance | None, Query(description=(
        f"garbage/facilities: straight line or along roads (default {_SERVICE.distance})"
    ))] = None,
    join: Annotated[Join | None, Query(description=(
        "distance network: roads join where they share a vertex (vertices, OSM) or also "
        f"where they cross (crossings, CAD layers; default {_SERVICE.join})"))] = None,
    search_tolerance: Annotated[float | None, Query(ge=0, le=5000, description=(
        "distance network: a house or point farther than this from every road is "
        f"unreachable, metres (default {_SERVICE.search_m:g})"))] = None,
    target_share: Annotated[float | None, Query(ge=0, le=1, description=(
        "garbage/facilities: share of households proposed points should reach (default "
        f"{_SERVICE.target_share:g})"))] = None,
    min_gap: Annotated[float | None, Query(ge=0, le=10000, description=(
        f"lights: shortest unlit stretch reported, metres (default {_LIGHTS.min_gap_m:g})"
    ))] = None,
    include_planned: Annotated[bool | None, Query(description=(
        "count planned features too (before/after); coverage: default false, maps and "
        "sheets: default true"))] = None,
) -> CoverageOptions:
    """The coverage options of ``/villages/{id}/coverage/{kind}``, maps and figures."""
    return CoverageOptions(radius_m=radius, classes=split_list(classes), distance=distance,
                           join=join, search_m=search_tolerance,
                           target_share=target_share, min_gap_m=min_gap,
                           include_planned=include_planned)


def corridor_params(
    distance: Annotated[float | None, Query(ge=0, le=50_000, description=(
        f"corridor half-width, metres (default {_CORRIDOR.distance_m:g})"))] = None,
    road_classes: Annotated[str | None, Query(max_length=500, description=(
        "comma-separated road classes whose corridor counts, 'none' for no roads (default "
        f"{','.join(_CORRIDOR.road_classes)})"))] = None,
    railways: Annotated[bool | None, Query(description=(
        f"whether the railways' corridor counts (default {str(_CORRIDOR.railways).lower()})"
    ))] = None,
) -> CorridorParams:
    """The corridor's lines and half-width."""
    return CorridorParams.defaults().updated(distance_m=distance, railways=railways
                                             ).with_roads(road_classes)


def visibility_params(
    spacing: Annotated[float | None, Query(ge=10, le=5000, description=(
        f"metres between observers along a line (default {_SEEN.spacing_m:g})"))] = None,
    max_distance: Annotated[float | None, Query(gt=0, le=20_000, description=(
        f"farthest distance seen, metres (default {_SEEN.max_distance_m:g})"))] = None,
    target_height: Annotated[float | None, Query(ge=0, le=500, description=(
        "height above the ground that must be seen, m (default "
        f"{_SEEN.target_height_m:g})"))] = None,
    road_height: Annotated[float | None, Query(ge=0, le=500, description=(
        f"eye above a road, m (default {_SEEN.road_height_m:g})"))] = None,
    rail_height: Annotated[float | None, Query(ge=0, le=500, description=(
        f"eye above a railway, m (default {_SEEN.rail_height_m:g})"))] = None,
    curvature: Annotated[float | None, Query(ge=0, le=1, description=(
        f"earth curvature and refraction coefficient (default {_SEEN.curvature:g})"
    ))] = None,
) -> VisibilityParams:
    """Observers and targets of a visibility analysis."""
    return VisibilityParams.defaults().updated(
        spacing_m=spacing, max_distance_m=max_distance, target_height_m=target_height,
        road_height_m=road_height, rail_height_m=rail_height, curvature=curvature)


def ranking_params(
    top: Annotated[int | None, Query(ge=1, le=1000, description=(
        f"how many candidates (default {_RANKING.top})"))] = None,
    visible: Annotated[bool | None, Query(description=(
        "measure visibility from the trunk lines (default: when the area has terrain)"
    ))] = None,
) -> RankingParams:
    """How many candidates, and whether visibility is measured."""
    return RankingParams.defaults().updated(top=top, visible=visible)


CoverageQ = Annotated[CoverageOptions, Depends(coverage_options)]
CorridorQ = Annotated[CorridorParams, Depends(corridor_params)]
SeenQ = Annotated[VisibilityParams, Depends(visibility_params)]
RankingQ = Annotated[RankingParams, Depends(ranking_params)]
