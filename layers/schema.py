"""The canonical layer schema: the one description every importer, table and export follows.

Every vector layer has ``id``, ``area``, ``name``, ``status``, ``source``,
``source_id``, ``attrs`` and ``geom`` (EPSG:4326) plus the layer's own fields,
as ``docs/data-model.md`` (Layers) lists them. Class values are closed lists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from layers.errors import UnknownLayer

FieldKind = Literal["text", "int", "float", "bool"]

STATUSES: tuple[str, ...] = ("existing", "planned")
COMMON_FIELDS: tuple[str, ...] = ("name", "status")
WGS84 = 4326


@dataclass(frozen=True)
class FieldSpec:
    """One of a layer's own fields.

    Parameters
    ----------
    name
        Canonical column name.
    kind
        Storage kind: text, int, float or bool.
    choices
        Closed list of allowed values (``class``, ``surface`` ...), or empty.
    default
        Value used when the source has none.
    """

    name: str
    kind: FieldKind
    choices: tuple[str, ...] = ()
    default: str | int | float | bool | None = None

    @property
    def fallback(self) -> str | None:
        """The value an unknown word maps to (``other`` where the list has it)."""
        return "other" if "other" in self.choices else None


@dataclass(frozen=True)
class LayerSpec:
    """A canonical layer: its name, allowed geometry types and own fields."""

    name: str
    geometry_types: tuple[str, ...]
    fields: tuple[FieldSpec, ...] = field(default_factory=tuple)
    title_zh: str = ""
    title_en: str = ""

    @property
    def storage_type(self) -> str:
        """The PostGIS geometry type of the column (GEOMETRY when several are allowed)."""
        return self.geometry_types[0].upper() if len(self.geometry_types) == 1 else "GEOMETRY"

    @property
    def class_field(self) -> FieldSpec | None:
        """The layer's ``class`` field, if it has one."""
        return self.field("class")

    def field(self, name: str) -> FieldSpec | None:
        """Return the own field called ``name``, or None."""
        return next((f for f in self.fields if f.name == name), None)

    @property
    def canonical_names(self) -> tuple[str, ...]:
        """Every attribute a source file may carry under its canonical name."""
        return (*COMMON_FIELDS, *(f.name for f in self.fields))


def _cls(*values: str) -> FieldSpec:
    return FieldSpec("class", "text", values)


BOUNDARY_SOURCES: tuple[str, ...] = ("official", "derived", "derived_buildings")
"""Where a village's boundary comes from: an official boundary, the territory of a place
point (``vgis load osm``), or a territory derived from buildings (:mod:`layers.io.settlements`)."""

ROAD_CLASSES = (
    "expressway", "national", "provincial", "county", "township",
    "village", "alley", "track", "other",
)

LAYERS: dict[str, LayerSpec] = {
    spec.name: spec
    for spec in (
        LayerSpec(
            "villages", ("MultiPolygon",),
            (
                FieldSpec("code", "text"),
                FieldSpec("township", "text"),
                FieldSpec("county", "text"),
                FieldSpec("population", "int"),
                FieldSpec("households", "int"),
                FieldSpec("farmland_mu", "float"),
                FieldSpec("boundary_source", "text", BOUNDARY_SOURCES, "official"),
            ),
            "行政村", "Villages",
        ),
        LayerSpec(
            "roads", ("LineString",),
            (
                _cls(*ROAD_CLASSES),
                FieldSpec("surface", "text", ("hardened", "unhardened", "unknown"), "unknown"),
                FieldSpec("width_m", "float"),
            ),
            "道路", "Roads",
        ),
        LayerSpec(
            "railways", ("LineString",),
            (_cls("high_speed", "rail", "light_rail", "tram", "other"),),
            "铁路", "Railways",
        ),
        LayerSpec(
            "drainage", ("LineString",),
            (
                _cls("channel", "ditch", "drain", "pipe", "canal", "stream", "river"),
                FieldSpec("covered", "bool", (), False),
            ),
            "排水", "Drainage",
        ),
        LayerSpec(
            "lights", ("Point",),
            (_cls("solar", "grid", "other"), FieldSpec("working", "bool", (), True)),
            "路灯", "Street lights",
        ),
        LayerSpec(
            "garbage", ("Point",),
            (_cls("bin", "collection_point", "transfer_station", "recycling"),),
            "垃圾收集设施", "Garbage points",
        ),
        LayerSpec(
            "buildings", ("Polygon", "MultiPolygon", "Point"),
            (
                _cls("residential", "public", "commercial", "agricultural", "other"),
                FieldSpec("households", "int"),
            ),
            "建筑", "Buildings",
        ),
        LayerSpec(
            "facilities", ("Point", "Polygon", "MultiPolygon"),
            (
                _cls(
                    "meeting_room", "reception_room", "reading_room", "classroom",
                    "service_station", "square", "notice_board", "toilet", "clinic",
                    "school", "other",
                ),
            ),
            "公共设施", "Facilities",
        ),
        LayerSpec(
            "zones", ("MultiPolygon",),
            (
                _cls(
                    "agri_demo_zone", "scenic_area", "county_seat", "township_seat",
                    "ecological_redline", "other",
                ),
            ),
            "规划分区", "Planning zones",
        ),
        LayerSpec(
            "places", ("Point",),
            (
                _cls("county_seat", "town", "village", "hamlet", "other"),
                FieldSpec("population", "int"),
            ),
            "地名", "Places",
        ),
    )
}

LayerName = Literal[
    "villages", "roads", "railways", "drainage", "lights",
    "garbage", "buildings", "facilities", "zones", "places",
]


def layer_spec(name: str) -> LayerSpec:
    """Return the spec of a canonical layer.

    Raises
    ------
    UnknownLayer
        When ``name`` is not one of the ten canonical layers.
    """
    try:
        return LAYERS[name]
    except KeyError:
        raise UnknownLayer(name, LAYERS) from None
