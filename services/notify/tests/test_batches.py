"""Acknowledgements for a batch of events, as notify's entrypoints run them: the facts kept in
one transaction, every due delivery started in one, the mail sent, every outcome recorded in
one. Over the fake unit of work and both databases."""

from __future__ import annotations

from typing import Any

from services.chassis.errors import TransientError
from services.chassis.events import IncomingEvent
from services.notify import handlers
from services.notify.domain.delivery import DeliveryStatus
from services.notify.mail import SendRefused
from services.notify.tests.events import (
    ELSEWHERE,
    OFFICE,
    RECORD,
    case_opened,
    handle,
    office_registered,
    submission_received,
)
from services.notify.tests.fakes import FakeMailer
from services.notify.tests.flow_support import Db, announced, delivery_of
from services.notify.tests.test_flows import db, db_backend

__all__ = ["db", "db_backend"]  # the flow tests' fixtures: the fake and both databases


def handle_batch(db: Db, mailer: FakeMailer, events: list[IncomingEvent[Any]]) -> dict:
    """What an entrypoint does with a batch of one event type."""
    failures = db.consume_batch(events, RECORD[events[0].event_type])
    return handlers.acknowledge_each(db, mailer, events, failures)


def test_a_batch_of_opened_cases_sends_one_acknowledgement_each(db: Db) -> None:
    mailer = FakeMailer()
    handle(db, mailer, office_registered())
    submissions = [f"sub-{n}" for n in range(12)]  # more than one chunk of sends
    assert handle_batch(db, mailer, [submission_received(s) for s in submissions]) == {}
    assert mailer.sent == []

    opened = [case_opened(s, f"case-{n}") for n, s in enumerate(submissions)]
    assert handle_batch(db, mailer, opened) == {}

    assert sorted(email.to_address for email in mailer.sent) == ["maria@example.org"] * 12
    assert {delivery_of(db, s).status for s in submissions} == {DeliveryStatus.SENT}
    assert sorted(payload.case_id for payload, _ in announced(db)) == sorted(
        f"case-{n}" for n in range(12)
    )
    # Redelivered, the batch sends nothing more.
    assert handle_batch(db, mailer, opened) == {}
    assert len(mailer.sent) == 12 and len(announced(db)) == 12


def test_a_send_refused_for_now_fails_alone_and_its_retry_sends_it_once(db: Db) -> None:
    mailer = FakeMailer()
    for s in ("sub-1", "sub-2", "sub-3"):
        handle(db, mailer, submission_received(s))
    opened = [case_opened(s, f"case-{s}") for s in ("sub-1", "sub-2", "sub-3")]
    mailer.fail_next(SendRefused("SMTPServerDisconnected"))

    failures = handle_batch(db, mailer, opened)

    [refused] = failures
    assert isinstance(failures[refused], TransientError)
    assert len(mailer.sent) == 2
    retried = next(event for event in opened if event.event_id == refused)
    assert handle_batch(db, mailer, [retried]) == {}
    assert len(mailer.sent) == 3 and len(announced(db)) == 3
    assert delivery_of(db, retried.payload.submission_id).attempts == 2


def test_a_batch_spanning_offices_acknowledges_each_in_its_own_office(db: Db) -> None:
    mailer = FakeMailer()
    handle(db, mailer, submission_received("sub-1", OFFICE))
    handle(db, mailer, submission_received("sub-2", ELSEWHERE))

    assert (
        handle_batch(db, mailer, [case_opened("sub-2", "case-2", ELSEWHERE), case_opened()]) == {}
    )

    assert len(mailer.sent) == 2
    assert delivery_of(db, "sub-1", OFFICE).status is DeliveryStatus.SENT
    assert delivery_of(db, "sub-2", ELSEWHERE).status is DeliveryStatus.SENT
