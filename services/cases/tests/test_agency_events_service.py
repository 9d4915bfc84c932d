"""Agencies' events through the real cases database (SQLite and PostgreSQL behind the tenant
wall) and the real service on a broker: the inquiries kept, the timeline and status written,
and the status change announced."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import eventlet
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.cases import handlers
from services.cases.domain.case import case_id_for
from services.cases.models import AgencyInquiryRow, CaseRow, TimelineEntryRow
from services.cases.tests.conftest import OFFICE, CasesHarness, Office, submission
from services.chassis.fakes import incoming
from services.chassis.testing import wait_until
from services.contracts import (
    CASE_STATUS_CHANGED,
    CLOCK_RESUMED,
    INQUIRY_SENT,
    REPLY_LOGGED,
    SUBMISSION_RECEIVED,
)

SENT_AT = datetime(2026, 12, 12, 15, 0, tzinfo=UTC)
STATUS_QUEUE = "agencies--cases.case_status_changed"


def sending(
    case_id: str, reference: str, agency_code: str = "SSA", **overrides: Any
) -> dict[str, Any]:
    names = {"SSA": "Social Security Administration", "VA": "Department of Veterans Affairs"}
    return {
        "inquiry_id": str(uuid.uuid4()),
        "case_id": case_id,
        "reference": reference,
        "agency_code": agency_code,
        "agency_name": names[agency_code],
        "channel": "email",
        "sent_by": "u-3",
        "sent_at": SENT_AT,
        "due_on": date(2027, 1, 2),
        "follow_up_on": None,
        **overrides,
    }


def final_reply(sent: dict[str, Any]) -> dict[str, Any]:
    return {
        "inquiry_id": sent["inquiry_id"],
        "case_id": sent["case_id"],
        "reference": sent["reference"],
        "agency_code": sent["agency_code"],
        "agency_name": sent["agency_name"],
        "kind": "final",
        "logged_by": "u-3",
        "received_on": date(2026, 12, 20),
        "logged_at": datetime(2026, 12, 21, 9, 0, tzinfo=UTC),
        "follow_up_on": None,
    }


def opened(office: Office) -> CaseRow:
    event = incoming(SUBMISSION_RECEIVED, submission(), office_id=OFFICE)
    office.open(event)
    with Session(office.engine) as session:
        case = session.get(CaseRow, case_id_for(OFFICE, event.payload.submission_id))
    assert case is not None
    return case


def inquiries(office: Office) -> list[tuple[str, date | None, bool, bool]]:
    with Session(office.engine) as session:
        rows = session.scalars(select(AgencyInquiryRow).order_by(AgencyInquiryRow.agency_code))
        return [
            (r.agency_code, r.due_on, r.sent_at is not None, r.answered_at is not None)
            for r in rows
        ]


def test_inquiries_are_kept_and_followed_through_the_database(office: Office) -> None:
    office.add_member("u-3", "Sam Rivera")
    case = opened(office)
    to_ssa = sending(case.id, case.reference)
    to_va = sending(case.id, case.reference, "VA", due_on=date(2027, 1, 20))

    # Both in one unit of work, as a batch would: the second sees the first, not yet written.
    office.db.consume_batch(
        [
            incoming(INQUIRY_SENT, to_ssa, office_id=OFFICE),
            incoming(INQUIRY_SENT, to_va, office_id=OFFICE),
        ],
        handlers.record_inquiry_sent,
    )
    resumed = {
        "case_id": case.id,
        "reference": case.reference,
        "inquiry_ids": [to_ssa["inquiry_id"], to_va["inquiry_id"]],
        "due_on": {to_ssa["inquiry_id"]: "2027-01-06", to_va["inquiry_id"]: "2027-01-23"},
        "reason": "open",
        "at": datetime(2026, 12, 18, 10, 0, tzinfo=UTC),
    }
    office.db.consume(
        incoming(CLOCK_RESUMED, resumed, office_id=OFFICE), handlers.record_clocks_changed
    )
    office.db.consume(
        incoming(REPLY_LOGGED, final_reply(to_ssa), office_id=OFFICE),
        handlers.record_reply_logged,
    )

    assert inquiries(office) == [
        ("SSA", date(2027, 1, 6), True, True),
        ("VA", date(2027, 1, 23), True, False),
    ]
    with Session(office.engine) as session:
        stored = session.get(CaseRow, case.id)
        assert stored is not None
        assert (stored.status, stored.due_on) == ("waiting_on_agency", date(2027, 1, 23))
        summaries = session.scalars(
            select(TimelineEntryRow.summary)
            .where(TimelineEntryRow.case_id == case.id)
            .order_by(TimelineEntryRow.at, TimelineEntryRow.id)
        ).all()
    assert summaries[-5:] == [
        "Letter sent to Social Security Administration by email; reply due 2 Jan 2027",
        "Status changed from new to waiting on agency",
        "Letter sent to Department of Veterans Affairs by email; reply due 20 Jan 2027",
        "Agency clocks resumed; SSA now due 6 Jan 2027, VA now due 23 Jan 2027",
        "Final reply from SSA logged (received 20 Dec 2026); still waiting on VA",
    ]


def test_a_sending_and_its_reply_handled_at_once_are_one_inquiry(office: Office) -> None:
    """Two workers on the two queues: one inserts the inquiry, the other clashes on the key,
    runs again, and finds it."""
    case = opened(office)
    for _ in range(3):
        sent = sending(case.id, case.reference)
        pool = eventlet.GreenPool(2)
        pool.spawn(
            office.db.consume,
            incoming(INQUIRY_SENT, sent, office_id=OFFICE),
            handlers.record_inquiry_sent,
        )
        pool.spawn(
            office.db.consume,
            incoming(REPLY_LOGGED, final_reply(sent), office_id=OFFICE),
            handlers.record_reply_logged,
        )
        pool.waitall()

    assert inquiries(office) == [("SSA", date(2027, 1, 2), True, True)] * 3


def test_the_service_moves_the_case_and_announces_it(cases: CasesHarness) -> None:
    cases.add_staff("u-3", "Sam Rivera", "caseworker")
    case = cases.open_case()
    sent = sending(case.id, case.reference)

    cases.publish(INQUIRY_SENT, sent, office_id=OFFICE)
    wait_until(
        lambda: (row := cases.case(case.id)) is not None and row.status == "waiting_on_agency",
        message="the case never waited on the agency",
    )
    cases.publish(REPLY_LOGGED, final_reply(sent), office_id=OFFICE)
    wait_until(
        lambda: (row := cases.case(case.id)) is not None and row.status == "open",
        message="the final reply never brought the case back",
    )
    wait_until(cases.outbox_drained)

    changes = [body for body in cases.queued(STATUS_QUEUE) if body["payload"]["case_id"] == case.id]
    assert [(c["event_type"], c["payload"]["to_status"]) for c in changes] == [
        (CASE_STATUS_CHANGED.event_type, "waiting_on_agency"),
        (CASE_STATUS_CHANGED.event_type, "open"),
    ]
    assert [c["payload"]["changed_by"] for c in changes] == ["u-3", "u-3"]
    kinds = [kind for kind, _ in cases.timeline(case.id)]
    assert kinds[-4:] == ["inquiry_sent", "status_changed", "agency_reply", "status_changed"]
