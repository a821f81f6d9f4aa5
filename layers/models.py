"""GeoAlchemy2 tables of the store: one per canonical layer; areas, loads, rasters, keys, plans.

The tables are built from :data:`layers.schema.LAYERS`, so the schema is written once.
Geometry is EPSG:4326 with a GiST index; constraints enforce the closed class lists,
the geometry type, and valid, non-empty geometry. Alembic migrations create them.
"""

from __future__ import annotations

from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import (
    JSON,
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

def _in_list(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


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
    Column("actor", Text, comment="who loaded it: the API key's owner, or cli:USER"),
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

api_keys = Table(
    "api_keys", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True, comment="the person"),
    Column("key_sha256", String(64), nullable=False, unique=True,
           comment="SHA-256 of the key (the key itself is never stored)"),
    Column("created_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
)

PLAN_LAYERS: tuple[str, ...] = ("lights", "garbage", "drainage", "roads", "facilities")
"""Layers a plan may add features to (status ``planned``)."""

plans = Table(
    "plans", metadata,
    Column("id", Integer, primary_key=True),
    Column("area", String(200), ForeignKey("areas.name", ondelete="CASCADE"), nullable=False),
    Column("village_id", Integer, comment="the village planned (no key: ids change on a "
           "reload; the name finds it again)"),
    Column("village", Text, comment="the village's name when the plan was made"),
    Column("name", Text, nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    Column("author", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    Column("updated_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    Column("version", Integer, nullable=False, server_default="1"),
    Index("ix_plans_area", "area"),
)

plan_features = Table(
    "plan_features", metadata,
    Column("id", Integer, primary_key=True),
    Column("plan_id", Integer, ForeignKey("plans.id", ondelete="CASCADE"), nullable=False),
    Column("layer", String(20), nullable=False),
    Column("name", Text),
    Column("props", JSONB, nullable=False, server_default="{}",
           comment="the layer's own fields (class, working, ...)"),
    Column("geom", Geometry("GEOMETRY", srid=WGS84, spatial_index=False), nullable=False),
    CheckConstraint(_in_list("layer", PLAN_LAYERS), name="layer_in_list"),
    CheckConstraint("ST_IsValid(geom) AND NOT ST_IsEmpty(geom)", name="geometry_valid"),
    Index("ix_plan_features_plan", "plan_id"),
    Index("ix_plan_features_geom", "geom", postgresql_using="gist"),
)

plan_journal = Table(
    "plan_journal", metadata,
    Column("id", Integer, primary_key=True),
    Column("plan_id", Integer, ForeignKey("plans.id", ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=False, comment="the plan's version the edit made"),
    Column("at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    Column("actor", Text, nullable=False),
    Column("action", String(20), nullable=False),
    Column("feature_id", Integer),
    Column("layer", String(20)),
    Column("before", JSONB, comment="the feature before (GeoJSON), null when added"),
    Column("after", JSONB, comment="the feature after (GeoJSON), null when deleted"),
    Column("undone_in", Integer, comment="the version whose undo reverted this edit"),
    Index("ix_plan_journal_plan_version", "plan_id", "version"),
)

_KIND_TYPES: dict[FieldKind, type[TypeEngine[Any]]] = {
    "text": Text, "int": Integer, "float": Float, "bool": Boolean,
}


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
        Column("rev", BigInteger, server_default=text("nextval('vgis_feature_rev')"),
               nullable=False,
               comment="a new value on every insert and update (tile fingerprints)"),
        CheckConstraint(_in_list("status", STATUSES), name="status_in_list"),
        CheckConstraint(_in_list("GeometryType(geom)", geom_types), name="geometry_type"),
        CheckConstraint("ST_IsValid(geom) AND NOT ST_IsEmpty(geom)", name="geometry_valid"),
        *checks,
        Index(f"ix_{spec.name}_geom", "geom", postgresql_using="gist"),
        Index(f"ix_{spec.name}_area_source", "area", "source"),
    )


figure_tiles = Table(
    "figure_tiles", metadata,
    Column("id", BigInteger, primary_key=True),
    Column("area", String(200), ForeignKey("areas.name", ondelete="CASCADE"), nullable=False),
    Column("reads", JSONB, nullable=False,
           comment="the boxes read: [[layer, lon0, lat0, lon1, lat1], ...]"),
    Column("fingerprint", JSONB, nullable=False,
           comment="[[rows, largest rev], ...] of each box, when it was read"),
    Column("computed_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    Index("ix_figure_tiles_area", "area"),
)

village_figures = Table(
    "village_figures", metadata,
    Column("area", String(200), ForeignKey("areas.name", ondelete="CASCADE"),
           primary_key=True),
    Column("village_id", Integer, primary_key=True),
    Column("village", Text, nullable=False),
    Column("kind", String(20), primary_key=True),
    Column("params_key", String(64), primary_key=True,
           comment="SHA-256 of the kind, its parameters and the metric CRS"),
    Column("params", JSONB, nullable=False),
    Column("figures", JSON, nullable=False,
           comment="the answer as the single-process engine gives it (JSON text)"),
    Column("tile_id", BigInteger, ForeignKey("figure_tiles.id", ondelete="CASCADE"),
           nullable=False),
    Column("data_version", BigInteger, nullable=False,
           comment="the area's data version when the figures were known current"),
    Column("computed_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    Index("ix_village_figures_tile", "tile_id"),
)

layer_tables: dict[str, Table] = {name: _layer_table(spec) for name, spec in LAYERS.items()}
