"""Notify's Alembic history on SQLite and PostgreSQL: it builds exactly the tables the service
declares (its own and the chassis outbox, inbox and audit log) and takes them down again, the
deliveries already made keep their idempotency key when status codes arrive, contact
preferences arrive beside the deliveries already made, each constituent's row once, and an
office's wording saved before texts could be worded keeps the default text."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, create_engine, inspect, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import NullPool

from services.chassis.migrate import alembic_config, upgrade
from services.chassis.tenant import TENANT_SETTING
from services.notify.models import metadata


@pytest.fixture
def empty_url(empty_database: Callable[[str], str]) -> str:
    return empty_database("notify")


def test_the_migrations_build_what_the_service_declares_and_take_it_down(empty_url: str) -> None:
    upgrade("notify", empty_url)
    engine = create_engine(empty_url)
    try:
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), metadata)
            tables = set(inspect(connection).get_table_names())
        assert differences == []
        assert tables - {"alembic_version"} == {
            "outbox",
            "inbox",
            "audit_log",
            "offices",
            "recipients",
            "opened_cases",
            "deliveries",
            "reminders",
            "staff",
            "case_assignees",
            "staff_notifications",
            "message_wording",
            "contact_preferences",
            "text_opt_outs",
        }

        command.downgrade(alembic_config("notify", empty_url), "base")
        with engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()


BEFORE_STATUS_CODES = "25f4fb3837b2"
COLUMNS = "delivery_id, office_id, submission_id, case_id, kind, channel, status, attempts"
VALUES = ":delivery_id, 'rep-lopez', 'sub-1', :case_id, :kind, 'email', 'sent', 1"
NOON = "'2026-11-23 14:05:00+00:00'"
DELIVERY_BEFORE = f"INSERT INTO deliveries ({COLUMNS}, created_at) VALUES ({VALUES}, {NOON})"
DELIVERY = (
    f"INSERT INTO deliveries ({COLUMNS}, occasion_id, created_at) "
    f"VALUES ({VALUES}, :occasion_id, {NOON})"
)


def _as_office(connection: Connection) -> None:
    """Row-level security holds every role but a superuser: act as the one office."""
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"SELECT set_config('{TENANT_SETTING}', 'rep-lopez', false)"))


def test_an_acknowledgement_sent_before_status_codes_keeps_its_key_and_is_never_sent_again(
    empty_url: str,
) -> None:
    upgrade("notify", empty_url, BEFORE_STATUS_CODES)
    engine = create_engine(empty_url, poolclass=NullPool)
    acknowledgement = {"case_id": "case-1", "kind": "acknowledgement"}
    try:
        with engine.begin() as connection:
            _as_office(connection)
            connection.execute(text(DELIVERY_BEFORE), {"delivery_id": "d-1", **acknowledgement})

        upgrade("notify", empty_url)

        with engine.begin() as connection:
            _as_office(connection)
            kept = connection.execute(text("SELECT occasion_id, kind FROM deliveries")).all()
            assert [tuple(row) for row in kept] == [("sub-1", "acknowledgement")]
            # Two codes for the same submission, asked for before its case was opened.
            for request in ("evt-1", "evt-2"):
                code = {"case_id": None, "kind": "status_code", "occasion_id": request}
                connection.execute(text(DELIVERY), {"delivery_id": request, **code})
        with pytest.raises(IntegrityError), engine.begin() as connection:
            _as_office(connection)
            again = {"delivery_id": "d-2", "occasion_id": "sub-1", **acknowledgement}
            connection.execute(text(DELIVERY), again)

        command.downgrade(alembic_config("notify", empty_url), BEFORE_STATUS_CODES)

        with engine.begin() as connection:
            _as_office(connection)
            left = connection.execute(text("SELECT delivery_id FROM deliveries")).scalars().all()
        assert left == ["d-1"], "the codes go: the older key could not hold them"
    finally:
        engine.dispose()


BEFORE_CONTACT_PREFERENCES = "e4b8d2a6c9f1"
PREFERENCE = (
    "INSERT INTO contact_preferences (office_id, constituent_id, unsubscribe_token) "
    "VALUES ('rep-lopez', :constituent_id, :token)"
)


def test_contact_preferences_arrive_one_row_per_constituent_taking_email_until_told(
    empty_url: str,
) -> None:
    upgrade("notify", empty_url, BEFORE_CONTACT_PREFERENCES)
    engine = create_engine(empty_url, poolclass=NullPool)
    sent = {"delivery_id": "d-1", "case_id": "case-1", "kind": "acknowledgement"}
    try:
        with engine.begin() as connection:
            _as_office(connection)
            connection.execute(text(DELIVERY), {**sent, "occasion_id": "sub-1"})

        upgrade("notify", empty_url)

        with engine.begin() as connection:
            _as_office(connection)
            connection.execute(text(PREFERENCE), {"constituent_id": "c-1", "token": "t-1"})
            row = connection.execute(
                text("SELECT email_opted_out, changed_at FROM contact_preferences")
            ).one()
            assert (bool(row.email_opted_out), row.changed_at) == (False, None)
            assert connection.execute(text("SELECT count(*) FROM deliveries")).scalar() == 1
        with pytest.raises(IntegrityError), engine.begin() as connection:
            _as_office(connection)
            connection.execute(text(PREFERENCE), {"constituent_id": "c-1", "token": "t-2"})

        command.downgrade(alembic_config("notify", empty_url), BEFORE_CONTACT_PREFERENCES)

        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
        assert "contact_preferences" not in tables and "deliveries" in tables
    finally:
        engine.dispose()


BEFORE_WORDED_TEXTS = "d2f6a8c4e1b9"
WORDING = (
    "INSERT INTO message_wording (office_id, message, language, subject, body, updated_at, "
    f"updated_by) VALUES ('rep-lopez', 'closure', 'en', 'Closed', '{{{{ result }}}}', {NOON}, 'a')"
)


def test_a_wording_saved_before_texts_were_worded_keeps_the_default_text(empty_url: str) -> None:
    upgrade("notify", empty_url, BEFORE_WORDED_TEXTS)
    engine = create_engine(empty_url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            _as_office(connection)
            connection.execute(text(WORDING))

        upgrade("notify", empty_url)

        with engine.begin() as connection:
            _as_office(connection)
            row = connection.execute(text("SELECT subject, text FROM message_wording")).one()
            assert tuple(row) == ("Closed", None)

        command.downgrade(alembic_config("notify", empty_url), BEFORE_WORDED_TEXTS)

        with engine.begin() as connection:
            _as_office(connection)
            columns = {c["name"] for c in inspect(connection).get_columns("message_wording")}
            kept = connection.execute(text("SELECT subject FROM message_wording")).scalars().all()
        assert "text" not in columns and kept == ["Closed"]
    finally:
        engine.dispose()
