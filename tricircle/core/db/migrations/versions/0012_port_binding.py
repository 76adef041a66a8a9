"""ports.binding_host_id, binding_profile and binding_vnic_type (Neutron's binding
extension at the top; a port's copy is bound in its pod by that pod's Nova)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 20:30:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('binding_host_id', sa.String(255), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('binding_profile', sa.JSON(), nullable=False,
                                      server_default='{}'))
        batch_op.add_column(sa.Column('binding_vnic_type', sa.String(64), nullable=False,
                                      server_default='normal'))


def downgrade() -> None:
    with op.batch_alter_table('ports', schema=None) as batch_op:
        batch_op.drop_column('binding_vnic_type')
        batch_op.drop_column('binding_profile')
        batch_op.drop_column('binding_host_id')
