"""agency liaison: response targets and release rules in the directory, more agencies; each
office's partners, liaison settings, per-agency overrides and letter templates; the projections
of releases and cases; inquiries and their replies; referrals

Revision ID: c4e1a7b2d9f0
Revises: 6ed1fbc173b2
Create Date: 2026-12-03 21:00:00.000000

`typical_response_days` becomes `response_days`, the target a congressional inquiry is
answered in, counted in `day_basis` days. The values below are the agencies' published or
customary congressional-liaison targets (SSA: a final or interim reply within 20 calendar
days, then every 30; IRS, through the Taxpayer Advocate Service: 20 business days; USCIS
demands a handwritten signature on a release), and for the rest the 30 calendar days
caseworkers customarily follow up on. An office overrides what its own liaison agreed. Like the
seed revision, the data is frozen here rather than imported.

Every new table with an `office_id` gets the tenant wall (forced row-level security) by
running `apply_tenant_wall` again, which also brings the grants to what
`services.chassis.tenant_wall.WALLS` now declares for agencies: the platform role may change
the directory (platform admins keep it) and read the few inquiry columns the overdue scan
needs.
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

import services.chassis.db
from services.chassis.tenant_wall import apply_tenant_wall

revision = "c4e1a7b2d9f0"
down_revision = "6ed1fbc173b2"
branch_labels = None
depends_on = None

UTC_DATETIME = services.chassis.db.UTCDateTime(timezone=True)

agencies = sa.table(
    "agencies",
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("liaison_office", sa.String),
    sa.column("website_url", sa.String),
    sa.column("response_days", sa.Integer),
    sa.column("day_basis", sa.String),
    sa.column("interim_every_days", sa.Integer),
    sa.column("signature_rule", sa.String),
    sa.column("sole_recipient", sa.Boolean),
    sa.column("release_valid_days", sa.Integer),
    sa.column("new_release_after_closure", sa.Boolean),
    sa.column("active", sa.Boolean),
)

# code -> (response days, day basis, interim every days, signature rule)
TARGETS = {
    "SSA": (20, "calendar", 30, "any"),
    "VA": (30, "calendar", 30, "any"),
    "USCIS": (30, "calendar", None, "wet_only"),
    "DOS-PPT": (10, "business", None, "any"),
    "IRS": (20, "business", None, "any"),
    "CMS": (30, "calendar", None, "any"),
    "HUD": (30, "calendar", None, "any"),
    "OPM": (30, "calendar", 30, "any"),
    "FEMA": (30, "calendar", None, "any"),
    "ED-FSA": (30, "calendar", None, "any"),
    "USPS": (15, "business", None, "any"),
    "SBA": (15, "business", None, "any"),
}
# The response days the seed revision put in, restored on downgrade.
SEEDED_DAYS = {
    "SSA": 30,
    "VA": 125,
    "USCIS": 30,
    "DOS-PPT": 42,
    "IRS": 30,
    "CMS": 30,
    "HUD": 30,
    "OPM": 60,
    "FEMA": 30,
    "ED-FSA": 30,
    "USPS": 30,
    "SBA": 30,
}
# (code, name, liaison office, website, response days, day basis, interim every days): the
# agencies offices also write to often, routed by no intake category ("other").
ADDED = [
    (
        "DOL",
        "Department of Labor",
        "Office of Congressional and Intergovernmental Affairs",
        "https://www.dol.gov/",
        30,
        "calendar",
        None,
    ),
    (
        "DFAS",
        "Department of Defense - Defense Finance and Accounting Service",
        "Congressional Affairs Office",
        "https://www.dfas.mil/",
        30,
        "calendar",
        None,
    ),
    (
        "BFS",
        "Department of the Treasury - Bureau of the Fiscal Service",
        "Office of Legislative and Public Affairs",
        "https://www.fiscal.treasury.gov/",
        30,
        "calendar",
        None,
    ),
    (
        "EEOC",
        "Equal Employment Opportunity Commission",
        "Office of Communications and Legislative Affairs",
        "https://www.eeoc.gov/",
        30,
        "calendar",
        None,
    ),
]


def _office_id() -> sa.Column[str]:
    return sa.Column("office_id", sa.String(length=64), nullable=False)


def _agency_columns() -> tuple[sa.Column[Any], ...]:
    """The directory's new columns, in the order upgrade() adds them (made anew for each
    use: a Column belongs to one table)."""
    return (
        sa.Column("day_basis", sa.String(10), server_default="calendar", nullable=False),
        sa.Column("interim_every_days", sa.Integer(), nullable=True),
        sa.Column("signature_rule", sa.String(10), server_default="any", nullable=False),
        sa.Column("sole_recipient", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("release_valid_days", sa.Integer(), nullable=True),
        sa.Column("new_release_after_closure", sa.Boolean(), server_default="0", nullable=False),
        sa.Column("active", sa.Boolean(), server_default="1", nullable=False),
    )


def upgrade() -> None:
    op.execute("ALTER TABLE agencies RENAME COLUMN typical_response_days TO response_days")
    with op.batch_alter_table("agencies") as batch_op:
        for column in _agency_columns():
            batch_op.add_column(column)
    for code, (days, basis, interim, signature) in TARGETS.items():
        op.execute(
            agencies.update()
            .where(agencies.c.code == code)
            .values(
                response_days=days,
                day_basis=basis,
                interim_every_days=interim,
                signature_rule=signature,
            )
        )
    op.bulk_insert(
        agencies,
        [
            {
                "code": code,
                "name": name,
                "liaison_office": liaison_office,
                "website_url": website_url,
                "response_days": days,
                "day_basis": basis,
                "interim_every_days": interim,
                "signature_rule": "any",
                "sole_recipient": True,
                "release_valid_days": None,
                "new_release_after_closure": False,
                "active": True,
            }
            for code, name, liaison_office, website_url, days, basis, interim in ADDED
        ],
    )

    with op.batch_alter_table("liaison_contacts") as batch_op:
        batch_op.add_column(sa.Column("programme", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("notes", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("active", sa.Boolean(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("updated_at", UTC_DATETIME, nullable=True))

    op.create_table(
        "partner_organisations",
        sa.Column("id", sa.String(length=36), nullable=False),
        _office_id(),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=40), nullable=True),
        sa.Column("website_url", sa.String(length=300), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), server_default="1", nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_organisations")),
    )
    op.create_index(
        "ix_partner_organisations_office_name", "partner_organisations", ["office_id", "name"]
    )
    op.create_table(
        "office_liaison_settings",
        _office_id(),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("holiday_country", sa.String(length=8), nullable=False),
        sa.Column("holiday_subdivision", sa.String(length=16), nullable=True),
        sa.Column("office_name", sa.String(length=200), nullable=False),
        sa.Column("member_name", sa.String(length=200), nullable=False),
        sa.Column("letterhead_address", sa.Text(), nullable=False),
        sa.Column("letterhead_phone", sa.String(length=40), nullable=False),
        sa.Column("letterhead_email", sa.String(length=254), nullable=False),
        sa.Column("mask_ssn", sa.Boolean(), nullable=False),
        sa.Column("include_public_notes", sa.Boolean(), nullable=False),
        sa.Column("approval_roles", sa.String(length=200), nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("office_id", name=op.f("pk_office_liaison_settings")),
    )
    op.create_table(
        "agency_overrides",
        _office_id(),
        sa.Column("agency_code", sa.String(length=20), nullable=False),
        sa.Column("response_days", sa.Integer(), nullable=False),
        sa.Column("day_basis", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_code"],
            ["agencies.code"],
            name=op.f("fk_agency_overrides_agency_code_agencies"),
        ),
        sa.PrimaryKeyConstraint("office_id", "agency_code", name=op.f("pk_agency_overrides")),
    )
    op.create_table(
        "letter_templates",
        sa.Column("id", sa.String(length=36), nullable=False),
        _office_id(),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("requires_approval", sa.Boolean(), nullable=False),
        sa.Column("approved_by", sa.String(length=100), nullable=True),
        sa.Column("approved_at", UTC_DATETIME, nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letter_templates")),
        sa.UniqueConstraint(
            "office_id", "name", "version", name="uq_letter_templates_office_name_version"
        ),
    )
    op.create_table(
        "privacy_releases",
        sa.Column("id", sa.String(length=36), nullable=False),
        _office_id(),
        sa.Column("submission_id", sa.String(length=64), nullable=False),
        sa.Column("constituent_id", sa.String(length=64), nullable=False),
        sa.Column("agencies", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("signed_at", UTC_DATETIME, nullable=False),
        sa.Column("expires_at", UTC_DATETIME, nullable=False),
        sa.Column("revoked_at", UTC_DATETIME, nullable=True),
        sa.Column("revoked_by", sa.String(length=20), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_releases")),
    )
    op.create_index(
        "ix_privacy_releases_office_submission",
        "privacy_releases",
        ["office_id", "submission_id"],
    )
    op.create_table(
        "case_projections",
        _office_id(),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("submission_id", sa.String(length=64), nullable=True),
        sa.Column("constituent_id", sa.String(length=64), nullable=True),
        sa.Column("category", sa.String(length=40), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("opened_at", UTC_DATETIME, nullable=True),
        sa.Column("closed_at", UTC_DATETIME, nullable=True),
        sa.PrimaryKeyConstraint("office_id", "case_id", name=op.f("pk_case_projections")),
    )
    op.create_table(
        "inquiries",
        sa.Column("id", sa.String(length=36), nullable=False),
        _office_id(),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("agency_code", sa.String(length=20), nullable=False),
        sa.Column("agency_name", sa.String(length=200), nullable=False),
        sa.Column("contact_id", sa.String(length=36), nullable=True),
        sa.Column("template_id", sa.String(length=36), nullable=True),
        sa.Column("template_version", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("release_id", sa.String(length=36), nullable=True),
        sa.Column("drafted_by", sa.String(length=100), nullable=False),
        sa.Column("drafted_at", UTC_DATETIME, nullable=False),
        sa.Column("needs_approval", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=True),
        sa.Column("approved_by", sa.String(length=100), nullable=True),
        sa.Column("approved_at", UTC_DATETIME, nullable=True),
        sa.Column("sent_by", sa.String(length=100), nullable=True),
        sa.Column("sent_at", UTC_DATETIME, nullable=True),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("response_days", sa.Integer(), nullable=True),
        sa.Column("day_basis", sa.String(length=10), nullable=True),
        sa.Column("interim_every_days", sa.Integer(), nullable=True),
        sa.Column("pauses", sa.JSON(), nullable=False),
        sa.Column("extensions", sa.JSON(), nullable=False),
        sa.Column("follow_up_on", sa.Date(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("overdue_level", sa.String(length=10), nullable=True),
        sa.Column("overdue_check_on", sa.Date(), nullable=True),
        sa.Column("message_id", sa.String(length=200), nullable=True),
        sa.Column("letter_pdf", sa.LargeBinary(), nullable=True),
        sa.Column("withdrawn_reason", sa.String(length=500), nullable=True),
        sa.Column("withdrawn_by", sa.String(length=100), nullable=True),
        sa.Column("withdrawn_at", UTC_DATETIME, nullable=True),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inquiries")),
    )
    op.create_index("ix_inquiries_office_case", "inquiries", ["office_id", "case_id"])
    op.create_index("ix_inquiries_office_state", "inquiries", ["office_id", "state"])
    op.create_index("ix_inquiries_overdue_scan", "inquiries", ["state", "overdue_check_on"])
    op.create_table(
        "inquiry_replies",
        sa.Column("id", sa.String(length=36), nullable=False),
        _office_id(),
        sa.Column("inquiry_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("logged_by", sa.String(length=100), nullable=False),
        sa.Column("logged_at", UTC_DATETIME, nullable=False),
        sa.Column("attachment_filename", sa.String(length=200), nullable=True),
        sa.Column("attachment_content_type", sa.String(length=100), nullable=True),
        sa.Column("attachment", sa.LargeBinary(), nullable=True),
        sa.ForeignKeyConstraint(
            ["inquiry_id"],
            ["inquiries.id"],
            name=op.f("fk_inquiry_replies_inquiry_id_inquiries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inquiry_replies")),
    )
    op.create_index(
        "ix_inquiry_replies_office_inquiry", "inquiry_replies", ["office_id", "inquiry_id"]
    )
    op.create_table(
        "referrals",
        sa.Column("id", sa.String(length=36), nullable=False),
        _office_id(),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.String(length=40), nullable=False),
        sa.Column("partner_id", sa.String(length=36), nullable=False),
        sa.Column("partner_name", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("with_letter", sa.Boolean(), nullable=False),
        sa.Column("referred_by", sa.String(length=100), nullable=False),
        sa.Column("referred_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referrals")),
    )
    op.create_index("ix_referrals_office_case", "referrals", ["office_id", "case_id"])

    # Forced row-level security on every new office table, and the grants WALLS declares.
    apply_tenant_wall("agencies")


NEW_TABLES = (
    "referrals",
    "inquiry_replies",
    "inquiries",
    "case_projections",
    "privacy_releases",
    "letter_templates",
    "agency_overrides",
    "office_liaison_settings",
    "partner_organisations",
)


def downgrade() -> None:
    for table in NEW_TABLES:
        op.drop_table(table)
    with op.batch_alter_table("liaison_contacts") as batch_op:
        for column in ("updated_at", "active", "notes", "programme"):
            batch_op.drop_column(column)
    op.execute(agencies.delete().where(agencies.c.code.in_([row[0] for row in ADDED])))
    for code, days in SEEDED_DAYS.items():
        op.execute(agencies.update().where(agencies.c.code == code).values(response_days=days))
    with op.batch_alter_table("agencies") as batch_op:
        for column in reversed(_agency_columns()):
            batch_op.drop_column(column.name)
    op.execute("ALTER TABLE agencies RENAME COLUMN response_days TO typical_response_days")
    apply_tenant_wall("agencies")
