"""Metrics' migrations on SQLite and PostgreSQL: they build the schema the models describe,
moving to the append-only facts and back loses no count, adding case lifecycles and outcomes
keeps every earlier count, and the new office tables are behind the tenant wall."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, inspect, text

from services.chassis.fakes import incoming
from services.chassis.migrate import alembic_config, upgrade
from services.chassis.tenant_wall import roles_for
from services.chassis.tenant_wall.catalog import check_tenant_wall
from services.chassis.testing import ensure_test_roles, fresh_postgres_database, role_url
from services.contracts import CASE_ASSIGNED, CASE_CLOSED, SUBMISSION_RECEIVED
from services.metrics import handlers
from services.metrics.domain.caseload import CaseworkerLoad
from services.metrics.domain.office_stats import DailyCounts, OfficeCounts
from services.metrics.models import Base

from .database import MetricsDatabase, metrics_database
from .events import case_assigned, case_closed, submission_received

FIRST_REVISION = "6c447600c8f6"
LOPEZ = "rep-lopez"
MONDAY = date(2026, 11, 23)
NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


@pytest.fixture
def empty_url(empty_database: Callable[[str], str]) -> str:
    return empty_database("metrics")


@pytest.fixture
def engine(empty_url: str) -> Iterator[Engine]:
    engine = create_engine(empty_url)
    yield engine
    engine.dispose()


@pytest.fixture
def db(empty_url: str) -> Iterator[MetricsDatabase]:
    with metrics_database(empty_url) as db:
        yield db


def downgrade(url: str) -> None:
    command.downgrade(alembic_config("metrics", url), FIRST_REVISION)


def test_the_migrated_schema_is_the_one_the_models_describe(empty_url: str, engine: Engine) -> None:
    upgrade("metrics", empty_url)

    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_upgrading_keeps_the_daily_counts_and_caseloads_kept_before(
    empty_url: str, engine: Engine, db: MetricsDatabase
) -> None:
    upgrade("metrics", empty_url, revision=FIRST_REVISION)
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO office_daily_stats VALUES (:office, :day, 5, 4, 4, 3)"),
            {"office": LOPEZ, "day": MONDAY},
        )
        for case_id, caseworker_id in (("c-1", "u-1"), ("c-2", "u-1"), ("c-3", "u-2")):
            connection.execute(
                text("INSERT INTO case_assignments VALUES (:office, :case, :worker, :at)"),
                {"office": LOPEZ, "case": case_id, "worker": caseworker_id, "at": NOON},
            )
        connection.execute(
            text(
                "INSERT INTO caseworker_caseloads VALUES "
                "(:office, 'u-1', 'Ana Diaz', 2), (:office, 'u-2', 'Ben Okafor', 1)"
            ),
            {"office": LOPEZ},
        )

    upgrade("metrics", empty_url)

    assert handlers.office_counts(db, LOPEZ) == OfficeCounts(5, 4, 4, 3)
    assert handlers.caseload(db, LOPEZ) == [
        CaseworkerLoad("u-1", "Ana Diaz", 2),
        CaseworkerLoad("u-2", "Ben Okafor", 1),
    ]
    db.consume(
        incoming(
            SUBMISSION_RECEIVED, submission_received("s-9", NOON), office_id=LOPEZ, occurred_at=NOON
        ),
        handlers.record_submission_received,
    )
    assert handlers.office_daily(db, LOPEZ, days=1, today=MONDAY) == [
        DailyCounts(MONDAY, received=6, opened=4, assigned=4, acknowledged=3)
    ]


def test_downgrading_folds_the_facts_and_rebuilds_the_caseloads(
    empty_url: str, engine: Engine, db: MetricsDatabase
) -> None:
    upgrade("metrics", empty_url)
    for number in range(3):
        db.consume(
            incoming(
                SUBMISSION_RECEIVED,
                submission_received(f"s-{number}", NOON),
                office_id=LOPEZ,
                occurred_at=NOON,
            ),
            handlers.record_submission_received,
        )
    handlers.roll_up(db)  # some counts folded, some not
    for case_id, caseworker, name in (("c-1", "u-1", "Ana"), ("c-2", "u-1", "Ana Diaz")):
        db.consume(
            incoming(
                CASE_ASSIGNED,
                case_assigned(case_id, caseworker, name, NOON.replace(minute=int(case_id[-1]))),
                office_id=LOPEZ,
                occurred_at=NOON,
            ),
            handlers.record_case_assigned,
        )
    shown = (handlers.office_counts(db, LOPEZ), handlers.caseload(db, LOPEZ))

    downgrade(empty_url)

    with engine.connect() as connection:
        totals = connection.execute(text("SELECT * FROM office_daily_stats")).all()
        # SQLite gives the day back as text.
        assert [(office, str(day), *counts) for office, day, *counts in totals] == [
            (LOPEZ, MONDAY.isoformat(), 3, 0, 2, 0)
        ]
        assert connection.execute(text("SELECT * FROM caseworker_caseloads")).all() == [
            (LOPEZ, "u-1", "Ana Diaz", 2)
        ]
    upgrade("metrics", empty_url)
    assert (handlers.office_counts(db, LOPEZ), handlers.caseload(db, LOPEZ)) == shown


LIFECYCLE_REVISION = "c44fb10a1812"  # the one before case lifecycles and outcomes


def test_upgrading_to_lifecycles_and_outcomes_keeps_every_count_and_adds_closures(
    empty_url: str, engine: Engine, db: MetricsDatabase
) -> None:
    upgrade("metrics", empty_url, revision=LIFECYCLE_REVISION)
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO office_daily_stats VALUES (:office, :day, 5, 4, 4, 3)"),
            {"office": LOPEZ, "day": MONDAY},
        )
        connection.execute(
            text(
                "INSERT INTO office_event_facts (office_id, day, received, opened, assigned, "
                "acknowledged) VALUES (:office, :day, 1, 0, 0, 0)"
            ),
            {"office": LOPEZ, "day": MONDAY},
        )

    upgrade("metrics", empty_url)
    db.consume(
        incoming(
            CASE_CLOSED,
            case_closed("c-1", opened_at=NOON - timedelta(days=1), closed_at=NOON),
            office_id=LOPEZ,
            occurred_at=NOON,
        ),
        handlers.record_case_closed,
    )

    assert handlers.office_counts(db, LOPEZ) == OfficeCounts(
        6, 4, 4, 3, closures=1, seconds_to_close=86_400
    )
    assert handlers.office_report(db, LOPEZ).outcomes.closed == 1
    handlers.roll_up(db)
    assert handlers.office_daily(db, LOPEZ, days=1, today=MONDAY) == [
        DailyCounts(MONDAY, 6, 4, 4, 3, closures=1, seconds_to_close=86_400)
    ]


def test_downgrading_from_lifecycles_and_outcomes_keeps_the_earlier_counts(
    empty_url: str, engine: Engine, db: MetricsDatabase
) -> None:
    upgrade("metrics", empty_url)
    db.consume(
        incoming(
            SUBMISSION_RECEIVED, submission_received("s-1", NOON), office_id=LOPEZ, occurred_at=NOON
        ),
        handlers.record_submission_received,
    )
    db.consume(
        incoming(CASE_CLOSED, case_closed("c-1", closed_at=NOON), office_id=LOPEZ),
        handlers.record_case_closed,
    )

    command.downgrade(alembic_config("metrics", empty_url), LIFECYCLE_REVISION)

    with engine.connect() as connection:
        facts = connection.execute(
            text(
                "SELECT office_id, received, opened, assigned, acknowledged FROM office_event_facts"
            )
        ).all()
        assert facts == [(LOPEZ, 1, 0, 0, 0)]
        tables = set(inspect(connection).get_table_names())
    assert not tables & {"case_lifecycles", "case_outcomes", "case_outcome_obtained"}
    upgrade("metrics", empty_url)
    assert handlers.office_counts(db, LOPEZ) == OfficeCounts(received=1)


def test_the_migrations_wall_the_new_office_tables_as_the_owner_builds_them(
    db_backend: str,
) -> None:
    if db_backend != "postgresql":
        pytest.skip("row-level security is PostgreSQL's")
    ensure_test_roles("metrics")
    owner = roles_for("metrics").owner
    url = fresh_postgres_database(f"casework_test_metrics_walled_{os.getpid()}", owner)
    upgrade("metrics", role_url(url, owner))

    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            assert check_tenant_wall(connection, "metrics") == []
            walled = set(
                connection.execute(
                    text(
                        "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace "
                        "AND relrowsecurity AND relforcerowsecurity"
                    )
                ).scalars()
            )
        assert {"case_lifecycles", "case_outcomes", "case_outcome_obtained"} <= walled
    finally:
        engine.dispose()
