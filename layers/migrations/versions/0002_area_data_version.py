"""area data version

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02 22:40:00

``areas.data_version`` takes a new value of the sequence ``vgis_data_version`` when the
area is made and, by statement-level triggers, whenever a feature of the area or one
of its terrain models is inserted, updated or deleted (by a load, an edit, a delete,
or plain SQL), and when the area's metric CRS changes. Values never repeat, not even
for an area deleted and made again. Caches of the service
(warm contexts, rendered maps, tiles' ETags) key on it, and a second worker process sees
a change through it.

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

revision: str = '0002'
down_revision: Union[str, Sequence[str], None] = '0001'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TABLES = ('villages', 'roads', 'railways', 'drainage', 'lights', 'garbage', 'buildings',
          'facilities', 'zones', 'places', 'rasters')
# a trigger with transition tables may have one event only: one function per shape
BUMPS = {
    'insert': ('REFERENCING NEW TABLE AS changed_rows', 'INSERT'),
    'delete': ('REFERENCING OLD TABLE AS changed_rows', 'DELETE'),
    'update': ('REFERENCING OLD TABLE AS changed_rows', 'UPDATE'),
}


def upgrade() -> None:
    """Upgrade schema."""
    op.execute("CREATE SEQUENCE vgis_data_version")
    op.add_column('areas', sa.Column(
        'data_version', sa.BigInteger(), nullable=False,
        server_default=sa.text("nextval('vgis_data_version')"),
        comment="bumped by triggers on every change of the area's features or terrain"))
    op.execute("""
        CREATE FUNCTION vgis_bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE areas SET data_version = nextval('vgis_data_version')
             WHERE name IN (SELECT DISTINCT area FROM changed_rows);
            RETURN NULL;
        END $$""")
    op.execute("""
        CREATE FUNCTION vgis_bump_on_crs() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.metric_epsg IS DISTINCT FROM OLD.metric_epsg THEN
                NEW.data_version := nextval('vgis_data_version');
            END IF;
            RETURN NEW;
        END $$""")
    op.execute("CREATE TRIGGER areas_crs_version BEFORE UPDATE ON areas "
               "FOR EACH ROW EXECUTE FUNCTION vgis_bump_on_crs()")
    for table in TABLES:
        for event, (referencing, verb) in BUMPS.items():
            op.execute(f"CREATE TRIGGER {table}_version_{event} AFTER {verb} ON {table} "
                       f"{referencing} FOR EACH STATEMENT "
                       "EXECUTE FUNCTION vgis_bump_data_version()")


def downgrade() -> None:
    """Downgrade schema."""
    for table in TABLES:
        for event in BUMPS:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_version_{event} ON {table}")
    op.execute("DROP TRIGGER IF EXISTS areas_crs_version ON areas")
    op.execute("DROP FUNCTION IF EXISTS vgis_bump_on_crs()")
    op.execute("DROP FUNCTION IF EXISTS vgis_bump_data_version()")
    op.drop_column('areas', 'data_version')
    op.execute("DROP SEQUENCE IF EXISTS vgis_data_version")
