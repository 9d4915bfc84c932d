"""The tenant wall's narrow cross-office path: each service's platform role reads every
office's rows only of the tables `WALLS` grants it (the outbox relay's outbox everywhere,
metrics' roll-up, gateway's office list), and is refused the rest. Plus the settings that name
the three URLs."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, ProgrammingError
from sqlalchemy.orm import sessionmaker

from services.chassis.config import load_settings
from services.chassis.db import create_db_engine, new_metadata
from services.chassis.migrate import MIGRATED_SERVICES
from services.chassis.tenant_wall import WALLS, roles_for
from services.chassis.testing import role_url
from services.chassis.uow import DatabaseAccess, UnitOfWork

from .test_tenant_wall import (
    NOW,
    OFFICE_TABLES,
    count_by_office,
    engine_for,
    offices,
    seed_chassis_rows,
)

__all__ = ["offices"]  # a fixture


@pytest.mark.parametrize("service", MIGRATED_SERVICES)
def test_the_platform_role_crosses_offices_only_where_it_is_granted(
    walled_databases: dict[str, str], service: str, offices: tuple[str, str]
) -> None:
    url = walled_databases[service]
    seed_chassis_rows(url, offices)
    granted = WALLS[service].platform
    engine = engine_for(url, roles_for(service).platform)
    db = DatabaseAccess(
        sessionmaker(create_db_engine(role_url(url, roles_for(service).service))),
        new_metadata(),
        lambda: None,
        service=service,
        unit_of_work_type=UnitOfWork,
        platform_sessions=sessionmaker(engine),
    )
    with db.platform_work() as session:
        # The relay's path: every office's pending events, and marking them sent.
        assert count_by_office(session.connection(), "outbox", offices) == dict.fromkeys(offices, 2)
        session.execute(
            text("UPDATE outbox SET sent_at = now() WHERE office_id = :o"), {"o": offices[0]}
        )
        session.commit()
    with engine.connect() as connection:
        for table in sorted(OFFICE_TABLES[service] - set(granted)):
            with pytest.raises(ProgrammingError, match="permission denied"):
                connection.execute(text(f"SELECT office_id FROM {table}"))
            connection.rollback()
        with pytest.raises(ProgrammingError, match="permission denied"):
            connection.execute(text("INSERT INTO outbox (id) VALUES (0)"))
        connection.rollback()
    engine.dispose()


def test_the_metrics_roll_up_path_reads_every_office_s_facts_and_folds_them(
    walled_databases: dict[str, str], offices: tuple[str, str]
) -> None:
    url = walled_databases["metrics"]
    admin = engine_for(url)
    with admin.begin() as connection:
        for office in offices:
            connection.execute(
                text(
                    "INSERT INTO office_event_facts (office_id, day, received, opened, assigned, "
                    "acknowledged) VALUES (:office, '2026-11-23', 1, 0, 0, 0)"
                ),
                {"office": office},
            )
    admin.dispose()
    platform = engine_for(url, "casework_metrics_platform")
    with platform.begin() as connection:
        folded = connection.execute(
            text(
                "DELETE FROM office_event_facts WHERE office_id IN (:a, :b) "
                "RETURNING office_id, day, received"
            ),
            {"a": offices[0], "b": offices[1]},
        ).all()
        assert sorted(office for office, _, _ in folded) == sorted(offices)
        for office, day, received in folded:
            connection.execute(
                text(
                    "INSERT INTO office_daily_stats VALUES (:office, :day, :received, 0, 0, 0) "
                    "ON CONFLICT (office_id, day) DO UPDATE SET received = "
                    "office_daily_stats.received + excluded.received"
                ),
                {"office": office, "day": day, "received": received},
            )
        assert count_by_office(connection, "office_daily_stats", offices) == dict.fromkeys(
            offices, 1
        )
        assert count_by_office(connection, "acknowledgement_timings", offices) == {}
    with platform.connect() as connection, pytest.raises(DBAPIError, match="permission denied"):
        connection.execute(text("SELECT * FROM case_assignments"))
    platform.dispose()


def test_the_gateway_platform_path_counts_staff_without_reading_them(
    walled_databases: dict[str, str], offices: tuple[str, str]
) -> None:
    url = walled_databases["gateway"]
    admin = engine_for(url)
    with admin.begin() as connection:
        for office in offices:
            connection.execute(
                text("INSERT INTO offices VALUES (:office, 'Office', 'a@example.gov', :now)"),
                {"office": office, "now": NOW},
            )
            connection.execute(
                text(
                    "INSERT INTO users (id, office_id, display_name, email, role, active, "
                    "created_at) VALUES (:id, :office, 'Sam', 'sam@example.gov', 'caseworker', "
                    "true, :now)"
                ),
                {"id": str(uuid.uuid4()), "office": office, "now": NOW},
            )
    admin.dispose()
    platform = engine_for(url, "casework_gateway_platform")
    with platform.connect() as connection:
        assert count_by_office(connection, "offices", offices) == dict.fromkeys(offices, 1)
        assert count_by_office(connection, "users", offices) == dict.fromkeys(offices, 1)
        for column in ("email", "display_name", "password_hash"):
            with pytest.raises(ProgrammingError, match="permission denied"):
                connection.execute(text(f"SELECT {column} FROM users"))
            connection.rollback()
    platform.dispose()


# Settings ----------------------------------------------------------------------------------


def test_the_platform_and_migration_urls_default_to_the_service_s_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for suffix in ("DATABASE_URL", "PLATFORM_DATABASE_URL", "MIGRATION_DATABASE_URL"):
        monkeypatch.delenv(f"CASEWORK_CASES_{suffix}", raising=False)
    settings = load_settings("cases")
    assert (
        settings.platform_database_url
        == settings.migration_database_url
        == ("sqlite:///var/cases.db")
    )
    monkeypatch.setenv("CASEWORK_CASES_DATABASE_URL", "postgresql://casework_cases@db/cases")
    monkeypatch.setenv("CASEWORK_CASES_PLATFORM_DATABASE_URL", "postgresql://p@db/cases")
    monkeypatch.setenv("CASEWORK_CASES_MIGRATION_DATABASE_URL", "postgresql://o@db/cases")
    settings = load_settings("cases")
    assert settings.database_url == "postgresql://casework_cases@db/cases"
    assert settings.platform_database_url == "postgresql://p@db/cases"
    assert settings.migration_database_url == "postgresql://o@db/cases"
