"""Cases' service layer: each handler runs in one unit of work."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, Table, func, insert, literal, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, selectinload

from services.cases.allocation import (
    Allocation,
    take_turn_apart,
    take_turn_inline,
)
from services.cases.domain.cases import (
    CaseQuery,
    CaseStatus,
    TimelineKind,
    acknowledgement_summary,
    agency_suggested_summary,
    assigned_summary,
    case_id_for,
    format_reference,
    opened_summary,
)
from services.cases.domain.routing import ROUND_ROBIN
from services.cases.models import Base, Case, StaffMember, TimelineEntry
from services.chassis.db import (
    DatabaseAccess,
    IncomingEvent,
    UnitOfWork,
    UTCDateTime,
    retrying_conflicts,
    utcnow,
)
from services.chassis.errors import NotFound, TransientError
from services.chassis.observability import service_metric
from services.contracts import CASE_ASSIGNED, CASE_OPENED

CONSUMER = "cases"

CASES_OPENED = service_metric("counter", "cases", "opened_total", "Cases opened")
ASSIGNMENTS = service_metric(
    "counter", "cases", "assignments_total", "Cases assigned to a caseworker", ["method"]
)
ASSIGNMENTS.labels(ROUND_ROBIN)  # scraped as 0 before the first assignment, not absent


@dataclass(frozen=True)
class Reader:
    """Who reads case content, for the audit log: a staff user id, or "system"."""

    actor: str
    origin: str | None = None


@dataclass(frozen=True)
class CasePage:
    cases: Sequence[Case]
    total: int


@dataclass(frozen=True)
class OpenedCase:
    assignment_method: str | None


def open_case(db: DatabaseAccess, event: IncomingEvent) -> None:
    """One case per submission: the inbox stops a redelivery, the unique key a re-publish."""

    def attempt() -> OpenedCase | None:
        with db.unit_of_work(cause=event) as uow:
            opened = _open(uow, event)
            uow.commit()
            return opened

    opened = retrying_conflicts(attempt)
    if opened is not None:
        CASES_OPENED.inc()
        if opened.assignment_method is not None:
            ASSIGNMENTS.labels(opened.assignment_method).inc()


def _open(uow: UnitOfWork, event: IncomingEvent) -> OpenedCase | None:
    session = uow.session
    office_id = event.office_id
    submission = event.payload
    opened_at = utcnow()
    allocation: Allocation | None
    bind = session.get_bind()
    if isinstance(bind, Engine) and bind.dialect.name == "postgresql":
        # Before this unit of work's first statement, so the worker holds one connection at a
        # time; see take_turn_apart for what a failure after this point leaves behind.
        allocation = take_turn_apart(
            bind,
            event_id=event.event_id,
            consumer=CONSUMER,
            office_id=office_id,
            submission_id=submission["submission_id"],
            now=opened_at,
        )
        if not uow.claim(event, CONSUMER) or allocation is None:
            return None
    else:
        if not uow.claim(event, CONSUMER) or _has_case(uow, office_id, submission):
            return None
        allocation = take_turn_inline(session, office_id, opened_at)

    cases = _table(Case)
    case_id = case_id_for(office_id, submission["submission_id"])
    reference = format_reference(opened_at.year, allocation.number)
    turn = allocation.turn
    # A plain INSERT: the dialects' ON CONFLICT forms are compiled afresh for every statement,
    # and a clash (the same submission announced twice at once) is retried and found.
    session.execute(
        insert(cases).values(
            id=case_id,
            office_id=office_id,
            reference=reference,
            submission_id=submission["submission_id"],
            tracking_code=submission["tracking_code"],
            constituent_id=submission["constituent_id"],
            constituent_name=submission["constituent_name"],
            subject=submission["subject"],
            category=submission["category"],
            agency_hint=submission["agency_hint"],
            urgent=submission["urgent"],
            status=CaseStatus.OPEN.value,
            opened_at=opened_at,
            assigned_to_id=turn.user_id if turn else None,
            assigned_to_name=turn.display_name if turn else None,
            assigned_at=turn.assigned_at if turn else None,
        )
    )
    notes = [(opened_at, TimelineKind.OPENED, opened_summary(submission["tracking_code"]))]
    if turn is not None:
        notes.append(
            (
                turn.assigned_at,
                TimelineKind.ASSIGNED,
                assigned_summary(turn.display_name, ROUND_ROBIN),
            )
        )
    _note(session, office_id, case_id, *notes)
    uow.emit(
        CASE_OPENED,
        {
            "case_id": case_id,
            "reference": reference,
            "submission_id": submission["submission_id"],
            "tracking_code": submission["tracking_code"],
            "constituent_id": submission["constituent_id"],
            "category": submission["category"],
            "agency_hint": submission["agency_hint"],
            "urgent": submission["urgent"],
            "opened_at": opened_at,
        },
        office_id=office_id,
    )
    if turn is None:
        return OpenedCase(None)
    uow.emit(
        CASE_ASSIGNED,
        {
            "case_id": case_id,
            "caseworker_id": turn.user_id,
            "caseworker_name": turn.display_name,
            "method": ROUND_ROBIN,
            "assigned_at": turn.assigned_at,
        },
        office_id=office_id,
    )
    return OpenedCase(ROUND_ROBIN)


def _has_case(uow: UnitOfWork, office_id: str, submission: dict[str, Any]) -> bool:
    existing = uow.session.execute(
        select(Case.id).where(
            Case.office_id == office_id, Case.submission_id == submission["submission_id"]
        )
    ).first()
    return existing is not None


def record_staff_member(db: DatabaseAccess, event: IncomingEvent) -> None:
    """Add the member to the office's roster, or apply their new name and role."""

    def attempt() -> None:
        with db.unit_of_work(cause=event) as uow:
            if not uow.claim(event, CONSUMER):
                return
            staff = event.payload
            member = uow.session.get(StaffMember, (event.office_id, staff["user_id"]))
            if member is None:
                uow.session.add(
                    StaffMember(
                        office_id=event.office_id,
                        user_id=staff["user_id"],
                        display_name=staff["display_name"],
                        role=staff["role"],
                        updated_at=event.occurred_at,
                        last_assigned_at=None,
                    )
                )
            elif member.updated_at <= event.occurred_at:
                member.display_name = staff["display_name"]
                member.role = staff["role"]
                member.updated_at = event.occurred_at
            uow.commit()

    retrying_conflicts(attempt)


