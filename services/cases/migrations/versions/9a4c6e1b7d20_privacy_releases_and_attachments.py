"""privacy releases and attachments: the releases of each submission as intake announces
them, and the description of the files a constituent sent with a request

Revision ID: 9a4c6e1b7d20
Revises: 5e8c2f4a9d17
Create Date: 2026-12-22 10:00:00.000000

Both are new tables: existing cases have no attachments and their releases are not known
(intake's events from now on fill them). A release is kept by its submission, whose case may
not be opened yet when it is signed; its signing columns stay empty while only its
revocation has been heard of.

Both tables hold an office's data (`office_id`): on PostgreSQL the tenant wall is put up
again (`apply_tenant_wall`, which converges) and walls them like the other office tables.
Nothing of that happens on SQLite.
"""

import sqlalchemy as sa
from alembic import op

import services.chassis.db
from services.chassis.tenant_wall import apply_tenant_wall

revision = "9a4c6e1b7d20"
down_revision = "5e8c2f4a9d17"
branch_labels = None
depends_on = None

UTC_DATETIME = services.chassis.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "privacy_releases",
        sa.Column("office_id", sa.String(length=64), nullable=False),
        sa.Column("release_id", sa.String(length=36), nullable=False),
        sa.Column("submission_id", sa.String(length=36), nullable=False),
        sa.Column("agencies", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=True),
        sa.Column("signed_at", UTC_DATETIME, nullable=True),
        sa.Column("expires_at", UTC_DATETIME, nullable=True),
        sa.Column("revoked_by", sa.String(length=12), nullable=True),
        sa.Column("revoked_at", UTC_DATETIME, nullable=True),
        sa.PrimaryKeyConstraint("office_id", "release_id", name=op.f("pk_privacy_releases")),
    )
    with op.batch_alter_table("privacy_releases", schema=None) as batch_op:
        batch_op.create_index(
            "ix_privacy_releases_office_submission", ["office_id", "submission_id"], unique=False
        )
    op.create_table(
        "case_attachments",
        sa.Column("office_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("attachment_id", sa.String(length=36), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=40), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_attachments_case_id_cases")
        ),
        sa.PrimaryKeyConstraint(
            "office_id", "case_id", "attachment_id", name=op.f("pk_case_attachments")
        ),
    )
    apply_tenant_wall("cases")


def downgrade() -> None:
    op.drop_table("case_attachments")
    with op.batch_alter_table("privacy_releases", schema=None) as batch_op:
        batch_op.drop_index("ix_privacy_releases_office_submission")
    op.drop_table("privacy_releases")
