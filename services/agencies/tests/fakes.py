"""Agencies' unit of work without a database (suggestions kept in a dict per office), a small
directory built by hand, and the `cases.case_opened` payload the tests send."""

from __future__ import annotations

import uuid
from typing import Any

from services.agencies.domain.directory import Agency, AgencyDirectory
from services.agencies.domain.suggestions import CaseSuggestion
from services.chassis.fakes import FakeDatabase, FakeUnitOfWork

# A small directory built by hand, independent of the seed migration.
DIRECTORY = AgencyDirectory.of(
    [
        Agency(
            "SSA",
            "Social Security Administration",
            "OLCA",
            "https://www.ssa.gov/",
            30,
            ("social_security",),
        ),
        Agency(
            "VA",
            "Department of Veterans Affairs",
            "OCLA",
            "https://www.va.gov/",
            125,
            ("veterans",),
        ),
        Agency(
            "CMS",
            "Centers for Medicare & Medicaid Services",
            "OL",
            "https://www.cms.gov/",
            30,
            (
                "medicare",
                "medicaid",
            ),
        ),
        Agency(
            "DOS-PPT",
            "Department of State - Passport Services",
            "CA",
            "https://travel.state.gov/",
            42,
            ("passport",),
        ),
    ]
)

SuggestionRows = dict[tuple[str, str], CaseSuggestion]


class FakeSuggestions:
    """Rows added in this unit of work are seen by it at once and kept only on commit."""

    def __init__(self, uow: FakeUnitOfWork, committed: SuggestionRows) -> None:
        self._uow = uow
        self.committed = committed
        self.added: SuggestionRows = {}

    def exists_for(self, case_id: str) -> bool:
        key = (self._uow.office_id, case_id)
        return key in self.committed or key in self.added

    def add(self, suggestion: CaseSuggestion) -> CaseSuggestion:
        key = (self._uow.office_id, suggestion.case_id)
        assert not self.exists_for(suggestion.case_id), "(office_id, case_id) is unique"
        self.added[key] = suggestion
        return self._uow.track(suggestion)


class FakeAgenciesUnitOfWork(FakeUnitOfWork):
    def open_repositories(self) -> None:
        self.suggestions = FakeSuggestions(self, self.database.rows.setdefault("suggestions", {}))

    def commit(self) -> None:
        self.suggestions.committed.update(self.suggestions.added)
        self.suggestions.added = {}
        super().commit()


def fake_database() -> FakeDatabase[FakeAgenciesUnitOfWork]:
    return FakeDatabase(FakeAgenciesUnitOfWork, service="agencies")


def case_opened(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "case_id": str(uuid.uuid4()),
        "reference": "CW-2026-000042",
        "submission_id": str(uuid.uuid4()),
        "tracking_code": "K7QX-M2PD",
        "constituent_id": str(uuid.uuid4()),
        "category": "social_security",
        "agency_hint": None,
        "urgent": False,
        "opened_at": "2026-11-23T14:05:01+00:00",
    }
    payload.update(overrides)
    return payload
