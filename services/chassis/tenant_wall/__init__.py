"""The PostgreSQL tenant wall: row-level security on every table that holds an office's data,
and the three roles each service's database is used through.

- `casework_<service>_owner` owns the tables and runs the migrations
  (`CASEWORK_<SERVICE>_MIGRATION_DATABASE_URL`).
- `casework_<service>` is what the service's units of work connect as
  (`CASEWORK_<SERVICE>_DATABASE_URL`): no superuser, no BYPASSRLS, owns nothing. Every table
  with an `office_id` column has row-level security enabled and forced, with the policy
  `office_id = current_setting('casework.office_id', true)` for reading and writing; the unit of
  work sets that setting at the start of each transaction, so a session without it sees no row
  and can write none.
- `casework_<service>_platform` is the narrow cross-office path
  (`CASEWORK_<SERVICE>_PLATFORM_DATABASE_URL`, `db.platform_work()`): policies `USING (true)`
  only on the tables `WALLS` lists, with only the privileges listed there (the outbox relay
  everywhere; metrics' roll-up; gateway's office list; the agency directory).

SQLite has no row-level security: there the repositories' office scoping is the only wall.
Each service's `*_tenant_wall` revision calls `apply_tenant_wall(service)`, and chassis testing
applies the same function to the databases the tests build, so the two cannot drift. A later
revision that adds an office table calls `enable_tenant_wall(table)`; one that changes `WALLS`
calls `apply_tenant_wall(service)` again (it converges, and `check` fails until it has run).

    python -m services.chassis.tenant_wall create-roles [SERVICE ...]   # as an administrator
    python -m services.chassis.tenant_wall check [SERVICE ...]          # the catalog check
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy import Connection, text

from services.chassis.tenant import TENANT_SETTING
from services.chassis.tenant_wall.append_only import (
    allow_changes_to,
    refuse_changes,
)
from services.chassis.tenant_wall.append_only import (
    append_only_trigger as append_only_trigger,
)
from services.chassis.tenant_wall.roles import ROLE_EXISTS, SERVICE_NAME, roles_for
from services.chassis.tenant_wall.roles import Roles as Roles
from services.chassis.tenant_wall.roles import create_roles as create_roles
from services.chassis.tenant_wall.roles import require_roles as require_roles
from services.chassis.tenant_wall.sql import _bind, _run, quote

TENANT_POLICY = "tenant_isolation"
PLATFORM_POLICY = "platform_access"
TENANT_MATCH = f"office_id = current_setting('{TENANT_SETTING}', true)"
# The work of a unit of work; never TRUNCATE (it ignores row-level security), TRIGGER or
# REFERENCES.
SERVICE_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE")
ALEMBIC_TABLE = "alembic_version"
_PRIVILEGE = re.compile(
    r"(SELECT|INSERT|UPDATE|DELETE)(?: \(([a-z_][a-z0-9_]*(?:, [a-z_][a-z0-9_]*)*)\))?"
)


@dataclass(frozen=True)
class Wall:
    """What a service's platform role may do, table by table (`"SELECT"`, or
    `"SELECT (a, b)"` for those columns only), the tables its service role may only read, and
    those it may only read and append to (a trigger refuses UPDATE and DELETE to every role)."""

    platform: Mapping[str, tuple[str, ...]]
    read_only: tuple[str, ...] = ()
    append_only: tuple[str, ...] = ()


# The relay publishes every office's pending events, marks them sent and purges old ones.
RELAY: Mapping[str, tuple[str, ...]] = {"outbox": ("SELECT", "UPDATE", "DELETE")}
WALLS: Mapping[str, Wall] = {
    "intake": Wall(RELAY),
    # Who read or changed which case is evidence: nobody rewrites it, the service included.
    "cases": Wall(RELAY, append_only=("audit_log",)),
    # The reminder claimer finds which offices have reminders due by three columns, and the
    # message sweep which have messages to send by two, then each claims an office's in that
    # office's unit of work; the daily digest goes through the offices by their ids.
    "notify": Wall(
        {
            **RELAY,
            "offices": ("SELECT (office_id)",),
            "reminders": ("SELECT (office_id, state, due_at)",),
            "deliveries": ("SELECT (office_id, send_after)",),
        }
    ),
    # The legislature-wide directory has no office_id: reference data read by every office's
    # work and by the platform path alike, which platform admins keep (platform work; offices'
    # work only reads it). The overdue scan finds every office's sent inquiries past a
    # threshold by a few columns, then checks each in its office's unit of work.
    "agencies": Wall(
        {
            **RELAY,
            "agencies": ("SELECT", "INSERT", "UPDATE"),
            "agency_categories": ("SELECT",),
            "inquiries": ("SELECT (id, office_id, state, overdue_check_on)",),
        },
        read_only=("agencies", "agency_categories"),
    ),
    # The roll-up folds every office's counted events into its daily totals; the scrape-time
    # business metrics read totals, acknowledgement times and satisfaction ratings of every
    # office (numbers only).
    "metrics": Wall(
        {
            **RELAY,
            "office_event_facts": ("SELECT", "DELETE"),
            "office_daily_stats": ("SELECT", "INSERT", "UPDATE"),
            "acknowledgement_timings": ("SELECT",),
            "satisfaction_ratings": ("SELECT (office_id, rating)",),
        }
    ),
    # Legislature IT's list of offices with their staff counts: the offices and which of their
    # users are active, never names, emails or password hashes. Platform admins belong to no
    # office: their accounts and sessions are platform work.
    "gateway": Wall(
        {
            **RELAY,
            "offices": ("SELECT",),
            "users": ("SELECT (office_id, active)",),
            "platform_admins": ("SELECT", "INSERT", "UPDATE"),
            "platform_sessions": ("SELECT", "INSERT", "UPDATE", "DELETE"),
        }
    ),
}


def wall_for(service: str) -> Wall:
    return WALLS.get(service, Wall(RELAY))


def platform_grants(wall: Wall) -> dict[str, list[tuple[str, tuple[str, ...]]]]:
    """table -> [(privilege, columns or () for the whole table)], validated."""
    grants: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    for table, privileges in wall.platform.items():
        for privilege in privileges:
            match = _PRIVILEGE.fullmatch(privilege)
            if not match or not SERVICE_NAME.fullmatch(table):
                raise ValueError(f"bad platform grant {privilege!r} on {table!r}")
            columns = tuple(match[2].split(", ")) if match[2] else ()
            grants.setdefault(table, []).append((match[1], columns))
    return grants


# --- catalog ----------------------------------------------------------------------------------

OFFICE_TABLES = text(
    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "JOIN pg_attribute a ON a.attrelid = c.oid "
    "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') "
    "AND a.attname = 'office_id' AND NOT a.attisdropped ORDER BY c.relname"
)
TABLES = text(
    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY c.relname"
)
COLUMNS = text(
    "SELECT column_name FROM information_schema.columns "
    "WHERE table_schema = current_schema() AND table_name = :table"
)


def office_tables(connection: Connection) -> list[str]:
    """Tables of the current schema with an `office_id` column: each holds an office's data."""
    return list(connection.execute(OFFICE_TABLES).scalars())


