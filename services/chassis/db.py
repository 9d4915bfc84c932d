"""Each service's own database: metadata with the chassis tables, the engine, and the unit of
work that commits business rows, outbox events, inbox marks and audit entries together."""

from __future__ import annotations

import json
import logging
import os
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from opentelemetry import propagate
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Dialect,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    bindparam,
    create_engine,
    event,
    text,
)
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from services.chassis.config import env_int
from services.contracts import EventContract

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on every backend (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL wants BIGINT for an append-only log.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def new_metadata() -> MetaData:
    """Metadata for one service's database, already holding the chassis tables."""
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    outbox = Table(
        "outbox",
        metadata,
        Column("id", BigId, primary_key=True, autoincrement=True),
        Column("event_id", String(36), nullable=False, unique=True),
        Column("event_type", String(100), nullable=False),
        Column("schema_version", Integer, nullable=False),
        Column("office_id", String(64), nullable=False),
        Column("occurred_at", UTCDateTime, nullable=False),
        Column("correlation_id", String(64), nullable=False),
        Column("causation_id", String(64), nullable=True),
        Column("traceparent", String(64), nullable=True),
        Column("payload", Text, nullable=False),
        Column("sent_at", UTCDateTime, nullable=True),
        Column("attempts", Integer, nullable=False, default=0),
        Column("last_error", String(200), nullable=True),
    )
    Index(
        "ix_outbox_pending",
        outbox.c.id,
        postgresql_where=outbox.c.sent_at.is_(None),
        sqlite_where=outbox.c.sent_at.is_(None),
    )
    Table(
        "inbox",
        metadata,
        Column("event_id", String(36), primary_key=True),
        Column("consumer", String(100), primary_key=True),
        Column("event_type", String(100), nullable=False),
        Column("processed_at", UTCDateTime, nullable=False),
    )
    Table(
        "audit_log",
        metadata,
        Column("id", BigId, primary_key=True, autoincrement=True),
        Column("office_id", String(64), nullable=False, index=True),
        Column("actor", String(100), nullable=False),
        Column("action", String(50), nullable=False),
        Column("subject_type", String(50), nullable=False),
        Column("subject_id", String(64), nullable=False),
        Column("origin", String(100), nullable=True),
        Column("occurred_at", UTCDateTime, nullable=False),
    )
    return metadata


def create_db_engine(url: str) -> Engine:
    """An engine that behaves under eventlet on both backends."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(database)), exist_ok=True)
        # One connection: a second SQLite writer would block the whole eventlet hub until the
        # busy timeout. Greenthreads queue for the connection instead.
        engine = create_engine(
            url,
            # Statement parameters are personal data: keep them out of exception text and logs.
            hide_parameters=True,
            pool_size=1,
            max_overflow=0,
            pool_timeout=60,
            connect_args={"check_same_thread": False, "timeout": 30},
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    # psycopg2 is cooperative once eventlet has monkey-patched it (`nameko run` does).
    # No pre-ping: it costs a round trip per transaction; a dropped connection is invalidated
    # on first use instead, and that error is transient (HTTP 503, event retried).
    # A bounded pool per process: six services (and several instances of some) share one
    # server's max_connections (100 by default); workers beyond the pool wait their turn.
    return create_engine(
        url,
        hide_parameters=True,
        # A fixed pool: overflow connections were opened and closed constantly under load.
        pool_size=env_int("CASEWORK_DB_POOL_SIZE", 10),
        max_overflow=env_int("CASEWORK_DB_MAX_OVERFLOW", 0),
        pool_recycle=1800,
        pool_timeout=30,
    )


# SQLSTATE classes worth retrying: connection (08), transaction rollback such as deadlock or
# serialization failure (40), insufficient resources (53), operator intervention such as
# shutdown or statement timeout (57), and lock not available (55P03).
TRANSIENT_SQLSTATE_CLASSES = ("08", "40", "53", "57")


def is_transient(exc: BaseException) -> bool:
    """Database errors that mean "try again later", not "this message is bad"."""
    if isinstance(exc, sa_exc.TimeoutError):  # no pooled connection free in time
        return True
    if not isinstance(exc, sa_exc.DBAPIError):
        return False
    if exc.connection_invalidated or isinstance(
        exc, sa_exc.OperationalError | sa_exc.InterfaceError
    ):
        return True
    code = getattr(exc.orig, "pgcode", None) or ""
    if code.startswith(TRANSIENT_SQLSTATE_CLASSES) or code == "55P03":
        return True
    return "database is locked" in str(exc.orig)


T = TypeVar("T")
CONFLICT_ATTEMPTS = 3


def retrying_conflicts(attempt: Callable[[], T], attempts: int = CONFLICT_ATTEMPTS) -> T:
    """Run `attempt`, a function that opens and commits its own unit of work, again when it
    hits a unique-key clash: another worker created the same row at the same moment, and the
    next try sees what that worker committed. The last clash is raised."""
    for number in range(1, attempts + 1):
        try:
            return attempt()
        except sa_exc.IntegrityError:
            if number == attempts:
                raise
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class IncomingEvent:
    """An event as a consumer sees it: envelope fields plus the loaded payload."""

    event_id: str
    event_type: str
    schema_version: int
    office_id: str
    occurred_at: datetime
    correlation_id: str
    causation_id: str | None
    traceparent: str | None
    payload: dict[str, Any]


# Built once, in SQL both PostgreSQL and SQLite accept: SQLAlchemy cannot cache a
# dialect-specific `insert().on_conflict_do_nothing()`, and every consumed event runs this.
CLAIM = text(
    "INSERT INTO inbox (event_id, consumer, event_type, processed_at) "
    "VALUES (:event_id, :consumer, :event_type, :processed_at) ON CONFLICT DO NOTHING"
).bindparams(bindparam("processed_at", type_=UTCDateTime()))


class UnitOfWork:
    """One transaction: business rows, the events they cause, inbox marks and audit entries."""

    def __init__(
        self,
        session: Session,
        *,
        correlation_id: str,
        causation_id: str | None,
        on_commit: Callable[[], None],
    ) -> None:
        self.session = session
        self.correlation_id = correlation_id
        self.causation_id = causation_id
        self._on_commit = on_commit
        self._events_written = 0

    @property
    def _metadata_tables(self) -> Mapping[str, Table]:
        info = self.session.info
        return info["tables"]  # type: ignore[no-any-return]

    def emit(self, contract: EventContract, payload: Mapping[str, Any], *, office_id: str) -> str:
        """Write an event to the outbox inside this transaction; it is published after commit."""
        body = contract.dump(payload)
        carrier: dict[str, str] = {}
        propagate.inject(carrier)
        event_id = str(uuid.uuid4())
        # A bare Table.insert() with a parameter dict compiles once; .values(...) would build
        # and key a new statement on every event.
        self.session.execute(
            self._metadata_tables["outbox"].insert(),
            dict(
                event_id=event_id,
                event_type=contract.event_type,
                schema_version=contract.version,
                office_id=office_id,
                occurred_at=utcnow(),
                correlation_id=self.correlation_id,
                causation_id=self.causation_id,
                traceparent=carrier.get("traceparent"),
                payload=json.dumps(body, separators=(",", ":")),
                attempts=0,
                sent_at=None,
                last_error=None,
            ),
        )
        self._events_written += 1
        return event_id

    def claim(self, incoming: IncomingEvent, consumer: str) -> bool:
        """Record `(event_id, consumer)`; False when this consumer already handled the event.

        The row commits with the handler's effects, so a redelivered event changes nothing.
        """
        result = self.session.execute(
            CLAIM,
            {
                "event_id": incoming.event_id,
                "consumer": consumer,
                "event_type": incoming.event_type,
                "processed_at": utcnow(),
            },
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    def audit(
        self,
        *,
        office_id: str,
        actor: str,
        action: str,
        subject_type: str,
        subject_id: str,
        origin: str | None = None,
    ) -> None:
        """Append who did what to which record. Ids only, never content."""
        self.session.execute(
            self._metadata_tables["audit_log"].insert(),
            dict(
                office_id=office_id,
                actor=actor,
                action=action,
                subject_type=subject_type,
                subject_id=subject_id,
                origin=origin,
                occurred_at=utcnow(),
            ),
        )

    def commit(self) -> None:
        self.session.commit()
        if self._events_written:
            self._events_written = 0
            self._on_commit()

    def rollback(self) -> None:
        self.session.rollback()
        self._events_written = 0


class DatabaseAccess:
    """The narrow interface a worker gets: open units of work, read in a session, ping."""

    def __init__(
        self, sessions: sessionmaker[Session], metadata: MetaData, on_events: Callable[[], None]
    ) -> None:
        self._sessions = sessions
        self._metadata = metadata
        self._on_events = on_events

    @contextmanager
    def unit_of_work(
        self, *, cause: IncomingEvent | None = None, correlation_id: str | None = None
    ) -> Iterator[UnitOfWork]:
        """Commit explicitly with `uow.commit()`; anything left uncommitted is rolled back."""
        session = self._sessions()
        session.info["tables"] = self._metadata.tables
        uow = UnitOfWork(
            session,
            correlation_id=(cause.correlation_id if cause else None)
            or correlation_id
            or str(uuid.uuid4()),
            causation_id=cause.event_id if cause else None,
            on_commit=self._on_events,
        )
        try:
            yield uow
        except BaseException:
            uow.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for queries; nothing it does is committed."""
        session = self._sessions()
        try:
            yield session
        finally:
            session.rollback()
            session.close()

    def ping(self) -> None:
        with self._sessions() as session:
            session.execute(text("SELECT 1"))
