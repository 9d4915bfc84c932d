"""The PostgreSQL tenant wall on the six services' real databases, built by their own Alembic
migrations run as each service's owner role: the catalog holds forced row-level security and
the tenant policy on every office table, the service role cannot bypass it, interleaved units
of work of two offices over a pool of two connections never read each other's rows, a session
without a tenant sees nothing, and the platform role crosses offices only where it is granted.
"""

from __future__ import annotations

import contextlib
import os
import random
import uuid
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import eventlet
import pytest
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import NullPool

from services.chassis.db import create_db_engine, new_metadata
from services.chassis.fakes import incoming
from services.chassis.migrate import MIGRATED_SERVICES, alembic_config, at_head, upgrade
from services.chassis.tenant_wall import roles_for
from services.chassis.tenant_wall.catalog import check_tenant_wall
from services.chassis.testing import (
    fresh_postgres_database,
    role_url,
)
from services.chassis.uow import DatabaseAccess, UnitOfWork
from services.contracts import STAFF_MEMBER_ADDED

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
# An independent oracle: the tables each service's models give an office_id, read from the
# models by hand (the chassis outbox and audit log in every service; inbox has none).
OFFICE_TABLES = {
    "intake": {
        "audit_log",
        "outbox",
        "offices",
        "constituents",
        "submissions",
        "privacy_releases",
        "attachments",
        "office_keys",
        "release_texts",
        "public_cases",
        "public_updates",
        "status_codes",
        "surveys",
        "unsubscribe_links",
        "text_replies",
    },
    "cases": {
        "audit_log",
        "outbox",
        "cases",
        "case_timeline",
        "staff_members",
        "pending_assignments",
        "case_reference_counters",
        "privacy_releases",
        "case_attachments",
        "agency_inquiries",
    },
    "agencies": {
        "audit_log",
        "outbox",
        "liaison_contacts",
        "agency_suggestions",
        "partner_organisations",
        "office_liaison_settings",
        "agency_overrides",
        "letter_templates",
        "privacy_releases",
        "case_projections",
        "inquiries",
        "inquiry_replies",
        "referrals",
    },
    "notify": {
        "audit_log",
        "outbox",
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
    },
    "metrics": {
        "audit_log",
        "outbox",
        "office_event_facts",
        "office_daily_stats",
        "case_assignments",
        "acknowledgement_timings",
        "case_lifecycles",
        "case_outcomes",
        "case_outcome_obtained",
        "satisfaction_ratings",
    },
    "gateway": {"audit_log", "outbox", "offices", "users", "staff_sessions", "api_tokens"},
}


def engine_for(url: str, role: str | None = None) -> Engine:
    return create_engine(role_url(url, role) if role else url, poolclass=NullPool)


@pytest.fixture
def offices() -> tuple[str, str]:
    """Two offices no other test writes for."""
    suffix = uuid.uuid4().hex[:8]
    return f"rep-wall-a-{suffix}", f"rep-wall-b-{suffix}"


def seed_chassis_rows(url: str, office_ids: tuple[str, ...], per_office: int = 2) -> None:
    """Outbox and audit rows of each office, written past the wall (as the administrator)."""
    engine = engine_for(url)
    with engine.begin() as connection:
        for office in office_ids:
            for _ in range(per_office):
                connection.execute(
                    text(
                        "INSERT INTO outbox (event_id, event_type, schema_version, office_id, "
                        "occurred_at, correlation_id, payload, attempts) VALUES (:event, "
                        "'cases.case_opened', 1, :office, :now, 'corr', '{}', 0)"
                    ),
                    {"event": str(uuid.uuid4()), "office": office, "now": NOW},
                )
                connection.execute(
                    text(
                        "INSERT INTO audit_log (office_id, actor, action, subject_type, "
                        "subject_id, occurred_at) VALUES (:office, 'test', 'read', 'case', "
                        "'c-1', :now)"
                    ),
                    {"office": office, "now": NOW},
                )
    engine.dispose()


def cases_access(engine: Engine) -> DatabaseAccess[UnitOfWork]:
    """Units of work over the chassis tables of the cases database, as the service's role."""
    return DatabaseAccess(
        sessionmaker(engine, expire_on_commit=False),
        new_metadata(),
        lambda: None,
        service="cases",
        unit_of_work_type=UnitOfWork,
    )


def count_by_office(
    connection: Connection, table: str, office_ids: tuple[str, ...]
) -> Counter[str]:
    rows = connection.execute(text(f"SELECT office_id FROM {table}")).scalars()
    return Counter(office for office in rows if office in office_ids)


