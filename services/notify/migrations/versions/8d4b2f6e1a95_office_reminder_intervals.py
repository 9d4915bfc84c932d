"""the office's reminder intervals

Revision ID: 8d4b2f6e1a95
Revises: 3a8c6e1f9d47
Create Date: 2026-12-04 19:15:00.000000

offices.first_contact_business_days, follow_up_every_days, check_in_every_days, as gateway
announces them with the office: new reminders are scheduled by them. Offices known before keep
the intervals used until now (2 business days, every 7 days, every 7 days).
"""

import sqlalchemy as sa
from alembic import op

revision = "8d4b2f6e1a95"
down_revision = "3a8c6e1f9d47"
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
