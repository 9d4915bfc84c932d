"""A caseworker's queue: which of the office's cases a page shows, newest first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.cases.domain.case import Case, CaseStatus


@dataclass(frozen=True)
class CaseQuery:
    """Which of an office's cases a caseworker's queue shows, newest first."""

    status: CaseStatus | None = None
    assigned_to: str | None = None
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True)
class CasePage:
    """One page of the queue, and how many cases the query finds in all."""

    cases: Sequence[Case]
    total: int
