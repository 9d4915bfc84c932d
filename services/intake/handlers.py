"""Intake's service layer: coordinate the domain and the repositories in one unit of work.
No SQL here (that is `repository.py`), no rules (those are `domain/`)."""

from __future__ import annotations

from typing import Any

from services.chassis.consuming import OpensUnitsOfWork
from services.chassis.db import retrying_conflicts, utcnow
from services.chassis.domain import Actor
from services.chassis.errors import NotFound, PermanentMessageError
from services.chassis.events import IncomingEvent
from services.contracts import OfficeRegistered
from services.intake.domain.constituents import match_or_register
from services.intake.domain.submissions import (
    ConsentEvidence,
    Idempotency,
    Receipt,
    Submission,
    SubmitRequest,
)
from services.intake.uow import IntakeWork

# Who accepts a submission from the public form: no staff member, the system on its behalf.
PUBLIC_SUBMISSION = Actor.system("web_submission")


def accept_submission(
    db: OpensUnitsOfWork[Any],
    office_id: str,
    request: SubmitRequest,
    evidence: ConsentEvidence,
    *,
    idempotency: Idempotency | None = None,
    correlation_id: str | None = None,
) -> Receipt:
    """Store constituent, submission, release and the event in one transaction.

    A clash on a unique key (a tracking code drawn twice, or the same Idempotency-Key sent
    twice at once) is retried: the next try draws a new code or finds the earlier receipt.
    """

    def attempt() -> Receipt:
        with db.unit_of_work(
            office_id=office_id, actor=PUBLIC_SUBMISSION, correlation_id=correlation_id
        ) as uow:
            receipt = accept(uow, request, evidence, idempotency)
            uow.commit()
            return receipt

    return retrying_conflicts(attempt)


def accept(
    uow: IntakeWork,
    request: SubmitRequest,
    evidence: ConsentEvidence,
    idempotency: Idempotency | None,
) -> Receipt:
    """The receipt of `request` in the unit of work's office (committed by the caller)."""
    if not uow.offices.accepts_work():
        raise NotFound(f"there is no office {uow.office_id!r} taking requests here")
    if idempotency is not None:
        earlier = uow.submissions.with_idempotency_key(idempotency.key)
        if earlier is not None:
            return earlier.replayed_for(idempotency)
    now = utcnow()
    constituent = match_or_register(request.constituent, uow.constituents, now)
    uow.constituents.save(constituent)
    submission = Submission.accept(
        request, constituent, received_at=now, evidence=evidence, idempotency=idempotency
    )
    uow.submissions.add(submission)
    return submission.receipt


def record_office(uow: IntakeWork, event: IncomingEvent[OfficeRegistered]) -> None:
    """Gateway registered or renamed an office: intake accepts submissions for it."""
    if event.payload.office_id != uow.office_id:
        raise PermanentMessageError("the payload's office is not the envelope's")
    uow.offices.record(event.payload.name, registered_at=event.occurred_at)
