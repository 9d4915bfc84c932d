"""Intake's service layer: each handler runs in one unit of work."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from services.chassis.db import DatabaseAccess, IncomingEvent, UnitOfWork, utcnow
from services.chassis.errors import NotFound
from services.contracts import SUBMISSION_RECEIVED
from services.intake.domain.submissions import (
    CONSENT_TEXT_VERSION,
    ConsentEvidence,
    ConstituentDetails,
    Receipt,
    SubmitRequest,
    new_tracking_code,
    normalise_email,
    normalise_phone,
)
from services.intake.models import Constituent, Office, PrivacyRelease, Submission

CONSUMER = "intake"
# A unique-key clash (tracking code, or the same Idempotency-Key sent twice at once) is retried.
ATTEMPTS = 3


def accept_submission(
    db: DatabaseAccess,
    office_id: str,
    request: SubmitRequest,
    evidence: ConsentEvidence,
    idempotency_key: str | None = None,
    correlation_id: str | None = None,
) -> Receipt:
    """Store constituent, submission, release and the event in one transaction."""
    for attempt in range(ATTEMPTS):
        try:
            with db.unit_of_work(correlation_id=correlation_id) as uow:
                return _accept(uow, office_id, request, evidence, idempotency_key)
        except IntegrityError:
            if attempt == ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")


def _accept(
    uow: UnitOfWork,
    office_id: str,
    request: SubmitRequest,
    evidence: ConsentEvidence,
    idempotency_key: str | None,
) -> Receipt:
    session = uow.session
    if session.get(Office, office_id) is None:
        raise NotFound(f"there is no office {office_id!r} taking requests here")
    if idempotency_key:
        earlier = session.scalars(
            select(Submission).where(
                Submission.office_id == office_id, Submission.idempotency_key == idempotency_key
            )
        ).first()
        if earlier is not None:
            return _receipt(earlier, release_recorded=_has_release(uow, earlier.id))

    now = utcnow()
    constituent = _match_or_create(uow, office_id, request.constituent)
    submission = Submission(
        id=str(uuid.uuid4()),
        office_id=office_id,
        tracking_code=new_tracking_code(),
        constituent_id=constituent.id,
        channel=request.channel,
        category=request.category,
        agency_hint=request.agency,
        subject=request.subject,
        description=request.description,
        urgent=request.urgent,
        urgency_reason=request.urgency_reason,
        idempotency_key=idempotency_key,
        received_at=now,
    )
    session.add(submission)
    session.flush()  # the release references both rows; the ORM has no relationship to order by
    if request.privacy_release is not None:
        session.add(
            PrivacyRelease(
                id=str(uuid.uuid4()),
                office_id=office_id,
                constituent_id=constituent.id,
                submission_id=submission.id,
                signature_name=request.privacy_release.signature_name,
                agencies=list(request.privacy_release.agencies),
                consent_text_version=CONSENT_TEXT_VERSION,
                signed_at=now,
                signer_ip=evidence.ip,
                signer_user_agent=(evidence.user_agent or "")[:300] or None,
            )
        )
    session.flush()
    uow.emit(
        SUBMISSION_RECEIVED,
        {
            "submission_id": submission.id,
            "tracking_code": submission.tracking_code,
            "constituent_id": constituent.id,
            "constituent_name": request.constituent.display_name,
            "contact_email": constituent.email,
            "preferred_language": constituent.preferred_language,
            "channel": submission.channel,
            "category": submission.category,
            "agency_hint": submission.agency_hint,
            "subject": submission.subject,
            "urgent": submission.urgent,
            "privacy_release_signed": request.privacy_release is not None,
            "received_at": now,
        },
        office_id=office_id,
    )
    uow.commit()
    return _receipt(submission, release_recorded=request.privacy_release is not None)


def _match_or_create(uow: UnitOfWork, office_id: str, details: ConstituentDetails) -> Constituent:
    """A returning constituent is found by email, else by phone, within the office only."""
    email = normalise_email(details.email)
    phone = normalise_phone(details.phone)
    session = uow.session
    existing = None
    if email:
        existing = session.scalars(
            select(Constituent).where(
                Constituent.office_id == office_id, Constituent.email_normalised == email
            )
        ).first()
    if existing is None and phone:
        existing = session.scalars(
            select(Constituent).where(
                Constituent.office_id == office_id, Constituent.phone_normalised == phone
            )
        ).first()
    if existing is not None:
        # Keep the freshest contact details the constituent gave us.
        existing.phone = details.phone or existing.phone
        existing.phone_normalised = phone or existing.phone_normalised
        existing.address = details.address or existing.address
        existing.preferred_language = details.preferred_language
        return existing
    constituent = Constituent(
        id=str(uuid.uuid4()),
        office_id=office_id,
        first_name=details.first_name,
        last_name=details.last_name,
        email=details.email,
        email_normalised=email,
        phone=details.phone,
        phone_normalised=phone,
        address=details.address,
        preferred_language=details.preferred_language,
        created_at=utcnow(),
    )
    session.add(constituent)
    return constituent


def _has_release(uow: UnitOfWork, submission_id: str) -> bool:
    return (
        uow.session.scalars(
            select(PrivacyRelease.id).where(PrivacyRelease.submission_id == submission_id)
        ).first()
        is not None
    )


def _receipt(submission: Submission, *, release_recorded: bool) -> Receipt:
    return Receipt(
        submission_id=submission.id,
        tracking_code=submission.tracking_code,
        received_at=submission.received_at.isoformat(),
        privacy_release_recorded=release_recorded,
    )


def record_office(db: DatabaseAccess, event: IncomingEvent) -> None:
    with db.unit_of_work(cause=event) as uow:
        if not uow.claim(event, CONSUMER):
            return
        office = uow.session.get(Office, event.payload["office_id"])
        if office is None:
            uow.session.add(
                Office(
                    office_id=event.payload["office_id"],
                    name=event.payload["name"],
                    registered_at=event.occurred_at,
                )
            )
        else:
            office.name = event.payload["name"]
        uow.commit()
