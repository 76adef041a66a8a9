"""ports (project_id, id) index: a project's page of ports without sorting all of them

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 00:20:00.000000
"""
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_ports_project_id_id', 'ports', ['project_id', 'id'])


def downgrade() -> None:
    op.drop_index('ix_ports_project_id_id', table_name='ports')
