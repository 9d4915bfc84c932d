"""Agencies' nameko entrypoints: load the arguments with the contract, call the handler as
the caller from the RPC context, dump the answer. Events feed the projections and clocks; a
timer announces overdue inquiries."""

from __future__ import annotations

from functools import partial
from typing import Any

from nameko.timer import timer

from services.agencies import handlers
from services.agencies.entrypoints import directory as directory_rpc
from services.agencies.entrypoints import letters as letter_rpc
from services.agencies.mailer import LetterMailer
from services.agencies.models import Base
from services.agencies.repository import AgenciesUnitOfWork
from services.chassis.caller import RpcCaller
from services.chassis.config import env_int
from services.chassis.consuming import Failures
from services.chassis.events import IncomingEvent
from services.chassis.messaging import event_handler
from services.chassis.remote import DeadlineRpc
from services.chassis.service import Database, ServiceBase
from services.contracts import (
    CASE_CLOSED,
    CASE_OPENED,
    CASE_STATUS_CHANGED,
    OFFICE_REGISTERED,
    PRIVACY_RELEASE_REVOKED,
    PRIVACY_RELEASE_SIGNED,
    CaseOpened,
)

OVERDUE_SECONDS = env_int("CASEWORK_AGENCIES_OVERDUE_SECONDS", 60)


# The mixins are reached through their modules: `nameko run` starts every class with
# entrypoints that this module names, and each of them is only a part of this one service.
class AgenciesService(
    directory_rpc.DirectoryEntrypoints, letter_rpc.LetterEntrypoints, ServiceBase
):
    name = "agencies"
    db = Database(Base.metadata, unit_of_work=AgenciesUnitOfWork)
    caller: Any = RpcCaller()  # a worker sees the Caller it provides
    cases = DeadlineRpc("cases")
    intake = DeadlineRpc("intake")
    mailer: Any = LetterMailer()

    # -- events and the timer ---------------------------------------------------------------

    @event_handler(CASE_OPENED)
    def suggest_for_opened_case(self, events: list[IncomingEvent[CaseOpened]]) -> Failures:
        # Reference data for every office: read as platform work (cached for a minute) once
        # for the batch, before the cases' offices' units of work open.
        directory = handlers.current_directory(self.db)
        return self.db.consume_batch(events, partial(handlers.record_opened_case, directory))

    @event_handler(PRIVACY_RELEASE_SIGNED)
    def record_release_signed(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, handlers.record_release_signed)

    @event_handler(PRIVACY_RELEASE_REVOKED)
    def record_release_revoked(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, handlers.record_release_revoked)

    @event_handler(CASE_STATUS_CHANGED)
    def record_case_status_changed(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, handlers.record_status_changed)

    @event_handler(CASE_CLOSED)
    def record_case_closed(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, handlers.record_case_closed)

    @event_handler(OFFICE_REGISTERED)
    def record_office_registered(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, handlers.record_office_registered)

    @timer(interval=OVERDUE_SECONDS)
    def announce_overdue_inquiries(self) -> None:
        handlers.detect_overdue(self.db)
