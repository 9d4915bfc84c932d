"""What each message's delivery needs now (a `Plan` of handlers.py), recorded in the unit of
work for the caller to commit: the acknowledgement of a submission (by email, or by text to a
constituent who asked for texts) and a one-time status code (by email: the portal names the
address it went to); and the steps every message takes alike (skip, start again, give up)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from services.chassis.errors import TransientError
from services.chassis.events import IncomingEvent
from services.notify import preferences
from services.notify.domain import acknowledgements, status_codes
from services.notify.domain.acknowledgements import (
    NO_EMAIL_ADDRESS,
    first_acknowledgement,
    skipped_acknowledgement,
)
from services.notify.domain.delivery import ACKNOWLEDGEMENT, SMS, STATUS_CODE, Delivery, NextStep
from services.notify.domain.status_codes import (
    CODE_EXPIRED,
    StatusCodeRequest,
    expired_status_code,
    first_status_code,
)
from services.notify.mail import Mailer
from services.notify.messages import compose_acknowledgement, compose_status_code, portal_base_url
from services.notify.observability import MESSAGES_SKIPPED, OUTCOME_UNKNOWN, RESENT_IN_DOUBT
from services.notify.ports import NotifyWork
from services.notify.sending import Attempt, Senders
from services.notify.texts import compose_text
from services.notify.wording import office_wording

log = logging.getLogger(__name__)


def plan_acknowledgement(
    uow: NotifyWork, senders: Senders, event: IncomingEvent[Any], now: datetime, lease: timedelta
) -> Attempt | None:
    """What to do about the acknowledgement of the event's submission now (`Plan`)."""
    case, recipient, delivery = uow.deliveries.in_context(
        event.payload.submission_id, ACKNOWLEDGEMENT
    )
    if case is None:
        return None  # nothing to do before the case is opened, and no delivery before that
    way = (
        preferences.route_for(uow, recipient, texts_on=senders.texts_on)
        if recipient is not None
        else None
    )
    step = acknowledgements.next_step(case, recipient, delivery, now=now, send_lease=lease, way=way)
    if not _due(uow, step, delivery, ACKNOWLEDGEMENT):
        return None
    assert case is not None and recipient is not None and way is not None
    if step is NextStep.SKIP:  # or an existing one was refused before they asked for none
        reason = way.skip_reason or NO_EMAIL_ADDRESS
        _skip(
            uow,
            delivery,
            lambda: skipped_acknowledgement(case, now=now, reason=reason, channel=way.channel),
            reason,
        )
        return None
    if delivery is None:
        delivery = first_acknowledgement(
            case, now=now, sender_address=senders.sender_address, channel=way.channel
        )
        uow.deliveries.add(delivery)
    else:
        _again(uow, delivery, step, now, senders.mailer)
    if delivery.channel == SMS:
        text = compose_text(
            ACKNOWLEDGEMENT,
            recipient=recipient,
            case=case,
            office_id=uow.office_id,
            office=(sender := uow.offices.sender()),
            portal=portal_base_url(),
            wording=office_wording(uow, sender),
        )
        return Attempt(delivery.delivery_id, ACKNOWLEDGEMENT, delivery.attempts, text)
    email = compose_acknowledgement(
        delivery_id=delivery.delivery_id,
        recipient=recipient,
        case=case,
        office_id=uow.office_id,
        office=(sender := uow.offices.sender()),
        sender_address=senders.sender_address,
        portal=portal_base_url(),
        unsubscribe_url=preferences.unsubscribe_url(uow, recipient, now=now),
        wording=office_wording(uow, sender),
    )
    # The caller commits: the idempotency key is durable before the mail server hears anything.
    return Attempt(delivery.delivery_id, ACKNOWLEDGEMENT, delivery.attempts, email)


