"""swept messages: updates about a case, sent by the sweep outside the office's quiet hours

Revision ID: c4e8a2d6f1b3
Revises: 8d4b2f6e1a95
Create Date: 2026-12-04 22:20:00.000000

deliveries.send_after (when the sweep looks at a delivery next; NULL for every delivery made
before, which the sweep never sends) and deliveries.content (what a message says beyond the
case's facts), with two partial indexes holding only the rows the sweep still has work on. The
platform role may read (office_id, send_after) to find offices with messages due (WALLS in
services.chassis.tenant_wall, applied again here).
"""

import sqlalchemy as sa
from alembic import op

import services.chassis.db
from services.chassis.tenant_wall import apply_tenant_wall

revision = "c4e8a2d6f1b3"
down_revision = "8d4b2f6e1a95"
branch_labels = None
depends_on = None

UTC_DATETIME = services.chassis.db.UTCDateTime(timezone=True)
SWEPT = sa.text("send_after IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("send_after", UTC_DATETIME, nullable=True))
        batch_op.add_column(sa.Column("content", sa.Text(), nullable=True))
    op.create_index(
        "ix_deliveries_swept_due",
        "deliveries",
        ["send_after", "office_id"],
        postgresql_where=SWEPT,
        sqlite_where=SWEPT,
    )
    op.create_index(
        "ix_deliveries_office_swept_due",
        "deliveries",
        ["office_id", "send_after"],
        postgresql_where=SWEPT,
        sqlite_where=SWEPT,
    )
    apply_tenant_wall("notify")


def downgrade() -> None:
    op.drop_index("ix_deliveries_office_swept_due", table_name="deliveries")
    op.drop_index("ix_deliveries_swept_due", table_name="deliveries")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_column("content")
        batch_op.drop_column("send_after")
    apply_tenant_wall("notify")
