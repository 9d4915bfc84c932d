"""Cases' unit of work without a database: its repositories over plain dicts.

Each unit of work works on a copy of the committed rows and puts its copy in their place on
commit, so what a handler did before it failed is gone, as it would be after a rollback.
"""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import replace
from datetime import datetime
from typing import Any

from services.cases.domain.case import Case
from services.cases.domain.inquiries import AgencyInquiry
from services.cases.domain.queue import AuditEntry, CasePage, CaseQuery
from services.cases.domain.releases import PrivacyRelease
from services.cases.domain.routing import RosterMember, Turn, route
from services.cases.domain.workload import AgeBuckets, AssigneeCount, bucket_cutoffs
from services.cases.ports import Allocation
from services.chassis.fakes import FakeDatabase, FakeUnitOfWork


class FakeCases:
    def __init__(self, uow: FakeCasesUnitOfWork, rows: dict[tuple[str, str], Case]) -> None:
        self._uow = uow
        self._rows = rows

    def add(self, case: Case) -> None:
        key = (self._uow.office_id, case.case_id)
        assert key not in self._rows, "a case id is unique"
        self._rows[key] = self._uow.track(case)

    def get(self, case_id: str) -> Case | None:
        case = self._rows.get((self._uow.office_id, case_id))
        return None if case is None else self._uow.track(case)

    def get_with_timeline(self, case_id: str) -> Case | None:
        return self.get(case_id)

    def by_reference(self, reference: str) -> Case | None:
        for case in self.in_office():
            if case.reference == reference:
                return self._uow.track(case)
        return None

    def awaiting_caseworker(self) -> list[Case]:
        waiting = [case for case in self.in_office() if case.awaits_caseworker]
        return [
            self._uow.track(case)
            for case in sorted(waiting, key=lambda case: (case.opened_at, case.reference))
        ]

    def page(self, query: CaseQuery) -> CasePage:
        found = [case for case in self.in_office() if _matches(case, query)]
        found.sort(key=lambda case: (case.opened_at, case.reference), reverse=True)
        return CasePage(found[query.offset : query.offset + query.limit], len(found))

    def workload(self, now: datetime) -> dict[str | None, AssigneeCount]:
        under_7, under_30, under_90 = bucket_cutoffs(now)
        counts: dict[str | None, list[int]] = {}
        names: dict[str | None, str | None] = {}
        for case in self.in_office():
            if case.status.is_finished:
                continue
            ages = counts.setdefault(case.assigned_to_id, [0, 0, 0, 0])
            names[case.assigned_to_id] = case.assigned_to_name
            opened = case.opened_at
            ages[
                0 if opened > under_7 else 1 if opened > under_30 else 2 if opened > under_90 else 3
            ] += 1
        return {
            user: AssigneeCount(user, names[user], AgeBuckets(*ages))
            for user, ages in counts.items()
        }

    def in_office(self) -> list[Case]:
        return [case for (office, _), case in self._rows.items() if office == self._uow.office_id]

    def caseloads(self) -> Counter[str]:
        """Unfinished cases per assignee, as the SQL repository counts them."""
        return Counter(
            case.assigned_to_id
            for case in self.in_office()
            if case.assigned_to_id is not None and not case.status.is_finished
        )


def _matches(case: Case, query: CaseQuery) -> bool:
    """The queue's filters, as the SQL repository applies them."""
    active = not case.status.is_finished
    overdue = case.due_on is not None and query.today is not None and case.due_on < query.today
    return all(
        (
            query.status is None or case.status == query.status,
            not query.active or active,
            query.assigned_to is None or case.assigned_to_id == query.assigned_to,
            not query.unassigned or case.assigned_to_id is None,
            query.category is None or case.category == query.category,
            query.agency is None or (case.agency_code or case.agency_hint) == query.agency,
            query.priority is None or case.priority == query.priority,
            query.tag is None or query.tag in case.tags,
            not query.overdue or (active and overdue),
        )
    )


class FakeReleases:
    def __init__(
        self, uow: FakeCasesUnitOfWork, rows: dict[tuple[str, str], PrivacyRelease]
    ) -> None:
        self._uow = uow
        self._rows = rows

    def get(self, release_id: str) -> PrivacyRelease | None:
        return self._rows.get((self._uow.office_id, release_id))

    def add(self, release: PrivacyRelease) -> None:
        key = (self._uow.office_id, release.release_id)
        assert key not in self._rows, "a release id is unique"
        self._rows[key] = release

    def for_submission(self, submission_id: str) -> list[PrivacyRelease]:
        return [
            release
            for (office, _), release in self._rows.items()
            if office == self._uow.office_id and release.submission_id == submission_id
        ]


