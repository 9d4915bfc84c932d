"""public update documents: what a request for documents asks the constituent to send

Revision ID: a2d4f6b8c0e1
Revises: 7c3e9a1d5b24
Create Date: 2027-01-29 09:00:00.000000

A caseworker's public update may ask for documents (`cases.public_note_added` with
`requested_documents`); the status page lists them, one a line. Empty for every other update.
"""

import sqlalchemy as sa
from alembic import op

revision = "a2d4f6b8c0e1"
down_revision = "7c3e9a1d5b24"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("public_updates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("documents", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("public_updates", schema=None) as batch_op:
        batch_op.drop_column("documents")
