"""Notify's service layer: record what arrives, and send each message at most once.

Events are recorded through the chassis consume wrapper (`db.consume(event, record_...)`).
A message (an acknowledgement, a status code) is then attempted in three steps: a unit of work
that commits the delivery as `sending` (its idempotency key), the send itself outside any
transaction, and a unit of work that records the outcome (when an acknowledgement is sent,
the delivery records `notify.acknowledgement_sent`). Only what is planned differs by message.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import eventlet

from services.chassis.consuming import ConsumesBatches, Failures
from services.chassis.db import is_transient, utcnow
from services.chassis.errors import PermanentMessageError, TransientError
from services.chassis.events import IncomingEvent
from services.contracts import CaseOpened, OfficeRegistered, StatusCodeRequested, SubmissionReceived
from services.notify import plans, preferences, reminders
from services.notify.domain.acknowledgements import (
    REPLIED_STOP,
    OfficeSender,
    OpenedCase,
    Recipient,
)
from services.notify.domain.delivery import (
    SMS,
    AttemptSettledElsewhere,
    Delivery,
    DeliveryStatus,
)
from services.notify.domain.reminders import ReminderPolicy
from services.notify.mail import Mailer
from services.notify.ports import DeliveryChangedElsewhere, NotifyWork
from services.notify.sending import Attempt, Senders, Settle, send_attempt
from services.notify.texts import Texter

log = logging.getLogger(__name__)

# Another worker creating or moving the same delivery at the same moment: look again.
ATTEMPTS = 3
# How long a worker keeps trying to record the outcome of a send while the database is away.
SETTLE_PATIENCE_SECONDS = 60.0
# Deliveries committed as `sending` together, then sent one after another: few enough that the
# last is sent well within its lease even from a slow mail server, and that a worker killed
# mid-chunk leaves few never-tried deliveries to be given up as `unknown`.
SEND_CHUNK = 10

Clock = Callable[[], datetime]
Database = ConsumesBatches[NotifyWork]


def record_office(uow: NotifyWork, event: IncomingEvent[OfficeRegistered]) -> None:
    office = event.payload
    if office.office_id != uow.office_id:
        raise PermanentMessageError("an office's registration must travel in its own envelope")
    policy = ReminderPolicy(
        first_contact_business_days=office.first_contact_business_days,
        follow_up_every_days=office.follow_up_every_days,
        check_in_every_days=office.check_in_every_days,
        no_activity_days=office.no_activity_days,
        sending_from=office.sending_from,
        sending_until=office.sending_until,
    )
    uow.offices.record(OfficeSender(office.name, office.reply_to_email), office.timezone, policy)


def record_recipient(uow: NotifyWork, event: IncomingEvent[SubmissionReceived]) -> None:
    """Keep how to reach the constituent, and make the unsubscribe link of a constituent the
    office had not heard of (announced with this event's effects); `acknowledge` follows."""
    recipient = Recipient.from_submission(event.payload)
    uow.recipients.record(recipient)
    preferences.preference_of(uow, recipient.constituent_id, now=event.occurred_at)


def record_case_opened(uow: NotifyWork, event: IncomingEvent[CaseOpened]) -> None:
    """Keep the case the acknowledgement is about, and schedule its first reminders;
    `acknowledge` follows."""
    uow.cases.record(OpenedCase.from_event(event.payload))
    reminders.schedule_case_opened(uow, event)


# What a message's delivery needs now, recorded in the unit of work for the caller to commit:
# the attempt to hand to its transport, if a send is due.
Plan = Callable[[NotifyWork, Senders, IncomingEvent[Any], datetime, timedelta], Attempt | None]


def acknowledge(
    db: Database,
    mailer: Mailer,
    event: IncomingEvent[Any],
    *,
    clock: Clock = utcnow,
    texter: Texter | None = None,
) -> None:
    """Send the acknowledgement of the event's submission if it is due; at most once, ever.

    Runs for every delivery of either event, a redelivered one too: it may be the retry of an
    attempt the mail server refused. Raises TransientError when the mail server refused it for
    now (so the event is retried) or when another worker is sending it right now (so the event
    checks again later). A refusal for good (5xx) settles the delivery as undeliverable. It
    goes by text message (through `texter`, when there is one) to a constituent who asked for
    texts (`acknowledgements.route`).
    """
    _deliver(db, Senders(mailer, texter), event, plans.plan_acknowledgement, clock)


def acknowledge_each(
    db: Database,
    mailer: Mailer,
    events: list[IncomingEvent[Any]],
    failures: Failures,
    *,
    clock: Clock = utcnow,
    texter: Texter | None = None,
) -> Failures:
    """`acknowledge` every event whose facts were recorded (those not in `failures`), a few at
    a time in three batched steps: one transaction commits each due delivery as `sending`, the
    mail goes out over the transport's kept connections, one transaction records every
    outcome. Returns `failures` with the errors of the acknowledgements that failed added, by
    event id."""
    senders = Senders(mailer, texter)
    return _deliver_each(db, senders, events, failures, plans.plan_acknowledgement, clock)


def mail_status_code(
    db: Database,
    mailer: Mailer,
    event: IncomingEvent[StatusCodeRequested],
    *,
    clock: Clock = utcnow,
) -> None:
    """Mail the one-time code the constituent asked for, once per request, while it works.

    A code that expired before it could go is recorded as skipped. Raises TransientError as
    `acknowledge` does; a retry after the code expired records it as skipped instead.
    """
    _deliver(db, Senders(mailer), event, plans.plan_status_code, clock)


def mail_status_codes(
    db: Database,
    mailer: Mailer,
    events: list[IncomingEvent[StatusCodeRequested]],
    *,
    clock: Clock = utcnow,
) -> Failures:
    """`mail_status_code` for a batch, in the three batched steps of `acknowledge_each`; the
    errors of those that failed, by event id."""
    return _deliver_each(db, Senders(mailer), list(events), {}, plans.plan_status_code, clock)


def _deliver(
    db: Database, senders: Senders, event: IncomingEvent[Any], plan: Plan, clock: Clock
) -> None:
    attempt = _start_attempt(db, senders, event, plan, clock)
    if attempt is None:
        return
    settle, refused_for_now = send_attempt(senders, attempt, clock)
    _settle(db, event, attempt, settle)
    if refused_for_now:
        raise _refused(attempt, refused_for_now)


def _deliver_each(
    db: Database,
    senders: Senders,
    events: list[IncomingEvent[Any]],
    failures: Failures,
    plan: Plan,
    clock: Clock,
) -> Failures:
    due = [event for event in events if event.event_id not in failures]
    for first in range(0, len(due), SEND_CHUNK):
        _deliver_chunk(db, senders, due[first : first + SEND_CHUNK], failures, plan, clock)
    return failures


def _deliver_chunk(
    db: Database,
    senders: Senders,
    due: list[IncomingEvent[Any]],
    failures: Failures,
    plan: Plan,
    clock: Clock,
) -> None:
    lease = senders.lease
    started: dict[str, Attempt] = {}

    def start(uow: NotifyWork, event: IncomingEvent[Any]) -> None:
        attempt = plan(uow, senders, event, clock(), lease)
        if attempt is not None:
            # Kept only once its `sending` row has committed: never send what was rolled back.
            uow.after_commit(lambda: started.__setitem__(event.event_id, attempt))

    for event_id, error in db.consume_batch(due, start, claim=False).items():
        failures[event_id] = error
    for event in due:
        # Another worker moved the delivery meanwhile: the one-event path looks again.
        if isinstance(failures.get(event.event_id), DeliveryChangedElsewhere):
            del failures[event.event_id]
            try:
                _deliver(db, senders, event, plan, clock)
            except Exception as exc:
                failures[event.event_id] = exc

    sent = [event for event in due if event.event_id in started]
    outcomes: dict[str, tuple[Attempt, Settle]] = {}
    for event in list(sent):
        attempt = started[event.event_id]
        try:
            settle, refused_for_now = send_attempt(senders, attempt, clock)
        except Exception as exc:  # a bug: this one stays `sending` and its lease settles it
            failures[event.event_id] = exc
            sent.remove(event)
            continue
        outcomes[event.event_id] = (attempt, settle)
        if refused_for_now:
            failures[event.event_id] = _refused(attempt, refused_for_now)

    failures.update(_settle_all(db, sent, outcomes))


def _settle_all(
    db: Database, sent: list[IncomingEvent[Any]], outcomes: dict[str, tuple[Attempt, Settle]]
) -> Failures:
    """Record how every attempt ended, in one transaction if the database lets us; an attempt
    it would not take for now is retried on its own (the mail has gone and only this worker
    knows it). The errors of those that could not be recorded, by event id."""

    def record(uow: NotifyWork, event: IncomingEvent[Any]) -> None:
        apply_outcome(uow, *outcomes[event.event_id])

    try:
        errors = db.consume_batch(sent, record, claim=False)
    except Exception:
        # The database went away for the whole batch.
        errors = {event.event_id: TransientError("database away") for event in sent}
    for event in sent:
        error = errors.pop(event.event_id, None)
        if error is None:
            continue
        if not (is_transient(error) or isinstance(error, TransientError)):
            errors[event.event_id] = error
            continue
        try:
            _settle(db, event, *outcomes[event.event_id])
        except Exception as exc:
            errors[event.event_id] = exc
    return errors


def _refused(attempt: Attempt, reason: str) -> TransientError:
    server = "the SMS provider" if attempt.channel == SMS else "the mail server"
    return TransientError(
        f"{server} did not take {attempt.kind} delivery {attempt.delivery_id} ({reason})"
    )


def _start_attempt(
    db: Database, senders: Senders, event: IncomingEvent[Any], plan: Plan, clock: Clock
) -> Attempt | None:
    """Commit the delivery as `sending` when a send is due; None when there is nothing to send."""
    lease = senders.lease
    for _ in range(ATTEMPTS):
        try:
            with db.unit_of_work(office_id=event.office_id, cause=event, claim=False) as uow:
                attempt = plan(uow, senders, event, clock(), lease)
                uow.commit()
                return attempt
        except DeliveryChangedElsewhere:
            continue
    raise TransientError(f"the delivery for event {event.event_id} keeps changing")


def _settle(
    db: Database,
    event: IncomingEvent[Any],
    attempt: Attempt,
    outcome: Settle,
) -> None:
    """Record how an attempt ended, retrying while the database is away (a restart takes
    seconds): once the mail has gone, only this worker knows it, and an attempt it cannot
    record is given up as `unknown` when its lease runs out.

    Only this attempt is settled: a delivery another worker already gave up on as `unknown` is
    corrected (we now know), anything else is left alone.
    """
    deadline = time.monotonic() + SETTLE_PATIENCE_SECONDS
    for retry in itertools.count():
        try:
            _record_outcome(db, event, attempt, outcome)
            return
        except Exception as exc:
            if not is_transient(exc) or time.monotonic() >= deadline:
                raise
            eventlet.sleep(min(5.0, 0.5 * 2**retry))


def _record_outcome(
    db: Database,
    event: IncomingEvent[Any],
    attempt: Attempt,
    outcome: Settle,
) -> None:
    with db.unit_of_work(office_id=event.office_id, cause=event, claim=False) as uow:
        apply_outcome(uow, attempt, outcome)
        uow.commit()


def apply_outcome(uow: NotifyWork, attempt: Attempt, outcome: Settle) -> None:
    """Settle this attempt only: a delivery another worker already gave up on as `unknown` is
    corrected (we now know), anything else is left alone."""
    delivery = uow.deliveries.get(attempt.delivery_id)
    try:
        if delivery is None:
            raise AttemptSettledElsewhere(attempt.delivery_id)
        outcome(delivery)
        uow.deliveries.save(delivery)
        if delivery.status is DeliveryStatus.SKIPPED and delivery.skip_reason == REPLIED_STOP:
            # The provider says they replied STOP: no more texts about requests made so far.
            stopped_at = delivery.attempt_started_at or delivery.created_at
            preferences.record_texts_stopped(uow, delivery.submission_id, at=stopped_at)
    except (AttemptSettledElsewhere, DeliveryChangedElsewhere):
        if delivery is not None:
            delivery.pull_events()  # announce nothing of an outcome that was not recorded
        log.warning(
            "%s delivery %s attempt %d was settled elsewhere; left as it is",
            attempt.kind,
            attempt.delivery_id,
            attempt.number,
        )


def list_deliveries(db: Database, office_id: str, case_id: str) -> list[Delivery]:
    """Every message sent (or not) about one case of the office, oldest first."""
    with db.unit_of_work(office_id=office_id) as uow:
        return uow.deliveries.for_case(case_id)
