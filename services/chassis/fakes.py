"""A unit of work without a database, for domain and service-layer tests that run in
milliseconds. A service's tests subclass `FakeUnitOfWork` and give it fake repositories
(plain dicts and lists) in `open_repositories`, then drive handlers through `FakeDatabase`:

    db = FakeDatabase(FakeCasesUnitOfWork)
    consume(db, event, handlers.open_case)
    assert [e.contract for e in db.outbox] == [CASE_OPENED, CASE_ASSIGNED]
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from services.chassis.consuming import Failures, consume_each
from services.chassis.domain import Actor, RecordedEvent
from services.chassis.events import IncomingEvent
from services.chassis.opening import OpensOfficeWork
from services.chassis.uow import BaseUnitOfWork, work_identity
from services.contracts import EventContract


@dataclass(frozen=True)
class Published:
    """An event the fake unit of work would have written to the outbox."""

    office_id: str
    contract: Any
    payload: Any
    causation_id: str | None


@dataclass(frozen=True)
class Audited:
    office_id: str
    actor: str
    action: str
    subject_type: str
    subject_id: str


class FakeUnitOfWork(BaseUnitOfWork):
    """Records what a real one would commit: outbox events, audit rows, inbox marks."""

    def __init__(self, database: FakeDatabase[Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.database = database
        self.committed = False
        self._audits: list[Audited] = []
        self._claimed: tuple[str, str] | None = None
        self.open_repositories()

    def claim(self, cause: IncomingEvent[Any], consumer: str) -> bool:
        key = (cause.event_id, consumer)
        if key in self.database.inbox:
            return False
        self._claimed = key
        return True

    def audit(
        self, action: str, subject_type: str, subject_id: str, *, actor: Actor | None = None
    ) -> None:
        who = actor or self.actor
        self._audits.append(
            Audited(self.office_id, who.audit_name, action, subject_type, subject_id)
        )

    def audit_each(
        self,
        action: str,
        subject_type: str,
        subject_ids: Sequence[str],
        *,
        actor: Actor | None = None,
    ) -> None:
        for subject_id in subject_ids:
            self.audit(action, subject_type, subject_id, actor=actor)

    def open_repositories(self) -> None:
        """Subclasses build fake repositories over `self.database.rows` here."""

    def commit(self) -> None:
        events: list[RecordedEvent] = self._collect_events()
        self.database.outbox.extend(
            Published(self.office_id, event.contract, event.payload, self.causation_id)
            for event in events
        )
        self.database.audit_log.extend(self._audits)
        self._audits = []
        if self._claimed is not None:
            self.database.inbox.add(self._claimed)
        self.committed = True
        self._committed()

    def rollback(self) -> None:
        self._audits = []
        self._claimed = None
        self._discard()


F = TypeVar("F", bound=FakeUnitOfWork)
R = TypeVar("R")


class FakeDatabase(OpensOfficeWork[F]):
    """Stands in for `DatabaseAccess`: opens fake units of work over shared in-memory state.

    `rows` is free for the fake repositories (one dict per table, say); the rest is what the
    chassis would have written.
    """

    def __init__(self, unit_of_work_type: type[F], service: str = "test") -> None:
        self.unit_of_work_type = unit_of_work_type
        self.service = service
        self.rows: dict[str, Any] = {}
        self.outbox: list[Published] = []
        self.audit_log: list[Audited] = []
        self.inbox: set[tuple[str, str]] = set()

    @contextmanager
    def _opened(self, identity: dict[str, Any]) -> Iterator[F]:
        uow = self.unit_of_work_type(self, **identity)
        yield uow
        if not uow.committed:
            uow.rollback()

    def consume_batch(
        self,
        events: list[IncomingEvent[Any]],
        handler: Callable[[F, IncomingEvent[Any]], Any],
        *,
        claim: bool = True,
    ) -> Failures:
        """As `DatabaseAccess.consume_batch`, each event in a fake unit of work of its own (the
        fake repositories are not transactional, so there is no batch to roll back)."""
        return consume_each(self, events, handler, claim=claim)

    def office_after_office(
        self,
        offices: Sequence[str],
        work: Callable[[F], R],
        *,
        before_commit: Callable[[], None] | None = None,
    ) -> list[R]:
        """As `DatabaseAccess.office_after_office`: each office's work on a fake unit of work
        of its own, committed once every office's work is done (the fake repositories are
        not transactional, so a failure part-way leaves what the earlier offices wrote)."""
        done: list[tuple[F, R]] = []
        for office_id in offices:
            uow = self.unit_of_work_type(self, **work_identity(office_id, None, None, None))
            try:
                done.append((uow, work(uow)))
            except BaseException:
                uow.rollback()
                raise
        if before_commit is not None:
            before_commit()
        for uow, _ in done:
            uow.commit()
        return [result for _, result in done]

    def published(self, contract: Any) -> list[Any]:
        """The payloads of every committed event of this contract, in order."""
        return [event.payload for event in self.outbox if event.contract == contract]


def incoming(
    contract: EventContract,
    payload: Any,
    *,
    office_id: str,
    event_id: str | None = None,
    occurred_at: datetime | None = None,
) -> IncomingEvent[Any]:
    """An event as a consumer receives it, its payload checked against the contract and
    loaded into the contract's dataclass (a mapping or that dataclass may be given)."""
    event_id = event_id or str(uuid.uuid4())
    return IncomingEvent(
        event_id=event_id,
        event_type=contract.event_type,
        schema_version=contract.version,
        office_id=office_id,
        occurred_at=occurred_at or datetime.now(UTC),
        correlation_id=event_id,
        causation_id=None,
        traceparent=None,
        payload=contract.load_typed(contract.dump(payload)),
    )
