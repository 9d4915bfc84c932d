"""Notify's service layer for constituents' contact preferences: the row (and the secret of
the unsubscribe link) made when notify first hears of a constituent of the office, their
opt-out as intake announces it, and what a message to them needs of it: whether it may go,
and the link it carries.

The row is made, and the link's digest announced (`notify.unsubscribe_offered`, through the
outbox), in the unit of work of whatever first needs it: the submission that introduces the
constituent, a change of their preferences that overtook it, or (for a constituent notify
heard of before the links existed) the first message written to them. A second writer finds
the row there and announces nothing.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from services.chassis.errors import ChangedElsewhere
from services.chassis.events import IncomingEvent
from services.contracts import ContactPreferencesChanged
from services.notify.domain.acknowledgements import Recipient
from services.notify.domain.links import LINK_TOKEN_BYTES
from services.notify.domain.preferences import ContactPreference
from services.notify.messages import portal_base_url, unsubscribe_page_url
from services.notify.ports import NotifyWork


def preference_of(uow: NotifyWork, constituent_id: str, *, now: datetime) -> ContactPreference:
    """The constituent's row, made (with a fresh secret, announced) if the office has none."""
    kept = uow.preferences.get(constituent_id)
    if kept is not None:
        return kept
    offered = ContactPreference.offer(
        constituent_id, secrets.token_urlsafe(LINK_TOKEN_BYTES), now=now
    )
    if uow.preferences.add_if_new(offered):
        return offered
    # Another worker made it a moment ago: theirs is the one announced.
    made = uow.preferences.get(constituent_id)
    if made is None:  # the insert found a row this transaction cannot see yet: look again
        raise ChangedElsewhere(f"constituent {constituent_id}'s preferences are being made")
    return made


def record_preferences(uow: NotifyWork, event: IncomingEvent[ContactPreferencesChanged]) -> None:
    """Take the constituent's wish about email, unless a later one is kept already (a replay,
    or changes arriving out of order, change nothing)."""
    change = event.payload
    preference = preference_of(uow, change.constituent_id, now=event.occurred_at)
    if preference.change(email_opted_out=change.email_opted_out, at=change.changed_at):
        uow.preferences.save(preference)


def opted_out(uow: NotifyWork, recipient: Recipient | None) -> bool:
    """Whether the constituent asked for no email about their requests (as of now)."""
    if recipient is None:
        return False
    preference = uow.preferences.get(recipient.constituent_id)
    return preference is not None and preference.email_opted_out


def unsubscribe_url(uow: NotifyWork, recipient: Recipient, *, now: datetime) -> str:
    """The link a message about their requests gives the constituent to stop such email."""
    preference = preference_of(uow, recipient.constituent_id, now=now)
    return unsubscribe_page_url(portal_base_url(), uow.office_id, preference.unsubscribe_token)
