"""Agencies' directory SQL (platform work: the legislature-wide agencies, cached for the
consumer; saved by platform admins), the overdue scan's cross-office look-up, each office's
case suggestions, and the office's unit of work that hangs every office repository on itself
(`services/agencies/adapters/`)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any, cast
from weakref import WeakKeyDictionary

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from services.agencies.adapters.inquiries import SqlInquiries, SqlReferrals
from services.agencies.adapters.office import SqlContacts, SqlPartners, SqlSettings, SqlTemplates
from services.agencies.adapters.projections import SqlCaseProjections, SqlReleases
from services.agencies.domain.directory import Agency, AgencyDirectory
from services.agencies.domain.suggestions import CaseSuggestion
from services.agencies.models import Agency as AgencyRow
from services.agencies.models import AgencyCategory, AgencySuggestion, InquiryRow
from services.chassis.db import insert_on_conflict
from services.chassis.repository import OfficeScopedRepository
from services.chassis.uow import DatabaseAccess, UnitOfWork

AGENCY_TABLE = cast(Table, AgencyRow.__table__)
# Built once: the statement cache keys them, so each compiles a single time.
AGENCIES = select(
    AgencyRow.code,
    AgencyRow.name,
    AgencyRow.liaison_office,
    AgencyRow.website_url,
    AgencyRow.response_days,
    AgencyRow.day_basis,
    AgencyRow.interim_every_days,
    AgencyRow.signature_rule,
    AgencyRow.sole_recipient,
    AgencyRow.release_valid_days,
    AgencyRow.new_release_after_closure,
    AgencyRow.active,
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
# Every office's sent inquiries that may have reached an overdue level by `on` (the columns
# the platform role may read; each is checked again in its office's unit of work).
OVERDUE_CANDIDATES = (
    select(InquiryRow.office_id, InquiryRow.id)
    .where(InquiryRow.state == "sent", InquiryRow.overdue_check_on <= bindparam("on"))
    .order_by(InquiryRow.overdue_check_on, InquiryRow.id)
    .limit(bindparam("limit"))
)


def _agency(row: Any, categories: dict[str, list[str]]) -> Agency:
    return Agency(
        code=row.code,
        name=row.name,
        liaison_office=row.liaison_office,
        website_url=row.website_url,
        typical_response_days=row.response_days,
        categories=tuple(categories.get(row.code, ())),
        day_basis=row.day_basis,
        interim_every_days=row.interim_every_days,
        signature=row.signature_rule,
        sole_recipient=bool(row.sole_recipient),
        valid_days=row.release_valid_days,
        new_release_after_closure=bool(row.new_release_after_closure),
        active=bool(row.active),
    )


def agency_values(agency: Agency) -> dict[str, Any]:
    return {
        "code": agency.code,
        "name": agency.name,
        "liaison_office": agency.liaison_office,
        "website_url": agency.website_url,
        "response_days": agency.typical_response_days,
        "day_basis": agency.day_basis,
        "interim_every_days": agency.interim_every_days,
        "signature_rule": agency.signature,
        "sole_recipient": agency.sole_recipient,
        "release_valid_days": agency.valid_days,
        "new_release_after_closure": agency.new_release_after_closure,
        "active": agency.active,
    }


class DirectoryRepository:
    """The federal agency directory: reference data shared by every office. Read and kept on
    a platform session (`db.platform_work()`): it has no tenant."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def load(self) -> AgencyDirectory:
        categories: dict[str, list[str]] = {}
        for code, category in self._session.execute(CATEGORIES):
            categories.setdefault(code, []).append(category)
        return AgencyDirectory.of(
            _agency(row, categories) for row in self._session.execute(AGENCIES)
        )

    def save(self, agency: Agency) -> None:
        """Insert the agency, or change every field but its code and categories."""
        values = agency_values(agency)
        dialect = self._session.get_bind().dialect.name
        statement = insert_on_conflict(dialect, AGENCY_TABLE).values(values)
        self._session.execute(
            statement.on_conflict_do_update(
                index_elements=["code"],
                set_={key: value for key, value in values.items() if key != "code"},
            )
        )


def read_directory(db: DatabaseAccess[Any]) -> AgencyDirectory:
    """The directory as it is now."""
    # Cross-office by nature: the same legislature-wide reference data serves every office.
    with db.platform_work() as session:
        return DirectoryRepository(session).load()


def save_agencies(db: DatabaseAccess[Any], agencies: list[Agency]) -> None:
    """Platform admins' changes to the directory, all in one transaction."""
    with db.platform_work() as session:
        repository = DirectoryRepository(session)
        for agency in agencies:
            repository.save(agency)
        session.commit()
    directories.forget(db)


def overdue_candidates(db: DatabaseAccess[Any], on: date, limit: int) -> list[tuple[str, str]]:
    """(office_id, inquiry_id) of sent inquiries whose next overdue level may be reached by
    `on`, every office's (platform work: ids and dates only)."""
    with db.platform_work() as session:
        return [
            (row.office_id, row.id)
            for row in session.execute(OVERDUE_CANDIDATES, {"on": on, "limit": limit})
        ]


class DirectoryCache:
    """The directory, read again at most once per `ttl_seconds` per database.

    Reading it for every new case cost a fifth of this service's CPU under load; it changes
    rarely (a platform admin's edit, which forgets this process's copy), so a minute's
    staleness elsewhere is harmless.
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

    def forget(self, db: object) -> None:
        self._entries.pop(db, None)


# The directory a new case's suggestion and every letter rest on: at most a minute old.
DIRECTORY_TTL_SECONDS = 60.0
directories = DirectoryCache(DIRECTORY_TTL_SECONDS)


class SuggestionRepository(OfficeScopedRepository):
    """The agency suggested for each of this office's cases (one row per case)."""

    def exists_for(self, case_id: str) -> bool:
        return self._row(SUGGESTED_FOR_CASE, case_id=case_id) is not None

    def add(self, suggestion: CaseSuggestion) -> CaseSuggestion:
        """Insert at once, so a second worker's row for the same case clashes here."""
        self._uow.session.execute(
            self._uow.table("agency_suggestions").insert(),
            self._params(
                id=str(uuid.uuid4()),
                case_id=suggestion.case_id,
                agency_code=suggestion.agency_code,
                reason=suggestion.reason,
                suggested_at=suggestion.suggested_at,
            ),
        )
        return self._uow.track(suggestion)


class AgenciesUnitOfWork(UnitOfWork):
    """One office's unit of work in agencies: its case suggestions, contacts, partners,
    settings, templates, inquiries, referrals and its projections of releases and cases."""

    suggestions: SuggestionRepository
    contacts: SqlContacts
    partners: SqlPartners
    settings: SqlSettings
    templates: SqlTemplates
    inquiries: SqlInquiries
    referrals: SqlReferrals
    releases: SqlReleases
    cases: SqlCaseProjections

    def open_repositories(self) -> None:
        self.suggestions = SuggestionRepository(self)
        self.contacts = SqlContacts(self)
        self.partners = SqlPartners(self)
        self.settings = SqlSettings(self)
        self.templates = SqlTemplates(self)
        self.inquiries = SqlInquiries(self)
        self.referrals = SqlReferrals(self)
        self.releases = SqlReleases(self)
        self.cases = SqlCaseProjections(self)
