"""agency inquiries: the agencies a case's letters went to, as agencies announces them

Revision ID: d2b6f1a8c3e5
Revises: 9a4c6e1b7d20
Create Date: 2027-01-04 10:00:00.000000

A new table, empty at first (agencies' events fill it from now on): which agency each of a
case's inquiries went to, its due date now, and when its sending and its final reply were
heard of, so the timeline names the agency of a moved due date and a final reply knows
whether the case still waits on another agency. The timeline's new kinds need nothing: a
kind is a plain string column.

The table holds an office's data (`office_id`): on PostgreSQL the tenant wall is put up again
(`apply_tenant_wall`, which converges) and walls it like the other office tables. Nothing of
that happens on SQLite.
"""

import sqlalchemy as sa
from alembic import op

import services.chassis.db
from services.chassis.tenant_wall import apply_tenant_wall

revision = "d2b6f1a8c3e5"
down_revision = "9a4c6e1b7d20"
branch_labels = None
depends_on = None

UTC_DATETIME = services.chassis.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "agency_inquiries",
        sa.Column("office_id", sa.String(length=64), nullable=False),
        sa.Column("inquiry_id", sa.String(length=36), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("agency_code", sa.String(length=20), nullable=False),
        sa.Column("agency_name", sa.String(length=200), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("sent_at", UTC_DATETIME, nullable=True),
        sa.Column("answered_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_agency_inquiries_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("office_id", "inquiry_id", name=op.f("pk_agency_inquiries")),
    )
    with op.batch_alter_table("agency_inquiries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_agency_inquiries_office_case", ["office_id", "case_id"], unique=False
        )
    apply_tenant_wall("cases")


def downgrade() -> None:
    with op.batch_alter_table("agency_inquiries", schema=None) as batch_op:
        batch_op.drop_index("ix_agency_inquiries_office_case")
    op.drop_table("agency_inquiries")