# (a) The catalog --------------------------------------------------------------------------


@pytest.mark.parametrize("service", MIGRATED_SERVICES)
def test_every_office_table_has_forced_row_level_security_and_the_tenant_policy(
    walled_databases: dict[str, str], service: str
) -> None:
    engine = engine_for(walled_databases[service])
    with engine.connect() as connection:
        assert check_tenant_wall(connection, service) == []
        # The same facts read without the chassis' own check, against the tables by hand.
        office = set(
            connection.execute(
                text(
                    "SELECT table_name FROM information_schema.columns WHERE "
                    "table_schema = 'public' AND column_name = 'office_id'"
                )
            ).scalars()
        )
        assert office == OFFICE_TABLES[service]
        flags = {
            name: (rls, forced)
            for name, rls, forced in connection.execute(
                text(
                    "SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class "
                    "WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'"
                )
            )
        }
        assert all(flags[table] == (True, True) for table in office)
        assert flags["inbox"] == (False, False)
        tenant = {
            table
            for table, qual, check in connection.execute(
                text(
                    "SELECT tablename, qual, with_check FROM pg_policies "
                    "WHERE policyname = 'tenant_isolation' AND roles = '{public}'"
                )
            )
            if "current_setting('casework.office_id'" in qual
            and "current_setting('casework.office_id'" in check
        }
        assert tenant == office
        roles = roles_for(service)
        for role in (roles.service, roles.platform):
            superuser, bypass, owned = connection.execute(
                text(
                    "SELECT rolsuper, rolbypassrls, (SELECT count(*) FROM pg_class "
                    "WHERE relowner = r.oid) FROM pg_roles r WHERE rolname = :role"
                ),
                {"role": role},
            ).one()
            assert (superuser, bypass, owned) == (False, False, 0)
    engine.dispose()


GAPS = {
    "not forced": "ALTER TABLE cases NO FORCE ROW LEVEL SECURITY",
    "not enabled": "ALTER TABLE cases DISABLE ROW LEVEL SECURITY",
    "no tenant policy": "DROP POLICY tenant_isolation ON cases",
    "a policy letting everyone in": "CREATE POLICY open_door ON cases USING (true)",
    "a tenant policy widened": (
        "DROP POLICY tenant_isolation ON cases; CREATE POLICY tenant_isolation ON cases "
        "USING (office_id = current_setting('casework.office_id', true) OR true)"
    ),
    "platform policy on a table not granted": (
        "CREATE POLICY platform_access ON cases TO casework_cases_platform USING (true)"
    ),
    "a new office table left open": "CREATE TABLE notes (id int, office_id varchar(64))",
    "superuser service role": "ALTER ROLE casework_cases SUPERUSER",
    "service role with BYPASSRLS": "ALTER ROLE casework_cases BYPASSRLS",
    "service role owning a table": "ALTER TABLE staff_members OWNER TO casework_cases",
    "service role in the owner's group": "GRANT casework_cases_owner TO casework_cases",
    "service role may TRUNCATE": "GRANT TRUNCATE ON cases TO casework_cases",
    "platform role reading cases": "GRANT SELECT ON cases TO casework_cases_platform",
    "platform role without the outbox": "REVOKE UPDATE ON outbox FROM casework_cases_platform",
}


@pytest.mark.parametrize("gap", GAPS)
def test_the_catalog_check_finds_each_gap_in_the_wall(
    walled_databases: dict[str, str], gap: str
) -> None:
    engine = engine_for(walled_databases["cases"])
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            connection.execute(text(GAPS[gap]))
            assert check_tenant_wall(connection, "cases") != []
        finally:
            transaction.rollback()
        assert check_tenant_wall(connection, "cases") == []
    engine.dispose()


def test_the_wall_comes_down_with_its_revision_and_goes_back_up(
    walled_databases: dict[str, str],
) -> None:
    from alembic import command

    url = fresh_postgres_database(f"casework_test_wall_down_{os.getpid()}", "casework_notify_owner")
    owner = role_url(url, "casework_notify_owner")
    upgrade("notify", owner)
    # Down to just below the tenant-wall revision (later revisions sit on top of it).
    command.downgrade(alembic_config("notify", owner), "bd4e654e218c")
    engine = engine_for(url)
    with engine.connect() as connection:
        assert "outbox: row-level security is not forced (its owner is not held)" in (
            check_tenant_wall(connection, "notify")
        )
    upgrade("notify", owner)
    with engine.connect() as connection:
        assert check_tenant_wall(connection, "notify") == []
    engine.dispose()
    assert at_head("notify", role_url(url, "casework_notify"))


