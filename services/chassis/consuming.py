"""The consume wrapper: how an event handler runs in its office's unit of work, one event at a
time (`consume`) or a batch of them in one transaction (`consume_batch`).

    failures = db.consume_batch(events, handlers.open_case)   # {event_id: error} of the few
                                                                # that failed; the rest committed

A batch claims every event's inbox row, runs each handler on its own office's unit of work
(the tenant switched between offices), writes every effect and outbox row, and commits once.
One failing event does not fail its neighbours: the batch is run again without it, and it is
tried alone, where its error is its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from services.chassis.db import is_transient, retrying_conflicts
from services.chassis.domain import Actor
from services.chassis.events import IncomingEvent

if TYPE_CHECKING:
    from services.chassis.uow import BaseUnitOfWork

W = TypeVar("W", bound="BaseUnitOfWork")
W_co = TypeVar("W_co", bound="BaseUnitOfWork", covariant=True)
R = TypeVar("R")
Failures = dict[str, BaseException]
Handler = Callable[[W, IncomingEvent[Any]], Any]
# After this many handlers failed inside one batch, the rest run one at a time: a queue full of
# poison must not cost a transaction per event per failure.
MAX_BATCH_RETRIES = 3


class MemberFailed(Exception):
    """One event's handler failed inside a batch; the batch's transaction is rolled back."""

    def __init__(self, event: IncomingEvent[Any], error: BaseException) -> None:
        super().__init__(f"{event.event_type} {event.event_id}: {type(error).__name__}")
        self.event = event
        self.error = error


class OpensUnitsOfWork(Protocol[W_co]):
    """A real `DatabaseAccess` or the fake one of chassis testing: what handlers may type."""

    def unit_of_work(
        self,
        *,
        office_id: str,
        actor: Actor | None = None,
        cause: IncomingEvent[Any] | None = None,
        claim: bool = True,
        correlation_id: str | None = None,
    ) -> AbstractContextManager[W_co]: ...


class ConsumesBatches(OpensUnitsOfWork[W_co], Protocol[W_co]):
    """A real `DatabaseAccess` or the fake one: units of work, and batches of events."""

    def consume_batch(
        self,
        events: list[IncomingEvent[Any]],
        handler: Callable[[Any, IncomingEvent[Any]], Any],
        *,
        claim: bool = True,
    ) -> Failures:
        """Run `handler` for every event; the errors of those that failed, by event id."""


class ConsumesTogether(OpensUnitsOfWork[W_co], Protocol[W_co]):
    def consume_together(
        self,
        events: Sequence[IncomingEvent[Any]],
        handler: Callable[[Any, Any], Any],
        *,
        claim: bool = True,
    ) -> None:
        """Run every event's handler in one transaction, or raise (`MemberFailed` if one
        handler failed) having committed none of them."""


def consume(
    db: OpensUnitsOfWork[W],
    event: IncomingEvent[Any],
    handler: Callable[[W, IncomingEvent[Any]], R],
    *,
    claim: bool = True,
) -> R | None:
    """Run an event handler in the event's office, then commit.

    The unit of work claims the inbox first; a redelivered event is skipped (None). A
    unique-key clash (another worker created the same row at the same moment) runs the handler
    again, which then sees that row. Handlers never open units of work themselves. With
    `claim=False`, a later step of work the event already started: no inbox claim.
    """

    def attempt() -> R | None:
        with db.unit_of_work(office_id=event.office_id, cause=event, claim=claim) as uow:
            if uow.already_handled:
                return None
            result = handler(uow, event)
            uow.commit()
            return result

    return retrying_conflicts(attempt)


def consume_each(
    db: OpensUnitsOfWork[W],
    events: Sequence[IncomingEvent[Any]],
    handler: Handler[W],
    *,
    claim: bool = True,
) -> Failures:
    """Every event in a unit of work of its own; the errors of those that failed, by event id."""
    failures: Failures = {}
    for event in events:
        try:
            consume(db, event, handler, claim=claim)
        except Exception as exc:
            failures[event.event_id] = exc
    return failures


def consume_batch(
    db: ConsumesTogether[W],
    events: Sequence[IncomingEvent[Any]],
    handler: Handler[W],
    *,
    claim: bool = True,
) -> Failures:
    """Run `handler` for every event (each event once: the entrypoint drops a second copy),
    as few transactions as possible; returns the errors of the events that failed (their
    neighbours are committed), by event id.

    Events are taken office by office (stable within an office, so each office's events keep
    their order): fewer tenant switches, and every batch takes offices' locks in one order, so
    two batches cannot wait on each other. A database that is away fails the whole batch
    (raised): that says nothing about any one event, and every event is retried.
    """
    together = sorted(events, key=lambda event: event.office_id)
    alone: list[IncomingEvent[Any]] = []
    retries = 0
    while len(together) > 1 and retries < MAX_BATCH_RETRIES:
        try:
            db.consume_together(together, handler, claim=claim)
            together = []
        except MemberFailed as failed:
            if is_transient(failed.error):
                raise failed.error from None
            together.remove(failed.event)
            alone.append(failed.event)
            retries += 1
        except Exception as exc:
            if is_transient(exc):
                raise
            # The commit failed and names no event: find it by running each on its own.
            break
    return consume_each(db, [*together, *alone], handler, claim=claim)
