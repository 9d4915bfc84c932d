"""Notify's real service sends the messages about a case: events from RabbitMQ, the message
sweep's timer, a real SMTP server, on both databases. Sending hours are every hour of every
day here, so that what is tested does not depend on when the suite runs (the hours themselves
are tested with an injected clock in test_case_messages.py and test_quiet_hours.py)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from services.chassis.testing import wait_until
from services.contracts import (
    CASE_CLOSED,
    CASE_OPENED,
    CASE_STATUS_CHANGED,
    PUBLIC_NOTE_ADDED,
    SUBMISSION_RECEIVED,
)
from services.notify.models import deliveries
from services.notify.tests.conftest import OFFICE, Notify, opened, submission


@pytest.fixture(autouse=True)
def any_hour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASEWORK_NOTIFY_SENDING_HOURS", "0-24")
    monkeypatch.setenv("CASEWORK_NOTIFY_SENDING_DAYS", "all")


def test_a_note_a_status_and_the_closing_reach_the_constituent_once_each(
    notify: Notify, messages_to: Callable[[str], list[EmailMessage]]
) -> None:
    submission_id = str(uuid.uuid4())
    notify.publish(SUBMISSION_RECEIVED, submission(submission_id), office_id=OFFICE)
    notify.publish(CASE_OPENED, opened(submission_id), office_id=OFFICE)
    wait_until(lambda: messages_to("maria@example.org"), message="no acknowledgement")

    note = dict(PUBLIC_NOTE_ADDED.example, case_id="case-1", text="SSA has your file.")
    status = dict(
        CASE_STATUS_CHANGED.example,
        case_id="case-1",
        from_status="open",
        to_status="waiting_on_agency",
    )
    closed = dict(CASE_CLOSED.example, case_id="case-1", result="favourable")
    for contract, payload in (
        (PUBLIC_NOTE_ADDED, note),
        (CASE_STATUS_CHANGED, status),
        (CASE_CLOSED, closed),
    ):
        sent = notify.publish(contract, payload, office_id=OFFICE)
        notify.publish(contract, payload, office_id=OFFICE, event_id=sent["event_id"])

    def all_four() -> list[EmailMessage]:
        found = messages_to("maria@example.org")
        return found if len(found) >= 4 else []

    wait_until(all_four, message="the three messages about the case did not all arrive")

    def settled() -> bool:
        with notify.engine.connect() as connection:
            query = select(deliveries.c.kind, deliveries.c.status, deliveries.c.send_after)
            rows = connection.execute(query).all()
        return len(rows) == 4 and all(r.status == "sent" and r.send_after is None for r in rows)

    wait_until(settled, message="the deliveries were not all recorded as sent")
    emails = messages_to("maria@example.org")
    subjects = sorted(str(m["Subject"]).split(" \N{EN DASH} ")[0] for m in emails)
    assert subjects == [
        "An update on your request",
        "We have contacted the agency",
        "We received your request",
        "Your request is closed",
    ]
