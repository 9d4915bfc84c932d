"""What the repositories of agencies' and intake's projections share (agency inquiries,
privacy releases): the aggregates one unit of work handed out or added, each with its columns
as last written, so that on commit a new one is inserted and a known one has only the columns
that changed written (two events handled at once, changing different columns, cannot undo
each other)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

from sqlalchemy.engine import Row

from services.chassis.repository import OfficeScopedRepository
from services.chassis.uow import UnitOfWork

State = dict[str, Any]
A = TypeVar("A")


class Tracked(Generic[A]):
    """The tracked aggregates of one kind, by id. `update` binds the row's office as
    `in_office` and its id as `tracked_id`; its SET clause is the changed columns' names."""

    def __init__(
        self,
        uow: UnitOfWork,
        *,
        state: Callable[[A], State],
        identity: Callable[[A], State],
        insert: Any,
        update: Any,
    ) -> None:
        self._uow = uow
        self._state = state  # the columns the aggregate's methods can change, as stored
        self._identity = identity  # the columns they cannot: its id and what it belongs to
        self._insert = insert
        self._update = update
        self._tracked: dict[str, tuple[A, State | None]] = {}

    def get(self, tracked_id: str) -> A | None:
        tracked = self._tracked.get(tracked_id)
        return tracked[0] if tracked else None

    def loaded(self, tracked_id: str, aggregate: A) -> A:
        """Track an aggregate as it was read."""
        self._tracked[tracked_id] = (aggregate, self._state(aggregate))
        return aggregate

    def add(self, tracked_id: str, aggregate: A) -> None:
        assert tracked_id not in self._tracked, "an aggregate's id is unique"
        self._tracked[tracked_id] = (aggregate, None)

    def added(self) -> Iterator[A]:
        """The aggregates added in this unit of work and not yet written."""
        return (aggregate for aggregate, before in self._tracked.values() if before is None)

    def flush(self) -> None:
        session, office_id = self._uow.session, self._uow.office_id
        for tracked_id, (aggregate, before) in list(self._tracked.items()):
            now = self._state(aggregate)
            if before is None:
                row = {"office_id": office_id, **self._identity(aggregate), **now}
                session.execute(self._insert, row)
            else:
                changed = {name: value for name, value in now.items() if before[name] != value}
                if changed:
                    key = {"in_office": office_id, "tracked_id": tracked_id}
                    session.execute(self._update, {**key, **changed})
            self._tracked[tracked_id] = (aggregate, now)


class TrackedRepository(OfficeScopedRepository, Generic[A]):
    """What the projections' repositories do alike: hand out an aggregate this unit of work
    already holds instead of reading it again, and write the tracked ones on `flush`."""

    def __init__(self, uow: UnitOfWork, tracked: Tracked[A]) -> None:
        super().__init__(uow)
        self._tracked = tracked

    def _get(
        self, tracked_id: str, statement: Any, from_row: Callable[[Row[Any]], A], **params: Any
    ) -> A | None:
        tracked = self._tracked.get(tracked_id)
        if tracked is not None:
            return tracked
        row = self._row(statement, **params)
        return None if row is None else self._tracked.loaded(tracked_id, from_row(row))

    def flush(self) -> None:
        self._tracked.flush()
