"""What the coverage analyses answer: typed figures, one model per kind, with their units.

The figures are pydantic models so that the faces print them, the maps draw them and
the HTTP API declares them (``/docs`` shows every field with its unit) from one
description. :class:`Coverage` holds one village's figures before (existing features)
and, when asked, after (with planned features), and the map layers; its
:meth:`~Coverage.answer` is the flat JSON the faces give (identity, parameters,
figures, ``with_planned``, ``layers``). Lengths are metres in the area's metric CRS,
shares 0..1 (None where there is nothing to share).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import geopandas as gpd
from pydantic import BaseModel, ConfigDict, Field

from gis.params import (
    CoverageParams,
    DrainageParams,
    HardeningParams,
    LightingParams,
    ServiceParams,
)

Share = float | None


def _share(what: str) -> Any:
    return Field(description=f"{what}, 0..1 (null when there is nothing to share)")


def _metres(what: str) -> Any:
    return Field(description=f"{what}, metres")


class Figures(BaseModel):
    """Figures of one kind for one village."""

    model_config = ConfigDict(frozen=True)


# --- lighting ---------------------------------------------------------------------------

class ClassLit(Figures):
    """The lighting of one road class in a village."""

    road_length_m: float = _metres("road length of the class inside the village")
    lit_length_m: float = _metres("part of it within reach of a working light")
    lit_share: Share = _share("lit length / road length")


class LitFigures(Figures):
    """Road length lit by working street lights (the before and the after of a plan)."""

    road_length_m: float = _metres("length of the counted road classes inside the village")
    lit_length_m: float = _metres("part of it within the radius of a working light")
    lit_share: Share = _share("lit length / road length")
    lights: int = Field(description="lights inside the village")
    by_class: dict[str, ClassLit] = Field(description="the same per road class")


class LightingFigures(LitFigures):
    """Lighting, with the unlit gaps and the new lights that close them."""

    unlit_gaps: int = Field(description="unlit stretches longer than the shortest gap reported")
    unlit_gap_length_m: float = _metres("their length")
    proposed_lights: int = Field(description="new lights that light every point of the gaps")


# --- households served ------------------------------------------------------------------

class ServedFigures(Figures):
    """Households within reach of a serving point (the before and the after of a plan)."""

    households: int = Field(description="households of residential buildings in the village")
    served_households: int = Field(description="of them within the service radius of a point")
    served_share: Share = _share("served households / households")
    unserved_households: int = Field(description="households outside every service radius")
    points: int = Field(description="serving points inside the village")


class ServiceFigures(ServedFigures):
    """Households served, people per point, cleaners, and the proposed new points."""

    population: int = Field(description="the village's population (or 3 per household)")
    population_estimated: bool = Field(description="population estimated from households")
    people_per_point: float | None = Field(description="population / points (null: no point)")
    cleaners_needed: list[int] | None = Field(
        default=None, description="garbage: cleaners at one per 400 and per 300 people")
    proposed_points: int | None = Field(
        default=None, description="new points (greedy maximal covering) to the target share")
    served_share_with_proposed: Share = Field(
        default=None, description="served share with them, 0..1 (their reach measured as "
                                  "the served share is: straight line or along the roads)")
    unreachable_households: int | None = Field(
        default=None, description="network mode: households farther than the search "
                                  "tolerance from every road (never served); null: "
                                  "straight-line mode")


# --- drainage and hardening -------------------------------------------------------------

class DrainageFigures(Figures):
    """Main roads with drainage alongside; covered and open drainage in the village."""

    main_road_length_m: float = _metres("length of the main road classes in the village")
    with_drainage_length_m: float = _metres("part of it with a drainage line within the offset")
    with_drainage_share: Share = _share("with drainage / main road length")
    drainage_length_m: float = _metres("drainage lines inside the village")
    covered_length_m: float = _metres("of them covered (盖板)")
    open_length_m: float = _metres("of them open")


class ClassHardened(Figures):
    """The hardening of one road class in a village."""

    road_length_m: float = _metres("road length of the class inside the village")
    hardened_length_m: float = _metres("of it hardened")
    hardened_share: Share = _share("hardened / road length")


class HardeningFigures(Figures):
    """Hardened roads, and households within reach of one."""

    road_length_m: float = _metres("road length inside the village, every class")
    hardened_length_m: float = _metres("of it hardened")
    hardened_share: Share = _share("hardened / road length")
    surface_unknown_length_m: float = _metres("of it with an unknown surface")
    by_class: dict[str, ClassHardened] = Field(description="the same per road class")
    households: int = Field(description="households of residential buildings in the village")
    households_near_hardened_road: int = Field(
        description="of them whose building lies within the reach of a hardened road")
    households_near_hardened_share: Share = _share("those households / households")


# --- the answers of the faces -----------------------------------------------------------

class Head(BaseModel):
    """Which village, and which kind of coverage."""

    kind: str = Field(description="lights, garbage, facilities, drainage or roads")
    area: str = Field(description="the area's name")
    village_id: int = Field(description="the village's id")
    village: str = Field(description="the village's name")


_LAYERS = Field(default=None, description="with geometry: map layers as GeoJSON (EPSG:4326)")


class LightingReported(BaseModel):
    """The parameters of a lighting answer."""

    radius_m: float = _metres("reach of a working light")
    classes: list[str] = Field(description="road classes counted")
    min_gap_m: float = _metres("shortest unlit stretch reported")
    spacing_m: float = _metres("spacing of proposed lights along a gap")


class LightingAnswer(LightingFigures, LightingReported, Head):
    """Lighting coverage of a village (``kind`` lights)."""

    with_planned: LitFigures | None = Field(default=None, description="with planned features")
    layers: dict[str, Any] | None = _LAYERS


class ServiceReported(BaseModel):
    """The parameters of a households-served answer."""

    radius_m: float = _metres("service radius")
    classes: list[str] = Field(description="classes of points that serve")
    distance: str = Field(description="euclidean (straight line) or network (along roads)")
    join: str | None = Field(default=None, description=(
        "network: roads join at shared vertices, or also at crossings; null: euclidean"))
    search_m: float | None = Field(default=None, description=(
        "network: the search tolerance, metres (farther is unreachable); null: euclidean"))
    target_share: float = Field(description="share the proposed points should reach, 0..1")


class ServiceAnswer(ServiceFigures, ServiceReported, Head):
    """Households served by garbage points or facilities (``kind`` garbage, facilities)."""

    with_planned: ServedFigures | None = Field(default=None,
                                               description="with planned features")
    layers: dict[str, Any] | None = _LAYERS


class DrainageReported(BaseModel):
    """The parameters of a drainage answer."""

    offset_m: float = _metres("a drainage line within this of a road is alongside it")
    classes: list[str] = Field(description="main road classes")


class DrainageAnswer(DrainageFigures, DrainageReported, Head):
    """Drainage along the main roads (``kind`` drainage)."""

    with_planned: DrainageFigures | None = Field(default=None,
                                                 description="with planned features")
    layers: dict[str, Any] | None = _LAYERS


class HardeningReported(BaseModel):
    """The parameters of a hardening answer."""

    reach_m: float = _metres("a building within this of a hardened road is reached")


class HardeningAnswer(HardeningFigures, HardeningReported, Head):
    """Road hardening (``kind`` roads)."""

    with_planned: HardeningFigures | None = Field(default=None,
                                                  description="with planned features")
    layers: dict[str, Any] | None = _LAYERS


CoverageAnswer = LightingAnswer | ServiceAnswer | DrainageAnswer | HardeningAnswer


def reported(params: CoverageParams) -> dict[str, Any]:
    """The parameters reported next to the figures (spacing of new lights as used)."""
    if isinstance(params, LightingParams):
        return {"radius_m": params.radius_m, "classes": list(params.classes),
                "min_gap_m": params.min_gap_m, "spacing_m": params.light_spacing_m}
    if isinstance(params, ServiceParams):
        network = params.distance == "network"
        return {"radius_m": params.radius_m, "classes": list(params.classes),
                "distance": params.distance, "join": params.join if network else None,
                "search_m": params.search_m if network else None,
                "target_share": params.target_share}
    if isinstance(params, DrainageParams):
        return {"offset_m": params.offset_m, "classes": list(params.classes)}
    assert isinstance(params, HardeningParams)
    return {"reach_m": params.reach_m}


_ANSWERS: dict[type[Figures], type[BaseModel]] = {
    LightingFigures: LightingAnswer, ServiceFigures: ServiceAnswer,
    DrainageFigures: DrainageAnswer, HardeningFigures: HardeningAnswer,
}


def answer_model(kind: str) -> type[CoverageAnswer]:
    """The answer model of a coverage kind (lights, garbage, facilities, drainage, roads)."""
    models: dict[str, type[CoverageAnswer]] = {
        "lights": LightingAnswer, "garbage": ServiceAnswer, "facilities": ServiceAnswer,
        "drainage": DrainageAnswer, "roads": HardeningAnswer}
    return models[kind]


F = TypeVar("F", bound=Figures)
A = TypeVar("A", bound=Figures)


@dataclass
class Coverage(Generic[F, A]):
    """One village's coverage: the parameters, the figures before/after, map-ready layers.

    ``figures`` are of the existing features; ``with_planned`` (when asked for) of the
    existing and planned ones together.
    """

    area: str
    village_id: int
    village: str
    params: CoverageParams
    figures: F
    with_planned: A | None = None
    layers: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        """lights, garbage, facilities, drainage or roads."""
        return str(self.params.kind)

    def answer(self, *, geometry: bool = False) -> CoverageAnswer:
        """The flat answer of the faces; with ``geometry`` the layers as GeoJSON."""
        flat: dict[str, Any] = {
            "kind": self.kind, "area": self.area, "village_id": self.village_id,
            "village": self.village, **reported(self.params),
            **self.figures.model_dump(exclude_unset=True),
        }
        if self.with_planned is not None:
            flat["with_planned"] = self.with_planned.model_dump(exclude_unset=True)
        if geometry:
            flat["layers"] = {k: _geojson(v) for k, v in self.layers.items()}
        model = _ANSWERS[type(self.figures)]
        out = model.model_validate(flat)
        assert isinstance(out, LightingAnswer | ServiceAnswer | DrainageAnswer | HardeningAnswer)
        return out

    def as_dict(self, *, geometry: bool = False) -> dict[str, Any]:
        """The answer as JSON-ready data (fields a kind does not give are left out)."""
        return self.answer(geometry=geometry).model_dump(exclude_unset=True)


def _geojson(frame: gpd.GeoDataFrame) -> dict[str, Any]:
    return dict(json.loads(frame.to_json(drop_id=True)))
