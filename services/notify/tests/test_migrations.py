"""Notify's Alembic history on SQLite and PostgreSQL: it builds exactly the tables the service
declares (its own and the chassis outbox, inbox and audit log) and takes them down again."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from services.chassis.migrate import alembic_config, upgrade
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
        }

        command.downgrade(alembic_config("notify", empty_url), "base")
        with engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
    finally:
        engine.dispose()
