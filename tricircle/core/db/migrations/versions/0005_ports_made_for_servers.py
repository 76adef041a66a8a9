"""ports.server_owned: ports Tricircle made for a boot, deleted with their server

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 12:26:55.210232
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('ports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('server_owned', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