class FakeInquiries:
    def __init__(
        self, uow: FakeCasesUnitOfWork, rows: dict[tuple[str, str], AgencyInquiry]
    ) -> None:
        self._uow = uow
        self._rows = rows

    def get(self, inquiry_id: str) -> AgencyInquiry | None:
        return self._rows.get((self._uow.office_id, inquiry_id))

    def add(self, inquiry: AgencyInquiry) -> None:
        key = (self._uow.office_id, inquiry.inquiry_id)
        assert key not in self._rows, "an inquiry id is unique"
        self._rows[key] = inquiry

    def of_case(self, case_id: str) -> list[AgencyInquiry]:
        return [
            inquiry
            for (office, _), inquiry in self._rows.items()
            if office == self._uow.office_id and inquiry.case_id == case_id
        ]


class FakeAuditTrail:
    """Reads the fake database's committed audit rows (they hold no time: newest is last)."""

    def __init__(self, uow: FakeCasesUnitOfWork) -> None:
        self._uow = uow

    def for_case(self, case_id: str, limit: int) -> list[AuditEntry]:
        rows = [
            row
            for row in self._uow.database.audit_log
            if row.office_id == self._uow.office_id and row.subject_id == case_id
        ]
        at = datetime(2000, 1, 1)
        return [AuditEntry(at, row.actor, row.action, None) for row in reversed(rows)][:limit]


class FakeRoster:
    def __init__(self, uow: FakeCasesUnitOfWork, rows: dict[tuple[str, str], RosterMember]) -> None:
        self._uow = uow
        self._rows = rows

    def get(self, user_id: str) -> RosterMember | None:
        return self._rows.get((self._uow.office_id, user_id))

    def find(self, user_id: str) -> RosterMember | None:
        return self.get(user_id)

    def members(self) -> list[RosterMember]:
        return [m for (o, _), m in self._rows.items() if o == self._uow.office_id]

    def put(self, member: RosterMember) -> None:
        known = self.get(member.user_id)
        if known is not None:  # turns are the roster's own, not the announcement's
            member = replace(member, last_assigned_at=known.last_assigned_at)
        self._rows[(self._uow.office_id, member.user_id)] = member

    def take_turn(self, now: datetime, category: str) -> Turn | None:
        office = self._uow.office_id
        roster = [m for (o, _), m in self._rows.items() if o == office]
        turn = route(roster, category, self._uow.cases.caseloads(), now)
        if turn is not None:
            member = self._rows[(office, turn.user_id)]
            self._rows[(office, turn.user_id)] = replace(member, last_assigned_at=turn.assigned_at)
        return turn


class FakeAllocations:
    def __init__(
        self, uow: FakeCasesUnitOfWork, counters: dict[tuple[str, int], int], roster: FakeRoster
    ) -> None:
        self._uow = uow
        self._counters = counters
        self._roster = roster

    def take(self, submission_id: str, now: datetime, category: str) -> Allocation | None:
        if any(case.submission_id == submission_id for case in self._uow.cases.in_office()):
            return None
        key = (self._uow.office_id, now.year)
        self._counters[key] = self._counters.get(key, 0) + 1
        return Allocation(self._counters[key], self._roster.take_turn(now, category))


class FakeCasesUnitOfWork(FakeUnitOfWork):
    def open_repositories(self) -> None:
        self.working: dict[str, Any] = copy.deepcopy(self.database.rows)
        self.cases = FakeCases(self, self.working.setdefault("cases", {}))
        self.staff = FakeRoster(self, self.working.setdefault("staff", {}))
        self.allocations = FakeAllocations(
            self, self.working.setdefault("counters", {}), self.staff
        )
        self.audit_trail = FakeAuditTrail(self)
        self.releases = FakeReleases(self, self.working.setdefault("releases", {}))
        self.inquiries = FakeInquiries(self, self.working.setdefault("inquiries", {}))

    def commit(self) -> None:
        super().commit()  # collects the events the cases recorded
        self.database.rows = self.working
        self.working = copy.deepcopy(self.working)


def fake_database() -> FakeDatabase[FakeCasesUnitOfWork]:
    return FakeDatabase(FakeCasesUnitOfWork, service="cases")
