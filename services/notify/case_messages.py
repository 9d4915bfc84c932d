"""Notify's service layer for the messages about a case: queue them as their events arrive,
and send those whose moment has come.

Queuing runs inside the event's unit of work (with the reminders the same event moves), so a
replayed event finds its delivery and queues nothing more. The sweep then claims each office's
due messages in that office's unit of work: it holds those the office's quiet hours cover,
commits the others as `sending` (their idempotency key), sends them over the mail transport's
kept connection, and records every outcome in one more unit of work. A worker killed between
the two leaves the attempts `sending`: once their lease is over the sweep finds them again and
sends them once more with the same Message-ID (`Delivery.next_step`).
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import eventlet

from services.chassis.config import env_str
from services.chassis.db import is_transient
from services.chassis.errors import TransientError
from services.chassis.events import IncomingEvent
from services.contracts import CaseClosed, CaseStatusChanged, PublicNoteAdded
from services.notify import preferences, reminders
from services.notify.domain.acknowledgements import OutgoingEmail, OutgoingText, Recipient
from services.notify.domain.case_messages import CaseMessage, content_of
from services.notify.domain.delivery import SMS, Delivery, DeliveryStatus, NextStep
from services.notify.domain.links import LINK_TOKEN_BYTES
from services.notify.domain.quiet_hours import QuietHours
from services.notify.domain.reminders import DEFAULT_POLICY, OfficeClock, ReminderPolicy
from services.notify.handlers import apply_outcome
from services.notify.mail import Mailer
from services.notify.messages import compose_case_message, portal_base_url
from services.notify.observability import (
    MESSAGE_SWEEP_SECONDS,
    MESSAGES_HELD,
    MESSAGES_QUEUED,
    OUTCOME_UNKNOWN,
)
from services.notify.plans import counted_skip
from services.notify.ports import DeliveryChangedElsewhere, NotifyWork
from services.notify.sending import Attempt, Senders, Settle, send_attempt
from services.notify.texts import Texter, compose_text, texts_configured
from services.notify.wording import office_wording

log = logging.getLogger(__name__)


def quiet_hours(policy: ReminderPolicy = DEFAULT_POLICY) -> QuietHours:
    """The hours messages about a case may go out in, in each office's time zone: the
    office's own if its admin chose them, else the legislature's
    (`CASEWORK_NOTIFY_SENDING_HOURS`, default `8-20`); on `CASEWORK_NOTIFY_SENDING_DAYS`,
    `business` by default or `all`. Read at call time."""
    legislature = QuietHours.parse(
        env_str("CASEWORK_NOTIFY_SENDING_HOURS", "8-20"),
        env_str("CASEWORK_NOTIFY_SENDING_DAYS", "business"),
    )
    if policy.sending_from is None or policy.sending_until is None:
        return legislature
    return QuietHours(policy.sending_from, policy.sending_until, legislature.every_day)


# Messages one office's claim takes at most; offices one sweep looks at at once.
CLAIM_BATCH = 50
OFFICE_BATCH = 200
# How long the sweep keeps trying to record outcomes while the database is away.
SETTLE_PATIENCE_SECONDS = 60.0

Clock = Callable[[], datetime]
FindOffices = Callable[[datetime, int], list[str]]


# --- Events: queue the message -----------------------------------------------------------------


def queue_public_note(uow: NotifyWork, event: IncomingEvent[PublicNoteAdded]) -> None:
    _queue(uow, CaseMessage.public_note(event.payload), event.occurred_at)


def follow_status(uow: NotifyWork, event: IncomingEvent[CaseStatusChanged]) -> None:
    """Move the case's reminders, and tell the constituent if the new state is one they are
    told of."""
    reminders.follow_status(uow, event)
    message = CaseMessage.status_change(event.event_id, event.payload)
    if message is not None:
        _queue(uow, message, event.occurred_at)


def finish_case(uow: NotifyWork, event: IncomingEvent[CaseClosed]) -> None:
    """Cancel the case's reminders, and tell the constituent it is closed."""
    reminders.finish_case(uow, event)
    survey_token = secrets.token_urlsafe(LINK_TOKEN_BYTES)
    _queue(uow, CaseMessage.closure(event.event_id, event.payload, survey_token), event.occurred_at)


