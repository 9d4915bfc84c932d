"""the daily digest: staff members' email addresses and the day of their last digest

Revision ID: a6c3e9f1b7d2
Revises: f3a7d9b2c5e1
Create Date: 2026-12-05 09:00:00.000000

staff.email (as gateway announces it; NULL for members announced before, until gateway
announces them again: `admin announce-staff`) and staff.digest_sent_on (notify's own). The
platform role may read offices.office_id to go through the offices for their digests (WALLS in
services.chassis.tenant_wall, applied again here).
"""

import sqlalchemy as sa
from alembic import op

from services.chassis.tenant_wall import apply_tenant_wall

revision = "a6c3e9f1b7d2"
down_revision = "f3a7d9b2c5e1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("digest_sent_on", sa.Date(), nullable=True))
    apply_tenant_wall("notify")


def downgrade() -> None:
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_column("digest_sent_on")
        batch_op.drop_column("email")
    apply_tenant_wall("notify")
