"""Cases' service layer: each handler runs in one unit of work."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Table, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

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
from services.cases.domain.routing import ROUND_ROBIN, RosterMember, next_in_rotation
from services.cases.models import Base, Case, ReferenceCounter, StaffMember, TimelineEntry
from services.chassis.db import DatabaseAccess, IncomingEvent, UnitOfWork, utcnow
from services.chassis.errors import NotFound, TransientError
from services.chassis.observability import service_metric
from services.contracts import CASE_ASSIGNED, CASE_OPENED

CONSUMER = "cases"
# A unique-key clash means another worker got there first: try again and find its row.
ATTEMPTS = 3

CASES_OPENED = service_metric("counter", "cases", "opened_total", "Cases opened")
ASSIGNMENTS = service_metric(
    "counter", "cases", "assignments_total", "Cases assigned to a caseworker", ["method"]
)
ASSIGNMENTS.labels(ROUND_ROBIN)  # scraped as 0 before the first assignment, not absent

T = TypeVar("T")


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


def _retrying_conflicts(attempt: Callable[[], T]) -> T:
    for number in range(1, ATTEMPTS + 1):
        try:
            return attempt()
        except IntegrityError:
            if number == ATTEMPTS:
                raise
    raise AssertionError("unreachable")


def open_case(db: DatabaseAccess, event: IncomingEvent) -> None:
    """One case per submission: the inbox stops a redelivery, the unique key a re-publish."""

    def attempt() -> OpenedCase | None:
        with db.unit_of_work(cause=event) as uow:
            opened = _open(uow, event)
            uow.commit()
            return opened

    opened = _retrying_conflicts(attempt)
    if opened is not None:
        CASES_OPENED.inc()
        if opened.assignment_method is not None:
            ASSIGNMENTS.labels(opened.assignment_method).inc()


def _open(uow: UnitOfWork, event: IncomingEvent) -> OpenedCase | None:
    if not uow.claim(event, CONSUMER):
        return None
    session = uow.session
    office_id = event.office_id
    submission = event.payload
    existing = session.scalars(
        select(Case.id).where(
            Case.office_id == office_id, Case.submission_id == submission["submission_id"]
        )
    ).first()
    if existing is not None:
        return None

    opened_at = utcnow()
    case = Case(
        id=case_id_for(office_id, submission["submission_id"]),
        office_id=office_id,
        reference=_next_reference(session, office_id, opened_at.year),
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
    )
    session.add(case)
    _note(session, case, opened_at, TimelineKind.OPENED, opened_summary(case.tracking_code))
    uow.emit(
        CASE_OPENED,
        {
            "case_id": case.id,
            "reference": case.reference,
            "submission_id": case.submission_id,
            "tracking_code": case.tracking_code,
            "constituent_id": case.constituent_id,
            "category": case.category,
            "agency_hint": case.agency_hint,
            "urgent": case.urgent,
            "opened_at": opened_at,
        },
        office_id=office_id,
    )
    assigned = _assign_round_robin(uow, case)
    return OpenedCase(ROUND_ROBIN if assigned else None)


def _next_reference(session: Session, office_id: str, year: int) -> str:
    """Take the office's next number for the year.

    The counter row is created if missing (without failing when another worker creates it at
    the same moment), then incremented in one statement: PostgreSQL holds the row lock until
    commit, so concurrent openings queue up instead of reading the same number. SQLite has a
    single writer anyway.
    """
    counters = _table(ReferenceCounter)
    session.execute(
        _insert_ignoring_conflict(session, counters).values(
            office_id=office_id, year=year, last_number=0
        )
    )
    number = session.execute(
        update(counters)
        .where(counters.c.office_id == office_id, counters.c.year == year)
        .values(last_number=counters.c.last_number + 1)
        .returning(counters.c.last_number)
    ).scalar_one()
    return format_reference(year, int(number))


def _assign_round_robin(uow: UnitOfWork, case: Case) -> bool:
    """Give the case to whoever's turn it is; leave it unassigned if nobody takes cases."""
    session = uow.session
    # Concurrent openings in one office must take turns, or two cases opened at once go to
    # the same person. The reference counter's row lock already orders them; locking the
    # roster too keeps that true whatever order the statements come in.
    roster = session.scalars(
        select(StaffMember)
        .where(StaffMember.office_id == case.office_id)
        .order_by(StaffMember.user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    chosen = next_in_rotation(
        RosterMember(row.user_id, row.display_name, row.role, row.last_assigned_at)
        for row in roster
    )
    if chosen is None:
        return False
    assigned_at = utcnow()
    member = next(row for row in roster if row.user_id == chosen.user_id)
    member.last_assigned_at = assigned_at
    case.assigned_to_id = member.user_id
    case.assigned_to_name = member.display_name
    case.assigned_at = assigned_at
    _note(
        session,
        case,
        assigned_at,
        TimelineKind.ASSIGNED,
        assigned_summary(member.display_name, ROUND_ROBIN),
    )
    uow.emit(
        CASE_ASSIGNED,
        {
            "case_id": case.id,
            "caseworker_id": member.user_id,
            "caseworker_name": member.display_name,
            "method": ROUND_ROBIN,
            "assigned_at": assigned_at,
        },
        office_id=case.office_id,
    )
    return True


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

    _retrying_conflicts(attempt)


def record_agency_suggestion(db: DatabaseAccess, event: IncomingEvent) -> None:
    with db.unit_of_work(cause=event) as uow:
        if not uow.claim(event, CONSUMER):
            return
        suggestion = event.payload
        case = _case_for_event(uow.session, event)
        case.agency_code = suggestion["agency_code"]
        case.agency_name = suggestion["agency_name"]
        # When the case learned of it: a suggestion that overtook its case must not be dated
        # before the case opened.
        _note(
            uow.session,
            case,
            utcnow(),
            TimelineKind.AGENCY_SUGGESTED,
            agency_suggested_summary(suggestion["agency_code"], suggestion["agency_name"]),
        )
        uow.commit()


def record_acknowledgement(db: DatabaseAccess, event: IncomingEvent) -> None:
    with db.unit_of_work(cause=event) as uow:
        if not uow.claim(event, CONSUMER):
            return
        case = _case_for_event(uow.session, event)
        _note(
            uow.session,
            case,
            event.payload["sent_at"],
            TimelineKind.ACKNOWLEDGEMENT_SENT,
            acknowledgement_summary(event.payload["channel"]),
        )
        uow.commit()


def _case_for_event(session: Session, event: IncomingEvent) -> Case:
    """The case an event is about; if it is not here yet the events crossed: retry later."""
    case = session.scalars(
        select(Case).where(Case.office_id == event.office_id, Case.id == event.payload["case_id"])
    ).first()
    if case is None:
        raise TransientError(f"{event.event_type} arrived before its case was opened")
    return case


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


def _note(session: Session, case: Case, at: datetime, kind: TimelineKind, summary: str) -> None:
    session.add(
        TimelineEntry(
            office_id=case.office_id, case_id=case.id, at=at, kind=kind.value, summary=summary
        )
    )


def _table(model: type[Base]) -> Table:
    return Base.metadata.tables[model.__tablename__]


def _insert_ignoring_conflict(session: Session, table: Table) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).on_conflict_do_nothing()
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table).on_conflict_do_nothing()
