"""offices' own wording of the messages to constituents

Revision ID: e7b1c5a9d2f4
Revises: c4e8a2d6f1b3
Create Date: 2026-12-04 22:40:00.000000

message_wording (an office table: row-level security forced like the others) holds an office's
subject and body of a message in a language; offices.wording_version (a fresh random id at each
change, NULL while the office has none) tells every notify instance to read it again.
"""

import sqlalchemy as sa
from alembic import op

import services.chassis.db
from services.chassis.tenant_wall import apply_tenant_wall

revision = "e7b1c5a9d2f4"
down_revision = "c4e8a2d6f1b3"
branch_labels = None
depends_on = None

UTC_DATETIME = services.chassis.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("offices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wording_version", sa.String(36), nullable=True))
    op.create_table(
        "message_wording",
        sa.Column("office_id", sa.String(64), nullable=False),
        sa.Column("message", sa.String(30), nullable=False),
        sa.Column("language", sa.String(5), nullable=False),
        sa.Column("subject", sa.String(500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint(
            "office_id", "message", "language", name=op.f("pk_message_wording")
        ),
    )
    apply_tenant_wall("notify")


def downgrade() -> None:
    op.drop_table("message_wording")
    with op.batch_alter_table("offices", schema=None) as batch_op:
        batch_op.drop_column("wording_version")
    apply_tenant_wall("notify")
