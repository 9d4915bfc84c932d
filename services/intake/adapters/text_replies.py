"""Intake's SQL for the opt-outs and opt-ins replied to the platform's texts: each kept once
by the provider's message id, in the unit of work's tenant (the platform's)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from services.chassis.db import insert_on_conflict
from services.intake.domain.text_replies import TextReply
from services.intake.models import Base

if TYPE_CHECKING:
    from sqlalchemy import CursorResult

    from services.chassis.uow import UnitOfWork

TEXT_REPLIES = Base.metadata.tables["text_replies"]


class TextReplyRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def take(self, reply: TextReply) -> bool:
        """Keep the reply, and the event it recorded; False (nothing kept, nothing announced)
        when its message id is kept already: the provider sent the same reply again."""
        statement = (
            insert_on_conflict(self._uow.dialect, TEXT_REPLIES)
            .values(
                office_id=self._uow.office_id,
                message_sid=reply.message_sid,
                kind=reply.kind.value,
                received_at=reply.received_at,
            )
            .on_conflict_do_nothing(
                index_elements=[TEXT_REPLIES.c.office_id, TEXT_REPLIES.c.message_sid]
            )
        )
        result = cast("CursorResult[Any]", self._uow.session.execute(statement))
        if result.rowcount != 1:
            reply.pull_events()
            return False
        self._uow.track(reply)
        return True
