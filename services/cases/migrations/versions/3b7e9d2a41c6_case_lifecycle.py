"""case lifecycle: priority, tags, due date, outcome and contact on cases; authors and bodies
on the timeline; the audit log made append-only

Revision ID: 3b7e9d2a41c6
Revises: f93f340456fd
Create Date: 2026-12-08 10:00:00.000000

Existing cases keep their status and get priority `urgent` when they were flagged urgent (else
`normal`), no tags, no due date, `updated_at` = `opened_at`. Existing timeline lines are the
system's (no author), internal.

On PostgreSQL the tenant wall is put up again (`apply_tenant_wall`, which converges): the
cases role may now only INSERT and SELECT on `audit_log`, and a trigger refuses every UPDATE
and DELETE of its rows. Nothing of that happens on SQLite.
"""

import sqlalchemy as sa
from alembic import op

import services.chassis.db
from services.chassis.tenant_wall import allow_changes, apply_tenant_wall

revision = "3b7e9d2a41c6"
down_revision = "f93f340456fd"
branch_labels = None
depends_on = None

UTC_DATETIME = services.chassis.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "priority", sa.String(length=10), server_default=sa.text("'normal'"), nullable=False
            )
        )
        batch_op.add_column(
            sa.Column("tags", sa.Text(), server_default=sa.text("'[]'"), nullable=False)
        )
        batch_op.add_column(sa.Column("due_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("updated_at", UTC_DATETIME, nullable=True))
        batch_op.add_column(sa.Column("closed_at", UTC_DATETIME, nullable=True))
        batch_op.add_column(sa.Column("outcome_result", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("outcome_obtained", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("outcome_amount_minor", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("outcome_currency", sa.String(length=3), nullable=True))
        batch_op.add_column(sa.Column("outcome_text", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("contact_email", sa.String(length=320), nullable=True))
        batch_op.add_column(
            sa.Column(
                "preferred_language",
                sa.String(length=5),
                server_default=sa.text("'en'"),
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("channel", sa.String(length=20), nullable=True))
        batch_op.create_index("ix_cases_office_due", ["office_id", "due_on"], unique=False)
        batch_op.create_index("ix_cases_office_priority", ["office_id", "priority"], unique=False)
    # Row-level security holds the owner too (forced), and no tenant is set here: on
    # PostgreSQL these run with the wall lowered for the table, then it goes up again below.
    _without_wall("cases", "UPDATE cases SET priority = 'urgent' WHERE urgent")
    _without_wall("cases", "UPDATE cases SET updated_at = opened_at")

    with op.batch_alter_table("case_timeline", schema=None) as batch_op:
        batch_op.add_column(sa.Column("author_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("author_name", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column(
                "visibility",
                sa.String(length=10),
                server_default=sa.text("'internal'"),
                nullable=False,
            )
        )
        batch_op.add_column(sa.Column("body", sa.Text(), nullable=True))
    apply_tenant_wall("cases")


def downgrade() -> None:
    allow_changes("audit_log", "cases")
    with op.batch_alter_table("case_timeline", schema=None) as batch_op:
        batch_op.drop_column("body")
        batch_op.drop_column("visibility")
        batch_op.drop_column("author_name")
        batch_op.drop_column("author_id")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_office_priority")
        batch_op.drop_index("ix_cases_office_due")
        for column in (
            "channel",
            "preferred_language",
            "contact_email",
            "outcome_text",
            "outcome_currency",
            "outcome_amount_minor",
            "outcome_obtained",
            "outcome_result",
            "closed_at",
            "updated_at",
            "due_on",
            "tags",
            "priority",
        ):
            batch_op.drop_column(column)


def _without_wall(table: str, statement: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(statement)
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    else:
        op.execute(statement)
