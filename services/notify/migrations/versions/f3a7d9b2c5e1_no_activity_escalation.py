"""the office's no-activity escalation interval

Revision ID: f3a7d9b2c5e1
Revises: e7b1c5a9d2f4
Create Date: 2026-12-05 08:45:00.000000

offices.no_activity_days, as gateway announces it with the office: the supervisors hear of an
open case nothing has happened on for so many days. Offices known before get the default, 14.
"""

import sqlalchemy as sa
from alembic import op

revision = "f3a7d9b2c5e1"
down_revision = "e7b1c5a9d2f4"
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
