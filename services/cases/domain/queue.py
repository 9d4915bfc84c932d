"""What staff see of the office's cases: a page of the queue, newest first, the case page with
the moves its reader may make and its privacy releases, and a case's audit trail."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from services.cases.domain.case import Case, CaseStatus, TimelineNote
from services.cases.domain.releases import PrivacyRelease, ReleaseState


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
    """The case page: the case with its timeline, the moves its reader may make, and the
    privacy releases of its submission (newest first) as they stand at `read_at`."""

    case: Case
    allowed_transitions: list[str]
    releases: Sequence[PrivacyRelease] = ()
    read_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def timeline(self) -> list[TimelineNote]:
        """The case's lines and its releases' (signed, revoked), oldest first."""
        lines = [*self.case.timeline, *(n for r in self.releases for n in r.timeline())]
        return sorted(lines, key=lambda note: note.at)

    def release_state(self, release: PrivacyRelease) -> ReleaseState:
        return release.state_at(self.read_at)


@dataclass(frozen=True)
class AuditEntry:
    """Who read or changed a case, when, and from where (ids only)."""

    at: datetime
    actor: str
    action: str
    origin: str | None
