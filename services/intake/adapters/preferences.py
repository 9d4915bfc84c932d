"""Intake's SQL for a constituent's contact preferences: the unsubscribe links notify's
messages carry, and the email opt-out they (or staff, on the constituent's word) change."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import bindparam, select

from services.chassis.db import insert_on_conflict
from services.chassis.errors import ChangedElsewhere
from services.chassis.repository import OfficeScopedRepository
from services.intake.adapters.submissions import CONSTITUENTS
from services.intake.domain.unsubscribe import ContactPreferences, UnsubscribeLink
from services.intake.models import Base

if TYPE_CHECKING:
    from sqlalchemy import CursorResult

UNSUBSCRIBE_LINKS = Base.metadata.tables["unsubscribe_links"]

UNSUBSCRIBE_LINK_BY_DIGEST = select(
    UNSUBSCRIBE_LINKS.c.constituent_id,
    UNSUBSCRIBE_LINKS.c.token_sha256,
    UNSUBSCRIBE_LINKS.c.offered_at,
).where(
    UNSUBSCRIBE_LINKS.c.office_id == bindparam("office_id"),
    UNSUBSCRIBE_LINKS.c.token_sha256 == bindparam("token_sha256"),
)

CONTACT_PREFERENCES = select(
    CONSTITUENTS.c.id.label("constituent_id"),
    CONSTITUENTS.c.preferred_language.label("language"),
    CONSTITUENTS.c.email_opted_out_at,
).where(
    CONSTITUENTS.c.office_id == bindparam("office_id"),
    CONSTITUENTS.c.id == bindparam("constituent_id"),
)

# A choice is written over the one it was made against (compare-and-set): of two clicks at
# once, the second finds the first's and changes nothing.
_PREFERENCES_OF = (
    CONSTITUENTS.c.office_id == bindparam("constituent_office_id"),
    CONSTITUENTS.c.id == bindparam("the_constituent_id"),
)

STOP_EMAIL = CONSTITUENTS.update().where(
    *_PREFERENCES_OF, CONSTITUENTS.c.email_opted_out_at.is_(None)
)

RESUME_EMAIL = CONSTITUENTS.update().where(
    *_PREFERENCES_OF, CONSTITUENTS.c.email_opted_out_at.isnot(None)
)


class UnsubscribeRepository(OfficeScopedRepository):
    """The office's unsubscribe links, known by their digests, and its constituents' contact
    preferences (kept on `constituents`)."""

    def offer(self, link: UnsubscribeLink) -> None:
        """Keep the link notify offered for a constituent. The same offer again (a replayed
        event) changes nothing; a later one for the same constituent, with another secret,
        replaces it (notify makes one per constituent, so only a notify that lost its secret
        would): the links in their newest emails are the ones that work."""
        statement = insert_on_conflict(self._uow.dialect, UNSUBSCRIBE_LINKS).values(
            office_id=self._office_id,
            constituent_id=link.constituent_id,
            token_sha256=link.token_sha256,
            offered_at=link.offered_at,
        )
        self._session.execute(
            statement.on_conflict_do_update(
                index_elements=[UNSUBSCRIBE_LINKS.c.office_id, UNSUBSCRIBE_LINKS.c.constituent_id],
                set_={
                    "token_sha256": statement.excluded.token_sha256,
                    "offered_at": statement.excluded.offered_at,
                },
                where=UNSUBSCRIBE_LINKS.c.offered_at < statement.excluded.offered_at,
            )
        )

    def by_digest(self, token_sha256: str) -> UnsubscribeLink | None:
        row = self._row(UNSUBSCRIBE_LINK_BY_DIGEST, token_sha256=token_sha256)
        return UnsubscribeLink(**row._mapping) if row else None

    def preferences(self, constituent_id: str) -> ContactPreferences | None:
        row = self._row(CONTACT_PREFERENCES, constituent_id=constituent_id)
        if row is None:
            return None
        return self._uow.track(ContactPreferences(**row._mapping))

    def save_preferences(self, preferences: ContactPreferences) -> None:
        """Write the constituent's choice over the one read: ChangedElsewhere when another
        request changed it in between (the caller reads it again, and finds it made)."""
        statement = RESUME_EMAIL if preferences.email_opted_out_at is None else STOP_EMAIL
        result = cast(
            "CursorResult[Any]",
            self._session.execute(
                statement,
                {
                    "constituent_office_id": self._office_id,
                    "the_constituent_id": preferences.constituent_id,
                    "email_opted_out_at": preferences.email_opted_out_at,
                },
            ),
        )
        if result.rowcount != 1:
            raise ChangedElsewhere(
                f"constituent {preferences.constituent_id}'s preferences moved elsewhere"
            )
