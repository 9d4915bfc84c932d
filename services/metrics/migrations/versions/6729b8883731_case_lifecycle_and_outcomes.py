"""case lifecycle and outcomes: finished cases leave the caseload; what each office achieved

Revision ID: 6729b8883731
Revises: c44fb10a1812
Create Date: 2026-12-03 10:00:00.000000

`case_lifecycles` keeps where each case stands (its latest status change), so the caseload
leaves out finished cases; `case_outcomes` and `case_outcome_obtained` keep each closed case's
latest outcome, for the office's report. All three hold one office's rows and are walled like
the others (forced row-level security on the tenant setting); the platform role gets nothing
on them, as `WALLS` says. The daily counters gain `closures` and `seconds_to_close` (every
closure, and how long its case had been open), which the roll-up folds and the Prometheus
collector reads like the other counters; rows counted before keep zero in them.

The downgrade drops the outcomes and lifecycles (caseloads then count finished cases again, as
before) and the closures counted in the daily counters, which the earlier schema cannot hold.
"""

import sqlalchemy as sa
from alembic import op

import services.chassis.db
from services.chassis.tenant_wall import enable_tenant_wall

revision = "6729b8883731"
down_revision = "c44fb10a1812"
branch_labels = None
depends_on = None

NEW_TABLES = ("case_lifecycles", "case_outcomes", "case_outcome_obtained")
OLD_ONE_EVENT = "received + opened + assigned + acknowledged = 1"
NEW_ONE_EVENT = "received + opened + assigned + acknowledged + closures = 1"


def upgrade() -> None:
    with op.batch_alter_table("office_event_facts") as batch_op:
        batch_op.add_column(
            sa.Column("closures", sa.SmallInteger(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("seconds_to_close", sa.BigInteger(), server_default="0", nullable=False)
        )
        batch_op.drop_constraint(op.f("ck_office_event_facts_one_event"), type_="check")
        batch_op.create_check_constraint(op.f("ck_office_event_facts_one_event"), NEW_ONE_EVENT)
        batch_op.create_check_constraint(
            op.f("ck_office_event_facts_seconds_to_close_not_negative"), "seconds_to_close >= 0"
        )
    with op.batch_alter_table("office_daily_stats") as batch_op:
        batch_op.add_column(sa.Column("closures", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(
            sa.Column("seconds_to_close", sa.BigInteger(), server_default="0", nullable=False)
        )

    op.create_table(
        "case_lifecycles",
        sa.Column("office_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("finished", sa.Boolean(), nullable=False),
        sa.Column("changed_at", services.chassis.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("office_id", "case_id", name=op.f("pk_case_lifecycles")),
    )
    op.create_table(
        "case_outcomes",
        sa.Column("office_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("result", sa.String(length=32), nullable=False),
        sa.Column("amount_minor", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("opened_at", services.chassis.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", services.chassis.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("seconds_to_close", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("office_id", "case_id", name=op.f("pk_case_outcomes")),
    )
    op.create_index(
        "ix_case_outcomes_office_id_seconds_to_close",
        "case_outcomes",
        ["office_id", "seconds_to_close"],
    )
    op.create_table(
        "case_outcome_obtained",
        sa.Column("office_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("obtained", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["office_id", "case_id"],
            ["case_outcomes.office_id", "case_outcomes.case_id"],
            name=op.f("fk_case_outcome_obtained_office_id_case_outcomes"),
        ),
        sa.PrimaryKeyConstraint(
            "office_id", "case_id", "obtained", name=op.f("pk_case_outcome_obtained")
        ),
    )
    # Nothing happens on SQLite; on PostgreSQL the same wall as every office table.
    for table in NEW_TABLES:
        enable_tenant_wall(table)


def downgrade() -> None:
    op.drop_table("case_outcome_obtained")
    op.drop_index("ix_case_outcomes_office_id_seconds_to_close", table_name="case_outcomes")
    op.drop_table("case_outcomes")
    op.drop_table("case_lifecycles")

    _delete_unfolded_closures()
    with op.batch_alter_table("office_daily_stats") as batch_op:
        batch_op.drop_column("seconds_to_close")
        batch_op.drop_column("closures")
    with op.batch_alter_table("office_event_facts") as batch_op:
        batch_op.drop_constraint(
            op.f("ck_office_event_facts_seconds_to_close_not_negative"), type_="check"
        )
        batch_op.drop_constraint(op.f("ck_office_event_facts_one_event"), type_="check")
        batch_op.create_check_constraint(op.f("ck_office_event_facts_one_event"), OLD_ONE_EVENT)
        batch_op.drop_column("seconds_to_close")
        batch_op.drop_column("closures")


def _delete_unfolded_closures() -> None:
    """Closures folded into the totals just lose their columns; those not folded yet are rows
    the earlier check would refuse. Forced row-level security holds the owner running the
    migrations too, so for this one statement it is not forced (the owner then sees every
    office's rows), and forced again in the same transaction."""
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:
        op.execute("ALTER TABLE office_event_facts NO FORCE ROW LEVEL SECURITY")
    op.execute("DELETE FROM office_event_facts WHERE closures <> 0")
    if postgresql:
        op.execute("ALTER TABLE office_event_facts FORCE ROW LEVEL SECURITY")
