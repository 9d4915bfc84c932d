"""Intake's service layer for the public status page: the one-time code sent to the
constituent (or their last name and ZIP), the page itself, and the projection of cases'
events it reads (so it answers while cases is down)."""

from __future__ import annotations

from typing import Any

from services.chassis.consuming import OpensUnitsOfWork
from services.chassis.db import utcnow
from services.chassis.errors import (
    PermanentMessageError,
    ValidationFailed,
)
from services.chassis.events import IncomingEvent
from services.contracts import (
    CaseClosed,
    CaseOpened,
    CaseStatusChanged,
    OfficeRegistered,
    PublicNoteAdded,
)
from services.intake.domain.public_status import (
    NOT_MATCHED,
    WRONG_CODE,
    PublicStatus,
    PublicUpdateView,
    StatusCode,
    StatusCodeSent,
    check_name_and_zip,
)
from services.intake.handlers import (
    CONSTITUENT,
    CaseNotProjectedYet,
    normalise_tracking_code,
    owner_of,
    release_view,
)
from services.intake.uow import IntakeWork


def request_status_code(
    db: OpensUnitsOfWork[Any],
    office_id: str,
    tracking_code: str,
    *,
    correlation_id: str | None = None,
) -> StatusCodeSent | None:
    """Mail a one-time code to the request's email (None: no such request here). A request
    sent without email is opened with last name and ZIP instead."""
    code = normalise_tracking_code(tracking_code)
    if code is None:
        return None
    with db.unit_of_work(
        office_id=office_id, actor=CONSTITUENT, correlation_id=correlation_id
    ) as uow:
        found = uow.status.owner_by_tracking_code(code)
        if found is None:
            return None
        if found.owner.email is None:
            return StatusCodeSent("name_and_zip")
        now = utcnow()
        recent = len(uow.status.live_codes(found.owner.submission_id, now))
        issued, sent = StatusCode.issue(found.owner, now=now, sent_recently=recent)
        uow.status.add_code(issued)
        uow.commit()
        return sent


def verify_status_code(
    db: OpensUnitsOfWork[Any], office_id: str, tracking_code: str, code: str
) -> str:
    """The submission a right code opens; every try counts (the tries are committed even
    when the code is wrong)."""
    tracking = normalise_tracking_code(tracking_code)
    with db.unit_of_work(office_id=office_id, actor=CONSTITUENT) as uow:
        found = uow.status.owner_by_tracking_code(tracking) if tracking else None
        if found is None:
            raise ValidationFailed(WRONG_CODE, fields={"code": [WRONG_CODE]})
        now = utcnow()
        opened = False
        for live in uow.status.live_codes(found.owner.submission_id, now):
            if live.try_code(code, now=now):
                opened = True
            uow.status.save_code(live)
            if opened:
                break
        uow.commit()
    if not opened:
        raise ValidationFailed(WRONG_CODE, fields={"code": [WRONG_CODE]})
    return found.owner.submission_id


def verify_name_and_zip(
    db: OpensUnitsOfWork[Any],
    office_id: str,
    tracking_code: str,
    last_name: str,
    postal_code: str,
) -> str:
    tracking = normalise_tracking_code(tracking_code)
    with db.unit_of_work(office_id=office_id, actor=CONSTITUENT) as uow:
        found = uow.status.owner_by_tracking_code(tracking) if tracking else None
        if found is None:
            raise ValidationFailed(NOT_MATCHED, fields={"last_name": [NOT_MATCHED]})
        return check_name_and_zip(found.owner, last_name, postal_code)


def public_status(db: OpensUnitsOfWork[Any], office_id: str, submission_id: str) -> PublicStatus:
    """What the status page shows: from intake's own projection, no call to cases."""
    with db.unit_of_work(office_id=office_id, actor=CONSTITUENT) as uow:
        found = owner_of(uow, submission_id)
        case = uow.status.case_of(submission_id)
        updates = [PublicUpdateView("received", found.received_at)]
        updates.extend(uow.status.updates(submission_id))
        now = utcnow()
        return PublicStatus(
            tracking_code=found.owner.tracking_code,
            subject=found.subject,
            category=found.category,
            received_at=found.received_at,
            status=case.status if case is not None else "received",
            language=found.owner.language,
            reference=case.reference if case is not None else None,
            result=case.result if case is not None else None,
            updates=updates,
            releases=[release_view(r, now) for r in uow.releases.of_submission(submission_id)],
        )


def project_case_opened(uow: IntakeWork, event: IncomingEvent[CaseOpened]) -> None:
    opened = event.payload
    uow.status.case_opened(
        submission_id=opened.submission_id,
        case_id=opened.case_id,
        reference=opened.reference,
        status="new",
        at=opened.opened_at,
    )
    uow.status.add_update(
        event.event_id,
        opened.submission_id,
        PublicUpdateView("opened", opened.opened_at, status="new"),
    )


def project_status_changed(uow: IntakeWork, event: IncomingEvent[CaseStatusChanged]) -> None:
    changed = event.payload
    submission_id = submission_of(uow, changed.case_id)
    uow.status.case_changed(changed.case_id, status=changed.to_status, at=changed.changed_at)
    uow.status.add_update(
        event.event_id,
        submission_id,
        PublicUpdateView("status", changed.changed_at, status=changed.to_status),
    )


def project_case_closed(uow: IntakeWork, event: IncomingEvent[CaseClosed]) -> None:
    closed = event.payload
    submission_id = submission_of(uow, closed.case_id)
    uow.status.case_changed(
        closed.case_id, status="closed", at=closed.closed_at, result=closed.result
    )
    uow.status.add_update(
        event.event_id,
        submission_id,
        PublicUpdateView("closed", closed.closed_at, status="closed", text=closed.result),
    )


def project_public_note(uow: IntakeWork, event: IncomingEvent[PublicNoteAdded]) -> None:
    note = event.payload
    submission_id = submission_of(uow, note.case_id)
    if note.requested_documents:
        update = PublicUpdateView(
            "documents",
            note.added_at,
            text=note.text or None,
            documents="\n".join(note.requested_documents),
        )
    else:
        update = PublicUpdateView("note", note.added_at, text=note.text)
    uow.status.add_update(note.note_id, submission_id, update)


def submission_of(uow: IntakeWork, case_id: str) -> str:
    """The request a case was opened for. cases publishes a case's opening before anything
    else about it, but the queues are separate: an update that overtook the opening is
    retried (transient) until the opening is projected."""
    submission_id = uow.status.submission_of_case(case_id)
    if submission_id is None:
        raise CaseNotProjectedYet(f"case {case_id} is not projected yet")
    return submission_id


def record_office(uow: IntakeWork, event: IncomingEvent[OfficeRegistered]) -> None:
    """Gateway registered or renamed an office: intake accepts submissions for it."""
    if event.payload.office_id != uow.office_id:
        raise PermanentMessageError("the payload's office is not the envelope's")
    uow.offices.record(event.payload.name, registered_at=event.occurred_at)
