"""status codes once per request: a delivery is unique per occasion and kind, its case optional

Revision ID: 9e4215cb0129
Revises: 25f4fb3837b2
Create Date: 2026-12-03 17:48:58.985356

A constituent may ask for a status-page code many times, each request mailed once: the
idempotency key becomes (office, occasion, kind), where an acknowledgement's occasion is its
submission (existing rows are filled in so) and a status code's is its request's event id. A
code may be asked for before the case is opened, so `case_id` may be empty.

Row-level security holds the owner too (forced), and no tenant is set here: on PostgreSQL the
fill-in runs with the wall lowered for the table, then it goes up again. No table is added, so
the wall's policies and grants stand as they are. Going down drops the status-code deliveries,
which the older key cannot hold.
"""

import sqlalchemy as sa
from alembic import op

revision = "9e4215cb0129"
down_revision = "25f4fb3837b2"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("occasion_id", sa.String(length=64), nullable=True))
        batch_op.alter_column("case_id", existing_type=sa.VARCHAR(length=64), nullable=True)
    _without_wall("deliveries", "UPDATE deliveries SET occasion_id = submission_id")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.alter_column("occasion_id", existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_constraint(batch_op.f("uq_deliveries_recipient_cause"), type_="unique")
        batch_op.create_unique_constraint(
            "uq_deliveries_occasion_kind", ["office_id", "occasion_id", "kind"]
        )


def downgrade() -> None:
    _without_wall("deliveries", "DELETE FROM deliveries WHERE kind = 'status_code'")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_constraint("uq_deliveries_occasion_kind", type_="unique")
        batch_op.create_unique_constraint(
            batch_op.f("uq_deliveries_recipient_cause"), ["office_id", "submission_id", "kind"]
        )
        batch_op.alter_column("case_id", existing_type=sa.VARCHAR(length=64), nullable=False)
        batch_op.drop_column("occasion_id")


def _without_wall(table: str, statement: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(statement)
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
    else:
        op.execute(statement)
