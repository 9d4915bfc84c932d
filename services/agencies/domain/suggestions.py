"""The agency suggested for one case when it opened: recorded once per case, and announced to
cases when the directory could tell which agency it concerns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.agencies.domain.directory import AgencyDirectory, SuggestionBasis
from services.chassis.domain import Aggregate
from services.contracts import AGENCY_SUGGESTED, AgencySuggested


@dataclass
class CaseSuggestion(Aggregate):
    """Which agency a case concerns and why; `agency_code` is None for no suggestion."""

    case_id: str
    agency_code: str | None
    reason: str
    basis: SuggestionBasis
    suggested_at: datetime

    @classmethod
    def for_new_case(
        cls,
        directory: AgencyDirectory,
        *,
        case_id: str,
        category: str,
        agency_hint: str | None,
        at: datetime,
    ) -> CaseSuggestion:
        """The directory's suggestion for a new case; an agency found is announced."""
        suggestion = directory.suggest(category, agency_hint)
        agency = suggestion.agency
        made = cls(
            case_id=case_id,
            agency_code=agency.code if agency else None,
            reason=suggestion.reason,
            basis=suggestion.basis,
            suggested_at=at,
        )
        if agency is not None:
            made.record(
                AGENCY_SUGGESTED,
                AgencySuggested(
                    case_id=case_id,
                    agency_code=agency.code,
                    agency_name=agency.name,
                    reason=suggestion.reason,
                ),
            )
        return made
