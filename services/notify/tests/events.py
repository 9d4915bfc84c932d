"""The events notify's tests feed it, and what its entrypoints do with each (shared by the fast
tests over fakes and the tests over both databases)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from services.chassis.consuming import consume
from services.chassis.events import IncomingEvent
from services.chassis.fakes import incoming
from services.contracts import (
    CASE_OPENED,
    OFFICE_REGISTERED,
    STATUS_CODE_REQUESTED,
    SUBMISSION_RECEIVED,
)
from services.notify import handlers
from services.notify.tests.fakes import FakeMailer

OFFICE = "rep-lopez"
# Moments in the office's time zone (New York, UTC-5 in December): Wednesday 2 December 2026
# at 10:00 there, Thursday at 21:00 (quiet hours), Friday at 8:00 (quiet hours over).
WEDNESDAY_10AM = datetime(2026, 12, 2, 15, tzinfo=UTC)
THURSDAY_9PM = datetime(2026, 12, 4, 2, tzinfo=UTC)
FRIDAY_8AM = datetime(2026, 12, 4, 13, tzinfo=UTC)
ELSEWHERE = "rep-someone-else"
RECORD: dict[str, Callable[..., None]] = {
    OFFICE_REGISTERED.event_type: handlers.record_office,
    SUBMISSION_RECEIVED.event_type: handlers.record_recipient,
    CASE_OPENED.event_type: handlers.record_case_opened,
}


def handle(
    db: handlers.Database,
    mailer: FakeMailer,
    event: IncomingEvent[Any],
    *,
    at: datetime | None = None,
) -> None:
    """What notify's entrypoints do with an event: keep its fact, then acknowledge if due."""
    consume(db, event, RECORD[event.event_type])
    if event.event_type != OFFICE_REGISTERED.event_type:
        handlers.acknowledge(db, mailer, event, clock=lambda: at or datetime.now(UTC))


def submission_received(
    submission_id: str = "sub-1", office_id: str = OFFICE, **overrides: Any
) -> IncomingEvent[Any]:
    payload = {**SUBMISSION_RECEIVED.example, "submission_id": submission_id, **overrides}
    return incoming(SUBMISSION_RECEIVED, payload, office_id=office_id)


def case_opened(
    submission_id: str = "sub-1", case_id: str = "case-1", office_id: str = OFFICE
) -> IncomingEvent[Any]:
    payload = {**CASE_OPENED.example, "submission_id": submission_id, "case_id": case_id}
    return incoming(CASE_OPENED, payload, office_id=office_id)


def office_registered(
    name: str = "Office of Rep. Ana Lopez", office_id: str = OFFICE, **settings: Any
) -> IncomingEvent[Any]:
    """The office's registration, in an envelope of `office_id` (its own, normally), with
    its admin's `settings` (time zone, intervals, sending hours) if any."""
    payload = {"office_id": OFFICE, "name": name, "reply_to_email": "casework@lopez.example.gov"}
    return incoming(OFFICE_REGISTERED, {**payload, **settings}, office_id=office_id)


def status_code_requested(
    submission_id: str = "sub-1",
    *,
    expires_at: datetime | None = None,
    office_id: str = OFFICE,
    event_id: str | None = None,
    **overrides: Any,
) -> IncomingEvent[Any]:
    """A request for the code to the status page, in Spanish, working for 15 minutes from now
    unless `expires_at` says otherwise."""
    expires_at = expires_at or datetime.now(UTC) + timedelta(minutes=15)
    payload = {
        **STATUS_CODE_REQUESTED.example,
        "submission_id": submission_id,
        "expires_at": expires_at.isoformat(),
        **overrides,
    }
    return incoming(STATUS_CODE_REQUESTED, payload, office_id=office_id, event_id=event_id)
