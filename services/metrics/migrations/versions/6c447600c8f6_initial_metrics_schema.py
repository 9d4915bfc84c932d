"""initial metrics schema

Revision ID: 6c447600c8f6
Revises:
Create Date: 2026-11-23 14:06:56.882912
"""

from alembic import op
import sqlalchemy as sa
import services.chassis.db


revision = "6c447600c8f6"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "acknowledgement_timings",
        sa.Column("office_id", sa.String(length=64), nullable=False),
        sa.Column("submission_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=True),
        sa.Column("received_at", services.chassis.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_at", services.chassis.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint(
            "office_id", "submission_id", name=op.f("pk_acknowledgement_timings")
        ),
    )
    with op.batch_alter_table("acknowledgement_timings", schema=None) as batch_op:
        batch_op.create_index(
            "ix_acknowledgement_timings_acknowledged_at", ["acknowledged_at"], unique=False
        )

    op.create_table(
        "audit_log",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("office_id", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("subject_type", sa.String(length=50), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=False),
        sa.Column("origin", sa.String(length=100), nullable=True),
        sa.Column("occurred_at", services.chassis.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_log_office_id"), ["office_id"], unique=False)

    op.create_table(
        "case_assignments",
        sa.Column("office_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("caseworker_id", sa.String(length=64), nullable=False),
        sa.Column("assigned_at", services.chassis.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("office_id", "case_id", name=op.f("pk_case_assignments")),
    )
    op.create_table(
        "caseworker_caseloads",
        sa.Column("office_id", sa.String(length=64), nullable=False),
        sa.Column("caseworker_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("open_cases", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "open_cases >= 0", name=op.f("ck_caseworker_caseloads_open_cases_not_negative")
        ),
        sa.PrimaryKeyConstraint("office_id", "caseworker_id", name=op.f("pk_caseworker_caseloads")),
    )
    op.create_table(
        "inbox",
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("consumer", sa.String(length=100), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("processed_at", services.chassis.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "consumer", name=op.f("pk_inbox")),
    )
    op.create_table(
        "office_daily_stats",
        sa.Column("office_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("opened", sa.Integer(), nullable=False),
        sa.Column("assigned", sa.Integer(), nullable=False),
        sa.Column("acknowledged", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("office_id", "day", name=op.f("pk_office_daily_stats")),
    )
    op.create_table(
        "outbox",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("event_type", sa.String(length=100), nullable=False),
        sa.Column("schema_version", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.String(length=64), nullable=False),
        sa.Column("occurred_at", services.chassis.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("correlation_id", sa.String(length=64), nullable=False),
        sa.Column("causation_id", sa.String(length=64), nullable=True),
        sa.Column("traceparent", sa.String(length=64), nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("sent_at", services.chassis.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_event_id")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_pending",
            ["id"],
            unique=False,
            postgresql_where=sa.text("sent_at IS NULL"),
            sqlite_where=sa.text("sent_at IS NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_outbox_pending",
            postgresql_where=sa.text("sent_at IS NULL"),
            sqlite_where=sa.text("sent_at IS NULL"),
        )

    op.drop_table("outbox")
    op.drop_table("office_daily_stats")
    op.drop_table("inbox")
    op.drop_table("caseworker_caseloads")
    op.drop_table("case_assignments")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_office_id"))

    op.drop_table("audit_log")
    with op.batch_alter_table("acknowledgement_timings", schema=None) as batch_op:
        batch_op.drop_index("ix_acknowledgement_timings_acknowledged_at")

    op.drop_table("acknowledgement_timings")
