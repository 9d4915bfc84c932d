"""Agencies' events on the case through cases' handlers on the fake unit of work: each step of
a letter to an agency on the timeline in plain words, the case waiting on the agency while it
should, and its next-action date following the agencies' due dates. No database, no broker."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from services.cases import handlers, staff
from services.cases.domain.case import Author, Case, Outcome
from services.cases.domain.lifecycle import CaseStatus
from services.cases.domain.timeline import TimelineKind, TimelineNote
from services.cases.schemas import case_file
from services.cases.tests.fakes import FakeCasesUnitOfWork, fake_database
from services.cases.tests.test_handlers import OFFICE, add_staff, open_case, sample
from services.chassis.consuming import consume
from services.chassis.domain import Actor
from services.chassis.errors import TransientError
from services.chassis.fakes import FakeDatabase, incoming
from services.contracts import (
    CASE_REFERRED,
    CASE_STATUS_CHANGED,
    CLOCK_PAUSED,
    CLOCK_RESUMED,
    DEADLINE_EXTENDED,
    INQUIRY_OVERDUE,
    INQUIRY_SENT,
    INQUIRY_WITHDRAWN,
    REMINDER_DUE,
    REPLY_LOGGED,
    EventContract,
)
from services.contracts.rpc.cases import CaseFile

Db = FakeDatabase[FakeCasesUnitOfWork]
SAM = Actor.staff("u-3", "caseworker", "staff-app")
SENT_AT = datetime(2026, 12, 12, 15, 0, tzinfo=UTC)
DUE = date(2027, 1, 2)
SSA = {"agency_code": "SSA", "agency_name": "Social Security Administration"}
VA = {"agency_code": "VA", "agency_name": "Department of Veterans Affairs"}


@pytest.fixture
def db() -> Db:
    database = fake_database()
    add_staff(database, "u-3", "Sam Rivera", "caseworker")
    return database


def event(contract: EventContract, case: Case, **payload: Any) -> Any:
    return incoming(
        contract,
        {"case_id": case.case_id, "reference": case.reference, **payload},
        office_id=case.office_id,
    )


def sent(case: Case, inquiry_id: str = "", agency: dict[str, str] = SSA, **overrides: Any) -> Any:
    payload = {
        "inquiry_id": inquiry_id or str(uuid.uuid4()),
        **agency,
        "channel": "email",
        "sent_by": "u-3",
        "sent_at": SENT_AT,
        "due_on": DUE,
        "follow_up_on": date(2026, 12, 19),
        **overrides,
    }
    return event(INQUIRY_SENT, case, **payload)


def reply(of: Any, kind: str = "final", **overrides: Any) -> Any:
    sending = of.payload
    payload = {
        "inquiry_id": sending.inquiry_id,
        "agency_code": sending.agency_code,
        "agency_name": sending.agency_name,
        "kind": kind,
        "logged_by": "u-3",
        "received_on": date(2026, 12, 20),
        "logged_at": datetime(2026, 12, 21, 9, 0, tzinfo=UTC),
        "follow_up_on": date(2027, 1, 19) if kind == "interim" else None,
        **overrides,
    }
    return incoming(
        REPLY_LOGGED,
        {"case_id": sending.case_id, "reference": sending.reference, **payload},
        office_id=of.office_id,
    )


def clocks(
    contract: EventContract, case: Case, due: dict[str, date], reason: str, at: datetime
) -> Any:
    return event(contract, case, inquiry_ids=list(due), due_on=due, reason=reason, at=at)


HANDLERS: dict[str, Callable[[Any, Any], None]] = {
    INQUIRY_SENT.event_type: handlers.record_inquiry_sent,
    REPLY_LOGGED.event_type: handlers.record_reply_logged,
    INQUIRY_OVERDUE.event_type: handlers.record_inquiry_overdue,
    CLOCK_PAUSED.event_type: handlers.record_clocks_changed,
    CLOCK_RESUMED.event_type: handlers.record_clocks_changed,
    DEADLINE_EXTENDED.event_type: handlers.record_deadline_extended,
    CASE_REFERRED.event_type: handlers.record_case_referred,
    REMINDER_DUE.event_type: handlers.record_reminder_due,
    INQUIRY_WITHDRAWN.event_type: handlers.record_inquiry_withdrawn,
}


def deliver(db: Db, *events: Any) -> None:
    for delivered in events:
        consume(db, delivered, HANDLERS[delivered.event_type])


def now(db: Db, case: Case) -> Case:
    return db.rows["cases"][(OFFICE, case.case_id)]  # type: ignore[no-any-return]


def agency_notes(db: Db, case: Case) -> list[TimelineNote]:
    kinds = {
        TimelineKind.INQUIRY_SENT,
        TimelineKind.AGENCY_REPLY,
        TimelineKind.INQUIRY_OVERDUE,
        TimelineKind.AGENCY_CLOCKS_PAUSED,
        TimelineKind.AGENCY_CLOCKS_RESUMED,
        TimelineKind.DEADLINE_EXTENDED,
        TimelineKind.REFERRED,
        TimelineKind.INQUIRY_WITHDRAWN,
        TimelineKind.REMINDER,
    }
    return [note for note in now(db, case).timeline if note.kind in kinds]


def summaries(db: Db, case: Case) -> list[str]:
    return [note.summary for note in agency_notes(db, case)]


def status_changes(db: Db) -> list[tuple[str, str, str | None, str]]:
    return [
        (e.payload.from_status, e.payload.to_status, e.payload.reason, e.payload.changed_by)
        for e in db.outbox
        if e.contract == CASE_STATUS_CHANGED
    ]


def move(db: Db, case: Case, to: str, outcome: Outcome | None = None) -> None:
    with db.unit_of_work(office_id=OFFICE, actor=SAM) as uow:
        stored = uow.cases.get(case.case_id)
        assert stored is not None
        stored.transition(to, by=Author("u-3", "Sam Rivera"), at=SENT_AT, outcome=outcome)
        uow.commit()
    db.outbox.clear()


def test_a_letter_sent_is_on_the_timeline_and_the_case_waits_on_the_agency(db: Db) -> None:
    case = open_case(db)
    assert case.status is CaseStatus.NEW
    db.outbox.clear()
    moved = sample("casework_cases_transitions_total", {"to": "waiting_on_agency"})

    deliver(db, sent(case))

    [note] = agency_notes(db, case)
    assert note.summary == (
        "Letter sent to Social Security Administration by email; reply due 2 Jan 2027"
    )
    assert (note.at, note.author_id, note.author_name) == (SENT_AT, "u-3", "Sam Rivera")
    assert now(db, case).status is CaseStatus.WAITING_ON_AGENCY
    assert status_changes(db) == [
        ("new", "waiting_on_agency", "Inquiry sent to Social Security Administration", "u-3")
    ]
    assert sample("casework_cases_transitions_total", {"to": "waiting_on_agency"}) == moved + 1
    # The next action: see that the agency answered by its due date.
    assert now(db, case).due_on == DUE


@pytest.mark.parametrize(
    ("status", "channel", "words"),
    [
        ("open", "fax", "by fax"),
        ("waiting_on_agency", "portal", "through the agency's portal"),
    ],
)
def test_from_open_the_case_waits_and_already_waiting_it_only_gets_the_entry(
    db: Db, status: str, channel: str, words: str
) -> None:
    case = open_case(db)
    move(db, case, status)

    deliver(db, sent(case, channel=channel))

    assert summaries(db, case) == [
        f"Letter sent to Social Security Administration {words}; reply due 2 Jan 2027"
    ]
    assert now(db, case).status is CaseStatus.WAITING_ON_AGENCY
    expected = [] if status == "waiting_on_agency" else [("open", "waiting_on_agency")]
    assert [change[:2] for change in status_changes(db)] == expected


@pytest.mark.parametrize("status", ["waiting_on_constituent", "resolved", "closed", "withdrawn"])
def test_a_case_waiting_on_its_constituent_or_finished_stays_where_it_is(
    db: Db, status: str
) -> None:
    case = open_case(db)
    outcome = Outcome("referred_elsewhere") if status == "closed" else None
    move(db, case, status, outcome)

    deliver(db, sent(case, channel="post"))

    assert summaries(db, case) == [
        "Letter sent to Social Security Administration by post; reply due 2 Jan 2027"
    ]
    assert now(db, case).status.value == status
    assert status_changes(db) == []


def test_a_final_reply_brings_the_case_back_to_open_and_clears_the_agencys_date(db: Db) -> None:
    case = open_case(db)
    letter = sent(case)
    deliver(db, letter)
    db.outbox.clear()

    deliver(db, reply(letter, "final"))

    assert summaries(db, case)[-1] == "Final reply from SSA logged (received 20 Dec 2026)"
    assert now(db, case).status is CaseStatus.OPEN
    assert status_changes(db) == [
        ("waiting_on_agency", "open", "Final reply from Social Security Administration", "u-3")
    ]
    assert now(db, case).due_on is None


def withdrawn(of: Any) -> Any:
    sending = of.payload
    return incoming(
        INQUIRY_WITHDRAWN,
        {
            "case_id": sending.case_id,
            "reference": sending.reference,
            "inquiry_id": sending.inquiry_id,
            "agency_code": sending.agency_code,
            "agency_name": sending.agency_name,
            "withdrawn_by": "u-3",
            "withdrawn_at": datetime(2026, 12, 22, 9, 0, tzinfo=UTC),
        },
        office_id=of.office_id,
    )


def test_a_withdrawn_letter_is_no_longer_waited_on(db: Db) -> None:
    case = open_case(db)
    to_ssa, to_va = sent(case), sent(case, agency=VA, due_on=date(2027, 1, 9))
    deliver(db, to_ssa, to_va)
    db.outbox.clear()

    deliver(db, withdrawn(to_ssa))
    assert summaries(db, case)[-1] == (
        "Letter to Social Security Administration withdrawn; still waiting on VA"
    )
    assert now(db, case).status is CaseStatus.WAITING_ON_AGENCY
    assert now(db, case).due_on == date(2027, 1, 9), "the next action follows VA's date"

    deliver(db, withdrawn(to_va))
    assert now(db, case).status is CaseStatus.OPEN
    assert status_changes(db) == [
        ("waiting_on_agency", "open", "Letter to Department of Veterans Affairs withdrawn", "u-3")
    ]
    assert now(db, case).due_on is None


def test_an_interim_reply_keeps_the_case_waiting_and_says_when_to_follow_up(db: Db) -> None:
    case = open_case(db)
    letter = sent(case)
    deliver(db, letter)
    db.outbox.clear()

    deliver(db, reply(letter, "interim"))

    assert summaries(db, case)[-1] == "Interim reply from SSA logged; next follow-up 19 Jan 2027"
    assert now(db, case).status is CaseStatus.WAITING_ON_AGENCY
    assert status_changes(db) == []
    assert now(db, case).due_on == DUE, "an interim reply does not move the final deadline"


def test_a_final_reply_while_another_agency_is_awaited_keeps_the_case_waiting(db: Db) -> None:
    case = open_case(db)
    to_ssa = sent(case)
    to_va = sent(case, agency=VA, due_on=date(2027, 1, 20))
    deliver(db, to_ssa, to_va)
    assert now(db, case).due_on == DUE

    deliver(db, reply(to_ssa))

    assert summaries(db, case)[-1] == (
        "Final reply from SSA logged (received 20 Dec 2026); still waiting on VA"
    )
    assert now(db, case).status is CaseStatus.WAITING_ON_AGENCY
    assert now(db, case).due_on == date(2027, 1, 20), "the next agency's due date"

    deliver(db, reply(to_va))

    assert now(db, case).status is CaseStatus.OPEN
    assert now(db, case).due_on is None


def test_a_final_reply_heard_of_before_its_sending_leaves_the_case_open(db: Db) -> None:
    case = open_case(db)
    move(db, case, "open")
    letter = sent(case)

    deliver(db, reply(letter), letter)

    assert now(db, case).status is CaseStatus.OPEN
    assert status_changes(db) == []
    assert now(db, case).due_on is None
    # The case page orders its lines by when they happened, not when they were heard of.
    assert [note.kind for note in sorted(agency_notes(db, case), key=lambda n: n.at)] == [
        TimelineKind.INQUIRY_SENT,
        TimelineKind.AGENCY_REPLY,
    ]


def test_a_date_a_person_chose_is_never_overwritten_by_an_agencys(db: Db) -> None:
    case = open_case(db)
    chosen = date(2026, 12, 15)
    with db.unit_of_work(office_id=OFFICE, actor=SAM) as uow:
        stored = uow.cases.get(case.case_id)
        assert stored is not None
        stored.update(by=Author("u-3", "Sam Rivera"), at=SENT_AT, due_on=chosen)
        uow.commit()
    letter = sent(case)

    deliver(db, letter, reply(letter))

    assert now(db, case).due_on == chosen


def test_overdue_levels_are_on_the_timeline(db: Db) -> None:
    case = open_case(db)
    letter = sent(case)
    deliver(db, letter)

    for level, late in (("due", 0), ("plus_5", 5), ("plus_10", 1)):
        deliver(
            db,
            event(
                INQUIRY_OVERDUE,
                case,
                inquiry_id=letter.payload.inquiry_id,
                **SSA,
                level=level,
                due_on=DUE,
                business_days_late=late,
                detected_at=SENT_AT + timedelta(days=30),
            ),
        )

    assert summaries(db, case)[1:] == [
        "SSA reply overdue: due 2 Jan 2027",
        "SSA reply overdue: due 2 Jan 2027, now 5 business days late",
        "SSA reply overdue: due 2 Jan 2027, now 1 business day late",
    ]
    assert all(note.author_id is None for note in agency_notes(db, case)[1:]), "the system's"


def test_clocks_paused_and_resumed_name_each_agencys_new_due_date(db: Db) -> None:
    case = open_case(db)
    to_ssa, to_va = sent(case), sent(case, agency=VA, due_on=date(2027, 1, 20))
    deliver(db, to_ssa, to_va)
    ssa, va = to_ssa.payload.inquiry_id, to_va.payload.inquiry_id
    unknown = str(uuid.uuid4())
    paused_at = datetime(2026, 12, 15, 10, 0, tzinfo=UTC)

    deliver(
        db,
        clocks(CLOCK_PAUSED, case, {ssa: DUE}, "waiting_on_constituent", paused_at),
        clocks(
            CLOCK_RESUMED,
            case,
            {ssa: date(2027, 1, 6), va: date(2027, 1, 23), unknown: date(2027, 2, 1)},
            "open",
            paused_at + timedelta(days=3),
        ),
    )

    assert summaries(db, case)[2:] == [
        "Agency clocks paused while waiting on the constituent",
        "Agency clocks resumed; SSA now due 6 Jan 2027, VA now due 23 Jan 2027, "
        "an inquiry now due 1 Feb 2027",
    ]
    assert now(db, case).due_on == date(2027, 1, 6)


def test_an_extension_says_the_new_date_with_its_reason_and_moves_the_next_action(
    db: Db,
) -> None:
    case = open_case(db)
    letter = sent(case)
    deliver(db, letter)

    deliver(
        db,
        event(
            DEADLINE_EXTENDED,
            case,
            inquiry_id=letter.payload.inquiry_id,
            agency_code="SSA",
            due_on=date(2027, 1, 15),
            previous_due_on=DUE,
            reason="The liaison asked for two more weeks",
            extended_by="u-3",
            at=datetime(2026, 12, 30, 16, 0, tzinfo=UTC),
        ),
    )

    note = agency_notes(db, case)[-1]
    assert note.summary == "SSA deadline extended to 15 Jan 2027 (was 2 Jan 2027)"
    assert (note.body, note.author_name) == ("The liaison asked for two more weeks", "Sam Rivera")
    assert now(db, case).due_on == date(2027, 1, 15)


def test_a_referral_is_on_the_timeline(db: Db) -> None:
    case = open_case(db)

    deliver(
        db,
        event(
            CASE_REFERRED,
            case,
            referral_id=str(uuid.uuid4()),
            partner_id=str(uuid.uuid4()),
            partner_name="Legal Aid of the Valley",
            referred_by="u-3",
            referred_at=SENT_AT,
            with_letter=True,
        ),
    )

    assert summaries(db, case) == ["Referred to Legal Aid of the Valley, with a letter"]
    assert now(db, case).status is CaseStatus.NEW, "closing it as referred is the caseworker's"


def reminder(case: Case, occurrence: int, audience: str = "caseworker") -> Any:
    return event(
        REMINDER_DUE,
        case,
        reminder_id="2c4e6a8b-1d3f-4a5b-9c7d-0e1f2a3b4c5d",
        kind="agency_follow_up" if audience == "caseworker" else "inquiry_overdue",
        audience=audience,
        occurrence=occurrence,
        summary="Follow up with SSA: no final reply yet (every 7 days)",
        due_at=datetime(2027, 1, 9, 14, 0, tzinfo=UTC),
        fired_at=datetime(2027, 1, 9, 14, 0, 1, tzinfo=UTC),
        agency_code="SSA",
        inquiry_id=str(uuid.uuid4()),
    )


def test_a_fired_reminder_is_on_the_timeline_and_sets_the_next_action_if_none(db: Db) -> None:
    case = open_case(db)
    assert now(db, case).due_on is None

    deliver(db, reminder(case, 1), reminder(case, 2), reminder(case, 1, audience="supervisor"))

    assert summaries(db, case) == [
        "Reminder: Follow up with SSA: no final reply yet (every 7 days)",
        "Reminder: Follow up with SSA: no final reply yet (every 7 days) (reminder 2)",
        "Escalated to supervisors: Follow up with SSA: no final reply yet (every 7 days)",
    ]
    assert now(db, case).due_on == date(2027, 1, 9)


def test_a_reminder_never_moves_a_next_action_a_person_set(db: Db) -> None:
    case = open_case(db)
    deliver(db, sent(case))  # the agency's due date becomes the next action

    deliver(db, reminder(case, 1))

    assert now(db, case).due_on == DUE


def test_a_redelivered_event_is_on_the_timeline_once(db: Db) -> None:
    case = open_case(db)
    letter = sent(case)

    deliver(db, letter, letter)

    assert len(summaries(db, case)) == 1
    assert len(db.rows["inquiries"]) == 1


def test_an_event_that_overtook_its_case_is_retried(db: Db) -> None:
    case = open_case(db)
    stray = sent(case, case_id=str(uuid.uuid4()))

    with pytest.raises(TransientError):
        deliver(db, stray)


def test_the_case_page_shows_the_agency_entries(db: Db) -> None:
    case = open_case(db)
    letter = sent(case)
    deliver(db, letter, reply(letter, "interim"))

    with db.unit_of_work(office_id=OFFICE, actor=SAM) as uow:
        page = CaseFile().load(case_file(staff.get_case(uow, case_id=case.case_id)))

    kinds = [entry["kind"] for entry in page["timeline"]]
    assert kinds[-3:] == ["inquiry_sent", "status_changed", "agency_reply"]
    assert page["status"] == "waiting_on_agency"
