"""idempotency fingerprint: what request an Idempotency-Key was first used for

Revision ID: e3a9c41f7d20
Revises: bcc12be136dd
Create Date: 2026-11-24 09:00:00.000000

A submission sent with an Idempotency-Key now keeps the SHA-256 of its canonical request body,
so a retry with the same key and a different body is refused (422) instead of being answered
with the first receipt while its text is dropped. Rows from before have no fingerprint: a
retry of one of them still gets its first receipt, as before.
"""

import sqlalchemy as sa
from alembic import op

revision = "e3a9c41f7d20"
down_revision = "bcc12be136dd"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_fingerprint", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_column("request_fingerprint")
