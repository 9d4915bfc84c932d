"""initial notify schema

Revision ID: bd4e654e218c
Revises:
Create Date: 2026-11-23 14:05:49.879539
"""

import sqlalchemy as sa
from alembic import op

import services.chassis.db
from services.chassis.migration_helpers import create_chassis_tables, drop_chassis_tables

revision = "bd4e654e218c"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_chassis_tables()
    op.create_table(
        "deliveries",
        sa.Column("delivery_id", sa.String(length=36), nullable=False),
        sa.Column("office_id", sa.String(length=64), nullable=False),
        sa.Column("submission_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column(
            "attempt_started_at", services.chassis.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("last_error", sa.String(length=100), nullable=True),
        sa.Column("skip_reason", sa.String(length=100), nullable=True),
        sa.Column("message_id", sa.String(length=200), nullable=True),
        sa.Column("created_at", services.chassis.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", services.chassis.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("delivery_id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint(
            "office_id", "submission_id", "kind", name="uq_deliveries_recipient_cause"
        ),
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_deliveries_office_case", ["office_id", "case_id"], unique=False)

    op.create_table(
        "offices",
        sa.Column("office_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("reply_to_email", sa.String(length=254), nullable=False),
        sa.Column("updated_at", services.chassis.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("office_id", name=op.f("pk_offices")),
    )
    op.create_table(
        "opened_cases",
        sa.Column("office_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("submission_id", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("tracking_code", sa.String(length=20), nullable=False),
        sa.Column("opened_at", services.chassis.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("office_id", "case_id", name=op.f("pk_opened_cases")),
    )
    with op.batch_alter_table("opened_cases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_opened_cases_office_submission", ["office_id", "submission_id"], unique=False
        )

    op.create_table(
        "recipients",
        sa.Column("office_id", sa.String(length=64), nullable=False),
        sa.Column("submission_id", sa.String(length=64), nullable=False),
        sa.Column("constituent_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("preferred_language", sa.String(length=5), nullable=False),
        sa.Column("tracking_code", sa.String(length=20), nullable=False),
        sa.Column("received_at", services.chassis.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("office_id", "submission_id", name=op.f("pk_recipients")),
    )


def downgrade() -> None:
    op.drop_table("recipients")
    with op.batch_alter_table("opened_cases", schema=None) as batch_op:
        batch_op.drop_index("ix_opened_cases_office_submission")

    op.drop_table("opened_cases")
    op.drop_table("offices")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_office_case")

    op.drop_table("deliveries")
    drop_chassis_tables()
