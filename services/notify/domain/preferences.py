"""A constituent's wishes about email from the office, and the unsubscribe link that lets them
say so.

Every email to a constituent about their requests carries a link to the portal's unsubscribe
page; its secret is made once per constituent and office, when notify first hears of them, and
only its SHA-256 is announced (`notify.unsubscribe_offered`): intake keeps the digest so the
portal can take the constituent's opt-out, and tells notify of it
(`intake.contact_preferences_changed`). The latest change (by the time it was made) counts,
whatever order the changes arrive in. While a constituent is opted out, notify sends them no
message about their requests (the delivery is recorded as skipped, its reason
`acknowledgements.ASKED_FOR_NO_EMAIL`); a status code they ask for on the portal still goes.

Texts stop two ways: the SMS provider refusing one because the constituent replied STOP
(`texts_stopped_at`, kept per constituent of the office), and their STOP reaching the
provider's webhook (`TextOptOut`, kept per phone for every office, since a carrier's opt-out is
per sender number). A START to the webhook ends both, until the next STOP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from services.chassis.domain import Aggregate
from services.contracts import UNSUBSCRIBE_OFFERED, UnsubscribeOffered
from services.notify.domain.links import link_digest


@dataclass
class ContactPreference(Aggregate):
    """One constituent of the office: the secret of their unsubscribe link, and whether they
    take email about their requests (as of `changed_at`, None while they never said)."""

    constituent_id: str
    unsubscribe_token: str = field(repr=False)
    email_opted_out: bool = False
    changed_at: datetime | None = None
    # When the SMS provider last refused a text because they had replied STOP (None: never).
    texts_stopped_at: datetime | None = None

    @classmethod
    def offer(cls, constituent_id: str, token: str, *, now: datetime) -> ContactPreference:
        """A constituent notify has just heard of, taking email, whose link's digest is
        announced (only if the row is kept: a constituent already known is offered nothing)."""
        preference = cls(constituent_id, token)
        preference.record(
            UNSUBSCRIBE_OFFERED,
            UnsubscribeOffered(
                constituent_id=constituent_id,
                token_sha256=link_digest(token),
                offered_at=now,
            ),
        )
        return preference

    def texts_stopped_for(self, received_at: datetime) -> bool:
        """Whether their STOP covers a request made at `received_at`: one made before it (or
        with it) gets no more texts; a request made after it, in which they chose texts again,
        may be texted (should the provider still refuse, that STOP is recorded in turn)."""
        return self.texts_stopped_at is not None and received_at <= self.texts_stopped_at

    def change(self, *, email_opted_out: bool, at: datetime) -> bool:
        """Take the constituent's wish as of `at`, unless a later (or the same) change is
        kept already; whether it was taken."""
        if self.changed_at is not None and at <= self.changed_at:
            return False
        self.email_opted_out = email_opted_out
        self.changed_at = at
        return True


@dataclass(frozen=True)
class TextOptOut:
    """A phone's last STOP or START to the platform's sending number, as of `changed_at`."""

    phone_number: str = field(repr=False)
    opted_out: bool
    changed_at: datetime

    def later_than(self, kept: TextOptOut | None) -> bool:
        """Whether this reply overtakes the one kept (none kept: it does)."""
        return kept is None or self.changed_at > kept.changed_at


def texts_stopped(
    preference: ContactPreference | None, opt_out: TextOptOut | None, received_at: datetime
) -> bool:
    """Whether a text about a request made at `received_at` must not go: the phone replied
    STOP (and not START since), or the provider refused a text to this constituent for their
    STOP (`ContactPreference.texts_stopped_for`) and no START came after that."""
    if opt_out is not None and opt_out.opted_out:
        return True
    if preference is None or not preference.texts_stopped_for(received_at):
        return False
    restarted = opt_out is not None and (
        preference.texts_stopped_at is None or opt_out.changed_at > preference.texts_stopped_at
    )
    return not restarted