def _queue(uow: NotifyWork, message: CaseMessage, now: datetime) -> None:
    if uow.deliveries.for_cause(message.occasion_id, message.kind) is not None:
        return  # queued (or sent) already: a replayed event tells nobody twice
    case = uow.cases.get(message.case_id)
    recipient = uow.recipients.get(case.submission_id) if case is not None else None
    if case is None or recipient is None:
        # The case's opening or its constituent travels on another queue: try again soon.
        raise TransientError(f"notify does not know case {message.case_id}'s constituent yet")
    clock, policy = reminders.office_schedule(uow)
    send_after = quiet_hours(policy).next_allowed(now, clock)
    # By text message to a constituent who asked for texts, while this installation sends them.
    way = preferences.route_for(uow, recipient, texts_on=texts_configured())
    delivery = message.queue(case, recipient, now=now, send_after=send_after, way=way)
    uow.deliveries.add(delivery)
    if delivery.status is DeliveryStatus.SKIPPED:  # no address, or they asked for no email
        uow.after_commit(lambda: counted_skip(delivery))
        return
    held = send_after > now and delivery.send_after is not None
    uow.after_commit(lambda: _counted_queue(message.kind, held))


def _counted_queue(kind: str, held: bool) -> None:
    MESSAGES_QUEUED.labels(kind).inc()
    if held:
        MESSAGES_HELD.labels(kind).inc()


# --- The sweep: send what is due -------------------------------------------------------------


def send_due_messages(
    db: Any,
    mailer: Mailer,
    find_offices: FindOffices,
    clock: Clock,
    texter: Texter | None = None,
) -> int:
    """Send every queued message whose moment has come, office by office; how many were
    handed to the mail server or the SMS provider (`texter`, None while texts are off), sent
    or not."""
    started = time.perf_counter()
    tried = 0
    senders = Senders(mailer, texter)
    for office_id in find_offices(clock(), OFFICE_BATCH):
        tried += _sweep_office(db, senders, office_id, clock)
    MESSAGE_SWEEP_SECONDS.observe(time.perf_counter() - started)
    return tried


def _sweep_office(db: Any, senders: Senders, office_id: str, clock: Clock) -> int:
    lease = senders.lease
    now = clock()
    try:
        with db.unit_of_work(office_id=office_id) as uow:
            office_clock, policy = reminders.office_schedule(uow)
            quiet = quiet_hours(policy)
            attempts = [
                attempt
                for delivery in uow.deliveries.claim_swept(now, CLAIM_BATCH)
                if (attempt := _plan(uow, delivery, (quiet, office_clock), senders, now, lease))
                is not None
            ]
            uow.commit()
    except DeliveryChangedElsewhere:
        return 0  # another sweeper took one of these first (SQLite): the next sweep looks again
    except Exception as exc:
        if not is_transient(exc):
            raise
        log.warning("messages of %s left for the next sweep: %s", office_id, exc)
        return 0
    outcomes = [(attempt, send_attempt(senders, attempt, clock)[0]) for attempt in attempts]
    _record(db, office_id, outcomes)
    return len(attempts)


