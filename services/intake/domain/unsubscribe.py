"""Stopping email from an office: the unsubscribe link every email to a constituent carries,
and the choice they (or staff, on their word) make.

Notify makes one secret per constituent of an office and puts it in every email to them (and in
the `List-Unsubscribe` header, RFC 8058); intake is told only its SHA-256
(`notify.unsubscribe_offered`) and recognises the link by it, as it does a survey's (see
`surveys.py`). Intake owns the constituent's contact preferences: whether they take email about
their requests is recorded on the constituent, and announced (`intake.contact_preferences_changed`)
only when it changes, so a second click, a reload or a mail provider's one-click post after the
constituent's own click changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.chassis.domain import Aggregate
from services.chassis.errors import ValidationFailed
from services.contracts import CONTACT_PREFERENCES_CHANGED, ContactPreferencesChanged

# What the page's two buttons post: stop email, or start it again.
STOP, RESUME = "stop", "resume"
# RFC 8058: a mail provider's one-click unsubscribe posts `List-Unsubscribe=One-Click`.
ONE_CLICK_FIELD, ONE_CLICK_VALUE = "List-Unsubscribe", "One-Click"
NOT_A_CHOICE = "choose to stop email or to start it again"
# Who changed a constituent's preferences (the event's `changed_by`).
CHANGED_BY = ("constituent", "staff")


def parse_choice(action: str | None, one_click: str | None = None) -> bool:
    """What a post to the link asks: True to stop email, False to start it again. A mail
    provider's one-click post (no `action`, `List-Unsubscribe=One-Click`) stops it; anything
    else is refused, naming the field."""
    if action is None or action == "":
        if one_click is not None and one_click.strip() == ONE_CLICK_VALUE:
            return True
    elif action.strip() in (STOP, RESUME):
        return action.strip() == STOP
    raise ValidationFailed(NOT_A_CHOICE, fields={"action": [NOT_A_CHOICE]})


@dataclass(frozen=True)
class UnsubscribeLink:
    """A constituent's unsubscribe link as intake knows it: its secret's SHA-256."""

    constituent_id: str
    token_sha256: str
    offered_at: datetime


@dataclass
class ContactPreferences(Aggregate):
    """How a constituent of the office wants to hear from it: their language, and whether
    they take email about their requests (`email_opted_out_at`: since when they do not)."""

    constituent_id: str
    language: str
    email_opted_out_at: datetime | None = None

    @property
    def email_opted_out(self) -> bool:
        return self.email_opted_out_at is not None

    def choose_email(self, opted_out: bool, *, by: str, at: datetime) -> bool:
        """Stop (`opted_out`) or start email again; False when that is already so, which
        changes nothing and announces nothing."""
        if by not in CHANGED_BY:
            raise ValueError(f"not who changes contact preferences: {by!r}")
        if opted_out == self.email_opted_out:
            return False
        self.email_opted_out_at = at if opted_out else None
        self.record(
            CONTACT_PREFERENCES_CHANGED,
            ContactPreferencesChanged(
                constituent_id=self.constituent_id,
                email_opted_out=opted_out,
                changed_by=by,
                changed_at=at,
            ),
        )
        return True


@dataclass(frozen=True)
class UnsubscribeAnswer:
    """What the unsubscribe page shows: whether the constituent is opted out now, whether this
    visit changed it, and their language for the page."""

    email_opted_out: bool
    changed: bool
    language: str
