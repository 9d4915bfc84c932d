"""initial cases schema

Revision ID: c85fc3cea156
Revises:
Create Date: 2026-11-23 14:08:39.666192
"""

import sqlalchemy as sa
from alembic import op

import services.chassis.db
from services.chassis.migration_helpers import create_chassis_tables, drop_chassis_tables

revision = "c85fc3cea156"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_chassis_tables()
    op.create_table(
        "case_reference_counters",
        sa.Column("office_id", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("office_id", "year", name=op.f("pk_case_reference_counters")),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("office_id", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("submission_id", sa.String(length=36), nullable=False),
        sa.Column("tracking_code", sa.String(length=20), nullable=False),
        sa.Column("constituent_id", sa.String(length=36), nullable=False),
        sa.Column("constituent_name", sa.String(length=250), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("agency_hint", sa.String(length=20), nullable=True),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("opened_at", services.chassis.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("assigned_to_id", sa.String(length=64), nullable=True),
        sa.Column("assigned_to_name", sa.String(length=200), nullable=True),
        sa.Column("assigned_at", services.chassis.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("agency_code", sa.String(length=20), nullable=True),
        sa.Column("agency_name", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("office_id", "reference", name="uq_cases_office_reference"),
        sa.UniqueConstraint("office_id", "submission_id", name="uq_cases_office_submission"),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cases_office_assignee", ["office_id", "assigned_to_id"], unique=False
        )
        batch_op.create_index("ix_cases_office_opened", ["office_id", "opened_at"], unique=False)
        batch_op.create_index("ix_cases_office_status", ["office_id", "status"], unique=False)

    op.create_table(
        "staff_members",
        sa.Column("office_id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("updated_at", services.chassis.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "last_assigned_at", services.chassis.db.UTCDateTime(timezone=True), nullable=True
        ),
        sa.PrimaryKeyConstraint("office_id", "user_id", name=op.f("pk_staff_members")),
    )
    op.create_table(
        "case_timeline",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("office_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("at", services.chassis.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("summary", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_timeline_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_timeline")),
    )
    with op.batch_alter_table("case_timeline", schema=None) as batch_op:
        batch_op.create_index("ix_case_timeline_case_at", ["case_id", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_timeline", schema=None) as batch_op:
        batch_op.drop_index("ix_case_timeline_case_at")

    op.drop_table("case_timeline")
    op.drop_table("staff_members")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_office_status")
        batch_op.drop_index("ix_cases_office_opened")
        batch_op.drop_index("ix_cases_office_assignee")

    op.drop_table("cases")
    op.drop_table("case_reference_counters")
    drop_chassis_tables()
