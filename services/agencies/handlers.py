"""Agencies' service layer: directory look-ups, and the agency suggested for each new case
(in the case's office's unit of work, so the suggestion and its event commit together)."""

from __future__ import annotations

from typing import Any

from services.agencies.domain.directory import (
    Agency,
    AgencyDirectory,
    Suggestion,
    SuggestionBasis,
    normalise_code,
)
from services.agencies.domain.suggestions import CaseSuggestion
from services.agencies.ports import AgenciesWork
from services.agencies.repository import DirectoryCache, read_directory
from services.chassis.db import utcnow
from services.chassis.errors import NotFound, PermanentMessageError
from services.chassis.events import IncomingEvent
from services.chassis.observability import service_metric
from services.chassis.uow import DatabaseAccess
from services.contracts import CaseOpened

CASE_ID_MAX_LENGTH = 64
DIRECTORY_TTL_SECONDS = 60.0

suggestions_recorded = service_metric(
    "counter",
    "agencies",
    "suggestions_total",
    "Agency suggestions recorded for newly opened cases, by what they rest on",
    ["reason"],
)
for _basis in SuggestionBasis:
    suggestions_recorded.labels(_basis.value)  # every series exists from start-up, at 0

# The directory a new case's suggestion rests on: at most a minute old.
directories = DirectoryCache(DIRECTORY_TTL_SECONDS)


def list_agencies(db: DatabaseAccess[Any]) -> list[Agency]:
    return list(read_directory(db).agencies.values())


def get_agency(db: DatabaseAccess[Any], code: str) -> Agency:
    agency = read_directory(db).find(code)
    if agency is None:
        raise NotFound(f"there is no agency with code {normalise_code(code)!r} in the directory")
    return agency


def suggest(db: DatabaseAccess[Any], category: str, agency_hint: str | None) -> Suggestion:
    return read_directory(db).suggest(category, agency_hint)


def current_directory(db: DatabaseAccess[Any]) -> AgencyDirectory:
    return directories.get(db)


def suggest_agency(
    directory: AgencyDirectory,
    uow: AgenciesWork,
    event: IncomingEvent[CaseOpened],
) -> CaseSuggestion | None:
    """Record which agency a new case concerns (announced when one is found); the same case
    announced again, under any event id, changes nothing."""
    case = event.payload
    if len(case.case_id) > CASE_ID_MAX_LENGTH:
        raise PermanentMessageError(f"case_id is longer than {CASE_ID_MAX_LENGTH} characters")
    if uow.suggestions.exists_for(case.case_id):
        return None
    suggestion = uow.suggestions.add(
        CaseSuggestion.for_new_case(
            directory,
            case_id=case.case_id,
            category=case.category,
            agency_hint=case.agency_hint,
            at=utcnow(),
        )
    )
    uow.after_commit(suggestions_recorded.labels(suggestion.basis.value).inc)
    return suggestion
