"""villages derived from buildings

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05 09:00:00

``villages.boundary_source`` may be ``derived_buildings``: a territory derived from a
cluster of building centroids where an area has no villages of its own
(``layers/io/settlements.py``; the source ``derived from buildings``, logged in
``loads`` with kind ``derived`` — ``loads.kind`` is free text, no constraint to change).
Downgrading refuses while such villages exist (delete them, or the area, first).

"""
from typing import Sequence, Union

from alembic import op

revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

NAME = 'ck_villages_boundary_source_in_list'


def upgrade() -> None:
    """Upgrade schema."""
    op.drop_constraint(op.f(NAME), 'villages', type_='check')
    op.create_check_constraint(
        op.f(NAME), 'villages',
        '"boundary_source" IN (\'official\', \'derived\', \'derived_buildings\')')


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_constraint(op.f(NAME), 'villages', type_='check')
    op.create_check_constraint(
        op.f(NAME), 'villages', '"boundary_source" IN (\'official\', \'derived\')')