def _tables(connection: Connection) -> set[str]:
    return set(connection.execute(TABLES).scalars())


def _columns(connection: Connection, table: str) -> set[str]:
    return set(connection.execute(COLUMNS, {"table": table}).scalars())


def _schema(connection: Connection) -> str:
    return quote(connection, str(connection.execute(text("SELECT current_schema()")).scalar()))


# --- the wall ---------------------------------------------------------------------------------


def _alter_table(table: str, connection: Connection | None, *statements: str) -> None:
    """Run statements naming `{table}` on a PostgreSQL connection; nothing on SQLite."""
    bind = _bind(connection)
    if bind.dialect.name == "postgresql":
        name = quote(bind, table)
        _run(bind, *(statement.format(table=name) for statement in statements))


def enable_tenant_wall(table: str, connection: Connection | None = None) -> None:
    """Row-level security enabled and forced on `table` (the owner is held too), with the
    tenant policy for every role. A no-op on SQLite. Idempotent."""
    _alter_table(
        table,
        connection,
        "ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        "ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"DROP POLICY IF EXISTS {TENANT_POLICY} ON {{table}}",
        f"CREATE POLICY {TENANT_POLICY} ON {{table}} AS PERMISSIVE FOR ALL TO PUBLIC "
        f"USING ({TENANT_MATCH}) WITH CHECK ({TENANT_MATCH})",
    )


def disable_tenant_wall(table: str, connection: Connection | None = None) -> None:
    _alter_table(
        table,
        connection,
        f"DROP POLICY IF EXISTS {PLATFORM_POLICY} ON {{table}}",
        f"DROP POLICY IF EXISTS {TENANT_POLICY} ON {{table}}",
        "ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY",
        "ALTER TABLE {table} DISABLE ROW LEVEL SECURITY",
    )


