"""A case as a row of `cases` and back: the columns a case's methods change, and the JSON
text its tags and outcome's list are kept in."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.engine import Row

from services.cases.domain.case import (
    Case,
    CaseAttachment,
    CaseStatus,
    Outcome,
    TimelineKind,
    TimelineNote,
)

State = dict[str, Any]


def tags_text(tags: tuple[str, ...]) -> str:
    return json.dumps(list(tags))


def tag_pattern(tag: str) -> str:
    """What the tags' JSON holds when a case has `tag` (a tag never holds a quote)."""
    return json.dumps(tag)


def state(case: Case) -> State:
    """The columns a case's methods can change, as stored."""
    outcome = case.outcome
    return {
        "status": case.status.value,
        "assigned_to_id": case.assigned_to_id,
        "assigned_to_name": case.assigned_to_name,
        "assigned_at": case.assigned_at,
        "agency_code": case.agency_code,
        "agency_name": case.agency_name,
        "urgent": case.urgent,
        "priority": case.priority,
        "tags": tags_text(case.tags),
        "due_on": case.due_on,
        "updated_at": case.updated_at,
        "closed_at": case.closed_at,
        "outcome_result": outcome.result if outcome else None,
        "outcome_obtained": json.dumps(list(outcome.obtained)) if outcome else None,
        "outcome_amount_minor": outcome.amount_minor if outcome else None,
        "outcome_currency": outcome.currency if outcome else None,
        "outcome_text": outcome.text if outcome else None,
    }


def new_row(case: Case) -> State:
    """Every column of a case being added."""
    return {
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
        "opened_at": case.opened_at,
        "contact_email": case.contact_email,
        "preferred_language": case.preferred_language,
        "channel": case.channel,
        **state(case),
    }


def note_row(office_id: str, case_id: str, note: TimelineNote) -> State:
    return {
        "office_id": office_id,
        "case_id": case_id,
        "at": note.at,
        "kind": note.kind.value,
        "summary": note.summary,
        "author_id": note.author_id,
        "author_name": note.author_name,
        "visibility": note.visibility,
        "body": note.body,
    }


def note_from(row: Row[Any]) -> TimelineNote:
    return TimelineNote(
        row.at,
        TimelineKind(row.kind),
        row.summary,
        row.author_id,
        row.author_name,
        row.visibility,
        row.body,
    )


def attachment_row(office_id: str, case_id: str, attachment: CaseAttachment) -> State:
    return {
        "office_id": office_id,
        "attachment_id": attachment.attachment_id,
        "case_id": case_id,
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size_bytes": attachment.size_bytes,
        "sha256": attachment.sha256,
    }


def attachment_from(row: Row[Any]) -> CaseAttachment:
    return CaseAttachment(
        row.attachment_id, row.filename, row.content_type, row.size_bytes, row.sha256
    )


def case_from(row: Row[Any], timeline: list[TimelineNote] | None = None) -> Case:
    outcome = None
    if row.outcome_result is not None:
        outcome = Outcome(
            row.outcome_result,
            tuple(json.loads(row.outcome_obtained or "[]")),
            row.outcome_amount_minor,
            row.outcome_currency,
            row.outcome_text or "",
        )
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
        priority=row.priority,
        tags=tuple(json.loads(row.tags or "[]")),
        due_on=row.due_on,
        updated_at=row.updated_at,
        closed_at=row.closed_at,
        outcome=outcome,
        contact_email=row.contact_email,
        preferred_language=row.preferred_language,
        channel=row.channel,
        timeline=timeline or [],
    )
