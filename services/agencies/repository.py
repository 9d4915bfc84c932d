"""All of agencies' SQL: the legislature-wide directory (platform work, cached for the consumer)
and each office's case suggestions (through the office's unit of work)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from services.agencies.domain.directory import Agency, AgencyDirectory
from services.agencies.domain.suggestions import CaseSuggestion
from services.agencies.models import Agency as AgencyRow
from services.agencies.models import AgencyCategory, AgencySuggestion
from services.chassis.uow import DatabaseAccess, UnitOfWork

# Built once: the statement cache keys them, so each compiles a single time.
AGENCIES = select(
    AgencyRow.code,
    AgencyRow.name,
    AgencyRow.liaison_office,
    AgencyRow.website_url,
    AgencyRow.typical_response_days,
).order_by(AgencyRow.code)
CATEGORIES = select(AgencyCategory.agency_code, AgencyCategory.category).order_by(
    AgencyCategory.category
)
SUGGESTED_FOR_CASE = (
    select(AgencySuggestion.id)
    .where(
        AgencySuggestion.office_id == bindparam("office_id"),
        AgencySuggestion.case_id == bindparam("case_id"),
    )
    .limit(1)
)


class DirectoryRepository:
    """The federal agency directory: reference data shared by every office, which only
    migrations change. Read on a platform session (`db.platform_work()`): it has no tenant."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def load(self) -> AgencyDirectory:
        categories: dict[str, list[str]] = {}
        for code, category in self._session.execute(CATEGORIES):
            categories.setdefault(code, []).append(category)
        return AgencyDirectory.of(
            Agency(
                code=row.code,
                name=row.name,
                liaison_office=row.liaison_office,
                website_url=row.website_url,
                typical_response_days=row.typical_response_days,
                categories=tuple(categories.get(row.code, ())),
            )
            for row in self._session.execute(AGENCIES)
        )


def read_directory(db: DatabaseAccess[Any]) -> AgencyDirectory:
    """The directory as it is now."""
    # Cross-office by nature: the same legislature-wide reference data serves every office.
    with db.platform_work() as session:
        return DirectoryRepository(session).load()


class DirectoryCache:
    """The directory, read again at most once per `ttl_seconds` per database.

    Reading it for every new case cost a fifth of this service's CPU under load; it changes
    only with a migration, so a minute's staleness is harmless.
    """

    def __init__(self, ttl_seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_seconds = ttl_seconds
        self._clock = clock
        self._entries: WeakKeyDictionary[object, tuple[float, AgencyDirectory]] = (
            WeakKeyDictionary()
        )

    def get(self, db: DatabaseAccess[Any]) -> AgencyDirectory:
        cached = self._entries.get(db)
        if cached is not None and self._clock() - cached[0] < self.ttl_seconds:
            return cached[1]
        directory = read_directory(db)
        self._entries[db] = (self._clock(), directory)
        return directory


class SuggestionRepository:
    """The agency suggested for each of this office's cases (one row per case)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def exists_for(self, case_id: str) -> bool:
        found = self._uow.session.execute(
            SUGGESTED_FOR_CASE, {"office_id": self._uow.office_id, "case_id": case_id}
        ).first()
        return found is not None

    def add(self, suggestion: CaseSuggestion) -> CaseSuggestion:
        """Insert at once, so a second worker's row for the same case clashes here."""
        self._uow.session.execute(
            self._uow.table("agency_suggestions").insert(),
            dict(
                id=str(uuid.uuid4()),
                office_id=self._uow.office_id,
                case_id=suggestion.case_id,
                agency_code=suggestion.agency_code,
                reason=suggestion.reason,
                suggested_at=suggestion.suggested_at,
            ),
        )
        return self._uow.track(suggestion)


class AgenciesUnitOfWork(UnitOfWork):
    """One office's unit of work in agencies: its case suggestions."""

    def open_repositories(self) -> None:
        self.suggestions = SuggestionRepository(self)
