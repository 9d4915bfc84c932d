"""offices' own text (SMS) of the messages sent by text

Revision ID: a1d5f7c3e9b2
Revises: d2f6a8c4e1b9
Create Date: 2026-12-07 10:20:00.000000

message_wording.text: the office's own text of a message in a language, beside its subject and
body; NULL (every wording saved before) keeps the default text.
"""

import sqlalchemy as sa
from alembic import op

revision = "a1d5f7c3e9b2"
down_revision = "d2f6a8c4e1b9"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("message_wording", schema=None) as batch_op:
        batch_op.add_column(sa.Column("text", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("message_wording", schema=None) as batch_op:
        batch_op.drop_column("text")
