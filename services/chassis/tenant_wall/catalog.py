"""The catalog check: does one service's PostgreSQL database hold the wall `apply_tenant_wall`
puts up? Read from `pg_catalog` only, so any role may run it (tests, `check`, a deploy Job).

A problem is reported when a table with an `office_id` column lacks forced row-level security
or the tenant policy, when any other policy widens what a role sees, when the service or
platform role could bypass the policies (superuser, BYPASSRLS, owner of a table, member of an
owner) or holds privileges it was not given (TRUNCATE ignores the policies), and when the
platform role's privileges differ from `WALLS`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import Connection, text

from services.chassis.tenant_wall import (
    ALEMBIC_TABLE,
    PLATFORM_POLICY,
    SERVICE_PRIVILEGES,
    TENANT_POLICY,
    TENANT_SETTING,
    append_only_trigger,
    office_tables,
    platform_grants,
    roles_for,
    wall_for,
)

TABLE_FLAGS = text(
    "SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity, pg_get_userbyid(c.relowner) "
    "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')"
)
POLICIES = text(
    "SELECT tablename, policyname, permissive, roles::text[], cmd, qual, with_check "
    "FROM pg_policies WHERE schemaname = current_schema()"
)
ROLE = text(
    "SELECT rolsuper, rolbypassrls, "
    "EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "        WHERE n.nspname = current_schema() AND c.relowner = r.oid), "
    "EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') "
    "        AND c.relowner <> r.oid AND pg_has_role(r.oid, c.relowner, 'MEMBER')), "
    "EXISTS (SELECT 1 FROM pg_roles s WHERE (s.rolsuper OR s.rolbypassrls) AND s.oid <> r.oid "
    "        AND pg_has_role(r.oid, s.oid, 'MEMBER')) "
    "FROM pg_roles r WHERE r.rolname = :role"
)
# Effective privileges of a role, column by column (a table-wide grant shows on every column)
# and table-wide for the privileges that have no columns.
COLUMN_PRIVILEGES = text(
    "SELECT c.relname, p.privilege, a.attname FROM pg_class c "
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
    "CROSS JOIN (VALUES ('SELECT'), ('INSERT'), ('UPDATE')) AS p(privilege) "
    "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') "
    "AND has_column_privilege(:role, c.oid, a.attnum, p.privilege)"
)
TABLE_PRIVILEGES = text(
    "SELECT c.relname, p.privilege, NULL FROM pg_class c "
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "CROSS JOIN (VALUES ('DELETE'), ('TRUNCATE'), ('REFERENCES'), ('TRIGGER')) AS p(privilege) "
    "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') "
    "AND has_table_privilege(:role, c.oid, p.privilege)"
)
COLUMNS = text(
    "SELECT c.relname, a.attname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
    "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')"
)
TRIGGERS = text(
    "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = current_schema() AND NOT t.tgisinternal AND t.tgenabled <> 'D'"
)

Privilege = tuple[str, str, str | None]  # (table, privilege, column or None)


def _normalised(expression: str | None) -> str:
    """A policy expression without the parentheses, casts and spaces PostgreSQL adds."""
    return re.sub(r"::\w+|[()\s]", "", expression or "")


TENANT_EXPRESSION = _normalised(f"office_id=current_setting('{TENANT_SETTING}',true)")


def _is_tenant_policy(policy: tuple[str, ...] | list[object]) -> bool:
    _, _, permissive, roles, cmd, qual, with_check = policy
    return (
        permissive == "PERMISSIVE"
        and list(roles) == ["public"]  # type: ignore[call-overload]
        and cmd == "ALL"
        and _normalised(qual) == TENANT_EXPRESSION  # type: ignore[arg-type]
        and _normalised(with_check) == TENANT_EXPRESSION  # type: ignore[arg-type]
    )


def _privileges(connection: Connection, role: str) -> set[Privilege]:
    found: set[Privilege] = set()
    for query in (COLUMN_PRIVILEGES, TABLE_PRIVILEGES):
        found.update((t, p, c) for t, p, c in connection.execute(query, {"role": role}))
    return found


def _expected(
    columns: dict[str, list[str]], grants: Iterable[tuple[str, str, tuple[str, ...]]]
) -> set[Privilege]:
    expected: set[Privilege] = set()
    for table, privilege, listed in grants:
        if table not in columns:
            continue
        if privilege == "DELETE":
            expected.add((table, privilege, None))
        else:
            expected.update((table, privilege, column) for column in listed or columns[table])
    return expected


def _describe(privileges: set[Privilege], columns: dict[str, list[str]]) -> list[str]:
    """`SELECT on users (email)`; no column list when the privilege covers the whole table."""
    by_grant: dict[tuple[str, str], list[str]] = {}
    for table, privilege, column in privileges:
        by_grant.setdefault((table, privilege), []).append(column or "")
    described = []
    for (table, privilege), listed in sorted(by_grant.items()):
        partial = any(listed) and set(listed) != set(columns.get(table, ()))
        described.append(
            f"{privilege} on {table}" + (f" ({', '.join(sorted(listed))})" if partial else "")
        )
    return described


def check_tenant_wall(connection: Connection, service: str) -> list[str]:
    """Every way this database's wall falls short, one sentence each; [] when it stands."""
    problems: list[str] = []
    roles, wall = roles_for(service), wall_for(service)
    flags = {
        name: (rls, forced, owner) for name, rls, forced, owner in connection.execute(TABLE_FLAGS)
    }
    policies = [tuple(row) for row in connection.execute(POLICIES)]
    office = office_tables(connection)
    for table in office:
        rls, forced, _ = flags[table]
        if not rls:
            problems.append(f"{table}: row-level security is not enabled")
        if not forced:
            problems.append(f"{table}: row-level security is not forced (its owner is not held)")
        if not any(p[0] == table and _is_tenant_policy(p) for p in policies):
            problems.append(
                f"{table}: no policy `{TENANT_POLICY}` on the tenant setting for all roles"
            )
    for policy in policies:
        table, name, permissive, policy_roles = policy[:4]
        if permissive == "RESTRICTIVE" or _is_tenant_policy(policy):
            continue
        platform_only = list(policy_roles) == [roles.platform]  # type: ignore[call-overload]
        if not (name == PLATFORM_POLICY and platform_only and table in wall.platform):
            problems.append(
                f"{table}: policy {name} for {', '.join(policy_roles)} widens the wall"  # type: ignore[arg-type]
            )
    for table in wall.platform:
        if table in office and not any(p[0] == table and p[1] == PLATFORM_POLICY for p in policies):
            problems.append(f"{table}: no policy {PLATFORM_POLICY} for {roles.platform}")

    columns: dict[str, list[str]] = {}
    for table, column in connection.execute(COLUMNS):
        columns.setdefault(table, []).append(column)
    read_only = {ALEMBIC_TABLE, *wall.read_only}
    service_grants = [
        (table, privilege, ())
        for table in columns
        for privilege in (
            ("SELECT",)
            if table in read_only
            else ("SELECT", "INSERT")
            if table in wall.append_only
            else SERVICE_PRIVILEGES
        )
    ]
    triggers = set(connection.execute(TRIGGERS).scalars())
    for table in wall.append_only:
        if table in columns and append_only_trigger(table) not in triggers:
            problems.append(f"{table}: no trigger refusing UPDATE and DELETE (append-only)")
    platform = [
        (table, privilege, listed)
        for table, grants in platform_grants(wall).items()
        for privilege, listed in grants
    ]
    for role, expected in (
        (roles.service, _expected(columns, service_grants)),
        (roles.platform, _expected(columns, platform)),
    ):
        row = connection.execute(ROLE, {"role": role}).first()
        if row is None:
            problems.append(f"role {role} does not exist")
            continue
        superuser, bypass, owns, member_of_owner, member_of_privileged = row
        if superuser:
            problems.append(f"role {role} is a superuser: row-level security does not hold it")
        if bypass:
            problems.append(f"role {role} has BYPASSRLS")
        if owns:
            problems.append(f"role {role} owns objects of this schema (an owner can lift the wall)")
        if member_of_owner:
            problems.append(f"role {role} is a member of a table owner's role")
        if member_of_privileged:
            problems.append(f"role {role} is a member of a superuser or BYPASSRLS role")
        actual = _privileges(connection, role)
        for extra in _describe(actual - expected, columns):
            problems.append(f"role {role} may {extra}, which the wall does not give it")
        if role == roles.platform:
            for missing in _describe(expected - actual, columns):
                problems.append(f"role {role} lacks {missing}, which the wall gives it")
        else:
            for missing in _describe({p for p in expected - actual if p[0] in office}, columns):
                problems.append(f"role {role} lacks {missing} (the service needs it)")
    return problems
