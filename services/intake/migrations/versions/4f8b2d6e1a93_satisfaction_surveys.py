"""satisfaction surveys: the digest of each closure message's survey link and its rating

Revision ID: 4f8b2d6e1a93
Revises: 2b7d9e4f6a18
Create Date: 2026-12-05 13:20:00.000000

One row per closure message notify sent with a survey (`notify.survey_offered`). The table
holds an office's data: on PostgreSQL the tenant wall is put up again (`apply_tenant_wall`,
which converges) and walls it like the others.
"""

import sqlalchemy as sa
from alembic import op

import services.chassis.db
from services.chassis.tenant_wall import apply_tenant_wall

revision = "4f8b2d6e1a93"
down_revision = "2b7d9e4f6a18"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "surveys",
        sa.Column("survey_id", sa.String(length=36), nullable=False),
        sa.Column("office_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("offered_at", services.chassis.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("rated_at", services.chassis.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("survey_id", name=op.f("pk_surveys")),
        sa.UniqueConstraint("office_id", "token_sha256", name=op.f("uq_surveys_office_id")),
    )
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_surveys_case_id"), ["case_id"], unique=False)
    apply_tenant_wall("intake")


def downgrade() -> None:
    with op.batch_alter_table("surveys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_surveys_case_id"))
    op.drop_table("surveys")
