"""referral letters: the PDF written with a referral, kept with it

Revision ID: d7f3b9c1e5a2
Revises: c4e1a7b2d9f0
Create Date: 2026-12-04 14:40:00.000000

A referral asked "with a letter" now gets one: rendered once under the office's letterhead
when the case is referred and kept on the referral row, so the letter downloaded later is the
letter that was written then. Nullable: referrals without a letter, and those made before
this revision, have none. The table's grants and row-level security are unchanged.
"""

import sqlalchemy as sa
from alembic import op

revision = "d7f3b9c1e5a2"
down_revision = "c4e1a7b2d9f0"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("referrals") as batch:
        batch.add_column(sa.Column("letter_pdf", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("referrals") as batch:
        batch.drop_column("letter_pdf")
