"""satisfaction ratings: each rated case's latest rating from its closure message's survey

Revision ID: b3d7e1f9a2c4
Revises: 6729b8883731
Create Date: 2026-12-05 13:40:00.000000

`satisfaction_ratings` keeps one row per rated case (a constituent who clicks again replaces
their rating), for the office's report. It holds one office's rows and is walled like the
others; the platform role may read its offices and ratings (never a case id), for the
per-office figures Prometheus scrapes, as `WALLS` says.
"""

import sqlalchemy as sa
from alembic import op

import services.chassis.db
from services.chassis.tenant_wall import apply_tenant_wall

revision = "b3d7e1f9a2c4"
down_revision = "6729b8883731"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "satisfaction_ratings",
        sa.Column("office_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("rating", sa.SmallInteger(), nullable=False),
        sa.Column("rated_at", services.chassis.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("office_id", "case_id", name=op.f("pk_satisfaction_ratings")),
    )
    apply_tenant_wall("metrics")


def downgrade() -> None:
    op.drop_table("satisfaction_ratings")
