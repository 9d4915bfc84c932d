"""One office's unit of work: the transaction every entrypoint runs its feature in.

    with db.unit_of_work(office_id=office, actor=actor, cause=event) as uow:
        case = uow.cases.get(case_id)         # a repository, scoped to `office`
        case.assign(caseworker, by=actor)     # the aggregate checks the rule, records an event
        uow.commit()                          # effects, outbox rows and the inbox mark together

Opening it sets the tenant once (PostgreSQL: `set_config('casework.office_id', ..., true)`, the
transaction-local setting row-level security reads), claims the inbox when the cause is an
event, and exposes the service's repositories (a subclass of `UnitOfWork` builds them in
`open_repositories`). Without an office it raises: work that spans offices (the agency
directory, the outbox relay, roll-ups) says so with `db.platform_work()`.
"""

from __future__ import annotations

import logging
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from itertools import groupby
from operator import itemgetter
from typing import Any, Generic, TypeVar

from sqlalchemy import MetaData, Table, text
from sqlalchemy.orm import Session, sessionmaker

from services.chassis.consuming import Failures, MemberFailed, consume, consume_batch
from services.chassis.db import utcnow
from services.chassis.domain import Actor, Aggregate, RecordedEvent
from services.chassis.events import IncomingEvent
from services.chassis.inbox import claim_all, claim_cause, claim_one
from services.chassis.outbox import Outbox
from services.chassis.schemas import is_office_id
from services.chassis.tenant import set_tenant_on_begin, switch_tenant
from services.contracts import EventContract

A = TypeVar("A")
log = logging.getLogger(__name__)


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


U = TypeVar("U", bound=UnitOfWork)
R = TypeVar("R")


