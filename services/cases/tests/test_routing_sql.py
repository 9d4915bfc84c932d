"""Routing by specialty and lowest caseload as the repository runs it, on both databases:
openings at once and in batches, waiting cases taken by an arrival, deactivated members, and on
PostgreSQL the assignments of openings not yet committed, and the SQL against the domain's rule.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert, select

from services.cases import handlers
from services.cases.domain.routing import RosterMember, route
from services.cases.models import CaseRow, PendingAssignmentRow, StaffMemberRow
from services.cases.tests.conftest import OFFICE, YEAR, Office
from services.cases.tests.rotation_oracle import T0
from services.chassis.events import IncomingEvent
from services.chassis.fakes import incoming
from services.contracts import STAFF_MEMBER_ADDED, SUBMISSION_RECEIVED

VETERANS = "veterans"
# Jo's 2 open cases among 6 (the finished ones do not count).
JO_EARLIER = ("new", "waiting_on_agency", "closed", "resolved", "withdrawn", "transferred")


def opening(category: str = VETERANS) -> IncomingEvent[Any]:
    return incoming(
        SUBMISSION_RECEIVED,
        {
            **SUBMISSION_RECEIVED.example,
            "submission_id": str(uuid.uuid4()),
            "constituent_id": str(uuid.uuid4()),
            "category": category,
        },
        office_id=OFFICE,
    )


def announcement(
    user_id: str, name: str, *specialties: str, active: bool = True, at: datetime | None = None
) -> IncomingEvent[Any]:
    return incoming(
        STAFF_MEMBER_ADDED,
        {
            "user_id": user_id,
            "display_name": name,
            "role": "caseworker",
            "active": active,
            "specialties": list(specialties),
        },
        office_id=OFFICE,
        occurred_at=at,
    )


def this_years(office: Office) -> list[CaseRow]:
    return [case for case in office.cases() if case.reference.startswith(f"CW-{YEAR}-")]


def methods(office: Office) -> set[str]:
    return {json.loads(payload)["method"] for payload in office.assignments_announced()}


@pytest.fixture
def specialists(office: Office) -> Office:
    """Alex (veterans, no case), Jo (veterans and tax, 2 open cases), Sam (tax only), and two
    veterans specialists who must never be chosen: one deactivated, one an office admin."""
    office.add_member("u-a", "Alex Chen", specialties=(VETERANS,))
    office.add_member("u-j", "Jo Park", specialties=(VETERANS, "tax"))
    office.add_member("u-s", "Sam Rivera", specialties=("tax",))
    office.add_member("u-x", "Ex Worker", specialties=(VETERANS,), active=False)
    office.add_member("u-b", "Bo Admin", role="office_admin", specialties=(VETERANS,))
    office.add_cases("u-j", *JO_EARLIER)
    return office


# Alex until level with Jo's two, then each in turn, the least recently assigned first.
LEVELLED = ["Alex Chen", "Alex Chen"] + ["Jo Park", "Alex Chen"] * 9


def test_openings_at_once_go_to_the_least_loaded_specialist_strictly_in_turn(
    specialists: Office,
) -> None:
    specialists.open_at_once([opening() for _ in range(20)])

    cases = this_years(specialists)
    assert [case.assigned_to_name for case in cases] == LEVELLED
    assert methods(specialists) == {"rule"}


def test_a_batch_of_openings_counts_each_case_it_gave_before_it_commits(
    specialists: Office,
) -> None:
    assert specialists.db.consume_batch([opening() for _ in range(8)], handlers.open_case) == {}

    assert [case.assigned_to_name for case in this_years(specialists)] == LEVELLED[:8]


def test_a_category_nobody_active_specialises_in_goes_round_robin(specialists: Office) -> None:
    specialists.open_at_once([opening("passport") for _ in range(6)])

    names = [case.assigned_to_name for case in this_years(specialists)]
    assert names == ["Alex Chen", "Jo Park", "Sam Rivera"] * 2
    assert methods(specialists) == {"round_robin"}


def test_an_arriving_specialist_shares_the_waiting_cases_by_caseload_one_by_one(
    office: Office,
) -> None:
    office.add_member("u-j", "Jo Park", specialties=(VETERANS,))
    office.add_cases("u-j", "open")
    office.add_cases(None, "new", "open", "new", "waiting_on_constituent")

    office.db.consume(announcement("u-a", "Alex Chen", VETERANS), handlers.record_staff_member)

    waiting = [case for case in office.cases() if case.reference != "CW-1999-000001"]
    assert [case.assigned_to_name for case in waiting] == [
        "Alex Chen",  # 0 against 1
        "Jo Park",  # 1 each: Jo never assigned by routing yet
        "Alex Chen",  # 1 against 2
        "Jo Park",  # 2 each: Alex had the last one
    ]
    assert methods(office) == {"rule"}


def test_a_deactivated_member_gets_nothing_and_a_late_older_announcement_changes_nothing(
    office: Office,
) -> None:
    now = datetime.now(UTC)
    for event in (
        announcement("u-j", "Jo Park", VETERANS, at=now - timedelta(minutes=1)),
        announcement("u-j", "Jo Park", VETERANS, active=False, at=now),
        announcement("u-j", "Jo Park", VETERANS, "tax", at=now - timedelta(hours=1)),
    ):
        office.db.consume(event, handlers.record_staff_member)
    office.open(opening())

    with office.engine.connect() as connection:
        jo = connection.execute(select(StaffMemberRow)).one()
    assert (jo.active, json.loads(jo.specialties)) == (False, [VETERANS])
    [case] = office.cases()
    assert case.assigned_to_id is None

    office.db.consume(announcement("u-s", "Sam Rivera"), handlers.record_staff_member)
    [case] = office.cases()
    assert case.assigned_to_name == "Sam Rivera"
    assert methods(office) == {"round_robin"}


def pending(office: Office, user_id: str, at: datetime) -> str:
    submission_id = str(uuid.uuid4())
    with office.engine.begin() as connection:
        connection.execute(
            insert(PendingAssignmentRow).values(
                office_id=OFFICE, submission_id=submission_id, user_id=user_id, assigned_at=at
            )
        )
    return submission_id


def test_on_postgresql_an_opening_not_yet_committed_counts_until_its_case_does(
    office: Office, db_backend: str
) -> None:
    if db_backend != "postgresql":
        pytest.skip("SQLite takes turns inside the opening's transaction: nothing is pending")
    office.add_member("u-a", "Alex Chen", specialties=(VETERANS,))
    office.add_member("u-j", "Jo Park", specialties=(VETERANS,))
    now = datetime.now(UTC)
    in_flight = pending(office, "u-a", now)  # another opening gave Alex a case just now
    pending(office, "u-j", now - timedelta(hours=2))  # one that never committed

    office.open(opening())  # Alex 1 (pending), Jo 0 (the stale one is not counted): Jo
    office.open(opening())  # 1 each: Alex was never assigned by routing

    assert [case.assigned_to_name for case in this_years(office)] == ["Jo Park", "Alex Chen"]
    with office.engine.connect() as connection:
        left = connection.execute(select(PendingAssignmentRow.submission_id)).scalars().all()
    # The openings' own assignments went with their cases; the stale one was removed.
    assert left == [in_flight]


rosters = st.lists(
    st.builds(
        RosterMember,
        user_id=st.sampled_from(["u-1", "U-2", "u-10", "ü-3", "u-4"]),
        display_name=st.sampled_from(["Alex Chen", "alex chen", "Älex", "Jo Park"]),
        role=st.sampled_from(["caseworker", "supervisor", "office_admin", "read_only"]),
        last_assigned_at=st.one_of(
            st.none(), st.integers(0, 3).map(lambda minutes: T0 + timedelta(minutes=minutes))
        ),
        active=st.booleans(),
        specialties=st.sampled_from([(), (VETERANS,), ("tax",), ("tax", VETERANS)]),
    ),
    max_size=5,
    unique_by=lambda member: member.user_id,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    roster=rosters,
    earlier=st.lists(
        st.tuples(st.sampled_from(["u-1", "U-2", "u-10", "ü-3"]), st.sampled_from(JO_EARLIER)),
        max_size=8,
    ),
)
def test_on_postgresql_the_sql_and_the_domain_rule_agree_on_any_roster_and_caseloads(
    office: Office,
    db_backend: str,
    roster: list[RosterMember],
    earlier: list[tuple[str, str]],
) -> None:
    """Two independent implementations of the rule, one in SQL and one in Python."""
    if db_backend != "postgresql":
        pytest.skip("SQLite's repository runs the domain rule itself")
    with office.engine.begin() as connection:
        connection.execute(delete(StaffMemberRow))
        connection.execute(delete(CaseRow))
        connection.execute(delete(PendingAssignmentRow))
    with office.db.unit_of_work(office_id=OFFICE) as uow:
        for member in roster:
            uow.staff.put(replace(member, announced_at=T0))
        uow.commit()
    for user_id, status in earlier:
        office.add_cases(user_id, status)
    caseloads: dict[str, int] = {}
    for user_id, status in earlier:
        if status in ("new", "waiting_on_agency"):
            caseloads[user_id] = caseloads.get(user_id, 0) + 1

    with office.db.unit_of_work(office_id=OFFICE) as uow:
        allocation = uow.allocations.take(str(uuid.uuid4()), T0, VETERANS)
        uow.commit()

    assert allocation is not None
    assert allocation.turn == route(roster, VETERANS, caseloads, T0)
