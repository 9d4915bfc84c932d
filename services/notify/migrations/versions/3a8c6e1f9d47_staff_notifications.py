"""staff notifications: the office's roster, who each case was given to, and the bell

Revision ID: 3a8c6e1f9d47
Revises: 7e2b4f6a9c31
Create Date: 2026-12-04 18:30:00.000000

Three office tables, row-level security forced like the others (apply_tenant_wall converges):
`staff` and `case_assignees` are projections of gateway's and cases' events, and
`staff_notifications` holds what each person sees behind the bell, one row per person and
cause.
"""

import sqlalchemy as sa
from alembic import op

import services.chassis.db
from services.chassis.tenant_wall import apply_tenant_wall

revision = "3a8c6e1f9d47"
down_revision = "7e2b4f6a9c31"
branch_labels = None
depends_on = None

UTC_DATETIME = services.chassis.db.UTCDateTime(timezone=True)
UNREAD = sa.text("read_at IS NULL")


def upgrade() -> None:
    op.create_table(
        "staff",
        sa.Column("office_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("office_id", "user_id", name=op.f("pk_staff")),
    )
    op.create_table(
        "case_assignees",
        sa.Column("office_id", sa.String(64), nullable=False),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("caseworker_id", sa.String(64), nullable=False),
        sa.Column("assigned_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("office_id", "case_id", name=op.f("pk_case_assignees")),
    )
    op.create_table(
        "staff_notifications",
        sa.Column("notification_id", sa.String(36), nullable=False),
        sa.Column("office_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("case_id", sa.String(64), nullable=False),
        sa.Column("reference", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("summary", sa.String(300), nullable=False),
        sa.Column("cause", sa.String(80), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("read_at", UTC_DATETIME, nullable=True),
        sa.PrimaryKeyConstraint("notification_id", name=op.f("pk_staff_notifications")),
        sa.UniqueConstraint("office_id", "user_id", "cause", name="uq_staff_notifications_cause"),
    )
    op.create_index(
        "ix_staff_notifications_user_created",
        "staff_notifications",
        ["office_id", "user_id", "created_at"],
    )
    op.create_index(
        "ix_staff_notifications_unread",
        "staff_notifications",
        ["office_id", "user_id"],
        postgresql_where=UNREAD,
        sqlite_where=UNREAD,
    )
    apply_tenant_wall("notify")


def downgrade() -> None:
    op.drop_table("staff_notifications")
    op.drop_table("case_assignees")
    op.drop_table("staff")
    apply_tenant_wall("notify")