# `{schema}`, `{own}` (the service role), `{platform}` and `{dml}` filled in by `_names`.
GRANTS = (
    "GRANT USAGE ON SCHEMA {schema} TO {own}, {platform}",
    "REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {own}, {platform}",
    "GRANT {dml} ON ALL TABLES IN SCHEMA {schema} TO {own}",
    "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {own}",
    # Tables later revisions create (as this same owner) are the service's to use too.
    "ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT {dml} ON TABLES TO {own}",
    "ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {own}",
)
REVOKES = (
    "REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {own}, {platform}",
    "REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {own}",
    "ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} REVOKE {dml} ON TABLES FROM {own}",
    "ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} REVOKE USAGE, SELECT ON SEQUENCES FROM {own}",
)


def _names(connection: Connection, service: str) -> dict[str, str]:
    roles = roles_for(service)
    return {
        "schema": _schema(connection),
        "own": quote(connection, roles.service),
        "platform": quote(connection, roles.platform),
        "dml": ", ".join(SERVICE_PRIVILEGES),
    }


def grant_privileges(connection: Connection, service: str) -> None:
    """The service role may read and write every table (rows limited by the policies) except
    the migrations' bookkeeping and reference data; the platform role exactly what `WALLS`
    lists. Converges: privileges not listed are revoked."""
    wall, tables, names = wall_for(service), _tables(connection), _names(connection, service)
    own, platform = names["own"], names["platform"]
    _run(connection, *(statement.format(**names) for statement in GRANTS))
    for table in (ALEMBIC_TABLE, *wall.read_only):
        if table in tables:
            _run(
                connection,
                f"REVOKE INSERT, UPDATE, DELETE ON {quote(connection, table)} FROM {own}",
            )
    for table in wall.append_only:
        if table in tables:
            _run(connection, f"REVOKE UPDATE, DELETE ON {quote(connection, table)} FROM {own}")
            refuse_changes(table, connection)
    for table, grants in platform_grants(wall).items():
        if table not in tables:
            continue
        for privilege, columns in grants:
            if columns and not set(columns) <= _columns(connection, table):
                continue  # an earlier revision: the one adding the columns applies this again
            listed = f" ({', '.join(quote(connection, c) for c in columns)})" if columns else ""
            _run(
                connection,
                f"GRANT {privilege}{listed} ON {quote(connection, table)} TO {platform}",
            )


def allow_changes(table: str, service: str, connection: Connection | None = None) -> None:
    """Undo an append-only table's trigger and revoked privileges (a migration's downgrade)."""
    allow_changes_to(table, roles_for(service).service, connection)


def apply_tenant_wall(service: str, connection: Connection | None = None) -> list[str]:
    """Put up the whole wall of one service's database (a no-op on SQLite): roles, privileges,
    row-level security forced on every office table, platform policies. Idempotent: it also
    brings an existing database to what this module declares. Returns the walled tables."""
    bind = _bind(connection)
    if bind.dialect.name != "postgresql":
        return []
    require_roles(bind, service)
    grant_privileges(bind, service)
    tables = office_tables(bind)
    platform = quote(bind, roles_for(service).platform)
    declared = wall_for(service).platform
    for table in tables:
        enable_tenant_wall(table, bind)
        name = quote(bind, table)
        _run(bind, f"DROP POLICY IF EXISTS {PLATFORM_POLICY} ON {name}")
        if table in declared:
            _run(
                bind,
                f"CREATE POLICY {PLATFORM_POLICY} ON {name} AS PERMISSIVE FOR ALL "
                f"TO {platform} USING (true) WITH CHECK (true)",
            )
    return tables


def remove_tenant_wall(service: str, connection: Connection | None = None) -> None:
    """Undo `apply_tenant_wall` (a migration's downgrade); the roles stay, they are the
    server's, not this database's."""
    bind = _bind(connection)
    if bind.dialect.name != "postgresql":
        return
    for table in office_tables(bind):
        disable_tenant_wall(table, bind)
    if any(
        bind.execute(ROLE_EXISTS, {"role": r}).first() is None for r in roles_for(service).all()
    ):
        return
    names = _names(bind, service)
    _run(bind, *(statement.format(**names) for statement in REVOKES))


def revision_steps(service: str) -> tuple[Callable[[], None], Callable[[], None]]:
    """`upgrade` and `downgrade` of a service's `*_tenant_wall` revision."""

    def upgrade() -> None:
        apply_tenant_wall(service)

    def downgrade() -> None:
        remove_tenant_wall(service)

    return upgrade, downgrade
