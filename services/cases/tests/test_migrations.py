"""Cases' migrations on SQLite and PostgreSQL: the lifecycle revision keeps existing cases
(with defaults), the routing revision keeps the roster (active, no specialties), the migrated
schema is the models', and on PostgreSQL the audit log is append-only for every role."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from services.cases.models import Base
from services.chassis.migrate import alembic_config, upgrade
from services.chassis.tenant import TENANT_SETTING
from services.chassis.tenant_wall.catalog import check_tenant_wall
from services.chassis.testing import role_url

BEFORE_LIFECYCLE = "f93f340456fd"
BEFORE_ROUTING = "3b7e9d2a41c6"
OPENED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def test_existing_cases_keep_their_status_and_get_the_lifecycles_defaults(
    empty_database: Callable[[str], str],
) -> None:
    url = empty_database("cases")
    upgrade("cases", url, revision=BEFORE_LIFECYCLE)
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"SELECT set_config('{TENANT_SETTING}', 'rep-lopez', true)"))
        for number, urgent in ((1, True), (2, False)):
            case_id = str(uuid.uuid4())
            connection.execute(
                text(
                    "INSERT INTO cases (id, office_id, reference, submission_id, tracking_code, "
                    "constituent_id, constituent_name, subject, category, urgent, status, "
                    "opened_at) VALUES (:id, 'rep-lopez', :reference, :id, 'K7QX-M2PD', :id, "
                    "'Maria Lopez', 'Benefit delayed', 'social_security', :urgent, 'open', :at)"
                ),
                {
                    "id": case_id,
                    "reference": f"CW-2026-00000{number}",
                    "urgent": urgent,
                    "at": OPENED,
                },
            )
            connection.execute(
                text(
                    "INSERT INTO case_timeline (office_id, case_id, at, kind, summary) "
                    "VALUES ('rep-lopez', :id, :at, 'opened', 'Case opened')"
                ),
                {"id": case_id, "at": OPENED},
            )

    upgrade("cases", url)

    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"SELECT set_config('{TENANT_SETTING}', 'rep-lopez', false)"))
        cases = connection.execute(
            text(
                "SELECT reference, status, priority, tags, due_on, preferred_language, "
                "outcome_result FROM cases ORDER BY reference"
            )
        ).all()
        notes = connection.execute(
            text("SELECT visibility, author_id, body FROM case_timeline")
        ).all()
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    assert [tuple(row) for row in cases] == [
        ("CW-2026-000001", "open", "urgent", "[]", None, "en", None),
        ("CW-2026-000002", "open", "normal", "[]", None, "en", None),
    ]
    assert [tuple(row) for row in notes] == [("internal", None, None)] * 2

    command.downgrade(alembic_config("cases", url), BEFORE_LIFECYCLE)
    upgrade("cases", url)
    engine.dispose()


def test_existing_staff_stay_active_with_no_specialties_and_keep_their_turns(
    empty_database: Callable[[str], str],
) -> None:
    url = empty_database("cases")
    upgrade("cases", url, revision=BEFORE_ROUTING)
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"SELECT set_config('{TENANT_SETTING}', 'rep-lopez', true)"))
        connection.execute(
            text(
                "INSERT INTO staff_members (office_id, user_id, display_name, role, updated_at, "
                "last_assigned_at) VALUES ('rep-lopez', 'u-3', 'Sam Rivera', 'caseworker', "
                ":at, :at)"
            ),
            {"at": OPENED},
        )

    upgrade("cases", url)

    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"SELECT set_config('{TENANT_SETTING}', 'rep-lopez', false)"))
        staff = connection.execute(
            text("SELECT user_id, active, specialties, last_assigned_at FROM staff_members")
        ).all()
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    [(user_id, active, specialties, last_assigned_at)] = staff
    assert (user_id, bool(active), specialties) == ("u-3", True, "[]")
    assert last_assigned_at is not None

    command.downgrade(alembic_config("cases", url), BEFORE_ROUTING)
    upgrade("cases", url)
    engine.dispose()


def test_the_audit_log_is_append_only_for_the_service_and_its_owner(
    walled_databases: dict[str, str],
) -> None:
    url = walled_databases["cases"]
    service = create_engine(role_url(url, "casework_cases"), poolclass=NullPool)
    owner = create_engine(role_url(url, "casework_cases_owner"), poolclass=NullPool)
    tenant = text(f"SELECT set_config('{TENANT_SETTING}', 'rep-append', false)")
    with service.begin() as connection:
        connection.execute(tenant)
        connection.execute(
            text(
                "INSERT INTO audit_log (office_id, actor, action, subject_type, subject_id, "
                "occurred_at) VALUES ('rep-append', 'u-3', 'case.viewed', 'case', 'c-1', now())"
            )
        )
    # The service role lacks the privilege; the owner has it, and the trigger stops it.
    for engine, why in ((service, "permission denied"), (owner, "audit_log is append-only")):
        for change in (
            "UPDATE audit_log SET actor = 'someone else'",
            "DELETE FROM audit_log",
        ):
            with engine.connect() as connection, pytest.raises(DBAPIError) as refused:
                connection.execute(tenant)
                connection.execute(text(change))
            assert why in str(refused.value)
    with service.connect() as connection:
        connection.execute(tenant)
        actors = connection.execute(text("SELECT actor FROM audit_log")).scalars().all()
    assert actors == ["u-3"]
    admin = create_engine(url, poolclass=NullPool)
    with admin.connect() as connection:
        # The catalog check knows the audit log is append-only: no privilege missing or extra.
        assert check_tenant_wall(connection, "cases") == []
        connection.execute(text("DROP TRIGGER audit_log_append_only ON audit_log"))
        assert check_tenant_wall(connection, "cases") == [
            "audit_log: no trigger refusing UPDATE and DELETE (append-only)"
        ]
        connection.rollback()
    admin.dispose()
    service.dispose()
    owner.dispose()
