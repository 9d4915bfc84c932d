"""The fake unit of work's phones that replied STOP or START: one table for every office, as
the real one has no office_id. Writes are staged on the unit of work like the other tables'."""

from __future__ import annotations

from typing import Any

from services.notify.domain.preferences import TextOptOut

# The key of the one bucket every office's unit of work shares.
EVERY_OFFICE = "*"


class FakeTextOptOuts:
    def __init__(self, uow: Any) -> None:
        self._uow = uow
        tables = uow.database.rows.setdefault("text_opt_outs", {})
        self._committed: dict[str, TextOptOut] = tables.setdefault(EVERY_OFFICE, {})
        self._pending: dict[str, TextOptOut] = {}

    def get(self, phone_number: str) -> TextOptOut | None:
        return {**self._committed, **self._pending}.get(phone_number)

    def record(self, opt_out: TextOptOut) -> None:
        kept = self.get(opt_out.phone_number)
        if kept is not None and opt_out.changed_at < kept.changed_at:
            return
        key = opt_out.phone_number
        self._pending[key] = opt_out
        self._uow.staged.append(lambda: self._committed.__setitem__(key, opt_out))
