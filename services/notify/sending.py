"""Handing one committed attempt to its transport, and what its outcome does to the delivery.

An attempt is an email for the mail transport or a text for the SMS provider. Either way the
send ends in one of four ways: taken; refused for now (tried again later: an event is retried,
a swept message after its next wait); refused for good (undeliverable, or for a text to a
constituent who replied STOP, skipped and their STOP recorded); or cut off after the message
was on its way (in doubt: sent again while it may be, with the same Message-ID for email; a
text has none, so a rare duplicate text is possible).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.notify.adapters.sms import TextsStopped
from services.notify.domain.acknowledgements import REPLIED_STOP, OutgoingEmail, OutgoingText
from services.notify.domain.delivery import EMAIL, SMS, Delivery
from services.notify.mail import Mailer, SendOutcomeUnknown, SendRefused
from services.notify.observability import (
    DELIVERY_FAILURES,
    MESSAGES_SENT,
    OUTCOME_UNKNOWN,
    SMS_SEND_SECONDS,
    SMS_SENDS,
    SMTP_SEND_SECONDS,
    UNDELIVERABLE,
)
from services.notify.texts import Texter

log = logging.getLogger(__name__)

# Margin on top of the transport's longest send before a `sending` row counts as cut off.
LEASE_MARGIN = timedelta(seconds=5)
# Why a text was not handed over: this installation has no SMS provider (any more).
TEXTS_OFF = "sms:NotConfigured"

Clock = Callable[[], datetime]
Settle = Callable[[Delivery], None]


@dataclass(frozen=True)
class Senders:
    """The transports notify sends through: the mail server, and the SMS provider when one is
    configured (None: texts are off)."""

    mailer: Mailer
    texter: Texter | None = None

    @property
    def texts_on(self) -> bool:
        return self.texter is not None

    @property
    def sender_address(self) -> str:
        return self.mailer.sender_address

    @property
    def lease(self) -> timedelta:
        """How long a `sending` attempt may be in progress, whichever transport has it."""
        longest = self.mailer.longest_send_seconds
        if self.texter is not None:
            longest = max(longest, self.texter.longest_send_seconds)
        return timedelta(seconds=longest) + LEASE_MARGIN


@dataclass(frozen=True)
class Attempt:
    """One committed `sending` attempt, waiting to be handed to its transport."""

    delivery_id: str
    kind: str
    number: int
    message: OutgoingEmail | OutgoingText

    @property
    def channel(self) -> str:
        return SMS if isinstance(self.message, OutgoingText) else EMAIL


def send_attempt(senders: Senders, attempt: Attempt, clock: Clock) -> tuple[Settle, str | None]:
    """Hand the message over: how to settle the attempt, and why it was refused for now (to
    try again later), if it was."""
    number, started = attempt.number, time.perf_counter()
    try:
        _hand_over(senders, attempt)
    except TextsStopped:
        SMS_SEND_SECONDS.labels("opted_out").observe(time.perf_counter() - started)
        SMS_SENDS.labels("opted_out").inc()
        log.info("%s delivery %s: the recipient replied STOP", attempt.kind, attempt.delivery_id)
        return (lambda delivery: delivery.opted_out_by_reply(number, REPLIED_STOP)), None
    except SendRefused as exc:
        _observe(attempt, "undeliverable" if exc.permanent else "refused", started)
        DELIVERY_FAILURES.labels(attempt.channel).inc()
        error = exc.error_class
        if exc.permanent:
            # A mistyped or closed mailbox, a number that cannot take texts: retrying would be
            # refused again. Staff see it as undeliverable and reach the constituent another way.
            UNDELIVERABLE.labels(attempt.channel).inc()
            log.warning(
                "%s delivery %s refused for good (%s); not retried",
                attempt.kind,
                attempt.delivery_id,
                error,
            )
            return (lambda delivery: delivery.undeliverable(number, error)), None
        refused_at = clock()
        log.warning(
            "%s delivery %s attempt %d refused (%s); will retry",
            attempt.kind,
            attempt.delivery_id,
            number,
            error,
        )
        return (lambda delivery: delivery.refused(number, error, at=refused_at)), error
    except SendOutcomeUnknown as exc:
        _observe(attempt, "unknown", started)
        OUTCOME_UNKNOWN.labels(attempt.channel).inc()
        error = exc.error_class
        log.error(
            "%s delivery %s was cut off mid-send (%s); marked unknown, to be sent again",
            attempt.kind,
            attempt.delivery_id,
            error,
        )
        # Retried like a refusal: the retry finds it in doubt and sends it again (same
        # Message-ID for an email) while it may.
        cut_at = clock()
        return (
            lambda delivery: delivery.outcome_unknown(number, error, at=cut_at)
        ), f"in doubt: {error}"
    _observe(attempt, "sent", started)
    MESSAGES_SENT.labels(attempt.channel, attempt.kind).inc()
    # Counted in messages_sent_total and kept as the delivery row: no log line per message.
    log.debug("%s delivery %s sent", attempt.kind, attempt.delivery_id)
    sent_at = clock()
    return (lambda delivery: delivery.sent(number, at=sent_at)), None


def _hand_over(senders: Senders, attempt: Attempt) -> None:
    message = attempt.message
    if isinstance(message, OutgoingEmail):
        senders.mailer.send(message)
        return
    if senders.texter is None:
        # Texts were on when this one was written; the provider's settings went since.
        raise SendRefused(TEXTS_OFF)
    senders.texter.send(message)


def _observe(attempt: Attempt, outcome: str, started: float) -> None:
    elapsed = time.perf_counter() - started
    if attempt.channel == SMS:
        SMS_SEND_SECONDS.labels(outcome).observe(elapsed)
        SMS_SENDS.labels(outcome).inc()
    else:
        # The mail server's outcomes, as they were always labelled.
        SMTP_SEND_SECONDS.labels("refused" if outcome == "undeliverable" else outcome).observe(
            elapsed
        )