def record_agency_suggestion(db: DatabaseAccess, event: IncomingEvent) -> None:
    with db.unit_of_work(cause=event) as uow:
        if not uow.claim(event, CONSUMER):
            return
        suggestion = event.payload
        cases = _table(Case)
        updated = uow.session.execute(
            update(cases)
            .where(cases.c.office_id == event.office_id, cases.c.id == suggestion["case_id"])
            .values(agency_code=suggestion["agency_code"], agency_name=suggestion["agency_name"])
        )
        if not updated.rowcount:  # type: ignore[attr-defined]
            raise _crossed(event)
        # When the case learned of it: a suggestion that overtook its case must not be dated
        # before the case opened.
        _note(
            uow.session,
            event.office_id,
            suggestion["case_id"],
            (
                utcnow(),
                TimelineKind.AGENCY_SUGGESTED,
                agency_suggested_summary(suggestion["agency_code"], suggestion["agency_name"]),
            ),
        )
        uow.commit()


def record_acknowledgement(db: DatabaseAccess, event: IncomingEvent) -> None:
    """One statement besides the inbox mark: the note is written only if the case is here."""
    with db.unit_of_work(cause=event) as uow:
        if not uow.claim(event, CONSUMER):
            return
        cases = _table(Case)
        timeline = _table(TimelineEntry)
        at = event.payload["sent_at"]
        summary = acknowledgement_summary(event.payload["channel"])
        added = uow.session.execute(
            insert(timeline).from_select(
                ["office_id", "case_id", "at", "kind", "summary"],
                select(
                    cases.c.office_id,
                    cases.c.id,
                    literal(at, UTCDateTime()),
                    literal(TimelineKind.ACKNOWLEDGEMENT_SENT.value, String()),
                    literal(summary, String()),
                ).where(
                    cases.c.office_id == event.office_id, cases.c.id == event.payload["case_id"]
                ),
            )
        )
        if not added.rowcount:  # type: ignore[attr-defined]
            raise _crossed(event)
        uow.commit()


def _crossed(event: IncomingEvent) -> TransientError:
    """An event about a case that is not here yet: the events crossed, so retry later."""
    return TransientError(f"{event.event_type} arrived before its case was opened")


def list_cases(db: DatabaseAccess, office_id: str, query: CaseQuery, reader: Reader) -> CasePage:
    """A page of the office's cases, newest first; every case shown is audited."""
    conditions: list[Any] = [Case.office_id == office_id]
    if query.status is not None:
        conditions.append(Case.status == query.status.value)
    if query.assigned_to is not None:
        conditions.append(Case.assigned_to_id == query.assigned_to)
    with db.unit_of_work() as uow:
        total = uow.session.execute(
            select(func.count()).select_from(Case).where(*conditions)
        ).scalar_one()
        cases = uow.session.scalars(
            select(Case)
            .where(*conditions)
            .order_by(Case.opened_at.desc(), Case.reference.desc())
            .limit(query.limit)
            .offset(query.offset)
        ).all()
        for case in cases:
            _audit_read(uow, case, reader, "case.listed")
        uow.commit()
    return CasePage(cases=cases, total=int(total))


def get_case(db: DatabaseAccess, office_id: str, case_id: str, reader: Reader) -> Case:
    """The case with its timeline; another office's case does not exist as far as you know."""
    with db.unit_of_work() as uow:
        case = uow.session.scalars(
            select(Case)
            .where(Case.office_id == office_id, Case.id == case_id)
            .options(selectinload(Case.timeline))
        ).first()
        if case is None:
            raise NotFound(f"there is no case {case_id} in office {office_id}")
        _audit_read(uow, case, reader, "case.viewed")
        uow.commit()
    return case


def _audit_read(uow: UnitOfWork, case: Case, reader: Reader, action: str) -> None:
    uow.audit(
        office_id=case.office_id,
        actor=reader.actor,
        action=action,
        subject_type="case",
        subject_id=case.id,
        origin=reader.origin,
    )


def _note(
    session: Session, office_id: str, case_id: str, *notes: tuple[datetime, TimelineKind, str]
) -> None:
    """Add to a case's timeline. Several notes go as one executemany (one round trip, and
    unlike a multi-row VALUES its compiled form is cached)."""
    session.execute(
        insert(_table(TimelineEntry)),
        [
            {
                "office_id": office_id,
                "case_id": case_id,
                "at": at,
                "kind": kind.value,
                "summary": summary,
            }
            for at, kind, summary in notes
        ],
    )


def _table(model: type[Base]) -> Table:
    return Base.metadata.tables[model.__tablename__]
