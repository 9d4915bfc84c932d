"""text opt-outs: the phones that replied STOP (or START again) to the platform's number

Revision ID: b8e2d4f6a1c3
Revises: a1d5f7c3e9b2
Create Date: 2026-12-06 06:45:00.000000

As `intake.text_opt_out_changed` announces them. A carrier's opt-out is per sender number and
so holds for every office texting from it: the table has no office_id (no tenant wall), every
office's unit of work reads the one phone it is about to text. The service role's privileges
on it come from the schema's default privileges, as for every table its owner creates.
"""

import sqlalchemy as sa
from alembic import op

import services.chassis.db

revision = "b8e2d4f6a1c3"
down_revision = "a1d5f7c3e9b2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "text_opt_outs",
        sa.Column("phone_number", sa.String(length=20), nullable=False),
        sa.Column("opted_out", sa.Boolean(), nullable=False),
        sa.Column("changed_at", services.chassis.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("phone_number", name=op.f("pk_text_opt_outs")),
    )


def downgrade() -> None:
    op.drop_table("text_opt_outs")
