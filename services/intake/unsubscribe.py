"""Intake's service layer for stopping email: keep each unsubscribe link notify offers, take
the constituent's choice through it on the portal, and staff's on the constituent's word (see
`domain/unsubscribe.py`)."""

from __future__ import annotations

from typing import Any

from services.chassis.consuming import OpensUnitsOfWork
from services.chassis.db import retrying_conflicts, utcnow
from services.chassis.domain import Actor
from services.chassis.errors import NotFound
from services.chassis.events import IncomingEvent
from services.contracts import UnsubscribeOffered
from services.intake.domain.unsubscribe import (
    ContactPreferences,
    UnsubscribeAnswer,
    UnsubscribeLink,
)
from services.intake.handlers import CONSTITUENT
from services.intake.staff_releases import may_act
from services.intake.surveys import link_digest
from services.intake.uow import IntakeWork

NO_SUCH_LINK = "this unsubscribe link is not known"
NO_SUCH_CONSTITUENT = "there is no such constituent here"


def record_unsubscribe_offer(uow: IntakeWork, event: IncomingEvent[UnsubscribeOffered]) -> None:
    offered = event.payload
    uow.unsubscribe.offer(
        UnsubscribeLink(
            constituent_id=offered.constituent_id,
            token_sha256=offered.token_sha256,
            offered_at=offered.offered_at,
        )
    )


def answer_unsubscribe(
    db: OpensUnitsOfWork[Any], office_id: str, token: str, opted_out: bool | None
) -> UnsubscribeAnswer:
    """Stop (`opted_out`) or start email again for the constituent the link `token` is of
    (None: only show where they stand); what the page shows. NotFound for a link nobody
    offered (or not yet known to intake), or whose constituent intake does not know."""
    digest = link_digest(token, NO_SUCH_LINK)

    def attempt() -> UnsubscribeAnswer:
        with db.unit_of_work(office_id=office_id, actor=CONSTITUENT) as uow:
            link = uow.unsubscribe.by_digest(digest)
            preferences = uow.unsubscribe.preferences(link.constituent_id) if link else None
            if preferences is None:
                raise NotFound(NO_SUCH_LINK)
            changed = opted_out is not None and choose(uow, preferences, opted_out, "constituent")
            return UnsubscribeAnswer(preferences.email_opted_out, changed, preferences.language)

    return retrying_conflicts(attempt)


def set_email_opt_out(
    db: OpensUnitsOfWork[Any], office_id: str, actor: Actor, constituent_id: str, opted_out: bool
) -> tuple[ContactPreferences, bool]:
    """Staff record that a constituent stops (or takes again) email about their requests, as
    they asked by phone or letter: the preferences now, and whether this changed them."""
    may_act(actor, "change a constituent's contact preferences")

    def attempt() -> tuple[ContactPreferences, bool]:
        with db.unit_of_work(office_id=office_id, actor=actor) as uow:
            preferences = uow.unsubscribe.preferences(constituent_id)
            if preferences is None:
                raise NotFound(NO_SUCH_CONSTITUENT)
            return preferences, choose(uow, preferences, opted_out, "staff")

    return retrying_conflicts(attempt)


def contact_preferences(
    db: OpensUnitsOfWork[Any], office_id: str, actor: Actor, constituent_id: str
) -> ContactPreferences:
    """The constituent's choice as it stands, for staff (any role reads it)."""
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        preferences = uow.unsubscribe.preferences(constituent_id)
    if preferences is None:
        raise NotFound(NO_SUCH_CONSTITUENT)
    return preferences


def choose(uow: IntakeWork, preferences: ContactPreferences, opted_out: bool, by: str) -> bool:
    """Record the choice when it changes anything (with its event and an audit row), and
    commit; False when it was already so."""
    if not preferences.choose_email(opted_out, by=by, at=utcnow()):
        return False
    uow.unsubscribe.save_preferences(preferences)
    action = "constituent.email_stopped" if opted_out else "constituent.email_resumed"
    uow.audit(action, "constituent", preferences.constituent_id)
    uow.commit()
    return True
