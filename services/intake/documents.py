"""Intake's service layer for documents a constituent sends from the status page: one unit of
work reads the request's case from intake's own projection (no call to cases), stores the
files with the request's attachments, adds "you sent" to the public timeline, and writes
`intake.documents_received` to the outbox, all in one transaction."""

from __future__ import annotations

from typing import Any

from services.chassis.consuming import OpensUnitsOfWork
from services.chassis.db import utcnow
from services.intake.domain.attachments import Upload
from services.intake.domain.documents import AwaitedCase, DocumentsSent
from services.intake.handlers import CONSTITUENT, owner_of


def send_documents(
    db: OpensUnitsOfWork[Any],
    office_id: str,
    submission_id: str,
    uploads: tuple[Upload, ...],
    message: str | None,
    *,
    correlation_id: str | None = None,
) -> DocumentsSent:
    """Keep the files the constituent sent for their request's case (committed), or raise
    `Conflict` (nothing awaited) or `ValidationFailed` (naming `attachments` or `message`):
    nothing of a refused sending is stored."""
    with db.unit_of_work(
        office_id=office_id, actor=CONSTITUENT, correlation_id=correlation_id
    ) as uow:
        owner_of(uow, submission_id)
        row = uow.status.case_of(submission_id)
        case = AwaitedCase(row.case_id, row.reference, row.status) if row is not None else None
        sent = DocumentsSent.send(
            submission_id=submission_id,
            case=case,
            updates=uow.status.updates(submission_id),
            uploads=uploads,
            message=message,
            now=utcnow(),
        )
        uow.attachments.add_sent(sent)
        uow.status.add_update(sent.id, submission_id, sent.public_update)
        uow.audit("documents.sent", "submission", submission_id)
        uow.commit()
        return sent
