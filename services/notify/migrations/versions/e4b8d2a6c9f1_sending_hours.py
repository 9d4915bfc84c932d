"""the office's own sending hours

Revision ID: e4b8d2a6c9f1
Revises: a6c3e9f1b7d2
Create Date: 2026-12-05 09:20:00.000000

offices.sending_from and sending_until, as gateway announces them: the local hours the office
admin chose for messages to constituents about their case (both NULL: the legislature's
hours, CASEWORK_NOTIFY_SENDING_HOURS).
"""

import sqlalchemy as sa
from alembic import op

revision = "e4b8d2a6c9f1"
down_revision = "a6c3e9f1b7d2"
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
