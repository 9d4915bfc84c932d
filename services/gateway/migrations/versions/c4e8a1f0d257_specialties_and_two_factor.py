"""specialties and two-factor sign-in

Revision ID: c4e8a1f0d257
Revises: 7a1d5e0c9b42
Create Date: 2026-12-03 15:40:00.000000

users.specialties: the request categories a member specialises in (JSON list), which gateway
announces and cases routes by. Two-factor sign-in: users.totp_secret (NULL until they enrol an
authenticator app), offices.require_totp (the office admin's choice), and
staff_sessions.pending (a password-checked session still waiting for its second factor). Existing
users have no specialties and no second factor; no office requires one.
"""

import sqlalchemy as sa
from alembic import op

revision = "c4e8a1f0d257"
down_revision = "7a1d5e0c9b42"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("specialties", sa.Text(), nullable=False, server_default="[]")
        )
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
    with op.batch_alter_table("offices", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("require_totp", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("staff_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending", sa.String(length=10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff_sessions", schema=None) as batch_op:
        batch_op.drop_column("pending")
    with op.batch_alter_table("offices", schema=None) as batch_op:
        batch_op.drop_column("require_totp")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("totp_secret")
        batch_op.drop_column("specialties")
