"""release text editor: who saved each version of an office's release text

Revision ID: c5e7a9b1d3f2
Revises: a2d4f6b8c0e1
Create Date: 2027-02-03 09:00:00.000000

Office admins now write their office's release text in the staff app; each save adds a version
(rows are never changed). `created_by` is the admin who saved it; None for versions kept
before (nobody can say who). The table is already behind the tenant wall.
"""

import sqlalchemy as sa
from alembic import op

revision = "c5e7a9b1d3f2"
down_revision = "a2d4f6b8c0e1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("release_texts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("created_by", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("release_texts", schema=None) as batch_op:
        batch_op.drop_column("created_by")