def _plan(
    uow: NotifyWork,
    delivery: Delivery,
    hours: tuple[QuietHours, OfficeClock],
    senders: Senders,
    now: datetime,
    lease: timedelta,
) -> Attempt | None:
    """Start the due delivery's next attempt, hold it for quiet hours, or give it up."""
    step = delivery.next_step(now=now, send_lease=lease)
    # Whom a message that goes is written to (once: the opt-out and the message both need it).
    sending = step in (NextStep.SEND, NextStep.RESEND_IN_DOUBT)
    recipient = uow.recipients.get(delivery.submission_id) if sending else None
    if step is NextStep.SEND:
        if _stopped_meanwhile(uow, delivery, recipient):
            return None
        quiet, office_clock = hours
        allowed = quiet.next_allowed(now, office_clock)
        if allowed > now:
            delivery.hold(allowed)
            uow.deliveries.save(delivery)
            return None
        if delivery.attempts == 0:
            delivery.start(now, sender_address=senders.sender_address, lease=lease)
        else:
            delivery.retry(now, sender_address=senders.sender_address, lease=lease)
    elif step is NextStep.RESEND_IN_DOUBT:
        delivery.resend_in_doubt(now, lease=lease)
        log.warning(
            "%s delivery %s was left in doubt; sending it again",
            delivery.kind,
            delivery.delivery_id,
        )
    elif step is NextStep.MARK_UNKNOWN:
        delivery.give_up_cut_off()
        uow.deliveries.save(delivery)
        uow.after_commit(lambda: OUTCOME_UNKNOWN.labels(delivery.channel).inc())
        return None
    else:
        delivery.nothing_left()  # settled already: the sweep has nothing more to do with it
        uow.deliveries.save(delivery)
        return None
    uow.deliveries.save(delivery)
    message = _compose(uow, delivery, recipient, senders.sender_address, now)
    return Attempt(delivery.delivery_id, delivery.kind, delivery.attempts, message)


def _stopped_meanwhile(uow: NotifyWork, delivery: Delivery, recipient: Recipient | None) -> bool:
    """Whether the constituent stopped the message's channel while it waited (for office
    hours, or to be tried again: asked for no email, or replied STOP to a text): then it is
    skipped, never sent. An attempt already made (left in doubt) is not looked at again: it
    was started before they asked."""
    reason = preferences.stopped_on(uow, recipient, delivery.channel)
    if reason is None:
        return False
    delivery.skip(reason)
    uow.deliveries.save(delivery)
    uow.after_commit(lambda: counted_skip(delivery))
    return True


def _compose(
    uow: NotifyWork,
    delivery: Delivery,
    recipient: Recipient | None,
    sender_address: str,
    now: datetime,
) -> OutgoingEmail | OutgoingText:
    case = uow.cases.get(delivery.case_id or "")
    if case is None or recipient is None:  # both were known when it was queued
        raise TransientError(f"delivery {delivery.delivery_id} lost its case or constituent")
    if delivery.channel == SMS:
        return compose_text(
            delivery.kind,
            recipient=recipient,
            case=case,
            office_id=uow.office_id,
            office=(sender := uow.offices.sender()),
            portal=portal_base_url(),
            content=content_of(delivery),
            wording=office_wording(uow, sender),
        )
    return compose_case_message(
        delivery_id=delivery.delivery_id,
        kind=delivery.kind,
        content=content_of(delivery),
        recipient=recipient,
        case=case,
        office_id=uow.office_id,
        office=(sender := uow.offices.sender()),
        sender_address=sender_address,
        portal=portal_base_url(),
        unsubscribe_url=preferences.unsubscribe_url(uow, recipient, now=now),
        wording=office_wording(uow, sender),
    )


def _record(db: Any, office_id: str, outcomes: list[tuple[Attempt, Settle]]) -> None:
    """Record how every attempt ended, retrying while the database is away (a restart takes
    seconds); attempts that cannot be recorded stay `sending`, and the sweep sends them again
    once their lease is over."""
    if not outcomes:
        return
    deadline = time.monotonic() + SETTLE_PATIENCE_SECONDS
    for retry in range(1_000):
        try:
            with db.unit_of_work(office_id=office_id) as uow:
                for attempt, settle in outcomes:
                    apply_outcome(uow, attempt, settle)
                uow.commit()
            return
        except Exception as exc:
            if not is_transient(exc) or time.monotonic() >= deadline:
                raise
            eventlet.sleep(min(5.0, 0.5 * 2**retry))
