"""How a database, the real one (`uow.DatabaseAccess`) or the fake of chassis testing
(`fakes.FakeDatabase`), opens one office's unit of work and runs an event handler in it: one
place, so the fake cannot drift from what the real one does."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any, Generic, TypeVar

from services.chassis.consuming import consume
from services.chassis.domain import Actor
from services.chassis.events import IncomingEvent
from services.chassis.inbox import claim_cause
from services.chassis.unit_of_work import BaseUnitOfWork, work_identity

W = TypeVar("W", bound=BaseUnitOfWork)
R = TypeVar("R")


class OpensOfficeWork(ABC, Generic[W]):
    """Units of work bound to one office, and the consume wrapper over them; a subclass says
    how a unit of work is made and let go of (`_opened`)."""

    service: str

    @contextmanager
    def unit_of_work(
        self,
        *,
        office_id: str,
        actor: Actor | None = None,
        cause: IncomingEvent[Any] | None = None,
        claim: bool = True,
        correlation_id: str | None = None,
    ) -> Iterator[W]:
        """Commit explicitly with `uow.commit()`; anything left uncommitted is rolled back.

        With an event as `cause`, the inbox is claimed for this service first (unless
        `claim=False`: a later step of work the event already started) and
        `uow.already_handled` says whether it had been.
        """
        with self._opened(work_identity(office_id, actor, cause, correlation_id)) as uow:
            try:
                claim_cause(uow, cause if claim else None, self.service)
                yield uow
            except BaseException:
                uow.rollback()
                raise

    @abstractmethod
    def _opened(self, identity: dict[str, Any]) -> AbstractContextManager[W]:
        """A new unit of work for `identity` (office, actor, cause), let go of on leaving."""

    def consume(
        self,
        event: IncomingEvent[Any],
        handler: Callable[[W, IncomingEvent[Any]], R],
        *,
        claim: bool = True,
    ) -> R | None:
        """Run an event handler in the event's office: claim, handle, commit (see `consume`)."""
        return consume(self, event, handler, claim=claim)
