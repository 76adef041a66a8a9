"""router_ports: a router's interfaces as the router API recorded them

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 11:30:00.000000

Existing interfaces are the ports owned by a router of the same project (a port of
another project that named the router was never one of its interfaces).
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'router_ports',
        sa.Column('port_id', sa.String(length=36), nullable=False),
        sa.Column('router_id', sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(['port_id'], ['ports.id']),
        sa.ForeignKeyConstraint(['router_id'], ['routers.id']),
        sa.PrimaryKeyConstraint('port_id'),
    )
    with op.batch_alter_table('router_ports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_router_ports_router_id'), ['router_id'],
                              unique=False)
    op.execute(
        "INSERT INTO router_ports (port_id, router_id) "
        "SELECT ports.id, routers.id FROM ports JOIN routers "
        "ON routers.id = ports.device_id AND routers.project_id = ports.project_id "
        "WHERE ports.device_owner = 'network:router_interface'")


def downgrade() -> None:
    op.drop_table('router_ports')
