"""routings.claimed_by: the job worker behind a claim, so that a dead worker's claim is
taken over as soon as its lease has expired

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 14:50:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('routings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=255), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('routings', schema=None) as batch_op:
        batch_op.drop_column('claimed_by')
