"""routing by specialty and lowest caseload: the roster's active flag and specialties, the
assignments of openings not yet committed, and an index to count open caseloads

Revision ID: 5e8c2f4a9d17
Revises: 3b7e9d2a41c6
Create Date: 2026-12-15 10:00:00.000000

Existing members stay active with no specialties, so routing goes on as the plain rotation
until gateway announces them again. `ix_cases_office_assignee` gives way to
`ix_cases_office_assignee_status`, which serves every query it served (its prefix) and lets an
opening count a member's unfinished cases from the index.

`pending_assignments` holds an office's data (`office_id`): on PostgreSQL the tenant wall is
put up again (`apply_tenant_wall`, which converges) and walls it like the other office tables.
Nothing of that happens on SQLite.
"""

import sqlalchemy as sa
from alembic import op

import services.chassis.db
from services.chassis.tenant_wall import apply_tenant_wall

revision = "5e8c2f4a9d17"
down_revision = "3b7e9d2a41c6"
branch_labels = None
depends_on = None

UTC_DATETIME = services.chassis.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("staff_members", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(
            sa.Column("specialties", sa.Text(), server_default=sa.text("'[]'"), nullable=False)
        )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cases_office_assignee_status",
            ["office_id", "assigned_to_id", "status"],
            unique=False,
        )
        batch_op.drop_index("ix_cases_office_assignee")
    op.create_table(
        "pending_assignments",
        sa.Column("office_id", sa.String(length=64), nullable=False),
        sa.Column("submission_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=False),
        sa.Column("assigned_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("office_id", "submission_id", name=op.f("pk_pending_assignments")),
    )
    apply_tenant_wall("cases")


def downgrade() -> None:
    op.drop_table("pending_assignments")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cases_office_assignee", ["office_id", "assigned_to_id"], unique=False
        )
        batch_op.drop_index("ix_cases_office_assignee_status")
    with op.batch_alter_table("staff_members", schema=None) as batch_op:
        batch_op.drop_column("specialties")
        batch_op.drop_column("active")
