"""What staff see of the office's cases: a page of the queue, newest first, the case page with
the moves its reader may make, and a case's audit trail."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from services.cases.domain.case import Case, CaseStatus


@dataclass(frozen=True)
class CaseQuery:
    """Which of an office's cases a caseworker's queue shows, newest first.

    `active`: still being worked. `overdue`: active, and the next action was due before
    `today` (the office's day in UTC).
    """

    status: CaseStatus | None = None
    assigned_to: str | None = None
    limit: int = 50
    offset: int = 0
    active: bool = False
    unassigned: bool = False
    category: str | None = None
    agency: str | None = None
    priority: str | None = None
    tag: str | None = None
    overdue: bool = False
    today: date | None = None


@dataclass(frozen=True)
class CasePage:
    """One page of the queue, and how many cases the query finds in all."""

    cases: Sequence[Case]
    total: int


@dataclass(frozen=True)
class CaseView:
    """The case page: the case with its timeline, and the moves its reader may make."""

    case: Case
    allowed_transitions: list[str]


@dataclass(frozen=True)
class AuditEntry:
    """Who read or changed a case, when, and from where (ids only)."""

    at: datetime
    actor: str
    action: str
    origin: str | None
