"""The parameters of every analysis: each default is decided here, once.

One frozen dataclass per analysis family. The faces (``vgis``, the HTTP API) and the
maps and figures leave an option unset (None) unless the planner gives it, and
:meth:`Params.defaults` fills in the rest: the class's own default, or the value of
its setting where one exists (``VGIS_LIGHTS_RADIUS_M``, ``VGIS_GARBAGE_RADIUS_M``,
``VGIS_CORRIDOR_DISTANCE_M``; :class:`layers.runtime.settings.Settings`). Every
distance is planar metres in the area's metric CRS (a UTM zone or a configured
CGCS2000 Gauss–Krüger zone); heights are metres above the ground.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Self

from gis.network import JOINS, Join
from gis.words import split_list
from layers.errors import VgisError
from layers.runtime.settings import get_settings
from layers.schema import LAYERS, ROAD_CLASSES

Distance = Literal["euclidean", "network"]
DISTANCES: tuple[Distance, ...] = ("euclidean", "network")

LIGHT_CLASSES: tuple[str, ...] = ("village", "alley", "township")
"""Road classes whose lighting is counted by default (村道, 巷道, 乡道)."""
GARBAGE_CLASSES: tuple[str, ...] = ("bin", "collection_point", "transfer_station")
"""Garbage points that serve households (recycling containers do not)."""
MAIN_ROAD_CLASSES: tuple[str, ...] = ("township", "village")
"""The main village roads of the drainage figures."""
TRUNK_CLASSES: tuple[str, ...] = ("expressway", "national", "provincial")
"""Trunk roads of the corridor (交通干道): 高速, 国道, 省道."""
VISIBLE_LIGHT_CC = 0.85714
"""Earth curvature and refraction coefficient for visible light (``gdal_viewshed``'s)."""


def check_metres(name: str, value: float, *, positive: bool = False) -> None:
    """Raise :class:`VgisError` unless ``value`` is a finite number of metres ≥ 0 (> 0)."""
    if not (math.isfinite(value) and (value > 0 if positive else value >= 0)):
        what = "above 0" if positive else "of 0 or more"
        raise VgisError(f"{name} must be a number of metres {what} (got {value})")


def _classes(values: Sequence[str], allowed: Sequence[str], what: str) -> None:
    bad = [c for c in values if c not in allowed]
    if bad:
        raise VgisError(f"unknown {what} class(es) {', '.join(bad)}; use {', '.join(allowed)}")


@dataclass(frozen=True)
class Params:
    """What the parameter classes share: defaults seeded from settings, checked updates."""

    SETTINGS: ClassVar[dict[str, str]] = {}
    """Field → the :class:`~layers.runtime.settings.Settings` attribute that seeds it."""

    @classmethod
    def defaults(cls) -> Self:
        """The defaults in force: the class's, with those the settings give."""
        settings = get_settings()
        seeded = {f: v for f, key in cls.SETTINGS.items()
                  if (v := getattr(settings, key)) is not None}
        return cls(**seeded)

    @classmethod
    def shown(cls) -> Self:
        """The defaults to show in help texts.

        :meth:`defaults`, or the class's own when the settings cannot be read (that
        error is said when an analysis runs).
        """
        try:
            return cls.defaults()
        except VgisError:
            return cls()

    def updated(self, **changes: Any) -> Self:
        """A copy with every change that is not None (an empty tuple of classes keeps them)."""
        given = {k: v for k, v in changes.items() if v is not None and v != ()}
        out = dataclasses.replace(self, **given)
        out.check()
        return out

    def check(self) -> None:
        """Raise :class:`VgisError` when a value makes no sense."""

    def as_dict(self) -> dict[str, Any]:
        """The parameters as reported next to the figures (tuples as lists)."""
        return {k: list(v) if isinstance(v, tuple) else v
                for k, v in dataclasses.asdict(self).items()}


@dataclass(frozen=True)
class LightingParams(Params):
    """Street-light coverage (路灯亮化).

    Attributes
    ----------
    radius_m
        Reach of a working light, metres: a road point is lit within it.
    classes
        Road classes counted.
    min_gap_m
        Unlit stretches longer than this are reported as gaps, metres.
    spacing_m
        Spacing of proposed lights along a gap, metres (None: twice the radius).
    include_planned
        Also report the figures with planned lights and roads (before/after).
    """

    SETTINGS: ClassVar[dict[str, str]] = {"radius_m": "lights_radius_m"}
    kind: ClassVar[str] = "lights"

    radius_m: float = 15.0
    classes: tuple[str, ...] = LIGHT_CLASSES
    min_gap_m: float = 30.0
    spacing_m: float | None = None
    include_planned: bool = False

    @property
    def light_spacing_m(self) -> float:
        """The spacing of proposed lights in force, metres."""
        return self.spacing_m if self.spacing_m is not None else 2 * self.radius_m

    def check(self) -> None:
        """Radius, gap and spacing are metres ≥ 0; classes are road classes."""
        check_metres("the reach of a light (radius)", self.radius_m)
        check_metres("the shortest gap reported (min_gap)", self.min_gap_m)
        if self.spacing_m is not None:
            check_metres("the spacing of new lights", self.spacing_m)
        _classes(self.classes, ROAD_CLASSES, "road")


@dataclass(frozen=True)
class ServiceParams(Params):
    """Households within reach of service points (garbage 垃圾收集, public facilities).

    Attributes
    ----------
    layer
        ``garbage`` or ``facilities``.
    classes
        Classes of points that serve.
    radius_m
        Service radius, metres (70 m where housing is clustered, up to 200 m scattered).
    distance
        ``euclidean`` (straight line) or ``network`` (along the roads, :mod:`gis.network`).
    join
        Network mode: ``vertices`` (roads join where they share a vertex, as in OSM) or
        ``crossings`` (also where they cross: CAD layers that are not noded).
    search_m
        Network mode: the search tolerance, metres; a building or point farther than
        this from every road is unreachable.
    target_share
        Share of households (0..1) the proposed new points should reach.
    include_planned
        Also report the figures with planned points and buildings.
    """

    SETTINGS: ClassVar[dict[str, str]] = {"radius_m": "garbage_radius_m"}

    layer: Literal["garbage", "facilities"] = "garbage"
    classes: tuple[str, ...] = GARBAGE_CLASSES
    radius_m: float = 70.0
    distance: Distance = "euclidean"
    join: Join = "vertices"
    search_m: float = 100.0
    target_share: float = 0.95
    include_planned: bool = False

    @property
    def kind(self) -> str:
        """The coverage kind these parameters are of (the layer's name)."""
        return self.layer

    def check(self) -> None:
        """Radius ≥ 0 m, share in 0..1, classes of the layer (facilities: at least one)."""
        check_metres("the service radius (radius)", self.radius_m)
        if not (math.isfinite(self.target_share) and 0 <= self.target_share <= 1):
            raise VgisError(f"the target share must lie in 0..1 (got {self.target_share})")
        if self.distance not in DISTANCES:
            raise VgisError(f"distance is euclidean or network, not {self.distance!r}")
        if self.join not in JOINS:
            raise VgisError(f"join is vertices or crossings, not {self.join!r}")
        if self.join != "vertices" and self.distance != "network":
            raise VgisError("join crossings applies to network distances: add distance network")
        check_metres("the network search tolerance", self.search_m)
        if (self.layer == "facilities") != isinstance(self, FacilityParams):
            raise VgisError("facilities are served by FacilityParams, garbage by ServiceParams")
        spec = LAYERS[self.layer].class_field
        assert spec is not None
        _classes(self.classes, spec.choices, self.layer)
        if not self.classes:
            raise VgisError(f"{self.layer}: say which classes serve (e.g. toilet)")


@dataclass(frozen=True)
class FacilityParams(ServiceParams):
    """Households within reach of a public facility (e.g. a toilet, 300 m in towns, GB 55013)."""

    SETTINGS: ClassVar[dict[str, str]] = {}

    layer: Literal["garbage", "facilities"] = "facilities"
    classes: tuple[str, ...] = ()
    radius_m: float = 300.0


@dataclass(frozen=True)
class DrainageParams(Params):
    """Drainage along the main roads (排水渠), covered and open.

    Attributes
    ----------
    offset_m
        A road point has drainage alongside when a drainage line is this near, metres.
    classes
        The main road classes.
    include_planned
        Also report the figures with planned channels and roads.
    """

    kind: ClassVar[str] = "drainage"

    offset_m: float = 10.0
    classes: tuple[str, ...] = MAIN_ROAD_CLASSES
    include_planned: bool = False

    def check(self) -> None:
        """Offset ≥ 0 m; classes are road classes."""
        check_metres("the drainage offset (radius)", self.offset_m)
        _classes(self.classes, ROAD_CLASSES, "road")


@dataclass(frozen=True)
class HardeningParams(Params):
    """Road hardening (道路硬化) and households reached by hardened roads.

    Attributes
    ----------
    reach_m
        A household is reached when its building lies this near a hardened road, metres.
    include_planned
        Also report the figures with planned roads and buildings.
    """

    kind: ClassVar[str] = "roads"

    reach_m: float = 50.0
    include_planned: bool = False

    def check(self) -> None:
        """Reach ≥ 0 m."""
        check_metres("the reach of a hardened road (radius)", self.reach_m)


PLANNED_ON_SHEETS = True
"""Maps and print sheets draw the plan (planned features, before/after figures) unless told
not to; a coverage report counts existing features only unless asked (``include_planned``)."""

CoverageParams = LightingParams | ServiceParams | DrainageParams | HardeningParams
CoverageKind = Literal["lights", "garbage", "drainage", "roads", "facilities"]
COVERAGE_KINDS: tuple[CoverageKind, ...] = ("lights", "garbage", "drainage", "roads",
                                            "facilities")
_COVERAGE_CLASSES: dict[str, type[CoverageParams]] = {
    "lights": LightingParams, "garbage": ServiceParams, "facilities": FacilityParams,
    "drainage": DrainageParams, "roads": HardeningParams,
}
# the one option "radius" of the faces means each kind's own reach
_RADIUS_FIELD = {"lights": "radius_m", "garbage": "radius_m", "facilities": "radius_m",
                 "drainage": "offset_m", "roads": "reach_m"}


@dataclass(frozen=True)
class CoverageOptions:
    """What a planner asks of a coverage analysis; None (or no classes) means the default.

    The CLI flags and the HTTP query parameters of ``coverage``, ``map`` and ``figure``
    are these. :meth:`params` turns them into the parameters of one kind.

    Attributes
    ----------
    radius_m
        The kind's reach, metres: of a light, of a service point, the drainage offset,
        the reach of a hardened road.
    classes
        The classes that count (road classes for lights and drainage, point classes for
        garbage and facilities).
    distance
        Garbage and facilities: ``euclidean`` or ``network``.
    join
        Network mode: ``vertices`` or ``crossings`` (where roads join).
    search_m
        Network mode: the search tolerance, metres.
    target_share
        Garbage and facilities: the share of households proposed points should reach.
    min_gap_m
        Lights: the shortest unlit stretch reported, metres.
    include_planned
        Count planned features too (before/after).
    """

    radius_m: float | None = None
    classes: tuple[str, ...] = ()
    distance: Distance | None = None
    join: Join | None = None
    search_m: float | None = None
    target_share: float | None = None
    min_gap_m: float | None = None
    include_planned: bool | None = None

    def params(self, kind: str) -> CoverageParams:
        """The parameters of coverage ``kind`` with these options over the defaults."""
        cls = _COVERAGE_CLASSES.get(kind)
        if cls is None:
            raise VgisError(f"unknown coverage kind {kind!r}; use {', '.join(COVERAGE_KINDS)}")
        changes: dict[str, Any] = {_RADIUS_FIELD[kind]: self.radius_m,
                                   "include_planned": self.include_planned}
        if kind != "roads":
            changes["classes"] = self.classes
        if kind == "lights":
            changes["min_gap_m"] = self.min_gap_m
        elif kind in ("garbage", "facilities"):
            changes |= {"distance": self.distance, "join": self.join,
                        "search_m": self.search_m, "target_share": self.target_share}
        return cls.defaults().updated(**changes)


def radius_defaults() -> str:
    """The default reach of each coverage kind in words (for the faces' help)."""
    parts = []
    for kind, cls in _COVERAGE_CLASSES.items():
        value = getattr(cls.shown(), _RADIUS_FIELD[kind])
        parts.append(f"{kind} {value:g}")
    return ", ".join(parts) + " m"


@dataclass(frozen=True)
class CorridorParams(Params):
    """Villages along trunk roads and railways (交通干道和铁路沿线).

    Attributes
    ----------
    distance_m
        Corridor half-width, metres: a village whose polygon lies this near a line is in.
    road_classes
        Road classes whose corridor counts (empty: none).
    railways
        Whether the railways' corridor counts.
    """

    SETTINGS: ClassVar[dict[str, str]] = {"distance_m": "corridor_distance_m"}

    distance_m: float = 500.0
    road_classes: tuple[str, ...] = TRUNK_CLASSES
    railways: bool = True

    def check(self) -> None:
        """Distance ≥ 0 m; known road classes; some line to measure from."""
        check_metres("the corridor distance", self.distance_m)
        _classes(self.road_classes, ROAD_CLASSES, "road")
        if not self.road_classes and not self.railways:
            raise VgisError("choose road classes and/or railways for the corridor")

    def with_roads(self, text: str | None) -> CorridorParams:
        """A copy with road classes from an option (``none`` for no roads, None: unchanged)."""
        if text is None:
            return self
        words = split_list(text)
        if text.strip().lower() == "none" or not words:  # given but empty: no roads
            out = dataclasses.replace(self, road_classes=())
            out.check()
            return out
        return self.updated(road_classes=words)


@dataclass(frozen=True)
class VisibilityParams(Params):
    """How the trunk lines are watched from (可视范围).

    Attributes
    ----------
    spacing_m
        Distance between observers along a line, metres.
    road_height_m, rail_height_m
        Eye height above a road and above a railway, metres.
    target_height_m
        Height above the ground of what must be seen, metres (0: the ground itself).
    max_distance_m
        Farthest distance seen, metres.
    curvature
        Earth curvature and refraction coefficient (0 ignores the curvature).
    """

    spacing_m: float = 100.0
    road_height_m: float = 1.7
    rail_height_m: float = 3.0
    target_height_m: float = 0.0
    max_distance_m: float = 3000.0
    curvature: float = VISIBLE_LIGHT_CC

    def check(self) -> None:
        """Raise VgisError for values that make no sense (negative, not finite, …)."""
        check_metres("the observer spacing", self.spacing_m, positive=True)
        check_metres("the max distance", self.max_distance_m, positive=True)
        for name in ("road_height", "rail_height", "target_height"):
            check_metres(f"the {name.replace('_', ' ')}", getattr(self, f"{name}_m"))
        if not (math.isfinite(self.curvature) and 0 <= self.curvature <= 1):
            raise VgisError(f"the curvature coefficient must lie in 0..1 (got {self.curvature})")


@dataclass(frozen=True)
class RankingParams(Params):
    """The candidate ranking (建成10个示范村).

    Attributes
    ----------
    top
        How many candidates are listed (the plans build 10 demonstration villages).
    visible
        Measure visibility from the trunk lines: None when the area has a terrain
        model, True always (an error without one), False never.
    """

    top: int = 10
    visible: bool | None = None

    def check(self) -> None:
        """At least one candidate."""
        if self.top < 1:
            raise VgisError(f"top must be 1 or more (got {self.top})")
