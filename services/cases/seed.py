"""The demo office's cases: `python -m services.cases.seed [--count N]`.

Writes about 300 realistic cases for office `rep-demo` straight through cases' own units of
work and repositories: varied categories, subjects and ages (0 to 200 days), statuses across
the lifecycle with a plausible timeline, priorities, tags and due dates, shared among the
office's roster members who take cases. The cases' events are dropped, not sent: other
services hear nothing of demo cases (no acknowledgement mail goes out for them).

Deterministic (case i always comes out the same, but for its dates, which follow today) and
idempotent: each demo case has a fixed id, and one that exists is skipped. References come
from the office's counter, so later real cases carry on after them.

Exit codes: 0 done (also when every demo case already existed); 1 nobody in the office's
roster takes cases (the staff must be known to cases first: `--wait 30` waits for them).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import sessionmaker

from services.cases.adapters.unit_of_work import CasesUnitOfWork
from services.cases.domain.case import Author, Case, Outcome, case_id_for, format_reference
from services.cases.domain.routing import ROUND_ROBIN, RosterMember
from services.cases.domain.timeline import TimelineKind
from services.cases.models import Base
from services.chassis.config import load_settings
from services.chassis.db import create_db_engine, utcnow
from services.chassis.uow import DatabaseAccess
from services.contracts import SubmissionReceived
from services.contracts.vocabulary import CASE_OBTAINED

OFFICE = "rep-demo"
COUNT = 300
NAMESPACE = uuid.UUID("0b8f6a52-5c1e-4d0e-9d1f-3e2a7c4b9e10")
SUBJECTS = {
    "social_security": ["Disability claim pending 14 months", "Retirement benefit stopped"],
    "medicare": ["Medicare Part D appeal denied", "Medicare card never arrived"],
    "medicaid": ["Medicaid renewal lost by the state", "Nursing home coverage denied"],
    "veterans": ["VA disability rating appeal", "GI Bill housing allowance late"],
    "immigration": ["Green card application stuck at USCIS", "Visa interview for a spouse"],
    "passport": ["Passport needed for funeral abroad", "Passport renewal lost in the mail"],
    "tax": ["IRS refund held for 9 months", "Identity theft on a tax return"],
    "student_loans": ["Public Service Loan Forgiveness denied", "Loan servicer lost payments"],
    "housing": ["Section 8 voucher inspection delayed", "HUD mortgage relief refused"],
    "disaster_relief": ["FEMA assistance after the flood denied", "FEMA inspection never came"],
    "federal_pension": ["OPM retirement annuity not started", "Survivor annuity delayed"],
    "postal": ["Mail not delivered for three weeks", "Post office closing hours cut"],
    "small_business": ["SBA disaster loan application stalled", "PPP loan forgiveness query"],
    "other": ["Question about a federal grant", "Complaint about a federal office"],
}
AGENCIES = {
    "social_security": "SSA",
    "medicare": "CMS",
    "medicaid": "CMS",
    "veterans": "VA",
    "immigration": "USCIS",
    "passport": "DOS-PPT",
    "tax": "IRS",
    "student_loans": "ED-FSA",
    "housing": "HUD",
    "disaster_relief": "FEMA",
    "federal_pension": "OPM",
    "postal": "USPS",
    "small_business": "SBA",
}
FIRST = ["Maria", "James", "Aisha", "Wei", "Carlos", "Emily", "Darnell", "Priya", "Olga", "Tom"]
LAST = ["Lopez", "Johnson", "Okafor", "Chen", "Rivera", "Nguyen", "Smith", "Patel", "Novak"]
TAGS = ["appeal", "elderly", "follow-up", "hardship", "press", "congressional priority"]
NOTES = [
    "Spoke with the constituent; privacy release on file.",
    "Wrote to the agency's congressional liaison.",
    "Liaison says the file is with a senior examiner.",
    "Constituent sent the missing documents.",
]
# Final statuses, and how often, by the case's age: young cases are mostly new or open.
YOUNG = {"new": 4, "open": 4, "waiting_on_agency": 2, "waiting_on_constituent": 1}
OLD = {
    "open": 2,
    "waiting_on_agency": 4,
    "waiting_on_constituent": 2,
    "resolved": 2,
    "closed": 6,
    "withdrawn": 1,
    "transferred": 1,
}
PATHS = {
    "new": [],
    "open": ["note"],
    "waiting_on_agency": ["note", "waiting_on_agency"],
    "waiting_on_constituent": ["call", "waiting_on_agency", "waiting_on_constituent"],
    "resolved": ["note", "waiting_on_agency", "call", "resolved"],
    "closed": ["call", "waiting_on_agency", "note", "resolved", "closed"],
    "withdrawn": ["call", "withdrawn"],
    "transferred": ["note", "transferred"],
}


def demo_case(
    number: int, member: RosterMember, now: datetime, numbered: Callable[[int], int]
) -> Case:
    """Demo case `number` as of `now`, its steps taken by `member`; `numbered(year)` gives
    the office's next reference number of the year it opened in."""
    rng = random.Random(number)
    category = rng.choice(list(SUBJECTS))
    opened_at = now - timedelta(days=rng.uniform(0, 200))
    submission_id = str(uuid.uuid5(NAMESPACE, f"{OFFICE}/{number}"))
    first, last = rng.choice(FIRST), rng.choice(LAST)
    submission = SubmissionReceived(
        submission_id=submission_id,
        tracking_code=f"DEMO-{number:04d}",
        constituent_id=str(uuid.uuid5(NAMESPACE, f"constituent/{number}")),
        constituent_name=f"{first} {last}",
        contact_email=f"{first}.{last}{number}@example.org".lower(),
        preferred_language=rng.choice(["en", "en", "en", "es"]),
        channel=rng.choice(["web", "web", "email", "phone", "walk_in"]),
        category=category,
        agency_hint=AGENCIES.get(category),
        subject=rng.choice(SUBJECTS[category]),
        urgent=rng.random() < 0.15,
        privacy_release_signed=True,
        received_at=opened_at,
    )
    case = Case.open(
        submission,
        office_id=OFFICE,
        reference=format_reference(opened_at.year, numbered(opened_at.year)),
        opened_at=opened_at,
    )
    by = Author(member.user_id, member.display_name)
    case.assign(by.user_id, by.name, at=opened_at + timedelta(minutes=1), method=ROUND_ROBIN)
    weights = YOUNG if now - opened_at < timedelta(days=10) else OLD
    final = rng.choices(list(weights), list(weights.values()))[0]
    steps = PATHS[final]
    for step, at in zip(steps, _times(rng, opened_at, now, len(steps)), strict=True):
        _take(case, step, by, at, rng)
    if rng.random() < 0.2:
        case.update(by=by, at=now, tags=tuple(rng.sample(TAGS, rng.randint(1, 2))))
    if not case.status.is_finished and rng.random() < 0.4:
        # Some overdue, never due before the case was opened.
        due = max(now + timedelta(days=rng.randint(-10, 20)), opened_at + timedelta(days=2))
        case.update(by=by, at=now, due_on=due.date())
    case.pull_events()  # demo cases are not announced
    return case


