"""Cases' handlers over a batch of events in one transaction, on both databases: what the
cases' methods changed is written for every event of the batch, as it is for one alone."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.cases import handlers
from services.cases.models import TimelineEntryRow
from services.cases.tests.conftest import OFFICE, Office, suggested
from services.cases.tests.test_opening import announcement, numbers, staff_announcement
from services.chassis.fakes import incoming
from services.contracts import ACKNOWLEDGEMENT_SENT, AGENCY_SUGGESTED


def timeline_kinds(office: Office) -> Counter[str]:
    with Session(office.engine) as session:
        return Counter(session.scalars(select(TimelineEntryRow.kind)))


def test_a_batch_opens_suggests_and_acknowledges_every_case_it_carries(office: Office) -> None:
    office.add_caseworkers("Alex Chen", "Jo Park")
    openings = [announcement() for _ in range(12)]

    assert office.db.consume_batch(openings, handlers.open_case) == {}
    cases = office.cases()
    assert len(cases) == 12
    assert [case.assigned_to_name for case in cases] == ["Alex Chen", "Jo Park"] * 6

    suggestions = [
        incoming(AGENCY_SUGGESTED, suggested(case.id), office_id=OFFICE) for case in cases
    ]
    assert office.db.consume_batch(suggestions, handlers.record_agency_suggestion) == {}
    acknowledgements = [
        incoming(
            ACKNOWLEDGEMENT_SENT,
            {
                "case_id": case.id,
                "submission_id": case.submission_id,
                "channel": "email",
                "sent_at": "2026-11-23T10:00:05+00:00",
            },
            office_id=OFFICE,
        )
        for case in cases
    ]
    assert office.db.consume_batch(acknowledgements, handlers.record_acknowledgement) == {}

    assert {case.agency_code for case in office.cases()} == {"SSA"}
    assert timeline_kinds(office) == {
        "opened": 12,
        "assigned": 12,
        "agency_suggested": 12,
        "acknowledgement_sent": 12,
    }


def test_openings_in_a_batch_wait_for_the_first_caseworker_then_go_to_them(
    office: Office,
) -> None:
    # Nobody takes cases: the first opening holds the office's lock for the rest of the
    # batch, and the openings after it take their numbers inside the batch, not apart.
    openings = [announcement() for _ in range(3)]
    assert office.db.consume_batch(openings, handlers.open_case) == {}
    assert [case.assigned_to_name for case in office.cases()] == [None] * 3

    arrival: Any = staff_announcement("u-9", "Robin Diaz")
    assert office.db.consume_batch([arrival], handlers.record_staff_member) == {}

    cases = office.cases()
    assert numbers(cases) == [1, 2, 3]
    assert [case.assigned_to_name for case in cases] == ["Robin Diaz"] * 3
    assert timeline_kinds(office)["assigned"] == 3
