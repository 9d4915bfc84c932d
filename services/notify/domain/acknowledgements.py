"""When a constituent is sent an acknowledgement, and how a delivery moves between states.

The acknowledgement needs two facts that arrive on different queues in either order: the case
(`cases.case_opened`) and the recipient (`intake.submission_received`). Sending is not
transactional, so a delivery is sent at most once: a send that was cut off mid-way is never
repeated, only one the mail server definitely refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum, StrEnum

ACKNOWLEDGEMENT = "acknowledgement"
EMAIL = "email"
NO_EMAIL_ADDRESS = "no email address"
LANGUAGES = ("en", "es")
# Used as the From name while the office's own registration has not reached notify yet.
GENERIC_SENDER_NAME = {"en": "Constituent Services", "es": "Servicios al Constituyente"}


class DeliveryStatus(StrEnum):
    SENDING = "sending"  # committed before talking to the mail server
    SENT = "sent"  # the mail server accepted the message
    FAILED = "failed"  # the mail server definitely did not take it; a retry may send
    SKIPPED = "skipped"  # nothing to send to (see the skip reason)
    UNKNOWN = "unknown"  # cut off mid-send: it may or may not have gone, so never resent
    UNDELIVERABLE = "undeliverable"  # refused for good (5xx: no such mailbox); never retried


class NextStep(Enum):
    WAIT = "wait"  # the case or the recipient is not known yet
    SKIP = "skip"  # the constituent gave no email address
    SEND = "send"  # a first attempt, or another after a definite failure
    DONE = "done"  # sent, skipped or given up on already
    CHECK_LATER = "check_later"  # another worker is talking to the mail server right now
    MARK_UNKNOWN = "mark_unknown"  # an attempt outlived any send: it was cut off


@dataclass(frozen=True)
class Recipient:
    office_id: str
    submission_id: str
    constituent_id: str
    name: str
    contact_email: str | None
    preferred_language: str
    tracking_code: str

    @property
    def language(self) -> str:
        return self.preferred_language if self.preferred_language in LANGUAGES else "en"


@dataclass(frozen=True)
class OpenedCase:
    office_id: str
    case_id: str
    submission_id: str
    reference: str
    tracking_code: str


@dataclass(frozen=True)
class OfficeSender:
    name: str
    reply_to_email: str


@dataclass(frozen=True)
class DeliveryState:
    delivery_id: str
    status: DeliveryStatus
    attempts: int
    attempt_started_at: datetime | None


@dataclass(frozen=True)
class OutgoingEmail:
    """A plain-text email ready for a mail transport; addresses never leave this object."""

    sender_name: str
    sender_address: str
    to_name: str
    to_address: str
    reply_to: str | None
    subject: str
    body: str
    message_id: str


def next_step(
    case: OpenedCase | None,
    recipient: Recipient | None,
    delivery: DeliveryState | None,
    *,
    now: datetime,
    send_lease: timedelta,
) -> NextStep:
    """What to do about one constituent's acknowledgement, given what notify knows now.

    `send_lease` is the longest one send can take: a `sending` attempt older than that was cut
    off (the worker died), while a younger one may still be talking to the mail server.
    """
    if delivery is not None:
        if delivery.status is DeliveryStatus.FAILED:
            return NextStep.SEND
        if delivery.status is DeliveryStatus.SENDING:
            started = delivery.attempt_started_at
            if started is not None and now - started < send_lease:
                return NextStep.CHECK_LATER
            return NextStep.MARK_UNKNOWN
        return NextStep.DONE
    if case is None or recipient is None:
        return NextStep.WAIT
    if not recipient.contact_email:
        return NextStep.SKIP
    return NextStep.SEND


def sender_name(office: OfficeSender | None, language: str) -> str:
    if office is not None:
        return office.name
    return GENERIC_SENDER_NAME.get(language, GENERIC_SENDER_NAME["en"])


def message_id(delivery_id: str, sender_address: str) -> str:
    """The same Message-ID on every attempt of a delivery, so mail systems can spot a repeat."""
    _, at, domain = sender_address.rpartition("@")
    if not at or not domain:
        domain = "localhost"
    return f"<{delivery_id}@{domain}>"


def one_line(text: str) -> str:
    """A display name safe for a mail header: no line breaks or other control characters."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
