"""ports.allowed_address_pairs and ports.extra_dhcp_opts (Neutron's allowed-address-pairs
and extra_dhcp_opt extensions), carried to the ports' copies

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 18:45:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('allowed_address_pairs', sa.JSON(), nullable=False,
                                      server_default='[]'))
        batch_op.add_column(sa.Column('extra_dhcp_opts', sa.JSON(), nullable=False,
                                      server_default='[]'))


def downgrade() -> None:
    with op.batch_alter_table('ports', schema=None) as batch_op:
        batch_op.drop_column('extra_dhcp_opts')
        batch_op.drop_column('allowed_address_pairs')
