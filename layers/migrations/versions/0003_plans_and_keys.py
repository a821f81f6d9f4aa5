"""plans, their journal, and API keys per person

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 06:40:00

``plans`` (an area and optionally one village, name, note, author, times, version),
``plan_features`` (the plan's planned lights, garbage points, drainage, roads and
facilities; the layers' own tables are never changed by a plan), ``plan_journal``
(every edit: who, when, the feature before and after; undo marks what it reverted)
and ``api_keys`` (one key per person, stored as its SHA-256 only). ``loads.actor``
names who loaded a source.

"""
from typing import Sequence, Union

from alembic import op
import geoalchemy2
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column('loads', sa.Column('actor', sa.Text(), nullable=True,
                                     comment="who loaded it: the API key's owner, or cli:USER"))
    op.create_table('api_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False, comment='the person'),
    sa.Column('key_sha256', sa.String(length=64), nullable=False,
              comment='SHA-256 of the key (the key itself is never stored)'),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
              nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key_sha256'),
    sa.UniqueConstraint('name'),
    )
    op.create_table('plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area', sa.String(length=200), nullable=False),
    sa.Column('village_id', sa.Integer(), nullable=True,
              comment='the village planned (no key: ids change on a reload; the name finds '
                      'it again)'),
    sa.Column('village', sa.Text(), nullable=True,
              comment="the village's name when the plan was made"),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), server_default='', nullable=False),
    sa.Column('author', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
              nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
              nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['area'], ['areas.name'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_plans_area', 'plans', ['area'], unique=False)
    op.create_table('plan_features',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('layer', sa.String(length=20), nullable=False),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('props', postgresql.JSONB(astext_type=sa.Text()), server_default='{}',
              nullable=False, comment="the layer's own fields (class, working, ...)"),
    sa.Column('geom', geoalchemy2.types.Geometry(srid=4326, spatial_index=False,
                                                 from_text='ST_GeomFromEWKT',
                                                 name='geometry', nullable=False),
              nullable=False),
    sa.CheckConstraint("layer IN ('lights', 'garbage', 'drainage', 'roads', 'facilities')",
                       name=op.f('ck_plan_features_layer_in_list')),
    sa.CheckConstraint('ST_IsValid(geom) AND NOT ST_IsEmpty(geom)',
                       name=op.f('ck_plan_features_geometry_valid')),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_plan_features_plan', 'plan_features', ['plan_id'], unique=False)
    op.create_index('ix_plan_features_geom', 'plan_features', ['geom'], unique=False,
                    postgresql_using='gist')
    op.create_table('plan_journal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False,
              comment="the plan's version the edit made"),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'),
              nullable=False),
    sa.Column('actor', sa.Text(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('feature_id', sa.Integer(), nullable=True),
    sa.Column('layer', sa.String(length=20), nullable=True),
    sa.Column('before', postgresql.JSONB(astext_type=sa.Text()), nullable=True,
              comment='the feature before (GeoJSON), null when added'),
    sa.Column('after', postgresql.JSONB(astext_type=sa.Text()), nullable=True,
              comment='the feature after (GeoJSON), null when deleted'),
    sa.Column('undone_in', sa.Integer(), nullable=True,
              comment='the version whose undo reverted this edit'),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_plan_journal_plan_version', 'plan_journal', ['plan_id', 'version'],
                    unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index('ix_plan_journal_plan_version', table_name='plan_journal')
    op.drop_table('plan_journal')
    op.drop_index('ix_plan_features_geom', table_name='plan_features',
                  postgresql_using='gist')
    op.drop_index('ix_plan_features_plan', table_name='plan_features')
    op.drop_table('plan_features')
    op.drop_index('ix_plans_area', table_name='plans')
    op.drop_table('plans')
    op.drop_table('api_keys')
    op.drop_column('loads', 'actor')