# (b) Interleaved units of work -------------------------------------------------------------


def test_a_thousand_interleaved_requests_of_two_offices_over_two_connections_never_cross(
    walled_databases: dict[str, str], offices: tuple[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = walled_databases["cases"]
    seed_chassis_rows(url, offices)
    admin = engine_for(url)
    with admin.begin() as connection:
        for office in offices:
            for number in range(3):
                connection.execute(
                    text(
                        "INSERT INTO staff_members (office_id, user_id, display_name, role, "
                        "updated_at) VALUES (:office, :user, 'Sam Rivera', 'caseworker', :now)"
                    ),
                    {"office": office, "user": f"u-{number}", "now": NOW},
                )
        # The oracle: past the wall, an unfiltered read does see both offices.
        assert count_by_office(connection, "staff_members", offices) == dict.fromkeys(offices, 3)
    admin.dispose()

    monkeypatch.setenv("CASEWORK_DB_MAX_OVERFLOW", "0")
    engine = create_db_engine(role_url(url, "casework_cases"), pool_size=2)
    db = cases_access(engine)
    crossed: list[tuple[str, str]] = []
    own_rows: Counter[str] = Counter()
    audited: Counter[str] = Counter()
    connections: dict[int, set[str]] = {}

    def request(number: int, office: str) -> None:
        with db.unit_of_work(office_id=office) as uow:
            backend = uow.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
            connections.setdefault(backend, set()).add(office)
            for table in ("staff_members", "outbox", "audit_log", "cases"):
                # Deliberately unfiltered: only the wall keeps the other office out.
                for (seen,) in uow.session.execute(text(f"SELECT office_id FROM {table}")):
                    if seen != office:
                        crossed.append((office, seen))
                    elif table == "staff_members":
                        own_rows[office] += 1
            eventlet.sleep(0)  # let the other office's request take its turn mid-transaction
            if number % 10 == 0:
                uow.audit("read", "case", f"c-{number}")
                uow.commit()
                audited[office] += 1
                # A new transaction on the same session sets the tenant again.
                for (seen,) in uow.session.execute(text("SELECT office_id FROM audit_log")):
                    if seen != office:
                        crossed.append((office, seen))
            if number % 7 == 0:
                raise LookupError("a request that fails half way")

    interleaving = random.Random(5)  # the same order every run
    sequence = [interleaving.choice(offices) for _ in range(1000)]

    def attempt(item: tuple[int, str]) -> None:
        with contextlib.suppress(LookupError):
            request(*item)

    pool = eventlet.GreenPool(6)
    list(pool.imap(attempt, enumerate(sequence)))
    engine.dispose()

    assert crossed == []
    assert own_rows == {office: 3 * sequence.count(office) for office in offices}
    assert len(connections) <= 2
    assert any(len(served) == 2 for served in connections.values()), "no connection was shared"
    admin = engine_for(url)
    with admin.connect() as connection:
        written = count_by_office(connection, "audit_log", offices)
    admin.dispose()
    assert written == {office: 2 + audited[office] for office in offices}


# (c) No tenant, no rows --------------------------------------------------------------------


@pytest.mark.parametrize("service", MIGRATED_SERVICES)
def test_a_session_with_no_tenant_sees_no_row_and_writes_none(
    walled_databases: dict[str, str], service: str, offices: tuple[str, str]
) -> None:
    url = walled_databases[service]
    seed_chassis_rows(url, offices)
    engine = engine_for(url, roles_for(service).service)
    with engine.connect() as connection:
        for table in sorted(OFFICE_TABLES[service]):
            assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0
        connection.rollback()
        with pytest.raises(ProgrammingError, match="row-level security"):
            connection.execute(
                text(
                    "INSERT INTO audit_log (office_id, actor, action, subject_type, subject_id, "
                    "occurred_at) VALUES (:office, 'test', 'read', 'case', 'c-1', :now)"
                ),
                {"office": offices[0], "now": NOW},
            )
        connection.rollback()
        # The setting is the transaction's: the office of one transaction does not stay on
        # the connection for the next.
        connection.execute(
            text("SELECT set_config('casework.office_id', :office, true)"), {"office": offices[0]}
        )
        assert count_by_office(connection, "outbox", offices) == {offices[0]: 2}
        connection.commit()
        assert connection.execute(text("SELECT count(*) FROM outbox")).scalar() == 0
    engine.dispose()


def test_a_platform_session_on_the_service_role_sees_no_office(
    walled_databases: dict[str, str], offices: tuple[str, str]
) -> None:
    url = walled_databases["intake"]
    seed_chassis_rows(url, offices)
    engine = create_db_engine(role_url(url, "casework_intake"))
    db = DatabaseAccess(
        sessionmaker(engine), new_metadata(), lambda: None, service="intake",
        unit_of_work_type=UnitOfWork,
    )  # fmt: skip
    with db.platform_work() as session:
        assert session.execute(text("SELECT count(*) FROM outbox")).scalar() == 0
    engine.dispose()


def test_a_batch_of_two_offices_writes_each_offices_rows_and_events_behind_the_wall(
    walled_databases: dict[str, str], offices: tuple[str, str]
) -> None:
    url = walled_databases["cases"]
    engine = create_db_engine(role_url(url, "casework_cases"))
    db = cases_access(engine)
    member = {"user_id": "u-1", "display_name": "Sam Rivera", "role": "caseworker"}
    events = [
        incoming(STAFF_MEMBER_ADDED, member, office_id=office) for office in offices for _ in "ab"
    ]

    def announce_and_audit(uow: UnitOfWork, event: Any) -> None:
        uow.emit(STAFF_MEMBER_ADDED, member)
        uow.audit("staff.seen", "staff_member", "u-1")

    # One transaction for both offices: each office's rows under its own tenant, or the wall
    # refuses them (and the batch would fall back to one event at a time).
    db.consume_together(events, announce_and_audit)
    engine.dispose()

    admin = engine_for(url)
    with admin.connect() as connection:
        assert count_by_office(connection, "outbox", offices) == dict.fromkeys(offices, 2)
        assert count_by_office(connection, "audit_log", offices) == dict.fromkeys(offices, 2)
    admin.dispose()


def test_office_after_office_writes_each_offices_rows_and_events_under_its_own_tenant(
    walled_databases: dict[str, str], offices: tuple[str, str]
) -> None:
    url = walled_databases["cases"]
    engine = create_db_engine(role_url(url, "casework_cases"))
    db = cases_access(engine)
    member = {"user_id": "u-1", "display_name": "Sam Rivera", "role": "caseworker"}

    def announce_twice(uow: UnitOfWork) -> str:
        for _ in "ab":
            uow.emit(STAFF_MEMBER_ADDED, member)
        uow.audit("staff.seen", "staff_member", "u-1")
        # What this office's work sees is its own office's rows only.
        return str(uow.session.execute(text("SELECT count(*) FROM outbox")).scalar())

    # One transaction for both offices; the wall refuses any row written under the other's.
    seen = db.office_after_office(offices, announce_twice)
    engine.dispose()

    assert seen == ["0", "0"]
    admin = engine_for(url)
    with admin.connect() as connection:
        assert count_by_office(connection, "outbox", offices) == dict.fromkeys(offices, 2)
        assert count_by_office(connection, "audit_log", offices) == dict.fromkeys(offices, 1)
        kept_in_order = connection.execute(
            text("SELECT office_id FROM outbox WHERE office_id IN (:a, :b) ORDER BY id"),
            {"a": offices[0], "b": offices[1]},
        ).scalars()
        assert list(kept_in_order) == [offices[0]] * 2 + [offices[1]] * 2
    admin.dispose()


def test_office_after_office_keeps_nothing_when_one_offices_work_fails(
    walled_databases: dict[str, str], offices: tuple[str, str]
) -> None:
    url = walled_databases["cases"]
    engine = create_db_engine(role_url(url, "casework_cases"))
    db = cases_access(engine)
    member = {"user_id": "u-1", "display_name": "Sam Rivera", "role": "caseworker"}
    committed: list[str] = []

    def announce_then_fail(uow: UnitOfWork) -> None:
        uow.emit(STAFF_MEMBER_ADDED, member)
        uow.after_commit(lambda: committed.append(uow.office_id))
        if uow.office_id == offices[1]:
            raise RuntimeError("the second office's work failed")

    with pytest.raises(RuntimeError):
        db.office_after_office(offices, announce_then_fail)
    engine.dispose()

    assert committed == []
    admin = engine_for(url)
    with admin.connect() as connection:
        assert count_by_office(connection, "outbox", offices) == {}
    admin.dispose()
