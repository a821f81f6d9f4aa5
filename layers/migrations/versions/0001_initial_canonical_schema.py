"""initial canonical schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-29 18:20:51

Tables of the ten canonical layers (design.md), areas, the load log and terrain rasters.

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

# revision identifiers, used by Alembic.
revision: str = '0001'
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table('areas',
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('title', sa.Text(), nullable=True),
    sa.Column('metric_epsg', sa.Integer(), nullable=True, comment='configured metric CRS (e.g. a CGCS2000 GK zone)'),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_geospatial_table('buildings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area', sa.String(length=200), nullable=False),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=10), server_default='existing', nullable=False),
    sa.Column('source', sa.Text(), nullable=False, comment='file the feature was imported from'),
    sa.Column('source_id', sa.Text(), nullable=True, comment="the feature's id or index in its source file"),
    sa.Column('attrs', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('class', sa.Text(), nullable=False),
    sa.Column('households', sa.Integer(), nullable=True),
    sa.Column('geom', Geometry(srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.CheckConstraint("GeometryType(geom) IN ('POLYGON', 'MULTIPOLYGON', 'POINT')", name=op.f('ck_buildings_geometry_type')),
    sa.CheckConstraint("status IN ('existing', 'planned')", name=op.f('ck_buildings_status_in_list')),
    sa.CheckConstraint('"class" IN (\'residential\', \'public\', \'commercial\', \'agricultural\', \'other\')', name=op.f('ck_buildings_class_in_list')),
    sa.CheckConstraint('ST_IsValid(geom) AND NOT ST_IsEmpty(geom)', name=op.f('ck_buildings_geometry_valid')),
    sa.ForeignKeyConstraint(['area'], ['areas.name'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_buildings_area_source', 'buildings', ['area', 'source'], unique=False)
    op.create_geospatial_index('ix_buildings_geom', 'buildings', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_table('drainage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area', sa.String(length=200), nullable=False),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=10), server_default='existing', nullable=False),
    sa.Column('source', sa.Text(), nullable=False, comment='file the feature was imported from'),
    sa.Column('source_id', sa.Text(), nullable=True, comment="the feature's id or index in its source file"),
    sa.Column('attrs', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('class', sa.Text(), nullable=False),
    sa.Column('covered', sa.Boolean(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='LINESTRING', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.CheckConstraint("GeometryType(geom) IN ('LINESTRING')", name=op.f('ck_drainage_geometry_type')),
    sa.CheckConstraint("status IN ('existing', 'planned')", name=op.f('ck_drainage_status_in_list')),
    sa.CheckConstraint('"class" IN (\'channel\', \'ditch\', \'drain\', \'pipe\', \'canal\', \'stream\', \'river\')', name=op.f('ck_drainage_class_in_list')),
    sa.CheckConstraint('ST_IsValid(geom) AND NOT ST_IsEmpty(geom)', name=op.f('ck_drainage_geometry_valid')),
    sa.ForeignKeyConstraint(['area'], ['areas.name'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_drainage_area_source', 'drainage', ['area', 'source'], unique=False)
    op.create_geospatial_index('ix_drainage_geom', 'drainage', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_table('facilities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area', sa.String(length=200), nullable=False),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=10), server_default='existing', nullable=False),
    sa.Column('source', sa.Text(), nullable=False, comment='file the feature was imported from'),
    sa.Column('source_id', sa.Text(), nullable=True, comment="the feature's id or index in its source file"),
    sa.Column('attrs', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('class', sa.Text(), nullable=False),
    sa.Column('geom', Geometry(srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.CheckConstraint("GeometryType(geom) IN ('POINT', 'POLYGON', 'MULTIPOLYGON')", name=op.f('ck_facilities_geometry_type')),
    sa.CheckConstraint("status IN ('existing', 'planned')", name=op.f('ck_facilities_status_in_list')),
    sa.CheckConstraint('"class" IN (\'meeting_room\', \'reception_room\', \'reading_room\', \'classroom\', \'service_station\', \'square\', \'notice_board\', \'toilet\', \'clinic\', \'school\', \'other\')', name=op.f('ck_facilities_class_in_list')),
    sa.CheckConstraint('ST_IsValid(geom) AND NOT ST_IsEmpty(geom)', name=op.f('ck_facilities_geometry_valid')),
    sa.ForeignKeyConstraint(['area'], ['areas.name'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_facilities_area_source', 'facilities', ['area', 'source'], unique=False)
    op.create_geospatial_index('ix_facilities_geom', 'facilities', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_table('garbage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area', sa.String(length=200), nullable=False),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=10), server_default='existing', nullable=False),
    sa.Column('source', sa.Text(), nullable=False, comment='file the feature was imported from'),
    sa.Column('source_id', sa.Text(), nullable=True, comment="the feature's id or index in its source file"),
    sa.Column('attrs', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('class', sa.Text(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.CheckConstraint("GeometryType(geom) IN ('POINT')", name=op.f('ck_garbage_geometry_type')),
    sa.CheckConstraint("status IN ('existing', 'planned')", name=op.f('ck_garbage_status_in_list')),
    sa.CheckConstraint('"class" IN (\'bin\', \'collection_point\', \'transfer_station\', \'recycling\')', name=op.f('ck_garbage_class_in_list')),
    sa.CheckConstraint('ST_IsValid(geom) AND NOT ST_IsEmpty(geom)', name=op.f('ck_garbage_geometry_valid')),
    sa.ForeignKeyConstraint(['area'], ['areas.name'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_garbage_area_source', 'garbage', ['area', 'source'], unique=False)
    op.create_geospatial_index('ix_garbage_geom', 'garbage', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_table('lights',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area', sa.String(length=200), nullable=False),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=10), server_default='existing', nullable=False),
    sa.Column('source', sa.Text(), nullable=False, comment='file the feature was imported from'),
    sa.Column('source_id', sa.Text(), nullable=True, comment="the feature's id or index in its source file"),
    sa.Column('attrs', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('class', sa.Text(), nullable=False),
    sa.Column('working', sa.Boolean(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.CheckConstraint("GeometryType(geom) IN ('POINT')", name=op.f('ck_lights_geometry_type')),
    sa.CheckConstraint("status IN ('existing', 'planned')", name=op.f('ck_lights_status_in_list')),
    sa.CheckConstraint('"class" IN (\'solar\', \'grid\', \'other\')', name=op.f('ck_lights_class_in_list')),
    sa.CheckConstraint('ST_IsValid(geom) AND NOT ST_IsEmpty(geom)', name=op.f('ck_lights_geometry_valid')),
    sa.ForeignKeyConstraint(['area'], ['areas.name'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_lights_area_source', 'lights', ['area', 'source'], unique=False)
    op.create_geospatial_index('ix_lights_geom', 'lights', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_table('loads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area', sa.String(length=200), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('counts', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('report', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('loaded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['area'], ['areas.name'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_loads_area_source', 'loads', ['area', 'source'], unique=False)
    op.create_geospatial_table('places',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area', sa.String(length=200), nullable=False),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=10), server_default='existing', nullable=False),
    sa.Column('source', sa.Text(), nullable=False, comment='file the feature was imported from'),
    sa.Column('source_id', sa.Text(), nullable=True, comment="the feature's id or index in its source file"),
    sa.Column('attrs', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('class', sa.Text(), nullable=False),
    sa.Column('population', sa.Integer(), nullable=True),
    sa.Column('geom', Geometry(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.CheckConstraint("GeometryType(geom) IN ('POINT')", name=op.f('ck_places_geometry_type')),
    sa.CheckConstraint("status IN ('existing', 'planned')", name=op.f('ck_places_status_in_list')),
    sa.CheckConstraint('"class" IN (\'county_seat\', \'town\', \'village\', \'hamlet\', \'other\')', name=op.f('ck_places_class_in_list')),
    sa.CheckConstraint('ST_IsValid(geom) AND NOT ST_IsEmpty(geom)', name=op.f('ck_places_geometry_valid')),
    sa.ForeignKeyConstraint(['area'], ['areas.name'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_places_area_source', 'places', ['area', 'source'], unique=False)
    op.create_geospatial_index('ix_places_geom', 'places', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_table('railways',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area', sa.String(length=200), nullable=False),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=10), server_default='existing', nullable=False),
    sa.Column('source', sa.Text(), nullable=False, comment='file the feature was imported from'),
    sa.Column('source_id', sa.Text(), nullable=True, comment="the feature's id or index in its source file"),
    sa.Column('attrs', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('class', sa.Text(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='LINESTRING', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.CheckConstraint("GeometryType(geom) IN ('LINESTRING')", name=op.f('ck_railways_geometry_type')),
    sa.CheckConstraint("status IN ('existing', 'planned')", name=op.f('ck_railways_status_in_list')),
    sa.CheckConstraint('"class" IN (\'high_speed\', \'rail\', \'light_rail\', \'tram\', \'other\')', name=op.f('ck_railways_class_in_list')),
    sa.CheckConstraint('ST_IsValid(geom) AND NOT ST_IsEmpty(geom)', name=op.f('ck_railways_geometry_valid')),
    sa.ForeignKeyConstraint(['area'], ['areas.name'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_railways_area_source', 'railways', ['area', 'source'], unique=False)
    op.create_geospatial_index('ix_railways_geom', 'railways', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_table('rasters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area', sa.String(length=200), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('path', sa.Text(), nullable=False),
    sa.Column('crs', sa.Text(), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('res_x', sa.Float(), nullable=False),
    sa.Column('res_y', sa.Float(), nullable=False),
    sa.Column('nodata', sa.Float(), nullable=True),
    sa.Column('min_value', sa.Float(), nullable=True),
    sa.Column('max_value', sa.Float(), nullable=True),
    sa.Column('footprint', Geometry(geometry_type='POLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.ForeignKeyConstraint(['area'], ['areas.name'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_rasters_area_source', 'rasters', ['area', 'source'], unique=True)
    op.create_geospatial_index('ix_rasters_footprint', 'rasters', ['footprint'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_table('roads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area', sa.String(length=200), nullable=False),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=10), server_default='existing', nullable=False),
    sa.Column('source', sa.Text(), nullable=False, comment='file the feature was imported from'),
    sa.Column('source_id', sa.Text(), nullable=True, comment="the feature's id or index in its source file"),
    sa.Column('attrs', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('class', sa.Text(), nullable=False),
    sa.Column('surface', sa.Text(), nullable=False),
    sa.Column('width_m', sa.Float(), nullable=True),
    sa.Column('geom', Geometry(geometry_type='LINESTRING', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.CheckConstraint("GeometryType(geom) IN ('LINESTRING')", name=op.f('ck_roads_geometry_type')),
    sa.CheckConstraint("status IN ('existing', 'planned')", name=op.f('ck_roads_status_in_list')),
    sa.CheckConstraint('"class" IN (\'expressway\', \'national\', \'provincial\', \'county\', \'township\', \'village\', \'alley\', \'track\', \'other\')', name=op.f('ck_roads_class_in_list')),
    sa.CheckConstraint('"surface" IN (\'hardened\', \'unhardened\', \'unknown\')', name=op.f('ck_roads_surface_in_list')),
    sa.CheckConstraint('ST_IsValid(geom) AND NOT ST_IsEmpty(geom)', name=op.f('ck_roads_geometry_valid')),
    sa.ForeignKeyConstraint(['area'], ['areas.name'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_roads_area_source', 'roads', ['area', 'source'], unique=False)
    op.create_geospatial_index('ix_roads_geom', 'roads', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_table('villages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area', sa.String(length=200), nullable=False),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=10), server_default='existing', nullable=False),
    sa.Column('source', sa.Text(), nullable=False, comment='file the feature was imported from'),
    sa.Column('source_id', sa.Text(), nullable=True, comment="the feature's id or index in its source file"),
    sa.Column('attrs', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('code', sa.Text(), nullable=True),
    sa.Column('township', sa.Text(), nullable=True),
    sa.Column('county', sa.Text(), nullable=True),
    sa.Column('population', sa.Integer(), nullable=True),
    sa.Column('households', sa.Integer(), nullable=True),
    sa.Column('farmland_mu', sa.Float(), nullable=True),
    sa.Column('boundary_source', sa.Text(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.CheckConstraint("GeometryType(geom) IN ('MULTIPOLYGON')", name=op.f('ck_villages_geometry_type')),
    sa.CheckConstraint("status IN ('existing', 'planned')", name=op.f('ck_villages_status_in_list')),
    sa.CheckConstraint('"boundary_source" IN (\'official\', \'derived\')', name=op.f('ck_villages_boundary_source_in_list')),
    sa.CheckConstraint('ST_IsValid(geom) AND NOT ST_IsEmpty(geom)', name=op.f('ck_villages_geometry_valid')),
    sa.ForeignKeyConstraint(['area'], ['areas.name'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_villages_area_source', 'villages', ['area', 'source'], unique=False)
    op.create_geospatial_index('ix_villages_geom', 'villages', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_geospatial_table('zones',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area', sa.String(length=200), nullable=False),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=10), server_default='existing', nullable=False),
    sa.Column('source', sa.Text(), nullable=False, comment='file the feature was imported from'),
    sa.Column('source_id', sa.Text(), nullable=True, comment="the feature's id or index in its source file"),
    sa.Column('attrs', postgresql.JSONB(astext_type=sa.Text()), server_default='{}', nullable=False),
    sa.Column('class', sa.Text(), nullable=False),
    sa.Column('geom', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.CheckConstraint("GeometryType(geom) IN ('MULTIPOLYGON')", name=op.f('ck_zones_geometry_type')),
    sa.CheckConstraint("status IN ('existing', 'planned')", name=op.f('ck_zones_status_in_list')),
    sa.CheckConstraint('"class" IN (\'agri_demo_zone\', \'scenic_area\', \'county_seat\', \'township_seat\', \'ecological_redline\', \'other\')', name=op.f('ck_zones_class_in_list')),
    sa.CheckConstraint('ST_IsValid(geom) AND NOT ST_IsEmpty(geom)', name=op.f('ck_zones_geometry_valid')),
    sa.ForeignKeyConstraint(['area'], ['areas.name'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_zones_area_source', 'zones', ['area', 'source'], unique=False)
    op.create_geospatial_index('ix_zones_geom', 'zones', ['geom'], unique=False, postgresql_using='gist', postgresql_ops={})
    # ### end Alembic commands ###


def downgrade() -> None:
    """Downgrade schema."""
    # ### commands auto generated by Alembic - please adjust! ###
    op.drop_geospatial_index('ix_zones_geom', table_name='zones', postgresql_using='gist', column_name='geom')
    op.drop_index('ix_zones_area_source', table_name='zones')
    op.drop_geospatial_table('zones')
    op.drop_geospatial_index('ix_villages_geom', table_name='villages', postgresql_using='gist', column_name='geom')
    op.drop_index('ix_villages_area_source', table_name='villages')
    op.drop_geospatial_table('villages')
    op.drop_geospatial_index('ix_roads_geom', table_name='roads', postgresql_using='gist', column_name='geom')
    op.drop_index('ix_roads_area_source', table_name='roads')
    op.drop_geospatial_table('roads')
    op.drop_geospatial_index('ix_rasters_footprint', table_name='rasters', postgresql_using='gist', column_name='footprint')
    op.drop_index('ix_rasters_area_source', table_name='rasters')
    op.drop_geospatial_table('rasters')
    op.drop_geospatial_index('ix_railways_geom', table_name='railways', postgresql_using='gist', column_name='geom')
    op.drop_index('ix_railways_area_source', table_name='railways')
    op.drop_geospatial_table('railways')
    op.drop_geospatial_index('ix_places_geom', table_name='places', postgresql_using='gist', column_name='geom')
    op.drop_index('ix_places_area_source', table_name='places')
    op.drop_geospatial_table('places')
    op.drop_index('ix_loads_area_source', table_name='loads')
    op.drop_table('loads')
    op.drop_geospatial_index('ix_lights_geom', table_name='lights', postgresql_using='gist', column_name='geom')
    op.drop_index('ix_lights_area_source', table_name='lights')
    op.drop_geospatial_table('lights')
    op.drop_geospatial_index('ix_garbage_geom', table_name='garbage', postgresql_using='gist', column_name='geom')
    op.drop_index('ix_garbage_area_source', table_name='garbage')
    op.drop_geospatial_table('garbage')
    op.drop_geospatial_index('ix_facilities_geom', table_name='facilities', postgresql_using='gist', column_name='geom')
    op.drop_index('ix_facilities_area_source', table_name='facilities')
    op.drop_geospatial_table('facilities')
    op.drop_geospatial_index('ix_drainage_geom', table_name='drainage', postgresql_using='gist', column_name='geom')
    op.drop_index('ix_drainage_area_source', table_name='drainage')
    op.drop_geospatial_table('drainage')
    op.drop_geospatial_index('ix_buildings_geom', table_name='buildings', postgresql_using='gist', column_name='geom')
    op.drop_index('ix_buildings_area_source', table_name='buildings')
    op.drop_geospatial_table('buildings')
    op.drop_table('areas')
    # ### end Alembic commands ###
