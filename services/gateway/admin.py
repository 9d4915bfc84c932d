"""Legislature IT's commands for member offices and their staff.

    python -m services.gateway.admin add-office rep-lopez --name "Office of Rep. Ana Lopez" \\
        --reply-to casework@lopez.example.gov
    python -m services.gateway.admin add-staff rep-lopez --name "Sam Rivera" \\
        --email sam.rivera@lopez.example.gov --role caseworker
    python -m services.gateway.admin list-offices
    python -m services.gateway.admin set-password rep-lopez sam.rivera@lopez.example.gov
    python -m services.gateway.admin issue-token rep-lopez sam.rivera@lopez.example.gov
    python -m services.gateway.admin list-users rep-lopez
    python -m services.gateway.admin announce-staff rep-lopez

Passwords are read from the terminal (or one line of standard input with --password-stdin),
never from the command line, where `ps` and shell history would show them.

Each change is written with its event to gateway's outbox in one transaction; the running
gateway's relay publishes it. Exit status: 0 done, 1 refused (unknown office, duplicate email,
database not ready), 2 invalid input.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from marshmallow import ValidationError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import sessionmaker

from services.chassis.config import load_settings
from services.chassis.db import create_db_engine
from services.chassis.domain import Actor
from services.chassis.errors import CaseworkError, ValidationFailed
from services.chassis.uow import DatabaseAccess
from services.gateway import accounts, handlers, signin
from services.gateway.domain.staff import ROLES, OfficeChange
from services.gateway.models import Base
from services.gateway.repository import GatewayUnitOfWork
from services.gateway.schemas import AddStaffMemberSchema, RegisterOfficeSchema

NOT_READY = (
    "the gateway database is not reachable or not migrated "
    "(run `python -m services.chassis.migrate gateway`)"
)
OFFICE_MESSAGES = {
    OfficeChange.CREATED: "registered {office_id} ({name}); gateway.office_registered queued",
    OfficeChange.UPDATED: "updated {office_id} ({name}); gateway.office_registered queued",
    OfficeChange.UNCHANGED: "office {office_id} is already registered as {name}; nothing to do",
}


ORIGIN = "admin-cli"


@contextmanager
def gateway_database() -> Iterator[DatabaseAccess[GatewayUnitOfWork]]:
    """Gateway's own database, as the running service would open it: one office's units of
    work on the service's URL, `list-offices` on the platform URL (PostgreSQL's row-level
    security shows the service role one office at a time)."""
    settings = load_settings("gateway")
    engine = create_db_engine(settings.database_url)
    platform_engine = engine
    if settings.platform_database_url != settings.database_url:
        platform_engine = create_db_engine(settings.platform_database_url, pool_size=1)
    try:
        yield DatabaseAccess(
            sessionmaker(engine, expire_on_commit=False),
            Base.metadata,
            lambda: None,  # nothing to wake here: the running gateway's relay polls the outbox
            service="gateway",
            unit_of_work_type=GatewayUnitOfWork,
            platform_sessions=sessionmaker(platform_engine, expire_on_commit=False),
        )
    finally:
        engine.dispose()
        platform_engine.dispose()


def operator() -> Actor:
    """Who ran the command, for the audit log."""
    try:
        name = f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no login name in some containers
        name = "cli"
    return Actor.staff(name, origin=ORIGIN)


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(
        prog="python -m services.gateway.admin",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = cli.add_subparsers(dest="command", required=True)
    office = commands.add_parser("add-office", help="register a member office, or rename it")
    office.add_argument("office_id", help="a slug such as rep-lopez (lower case, digits, -)")
    office.add_argument("--name", required=True, help='e.g. "Office of Rep. Ana Lopez"')
    office.add_argument("--reply-to", required=True, help="the address constituents reply to")
    staff = commands.add_parser("add-staff", help="add a staff member to an office")
    staff.add_argument("office_id")
    staff.add_argument("--name", required=True, help="the name colleagues know them by")
    staff.add_argument("--email", required=True)
    staff.add_argument("--role", required=True, help=f"one of: {', '.join(ROLES)}")
    commands.add_parser("list-offices", help="every office with its reply-to and staff count")
    for name, about in (
        ("set-password", "set a staff member's password (lifts a lockout, signs them out)"),
        ("deactivate", "deactivate a staff member: signed out, tokens stop working"),
        ("reactivate", "let a deactivated staff member sign in again"),
    ):
        command = commands.add_parser(name, help=about)
        command.add_argument("office_id")
        command.add_argument("email")
        if name == "set-password":
            command.add_argument("--password-stdin", action="store_true")
    token = commands.add_parser(
        "issue-token", help="an API token acting as a staff member (printed once)"
    )
    token.add_argument("office_id")
    token.add_argument("email")
    token.add_argument("--name", default="issued by legislature IT", help="what it is for")
    users = commands.add_parser("list-users", help="an office's staff with role and state")
    users.add_argument("office_id")
    announce = commands.add_parser(
        "announce-staff",
        help="announce an office's staff again (after an upgrade adds a service that keeps them)",
    )
    announce.add_argument("office_id")
    platform = commands.add_parser(
        "add-platform-admin", help="a legislature IT account (or a new password for one)"
    )
    platform.add_argument("email")
    platform.add_argument("--name", required=True)
    platform.add_argument("--password-stdin", action="store_true")
    return cli


def main(argv: list[str] | None = None, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    args = parser().parse_args(argv)
    try:
        if args.command == "add-office":
            command = RegisterOfficeSchema().load(
                {"office_id": args.office_id, "name": args.name, "reply_to_email": args.reply_to}
            )
            with gateway_database() as db:
                change = handlers.register_office(db, command, actor=operator())
            print(OFFICE_MESSAGES[change].format(**vars(command)), file=out)
        elif args.command == "add-staff":
            staff = AddStaffMemberSchema().load(
                {
                    "office_id": args.office_id,
                    "display_name": args.name,
                    "email": args.email,
                    "role": args.role,
                }
            )
            with gateway_database() as db:
                outcome = handlers.add_staff_member(db, staff, actor=operator())
            member = outcome.member
            print(
                f"added {member.display_name} <{member.email}> to {member.office_id} as "
                f"{member.role} (user id {member.user_id}); gateway.staff_member_added queued",
                file=out,
            )
        elif args.command in ACCOUNT_COMMANDS:
            with gateway_database() as db:
                print(ACCOUNT_COMMANDS[args.command](db, args), file=out)
        else:
            with gateway_database() as db:
                offices = handlers.list_offices(db)
            if not offices:
                print("no offices yet; add one with add-office", file=out)
            for office in offices:
                print(
                    f"{office.office_id:<24} {office.name:<40} {office.reply_to_email:<36} "
                    f"{office.staff_count:>3} staff",
                    file=out,
                )
    except ValidationError as exc:
        for field, problems in sorted(exc.normalized_messages().items()):
            print(f"error: {_option(field)}: {'; '.join(map(str, problems))}", file=err)
        return 2
    except ValidationFailed as exc:
        for field, problems in sorted(exc.fields.items()):
            print(f"error: {_option(field)}: {'; '.join(map(str, problems))}", file=err)
        return 2
    except CaseworkError as exc:
        print(f"error: {exc.message}", file=err)
        return 1
    except SQLAlchemyError as exc:
        print(f"error: {NOT_READY} ({type(exc).__name__})", file=err)
        return 1
    return 0


def read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("New password (at least 12 characters): ")
    if getpass.getpass("Again: ") != first:
        raise ValidationFailed("the passwords differ", fields={"password": ["they differ"]})
    return first


def _set_password(db: DatabaseAccess[GatewayUnitOfWork], args: argparse.Namespace) -> str:
    password_hash = signin.hash_password(read_password(args.password_stdin))
    user_id = accounts.user_id_for(db, args.office_id, args.email)
    accounts.set_password_hash(db, args.office_id, user_id, password_hash, actor=operator())
    return f"password set for {args.email} in {args.office_id}; their sessions were ended"


def _set_active(db: DatabaseAccess[GatewayUnitOfWork], args: argparse.Namespace) -> str:
    active = args.command == "reactivate"
    user_id = accounts.user_id_for(db, args.office_id, args.email)
    handlers.change_staff_member(db, args.office_id, user_id, actor=operator(), active=active)
    return f"{args.email} in {args.office_id} is {'active' if active else 'deactivated'}"


def _issue_token(db: DatabaseAccess[GatewayUnitOfWork], args: argparse.Namespace) -> str:
    # Only the token on standard output, so a script can capture it.
    return accounts.issue_token(db, args.office_id, args.email, args.name, actor=operator())


def _list_users(db: DatabaseAccess[GatewayUnitOfWork], args: argparse.Namespace) -> str:
    handlers.find_office(db, args.office_id)
    staff, _ = accounts.office_accounts(db, args.office_id)
    if not staff:
        return f"{args.office_id} has no staff yet; add them with add-staff"
    return "\n".join(
        f"{m.email:<40} {m.display_name:<30} {m.role:<13} {'active' if m.active else 'deactivated'}"
        for m in staff
    )


def _announce_staff(db: DatabaseAccess[GatewayUnitOfWork], args: argparse.Namespace) -> str:
    count = handlers.announce_staff(db, args.office_id, actor=operator())
    return f"{count} staff of {args.office_id} announced again; gateway.staff_member_added queued"


def _add_platform_admin(db: DatabaseAccess[GatewayUnitOfWork], args: argparse.Namespace) -> str:
    password = read_password(args.password_stdin)
    accounts.add_platform_admin(db, args.email, args.name, password)
    return f"platform admin {args.email} can sign in (choose Legislature IT at the login)"


ACCOUNT_COMMANDS = {
    "set-password": _set_password,
    "deactivate": _set_active,
    "reactivate": _set_active,
    "issue-token": _issue_token,
    "list-users": _list_users,
    "announce-staff": _announce_staff,
    "add-platform-admin": _add_platform_admin,
}


def _option(field: str) -> str:
    """Name a schema field the way the command line spells it."""
    return {
        "office_id": "office_id",
        "name": "--name",
        "display_name": "--name",
        "reply_to_email": "--reply-to",
        "email": "--email",
        "role": "--role",
        "password": "password",
    }.get(field, field)


if __name__ == "__main__":
    raise SystemExit(main())
