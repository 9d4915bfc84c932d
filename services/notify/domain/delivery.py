"""A delivery: one message to one recipient for one cause, and the state of sending it.

Sending is not transactional, so a delivery is committed as `sending` (its idempotency key,
unique per kind of message and occasion) before the mail server hears anything. An attempt the
mail server definitely refused for now is tried again. An attempt left in doubt (its worker
was killed mid-send, or the connection dropped after the message was handed over) is sent
again with the same Message-ID, at most `IN_DOUBT_RESENDS` times: every message here goes to
a constituent, and a rare duplicate (which receiving systems can drop by its Message-ID) is
better than silence. After that it stays `unknown`.

Messages about a case (an update, a closure) are swept rather than sent by the event that
causes them: the event commits them `queued` with the moment they may go (`send_after`, after
the office's quiet hours), and the sweep sends them. For these, `send_after` is always when the
sweep should look at the delivery next (a retry's backoff, a `sending` attempt's lease), and
None once nothing is left to do.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum, StrEnum

from services.chassis.domain import Aggregate
from services.contracts import ACKNOWLEDGEMENT_SENT, AcknowledgementSent

ACKNOWLEDGEMENT = "acknowledgement"
STATUS_CODE = "status_code"
# Messages about a case, swept: a public note, a status the constituent is told of, closure.
CASE_UPDATE = "case_update"
STATUS_UPDATE = "status_update"
CLOSURE = "closure"
DOCUMENTS_REQUEST = "documents_request"
SWEPT_KINDS = frozenset({CASE_UPDATE, STATUS_UPDATE, CLOSURE, DOCUMENTS_REQUEST})
EMAIL = "email"
# A text message to the constituent's phone, through the SMS provider (no Message-ID: a text
# resent after an attempt left in doubt may arrive twice).
SMS = "sms"
# A swept message refused for now is tried again after these waits, then given up (`failed`).
RETRY_WAITS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=4),
)
# Why a stale `sending` attempt was given up on (its worker stopped mid-send).
CUT_OFF = "CutOff"
# How many times a delivery left in doubt is sent again before it is given up as `unknown`.
IN_DOUBT_RESENDS = 2


class DeliveryStatus(StrEnum):
    QUEUED = "queued"  # a swept message waiting for its moment (`send_after`)
    SENDING = "sending"  # committed before talking to the mail server
    SENT = "sent"  # the mail server accepted the message
    FAILED = "failed"  # the mail server definitely did not take it; a retry may send
    SKIPPED = "skipped"  # not sent and never will be (see the skip reason)
    UNKNOWN = "unknown"  # cut off mid-send: it may or may not have gone (resent while it may)
    UNDELIVERABLE = "undeliverable"  # refused for good (5xx: no such mailbox); never retried


# An attempt in one of these states may still learn its outcome: `unknown` is corrected when
# the worker that was sending after all reports back.
_SETTLEABLE = frozenset({DeliveryStatus.SENDING, DeliveryStatus.UNKNOWN})


class NextStep(Enum):
    WAIT = "wait"  # a fact the message is written from is not known yet
    SKIP = "skip"  # nothing to send to, or nothing worth sending any more
    SEND = "send"  # a first attempt, or another after a definite failure
    DONE = "done"  # sent, skipped or given up on already
    CHECK_LATER = "check_later"  # another worker is talking to the mail server right now
    MARK_UNKNOWN = "mark_unknown"  # an attempt outlived any send and may not be resent
    RESEND_IN_DOUBT = "resend_in_doubt"  # an attempt left in doubt: send again, same Message-ID


class InvalidTransition(Exception):
    """A delivery was asked to move in a way its state does not allow (a bug, not a race)."""


class AttemptSettledElsewhere(Exception):
    """The attempt being settled is no longer this delivery's open attempt: another worker
    settled it or started a newer one. Its outcome is left as it is."""


@dataclass(frozen=True)
class Cause:
    """Whom a delivery is for and why: the recipient's submission, the case it is about (None
    while no case is open), the kind of message, the channel it goes by, and the occasion it
    is sent once for: the submission for its acknowledgement, each request for a status code
    (the event's id)."""

    submission_id: str
    case_id: str | None
    kind: str
    channel: str
    occasion_id: str


@dataclass
class Delivery(Aggregate):
    delivery_id: str
    submission_id: str
    case_id: str | None
    kind: str
    channel: str
    occasion_id: str
    status: DeliveryStatus
    created_at: datetime
    attempts: int = 0
    attempt_started_at: datetime | None = None
    last_error: str | None = None
    skip_reason: str | None = None
    message_id: str | None = None
    sent_at: datetime | None = None
    resent_in_doubt: int = 0  # attempts made again because the one before was left in doubt
    # Swept messages: when the sweep looks at this delivery next (None: nothing left to do),
    # and what the message says beyond what notify knows of the case (JSON; a note's text).
    send_after: datetime | None = None
    content: str | None = dataclasses.field(default=None, repr=False)

    @classmethod
    def first_attempt(cls, cause: Cause, *, now: datetime, sender_address: str) -> Delivery:
        """A new delivery, already `sending` its first attempt."""
        delivery_id = str(uuid.uuid4())
        return cls(
            delivery_id=delivery_id,
            **dataclasses.asdict(cause),
            status=DeliveryStatus.SENDING,
            created_at=now,
            attempts=1,
            attempt_started_at=now,
            message_id=message_id(delivery_id, sender_address),
        )

    @classmethod
    def queued(cls, cause: Cause, *, now: datetime, send_after: datetime, content: str) -> Delivery:
        """A swept message, to be sent from `send_after` on."""
        if cause.kind not in SWEPT_KINDS:
            raise InvalidTransition(f"a {cause.kind} is sent by its event, not queued")
        return cls(
            delivery_id=str(uuid.uuid4()),
            **dataclasses.asdict(cause),
            status=DeliveryStatus.QUEUED,
            created_at=now,
            send_after=send_after,
            content=content,
        )

    @classmethod
    def skipped(cls, cause: Cause, *, now: datetime, reason: str) -> Delivery:
        """A delivery settled without an attempt (nothing to send to)."""
        return cls(
            delivery_id=str(uuid.uuid4()),
            **dataclasses.asdict(cause),
            status=DeliveryStatus.SKIPPED,
            created_at=now,
            skip_reason=reason,
        )

    @property
    def idempotency_key(self) -> tuple[str, str]:
        """At most one delivery per occasion and kind of message."""
        return (self.occasion_id, self.kind)

    def next_step(self, *, now: datetime, send_lease: timedelta) -> NextStep:
        """What to do about this delivery now: send again only after a definite refusal.

        `send_lease` is the longest one send can take: a `sending` attempt older than that was
        cut off (the worker died), while a younger one may still be talking to the mail server.
        """
        if self.status in (DeliveryStatus.QUEUED, DeliveryStatus.FAILED):
            return NextStep.SEND
        may_resend = self.resent_in_doubt < IN_DOUBT_RESENDS
        if self.status is DeliveryStatus.SENDING:
            started = self.attempt_started_at
            if started is not None and now - started < send_lease:
                return NextStep.CHECK_LATER
            return NextStep.RESEND_IN_DOUBT if may_resend else NextStep.MARK_UNKNOWN
        if self.status is DeliveryStatus.UNKNOWN and may_resend:
            return NextStep.RESEND_IN_DOUBT
        return NextStep.DONE

    @property
    def swept(self) -> bool:
        return self.kind in SWEPT_KINDS

    def start(self, now: datetime, *, sender_address: str, lease: timedelta) -> None:
        """A queued message's first attempt; the sweep looks again once its lease is over."""
        if self.status is not DeliveryStatus.QUEUED:
            raise InvalidTransition(f"a {self.status} delivery is not waiting to be sent")
        self.status = DeliveryStatus.SENDING
        self.attempts = 1
        self.attempt_started_at = now
        self.message_id = message_id(self.delivery_id, sender_address)
        self.send_after = now + lease

    def hold(self, until: datetime) -> None:
        """A swept message waits (the office's quiet hours) before it is sent or retried."""
        if not self.swept or self.status not in (DeliveryStatus.QUEUED, DeliveryStatus.FAILED):
            raise InvalidTransition(f"a {self.status} {self.kind} is not held")
        self.send_after = until

    def nothing_left(self) -> None:
        """The sweep has nothing more to do with this delivery (it is settled)."""
        self.send_after = None

    def retry(self, now: datetime, *, sender_address: str, lease: timedelta | None = None) -> None:
        """Start another attempt after the mail server definitely refused the last one."""
        if self.status is not DeliveryStatus.FAILED:
            raise InvalidTransition(f"a {self.status} delivery is not sent again")
        self.status = DeliveryStatus.SENDING
        self.attempts += 1
        self.attempt_started_at = now
        self.message_id = message_id(self.delivery_id, sender_address)
        self._look_again(now + lease if lease is not None else None)

    def resend_in_doubt(self, now: datetime, *, lease: timedelta | None = None) -> None:
        """Send again an attempt that was left in doubt (cut off mid-send, or its outcome
        unknown), with the same Message-ID so a mail system that got the first can drop this."""
        if self.status not in _SETTLEABLE:
            raise InvalidTransition(f"a {self.status} delivery is not in doubt")
        if self.resent_in_doubt >= IN_DOUBT_RESENDS:
            raise InvalidTransition(f"delivery {self.delivery_id} was resent enough")
        self.status = DeliveryStatus.SENDING
        self.attempts += 1
        self.resent_in_doubt += 1
        self.attempt_started_at = now
        self._look_again(now + lease if lease is not None else None)

    def skip(self, reason: str) -> None:
        """A message waiting to go, or a refused attempt, is not sent after all: what it
        carries is of no use any more (a status code that expired meanwhile), or its
        constituent asked for no more email before it went."""
        if self.status not in (DeliveryStatus.QUEUED, DeliveryStatus.FAILED):
            raise InvalidTransition(f"a {self.status} delivery is not skipped")
        self.status = DeliveryStatus.SKIPPED
        self.skip_reason = reason
        self._look_again(None)

    def give_up_cut_off(self) -> None:
        """An attempt that outlived any send was cut off and was resent enough: it may have
        gone; give it up."""
        if self.status is not DeliveryStatus.SENDING:
            raise InvalidTransition(f"a {self.status} delivery is not being sent")
        self.status = DeliveryStatus.UNKNOWN
        self.last_error = CUT_OFF
        self._look_again(None)

    def sent(self, attempt: int, *, at: datetime) -> None:
        """The mail server accepted attempt number `attempt`."""
        self._settle(attempt, DeliveryStatus.SENT)
        self.sent_at = at
        self._look_again(None)
        if self.kind == ACKNOWLEDGEMENT and self.case_id is not None:
            self.record(
                ACKNOWLEDGEMENT_SENT,
                AcknowledgementSent(
                    case_id=self.case_id,
                    submission_id=self.submission_id,
                    channel=self.channel,
                    sent_at=at,
                    resent_after_doubt=self.resent_in_doubt > 0,
                ),
            )

    def refused(self, attempt: int, error: str, *, at: datetime | None = None) -> None:
        """Definitely not taken, for now (4xx, no connection): a later attempt may send. A
        swept message is tried again after its next wait (`RETRY_WAITS`), then given up."""
        self._settle(attempt, DeliveryStatus.FAILED, error)
        waits = RETRY_WAITS[self.attempts - 1] if self.attempts <= len(RETRY_WAITS) else None
        self._look_again(at + waits if at is not None and waits is not None else None)

    def opted_out_by_reply(self, attempt: int, reason: str) -> None:
        """The provider refused the attempt because the constituent told it to stop (they
        replied STOP to a text): settled as skipped, with why; never tried again."""
        self._settle(attempt, DeliveryStatus.SKIPPED)
        self.skip_reason = reason
        self._look_again(None)

    def undeliverable(self, attempt: int, error: str) -> None:
        """Refused for good (5xx: no such mailbox): retrying would be refused again."""
        self._settle(attempt, DeliveryStatus.UNDELIVERABLE, error)
        self._look_again(None)

    def outcome_unknown(self, attempt: int, error: str, *, at: datetime | None = None) -> None:
        """Cut off after the message was handed over: it may have gone (a swept message is
        sent again by the next sweep, while it may be)."""
        self._settle(attempt, DeliveryStatus.UNKNOWN, error)
        may_resend = self.resent_in_doubt < IN_DOUBT_RESENDS
        self._look_again(at if may_resend else None)

    def _look_again(self, at: datetime | None) -> None:
        if self.swept:
            self.send_after = at

    def _settle(self, attempt: int, to: DeliveryStatus, error: str | None = None) -> None:
        if self.attempts != attempt or self.status not in _SETTLEABLE:
            raise AttemptSettledElsewhere(
                f"attempt {attempt} of delivery {self.delivery_id} is no longer open"
            )
        self.status = to
        if error is not None:
            self.last_error = error


def message_id(delivery_id: str, sender_address: str) -> str:
    """The same Message-ID on every attempt of a delivery, so mail systems can spot a repeat."""
    _, at, domain = sender_address.rpartition("@")
    if not at or not domain:
        domain = "localhost"
    return f"<{delivery_id}@{domain}>"