class DatabaseAccess(Generic[U]):
    """The narrow interface a worker gets: open units of work, consume events, ping."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        metadata: MetaData,
        on_events: Callable[[], None],
        *,
        service: str,
        unit_of_work_type: type[U],
        platform_sessions: sessionmaker[Session] | None = None,
    ) -> None:
        self._sessions = sessions
        self._platform_sessions = platform_sessions or sessions
        self._metadata = metadata
        self._on_events = on_events
        self.service = service
        self._unit_of_work_type = unit_of_work_type
        set_tenant_on_begin(sessions)

    @contextmanager
    def unit_of_work(
        self,
        *,
        office_id: str,
        actor: Actor | None = None,
        cause: IncomingEvent[Any] | None = None,
        claim: bool = True,
        correlation_id: str | None = None,
    ) -> Iterator[U]:
        """Commit explicitly with `uow.commit()`; anything left uncommitted is rolled back.

        With an event as `cause`, the inbox is claimed for this service first (unless
        `claim=False`: a later step of work the event already started) and
        `uow.already_handled` says whether it had been.
        """
        identity = work_identity(office_id, actor, cause, correlation_id)
        session = self._sessions(info={"office_id": office_id})
        uow = self._unit_of_work_type(
            session, self._metadata.tables, on_events=self._on_events, **identity
        )
        try:
            claim_cause(uow, cause if claim else None, self.service)
            yield uow
        except BaseException:
            uow.rollback()
            raise
        finally:
            session.close()

    def consume(
        self,
        event: IncomingEvent[Any],
        handler: Callable[[U, IncomingEvent[Any]], R],
        *,
        claim: bool = True,
    ) -> R | None:
        """Run an event handler in the event's office: claim, handle, commit (see `consume`)."""
        return consume(self, event, handler, claim=claim)

    def consume_batch(
        self,
        events: Sequence[IncomingEvent[Any]],
        handler: Callable[[U, IncomingEvent[Any]], Any],
        *,
        claim: bool = True,
    ) -> Failures:
        """Run an event handler for a batch of events in as few transactions as possible; the
        errors of those that failed, by event id (see `consume_batch`)."""
        return consume_batch(self, events, handler, claim=claim)

    def consume_together(
        self,
        events: Sequence[IncomingEvent[Any]],
        handler: Callable[[U, IncomingEvent[Any]], Any],
        *,
        claim: bool = True,
    ) -> None:
        """Every event's handler on its own office's unit of work, all in ONE transaction: inbox
        claims, effects and outbox rows commit together, or none do (`MemberFailed` names the
        event whose handler failed)."""
        session = self._sessions(info={"batched": True})
        tables = self._metadata.tables
        finished: list[U] = []
        rows: list[dict[str, Any]] = []
        try:
            claimed = claim_all(session, tables["inbox"], events, self.service) if claim else None
            for event in events:
                if claimed is not None and event.event_id not in claimed:
                    continue  # handled before: a redelivery
                switch_tenant(session, event.office_id)
                uow = self._unit_of_work_type(
                    session,
                    tables,
                    on_events=self._on_events,
                    **work_identity(event.office_id, None, event, None),
                )
                try:
                    handler(uow, event)
                    rows.extend(uow.finish())
                except Exception as exc:
                    raise MemberFailed(event, exc) from exc
                finished.append(uow)
            outbox = Outbox(session, tables["outbox"])
            # Row-level security checks each outbox row against the tenant of the moment: one
            # statement per office of the batch (the events come office by office).
            for office_id, office_rows in groupby(rows, key=itemgetter("office_id")):
                switch_tenant(session, office_id)
                outbox.write(list(office_rows))
            session.commit()
        except BaseException:
            session.rollback()
            for uow in finished:
                uow._discard()
            raise
        finally:
            session.close()
        try:
            if rows:
                self._on_events()
            for uow in finished:
                uow._committed()
        except Exception:
            # Committed: a failing counter or wake-up must not make the batch run again.
            log.exception("after-commit work of a batch failed")

    def office_after_office(self, offices: Sequence[str], work: Callable[[U], R]) -> list[R]:
        """`work` on a unit of work of each office in turn, all in ONE transaction: each
        office's work runs with the tenant switched to it (PostgreSQL: the transaction-local
        setting row-level security reads, so the wall holds office by office) and its outbox
        rows are written while that tenant is set; everything commits together at the end, or
        nothing does. For sweeps over many offices with a little work each, where a
        transaction per office would cost more than the work. `work` does not commit; what
        it returns is returned, office by office."""
        session = self._sessions(info={"batched": True})
        tables = self._metadata.tables
        outbox = Outbox(session, tables["outbox"])
        opened: list[U] = []
        results: list[R] = []
        wrote = False
        try:
            for office_id in offices:
                switch_tenant(session, office_id)
                uow = self._unit_of_work_type(
                    session,
                    tables,
                    on_events=self._on_events,
                    **work_identity(office_id, None, None, None),
                )
                opened.append(uow)
                results.append(work(uow))
                rows = uow.finish()
                outbox.write(rows)
                wrote = wrote or bool(rows)
            session.commit()
        except BaseException:
            session.rollback()
            for uow in opened:
                uow._discard()
            raise
        finally:
            session.close()
        try:
            if wrote:
                self._on_events()
            for uow in opened:
                uow._committed()
        except Exception:
            # Committed: a failing counter or wake-up must not make the work run again.
            log.exception("after-commit work of offices' work together failed")
        return results

    @contextmanager
    def platform_work(self) -> Iterator[Session]:
        """Work that spans offices by nature (the legislature-wide agency directory, roll-ups,
        bookkeeping): a session with no tenant set. On PostgreSQL it runs on the platform
        connection, the only one row-level security lets past office boundaries. Commit
        explicitly; the rest is rolled back."""
        session = self._platform_sessions()
        try:
            yield session
        finally:
            session.rollback()
            session.close()

    def ping(self) -> None:
        """Both connections answer (a wrong password on either is not ready)."""
        for sessions in {self._sessions, self._platform_sessions}:
            with sessions() as session:
                session.execute(text("SELECT 1"))