def _times(rng: random.Random, start: datetime, end: datetime, count: int) -> list[datetime]:
    span = (end - start).total_seconds()
    return sorted(start + timedelta(seconds=rng.uniform(120, max(span, 121))) for _ in range(count))


def _take(case: Case, step: str, by: Author, at: datetime, rng: random.Random) -> None:
    if step in ("note", "call"):
        kind = TimelineKind.NOTE if step == "note" else TimelineKind.CALL
        case.add_note(rng.choice(NOTES), by=by, at=at, kind=kind)
    elif step == "closed":
        obtained = rng.sample(CASE_OBTAINED, 1)
        paid = "payment_released" in obtained
        outcome = Outcome.checked(
            rng.choice(["favourable", "favourable", "partly_favourable", "unfavourable"]),
            obtained,
            rng.randint(20_000, 900_000) if paid else None,
            "USD" if paid else None,
            "Outcome explained to the constituent by phone.",
        )
        case.transition("closed", by=by, at=at, outcome=outcome)
    else:
        case.transition(step, by=by, at=at, reason=rng.choice(REASONS.get(step, ("",))) or None)


# Why a caseworker moved a demo case, as they would write it.
REASONS: dict[str, tuple[str, ...]] = {
    "waiting_on_agency": (
        "Inquiry sent to the agency's congressional liaison",
        "Privacy release faxed with the inquiry",
        "Liaison asked for two weeks to review the file",
    ),
    "waiting_on_constituent": (
        "Asked the constituent for a copy of the denial letter",
        "Need the signed privacy release back",
        "Waiting for the constituent's bank details",
    ),
    "open": ("Agency replied; reviewing the answer", "Constituent sent what we asked for"),
    "resolved": ("Agency confirmed the decision in writing", "Payment confirmed by the agency"),
    "withdrawn": ("Constituent resolved it directly with the agency",),
}


def seed(db: DatabaseAccess[CasesUnitOfWork], count: int = COUNT) -> int | None:
    """Add the demo cases that are missing; how many, or None when nobody takes cases."""
    with db.unit_of_work(office_id=OFFICE) as uow:
        roster = sorted((m for m in uow.staff.members() if m.takes_cases), key=lambda m: m.user_id)
    if not roster:
        return None
    now, added = utcnow(), 0
    for number in range(count):
        submission_id = str(uuid.uuid5(NAMESPACE, f"{OFFICE}/{number}"))
        with db.unit_of_work(office_id=OFFICE) as uow:
            if uow.cases.get(case_id_for(OFFICE, submission_id)) is not None:
                continue
            member = roster[number % len(roster)]
            case = demo_case(number, member, now, uow.allocations.number)
            uow.cases.add(case)
            uow.commit()
            added += 1
    return added


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=COUNT)
    parser.add_argument(
        "--wait",
        type=float,
        default=0,
        metavar="SECONDS",
        help="wait this long for the office's staff to reach cases (gateway announces them)",
    )
    arguments = parser.parse_args(argv)
    engine = create_db_engine(load_settings("cases").database_url)
    db = DatabaseAccess(
        sessionmaker(engine, expire_on_commit=False),
        Base.metadata,
        lambda: None,
        service="cases",
        unit_of_work_type=CasesUnitOfWork,
    )
    deadline = time.monotonic() + arguments.wait
    try:
        added = seed(db, arguments.count)
        while added is None and time.monotonic() < deadline:
            time.sleep(0.5)
            added = seed(db, arguments.count)
    finally:
        engine.dispose()
    if added is None:
        print(f"nobody in office {OFFICE} takes cases: add its staff first", file=sys.stderr)
        return 1
    print(f"{added} demo cases added to office {OFFICE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
