"""the office's no-activity escalation interval

Revision ID: b8e2c4f6a1d3
Revises: 5f2a9c7d3e18
Create Date: 2026-12-05 08:45:00.000000

offices.no_activity_days, the office admin's setting gateway announces with the office: notify
tells the supervisors of an open case nothing has happened on for so many days. Offices
registered before get the default, 14.
"""

import sqlalchemy as sa
from alembic import op

revision = "b8e2c4f6a1d3"
down_revision = "5f2a9c7d3e18"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("offices", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("no_activity_days", sa.Integer(), nullable=False, server_default="14")
        )


def downgrade() -> None:
    with op.batch_alter_table("offices", schema=None) as batch_op:
        batch_op.drop_column("no_activity_days")