def plan_status_code(
    uow: NotifyWork, senders: Senders, event: IncomingEvent[Any], now: datetime, lease: timedelta
) -> Attempt | None:
    """What to do about the code the event asks to be mailed now (`Plan`). The code is in the
    event only: a retried event composes the email again."""
    request = StatusCodeRequest.from_event(event.event_id, event.payload)
    delivery = uow.deliveries.for_cause(request.request_id, STATUS_CODE)
    step = status_codes.next_step(request, delivery, now=now, send_lease=lease)
    if not _due(uow, step, delivery, STATUS_CODE):
        return None
    case = uow.cases.for_submission(request.submission_id)
    case_id = case.case_id if case is not None else None
    if step is NextStep.SKIP:
        _skip(uow, delivery, lambda: expired_status_code(request, case_id, now=now), CODE_EXPIRED)
        return None
    if delivery is None:
        delivery = first_status_code(
            request, case_id, now=now, sender_address=senders.sender_address
        )
        uow.deliveries.add(delivery)
    else:
        _again(uow, delivery, step, now, senders.mailer)
    email = compose_status_code(
        delivery_id=delivery.delivery_id,
        request=request,
        recipient=uow.recipients.get(request.submission_id),
        office=(sender := uow.offices.sender()),
        sender_address=senders.sender_address,
        now=now,
        wording=office_wording(uow, sender),
    )
    return Attempt(delivery.delivery_id, STATUS_CODE, delivery.attempts, email)


def _skip(
    uow: NotifyWork, delivery: Delivery | None, new: Callable[[], Delivery], reason: str
) -> None:
    """Record a message as not sent: a new delivery skipped outright, or one refused before
    skipped now (its next try would be of no use, or is no longer wanted)."""
    if delivery is None:
        delivery = new()
        uow.deliveries.add(delivery)
    else:
        delivery.skip(reason)
        uow.deliveries.save(delivery)
    skipped = delivery
    uow.after_commit(lambda: counted_skip(skipped))


def _again(
    uow: NotifyWork, delivery: Delivery, step: NextStep, now: datetime, mailer: Mailer
) -> None:
    """Start another attempt of a delivery: after a definite refusal, or (same Message-ID)
    after one left in doubt."""
    if step is NextStep.RESEND_IN_DOUBT:
        delivery.resend_in_doubt(now)
        resent = delivery
        uow.after_commit(lambda: _counted_resend(resent))
    else:
        delivery.retry(now, sender_address=mailer.sender_address)
    uow.deliveries.save(delivery)


def _counted_resend(delivery: Delivery) -> None:
    RESENT_IN_DOUBT.labels(delivery.channel, delivery.kind).inc()
    log.warning(
        "%s delivery %s was left in doubt; sending it again (attempt %d, same Message-ID)",
        delivery.kind,
        delivery.delivery_id,
        delivery.attempts,
    )


def _due(uow: NotifyWork, step: NextStep, delivery: Delivery | None, kind: str) -> bool:
    """Whether `step` leaves something to plan (a send or a skip); the steps every message
    takes alike are taken here."""
    if step in (NextStep.WAIT, NextStep.DONE):
        return False
    if step is NextStep.CHECK_LATER:
        raise TransientError(f"another worker is sending this {kind} now")
    if step is NextStep.MARK_UNKNOWN:
        assert delivery is not None
        delivery.give_up_cut_off()
        uow.deliveries.save(delivery)
        given_up, channel = delivery.delivery_id, delivery.channel
        uow.after_commit(lambda: _counted_cut_off(given_up, kind, channel))
        return False
    return True


def _counted_cut_off(delivery_id: str, kind: str, channel: str) -> None:
    OUTCOME_UNKNOWN.labels(channel).inc()
    log.error(
        "%s delivery %s was left mid-send again after being resent; given up as unknown",
        kind,
        delivery_id,
    )


def counted_skip(delivery: Delivery) -> None:
    MESSAGES_SKIPPED.labels(delivery.channel, delivery.kind).inc()
    log.info(
        "%s delivery %s skipped: %s", delivery.kind, delivery.delivery_id, delivery.skip_reason
    )
