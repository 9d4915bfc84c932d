"""Gateway's migrations on SQLite and PostgreSQL build the schema the models describe (the
chassis tables included) and roll back to an empty database."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect

from services.chassis.migrate import alembic_config, upgrade
from services.gateway.models import Base


@pytest.fixture
def empty_url(empty_database: Callable[[str], str]) -> str:
    return empty_database("gateway")


@pytest.fixture
def engine(empty_url: str) -> Iterator[Engine]:
    engine = create_engine(empty_url)
    yield engine
    engine.dispose()


def test_the_migrated_schema_is_the_one_the_models_describe(empty_url: str, engine: Engine) -> None:
    upgrade("gateway", empty_url)

    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_the_history_rolls_back_to_an_empty_database_and_forward_again(
    empty_url: str, engine: Engine
) -> None:
    upgrade("gateway", empty_url)

    command.downgrade(alembic_config("gateway", empty_url), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}

    upgrade("gateway", empty_url)
    assert {"offices", "users", "outbox", "inbox", "audit_log"} <= set(
        inspect(engine).get_table_names()
    )
