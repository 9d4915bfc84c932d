"""Notify's service layer for constituents' contact preferences: the row (and the secret of
the unsubscribe link) made when notify first hears of a constituent of the office, their
opt-out as intake announces it, a phone's STOP or START to the platform's number, and what a
message to them needs of it: whether it may go, and the link it carries.

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
from services.contracts import ContactPreferencesChanged, TextOptOutChanged
from services.notify.domain.acknowledgements import (
    ASKED_FOR_NO_EMAIL,
    REPLIED_STOP,
    Recipient,
    Route,
    route,
)
from services.notify.domain.delivery import SMS
from services.notify.domain.links import LINK_TOKEN_BYTES
from services.notify.domain.preferences import ContactPreference, TextOptOut, texts_stopped
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


def route_for(uow: NotifyWork, recipient: Recipient, *, texts_on: bool) -> Route:
    """How a message about their requests reaches the constituent now, their wishes as kept
    (`acknowledgements.route`): `texts_on` when an SMS provider is configured."""
    preference = uow.preferences.get(recipient.constituent_id)
    return route(
        recipient,
        texts_on=texts_on,
        email_opted_out=preference is not None and preference.email_opted_out,
        texts_stopped=_texts_stopped(uow, preference, recipient),
    )


def stopped_on(uow: NotifyWork, recipient: Recipient | None, channel: str) -> str | None:
    """Why a message already on its way by `channel` must not go now (the constituent stopped
    that channel meanwhile), or None."""
    if recipient is None:
        return None
    preference = uow.preferences.get(recipient.constituent_id)
    if channel == SMS:
        return REPLIED_STOP if _texts_stopped(uow, preference, recipient) else None
    return ASKED_FOR_NO_EMAIL if preference is not None and preference.email_opted_out else None


def _texts_stopped(
    uow: NotifyWork, preference: ContactPreference | None, recipient: Recipient
) -> bool:
    phone = recipient.contact_phone
    opt_out = uow.text_opt_outs.get(phone) if phone else None
    return texts_stopped(preference, opt_out, recipient.received_at)


def record_text_opt_out(uow: NotifyWork, event: IncomingEvent[TextOptOutChanged]) -> None:
    """Take a phone's STOP or START to the platform's number (for every office), unless a
    later reply is kept already: a replay, or replies arriving out of order, change nothing."""
    change = event.payload
    uow.text_opt_outs.record(
        TextOptOut(change.phone_number, opted_out=change.opted_out, changed_at=change.replied_at)
    )


def record_texts_stopped(uow: NotifyWork, submission_id: str, *, at: datetime) -> None:
    """The SMS provider refused a text to this submission's constituent because they replied
    STOP: no more texts about their requests made until now."""
    recipient = uow.recipients.get(submission_id)
    if recipient is None:
        return
    preference_of(uow, recipient.constituent_id, now=at)
    uow.preferences.stop_texts(recipient.constituent_id, at)


def unsubscribe_url(uow: NotifyWork, recipient: Recipient, *, now: datetime) -> str:
    """The link a message about their requests gives the constituent to stop such email."""
    preference = preference_of(uow, recipient.constituent_id, now=now)
    return unsubscribe_page_url(portal_base_url(), uow.office_id, preference.unsubscribe_token)
