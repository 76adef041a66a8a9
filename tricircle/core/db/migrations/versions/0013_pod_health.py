"""pod_health: each pod's services as tricircle-xjob's probes last found them

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 21:10:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'pod_health',
        sa.Column('pod_id', sa.String(length=36), nullable=False),
        sa.Column('service_type', sa.String(length=32), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('candidate', sa.String(length=16), nullable=True),
        sa.Column('streak', sa.Integer(), nullable=False),
        sa.Column('last_checked', sa.DateTime(), nullable=True),
        sa.Column('last_change', sa.DateTime(), nullable=True),
        sa.Column('last_error', sa.String(length=255), nullable=True),
        sa.PrimaryKeyConstraint('pod_id', 'service_type'),
    )


def downgrade() -> None:
    op.drop_table('pod_health')
