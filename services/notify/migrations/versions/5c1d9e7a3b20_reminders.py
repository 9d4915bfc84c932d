"""reminders: each case's clocks (first contact, agency follow-up, check-in, escalations)

Revision ID: 5c1d9e7a3b20
Revises: 9e4215cb0129
Create Date: 2026-12-04 15:00:00.000000

`reminders` is an office table: row-level security forced like the others. The platform role
may read three of its columns (office, state, due time) to find which offices have reminders
due; each office's due reminders are then claimed in that office's unit of work (WALLS in
services.chassis.tenant_wall, applied again here). Offices gain their time zone, which
reminders fall due in (existing offices: America/New_York until gateway announces theirs).
"""

import sqlalchemy as sa
from alembic import op

import services.chassis.db
from services.chassis.tenant_wall import apply_tenant_wall

revision = "5c1d9e7a3b20"
down_revision = "9e4215cb0129"
branch_labels = None
depends_on = None

UTC_DATETIME = services.chassis.db.UTCDateTime(timezone=True)
PENDING = sa.text("state = 'pending'")


def upgrade() -> None:
    with op.batch_alter_table("offices", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("timezone", sa.String(64), nullable=False, server_default="America/New_York")
        )
    op.create_table(
        "reminders",
        sa.Column("reminder_id", sa.String(36), nullable=False),
        sa.Column("office_id", sa.String(64), nullable=False),
        sa.Column("cancel_key", sa.String(120), nullable=False),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("reference", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("audience", sa.String(20), nullable=False),
        sa.Column("summary", sa.String(300), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("due_at", UTC_DATETIME, nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("repeat_days", sa.Integer(), nullable=True),
        sa.Column("occurrence", sa.Integer(), nullable=False),
        sa.Column("fired_at", UTC_DATETIME, nullable=True),
        sa.Column("agency_code", sa.String(20), nullable=True),
        sa.Column("inquiry_id", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("reminder_id", name=op.f("pk_reminders")),
        sa.UniqueConstraint("office_id", "cancel_key", name="uq_reminders_cancel_key"),
    )
    op.create_index("ix_reminders_office_case", "reminders", ["office_id", "case_id"])
    op.create_index(
        "ix_reminders_pending_due",
        "reminders",
        ["due_at", "office_id"],
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )
    op.create_index(
        "ix_reminders_office_pending_due",
        "reminders",
        ["office_id", "due_at"],
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )
    apply_tenant_wall("notify")


def downgrade() -> None:
    op.drop_table("reminders")
    with op.batch_alter_table("offices", schema=None) as batch_op:
        batch_op.drop_column("timezone")
    apply_tenant_wall("notify")
