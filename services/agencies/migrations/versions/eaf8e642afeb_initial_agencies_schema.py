"""initial agencies schema

Revision ID: eaf8e642afeb
Revises:
Create Date: 2026-11-23 14:03:44.467021
"""

from alembic import op
import sqlalchemy as sa
import services.chassis.db
from services.chassis.migration_helpers import create_chassis_tables, drop_chassis_tables


revision = "eaf8e642afeb"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_chassis_tables()
    op.create_table(
        "agencies",
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("liaison_office", sa.String(length=200), nullable=False),
        sa.Column("website_url", sa.String(length=300), nullable=False),
        sa.Column("typical_response_days", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_agencies")),
    )
    op.create_table(
        "agency_categories",
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("agency_code", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_code"],
            ["agencies.code"],
            name=op.f("fk_agency_categories_agency_code_agencies"),
        ),
        sa.PrimaryKeyConstraint("category", name=op.f("pk_agency_categories")),
    )
    with op.batch_alter_table("agency_categories", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agency_categories_agency_code"), ["agency_code"], unique=False
        )

    op.create_table(
        "agency_suggestions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("office_id", sa.String(length=64), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("agency_code", sa.String(length=20), nullable=True),
        sa.Column("reason", sa.String(length=60), nullable=False),
        sa.Column("suggested_at", services.chassis.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_code"],
            ["agencies.code"],
            name=op.f("fk_agency_suggestions_agency_code_agencies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency_suggestions")),
        sa.UniqueConstraint("office_id", "case_id", name="uq_agency_suggestions_office_case"),
    )
    op.create_table(
        "liaison_contacts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("office_id", sa.String(length=64), nullable=False),
        sa.Column("agency_code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("created_at", services.chassis.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_code"],
            ["agencies.code"],
            name=op.f("fk_liaison_contacts_agency_code_agencies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_liaison_contacts")),
    )
    with op.batch_alter_table("liaison_contacts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_liaison_contacts_office_agency", ["office_id", "agency_code"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("liaison_contacts", schema=None) as batch_op:
        batch_op.drop_index("ix_liaison_contacts_office_agency")

    op.drop_table("liaison_contacts")
    op.drop_table("agency_suggestions")
    with op.batch_alter_table("agency_categories", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agency_categories_agency_code"))

    op.drop_table("agency_categories")
    op.drop_table("agencies")
    drop_chassis_tables()
