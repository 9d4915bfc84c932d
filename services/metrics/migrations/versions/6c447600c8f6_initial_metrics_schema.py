"""initial metrics schema

Revision ID: 6c447600c8f6
Revises:
Create Date: 2026-11-23 14:06:56.882912
"""

from alembic import op
import sqlalchemy as sa
import services.chassis.db
from services.chassis.migration_helpers import create_chassis_tables, drop_chassis_tables


revision = "6c447600c8f6"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_chassis_tables()
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
        "office_daily_stats",
        sa.Column("office_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("opened", sa.Integer(), nullable=False),
        sa.Column("assigned", sa.Integer(), nullable=False),
        sa.Column("acknowledged", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("office_id", "day", name=op.f("pk_office_daily_stats")),
    )


def downgrade() -> None:
    op.drop_table("office_daily_stats")
    op.drop_table("caseworker_caseloads")
    op.drop_table("case_assignments")
    with op.batch_alter_table("acknowledgement_timings", schema=None) as batch_op:
        batch_op.drop_index("ix_acknowledgement_timings_acknowledged_at")

    op.drop_table("acknowledgement_timings")
    drop_chassis_tables()
