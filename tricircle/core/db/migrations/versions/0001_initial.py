"""initial schema: pods, bindings, routings, jobs

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-27 09:14:13.074783
"""
import sqlalchemy as sa
from alembic import op

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('jobs',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('type', sa.String(length=64), nullable=False),
    sa.Column('resource_key', sa.String(length=255), nullable=False),
    sa.Column('project_id', sa.String(length=64), nullable=True),
    sa.Column('resource', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('queued_key', sa.String(length=330), nullable=True),
    sa.Column('running_key', sa.String(length=330), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('run_after', sa.DateTime(), nullable=False),
    sa.Column('lease_owner', sa.String(length=255), nullable=True),
    sa.Column('lease_expires', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('queued_key'),
    sa.UniqueConstraint('running_key')
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jobs_lease_expires'), ['lease_expires'], unique=False)
        batch_op.create_index(batch_op.f('ix_jobs_project_id'), ['project_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_jobs_run_after'), ['run_after'], unique=False)
        batch_op.create_index(batch_op.f('ix_jobs_status'), ['status'], unique=False)

    op.create_table('pods',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('pod_id', sa.String(length=36), nullable=False),
    sa.Column('pod_name', sa.String(length=255), nullable=False),
    sa.Column('az_name', sa.String(length=255), nullable=True),
    sa.Column('pod_az_name', sa.String(length=255), nullable=True),
    sa.Column('dc_name', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('pod_id'),
    sa.UniqueConstraint('pod_name')
    )
    with op.batch_alter_table('pods', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pods_az_name'), ['az_name'], unique=False)

    op.create_table('pod_bindings',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=64), nullable=False),
    sa.Column('pod_id', sa.String(length=36), nullable=False),
    sa.Column('az_name', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['pod_id'], ['pods.pod_id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('project_id', 'az_name')
    )
    with op.batch_alter_table('pod_bindings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pod_bindings_pod_id'), ['pod_id'], unique=False)

    op.create_table('routings',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('top_id', sa.String(length=127), nullable=False),
    sa.Column('bottom_id', sa.String(length=36), nullable=True),
    sa.Column('pod_id', sa.String(length=36), nullable=False),
    sa.Column('project_id', sa.String(length=64), nullable=False),
    sa.Column('resource_type', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['pod_id'], ['pods.pod_id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('top_id', 'pod_id', 'resource_type')
    )
    with op.batch_alter_table('routings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_routings_bottom_id'), ['bottom_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_routings_pod_id'), ['pod_id'], unique=False)
        batch_op.create_index('ix_routings_project_type', ['project_id', 'resource_type'], unique=False)

