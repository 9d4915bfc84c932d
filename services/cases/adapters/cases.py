"""The office's cases and their timelines in the database: prebuilt statements, each scoped by
the unit of work's office."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.engine import Row

from services.cases.domain.case import UNFINISHED, Case, CaseStatus, TimelineKind, TimelineNote
from services.cases.domain.queue import CasePage, CaseQuery
from services.cases.models import Base
from services.chassis.uow import UnitOfWork

CASES = Base.metadata.tables["cases"]
TIMELINE = Base.metadata.tables["case_timeline"]

# Built once: the statement cache keys them, so each compiles a single time. A bare
# Table.insert() executed with parameter dicts compiles once too (and several notes go as one
# executemany round trip), where .values(...) would build a new statement every time.
INSERT_CASE = CASES.insert()
INSERT_NOTES = TIMELINE.insert()
IN_OFFICE = CASES.c.office_id == bindparam("office_id")
CASE = select(CASES).where(IN_OFFICE, CASES.c.id == bindparam("case_id"))
NOTES = (
    select(TIMELINE.c.at, TIMELINE.c.kind, TIMELINE.c.summary)
    .where(
        TIMELINE.c.office_id == bindparam("office_id"), TIMELINE.c.case_id == bindparam("case_id")
    )
    .order_by(TIMELINE.c.at, TIMELINE.c.id)
)
AWAITING_CASEWORKER = (
    select(CASES)
    .where(IN_OFFICE, CASES.c.assigned_to_id.is_(None), CASES.c.status.in_(UNFINISHED))
    .order_by(CASES.c.opened_at, CASES.c.reference)
)
# What a case's methods change; the SET clause is the parameters' column names.
UPDATE_CASE = CASES.update().where(
    CASES.c.office_id == bindparam("in_office"), CASES.c.id == bindparam("case")
)

State = dict[str, Any]


def _state(case: Case) -> State:
    return {
        "status": case.status.value,
        "assigned_to_id": case.assigned_to_id,
        "assigned_to_name": case.assigned_to_name,
        "assigned_at": case.assigned_at,
        "agency_code": case.agency_code,
        "agency_name": case.agency_name,
    }


class SqlCaseRepository:
    """Cases handed out or added are tracked; `flush` (on commit) writes what their methods
    changed: one UPDATE of the columns that changed, one INSERT of the notes they added."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow
        self._tracked: dict[str, tuple[Case, State, int]] = {}

    def add(self, case: Case) -> None:
        assert case.office_id == self._uow.office_id, "a case belongs to its unit of work's office"
        session = self._uow.session
        session.execute(
            INSERT_CASE,
            {
                "id": case.case_id,
                "office_id": case.office_id,
                "reference": case.reference,
                "submission_id": case.submission_id,
                "tracking_code": case.tracking_code,
                "constituent_id": case.constituent_id,
                "constituent_name": case.constituent_name,
                "subject": case.subject,
                "category": case.category,
                "agency_hint": case.agency_hint,
                "urgent": case.urgent,
                "status": case.status.value,
                "opened_at": case.opened_at,
                "assigned_to_id": case.assigned_to_id,
                "assigned_to_name": case.assigned_to_name,
                "assigned_at": case.assigned_at,
                "agency_code": case.agency_code,
                "agency_name": case.agency_name,
            },
        )
        self._write_notes(case, case.timeline)
        self._track(case)

    def get(self, case_id: str) -> Case | None:
        row = self._uow.session.execute(CASE, self._params(case_id=case_id)).first()
        return None if row is None else self._track(_case_from(row))

    def get_with_timeline(self, case_id: str) -> Case | None:
        row = self._uow.session.execute(CASE, self._params(case_id=case_id)).first()
        if row is None:
            return None
        timeline = [
            TimelineNote(note.at, TimelineKind(note.kind), note.summary)
            for note in self._uow.session.execute(NOTES, self._params(case_id=case_id))
        ]
        return self._track(_case_from(row, timeline))

    def awaiting_caseworker(self) -> list[Case]:
        rows = self._uow.session.execute(AWAITING_CASEWORKER, self._params())
        return [self._track(_case_from(row)) for row in rows]

    def page(self, query: CaseQuery) -> CasePage:
        conditions: list[Any] = [CASES.c.office_id == self._uow.office_id]
        if query.status is not None:
            conditions.append(CASES.c.status == query.status.value)
        if query.assigned_to is not None:
            conditions.append(CASES.c.assigned_to_id == query.assigned_to)
        session = self._uow.session
        total = session.execute(
            select(func.count()).select_from(CASES).where(*conditions)
        ).scalar_one()
        rows = session.execute(
            select(CASES)
            .where(*conditions)
            .order_by(CASES.c.opened_at.desc(), CASES.c.reference.desc())
            .limit(query.limit)
            .offset(query.offset)
        )
        return CasePage(cases=[_case_from(row) for row in rows], total=int(total))

    def flush(self) -> None:
        for case_id, (case, state, written) in list(self._tracked.items()):
            now = _state(case)
            # Only what changed: a concurrent unit of work may have changed the rest since this
            # one read it (an agency suggestion must not undo an assignment).
            changed = {column: value for column, value in now.items() if state[column] != value}
            if changed:
                self._uow.session.execute(
                    UPDATE_CASE, {"in_office": self._uow.office_id, "case": case_id, **changed}
                )
            self._write_notes(case, case.timeline[written:])
            self._tracked[case_id] = (case, _state(case), len(case.timeline))

    def _track(self, case: Case) -> Case:
        """One object per case in a unit of work, so no change is lost to a second copy."""
        if case.case_id in self._tracked:
            return self._tracked[case.case_id][0]
        self._tracked[case.case_id] = (case, _state(case), len(case.timeline))
        return self._uow.track(case)

    def _write_notes(self, case: Case, notes: list[TimelineNote]) -> None:
        if not notes:
            return
        self._uow.session.execute(
            INSERT_NOTES,
            [
                {
                    "office_id": self._uow.office_id,
                    "case_id": case.case_id,
                    "at": note.at,
                    "kind": note.kind.value,
                    "summary": note.summary,
                }
                for note in notes
            ],
        )

    def _params(self, **params: Any) -> dict[str, Any]:
        return {"office_id": self._uow.office_id, **params}


def _case_from(row: Row[Any], timeline: list[TimelineNote] | None = None) -> Case:
    return Case(
        case_id=row.id,
        office_id=row.office_id,
        reference=row.reference,
        submission_id=row.submission_id,
        tracking_code=row.tracking_code,
        constituent_id=row.constituent_id,
        constituent_name=row.constituent_name,
        subject=row.subject,
        category=row.category,
        agency_hint=row.agency_hint,
        urgent=row.urgent,
        opened_at=row.opened_at,
        status=CaseStatus(row.status),
        assigned_to_id=row.assigned_to_id,
        assigned_to_name=row.assigned_to_name,
        assigned_at=row.assigned_at,
        agency_code=row.agency_code,
        agency_name=row.agency_name,
        timeline=timeline or [],
    )
