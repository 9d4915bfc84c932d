"""Each service's own database: metadata with the chassis tables, the engine, column types,
which errors are transient, and the one upsert helper. The unit of work is in `uow.py`."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Dialect,
    Index,
    Integer,
    MetaData,
    Select,
    String,
    Table,
    Text,
    TypeDecorator,
    bindparam,
    create_engine,
    event,
    select,
)
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Engine, make_url

from services.chassis import green_postgres, upserts
from services.chassis.config import env_int
from services.chassis.errors import ChangedElsewhere
from services.chassis.prepared import prepare_repeated, retry_plain

# Under eventlet, psycopg2 waits through the hub: safely (green_postgres says why).
green_postgres.install()

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


def create_db_engine(url: str, *, pool_size: int | None = None) -> Engine:
    """An engine that behaves under eventlet on both backends; `pool_size` bounds a
    PostgreSQL pool below the configured one (the platform engine needs few connections)."""
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
    engine = create_engine(
        url,
        hide_parameters=True,
        # A fixed pool: overflow connections were opened and closed constantly under load.
        pool_size=pool_size or env_int("CASEWORK_DB_POOL_SIZE", 10),
        max_overflow=env_int("CASEWORK_DB_MAX_OVERFLOW", 0),
        pool_recycle=1800,
        pool_timeout=30,
    )
    prepare_repeated(engine)
    return engine


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
    if retry_plain(exc.orig):  # a prepared statement gone stale: the next attempt sends text
        return True
    return "database is locked" in str(exc.orig)


T = TypeVar("T")
CONFLICT_ATTEMPTS = 3


def retrying_conflicts(attempt: Callable[[], T], attempts: int = CONFLICT_ATTEMPTS) -> T:
    """Run `attempt`, a function that opens and commits its own unit of work, again when it
    hits a unique-key clash (another worker created the same row at the same moment) or a row
    changed elsewhere since it was read: the next try sees what that worker committed. The
    last clash is raised."""
    for number in range(1, attempts + 1):
        try:
            return attempt()
        except (sa_exc.IntegrityError, ChangedElsewhere):
            if number == attempts:
                raise
    raise AssertionError("unreachable")


def office_rows(table: Table, *keys: str) -> Select[Any]:
    """A prebuilt SELECT of one office's rows of `table` (bound as `office_id`) whose `keys`
    columns equal the parameters of the same names."""
    return select(table).where(
        table.c.office_id == bindparam("office_id"),
        *(table.c[key] == bindparam(key) for key in keys),
    )


def insert_on_conflict(dialect: str, table: Table) -> Any:
    """An INSERT that can say ON CONFLICT (DO NOTHING / DO UPDATE) on this dialect: the one
    upsert helper, cached by SQLAlchemy like any other statement (`upserts` says why that
    needs saying). Build hot statements once and execute them with parameter dicts."""
    return upserts.insert_on_conflict(dialect, table)
