"""When a constituent is mailed the one-time code that opens their request's status page.

Each request for a code (`intake.status_code_requested`) is its own occasion: it is mailed at
most once, and not at all once the code has expired. The code travels only in the event and
in the email: notify keeps the delivery, never the code.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from services.contracts import StatusCodeRequested
from services.notify.domain.acknowledgements import language_or_english
from services.notify.domain.delivery import (
    EMAIL,
    STATUS_CODE,
    Cause,
    Delivery,
    DeliveryStatus,
    NextStep,
)

CODE_EXPIRED = "code expired"


@dataclass(frozen=True)
class StatusCodeRequest:
    """One request for a code, as the event brought it (`request_id` is the event's id). Its
    repr leaves out the code and the address, so neither can reach a log line."""

    request_id: str
    submission_id: str
    tracking_code: str
    contact_email: str = field(repr=False)
    preferred_language: str
    code: str = field(repr=False)
    expires_at: datetime

    @classmethod
    def from_event(cls, request_id: str, requested: StatusCodeRequested) -> StatusCodeRequest:
        return cls(
            request_id=request_id,
            submission_id=requested.submission_id,
            tracking_code=requested.tracking_code,
            contact_email=requested.contact_email,
            preferred_language=requested.preferred_language,
            code=requested.code,
            expires_at=requested.expires_at,
        )

    @property
    def language(self) -> str:
        return language_or_english(self.preferred_language)

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at

    def minutes_left(self, now: datetime) -> int:
        """Whole minutes the code still works, rounded up: a code sent a few seconds after it
        was made for 15 minutes is said to work for 15."""
        return max(1, math.ceil((self.expires_at - now).total_seconds() / 60))


def next_step(
    request: StatusCodeRequest, delivery: Delivery | None, *, now: datetime, send_lease: timedelta
) -> NextStep:
    """What to do about one request's code now: send it while it works, at most once."""
    if delivery is None:
        return NextStep.SKIP if request.expired(now) else NextStep.SEND
    step = delivery.next_step(now=now, send_lease=send_lease)
    if step is NextStep.SEND and request.expired(now):
        return NextStep.SKIP  # refused while it worked: sending it now would only confuse
    if step is NextStep.RESEND_IN_DOUBT and request.expired(now):
        # Left in doubt and no longer any use: give up a cut-off attempt, leave the rest.
        return NextStep.MARK_UNKNOWN if delivery.status is DeliveryStatus.SENDING else NextStep.DONE
    return step


def status_code_of(request: StatusCodeRequest, case_id: str | None) -> Cause:
    """A code goes by email to the address intake has for the submission; the case, when one
    is open, lets staff see it among the case's deliveries."""
    return Cause(request.submission_id, case_id, STATUS_CODE, EMAIL, request.request_id)


def first_status_code(
    request: StatusCodeRequest, case_id: str | None, *, now: datetime, sender_address: str
) -> Delivery:
    return Delivery.first_attempt(
        status_code_of(request, case_id), now=now, sender_address=sender_address
    )


def expired_status_code(
    request: StatusCodeRequest, case_id: str | None, *, now: datetime
) -> Delivery:
    """A code that expired before notify got to it: nothing worth sending."""
    return Delivery.skipped(status_code_of(request, case_id), now=now, reason=CODE_EXPIRED)
