"""GeoAlchemy2 tables of the store: one table per canonical layer, plus areas, loads and rasters.

The tables are built from :data:`layers.schema.LAYERS`, so the schema is written once.
Geometry is EPSG:4326 with a GiST index; constraints enforce the closed class lists,
the geometry type, and valid, non-empty geometry. Alembic migrations create them.
"""

from __future__ import annotations

from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.types import TypeEngine

from layers.schema import LAYERS, STATUSES, WGS84, FieldKind, LayerSpec

# Constraint names are prefixed with the table name so they are unique per schema.
metadata = MetaData(naming_convention={"ck": "ck_%(table_name)s_%(constraint_name)s"})

areas = Table(
    "areas", metadata,
    Column("name", String(200), primary_key=True),
    Column("title", Text),
    Column("metric_epsg", Integer, comment="configured metric CRS (e.g. a CGCS2000 GK zone)"),
    Column("created_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    Column("data_version", BigInteger, server_default=text("nextval('vgis_data_version')"),
           nullable=False,
           comment="bumped by triggers on every change of the area's features or terrain"),
)

loads = Table(
    "loads", metadata,
    Column("id", Integer, primary_key=True),
    Column("area", String(200), ForeignKey("areas.name", ondelete="CASCADE"), nullable=False),
    Column("source", Text, nullable=False),
    Column("kind", String(20), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("counts", JSONB, nullable=False),
    Column("report", JSONB, nullable=False),
    Column("loaded_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    Index("ix_loads_area_source", "area", "source"),
)

rasters = Table(
    "rasters", metadata,
    Column("id", Integer, primary_key=True),
    Column("area", String(200), ForeignKey("areas.name", ondelete="CASCADE"), nullable=False),
    Column("source", Text, nullable=False),
    Column("path", Text, nullable=False),
    Column("crs", Text, nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("res_x", Float, nullable=False),
    Column("res_y", Float, nullable=False),
    Column("nodata", Float),
    Column("min_value", Float),
    Column("max_value", Float),
    Column("footprint", Geometry("POLYGON", srid=WGS84, spatial_index=False), nullable=False),
    Index("ix_rasters_area_source", "area", "source", unique=True),
    Index("ix_rasters_footprint", "footprint", postgresql_using="gist"),
)

_KIND_TYPES: dict[FieldKind, type[TypeEngine[Any]]] = {
    "text": Text, "int": Integer, "float": Float, "bool": Boolean,
}


def _in_list(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


def _layer_table(spec: LayerSpec) -> Table:
    # class and every field with a default are always filled in by the importers
    own = [
        Column(f.name, _KIND_TYPES[f.kind], nullable=f.default is None and f.name != "class")
        for f in spec.fields
    ]
    checks = [
        CheckConstraint(_in_list(f'"{f.name}"', f.choices), name=f"{f.name}_in_list")
        for f in spec.fields if f.choices
    ]
    geom_types = tuple(t.upper() for t in spec.geometry_types)
    return Table(
        spec.name, metadata,
        Column("id", Integer, primary_key=True),
        Column("area", String(200), ForeignKey("areas.name", ondelete="CASCADE"), nullable=False),
        Column("name", Text),
        Column("status", String(10), nullable=False, server_default="existing"),
        Column("source", Text, nullable=False, comment="file the feature was imported from"),
        Column("source_id", Text, comment="the feature's id or index in its source file"),
        Column("attrs", JSONB, nullable=False, server_default="{}"),
        *own,
        Column(
            "geom",
            Geometry(spec.storage_type, srid=WGS84, spatial_index=False),
            nullable=False,
        ),
        CheckConstraint(_in_list("status", STATUSES), name="status_in_list"),
        CheckConstraint(_in_list("GeometryType(geom)", geom_types), name="geometry_type"),
        CheckConstraint("ST_IsValid(geom) AND NOT ST_IsEmpty(geom)", name="geometry_valid"),
        *checks,
        Index(f"ix_{spec.name}_geom", "geom", postgresql_using="gist"),
        Index(f"ix_{spec.name}_area_source", "area", "source"),
    )


layer_tables: dict[str, Table] = {name: _layer_table(spec) for name, spec in LAYERS.items()}
