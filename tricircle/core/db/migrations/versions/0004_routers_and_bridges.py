"""routers, project bridges (VLAN + CIDR) and bridge ports (one IP per router and pod)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 12:14:24.350761
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bridges',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=64), nullable=False),
    sa.Column('physical_network', sa.String(length=64), nullable=False),
    sa.Column('vlan', sa.Integer(), nullable=False),
    sa.Column('cidr', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('cidr'),
    sa.UniqueConstraint('physical_network', 'vlan'),
    sa.UniqueConstraint('project_id')
    )
    op.create_table('routers',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('description', sa.String(length=255), nullable=False),
    sa.Column('admin_state_up', sa.Boolean(), nullable=False),
    sa.Column('routes', sa.JSON(), nullable=False),
    sa.Column('revision_number', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('routers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_routers_project_id'), ['project_id'], unique=False)

    op.create_table('bridge_ports',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('bridge_id', sa.String(length=36), nullable=False),
    sa.Column('router_id', sa.String(length=36), nullable=False),
    sa.Column('pod_id', sa.String(length=36), nullable=False),
    sa.Column('ip_address', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['bridge_id'], ['bridges.id'], ),
    sa.ForeignKeyConstraint(['pod_id'], ['pods.pod_id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('bridge_id', 'ip_address'),
    sa.UniqueConstraint('router_id', 'pod_id')
    )
    with op.batch_alter_table('bridge_ports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bridge_ports_bridge_id'), ['bridge_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bridge_ports_pod_id'), ['pod_id'], unique=False)
