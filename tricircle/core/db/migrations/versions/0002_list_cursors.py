"""list cursors

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 09:37:27.842355
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('list_cursors',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('marker', sa.String(length=255), nullable=False),
    sa.Column('query', sa.String(length=64), nullable=False),
    sa.Column('pod_markers', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('marker', 'query')
    )
    with op.batch_alter_table('list_cursors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_list_cursors_created_at'), ['created_at'], unique=False)

