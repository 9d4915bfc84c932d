"""constituents' contact preferences and the secret of their unsubscribe link

Revision ID: b7f3c1a9d5e2
Revises: e4b8d2a6c9f1
Create Date: 2026-12-05 17:30:00.000000

contact_preferences (an office table: row-level security forced like the others) holds one row
per constituent of the office: the secret of the unsubscribe link every message about their
requests carries, and whether they asked for no email (as of changed_at, the latest change
winning). Constituents notify heard of before this revision get their row, and their link
announced, the first time a message to them is written.
"""

import sqlalchemy as sa
from alembic import op

import services.chassis.db
from services.chassis.tenant_wall import apply_tenant_wall

revision = "b7f3c1a9d5e2"
down_revision = "e4b8d2a6c9f1"
branch_labels = None
depends_on = None

UTC_DATETIME = services.chassis.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "contact_preferences",
        sa.Column("office_id", sa.String(64), nullable=False),
        sa.Column("constituent_id", sa.String(64), nullable=False),
        sa.Column("unsubscribe_token", sa.String(64), nullable=False),
        sa.Column("email_opted_out", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("changed_at", UTC_DATETIME, nullable=True),
        sa.PrimaryKeyConstraint("office_id", "constituent_id", name=op.f("pk_contact_preferences")),
    )
    apply_tenant_wall("notify")


def downgrade() -> None:
    op.drop_table("contact_preferences")
    apply_tenant_wall("notify")
