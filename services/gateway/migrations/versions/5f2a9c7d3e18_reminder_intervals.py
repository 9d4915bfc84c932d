"""the office's reminder intervals

Revision ID: 5f2a9c7d3e18
Revises: c4e8a1f0d257
Create Date: 2026-12-04 19:10:00.000000

offices.first_contact_business_days, follow_up_every_days, check_in_every_days: when the
office's reminders fall due, set by its admin and announced with the office. Existing offices
keep the defaults notify used until now (2 business days, every 7 days, every 7 days).
"""

import sqlalchemy as sa
from alembic import op

revision = "5f2a9c7d3e18"
down_revision = "c4e8a1f0d257"
branch_labels = None
depends_on = None

INTERVALS = (
    ("first_contact_business_days", "2"),
    ("follow_up_every_days", "7"),
    ("check_in_every_days", "7"),
)


def upgrade() -> None:
    with op.batch_alter_table("offices", schema=None) as batch_op:
        for name, default in INTERVALS:
            batch_op.add_column(
                sa.Column(name, sa.Integer(), nullable=False, server_default=default)
            )


def downgrade() -> None:
    with op.batch_alter_table("offices", schema=None) as batch_op:
        for name, _ in reversed(INTERVALS):
            batch_op.drop_column(name)
