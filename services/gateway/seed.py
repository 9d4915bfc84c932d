"""Demo data for a laptop or a training installation: `python -m services.gateway.seed`.

Creates the office `rep-demo` with staff in every role and a platform admin, each with the
demo password `DEMO_PASSWORD` (printed, so a newcomer can sign in; a demo installation only).
Idempotent: a second run creates nothing, announces nothing and keeps passwords that were
changed. It only writes; run the migrations first (the run script does).
"""

from __future__ import annotations

import sys
from functools import cache
from typing import TextIO

from sqlalchemy.exc import SQLAlchemyError

from services.chassis.domain import Actor
from services.chassis.uow import DatabaseAccess
from services.gateway import accounts, handlers, signin
from services.gateway.admin import NOT_READY, ORIGIN, gateway_database
from services.gateway.domain.identity import ROLE_LABELS
from services.gateway.domain.staff import AddStaffMember, OfficeChange, RegisterOffice
from services.gateway.repository import GatewayUnitOfWork

DEMO_OFFICE = RegisterOffice(
    office_id="rep-demo",
    name="Office of Rep. Jordan Demo",
    reply_to_email="casework@demo.example.gov",
)


def _staff(name: str, email: str, role: str) -> AddStaffMember:
    return AddStaffMember(DEMO_OFFICE.office_id, name, f"{email}@demo.example.gov", role)


DEMO_STAFF = (
    _staff("Renee Okafor", "renee.okafor", "office_admin"),
    _staff("Marcus Bell", "marcus.bell", "supervisor"),
    _staff("Sam Rivera", "sam.rivera", "caseworker"),
    _staff("Ana Morales (immigration)", "ana.morales", "caseworker"),
    _staff("Dana Whitfield", "dana.whitfield", "caseworker"),
    _staff("Taylor Nguyen (intern)", "taylor.nguyen", "read_only"),
)
DEMO_PASSWORD = "casework-demo"  # noqa: S105 (printed on purpose: demo accounts only)
PLATFORM_ADMIN_EMAIL = "it@legislature.example.gov"
ACTOR = Actor.staff("seed", origin=ORIGIN)


@cache
def demo_password_hash() -> str:
    """One argon2 hash (about 0.1 s of CPU) of the demo password for every demo account: the
    password is the same for all of them and printed anyway, so sharing its salt reveals
    nothing, and seeding again (each test's demo office) hashes nothing."""
    return signin.hash_password(DEMO_PASSWORD)


def seed(db: DatabaseAccess[GatewayUnitOfWork]) -> list[str]:
    """Write the demo office and staff that are missing; say what was done."""
    done = []
    change = handlers.register_office(db, DEMO_OFFICE, actor=ACTOR)
    if change is OfficeChange.UNCHANGED:
        done.append(f"office {DEMO_OFFICE.office_id} already there")
    else:
        done.append(f"office {DEMO_OFFICE.office_id} {change.value}: {DEMO_OFFICE.name}")
    for member in DEMO_STAFF:
        outcome = handlers.add_staff_member(db, member, actor=ACTOR, existing_ok=True)
        verb = "added" if outcome.created else "already there:"
        done.append(f"{verb} {member.display_name} ({member.role})")
        if accounts.has_no_password(db, member.office_id, outcome.member.user_id):
            accounts.set_password_hash(
                db, member.office_id, outcome.member.user_id, demo_password_hash(), actor=ACTOR
            )
    if accounts.add_platform_admin(
        db,
        PLATFORM_ADMIN_EMAIL,
        "Legislature IT",
        DEMO_PASSWORD,
        keep_password=True,
        password_hash=demo_password_hash(),
    ):
        done.append(f"added platform admin {PLATFORM_ADMIN_EMAIL}")
    return done


def sign_in_lines() -> list[str]:
    """Who a newcomer can sign in as, for the run script to print."""
    lines = [f"Demo sign-in (password {DEMO_PASSWORD} for everyone):"]
    for member in DEMO_STAFF:
        lines.append(f"  {member.email:<36} {ROLE_LABELS[member.role]}")
    lines.append(f"  {PLATFORM_ADMIN_EMAIL:<36} {ROLE_LABELS['platform_admin']}")
    return lines


def main(out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    try:
        with gateway_database() as db:
            done = seed(db)
    except SQLAlchemyError as exc:
        print(f"error: {NOT_READY} ({type(exc).__name__})", file=err)
        return 1
    for line in done:
        print(line, file=out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
