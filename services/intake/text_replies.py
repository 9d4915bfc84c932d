"""Intake's service layer for replies to the platform's text messages, which the SMS
provider's webhook brings to intake-web: an opt-out or opt-in is kept once (by the provider's
message id) and announced to notify through the outbox, in the platform's unit of work (the
reply is to the sending number every office texts from, not to one office); anything else
changes nothing. See `domain/text_replies.py`."""

from __future__ import annotations

from typing import Any

from services.chassis.consuming import OpensUnitsOfWork
from services.chassis.db import retrying_conflicts, utcnow
from services.chassis.domain import Actor
from services.contracts.vocabulary import PLATFORM_TENANT
from services.intake.domain.text_replies import InboundText, TextReply

# The provider, on the word of a constituent's text (its audit rows say so).
SMS_PROVIDER = Actor.system("sms_provider")


def take_text_reply(db: OpensUnitsOfWork[Any], text: InboundText) -> bool:
    """Keep an opt-out or opt-in and announce it; False when it changes nothing to keep (help,
    any other text) or was taken already (the provider sent it again)."""
    if not text.changes_opt_out:
        return False

    def attempt() -> bool:
        with db.unit_of_work(office_id=PLATFORM_TENANT, actor=SMS_PROVIDER) as uow:
            reply = TextReply.take(text, at=utcnow())
            if not uow.text_replies.take(reply):
                return False
            uow.audit(f"texts.{text.kind.value}", "text_reply", text.message_sid)
            uow.commit()
            return True

    return retrying_conflicts(attempt)
