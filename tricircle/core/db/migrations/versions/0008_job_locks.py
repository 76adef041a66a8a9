"""jobs.lock_key: jobs that must not run beside each other (a project's router jobs)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 12:00:00.000000
"""
import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lock_key', sa.String(length=330), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_jobs_lock_key'), ['lock_key'])


def downgrade() -> None:
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_jobs_lock_key'), type_='unique')
        batch_op.drop_column('lock_key')
