"""text replies: each STOP or START replied to the platform's texts, taken once

Revision ID: f1c3e5a7b9d2
Revises: c5e7a9b1d3f2
Create Date: 2026-12-06 06:40:00.000000

One row per opt-out or opt-in the SMS provider's webhook brought (its MessageSid is the key: a
replay changes nothing), in the platform's tenant. Neither the phone number nor the message is
kept. It has an office_id column like every tenant table, so the tenant wall covers it too.
"""

import sqlalchemy as sa
from alembic import op

import services.chassis.db
from services.chassis.tenant_wall import enable_tenant_wall

revision = "f1c3e5a7b9d2"
down_revision = "c5e7a9b1d3f2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "text_replies",
        sa.Column("office_id", sa.String(length=64), nullable=False),
        sa.Column("message_sid", sa.String(length=34), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("received_at", services.chassis.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("office_id", "message_sid", name=op.f("pk_text_replies")),
    )
    enable_tenant_wall("text_replies")


def downgrade() -> None:
    op.drop_table("text_replies")
