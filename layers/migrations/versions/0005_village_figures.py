"""village figures

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 09:00:00

Every feature row gets ``rev``: a new value of the sequence ``vgis_feature_rev`` when it
is inserted (column default) and whenever it is updated (row trigger). With the number
of rows, the largest ``rev`` in a bounding box fingerprints what the box holds: an
insert or an update there raises the largest value, a delete lowers the count
(``gis/figures.py``, "data version of a tile").

``figure_tiles`` keeps the boxes a tile of ``vgis figures`` read and their fingerprint;
``village_figures`` the figures of each village, kind and parameters, with the tile they
were computed from and the area's data version when they were known to be current.

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TABLES = ('villages', 'roads', 'railways', 'drainage', 'lights', 'garbage', 'buildings',
          'facilities', 'zones', 'places')


def upgrade() -> None:
    """Upgrade schema."""
    op.execute("CREATE SEQUENCE vgis_feature_rev")
    op.execute("""
        CREATE FUNCTION vgis_bump_rev() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.rev := nextval('vgis_feature_rev');
            RETURN NEW;
        END $$""")
    for table in TABLES:
        op.add_column(table, sa.Column(
            'rev', sa.BigInteger(), nullable=False,
            server_default=sa.text("nextval('vgis_feature_rev')"),
            comment="a new value on every insert and update (tile fingerprints)"))
        op.execute(f"CREATE TRIGGER {table}_rev BEFORE UPDATE ON {table} "
                   "FOR EACH ROW EXECUTE FUNCTION vgis_bump_rev()")
    op.create_table(
        'figure_tiles',
        sa.Column('id', sa.BigInteger(), primary_key=True),
        sa.Column('area', sa.String(200), sa.ForeignKey('areas.name', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('reads', JSONB(), nullable=False,
                  comment="the boxes read: [[layer, lon0, lat0, lon1, lat1], ...]"),
        sa.Column('fingerprint', JSONB(), nullable=False,
                  comment="[[rows, largest rev], ...] of each box, when it was read"),
        sa.Column('computed_at', sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
    )
    op.create_index('ix_figure_tiles_area', 'figure_tiles', ['area'])
    op.create_table(
        'village_figures',
        sa.Column('area', sa.String(200), sa.ForeignKey('areas.name', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('village_id', sa.Integer(), nullable=False),
        sa.Column('village', sa.Text(), nullable=False),
        sa.Column('kind', sa.String(20), nullable=False),
        sa.Column('params_key', sa.String(64), nullable=False,
                  comment="SHA-256 of the kind, its parameters and the metric CRS"),
        sa.Column('params', JSONB(), nullable=False),
        sa.Column('figures', sa.JSON(), nullable=False,
                  comment="the answer as the single-process engine gives it (JSON text)"),
        sa.Column('tile_id', sa.BigInteger(),
                  sa.ForeignKey('figure_tiles.id', ondelete='CASCADE'), nullable=False),
        sa.Column('data_version', sa.BigInteger(), nullable=False,
                  comment="the area's data version when the figures were known current"),
        sa.Column('computed_at', sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.PrimaryKeyConstraint('area', 'village_id', 'kind', 'params_key'),
    )
    op.create_index('ix_village_figures_tile', 'village_figures', ['tile_id'])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('village_figures')
    op.drop_table('figure_tiles')
    for table in TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_rev ON {table}")
        op.drop_column(table, 'rev')
    op.execute("DROP FUNCTION IF EXISTS vgis_bump_rev()")
    op.execute("DROP SEQUENCE IF EXISTS vgis_feature_rev")
