"""Agencies' migrations on SQLite and PostgreSQL: the federal directory they seed, the schema
the models describe (the chassis tables included), and rolling back."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from services.agencies.domain.directory import CATEGORIES
from services.agencies.models import Agency, AgencyCategory, Base
from services.agencies.tests.conftest import SEEDED_CODES, count_rows
from services.chassis.migrate import alembic_config, upgrade

FIRST_REVISION = "eaf8e642afeb"


def test_the_migration_seeds_the_federal_agency_directory(engine: Engine) -> None:
    with Session(engine) as session:
        agencies = {agency.code: agency for agency in session.scalars(select(Agency))}
        routed = {
            category: code
            for category, code in session.execute(
                select(AgencyCategory.category, AgencyCategory.agency_code)
            )
        }

    assert set(agencies) >= SEEDED_CODES
    assert agencies["SSA"].name == "Social Security Administration"
    assert agencies["IRS"].liaison_office == "Taxpayer Advocate Service"
    assert agencies["VA"].response_days == 30
    assert (agencies["SSA"].response_days, agencies["SSA"].day_basis) == (20, "calendar")
    assert agencies["SSA"].interim_every_days == 30
    assert (agencies["IRS"].response_days, agencies["IRS"].day_basis) == (20, "business")
    assert agencies["USCIS"].signature_rule == "wet_only"
    assert all(agency.active for agency in agencies.values())
    assert agencies["DOS-PPT"].website_url == "https://travel.state.gov/"
    assert all(agency.website_url.startswith("https://") for agency in agencies.values())
    assert all(agency.liaison_office for agency in agencies.values())
    assert set(routed) == set(CATEGORIES) - {"other"}
    assert routed["medicare"] == routed["medicaid"] == "CMS"
    assert routed["student_loans"] == "ED-FSA"


def test_the_migrated_schema_is_the_one_the_models_describe(engine: Engine) -> None:
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_the_directory_seed_rolls_back_and_reapplies(migrated_url: str, engine: Engine) -> None:
    command.downgrade(alembic_config("agencies", migrated_url), FIRST_REVISION)
    assert count_rows(engine, "agencies") == count_rows(engine, "agency_categories") == 0

    upgrade("agencies", migrated_url)
    assert count_rows(engine, "agencies") == len(SEEDED_CODES)


def test_the_whole_history_rolls_back_to_an_empty_database(
    migrated_url: str, engine: Engine
) -> None:
    command.downgrade(alembic_config("agencies", migrated_url), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}

    upgrade("agencies", migrated_url)
    assert (
        count_rows(engine, "outbox")
        == count_rows(engine, "inbox")
        == count_rows(engine, "audit_log")
        == 0
    )
