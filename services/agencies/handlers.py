"""Agencies' service layer: directory look-ups, and the agency suggested for each new case
(one unit of work per event, so the suggestion and its event commit together)."""

from __future__ import annotations

import time
import uuid
from weakref import WeakKeyDictionary

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.agencies.domain.directory import (
    Agency,
    AgencyDirectory,
    Suggestion,
    SuggestionBasis,
    normalise_code,
)
from services.agencies.models import Agency as AgencyRow
from services.agencies.models import AgencyCategory, AgencySuggestion
from services.chassis.db import (
    DatabaseAccess,
    IncomingEvent,
    UnitOfWork,
    retrying_conflicts,
    utcnow,
)
from services.chassis.errors import NotFound, PermanentMessageError
from services.chassis.observability import service_metric
from services.contracts import AGENCY_SUGGESTED

CONSUMER = "agencies"
CASE_ID_MAX_LENGTH = 64

suggestions_recorded = service_metric(
    "counter",
    "agencies",
    "suggestions_total",
    "Agency suggestions recorded for newly opened cases, by what they rest on",
    ["reason"],
)
for _basis in SuggestionBasis:
    suggestions_recorded.labels(_basis.value)  # every series exists from start-up, at 0


def load_directory(session: Session) -> AgencyDirectory:
    categories: dict[str, list[str]] = {}
    for row in session.scalars(select(AgencyCategory).order_by(AgencyCategory.category)):
        categories.setdefault(row.agency_code, []).append(row.category)
    return AgencyDirectory.of(
        Agency(
            code=row.code,
            name=row.name,
            liaison_office=row.liaison_office,
            website_url=row.website_url,
            typical_response_days=row.typical_response_days,
            categories=tuple(categories.get(row.code, ())),
        )
        for row in session.scalars(select(AgencyRow).order_by(AgencyRow.code))
    )


# The directory is reference data that only a migration changes; reading it for every new case
# cost a fifth of this service's CPU under load. Kept per database for a minute.
DIRECTORY_TTL_SECONDS = 60.0
_directories: WeakKeyDictionary[object, tuple[float, AgencyDirectory]] = WeakKeyDictionary()


def cached_directory(session: Session) -> AgencyDirectory:
    bind = session.get_bind()
    cached = _directories.get(bind)
    if cached is not None and time.monotonic() - cached[0] < DIRECTORY_TTL_SECONDS:
        return cached[1]
    directory = load_directory(session)
    _directories[bind] = (time.monotonic(), directory)
    return directory


def list_agencies(db: DatabaseAccess) -> list[Agency]:
    with db.read() as session:
        return list(load_directory(session).agencies.values())


def get_agency(db: DatabaseAccess, code: str) -> Agency:
    with db.read() as session:
        agency = load_directory(session).find(code)
    if agency is None:
        raise NotFound(f"there is no agency with code {normalise_code(code)!r} in the directory")
    return agency


def suggest_agency(db: DatabaseAccess, category: str, agency_hint: str | None) -> Suggestion:
    with db.read() as session:
        return load_directory(session).suggest(category, agency_hint)


def suggest_for_opened_case(db: DatabaseAccess, event: IncomingEvent) -> None:
    """Record which agency a new case concerns and announce it; a redelivery changes nothing."""
    case_id = event.payload["case_id"]
    if len(case_id) > CASE_ID_MAX_LENGTH:
        raise PermanentMessageError(f"case_id is longer than {CASE_ID_MAX_LENGTH} characters")

    # Two events for one case committing at once clash on (office_id, case_id); the retry sees
    # the winner's row and records nothing more.
    def attempt() -> Suggestion | None:
        with db.unit_of_work(cause=event) as uow:
            return _suggest_for_case(uow, event, case_id)

    recorded = retrying_conflicts(attempt)
    if recorded is not None:
        suggestions_recorded.labels(recorded.basis.value).inc()


def _suggest_for_case(uow: UnitOfWork, event: IncomingEvent, case_id: str) -> Suggestion | None:
    if not uow.claim(event, CONSUMER):
        return None
    session = uow.session
    office_id = event.office_id
    already = session.scalars(
        select(AgencySuggestion.id).where(
            AgencySuggestion.office_id == office_id, AgencySuggestion.case_id == case_id
        )
    ).first()
    if already is not None:
        # The same case announced again under another event id: the first suggestion stands.
        uow.commit()
        return None
    suggestion = cached_directory(session).suggest(
        event.payload["category"], event.payload.get("agency_hint")
    )
    session.add(
        AgencySuggestion(
            id=str(uuid.uuid4()),
            office_id=office_id,
            case_id=case_id,
            agency_code=suggestion.agency.code if suggestion.agency else None,
            reason=suggestion.reason,
            suggested_at=utcnow(),
        )
    )
    session.flush()
    if suggestion.agency is not None:
        uow.emit(
            AGENCY_SUGGESTED,
            {
                "case_id": case_id,
                "agency_code": suggestion.agency.code,
                "agency_name": suggestion.agency.name,
                "reason": suggestion.reason,
            },
            office_id=office_id,
        )
    uow.commit()
    return suggestion
