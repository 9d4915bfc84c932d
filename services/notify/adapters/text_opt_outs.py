"""The phones that replied STOP (or START again) to the platform's sending number. Not an
office's data (a carrier's opt-out holds for every office texting from the number): these
statements bind no office, and any office's unit of work reads the one phone it is about to
text. The latest reply wins, whatever order they arrive in."""

from __future__ import annotations

from sqlalchemy import bindparam, select

from services.chassis.uow import UnitOfWork
from services.notify.adapters.base import upsert
from services.notify.domain.preferences import TextOptOut
from services.notify.models import text_opt_outs

OPT_OUT = select(text_opt_outs.c.opted_out, text_opt_outs.c.changed_at).where(
    text_opt_outs.c.phone_number == bindparam("phone_number")
)


class TextOptOutRepository:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def get(self, phone_number: str) -> TextOptOut | None:
        row = self._uow.session.execute(OPT_OUT, {"phone_number": phone_number}).first()
        if row is None:
            return None
        return TextOptOut(phone_number, opted_out=bool(row.opted_out), changed_at=row.changed_at)

    def record(self, opt_out: TextOptOut) -> None:
        statement = upsert(self._uow.dialect, text_opt_outs, ("phone_number",), "changed_at")
        self._uow.session.execute(
            statement,
            {
                "phone_number": opt_out.phone_number,
                "opted_out": opt_out.opted_out,
                "changed_at": opt_out.changed_at,
            },
        )
