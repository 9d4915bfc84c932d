"""Intake's migrations on SQLite and PostgreSQL: they build the schema the models describe,
and a submission stored before fingerprints were kept survives the upgrade (and its retry
still gets its receipt)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.orm import sessionmaker

from services.chassis.migrate import alembic_config, upgrade
from services.chassis.uow import DatabaseAccess
from services.intake.domain.submissions import Idempotency
from services.intake.models import Base
from services.intake.uow import IntakeUnitOfWork

FIRST_REVISION = "bcc12be136dd"
SURVEYS_REVISION = "4f8b2d6e1a93"
LOPEZ = "rep-lopez"
NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def empty_url(empty_database: Callable[[str], str]) -> str:
    return empty_database("intake")


@pytest.fixture
def engine(empty_url: str) -> Iterator[Engine]:
    engine = create_engine(empty_url)
    yield engine
    engine.dispose()


def test_the_migrated_schema_is_the_one_the_models_describe(empty_url: str, engine: Engine) -> None:
    upgrade("intake", empty_url)

    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_a_submission_kept_before_fingerprints_survives_and_its_retry_is_answered(
    empty_url: str, engine: Engine
) -> None:
    upgrade("intake", empty_url, revision=FIRST_REVISION)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO constituents (id, office_id, first_name, last_name, "
                "preferred_language, created_at) VALUES ('c-1', :office, 'Maria', 'Lopez', "
                "'en', :at)"
            ),
            {"office": LOPEZ, "at": NOON},
        )
        connection.execute(
            text(
                "INSERT INTO submissions (id, office_id, tracking_code, constituent_id, channel, "
                "category, subject, description, urgent, idempotency_key, received_at) VALUES "
                "('s-1', :office, 'ABCD-EFGH', 'c-1', 'web', 'medicare', 'Card', 'Lost', "
                ":urgent, 'portal-4f1c9a7e', :at)"
            ),
            {"office": LOPEZ, "at": NOON, "urgent": False},
        )

    upgrade("intake", empty_url)

    db = DatabaseAccess(
        sessionmaker(engine),
        Base.metadata,
        on_events=lambda: None,
        service="intake",
        unit_of_work_type=IntakeUnitOfWork,
    )
    with db.unit_of_work(office_id=LOPEZ) as uow:
        earlier = uow.submissions.with_idempotency_key("portal-4f1c9a7e")
    assert earlier is not None and earlier.request_fingerprint is None
    receipt = earlier.replayed_for(Idempotency.of("portal-4f1c9a7e", {"any": "body"}))
    assert receipt.tracking_code == "ABCD-EFGH"


def test_downgrading_to_the_first_revision_drops_only_the_fingerprint(
    empty_url: str, engine: Engine
) -> None:
    upgrade("intake", empty_url)

    command.downgrade(alembic_config("intake", empty_url), FIRST_REVISION)

    columns = {column["name"] for column in inspect(engine).get_columns("submissions")}
    assert "request_fingerprint" not in columns and "idempotency_key" in columns
    assert {"outbox", "inbox", "audit_log"} <= set(inspect(engine).get_table_names())
    command.downgrade(alembic_config("intake", empty_url), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}


def test_constituents_kept_before_unsubscribe_links_take_email_and_the_downgrade_drops_only_that(
    empty_url: str, engine: Engine
) -> None:
    upgrade("intake", empty_url, revision=SURVEYS_REVISION)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO constituents (id, office_id, first_name, last_name, "
                "preferred_language, preferred_channel, created_at) VALUES ('c-1', :office, "
                "'Maria', 'Lopez', 'es', 'email', :at)"
            ),
            {"office": LOPEZ, "at": NOON},
        )

    upgrade("intake", empty_url)

    assert "unsubscribe_links" in inspect(engine).get_table_names()
    db = DatabaseAccess(
        sessionmaker(engine),
        Base.metadata,
        on_events=lambda: None,
        service="intake",
        unit_of_work_type=IntakeUnitOfWork,
    )
    with db.unit_of_work(office_id=LOPEZ) as uow:
        preferences = uow.unsubscribe.preferences("c-1")
    assert preferences is not None
    assert (preferences.email_opted_out, preferences.language) == (False, "es")

    command.downgrade(alembic_config("intake", empty_url), SURVEYS_REVISION)

    columns = {column["name"] for column in inspect(engine).get_columns("constituents")}
    assert "email_opted_out_at" not in columns and "preferred_channel" in columns
    tables = set(inspect(engine).get_table_names())
    assert "unsubscribe_links" not in tables and "surveys" in tables
    with engine.connect() as connection:
        kept = connection.execute(text("SELECT id, preferred_language FROM constituents")).all()
    assert [tuple(row) for row in kept] == [("c-1", "es")]
    upgrade("intake", empty_url)  # and up again
    assert "unsubscribe_links" in inspect(engine).get_table_names()
