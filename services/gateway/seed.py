"""Demo data for a laptop or a training installation: `python -m services.gateway.seed`.

Creates the office `rep-demo` with five staff. Idempotent: a second run creates nothing and
announces nothing. It only writes; run the migrations first (the run script does).
"""

from __future__ import annotations

import sys
from typing import TextIO

from sqlalchemy.exc import SQLAlchemyError

from services.chassis.domain import Actor
from services.gateway import handlers
from services.gateway.admin import NOT_READY, ORIGIN, gateway_database
from services.gateway.domain.staff import AddStaffMember, OfficeChange, RegisterOffice
from services.gateway.ports import GatewayDatabase

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
)
ACTOR = Actor.staff("seed", origin=ORIGIN)


def seed(db: GatewayDatabase) -> list[str]:
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
    return done


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
