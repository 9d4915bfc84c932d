"""the office's own sending hours

Revision ID: d1f5a8c3e7b9
Revises: b8e2c4f6a1d3
Create Date: 2026-12-05 09:20:00.000000

offices.sending_from and sending_until: the local hours the office admin chose for messages to
constituents about their case (both NULL: the legislature's hours, notify's configuration).
"""

import sqlalchemy as sa
from alembic import op

revision = "d1f5a8c3e7b9"
down_revision = "b8e2c4f6a1d3"
branch_labels = None
depends_on = None

HOURS = ("sending_from", "sending_until")


def upgrade() -> None:
    with op.batch_alter_table("offices", schema=None) as batch_op:
        for name in HOURS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("offices", schema=None) as batch_op:
        for name in reversed(HOURS):
            batch_op.drop_column(name)
