"""The demo office's liaison directory: `python -m services.agencies.seed`.

Gives office `rep-demo` what an office sets up in its first week: a letterhead, the liaison
contacts it writes to at the agencies it meets most, and a few partner organisations to refer
constituents to. Written through agencies' own service layer, as the office admin would, so
the same rules apply (known agencies, the settings and default letter templates created on
first use).

Idempotent: a contact or partner of the same name is left as it is (an admin may have edited
it); the letterhead is written again.
"""

from __future__ import annotations

import sys

from sqlalchemy.orm import sessionmaker

from services.agencies import handlers
from services.agencies.models import Base
from services.agencies.repository import AgenciesUnitOfWork
from services.chassis.config import load_settings
from services.chassis.db import create_db_engine
from services.chassis.domain import Actor
from services.chassis.uow import DatabaseAccess

OFFICE = "rep-demo"
ACTOR = Actor.staff("demo-seed", "office_admin", "services.agencies.seed")

LETTERHEAD = {
    "member_name": "Jordan Demo",
    "office_name": "Office of Rep. Jordan Demo",
    "address_lines": ["1234 Longworth House Office Building", "Washington, DC 20515"],
    "phone": "(202) 555-0142",
    "email": "casework@demo.example.gov",
}
# Liaison offices as a congressional office's address book lists them (example addresses).
CONTACTS = (
    ("SSA", "Patricia Holmes", "ssa.liaison@example.gov", "(410) 555-0101", "Disability (DDS)"),
    ("SSA", "Kevin Marsh", "ssa.retirement@example.gov", "(410) 555-0102", "Retirement"),
    ("VA", "Denise Carter", "va.ocla@example.gov", "(202) 555-0103", "Compensation"),
    ("USCIS", "Luis Ortega", "uscis.liaison@example.gov", "(202) 555-0104", "Adjustment"),
    ("DOS-PPT", "Amy Chen", "passport.liaison@example.gov", "(202) 555-0105", "Passports"),
    ("IRS", "Robert Diaz", "irs.legaffairs@example.gov", "(202) 555-0106", "Refunds"),
)
PARTNERS: tuple[tuple[str, str, str, str | None], ...] = (
    ("Valley Legal Aid", "legal_aid", "intake@valleylegalaid.example.org", "(555) 010-2001"),
    ("Riverside Food Bank", "food_bank", "help@riversidefood.example.org", "(555) 010-2002"),
    ("County Veterans Service Office", "veterans_service", "cvso@county.example.gov", None),
)


def seed(db: DatabaseAccess[AgenciesUnitOfWork]) -> tuple[int, int]:
    """Store the demo letterhead, contacts and partners; (contacts, partners) written."""
    handlers.save_liaison_settings(db, OFFICE, ACTOR, dict(LETTERHEAD))
    for agency, name, email, phone, programme in CONTACTS:
        if _missing_contact(db, name):
            handlers.save_contact(
                db,
                OFFICE,
                ACTOR,
                {
                    "agency_code": agency,
                    "name": name,
                    "email": email,
                    "phone": phone,
                    "programme": programme,
                    "notes": None,
                },
            )
    for partner, kind, address, number in PARTNERS:
        if _missing_partner(db, partner):
            handlers.save_partner(
                db,
                OFFICE,
                ACTOR,
                {"name": partner, "kind": kind, "email": address, "phone": number, "notes": None},
            )
    return len(CONTACTS), len(PARTNERS)


def _missing_contact(db: DatabaseAccess[AgenciesUnitOfWork], name: str) -> bool:
    return all(contact.name != name for contact in handlers.list_contacts(db, OFFICE, ACTOR, None))


def _missing_partner(db: DatabaseAccess[AgenciesUnitOfWork], name: str) -> bool:
    return all(partner.name != name for partner in handlers.list_partners(db, OFFICE, ACTOR))


def main() -> int:
    settings = load_settings("agencies")
    engine = create_db_engine(settings.database_url)
    platform = create_db_engine(settings.platform_database_url)
    db = DatabaseAccess(
        sessionmaker(engine, expire_on_commit=False),
        Base.metadata,
        lambda: None,
        service="agencies",
        unit_of_work_type=AgenciesUnitOfWork,
        platform_sessions=sessionmaker(platform, expire_on_commit=False),
    )
    try:
        contacts, partners = seed(db)
    finally:
        engine.dispose()
        platform.dispose()
    print(f"office {OFFICE}: letterhead, {contacts} liaison contacts, {partners} partners")
    return 0


if __name__ == "__main__":
    sys.exit(main())
