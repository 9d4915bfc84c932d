"""initial gateway schema: offices and their staff (users), plus the chassis tables

users.password_hash stays NULL until staff login arrives; a NULL hash cannot log in.

Revision ID: 4b0c3544acb8
Revises:
Create Date: 2026-11-23 14:03:29.173365
"""

from alembic import op
import sqlalchemy as sa
import services.chassis.db
from services.chassis.migration_helpers import create_chassis_tables, drop_chassis_tables


revision = "4b0c3544acb8"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_chassis_tables()
    op.create_table(
        "offices",
        sa.Column("office_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("reply_to_email", sa.String(length=254), nullable=False),
        sa.Column("created_at", services.chassis.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("office_id", name=op.f("pk_offices")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("office_id", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("created_at", services.chassis.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role IN ('office_admin', 'supervisor', 'caseworker', 'read_only')",
            name=op.f("ck_users_role"),
        ),
        sa.ForeignKeyConstraint(
            ["office_id"], ["offices.office_id"], name=op.f("fk_users_office_id_offices")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("office_id", "email", name="uq_users_office_email"),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_users_office_id"), ["office_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_office_id"))

    op.drop_table("users")
    op.drop_table("offices")
    drop_chassis_tables()
