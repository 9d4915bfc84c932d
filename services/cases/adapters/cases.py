"""The office's cases and their timelines in the database: prebuilt statements, each scoped by
the unit of work's office."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, select
from sqlalchemy import case as when
from sqlalchemy.engine import Row

from services.cases.adapters.case_rows import (
    State,
    attachment_from,
    attachment_row,
    case_from,
    new_row,
    note_from,
    note_row,
    state,
    tag_pattern,
)
from services.cases.domain.case import UNFINISHED, Case, CaseAttachment, TimelineNote
from services.cases.domain.queue import CasePage, CaseQuery
from services.cases.domain.workload import AgeBuckets, AssigneeCount, bucket_cutoffs
from services.cases.models import Base
from services.chassis.repository import OfficeScopedRepository
from services.chassis.uow import UnitOfWork

CASES = Base.metadata.tables["cases"]
TIMELINE = Base.metadata.tables["case_timeline"]
ATTACHMENTS = Base.metadata.tables["case_attachments"]

# Built once: the statement cache keys them, so each compiles a single time. A bare
# Table.insert() executed with parameter dicts compiles once too (and several notes go as one
# executemany round trip), where .values(...) would build a new statement every time.
INSERT_CASE = CASES.insert()
INSERT_NOTES = TIMELINE.insert()
INSERT_ATTACHMENTS = ATTACHMENTS.insert()
IN_OFFICE = CASES.c.office_id == bindparam("office_id")
CASE = select(CASES).where(IN_OFFICE, CASES.c.id == bindparam("case_id"))
CASE_BY_REFERENCE = select(CASES).where(IN_OFFICE, CASES.c.reference == bindparam("reference"))
NOTES = (
    select(TIMELINE)
    .where(
        TIMELINE.c.office_id == bindparam("office_id"), TIMELINE.c.case_id == bindparam("case_id")
    )
    .order_by(TIMELINE.c.at, TIMELINE.c.id)
)
ATTACHMENTS_OF_CASE = (
    select(ATTACHMENTS)
    .where(
        ATTACHMENTS.c.office_id == bindparam("office_id"),
        ATTACHMENTS.c.case_id == bindparam("case_id"),
    )
    .order_by(ATTACHMENTS.c.filename, ATTACHMENTS.c.attachment_id)
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


def _opened_after(name: str) -> Any:
    return when((CASES.c.opened_at > bindparam(name), 1), else_=0)


# Active cases per assignee by age: one pass over the office's active cases.
WORKLOAD = (
    select(
        CASES.c.assigned_to_id,
        func.max(CASES.c.assigned_to_name).label("name"),
        func.count().label("total"),
        func.sum(_opened_after("under_7")).label("under_7"),
        func.sum(_opened_after("under_30")).label("under_30"),
        func.sum(_opened_after("under_90")).label("under_90"),
    )
    .where(IN_OFFICE, CASES.c.status.in_(UNFINISHED))
    .group_by(CASES.c.assigned_to_id)
)


def _conditions(query: CaseQuery) -> list[Any]:
    conditions: list[Any] = []
    if query.status is not None:
        conditions.append(CASES.c.status == query.status.value)
    if query.active or query.overdue:
        conditions.append(CASES.c.status.in_(UNFINISHED))
    if query.assigned_to is not None:
        conditions.append(CASES.c.assigned_to_id == query.assigned_to)
    if query.unassigned:
        conditions.append(CASES.c.assigned_to_id.is_(None))
    if query.category is not None:
        conditions.append(CASES.c.category == query.category)
    if query.agency is not None:
        conditions.append(func.coalesce(CASES.c.agency_code, CASES.c.agency_hint) == query.agency)
    if query.priority is not None:
        conditions.append(CASES.c.priority == query.priority)
    if query.tag is not None:
        conditions.append(CASES.c.tags.contains(tag_pattern(query.tag), autoescape=True))
    if query.overdue and query.today is not None:
        conditions.append(and_(CASES.c.due_on.is_not(None), CASES.c.due_on < query.today))
    return conditions


class SqlCaseRepository(OfficeScopedRepository):
    """Cases handed out or added are tracked; `flush` (on commit) writes what their methods
    changed: one UPDATE of the columns that changed, one INSERT of the notes they added, one
    of the files they were given."""

    def __init__(self, uow: UnitOfWork) -> None:
        super().__init__(uow)
        # Each case with its state, notes and attachments as last written.
        self._tracked: dict[str, tuple[Case, State, int, int]] = {}

    def add(self, case: Case) -> None:
        assert case.office_id == self._office_id, "a case belongs to its unit of work's office"
        self._session.execute(INSERT_CASE, new_row(case))
        self._write_notes(case, case.timeline)
        self._write_attachments(case, case.attachments)
        self._track(case)

    def get(self, case_id: str) -> Case | None:
        row = self._row(CASE, case_id=case_id)
        return None if row is None else self._track(case_from(row))

    def get_with_timeline(self, case_id: str) -> Case | None:
        return self._with_timeline(CASE, case_id=case_id)

    def by_reference(self, reference: str) -> Case | None:
        """The case with its timeline, by what staff call it."""
        return self._with_timeline(CASE_BY_REFERENCE, reference=reference)

    def _with_timeline(self, statement: Select[Any], **params: Any) -> Case | None:
        row = self._row(statement, **params)
        if row is None:
            return None
        if row.id in self._tracked:
            return self._tracked[row.id][0]
        self._uow.write_held(INSERT_NOTES)
        notes = self._rows(NOTES, case_id=row.id)
        case = case_from(row, [note_from(note) for note in notes])
        attachments = self._rows(ATTACHMENTS_OF_CASE, case_id=row.id)
        case.attachments = tuple(attachment_from(attachment) for attachment in attachments)
        return self._track(case)

    def awaiting_caseworker(self) -> list[Case]:
        rows = self._rows(AWAITING_CASEWORKER)
        return [self._track(case_from(row)) for row in rows]

    def page(self, query: CaseQuery) -> CasePage:
        conditions = [CASES.c.office_id == self._office_id, *_conditions(query)]
        total = self._session.execute(
            select(func.count()).select_from(CASES).where(*conditions)
        ).scalar_one()
        rows = self._session.execute(
            select(CASES)
            .where(*conditions)
            .order_by(CASES.c.opened_at.desc(), CASES.c.reference.desc())
            .limit(query.limit)
            .offset(query.offset)
        )
        return CasePage(cases=[case_from(row) for row in rows], total=int(total))

    def workload(self, now: datetime) -> dict[str | None, AssigneeCount]:
        """The office's active cases per assignee (None: nobody) by age at `now`."""
        under_7, under_30, under_90 = bucket_cutoffs(now)
        rows = self._rows(WORKLOAD, under_7=under_7, under_30=under_30, under_90=under_90)
        return {row.assigned_to_id: _count(row) for row in rows}

    def flush(self) -> None:
        for case_id, (case, before, written, filed) in list(self._tracked.items()):
            now = state(case)
            # Only what changed: a concurrent unit of work may have changed the rest since this
            # one read it (an agency suggestion must not undo an assignment).
            changed = {column: value for column, value in now.items() if before[column] != value}
            if changed:
                self._session.execute(
                    UPDATE_CASE, {"in_office": self._office_id, "case": case_id, **changed}
                )
            self._write_notes(case, case.timeline[written:])
            self._write_attachments(case, case.attachments[filed:])
            self._tracked[case_id] = (case, state(case), len(case.timeline), len(case.attachments))

    def _track(self, case: Case) -> Case:
        """One object per case in a unit of work, so no change is lost to a second copy."""
        if case.case_id in self._tracked:
            return self._tracked[case.case_id][0]
        self._tracked[case.case_id] = (
            case,
            state(case),
            len(case.timeline),
            len(case.attachments),
        )
        return self._uow.track(case)

    def _write_notes(self, case: Case, notes: list[TimelineNote]) -> None:
        # A batch's notes go in one statement at its end: a case is read with its timeline
        # only after the notes held for it are written (`_with_timeline`).
        self._uow.insert_later(
            INSERT_NOTES, [note_row(self._office_id, case.case_id, note) for note in notes]
        )

    def _write_attachments(self, case: Case, attachments: tuple[CaseAttachment, ...]) -> None:
        if attachments:
            self._session.execute(
                INSERT_ATTACHMENTS,
                [attachment_row(self._office_id, case.case_id, a) for a in attachments],
            )


def _count(row: Row[Any]) -> AssigneeCount:
    under_7, under_30, under_90 = (int(row.under_7), int(row.under_30), int(row.under_90))
    ages = AgeBuckets(
        under_7=under_7,
        from_7_to_30=under_30 - under_7,
        from_30_to_90=under_90 - under_30,
        over_90=int(row.total) - under_90,
    )
    return AssigneeCount(row.assigned_to_id, row.name, ages)
