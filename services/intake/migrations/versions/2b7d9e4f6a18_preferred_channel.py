"""preferred channel: how a constituent would rather hear from the office

Revision ID: 2b7d9e4f6a18
Revises: 8d4f2a6c1e93
Create Date: 2026-12-03 19:15:00.000000

The portal's form asks how the constituent would rather be contacted (email, phone or post);
constituents recorded before have none (any way they gave).
"""

import sqlalchemy as sa
from alembic import op

revision = "2b7d9e4f6a18"
down_revision = "8d4f2a6c1e93"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("constituents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("preferred_channel", sa.String(length=10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("constituents", schema=None) as batch_op:
        batch_op.drop_column("preferred_channel")
