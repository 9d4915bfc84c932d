"""Cases' handlers run through the consume wrapper on the fake unit of work: no database, no
broker, milliseconds each."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from prometheus_client import REGISTRY

from services.cases import handlers, staff
from services.cases.domain.case import Case, CaseStatus, TimelineKind
from services.cases.domain.queue import CaseQuery
from services.cases.domain.routing import RosterMember
from services.cases.tests.conftest import suggested
from services.cases.tests.fakes import FakeCasesUnitOfWork, fake_database
from services.chassis.consuming import consume
from services.chassis.domain import Actor
from services.chassis.errors import NotFound, TransientError
from services.chassis.fakes import FakeDatabase, incoming
from services.contracts import (
    ACKNOWLEDGEMENT_SENT,
    AGENCY_SUGGESTED,
    CASE_ASSIGNED,
    CASE_OPENED,
    SATISFACTION_RATED,
    STAFF_MEMBER_ADDED,
    SUBMISSION_RECEIVED,
    CaseAssigned,
)

OFFICE = "rep-lopez"
OTHER_OFFICE = "sen-okafor"
YEAR = datetime.now(UTC).year
Db = FakeDatabase[FakeCasesUnitOfWork]


@pytest.fixture
def db() -> Db:
    return fake_database()


def submitted(office: str = OFFICE, **overrides: Any) -> Any:
    payload = {
        **SUBMISSION_RECEIVED.example,
        "submission_id": str(uuid.uuid4()),
        "constituent_id": str(uuid.uuid4()),
        **overrides,
    }
    return incoming(SUBMISSION_RECEIVED, payload, office_id=office)


def open_case(db: Db, office: str = OFFICE, **overrides: Any) -> Case:
    event = submitted(office, **overrides)
    consume(db, event, handlers.open_case)
    return stored(db, office, event.payload.submission_id)


def stored(db: Db, office: str, submission_id: str) -> Case:
    [case] = [
        case
        for (in_office, _), case in db.rows["cases"].items()
        if in_office == office and case.submission_id == submission_id
    ]
    return case


def add_staff(
    db: Db, user_id: str, name: str, role: str, office: str = OFFICE, at: datetime | None = None
) -> Any:
    event = incoming(
        STAFF_MEMBER_ADDED,
        {"user_id": user_id, "display_name": name, "role": role},
        office_id=office,
        occurred_at=at,
    )
    consume(db, event, handlers.record_staff_member)
    return event


def sample(name: str, labels: dict[str, str] | None = None) -> float:
    return REGISTRY.get_sample_value(name, labels or {}) or 0.0


ASSIGNED_METRIC = ("casework_cases_assignments_total", {"method": "round_robin"})


def test_a_submission_becomes_the_offices_next_case_on_the_next_caseworkers_turn(db: Db) -> None:
    add_staff(db, "u-3", "Sam Rivera", "caseworker")
    add_staff(db, "u-4", "Alex Chen", "supervisor")
    add_staff(db, "u-5", "Ada Admin", "office_admin")
    opened_before = sample("casework_cases_opened_total")
    assigned_before = sample(*ASSIGNED_METRIC)

    first, second, third = (open_case(db) for _ in range(3))
    elsewhere = open_case(db, OTHER_OFFICE)

    assert [case.reference for case in (first, second, third)] == [
        f"CW-{YEAR}-{number:06d}" for number in (1, 2, 3)
    ]
    assert elsewhere.reference == f"CW-{YEAR}-000001" and elsewhere.assigned_to_id is None
    assert [case.assigned_to_name for case in (first, second, third)] == [
        "Alex Chen",
        "Sam Rivera",
        "Alex Chen",
    ]
    assert [note.kind for note in first.timeline] == [TimelineKind.OPENED, TimelineKind.ASSIGNED]
    assert [event.contract for event in db.outbox] == [CASE_OPENED, CASE_ASSIGNED] * 3 + [
        CASE_OPENED
    ]
    assert db.published(CASE_OPENED)[0].case_id == first.case_id
    assert sample("casework_cases_opened_total") - opened_before == 4
    assert sample(*ASSIGNED_METRIC) - assigned_before == 3


def test_a_redelivered_or_re_announced_submission_opens_no_second_case(db: Db) -> None:
    event = submitted()
    consume(db, event, handlers.open_case)
    consume(db, event, handlers.open_case)  # redelivered: the inbox stops it
    again = incoming(SUBMISSION_RECEIVED, event.payload, office_id=OFFICE)
    consume(db, again, handlers.open_case)  # re-announced under a new event id

    assert len(db.rows["cases"]) == 1
    assert [event.contract for event in db.outbox] == [CASE_OPENED]
    assert db.rows["counters"] == {(OFFICE, YEAR): 1}, "a re-announcement takes no number"
    assert len(db.inbox) == 2


def test_a_case_opened_before_anyone_takes_cases_goes_to_the_first_caseworker_announced(
    db: Db,
) -> None:
    waiting = open_case(db)
    add_staff(db, "u-5", "Ada Admin", "office_admin")
    assert stored(db, OFFICE, waiting.submission_id).assigned_to_id is None
    assert db.published(CASE_ASSIGNED) == []
    assigned_before = sample(*ASSIGNED_METRIC)

    arrival = add_staff(db, "u-3", "Sam Rivera", "caseworker")

    case = stored(db, OFFICE, waiting.submission_id)
    assert (case.assigned_to_id, case.assigned_to_name) == ("u-3", "Sam Rivera")
    assert case.assigned_at is not None
    assert case.timeline[-1].summary == "Assigned to Sam Rivera (round robin)"
    [announced] = [event for event in db.outbox if event.contract is CASE_ASSIGNED]
    assert announced.payload == CaseAssigned(
        case.case_id, "u-3", "Sam Rivera", "round_robin", case.assigned_at
    )
    assert announced.causation_id == arrival.event_id
    assert sample(*ASSIGNED_METRIC) - assigned_before == 1


def test_waiting_cases_are_shared_round_robin_oldest_first_with_those_already_there(
    db: Db,
) -> None:
    # Cases left waiting (say, opened before this rule existed) while Alex already took cases.
    cases = [open_case(db) for _ in range(3)]
    for number, case in enumerate(cases):  # the first opened is dated latest
        stored(db, OFFICE, case.submission_id).opened_at = datetime(
            2026, 1, 1, tzinfo=UTC
        ) + timedelta(days=2 - number)
    elsewhere = open_case(db, OTHER_OFFICE)
    db.rows["staff"][(OFFICE, "u-4")] = RosterMember(
        "u-4", "Alex Chen", "caseworker", datetime(2026, 1, 5, tzinfo=UTC), announced_at=None
    )

    add_staff(db, "u-3", "Sam Rivera", "caseworker")

    oldest_first = [stored(db, OFFICE, case.submission_id) for case in reversed(cases)]
    assert [case.assigned_to_name for case in oldest_first] == [
        "Sam Rivera",
        "Alex Chen",
        "Sam Rivera",
    ]
    assert [payload.case_id for payload in db.published(CASE_ASSIGNED)] == [
        case.case_id for case in oldest_first
    ]
    assert stored(db, OTHER_OFFICE, elsewhere.submission_id).assigned_to_id is None


def test_a_finished_case_is_not_given_to_an_arriving_caseworker(db: Db) -> None:
    case = open_case(db)
    stored(db, OFFICE, case.submission_id).status = CaseStatus.CLOSED

    add_staff(db, "u-3", "Sam Rivera", "caseworker")

    assert stored(db, OFFICE, case.submission_id).assigned_to_id is None
    assert db.published(CASE_ASSIGNED) == []


def test_a_role_change_takes_a_caseworker_out_of_rotation_and_a_late_old_event_does_not_undo_it(
    db: Db,
) -> None:
    now = datetime.now(UTC)
    add_staff(db, "u-3", "Sam Rivera", "caseworker", at=now - timedelta(minutes=1))
    add_staff(db, "u-3", "Sam Rivera", "office_admin", at=now)
    add_staff(db, "u-3", "Sam Rivera", "caseworker", at=now - timedelta(hours=1))  # stale

    assert db.rows["staff"][(OFFICE, "u-3")].role == "office_admin"
    assert open_case(db).assigned_to_id is None


def suggestion(case_id: str) -> Any:
    return incoming(
        AGENCY_SUGGESTED,
        suggested(case_id),
        office_id=OFFICE,
    )


def test_an_agency_suggestion_that_overtakes_its_case_is_retried_and_claims_nothing(
    db: Db,
) -> None:
    event = suggestion(str(uuid.uuid4()))
    with pytest.raises(TransientError):
        consume(db, event, handlers.record_agency_suggestion)
    assert db.inbox == set()


def test_the_agency_suggestion_and_acknowledgement_are_added_to_the_case(db: Db) -> None:
    case = open_case(db)
    consume(db, suggestion(case.case_id), handlers.record_agency_suggestion)
    sent_at = datetime.now(UTC)
    acknowledgement = incoming(
        ACKNOWLEDGEMENT_SENT,
        {
            "case_id": case.case_id,
            "submission_id": case.submission_id,
            "channel": "email",
            "sent_at": sent_at,
        },
        office_id=OFFICE,
    )
    consume(db, acknowledgement, handlers.record_acknowledgement)

    updated = stored(db, OFFICE, case.submission_id)
    assert (updated.agency_code, updated.agency_name) == ("SSA", "Social Security Administration")
    assert [note.kind for note in updated.timeline] == [
        TimelineKind.OPENED,
        TimelineKind.AGENCY_SUGGESTED,
        TimelineKind.ACKNOWLEDGEMENT_SENT,
    ]
    assert updated.timeline[-1].at == sent_at


def test_each_rating_the_constituent_gives_is_a_line_on_the_timeline(db: Db) -> None:
    case = open_case(db)
    rated_at = datetime.now(UTC)
    for rating, event_id in ((2, "e-rated-1"), (2, "e-rated-1"), (4, "e-rated-2")):
        rated = incoming(
            SATISFACTION_RATED,
            {
                "survey_id": "survey-1",
                "case_id": case.case_id,
                "rating": rating,
                "rated_at": rated_at,
            },
            office_id=OFFICE,
            event_id=event_id,
        )
        consume(db, rated, handlers.record_satisfaction)

    updated = stored(db, OFFICE, case.submission_id)
    assert [note.summary for note in updated.timeline[1:]] == [
        "The constituent rated the office's help 2 of 5 (not well)",
        "The constituent rated the office's help 4 of 5 (well)",
    ]
    assert updated.status == case.status


def test_a_queue_page_is_the_offices_newest_cases_and_each_one_shown_is_audited(db: Db) -> None:
    add_staff(db, "u-3", "Sam Rivera", "caseworker")
    opened = [open_case(db, subject=f"Request {number}") for number in range(3)]
    open_case(db, OTHER_OFFICE)
    reader = Actor.staff("u-3", "caseworker", "staff-app")

    with db.unit_of_work(office_id=OFFICE, actor=reader) as uow:
        page = staff.list_cases(uow, CaseQuery(limit=2))

    assert page.total == 3
    assert [case.subject for case in page.cases] == ["Request 2", "Request 1"]
    assert [(entry.actor, entry.action, entry.subject_id) for entry in db.audit_log] == [
        ("u-3", "case.listed", opened[2].case_id),
        ("u-3", "case.listed", opened[1].case_id),
    ]


def test_another_offices_case_is_not_found_and_its_read_is_not_audited(db: Db) -> None:
    theirs = open_case(db, OTHER_OFFICE)

    with db.unit_of_work(office_id=OFFICE) as uow, pytest.raises(NotFound):
        staff.get_case(uow, case_id=theirs.case_id)
    with db.unit_of_work(office_id=OTHER_OFFICE) as uow:
        assert staff.get_case(uow, case_id=theirs.case_id).case.case_id == theirs.case_id

    assert [(entry.office_id, entry.action) for entry in db.audit_log] == [
        (OTHER_OFFICE, "case.viewed")
    ]


class FailingCommit(FakeCasesUnitOfWork):
    def commit(self) -> None:
        raise RuntimeError("the database went away")


def test_nothing_is_counted_or_kept_when_the_opening_does_not_commit() -> None:
    db = FakeDatabase(FailingCommit, service="cases")
    db.rows["staff"] = {(OFFICE, "u-3"): RosterMember("u-3", "Sam Rivera", "caseworker")}
    opened_before = sample("casework_cases_opened_total")
    assigned_before = sample(*ASSIGNED_METRIC)

    with pytest.raises(RuntimeError):
        consume(db, submitted(), handlers.open_case)

    assert sample("casework_cases_opened_total") == opened_before
    assert sample(*ASSIGNED_METRIC) == assigned_before
    assert "cases" not in db.rows and db.outbox == []
