"""Constituents' contact preferences: a row made once per constituent of the office (a second
writer, here or in another worker, finds it there and keeps nothing), and their opt-out written
only by a change later than the one kept, so the latest wins whatever order changes arrive in
and however many workers apply them at once. Statements are built once at import (the insert
once per dialect)."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Update, bindparam, or_, update

from services.chassis.db import insert_on_conflict, office_rows
from services.chassis.uow import UnitOfWork
from services.notify.adapters.base import Repository
from services.notify.domain.preferences import ContactPreference
from services.notify.models import contact_preferences

PREFERENCE = office_rows(contact_preferences, "constituent_id")


def _later_than_kept(kept: Column[Any]) -> Update:
    """An UPDATE of one constituent's row that only a change later than its `kept` time
    writes. PostgreSQL checks the WHERE again on the row as another transaction left it, so of
    two changes applied at once the later wins. (An UPDATE's parameters may not share its
    columns' names.)"""
    return update(contact_preferences).where(
        contact_preferences.c.office_id == bindparam("of_office"),
        contact_preferences.c.constituent_id == bindparam("of_constituent"),
        or_(kept.is_(None), kept < bindparam("at")),
    )


CHANGE = _later_than_kept(contact_preferences.c.changed_at).values(
    email_opted_out=bindparam("opted_out"), changed_at=bindparam("at")
)
# A STOP reported later than the one kept moves it on; an earlier one changes nothing.
STOP_TEXTS = _later_than_kept(contact_preferences.c.texts_stopped_at).values(
    texts_stopped_at=bindparam("at")
)


class ContactPreferenceRepository(Repository):
    """A message's plan asks for the constituent's row twice (how to reach them, and the
    unsubscribe link it carries): the unit of work reads a constituent's row once and answers
    again from memory the row it read or made, or that there was none. A row another
    transaction makes meanwhile meets the insert's conflict, after which the row is read
    afresh; one it changes, the compare-and-set of `save`."""

    def __init__(self, uow: UnitOfWork) -> None:
        super().__init__(uow)
        self._known: dict[str, ContactPreference | None] = {}

    def get(self, constituent_id: str) -> ContactPreference | None:
        if constituent_id in self._known:
            return self._known[constituent_id]
        row = self._one(PREFERENCE, constituent_id=constituent_id)
        if row is None:
            # Remembered: a new constituent's plan asks twice before it makes the row, and a
            # row another transaction makes meanwhile meets `add_if_new`'s conflict.
            self._known[constituent_id] = None
            return None
        preference = self._uow.track(
            ContactPreference(
                constituent_id=row["constituent_id"],
                unsubscribe_token=row["unsubscribe_token"],
                email_opted_out=bool(row["email_opted_out"]),
                changed_at=row["changed_at"],
                texts_stopped_at=row["texts_stopped_at"],
            )
        )
        self._known[constituent_id] = preference
        return preference

    def add_if_new(self, preference: ContactPreference) -> bool:
        row = {
            "office_id": self._office_id,
            "constituent_id": preference.constituent_id,
            "unsubscribe_token": preference.unsubscribe_token,
            "email_opted_out": preference.email_opted_out,
            "changed_at": preference.changed_at,
            "texts_stopped_at": preference.texts_stopped_at,
        }
        inserted = self._session.execute(_insert_new(self._uow.dialect), row).rowcount  # type: ignore[attr-defined]
        if inserted != 1:
            preference.pull_events()  # known already: nothing to announce
            self._known.pop(preference.constituent_id, None)  # made elsewhere: read it afresh
            return False
        self._known[preference.constituent_id] = self._uow.track(preference)
        return True

    def save(self, preference: ContactPreference) -> None:
        if preference.changed_at is None:
            return  # nothing the constituent said
        self._session.execute(
            CHANGE,
            {
                "of_office": self._office_id,
                "of_constituent": preference.constituent_id,
                "opted_out": preference.email_opted_out,
                "at": preference.changed_at,
            },
        )

    def stop_texts(self, constituent_id: str, at: datetime) -> None:
        params = {"of_office": self._office_id, "of_constituent": constituent_id, "at": at}
        self._session.execute(STOP_TEXTS, params)
        self._known.pop(constituent_id, None)  # the row may have moved on: read it again


@functools.cache
def _insert_new(dialect: str) -> Any:
    """Insert a constituent's row, doing nothing if the office has it already."""
    return insert_on_conflict(dialect, contact_preferences).on_conflict_do_nothing(
        index_elements=["office_id", "constituent_id"]
    )
