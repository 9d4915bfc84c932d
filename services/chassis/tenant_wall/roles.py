"""The three login roles each service's database is used through (the tenant wall's
package docstring says what each may do), and their creation: never superuser, never
BYPASSRLS, whatever they were before."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Connection, text

from services.chassis.tenant_wall.sql import _run, quote

# A service, and a table the platform may reach: lower case, as the roles are named.
SERVICE_NAME = re.compile(r"[a-z][a-z0-9_]{0,40}")
ROLE_EXISTS = text("SELECT 1 FROM pg_roles WHERE rolname = :role")
CAN_CREATE_ROLES = text(
    "SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user"
)
# Serialises role changes of concurrent runs (tests, deploys) on one server's admin database.
ROLES_LOCK = text("SELECT pg_advisory_xact_lock(hashtext('casework tenant wall roles'))")
LOGIN_ROLE = "LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION"


@dataclass(frozen=True)
class Roles:
    service: str
    platform: str
    owner: str

    def all(self) -> tuple[str, str, str]:
        return (self.owner, self.service, self.platform)


def roles_for(service: str) -> Roles:
    if not SERVICE_NAME.fullmatch(service):
        raise ValueError(f"not a service name: {service!r}")
    base = f"casework_{service}"
    return Roles(service=base, platform=f"{base}_platform", owner=f"{base}_owner")


def create_roles(
    connection: Connection, service: str, passwords: Mapping[str, str | None] | None = None
) -> list[str]:
    """Create the service's three login roles, or correct their attributes (never superuser,
    never BYPASSRLS); a password given for a role is set, others keep theirs. Needs CREATEROLE.
    Returns what was done."""
    done = []
    connection.execute(ROLES_LOCK)
    for role in roles_for(service).all():
        name = quote(connection, role)
        row = connection.execute(
            text(
                "SELECT rolsuper OR rolbypassrls OR rolcreatedb OR rolcreaterole "
                "OR rolreplication OR NOT rolcanlogin FROM pg_roles WHERE rolname = :role"
            ),
            {"role": role},
        ).first()
        if row is None:
            _run(connection, f"CREATE ROLE {name} {LOGIN_ROLE}")
            done.append(f"created role {role}")
        elif row[0]:
            _run(connection, f"ALTER ROLE {name} {LOGIN_ROLE}")
            done.append(f"corrected the attributes of role {role}")
        password = (passwords or {}).get(role)
        if password:
            # psycopg2 quotes the literal; hide_parameters keeps it out of error messages.
            connection.execute(
                text(f"ALTER ROLE {name} PASSWORD :password"), {"password": password}
            )
    return done


def require_roles(connection: Connection, service: str) -> None:
    """The roles a wall names must exist before its policies can: create them when this
    connection may (an administrator running the migrations), else say what to run."""
    roles = roles_for(service)
    missing = [
        r for r in roles.all() if connection.execute(ROLE_EXISTS, {"role": r}).first() is None
    ]
    if not missing:
        return
    if connection.execute(CAN_CREATE_ROLES).scalar():
        create_roles(connection, service)
        return
    raise RuntimeError(
        f"roles {', '.join(missing)} do not exist: run `python -m services.chassis.tenant_wall "
        f"create-roles {service}` as an administrator first (docs/operations.md#the-tenant-wall)"
    )
