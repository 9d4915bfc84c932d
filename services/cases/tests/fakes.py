"""Cases' unit of work without a database: its repositories over plain dicts.

Each unit of work works on a copy of the committed rows and puts its copy in their place on
commit, so what a handler did before it failed is gone, as it would be after a rollback.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from datetime import datetime
from typing import Any

from services.cases.domain.case import Case
from services.cases.domain.queue import CasePage, CaseQuery
from services.cases.domain.routing import RosterMember, Turn, take_turn
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

    def awaiting_caseworker(self) -> list[Case]:
        waiting = [case for case in self.in_office() if case.awaits_caseworker]
        return [
            self._uow.track(case)
            for case in sorted(waiting, key=lambda case: (case.opened_at, case.reference))
        ]

    def page(self, query: CaseQuery) -> CasePage:
        found = [
            case
            for case in self.in_office()
            if (query.status is None or case.status == query.status)
            and (query.assigned_to is None or case.assigned_to_id == query.assigned_to)
        ]
        found.sort(key=lambda case: (case.opened_at, case.reference), reverse=True)
        return CasePage(found[query.offset : query.offset + query.limit], len(found))

    def in_office(self) -> list[Case]:
        return [case for (office, _), case in self._rows.items() if office == self._uow.office_id]


class FakeRoster:
    def __init__(self, uow: FakeCasesUnitOfWork, rows: dict[tuple[str, str], RosterMember]) -> None:
        self._uow = uow
        self._rows = rows

    def get(self, user_id: str) -> RosterMember | None:
        return self._rows.get((self._uow.office_id, user_id))

    def put(self, member: RosterMember) -> None:
        known = self.get(member.user_id)
        if known is not None:  # turns are the roster's own, not the announcement's
            member = replace(member, last_assigned_at=known.last_assigned_at)
        self._rows[(self._uow.office_id, member.user_id)] = member

    def take_turn(self, now: datetime) -> Turn | None:
        office = self._uow.office_id
        turn = take_turn([m for (o, _), m in self._rows.items() if o == office], now)
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

    def take(self, submission_id: str, now: datetime) -> Allocation | None:
        if any(case.submission_id == submission_id for case in self._uow.cases.in_office()):
            return None
        key = (self._uow.office_id, now.year)
        self._counters[key] = self._counters.get(key, 0) + 1
        return Allocation(self._counters[key], self._roster.take_turn(now))


class FakeCasesUnitOfWork(FakeUnitOfWork):
    def open_repositories(self) -> None:
        self.working: dict[str, Any] = copy.deepcopy(self.database.rows)
        self.cases = FakeCases(self, self.working.setdefault("cases", {}))
        self.staff = FakeRoster(self, self.working.setdefault("staff", {}))
        self.allocations = FakeAllocations(
            self, self.working.setdefault("counters", {}), self.staff
        )

    def commit(self) -> None:
        super().commit()  # collects the events the cases recorded
        self.database.rows = self.working
        self.working = copy.deepcopy(self.working)


def fake_database() -> FakeDatabase[FakeCasesUnitOfWork]:
    return FakeDatabase(FakeCasesUnitOfWork, service="cases")
