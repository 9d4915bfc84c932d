"""text messages: how each recipient would rather hear from the office, their phone, and STOP

Revision ID: d2f6a8c4e1b9
Revises: b7f3c1a9d5e2
Create Date: 2026-12-05 23:10:00.000000

recipients.preferred_channel and contact_phone, as intake now announces them with each
submission ("sms" and a number in E.164 form for a constituent who wants text messages;
both NULL for submissions announced before); contact_preferences.texts_stopped_at, when the
SMS provider last said the constituent had replied STOP (NULL: never). Deliveries already
have their channel column.
"""

import sqlalchemy as sa
from alembic import op

import services.chassis.db

revision = "d2f6a8c4e1b9"
down_revision = "b7f3c1a9d5e2"
branch_labels = None
depends_on = None

UTC_DATETIME = services.chassis.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("recipients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("preferred_channel", sa.String(10), nullable=True))
        batch_op.add_column(sa.Column("contact_phone", sa.String(20), nullable=True))
    with op.batch_alter_table("contact_preferences", schema=None) as batch_op:
        batch_op.add_column(sa.Column("texts_stopped_at", UTC_DATETIME, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contact_preferences", schema=None) as batch_op:
        batch_op.drop_column("texts_stopped_at")
    with op.batch_alter_table("recipients", schema=None) as batch_op:
        batch_op.drop_column("contact_phone")
        batch_op.drop_column("preferred_channel")
