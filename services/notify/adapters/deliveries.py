"""Notify's deliveries: one message to one recipient for one cause, found by its idempotency
key (occasion, kind) or its case, saved by compare-and-set on (status, attempts); and the swept
messages (updates about a case) the sweep sends once their moment has come."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import RowMapping, String, and_, bindparam, func, select, update
from sqlalchemy.exc import IntegrityError

from services.chassis.db import office_rows
from services.chassis.uow import UnitOfWork
from services.notify.adapters.base import (
    Repository,
    due_in_office,
    offices_with_due,
    projected,
)
from services.notify.domain.acknowledgements import OpenedCase, Recipient
from services.notify.domain.delivery import Delivery, DeliveryStatus
from services.notify.models import deliveries, opened_cases, recipients
from services.notify.ports import DeliveryChangedElsewhere

DELIVERY_FOR_CAUSE = office_rows(deliveries, "occasion_id", "kind")
DELIVERY = office_rows(deliveries, "delivery_id")
DELIVERIES_OF_CASE = office_rows(deliveries, "case_id").order_by(
    deliveries.c.created_at, deliveries.c.delivery_id
)
# A bare insert/update with parameter dicts compiles once. The update's SET columns come from
# the parameters; the WHERE names what the delivery was when loaded (compare-and-set).
INSERT_DELIVERY = deliveries.insert()
UPDATE_DELIVERY = update(deliveries).where(
    deliveries.c.office_id == bindparam("was_office_id"),
    deliveries.c.delivery_id == bindparam("was_delivery_id"),
    deliveries.c.status == bindparam("was_status"),
    deliveries.c.attempts == bindparam("was_attempts"),
)
# What a delivery may change once written; the rest is its identity.
MUTABLE = (
    "status",
    "attempts",
    "attempt_started_at",
    "last_error",
    "skip_reason",
    "message_id",
    "sent_at",
    "resent_in_doubt",
    "send_after",
)
# Swept messages whose moment has come, oldest first, through the partial index on
# `send_after` (only deliveries the sweep still has work on hold one). On PostgreSQL another
# sweeper skips the rows this one holds; the compare-and-set on save still guards SQLite.
SWEPT_DUE = due_in_office(deliveries, deliveries.c.send_after, deliveries.c.send_after.is_not(None))
SWEPT_DUE_LOCKED = SWEPT_DUE.with_for_update(skip_locked=True)
# Which offices have messages to send (platform work: two columns, no tenant).
OFFICES_WITH_SWEPT_DUE = offices_with_due(
    deliveries, deliveries.c.send_after, deliveries.c.send_after.is_not(None)
)

# When the earliest swept message falls due (the partial index's first entry).
NEXT_SWEPT = select(func.min(deliveries.c.send_after)).where(deliveries.c.send_after.is_not(None))


def _submission_in_context() -> Any:
    """A submission's first opened case, its recipient and its delivery of a kind, each or
    none, in one row: what a message about the submission is planned from. Their columns
    come prefixed `c_`, `r_` and `d_`."""
    asked = select(
        bindparam("office_id", type_=String).label("office_id"),
        bindparam("submission_id", type_=String).label("submission_id"),
    ).subquery("asked")
    earlier = opened_cases.alias("earlier")
    first_case = (
        select(earlier.c.case_id)
        .where(
            earlier.c.office_id == asked.c.office_id,
            earlier.c.submission_id == asked.c.submission_id,
        )
        .order_by(earlier.c.opened_at)
        .limit(1)
        .correlate(asked)
        .scalar_subquery()
    )
    joined = (
        asked.outerjoin(
            opened_cases,
            and_(
                opened_cases.c.office_id == asked.c.office_id,
                opened_cases.c.case_id == first_case,
            ),
        )
        .outerjoin(
            recipients,
            and_(
                recipients.c.office_id == asked.c.office_id,
                recipients.c.submission_id == asked.c.submission_id,
            ),
        )
        .outerjoin(
            deliveries,
            and_(
                deliveries.c.office_id == asked.c.office_id,
                deliveries.c.occasion_id == asked.c.submission_id,
                deliveries.c.kind == bindparam("kind"),
            ),
        )
    )
    return select(
        *(column.label(f"c_{column.name}") for column in opened_cases.columns),
        *(column.label(f"r_{column.name}") for column in recipients.columns),
        *(column.label(f"d_{column.name}") for column in deliveries.columns),
    ).select_from(joined)


SUBMISSION_IN_CONTEXT = _submission_in_context()


def _prefixed(row: RowMapping, prefix: str) -> dict[str, Any]:
    return {key[len(prefix) :]: value for key, value in row.items() if key.startswith(prefix)}


class DeliveryRepository(Repository):
    def __init__(self, uow: UnitOfWork) -> None:
        super().__init__(uow)
        # What each delivery handed out was when read or written: the compare-and-set key.
        self._loaded: dict[str, tuple[str, int]] = {}

    def add(self, delivery: Delivery) -> None:
        row = {name: getattr(delivery, name) for name in _COLUMNS}
        row["office_id"] = self._office_id
        try:
            self._session.execute(INSERT_DELIVERY, row)
        except IntegrityError as exc:
            # The transaction is spoilt on PostgreSQL: the caller starts a new unit of work.
            if _is_unique_clash(exc):
                raise DeliveryChangedElsewhere(
                    f"delivery for {delivery.idempotency_key} created elsewhere"
                ) from None
            raise
        self._remember(delivery)

    def save(self, delivery: Delivery) -> None:
        was_status, was_attempts = self._loaded[delivery.delivery_id]
        params = {name: getattr(delivery, name) for name in MUTABLE}
        params.update(
            was_office_id=self._office_id,
            was_delivery_id=delivery.delivery_id,
            was_status=was_status,
            was_attempts=was_attempts,
        )
        result = self._session.execute(UPDATE_DELIVERY, params)
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise DeliveryChangedElsewhere(f"delivery {delivery.delivery_id} moved on elsewhere")
        self._remember(delivery)

    def get(self, delivery_id: str) -> Delivery | None:
        row = self._one(DELIVERY, delivery_id=delivery_id)
        return self._load(row) if row else None

    def in_context(
        self, submission_id: str, kind: str
    ) -> tuple[OpenedCase | None, Recipient | None, Delivery | None]:
        row = self._one(SUBMISSION_IN_CONTEXT, submission_id=submission_id, kind=kind)
        assert row is not None, "the query always answers one row"
        case = _prefixed(row, "c_")
        recipient = _prefixed(row, "r_")
        delivery = _prefixed(row, "d_")
        return (
            projected(OpenedCase, case) if case["case_id"] is not None else None,
            projected(Recipient, recipient) if recipient["submission_id"] is not None else None,
            self._load(delivery) if delivery["delivery_id"] is not None else None,
        )

    def for_cause(self, occasion_id: str, kind: str) -> Delivery | None:
        row = self._one(DELIVERY_FOR_CAUSE, occasion_id=occasion_id, kind=kind)
        return self._load(row) if row else None

    def for_case(self, case_id: str) -> list[Delivery]:
        return [self._load(row) for row in self._rows(DELIVERIES_OF_CASE, case_id=case_id)]

    def claim_swept(self, now: Any, limit: int) -> list[Delivery]:
        """The office's swept messages due at `now`, oldest first (locked on PostgreSQL)."""
        statement = SWEPT_DUE_LOCKED if self._uow.dialect == "postgresql" else SWEPT_DUE
        return [self._load(row) for row in self._rows(statement, now=now, limit=limit)]

    def _load(self, row: Mapping[Any, Any]) -> Delivery:
        values = {name: row[name] for name in _COLUMNS}
        values["status"] = DeliveryStatus(values["status"])
        return self._remember(Delivery(**values))

    def _remember(self, delivery: Delivery) -> Delivery:
        self._loaded[delivery.delivery_id] = (delivery.status.value, delivery.attempts)
        return self._uow.track(delivery)


_COLUMNS = tuple(c.name for c in deliveries.columns if c.name != "office_id")


def _is_unique_clash(exc: IntegrityError) -> bool:
    """PostgreSQL's unique_violation, or SQLite's UNIQUE constraint message."""
    code = getattr(exc.orig, "pgcode", None)
    return code == "23505" or "UNIQUE constraint failed" in str(exc.orig)


def offices_with_messages_due(db: Any, now: Any, limit: int) -> list[str]:
    """The offices with swept messages due at `now`, longest waiting first (platform work:
    office and moment only; each office's messages are claimed in its own unit of work).

    The sweep asks twice a second, and most of the time nothing is due: it first reads the
    earliest moment, the partial index's first entry, which every planner finds by the index.
    Grouping by office is planned on the table's statistics, and where autovacuum is off or
    lags, a table never analyzed was read whole at every tick (8 ms a tick at 10,000
    deliveries, growing with every message ever sent)."""
    with db.platform_work() as session:
        earliest = session.execute(NEXT_SWEPT).scalar()
        if earliest is None or earliest > now:
            return []
        return [
            row.office_id
            for row in session.execute(OFFICES_WITH_SWEPT_DUE, {"now": now, "limit": limit})
        ]
