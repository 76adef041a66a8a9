"""sync_status: what the reconciler last found in each pod, per resource type

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 14:40:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'sync_status',
        sa.Column('pod_id', sa.String(length=36), nullable=False),
        sa.Column('resource_type', sa.String(length=64), nullable=False),
        sa.Column('in_sync', sa.Integer(), nullable=False),
        sa.Column('repaired', sa.Integer(), nullable=False),
        sa.Column('missing', sa.Integer(), nullable=False),
        sa.Column('orphaned', sa.Integer(), nullable=False),
        sa.Column('failing', sa.Integer(), nullable=False),
        sa.Column('failures', sa.JSON(), nullable=False),
        sa.Column('checked_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('pod_id', 'resource_type'),
    )


def downgrade() -> None:
    op.drop_table('sync_status')
