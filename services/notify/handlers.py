"""Notify's service layer: record what arrives, and send each acknowledgement at most once.

An acknowledgement is attempted in three steps: a unit of work that commits the delivery as
`sending` (the idempotency key), the send itself outside any transaction, and a unit of work
that records the outcome (and, when sent, emits `notify.acknowledgement_sent`).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import eventlet
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from services.chassis.db import (
    DatabaseAccess,
    IncomingEvent,
    UnitOfWork,
    is_transient,
    retrying_conflicts,
    utcnow,
)
from services.chassis.errors import TransientError
from services.chassis.observability import service_metric
from services.contracts import ACKNOWLEDGEMENT_SENT
from services.notify.domain import acknowledgements as domain
from services.notify.domain.acknowledgements import (
    ACKNOWLEDGEMENT,
    EMAIL,
    NO_EMAIL_ADDRESS,
    DeliveryStatus,
    NextStep,
    OutgoingEmail,
)
from services.notify.mail import Mailer, SendOutcomeUnknown, SendRefused
from services.notify.messages import compose_acknowledgement
from services.notify.models import Delivery, Office, OpenedCase, Recipient

log = logging.getLogger(__name__)

CONSUMER = "notify"
# A unique-key clash means a concurrent worker wrote the same row first; look again.
ATTEMPTS = 3
# Margin on top of the transport's longest send before a `sending` row counts as cut off.
LEASE_MARGIN = timedelta(seconds=5)

MESSAGES_SENT = service_metric(
    "counter",
    "notify",
    "messages_sent_total",
    "Messages the mail server accepted",
    ["channel", "kind"],
)
DELIVERY_FAILURES = service_metric(
    "counter",
    "notify",
    "delivery_failures_total",
    "Send attempts the mail server refused or could not be reached for (retried later)",
    ["channel"],
)
UNDELIVERABLE = service_metric(
    "counter",
    "notify",
    "messages_undeliverable_total",
    "Messages the mail server refused for good (5xx), not retried",
    ["channel"],
)
OUTCOME_UNKNOWN = service_metric(
    "counter",
    "notify",
    "deliveries_outcome_unknown_total",
    "Deliveries cut off mid-send: maybe sent, never resent",
    ["channel"],
)
MESSAGES_SKIPPED = service_metric(
    "counter",
    "notify",
    "messages_skipped_total",
    "Messages not sent because the recipient has no address on the channel",
    ["channel", "kind"],
)
SMTP_SEND_SECONDS = service_metric(
    "histogram",
    "notify",
    "smtp_send_seconds",
    "Time taken to hand one message to the SMTP server",
    ["outcome"],
)

Clock = Callable[[], datetime]


def record_office(db: DatabaseAccess, event: IncomingEvent) -> None:
    with db.unit_of_work(cause=event) as uow:
        if not uow.claim(event, CONSUMER):
            return
        payload = event.payload
        office = uow.session.get(Office, payload["office_id"])
        if office is None:
            office = Office(office_id=payload["office_id"])
            uow.session.add(office)
        office.name = payload["name"]
        office.reply_to_email = payload["reply_to_email"]
        office.updated_at = utcnow()
        uow.commit()


def record_recipient(
    db: DatabaseAccess, mailer: Mailer, event: IncomingEvent, *, clock: Clock = utcnow
) -> None:
    """Keep how to reach the constituent, then acknowledge if their case is already open."""
    payload = event.payload

    def remember() -> None:
        with db.unit_of_work(cause=event) as uow:
            if uow.claim(event, CONSUMER):
                _upsert_recipient(uow, event.office_id, payload)
                uow.commit()

    retrying_conflicts(remember)
    dispatch_acknowledgement(
        db, mailer, event.office_id, payload["submission_id"], cause=event, clock=clock
    )


def record_case_opened(
    db: DatabaseAccess, mailer: Mailer, event: IncomingEvent, *, clock: Clock = utcnow
) -> None:
    """Keep the case, then acknowledge if the recipient is already known."""
    payload = event.payload

    def remember() -> None:
        with db.unit_of_work(cause=event) as uow:
            if uow.claim(event, CONSUMER):
                _upsert_case(uow, event.office_id, payload)
                uow.commit()

    retrying_conflicts(remember)
    # Also on a redelivered event: it may be the retry of an attempt the mail server refused.
    dispatch_acknowledgement(
        db, mailer, event.office_id, payload["submission_id"], cause=event, clock=clock
    )


def _upsert_recipient(uow: UnitOfWork, office_id: str, payload: dict[str, Any]) -> None:
    recipient = uow.session.get(Recipient, (office_id, payload["submission_id"]))
    if recipient is None:
        recipient = Recipient(office_id=office_id, submission_id=payload["submission_id"])
        uow.session.add(recipient)
    recipient.constituent_id = payload["constituent_id"]
    recipient.name = payload["constituent_name"][:200]
    recipient.contact_email = payload["contact_email"] or None
    recipient.preferred_language = payload["preferred_language"]
    recipient.tracking_code = payload["tracking_code"]
    recipient.received_at = payload["received_at"]


def _upsert_case(uow: UnitOfWork, office_id: str, payload: dict[str, Any]) -> None:
    case = uow.session.get(OpenedCase, (office_id, payload["case_id"]))
    if case is None:
        case = OpenedCase(office_id=office_id, case_id=payload["case_id"])
        uow.session.add(case)
    case.submission_id = payload["submission_id"]
    case.reference = payload["reference"]
    case.tracking_code = payload["tracking_code"]
    case.opened_at = payload["opened_at"]


@dataclass(frozen=True)
class Attempt:
    """One committed `sending` attempt, waiting to be handed to the mail transport."""

    office_id: str
    delivery_id: str
    case_id: str
    submission_id: str
    number: int
    email: OutgoingEmail


def dispatch_acknowledgement(
    db: DatabaseAccess,
    mailer: Mailer,
    office_id: str,
    submission_id: str,
    *,
    cause: IncomingEvent | None = None,
    clock: Clock = utcnow,
) -> None:
    """Send the acknowledgement for one submission if it is due; at most once, ever.

    Raises TransientError when the mail server refused it for now (so the event is retried) or
    when another worker is sending it right now (so the event checks again later). A refusal
    for good (5xx) settles the delivery as undeliverable.
    """
    attempt = _begin_attempt(db, mailer, office_id, submission_id, cause, clock)
    if attempt is None:
        return
    started = time.perf_counter()
    try:
        mailer.send(attempt.email)
    except SendRefused as exc:
        SMTP_SEND_SECONDS.labels("refused").observe(time.perf_counter() - started)
        DELIVERY_FAILURES.labels(EMAIL).inc()
        if exc.permanent:
            # A mistyped or closed mailbox: retrying would be refused again. Staff see the
            # delivery as undeliverable and reach the constituent another way.
            UNDELIVERABLE.labels(EMAIL).inc()
            _finish(db, attempt, cause, DeliveryStatus.UNDELIVERABLE, error=exc.error_class)
            log.warning(
                "acknowledgement delivery %s refused for good (%s); not retried",
                attempt.delivery_id,
                exc.error_class,
            )
            return
        _finish(db, attempt, cause, DeliveryStatus.FAILED, error=exc.error_class)
        log.warning(
            "acknowledgement delivery %s attempt %d refused (%s); will retry",
            attempt.delivery_id,
            attempt.number,
            exc.error_class,
        )
        raise TransientError(
            f"the mail server did not take acknowledgement delivery {attempt.delivery_id} "
            f"({exc.error_class})"
        ) from None
    except SendOutcomeUnknown as exc:
        SMTP_SEND_SECONDS.labels("unknown").observe(time.perf_counter() - started)
        OUTCOME_UNKNOWN.labels(EMAIL).inc()
        _finish(db, attempt, cause, DeliveryStatus.UNKNOWN, error=exc.error_class)
        log.error(
            "acknowledgement delivery %s was cut off mid-send (%s); marked unknown, not resent",
            attempt.delivery_id,
            exc.error_class,
        )
        return
    SMTP_SEND_SECONDS.labels("sent").observe(time.perf_counter() - started)
    MESSAGES_SENT.labels(EMAIL, ACKNOWLEDGEMENT).inc()
    _finish(db, attempt, cause, DeliveryStatus.SENT, sent_at=clock())
    log.info("acknowledgement delivery %s sent for case %s", attempt.delivery_id, attempt.case_id)


def _begin_attempt(
    db: DatabaseAccess,
    mailer: Mailer,
    office_id: str,
    submission_id: str,
    cause: IncomingEvent | None,
    clock: Clock,
) -> Attempt | None:
    """Commit the delivery as `sending` when a send is due; None when there is nothing to send."""
    lease = timedelta(seconds=mailer.longest_send_seconds) + LEASE_MARGIN
    for _ in range(ATTEMPTS):
        try:
            with db.unit_of_work(cause=cause) as uow:
                return _plan(uow, mailer, office_id, submission_id, clock(), lease)
        except _LostRace:
            continue
        except IntegrityError:
            continue  # a concurrent worker created the delivery first; look at it again
    raise TransientError(f"acknowledgement for submission {submission_id} keeps changing")


class _LostRace(Exception):
    """Another worker moved the delivery on between our read and our update."""


def _plan(
    uow: UnitOfWork,
    mailer: Mailer,
    office_id: str,
    submission_id: str,
    now: datetime,
    lease: timedelta,
) -> Attempt | None:
    session = uow.session
    case_row = session.scalars(
        select(OpenedCase)
        .where(OpenedCase.office_id == office_id, OpenedCase.submission_id == submission_id)
        .order_by(OpenedCase.opened_at)
    ).first()
    recipient_row = session.get(Recipient, (office_id, submission_id))
    delivery = session.scalars(
        select(Delivery).where(
            Delivery.office_id == office_id,
            Delivery.submission_id == submission_id,
            Delivery.kind == ACKNOWLEDGEMENT,
        )
    ).first()
    case = _case(case_row) if case_row else None
    recipient = _recipient(recipient_row) if recipient_row else None
    step = domain.next_step(
        case, recipient, _state(delivery) if delivery else None, now=now, send_lease=lease
    )
    if step in (NextStep.WAIT, NextStep.DONE):
        return None
    if step is NextStep.CHECK_LATER:
        raise TransientError("another worker is sending this acknowledgement now")
    if step is NextStep.MARK_UNKNOWN:
        assert delivery is not None
        _move(uow, delivery, DeliveryStatus.SENDING, DeliveryStatus.UNKNOWN, error="CutOff")
        uow.commit()
        OUTCOME_UNKNOWN.labels(EMAIL).inc()
        log.error(
            "acknowledgement delivery %s was left mid-send by a stopped worker; "
            "marked unknown, not resent",
            delivery.delivery_id,
        )
        return None
    assert case is not None and recipient is not None
    if step is NextStep.SKIP:
        session.add(_new_delivery(case, DeliveryStatus.SKIPPED, now, skip_reason=NO_EMAIL_ADDRESS))
        uow.commit()
        MESSAGES_SKIPPED.labels(EMAIL, ACKNOWLEDGEMENT).inc()
        log.info("acknowledgement for case %s skipped: %s", case.case_id, NO_EMAIL_ADDRESS)
        return None

    office_row = session.get(Office, office_id)
    office = domain.OfficeSender(office_row.name, office_row.reply_to_email) if office_row else None
    if delivery is None:
        delivery = _new_delivery(case, DeliveryStatus.SENDING, now)
        delivery.attempts = 1
        delivery.attempt_started_at = now
        session.add(delivery)
    else:
        _move(uow, delivery, DeliveryStatus.FAILED, DeliveryStatus.SENDING, started_at=now)
    email = compose_acknowledgement(
        delivery_id=delivery.delivery_id,
        recipient=recipient,
        case=case,
        office=office,
        sender_address=mailer.sender_address,
    )
    delivery.message_id = email.message_id
    uow.commit()  # the idempotency key is durable before the mail server hears anything
    return Attempt(
        office_id=office_id,
        delivery_id=delivery.delivery_id,
        case_id=case.case_id,
        submission_id=submission_id,
        number=delivery.attempts,
        email=email,
    )


def _move(
    uow: UnitOfWork,
    delivery: Delivery,
    expected: DeliveryStatus,
    to: DeliveryStatus,
    *,
    error: str | None = None,
    started_at: datetime | None = None,
) -> None:
    """Compare-and-set, so two workers can never both start (or settle) the same attempt."""
    values: dict[str, object] = {"status": to.value}
    if error is not None:
        values["last_error"] = error
    if started_at is not None:
        values["attempt_started_at"] = started_at
        values["attempts"] = Delivery.attempts + 1
    result = uow.session.execute(
        update(Delivery)
        .where(
            Delivery.delivery_id == delivery.delivery_id,
            Delivery.office_id == delivery.office_id,
            Delivery.status == expected.value,
            Delivery.attempts == delivery.attempts,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        uow.rollback()
        raise _LostRace()
    uow.session.refresh(delivery)


def _finish(
    db: DatabaseAccess,
    attempt: Attempt,
    cause: IncomingEvent | None,
    status: DeliveryStatus,
    *,
    error: str | None = None,
    sent_at: datetime | None = None,
) -> None:
    """Record how an attempt ended, retrying briefly if the database hiccups meanwhile.

    Only this attempt is settled: a row another worker already gave up on as `unknown` is
    corrected (we now know), anything else is left alone.
    """
    for retry in range(ATTEMPTS):
        try:
            _settle(db, attempt, cause, status, error=error, sent_at=sent_at)
            return
        except Exception as exc:
            if not is_transient(exc) or retry == ATTEMPTS - 1:
                raise
            eventlet.sleep(0.5 * 2**retry)


def _settle(
    db: DatabaseAccess,
    attempt: Attempt,
    cause: IncomingEvent | None,
    status: DeliveryStatus,
    *,
    error: str | None,
    sent_at: datetime | None,
) -> None:
    values: dict[str, object] = {"status": status.value}
    if error is not None:
        values["last_error"] = error
    if sent_at is not None:
        values["sent_at"] = sent_at
    with db.unit_of_work(cause=cause) as uow:
        result = uow.session.execute(
            update(Delivery)
            .where(
                Delivery.delivery_id == attempt.delivery_id,
                Delivery.office_id == attempt.office_id,
                Delivery.attempts == attempt.number,
                Delivery.status.in_([DeliveryStatus.SENDING.value, DeliveryStatus.UNKNOWN.value]),
            )
            .values(**values)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            log.warning(
                "acknowledgement delivery %s attempt %d was settled elsewhere; left as it is",
                attempt.delivery_id,
                attempt.number,
            )
            return
        if status is DeliveryStatus.SENT:
            uow.emit(
                ACKNOWLEDGEMENT_SENT,
                {
                    "case_id": attempt.case_id,
                    "submission_id": attempt.submission_id,
                    "channel": EMAIL,
                    "sent_at": sent_at,
                },
                office_id=attempt.office_id,
            )
        uow.commit()


def _new_delivery(
    case: domain.OpenedCase,
    status: DeliveryStatus,
    now: datetime,
    *,
    skip_reason: str | None = None,
) -> Delivery:
    return Delivery(
        delivery_id=str(uuid.uuid4()),
        office_id=case.office_id,
        submission_id=case.submission_id,
        case_id=case.case_id,
        kind=ACKNOWLEDGEMENT,
        channel=EMAIL,
        status=status.value,
        attempts=0,
        skip_reason=skip_reason,
        created_at=now,
    )


def _case(row: OpenedCase) -> domain.OpenedCase:
    return domain.OpenedCase(
        office_id=row.office_id,
        case_id=row.case_id,
        submission_id=row.submission_id,
        reference=row.reference,
        tracking_code=row.tracking_code,
    )


def _recipient(row: Recipient) -> domain.Recipient:
    return domain.Recipient(
        office_id=row.office_id,
        submission_id=row.submission_id,
        constituent_id=row.constituent_id,
        name=row.name,
        contact_email=row.contact_email,
        preferred_language=row.preferred_language,
        tracking_code=row.tracking_code,
    )


def _state(row: Delivery) -> domain.DeliveryState:
    return domain.DeliveryState(
        delivery_id=row.delivery_id,
        status=DeliveryStatus(row.status),
        attempts=row.attempts,
        attempt_started_at=row.attempt_started_at,
    )


@dataclass(frozen=True)
class DeliveryView:
    delivery_id: str
    kind: str
    channel: str
    status: str
    attempts: int
    created_at: datetime
    sent_at: datetime | None


def list_deliveries(db: DatabaseAccess, office_id: str, case_id: str) -> list[DeliveryView]:
    """Every message sent (or not) about one case, oldest first; no addresses."""
    with db.read() as session:
        rows = session.scalars(
            select(Delivery)
            .where(Delivery.office_id == office_id, Delivery.case_id == case_id)
            .order_by(Delivery.created_at, Delivery.delivery_id)
        ).all()
        return [
            DeliveryView(
                delivery_id=row.delivery_id,
                kind=row.kind,
                channel=row.channel,
                status=row.status,
                attempts=row.attempts,
                created_at=row.created_at,
                sent_at=row.sent_at,
            )
            for row in rows
        ]
