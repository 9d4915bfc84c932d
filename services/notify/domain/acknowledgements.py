"""When a constituent is sent an acknowledgement, and the facts it is written from.

The acknowledgement needs two facts that arrive on different queues in either order: the case
(`cases.case_opened`) and the recipient (`intake.submission_received`). Once both are known
the delivery (see `delivery.py`) is sent at most once.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from services.contracts import CaseOpened, SubmissionReceived
from services.notify.domain.delivery import (
    ACKNOWLEDGEMENT,
    EMAIL,
    Cause,
    Delivery,
    DeliveryStatus,
)

NO_EMAIL_ADDRESS = "no email address"
LANGUAGES = ("en", "es")
# The longest name kept: what the recipients table holds, and more than a greeting needs.
NAME_LENGTH = 200
# Used as the From name while the office's own registration has not reached notify yet.
GENERIC_SENDER_NAME = {"en": "Constituent Services", "es": "Servicios al Constituyente"}


class NextStep(Enum):
    WAIT = "wait"  # the case or the recipient is not known yet
    SKIP = "skip"  # the constituent gave no email address
    SEND = "send"  # a first attempt, or another after a definite failure
    DONE = "done"  # sent, skipped or given up on already
    CHECK_LATER = "check_later"  # another worker is talking to the mail server right now
    MARK_UNKNOWN = "mark_unknown"  # an attempt outlived any send: it was cut off


@dataclass(frozen=True)
class Recipient:
    """How to reach the constituent who asked (from `intake.submission_received`)."""

    submission_id: str
    constituent_id: str
    name: str
    contact_email: str | None
    preferred_language: str
    tracking_code: str
    received_at: datetime

    @classmethod
    def from_submission(cls, submission: SubmissionReceived) -> Recipient:
        return cls(
            submission_id=submission.submission_id,
            constituent_id=submission.constituent_id,
            name=submission.constituent_name[:NAME_LENGTH],
            contact_email=submission.contact_email or None,
            preferred_language=submission.preferred_language,
            tracking_code=submission.tracking_code,
            received_at=submission.received_at,
        )

    @property
    def language(self) -> str:
        return self.preferred_language if self.preferred_language in LANGUAGES else "en"


@dataclass(frozen=True)
class OpenedCase:
    """The case an acknowledgement is about (from `cases.case_opened`)."""

    case_id: str
    submission_id: str
    reference: str
    tracking_code: str
    opened_at: datetime

    @classmethod
    def from_event(cls, opened: CaseOpened) -> OpenedCase:
        return cls(**{f.name: getattr(opened, f.name) for f in dataclasses.fields(cls)})


@dataclass(frozen=True)
class OfficeSender:
    """The name and reply address an office's mail goes out with."""

    name: str
    reply_to_email: str


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
    delivery: Delivery | None,
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


def acknowledgement_of(case: OpenedCase) -> Cause:
    """The acknowledgement of a case goes to the constituent who asked, by email."""
    return Cause(case.submission_id, case.case_id, ACKNOWLEDGEMENT, EMAIL)


def first_acknowledgement(case: OpenedCase, *, now: datetime, sender_address: str) -> Delivery:
    return Delivery.first_attempt(acknowledgement_of(case), now=now, sender_address=sender_address)


def skipped_acknowledgement(case: OpenedCase, *, now: datetime) -> Delivery:
    """The acknowledgement of a constituent who gave no email address: nothing to send."""
    return Delivery.skipped(acknowledgement_of(case), now=now, reason=NO_EMAIL_ADDRESS)


def sender_name(office: OfficeSender | None, language: str) -> str:
    if office is not None:
        return office.name
    return GENERIC_SENDER_NAME.get(language, GENERIC_SENDER_NAME["en"])


def one_line(text: str) -> str:
    """A display name safe for a mail header: no line breaks or other control characters."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
