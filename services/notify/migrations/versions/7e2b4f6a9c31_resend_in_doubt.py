"""resend in doubt: a delivery counts the attempts it made again after one was left in doubt

Revision ID: 7e2b4f6a9c31
Revises: 5c1d9e7a3b20
Create Date: 2026-12-04 15:30:00.000000

An acknowledgement whose sending was cut off (notify killed between marking it `sending` and
the mail server's answer) is now sent again with the same Message-ID, a bounded number of
times, instead of being given up as `unknown`; the count is kept on the delivery. Existing
rows start at 0. No table is added: the wall's policies and grants stand.
"""

import sqlalchemy as sa
from alembic import op

revision = "7e2b4f6a9c31"
down_revision = "5c1d9e7a3b20"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("resent_in_doubt", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_column("resent_in_doubt")
