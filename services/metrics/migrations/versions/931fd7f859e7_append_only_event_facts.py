"""append-only event facts; caseloads counted from who holds each case

Revision ID: 931fd7f859e7
Revises: 6c447600c8f6
Create Date: 2026-11-23 14:48:12.951418

Event handlers stop updating rows shared by every event of an office: each counted event
becomes a row of `office_event_facts`, which a roll-up folds into `office_daily_stats` (the
existing counters stay as they are, as folded totals), and caseloads are counted from
`case_assignments`, which now keeps the caseworker's display name, instead of the
`caseworker_caseloads` counters.

Run with metrics stopped: an instance of the previous version still writes the dropped table.
Both directions keep every count: the upgrade takes caseworkers' names from their caseload
rows; the downgrade rebuilds the caseloads and folds facts into the daily totals first.
"""

import sqlalchemy as sa
from alembic import op

revision = "931fd7f859e7"
down_revision = "6c447600c8f6"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "office_event_facts",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("office_id", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("received", sa.SmallInteger(), nullable=False),
        sa.Column("opened", sa.SmallInteger(), nullable=False),
        sa.Column("assigned", sa.SmallInteger(), nullable=False),
        sa.Column("acknowledged", sa.SmallInteger(), nullable=False),
        sa.CheckConstraint(
            "received + opened + assigned + acknowledged = 1",
            name=op.f("ck_office_event_facts_one_event"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_office_event_facts")),
    )
    op.create_index(
        "ix_office_event_facts_office_id_day", "office_event_facts", ["office_id", "day"]
    )

    op.add_column(
        "case_assignments", sa.Column("caseworker_name", sa.String(length=200), nullable=True)
    )
    # Every holder has a caseload row (both were written in one transaction); the id is only a
    # guard so the column can be made NOT NULL whatever the data.
    op.execute(
        """
        UPDATE case_assignments SET caseworker_name = COALESCE(
            (SELECT caseload.name FROM caseworker_caseloads AS caseload
             WHERE caseload.office_id = case_assignments.office_id
               AND caseload.caseworker_id = case_assignments.caseworker_id),
            case_assignments.caseworker_id)
        """
    )
    with op.batch_alter_table("case_assignments") as batch_op:
        batch_op.alter_column("caseworker_name", existing_type=sa.String(200), nullable=False)

    op.drop_table("caseworker_caseloads")


def downgrade() -> None:
    op.create_table(
        "caseworker_caseloads",
        sa.Column("office_id", sa.String(length=64), nullable=False),
        sa.Column("caseworker_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("open_cases", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "open_cases >= 0", name=op.f("ck_caseworker_caseloads_open_cases_not_negative")
        ),
        sa.PrimaryKeyConstraint("office_id", "caseworker_id", name=op.f("pk_caseworker_caseloads")),
    )
    op.execute(
        """
        INSERT INTO caseworker_caseloads (office_id, caseworker_id, name, open_cases)
        SELECT held.office_id, held.caseworker_id,
               (SELECT latest.caseworker_name FROM case_assignments AS latest
                WHERE latest.office_id = held.office_id
                  AND latest.caseworker_id = held.caseworker_id
                ORDER BY latest.assigned_at DESC, latest.case_id DESC
                LIMIT 1),
               COUNT(*)
        FROM case_assignments AS held
        GROUP BY held.office_id, held.caseworker_id
        """
    )
    with op.batch_alter_table("case_assignments") as batch_op:
        batch_op.drop_column("caseworker_name")

    # `WHERE 1 = 1` keeps SQLite from reading ON CONFLICT as a join constraint.
    op.execute(
        """
        INSERT INTO office_daily_stats (office_id, day, received, opened, assigned, acknowledged)
        SELECT office_id, day, SUM(received), SUM(opened), SUM(assigned), SUM(acknowledged)
        FROM office_event_facts
        WHERE 1 = 1
        GROUP BY office_id, day
        ON CONFLICT (office_id, day) DO UPDATE SET
            received = office_daily_stats.received + excluded.received,
            opened = office_daily_stats.opened + excluded.opened,
            assigned = office_daily_stats.assigned + excluded.assigned,
            acknowledged = office_daily_stats.acknowledged + excluded.acknowledged
        """
    )
    op.drop_index("ix_office_event_facts_office_id_day", table_name="office_event_facts")
    op.drop_table("office_event_facts")
