"""The fake unit of work's opt-outs and opt-ins replied to texts, by (tenant, message id)."""

from __future__ import annotations

from typing import Any

from services.intake.domain.text_replies import TextReply


class FakeTextReplies:
    def __init__(self, uow: Any) -> None:
        self._uow = uow

    def take(self, reply: TextReply) -> bool:
        rows = self._uow.table("text_replies")
        key = (self._uow.office_id, reply.message_sid)
        if key in rows:
            reply.pull_events()
            return False
        self._uow.stage(lambda: rows.__setitem__(key, reply))
        self._uow.track(reply)
        return True
