"""unsubscribe links: the digest of each constituent's link, and whether they take email

Revision ID: 7c3e9a1d5b24
Revises: 4f8b2d6e1a93
Create Date: 2027-01-22 10:30:00.000000

One row per constituent notify mails (`notify.unsubscribe_offered`); what they choose through
it is the constituent's (`constituents.email_opted_out_at`, none for everyone recorded before:
they take email). The table holds an office's data: on PostgreSQL the tenant wall is put up
again (`apply_tenant_wall`, which converges) and walls it like the others.
"""

import sqlalchemy as sa
from alembic import op

import services.chassis.db
from services.chassis.tenant_wall import apply_tenant_wall

revision = "7c3e9a1d5b24"
down_revision = "4f8b2d6e1a93"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("constituents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "email_opted_out_at",
                services.chassis.db.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
    op.create_table(
        "unsubscribe_links",
        sa.Column("office_id", sa.String(length=64), nullable=False),
        sa.Column("constituent_id", sa.String(length=36), nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("offered_at", services.chassis.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("office_id", "constituent_id", name=op.f("pk_unsubscribe_links")),
        sa.UniqueConstraint(
            "office_id", "token_sha256", name=op.f("uq_unsubscribe_links_office_id")
        ),
    )
    apply_tenant_wall("intake")


def downgrade() -> None:
    op.drop_table("unsubscribe_links")
    with op.batch_alter_table("constituents", schema=None) as batch_op:
        batch_op.drop_column("email_opted_out_at")
