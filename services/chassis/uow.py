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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Generic, TypeVar

from sqlalchemy import MetaData, text
from sqlalchemy.orm import Session, sessionmaker

from services.chassis.consuming import Failures, MemberFailed, consume_batch
from services.chassis.events import IncomingEvent
from services.chassis.held_rows import take_held
from services.chassis.inbox import claim_all
from services.chassis.opening import OpensOfficeWork
from services.chassis.outbox_rows import Outbox
from services.chassis.tenant import set_tenant_on_begin, switch_tenant
from services.chassis.unit_of_work import BaseUnitOfWork as BaseUnitOfWork
from services.chassis.unit_of_work import MissingTenant as MissingTenant
from services.chassis.unit_of_work import UnitOfWork as UnitOfWork
from services.chassis.unit_of_work import work_identity as work_identity

log = logging.getLogger(__name__)

U = TypeVar("U", bound=UnitOfWork)
R = TypeVar("R")


class DatabaseAccess(OpensOfficeWork[U]):
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

    @property
    def dialect(self) -> str:
        """The database's dialect name ("postgresql", "sqlite")."""
        return str(self._sessions.kw["bind"].dialect.name)

    @contextmanager
    def _opened(self, identity: dict[str, Any]) -> Iterator[U]:
        session = self._sessions(info={"office_id": identity["office_id"]})
        try:
            yield self._unit_of_work_type(
                session, self._metadata.tables, on_events=self._on_events, **identity
            )
        finally:
            session.close()

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
        with self._offices_together() as together:
            tables = self._metadata.tables
            session = together.session
            claimed = claim_all(session, tables["inbox"], events, self.service) if claim else None
            rows: list[dict[str, Any]] = []
            for event in events:
                if claimed is not None and event.event_id not in claimed:
                    continue  # handled before: a redelivery
                uow = together.open(event.office_id, event)
                try:
                    handler(uow, event)
                    rows.extend(uow.finish())
                except Exception as exc:
                    raise MemberFailed(event, exc) from exc
            together.write_by_office(rows)

    def office_after_office(
        self,
        offices: Sequence[str],
        work: Callable[[U], R],
        *,
        before_commit: Callable[[], None] | None = None,
    ) -> list[R]:
        """`work` on a unit of work of each office in turn, all in ONE transaction: each
        office's work runs with the tenant switched to it (PostgreSQL: the transaction-local
        setting row-level security reads, so the wall holds office by office) and its outbox
        rows are written while that tenant is set; everything commits together at the end, or
        nothing does. For sweeps over many offices with a little work each, where a
        transaction per office would cost more than the work. `work` does not commit; what
        it returns is returned, office by office. `before_commit` runs once every office's
        work is written, just before the commit (a sweep prepared ahead waits there for the
        moment its work is due)."""
        results: list[R] = []
        with self._offices_together() as together:
            rows: list[dict[str, Any]] = []
            for office_id in offices:
                uow = together.open(office_id, None)
                results.append(work(uow))
                rows.extend(uow.finish())
            together.write_by_office(rows)
            if before_commit is not None:
                before_commit()
        return results

    @contextmanager
    def _offices_together(self) -> Iterator[_Together[U]]:
        """One transaction for many offices' units of work (opened with `open`, their outbox
        rows written with `write`): committed when the block ends, rolled back with every
        unit's recorded events and callbacks dropped if it raises; after the commit, the relay
        is woken if anything was written and each unit's after-commit work runs."""
        together = _Together(self, self._sessions(info={"batched": True}))
        try:
            yield together
            together.session.commit()
        except BaseException:
            together.session.rollback()
            for uow in together.opened:
                uow._discard()
            raise
        finally:
            together.session.close()
        try:
            if together.wrote:
                self._on_events()
            for uow in together.opened:
                uow._committed()
        except Exception:
            # Committed: a failing counter or wake-up must not make the work run again.
            log.exception("after-commit work of offices' work together failed")

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


class _Together(Generic[U]):
    """The units of work of `DatabaseAccess._offices_together`'s one transaction."""

    def __init__(self, access: DatabaseAccess[U], session: Session) -> None:
        self._access = access
        self.session = session
        self._outbox = Outbox(session, access._metadata.tables["outbox"])
        self.opened: list[U] = []
        self.wrote = False

    def open(self, office_id: str, cause: IncomingEvent[Any] | None) -> U:
        """A unit of work of `office_id`, the transaction's tenant switched to it."""
        switch_tenant(self.session, office_id)
        uow = self._access._unit_of_work_type(
            self.session,
            self._access._metadata.tables,
            on_events=self._access._on_events,
            **work_identity(office_id, None, cause, None),
        )
        self.opened.append(uow)
        return uow

    def write_by_office(self, rows: list[dict[str, Any]]) -> None:
        """The units' held rows (held_rows.py) and outbox rows, office by office: row-level
        security checks each row against the tenant of the moment, so each office's go under
        its tenant, each table's in one statement."""
        held = take_held(self.session)
        outbox_rows: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            outbox_rows.setdefault(row["office_id"], []).append(row)
        for office_id in dict.fromkeys([*held, *outbox_rows]):
            switch_tenant(self.session, office_id)
            for statement, office_rows in held.get(office_id, {}).items():
                self.session.execute(statement, office_rows)
            self._outbox.write(outbox_rows.get(office_id, []))
        self.wrote = self.wrote or bool(rows)
