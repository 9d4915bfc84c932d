"""The unit of work itself: one office's transaction with its repositories, the events its
aggregates record (written to the outbox on commit), its audit rows and its inbox claim.
`DatabaseAccess` (uow.py) opens them; the module docstring there shows how they are used."""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Insert, Table
from sqlalchemy.orm import Session

from services.chassis import held_rows
from services.chassis.db import utcnow
from services.chassis.domain import Actor, Aggregate, RecordedEvent
from services.chassis.events import IncomingEvent
from services.chassis.inbox import claim_one
from services.chassis.outbox_rows import Outbox
from services.chassis.schemas import is_office_id
from services.contracts import EventContract

A = TypeVar("A")


class MissingTenant(RuntimeError):
    """A unit of work was opened without an office: use `platform_work()` if that is meant."""


class BaseUnitOfWork(ABC):
    """What the real and the fake unit of work share: the office, the actor, and the events
    recorded by the aggregates it handed out (collected on commit)."""

    @abstractmethod
    def commit(self) -> None:
        """Make the work durable: effects, recorded events, inbox mark and audit rows."""

    @abstractmethod
    def rollback(self) -> None:
        """Drop everything not committed, recorded events included."""

    def __init__(
        self,
        *,
        office_id: str,
        actor: Actor,
        correlation_id: str,
        causation_id: str | None,
    ) -> None:
        self.office_id = office_id
        self.actor = actor
        self.correlation_id = correlation_id
        self.causation_id = causation_id
        self.already_handled = False
        self._seen: list[Aggregate] = []
        self._recorded: list[RecordedEvent] = []
        self._after_commit: list[Callable[[], None]] = []

    def open_repositories(self) -> None:  # noqa: B027 - optional: some have no repositories
        """Build the service's repositories on `self` (a subclass's hook)."""

    def track(self, aggregate: A) -> A:
        """Remember an aggregate a repository handed out, to collect its events on commit."""
        if isinstance(aggregate, Aggregate):
            self._seen.append(aggregate)
        return aggregate

    def emit(self, contract: EventContract, payload: Any) -> None:
        """Record an event no aggregate owns (an office registered, a delivery settled)."""
        self._recorded.append(RecordedEvent(contract, payload))

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` once this unit of work has committed (counters, wake-ups)."""
        self._after_commit.append(callback)

    def _collect_events(self) -> list[RecordedEvent]:
        events = []
        for aggregate in self._seen:
            events.extend(aggregate.pull_events())
        events.extend(self._recorded)
        self._recorded = []
        return events

    def _committed(self) -> None:
        callbacks, self._after_commit = self._after_commit, []
        for callback in callbacks:
            callback()

    def _discard(self) -> None:
        self._recorded.clear()
        self._after_commit.clear()
        for aggregate in self._seen:
            aggregate.pull_events()


class UnitOfWork(BaseUnitOfWork):
    """One transaction of one office: business rows, the events they cause, the inbox mark and
    audit entries commit together; anything not committed is rolled back on exit."""

    def __init__(
        self,
        session: Session,
        tables: Any,
        *,
        office_id: str,
        actor: Actor,
        correlation_id: str,
        causation_id: str | None,
        on_events: Callable[[], None],
    ) -> None:
        super().__init__(
            office_id=office_id,
            actor=actor,
            correlation_id=correlation_id,
            causation_id=causation_id,
        )
        self.session = session
        self._tables = tables
        self._outbox = Outbox(session, tables["outbox"])
        self._on_events = on_events
        self.open_repositories()

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name

    def table(self, name: str) -> Table:
        return self._tables[name]  # type: ignore[no-any-return]

    def claim(self, cause: IncomingEvent[Any], consumer: str) -> bool:
        """Record `(event_id, consumer)`; False when this consumer already handled the event.

        The row commits with the handler's effects, so a redelivered event changes nothing.
        """
        return claim_one(self.session, cause, consumer)

    def audit(
        self, action: str, subject_type: str, subject_id: str, *, actor: Actor | None = None
    ) -> None:
        """Append who did what to which record of this office. Ids only, never content."""
        self.audit_each(action, subject_type, [subject_id], actor=actor)

    def audit_each(
        self,
        action: str,
        subject_type: str,
        subject_ids: Sequence[str],
        *,
        actor: Actor | None = None,
    ) -> None:
        """The same action on several records (a page of cases read): one statement."""
        if not subject_ids:
            return
        who, now = actor or self.actor, utcnow()
        self.session.execute(
            self._tables["audit_log"].insert(),
            [
                dict(
                    office_id=self.office_id,
                    actor=who.audit_name,
                    action=action,
                    subject_type=subject_type,
                    subject_id=subject_id,
                    origin=who.origin,
                    occurred_at=now,
                )
                for subject_id in subject_ids
            ],
        )

    def insert_later(self, statement: Insert, rows: Sequence[dict[str, Any]]) -> None:
        """Append rows (each with its `office_id`) that no handler reads back unless it calls
        `write_held` first: in a batch, written with every event's rows of the table in one
        statement at the batch's end; alone, now (held_rows.py)."""
        held_rows.insert_later(self.session, statement, rows)

    def write_held(self, statement: Insert) -> None:
        """Before reading a table that handlers append to with `insert_later`: this office's
        rows the batch holds for it, written now."""
        held_rows.write_held(self.session, statement, self.office_id)

    def flush(self) -> None:
        """Write what the aggregates changed that their repositories hold back (a subclass's
        hook), before their events are collected: on commit, and for each event of a batch."""

    def finish(self) -> list[dict[str, Any]]:
        """Flush, then the outbox rows of the events the aggregates recorded, collected once:
        `commit` writes them; a batch writes every unit's rows in one statement."""
        self.flush()
        return self._outbox.rows(
            self._collect_events(),
            office_id=self.office_id,
            correlation_id=self.correlation_id,
            causation_id=self.causation_id,
        )

    def commit(self) -> None:
        if self.session.info.get("batched"):
            raise RuntimeError("a unit of work in a batch commits with its batch")
        rows = self.finish()
        self._outbox.write(rows)
        self.session.commit()
        if rows:
            self._on_events()
        self._committed()

    def rollback(self) -> None:
        if self.session.info.get("batched"):
            raise RuntimeError("a unit of work in a batch rolls back with its batch")
        self.session.rollback()
        self._discard()


def work_identity(
    office_id: str,
    actor: Actor | None,
    cause: IncomingEvent[Any] | None,
    correlation_id: str | None,
) -> dict[str, Any]:
    """Whom a unit of work works for and why: its office (refused if not a valid one), actor,
    correlation and causation. Shared by the real and the fake database."""
    if not office_id or not is_office_id(office_id):
        raise MissingTenant("a unit of work needs the office it works for")
    return {
        "office_id": office_id,
        "actor": actor or Actor.system(cause.event_type if cause else None),
        "correlation_id": (cause.correlation_id if cause else None)
        or correlation_id
        or str(uuid.uuid4()),
        "causation_id": cause.event_id if cause else None,
    }
