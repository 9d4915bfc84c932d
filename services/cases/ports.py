"""What cases' handlers need from a unit of work: its repositories, as interfaces. The real ones
(SQL) are in `adapters/`, the in-memory ones in `tests/fakes.py`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from services.cases.domain.case import Case
from services.cases.domain.inquiries import AgencyInquiry
from services.cases.domain.queue import AuditEntry, CasePage, CaseQuery
from services.cases.domain.releases import PrivacyRelease
from services.cases.domain.routing import RosterMember, Turn
from services.cases.domain.workload import AssigneeCount
from services.chassis.domain import Actor


@dataclass(frozen=True)
class Allocation:
    """What an opening takes: the office's next reference number, and the turn routing gave
    (None: nobody in the office takes cases)."""

    number: int
    turn: Turn | None


class CaseRepository(Protocol):
    """The office's cases. Cases handed out are tracked: what their methods change is written
    when the unit of work commits."""

    def add(self, case: Case) -> None: ...

    def get(self, case_id: str) -> Case | None: ...

    def get_with_timeline(self, case_id: str) -> Case | None: ...

    def by_reference(self, reference: str) -> Case | None:
        """The case with its timeline, by what staff call it."""
        ...

    def awaiting_caseworker(self) -> list[Case]:
        """Unfinished cases nobody was given, oldest first."""
        ...

    def page(self, query: CaseQuery) -> CasePage: ...

    def workload(self, now: datetime) -> dict[str | None, AssigneeCount]:
        """Active cases per assignee (None: nobody) by age at `now`."""
        ...


class ReleaseRepository(Protocol):
    """The privacy releases of the office's submissions. Releases handed out or added are
    tracked: what their methods change is written when the unit of work commits."""

    def get(self, release_id: str) -> PrivacyRelease | None: ...

    def add(self, release: PrivacyRelease) -> None: ...

    def for_submission(self, submission_id: str) -> list[PrivacyRelease]:
        """Every release of the submission, whether its signing is known yet or not."""
        ...


class InquiryRepository(Protocol):
    """The agencies the office's letters went to (agencies' events, projected). Inquiries
    handed out or added are tracked: what their methods change is written when the unit of
    work commits."""

    def get(self, inquiry_id: str) -> AgencyInquiry | None: ...

    def add(self, inquiry: AgencyInquiry) -> None: ...

    def of_case(self, case_id: str) -> list[AgencyInquiry]:
        """Every inquiry of the case, those added in this unit of work included."""
        ...


class Roster(Protocol):
    """The office's staff as gateway announced them, and the routing among them."""

    def get(self, user_id: str) -> RosterMember | None:
        """The member, to change them (on PostgreSQL, holding the office's openings lock)."""
        ...

    def find(self, user_id: str) -> RosterMember | None:
        """The member, to name or check them (no lock)."""
        ...

    def members(self) -> list[RosterMember]: ...

    def put(self, member: RosterMember) -> None:
        """Add the member or apply their name, role, active flag, specialties and announcement
        time (turns are kept)."""
        ...

    def take_turn(self, now: datetime, category: str) -> Turn | None:
        """Take the turn of the next case of `category` in this unit of work (the routing rule,
        domain/routing.py), counting the cases this unit of work gave out so far."""
        ...


class Allocations(Protocol):
    def take(self, submission_id: str, now: datetime, category: str) -> Allocation | None:
        """The number and turn of the submission's case (of `category`); None if it already
        has its case."""
        ...


class AuditTrail(Protocol):
    def for_case(self, case_id: str, limit: int) -> list[AuditEntry]:
        """Who read or changed the case, newest first."""
        ...


class CasesWork(Protocol):
    """One office's unit of work as cases' handlers use it."""

    @property
    def office_id(self) -> str: ...

    @property
    def actor(self) -> Actor: ...

    @property
    def cases(self) -> CaseRepository: ...

    @property
    def staff(self) -> Roster: ...

    @property
    def releases(self) -> ReleaseRepository: ...

    @property
    def inquiries(self) -> InquiryRepository: ...

    @property
    def allocations(self) -> Allocations: ...

    @property
    def audit_trail(self) -> AuditTrail: ...

    def audit(
        self, action: str, subject_type: str, subject_id: str, *, actor: Actor | None = None
    ) -> None: ...

    def audit_each(
        self,
        action: str,
        subject_type: str,
        subject_ids: Sequence[str],
        *,
        actor: Actor | None = None,
    ) -> None: ...

    def after_commit(self, callback: Callable[[], None]) -> None: ...

    def commit(self) -> None: ...
