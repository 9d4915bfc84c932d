"""When a constituent is sent an acknowledgement, and the facts it is written from.

The acknowledgement needs two facts that arrive on different queues in either order: the case
(`cases.case_opened`) and the recipient (`intake.submission_received`). Once both are known
the delivery (see `delivery.py`) is sent at most once.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from services.contracts import CaseOpened, SubmissionReceived
from services.notify.domain.delivery import (
    ACKNOWLEDGEMENT,
    EMAIL,
    SMS,
    Cause,
    Delivery,
    NextStep,
)

NO_EMAIL_ADDRESS = "no email address"
# The constituent stopped email from the office about their requests (domain/preferences.py).
ASKED_FOR_NO_EMAIL = "the constituent asked for no email"
# They asked for text messages, and answered one with STOP (the provider's error 21610): no
# more texts, and no email instead (they never asked for email).
REPLIED_STOP = "the constituent replied STOP to our texts"
# They asked for text messages, this installation sends none, and they gave no email address.
NO_TEXTS_NO_EMAIL = "no text messages here and no email address"
LANGUAGES = ("en", "es")
# The longest name kept: what the recipients table holds, and more than a greeting needs.
NAME_LENGTH = 200


@dataclass(frozen=True)
class Recipient:
    """How to reach the constituent who asked (from `intake.submission_received`)."""

    submission_id: str
    constituent_id: str
    name: str
    contact_email: str | None = field(repr=False)
    preferred_language: str
    tracking_code: str
    received_at: datetime
    # How they would rather hear from the office ("sms": text messages; None: any way), and
    # their phone as a text message provider takes it (`+12025550134`); from later events.
    preferred_channel: str | None = None
    contact_phone: str | None = field(default=None, repr=False)

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
            preferred_channel=submission.preferred_channel,
            contact_phone=submission.contact_phone or None,
        )

    @property
    def language(self) -> str:
        return language_or_english(self.preferred_language)

    @property
    def wants_texts(self) -> bool:
        """They chose text messages and gave a number to send them to."""
        return self.preferred_channel == SMS and bool(self.contact_phone)


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
    """The name and reply address an office's mail goes out with, and which version of the
    office's own wording of its messages is current (None: it has none)."""

    name: str
    reply_to_email: str
    wording_version: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class OutgoingEmail:
    """A plain-text email ready for a mail transport; addresses never leave this object (nor
    its body, which may hold a one-time code, nor its unsubscribe link, whose secret stops the
    constituent's email: its repr leaves them out). A message about the constituent's requests
    has an `unsubscribe_url` (its List-Unsubscribe headers); a status code has none."""

    sender_name: str
    sender_address: str
    to_name: str = field(repr=False)
    to_address: str = field(repr=False)
    reply_to: str | None
    subject: str
    body: str = field(repr=False)
    message_id: str
    unsubscribe_url: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class OutgoingText:
    """A text message ready for the SMS provider; neither the number nor the words (which
    name the constituent's request) reach a log line: its repr leaves them out."""

    to_number: str = field(repr=False)
    body: str = field(repr=False)


@dataclass(frozen=True)
class Route:
    """The channel a message about a constituent's requests goes by, and why it does not go
    at all (`skip_reason`, the delivery's; None: it goes)."""

    channel: str
    skip_reason: str | None = None


def route(
    recipient: Recipient,
    *,
    texts_on: bool,
    email_opted_out: bool = False,
    texts_stopped: bool = False,
) -> Route:
    """How a message about their requests reaches the constituent: by text message when they
    chose it, gave a phone and this installation sends texts (`texts_on`); otherwise by
    email, as before texts existed. One who chose texts on an installation without them is
    emailed if they gave an address. One who replied STOP to a text is sent nothing (they
    asked for texts, not email); one who stopped email is not emailed."""
    if recipient.wants_texts:
        if texts_stopped:
            return Route(SMS, REPLIED_STOP)
        if texts_on:
            return Route(SMS)
        if not recipient.contact_email:
            return Route(SMS, NO_TEXTS_NO_EMAIL)
    return Route(EMAIL, not_emailed_because(recipient, opted_out=email_opted_out))


def not_emailed_because(recipient: Recipient, *, opted_out: bool) -> str | None:
    """Why a message about their requests is not emailed to this constituent (the delivery's
    skip reason), or None: it may go."""
    if not recipient.contact_email:
        return NO_EMAIL_ADDRESS
    if opted_out:
        return ASKED_FOR_NO_EMAIL
    return None


def next_step(
    case: OpenedCase | None,
    recipient: Recipient | None,
    delivery: Delivery | None,
    *,
    now: datetime,
    send_lease: timedelta,
    opted_out: bool = False,
    way: Route | None = None,
) -> NextStep:
    """What to do about one constituent's acknowledgement, given what notify knows now
    (`send_lease`: see `Delivery.next_step`; `opted_out`: the constituent asked for no email,
    which also stops the retry of an attempt refused before they did; `way`: the route the
    message would take now, which, when given, says whether it goes instead)."""
    if delivery is not None:
        step = delivery.next_step(now=now, send_lease=send_lease)
        stopped = way.skip_reason is not None if way is not None else opted_out
        if step is NextStep.SEND and stopped:
            return NextStep.SKIP
        return step
    if case is None or recipient is None:
        return NextStep.WAIT
    if way is not None:
        return NextStep.SKIP if way.skip_reason else NextStep.SEND
    if not_emailed_because(recipient, opted_out=opted_out):
        return NextStep.SKIP
    return NextStep.SEND


def acknowledgement_of(case: OpenedCase, channel: str = EMAIL) -> Cause:
    """The acknowledgement of a case goes to the constituent who asked, by email or text."""
    return Cause(case.submission_id, case.case_id, ACKNOWLEDGEMENT, channel, case.submission_id)


def first_acknowledgement(
    case: OpenedCase, *, now: datetime, sender_address: str, channel: str = EMAIL
) -> Delivery:
    return Delivery.first_attempt(
        acknowledgement_of(case, channel), now=now, sender_address=sender_address
    )


def skipped_acknowledgement(
    case: OpenedCase, *, now: datetime, reason: str = NO_EMAIL_ADDRESS, channel: str = EMAIL
) -> Delivery:
    """The acknowledgement of a constituent who gave no email address, or asked for none:
    nothing to send."""
    return Delivery.skipped(acknowledgement_of(case, channel), now=now, reason=reason)


def language_or_english(preferred: str) -> str:
    """The language a constituent's mail is written in: theirs if notify has it, else English."""
    return preferred if preferred in LANGUAGES else "en"


def one_line(text: str) -> str:
    """A display name safe for a mail header: no line breaks or other control characters."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
