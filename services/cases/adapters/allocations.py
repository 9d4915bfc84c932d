"""What an opening takes: the office's next reference number and the caseworker routing gives
its case to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select, text

from services.cases.adapters.rotation import take_turn_apart
from services.cases.adapters.staff import SqlRoster
from services.cases.models import Base
from services.cases.ports import Allocation
from services.chassis.repository import OfficeScopedRepository
from services.chassis.uow import UnitOfWork

CASES = Base.metadata.tables["cases"]
PENDING = Base.metadata.tables["pending_assignments"]
HAS_CASE = select(CASES.c.id).where(
    CASES.c.office_id == bindparam("office_id"),
    CASES.c.submission_id == bindparam("submission_id"),
)
# In SQL both databases accept, built once.
NEXT_NUMBER = text(
    "INSERT INTO case_reference_counters (office_id, year, last_number) "
    "VALUES (:office_id, :year, 1) ON CONFLICT (office_id, year) "
    "DO UPDATE SET last_number = case_reference_counters.last_number + 1 RETURNING last_number"
)
# The apart turn's pending assignment, deleted as the case is inserted, in the same commit.
RELEASE_PENDING = PENDING.delete().where(
    PENDING.c.office_id == bindparam("office_id"),
    PENDING.c.submission_id == bindparam("submission_id"),
)


class SqlAllocations(OfficeScopedRepository):
    def __init__(self, uow: UnitOfWork, roster: SqlRoster) -> None:
        super().__init__(uow)
        self._roster = roster

    def take(self, submission_id: str, now: datetime, category: str) -> Allocation | None:
        if self._uow.dialect == "postgresql" and not self._roster.holds_any_lock:
            return self._take_apart(submission_id, now, category)
        # SQLite: inside the opening's own transaction. SQLite lets one transaction write at a
        # time, so openings already take turns; a transaction of their own would need a second
        # connection, and the engine has only one. PostgreSQL, once this transaction holds an
        # office's openings lock (an earlier opening of the same batch waited for a
        # caseworker): apart, a statement of the same office would wait for that lock, held by
        # this very transaction, for ever; one of another office could wait for a connection
        # of the apart pool that other workers hold waiting for this transaction's lock. Inline
        # is safe: a batch takes offices in one order, so batches lock them in one order.
        # The office's lock before its counter row, as the apart statement takes them.
        self._roster.lock()
        if self._row(HAS_CASE, submission_id=submission_id) is not None:
            return None
        number = self._session.execute(NEXT_NUMBER, self._params(year=now.year)).scalar_one()
        return Allocation(int(number), self._roster.take_turn(now, category))

    def number(self, year: int) -> int:
        """The office's next reference number of `year` alone, for a case that comes from no
        submission of intake (the demo seed): later openings carry on after it."""
        self._roster.lock()
        return int(self._session.execute(NEXT_NUMBER, self._params(year=year)).scalar_one())

    def _take_apart(self, submission_id: str, now: datetime, category: str) -> Allocation | None:
        bind = self._session.get_bind()
        taken = take_turn_apart(
            bind,  # type: ignore[arg-type]
            office_id=self._office_id,
            submission_id=submission_id,
            category=category,
            now=now,
        )
        if taken is None:
            return None
        if taken.turn is not None:
            # Pending until this opening commits its case, which then counts instead.
            self._session.execute(RELEASE_PENDING, self._params(submission_id=submission_id))
            return taken
        # Nobody took cases a moment ago. Look again holding the office's lock until this
        # opening commits: a first caseworker being added meanwhile is either seen now, or
        # (their roster change waiting for this lock) sees this case waiting and takes it.
        return Allocation(taken.number, self._roster.take_turn(now, category))
