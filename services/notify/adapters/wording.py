"""Offices' own wording of their messages: read whole (it is small, and cached by the office's
version), written one message and language at a time, each change moving the office's
version (a fresh random id) so that every notify instance reads it again."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy import bindparam, delete, update

from services.chassis.db import office_rows
from services.chassis.uow import UnitOfWork
from services.notify.adapters.base import Repository, projected
from services.notify.domain.wording import Wording
from services.notify.models import message_wording, offices

ALL_WORDING = office_rows(message_wording)
ONE_WORDING = office_rows(message_wording, "message", "language")
FORGET = delete(message_wording).where(
    message_wording.c.office_id == bindparam("b_office_id"),
    message_wording.c.message == bindparam("message"),
    message_wording.c.language == bindparam("language"),
)
NEXT_VERSION = (
    update(offices)
    .where(offices.c.office_id == bindparam("b_office_id"))
    .values(wording_version=bindparam("version"))
)


class WordingRepository(Repository):
    def __init__(self, uow: UnitOfWork, on_new_version: Callable[[], None] = lambda: None) -> None:
        super().__init__(uow)
        # The office's row (its wording version) as this unit of work read it is out of date.
        self._on_new_version = on_new_version

    def all(self) -> list[Wording]:
        return [projected(Wording, row) for row in self._rows(ALL_WORDING)]

    def get(self, message: str, language: str) -> Wording | None:
        return self._one_projected(Wording, ONE_WORDING, message=message, language=language)

    def save(self, wording: Wording) -> bool:
        """Keep the office's wording of a message; False if notify has not heard of the office
        (nothing is kept then)."""
        if not self._next_version():
            return False
        values = {name: getattr(wording, name) for name in Wording.__dataclass_fields__}
        self._upsert(message_wording, ("office_id", "message", "language"), values)
        return True

    def forget(self, message: str, language: str) -> bool:
        """Go back to the default wording of a message; False if there was none to forget."""
        params = {"b_office_id": self._office_id, "message": message, "language": language}
        if self._session.execute(FORGET, params).rowcount == 0:  # type: ignore[attr-defined]
            return False
        self._next_version()
        return True

    def _next_version(self) -> bool:
        params = {"b_office_id": self._office_id, "version": str(uuid.uuid4())}
        changed = self._session.execute(NEXT_VERSION, params)
        self._on_new_version()
        return bool(changed.rowcount)  # type: ignore[attr-defined]
