"""The store's schema: migrations equal the models, and the database itself guards the rules."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from geoalchemy2 import alembic_helpers
from sqlalchemy import Engine, text
from sqlalchemy.exc import DataError, IntegrityError, InternalError

from layers.models import metadata
from layers.runtime.db import current_revision, head_revision
from layers.schema import LAYERS


def test_migrated_schema_matches_models(engine: Engine) -> None:
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={
            "include_object": alembic_helpers.include_object})
        assert compare_metadata(ctx, metadata) == []


def test_every_layer_has_gist_index_and_srid(engine: Engine) -> None:
    with engine.connect() as conn:
        gist = {r[0] for r in conn.execute(text(
            "SELECT tablename FROM pg_indexes WHERE indexdef LIKE '%USING gist (geom)%'"))}
        srids = dict(conn.execute(text(
            "SELECT f_table_name, srid FROM geometry_columns "
            "WHERE f_geometry_column = 'geom'")).all())
    assert set(LAYERS) <= gist
    assert all(srids[name] == 4326 for name in LAYERS)


@pytest.mark.parametrize(
    ("sql", "constraint"),
    [
        ("INSERT INTO roads (area, source, class, surface, geom) VALUES "
         "('guard', 's', 'highway', 'unknown', 'SRID=4326;LINESTRING(0 0, 1 1)')", "class_in_list"),
        ("INSERT INTO roads (area, source, class, surface, geom) VALUES "
         "('guard', 's', 'village', 'unknown', 'SRID=4326;POINT(0 0)')", "Geometry type"),
        ("INSERT INTO buildings (area, source, class, geom) VALUES ('guard', 's', 'residential', "
         "'SRID=4326;POLYGON((0 0, 1 1, 1 0, 0 1, 0 0))')", "geometry_valid"),
        ("INSERT INTO lights (area, source, status, class, working, geom) VALUES "
         "('guard', 's', 'maybe', 'solar', true, 'SRID=4326;POINT(0 0)')", "status_in_list"),
        ("INSERT INTO lights (area, source, class, working, geom) VALUES "
         "('guard', 's', 'solar', true, 'SRID=3857;POINT(0 0)')", "SRID"),
    ],
)
def test_database_rejects_what_the_schema_forbids(engine: Engine, sql: str, constraint: str
                                                  ) -> None:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO areas (name) VALUES ('guard') ON CONFLICT DO NOTHING"))
    with pytest.raises((IntegrityError, InternalError, DataError)) as info, \
            engine.begin() as conn:
        conn.execute(text(sql))
    assert constraint in str(info.value)
