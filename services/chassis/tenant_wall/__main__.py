"""Create the tenant wall's roles, or check a wall, for some or all services.

    python -m services.chassis.tenant_wall create-roles [SERVICE ...] [--admin-url URL]
    python -m services.chassis.tenant_wall check [SERVICE ...] [--admin-url URL]

create-roles connects as an administrator (--admin-url, else CASEWORK_POSTGRES_ADMIN_URL; a
role with CREATEROLE and CREATEDB such as postgres) and, for each service: creates or corrects
the roles casework_<service>, casework_<service>_platform and casework_<service>_owner, giving
each the password of the URL that names it (CASEWORK_<SERVICE>_DATABASE_URL,
_PLATFORM_DATABASE_URL, _MIGRATION_DATABASE_URL); creates the service's database (the one
those URLs name) or hands it, and every table already in it, to the owner role; lets only the
service's roles connect to it. Idempotent. Run it before the migrations.

check runs the catalog check on each service's database (connecting with --admin-url, else
the migration URL) and fails when a URL does not connect as the role it should.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from services.chassis.config import env_str, load_settings
from services.chassis.migrate import MIGRATED_SERVICES
from services.chassis.tenant_wall import create_roles, quote, roles_for
from services.chassis.tenant_wall.catalog import check_tenant_wall

ADMIN_URL_VARIABLE = "CASEWORK_POSTGRES_ADMIN_URL"
OWNED = text(
    "SELECT c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'S') "
    "AND pg_get_userbyid(c.relowner) <> :owner "
    # Sequences owned by a column move with their table.
    "AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid "
    "         AND d.deptype IN ('a', 'i'))) "
    "ORDER BY c.relkind DESC, c.relname"
)
ALTER_KIND = {"r": "TABLE", "p": "TABLE", "v": "VIEW", "m": "MATERIALIZED VIEW", "S": "SEQUENCE"}


class Configured:
    """What a service's settings say: its database and, per role, the URL's password."""

    def __init__(self, service: str) -> None:
        settings, roles = load_settings(service), roles_for(service)
        self.service = service
        self.passwords: dict[str, str | None] = {}
        self.mismatches: list[str] = []
        self.database = f"casework_{service}"
        self.migration_url = settings.migration_database_url
        prefix = f"CASEWORK_{service.upper()}_"
        for role, variable, url in (
            (roles.service, "DATABASE_URL", settings.database_url),
            (roles.platform, "PLATFORM_DATABASE_URL", settings.platform_database_url),
            (roles.owner, "MIGRATION_DATABASE_URL", settings.migration_database_url),
        ):
            parsed = make_url(url)
            if parsed.get_backend_name() != "postgresql":
                self.mismatches.append(f"{prefix}{variable} is not a PostgreSQL URL")
                continue
            self.database = parsed.database or self.database
            if parsed.username == role:
                self.passwords[role] = parsed.password
            else:
                self.mismatches.append(
                    f"{prefix}{variable} connects as {parsed.username}, not {role}"
                )


def _on(url: str | URL, database: str) -> URL:
    return make_url(url).set(database=database)


def _adopt(connection: Connection, owner: str) -> list[str]:
    adopted = []
    for name, kind in connection.execute(OWNED, {"owner": owner}).all():
        connection.execute(
            text(
                f"ALTER {ALTER_KIND[kind]} {quote(connection, name)} "
                f"OWNER TO {quote(connection, owner)}"
            )
        )
        adopted.append(name)
    return adopted


def prepare(admin_url: str, configured: Configured) -> list[str]:
    """Roles, database and ownership for one service (see the module's docstring)."""
    service, database = configured.service, configured.database
    roles = roles_for(service)
    admin = create_engine(admin_url, poolclass=NullPool)
    try:
        with admin.begin() as connection:
            done = create_roles(connection, service, configured.passwords)
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            owner = connection.execute(
                text("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = :name"),
                {"name": database},
            ).scalar()
            name, owner_role = quote(connection, database), quote(connection, roles.owner)
            if owner is None:
                connection.execute(text(f"CREATE DATABASE {name} OWNER {owner_role}"))
                done.append(f"created database {database}")
            elif owner != roles.owner:
                connection.execute(text(f"ALTER DATABASE {name} OWNER TO {owner_role}"))
                done.append(f"database {database} now owned by {roles.owner}")
    finally:
        admin.dispose()
    engine = create_engine(_on(admin_url, database), poolclass=NullPool)
    try:
        with engine.begin() as connection:
            adopted = _adopt(connection, roles.owner)
            if adopted:
                done.append(f"{roles.owner} now owns {', '.join(adopted)}")
            own, platform = quote(connection, roles.service), quote(connection, roles.platform)
            name = quote(connection, database)
            for statement in (
                "REVOKE CREATE ON SCHEMA public FROM PUBLIC",
                f"REVOKE ALL ON DATABASE {name} FROM PUBLIC",
                f"GRANT CONNECT ON DATABASE {name} TO {own}, {platform}",
            ):
                connection.execute(text(statement))
    finally:
        engine.dispose()
    return done


def check(url: str | URL, service: str) -> list[str]:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return check_tenant_wall(connection, service)
    finally:
        engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m services.chassis.tenant_wall",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("command", choices=("create-roles", "check"))
    parser.add_argument("services", nargs="*", default=list(MIGRATED_SERVICES))
    parser.add_argument("--admin-url", default=env_str(ADMIN_URL_VARIABLE, ""))
    args = parser.parse_args(argv)
    failed = False
    for service in args.services:
        configured = Configured(service)
        try:
            if args.command == "create-roles":
                if not args.admin_url:
                    parser.error(f"create-roles needs --admin-url or {ADMIN_URL_VARIABLE}")
                for warning in configured.mismatches:
                    print(f"WARNING: {service}: {warning}: the wall does not hold it", flush=True)
                for line in prepare(args.admin_url, configured) or ["roles and database ready"]:
                    print(f"{service}: {line}", flush=True)
                continue
            url = (
                _on(args.admin_url, configured.database)
                if args.admin_url
                else configured.migration_url
            )
            problems = configured.mismatches + check(url, service)
        except SQLAlchemyError as exc:
            problems = [f"{type(exc).__name__}: {str(exc).splitlines()[0]}"]
        for problem in problems:
            print(f"PROBLEM: {service}: {problem}", flush=True)
        if problems:
            failed = True
        elif args.command == "check":
            print(f"{service}: the tenant wall stands", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
