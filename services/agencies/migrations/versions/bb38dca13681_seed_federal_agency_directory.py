"""seed federal agency directory

Revision ID: bb38dca13681
Revises: eaf8e642afeb
Create Date: 2026-11-23 14:03:47.487011

The federal agencies US House and Senate offices write to most, the office that answers
members of Congress for each, and the intake categories routed to them. The data is frozen
here (not imported from the models) so this revision means the same thing forever; later
changes to the directory are new revisions.

Typical response days: VA publishes about 125 days to decide a disability compensation claim;
OPM's published goal for a retirement application is 60 days; State's routine passport
service is published as 4 to 6 weeks; for the rest, 30 days is the customary liaison
response target caseworkers follow up on.
"""

import sqlalchemy as sa
from alembic import op

revision = "bb38dca13681"
down_revision = "eaf8e642afeb"
branch_labels = None
depends_on = None

agencies = sa.table(
    "agencies",
    sa.column("code", sa.String),
    sa.column("name", sa.String),
    sa.column("liaison_office", sa.String),
    sa.column("website_url", sa.String),
    sa.column("typical_response_days", sa.Integer),
)
agency_categories = sa.table(
    "agency_categories",
    sa.column("category", sa.String),
    sa.column("agency_code", sa.String),
)

# (code, name, liaison office, public website, typical response days, intake categories)
DIRECTORY = [
    (
        "SSA",
        "Social Security Administration",
        "Office of Legislation and Congressional Affairs",
        "https://www.ssa.gov/",
        30,
        ["social_security"],
    ),
    (
        "VA",
        "Department of Veterans Affairs",
        "Office of Congressional and Legislative Affairs",
        "https://www.va.gov/",
        125,
        ["veterans"],
    ),
    (
        "USCIS",
        "U.S. Citizenship and Immigration Services",
        "Office of Legislative Affairs",
        "https://www.uscis.gov/",
        30,
        ["immigration"],
    ),
    (
        "DOS-PPT",
        "Department of State - Passport Services",
        "Bureau of Consular Affairs - Passport Services Congressional Liaison",
        "https://travel.state.gov/",
        42,
        ["passport"],
    ),
    (
        "IRS",
        "Internal Revenue Service",
        "Taxpayer Advocate Service",
        "https://www.irs.gov/",
        30,
        ["tax"],
    ),
    (
        "CMS",
        "Centers for Medicare & Medicaid Services",
        "Office of Legislation",
        "https://www.cms.gov/",
        30,
        ["medicare", "medicaid"],
    ),
    (
        "HUD",
        "Department of Housing and Urban Development",
        "Office of Congressional and Intergovernmental Relations",
        "https://www.hud.gov/",
        30,
        ["housing"],
    ),
    (
        "OPM",
        "Office of Personnel Management - Retirement Services",
        "Office of Congressional, Legislative, and Intergovernmental Affairs",
        "https://www.opm.gov/",
        60,
        ["federal_pension"],
    ),
    (
        "FEMA",
        "Federal Emergency Management Agency",
        "Office of External Affairs - Congressional Affairs Division",
        "https://www.fema.gov/",
        30,
        ["disaster_relief"],
    ),
    (
        "ED-FSA",
        "Department of Education - Federal Student Aid",
        "Office of Legislation and Congressional Affairs",
        "https://studentaid.gov/",
        30,
        ["student_loans"],
    ),
    (
        # The Postal Service is an independent establishment; its official site is usps.com.
        "USPS",
        "United States Postal Service",
        "Government Relations and Public Policy",
        "https://www.usps.com/",
        30,
        ["postal"],
    ),
    (
        "SBA",
        "Small Business Administration",
        "Office of Congressional and Legislative Affairs",
        "https://www.sba.gov/",
        30,
        ["small_business"],
    ),
]


def upgrade() -> None:
    op.bulk_insert(
        agencies,
        [
            {
                "code": code,
                "name": name,
                "liaison_office": liaison_office,
                "website_url": website_url,
                "typical_response_days": days,
            }
            for code, name, liaison_office, website_url, days, _ in DIRECTORY
        ],
    )
    op.bulk_insert(
        agency_categories,
        [
            {"category": category, "agency_code": code}
            for code, *_, categories in DIRECTORY
            for category in categories
        ],
    )


def downgrade() -> None:
    codes = [row[0] for row in DIRECTORY]
    op.execute(agency_categories.delete().where(agency_categories.c.agency_code.in_(codes)))
    op.execute(agencies.delete().where(agencies.c.code.in_(codes)))
