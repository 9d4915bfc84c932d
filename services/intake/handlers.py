"""Intake's service layer: each handler runs in one unit of work."""

from __future__ import annotations

import uuid
from datetime import datetime
from weakref import WeakKeyDictionary

from sqlalchemy import bindparam, select, update

from services.chassis.db import (
    DatabaseAccess,
    IncomingEvent,
    UnitOfWork,
    retrying_conflicts,
    utcnow,
)
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
from services.intake.models import Base, Constituent, Office, PrivacyRelease, Submission

CONSUMER = "intake"

# The statements every submission runs, built once so SQLAlchemy compiles them once.
INSERT_CONSTITUENT = Base.metadata.tables["constituents"].insert()
INSERT_SUBMISSION = Base.metadata.tables["submissions"].insert()
INSERT_RELEASE = Base.metadata.tables["privacy_releases"].insert()
CONSTITUENT_BY_EMAIL = select(Constituent.id, Constituent.email).where(
    Constituent.office_id == bindparam("office_id"),
    Constituent.email_normalised == bindparam("email"),
)
CONSTITUENT_BY_PHONE = select(Constituent.id, Constituent.email).where(
    Constituent.office_id == bindparam("office_id"),
    Constituent.phone_normalised == bindparam("phone"),
)


def accept_submission(
    db: DatabaseAccess,
    office_id: str,
    request: SubmitRequest,
    evidence: ConsentEvidence,
    idempotency_key: str | None = None,
    correlation_id: str | None = None,
) -> Receipt:
    """Store constituent, submission, release and the event in one transaction.

    A clash on a unique key (a tracking code drawn twice, or the same Idempotency-Key sent
    twice at once) is retried: the next try draws a new code or finds the earlier receipt.
    """

    def attempt() -> Receipt:
        with db.unit_of_work(correlation_id=correlation_id) as uow:
            return _accept(uow, office_id, request, evidence, idempotency_key)

    return retrying_conflicts(attempt)


def _accept(
    uow: UnitOfWork,
    office_id: str,
    request: SubmitRequest,
    evidence: ConsentEvidence,
    idempotency_key: str | None,
) -> Receipt:
    # Core statements, not ORM flushes: this is the path every submission takes.
    session = uow.session
    if not _office_exists(uow, office_id):
        raise NotFound(f"there is no office {office_id!r} taking requests here")
    if idempotency_key:
        earlier = session.execute(
            select(Submission.id, Submission.tracking_code, Submission.received_at).where(
                Submission.office_id == office_id, Submission.idempotency_key == idempotency_key
            )
        ).first()
        if earlier is not None:
            return Receipt(
                submission_id=earlier.id,
                tracking_code=earlier.tracking_code,
                received_at=earlier.received_at.isoformat(),
                privacy_release_recorded=_has_release(uow, earlier.id),
            )

    now = utcnow()
    constituent_id, email, language = _match_or_create(uow, office_id, request.constituent, now)
    submission_id = str(uuid.uuid4())
    tracking_code = new_tracking_code()
    session.execute(
        INSERT_SUBMISSION,
        dict(
            id=submission_id,
            office_id=office_id,
            tracking_code=tracking_code,
            constituent_id=constituent_id,
            channel=request.channel,
            category=request.category,
            agency_hint=request.agency,
            subject=request.subject,
            description=request.description,
            urgent=request.urgent,
            urgency_reason=request.urgency_reason,
            idempotency_key=idempotency_key,
            received_at=now,
        ),
    )
    if request.privacy_release is not None:
        session.execute(
            INSERT_RELEASE,
            dict(
                id=str(uuid.uuid4()),
                office_id=office_id,
                constituent_id=constituent_id,
                submission_id=submission_id,
                signature_name=request.privacy_release.signature_name,
                agencies=list(request.privacy_release.agencies),
                consent_text_version=CONSENT_TEXT_VERSION,
                signed_at=now,
                signer_ip=evidence.ip,
                signer_user_agent=(evidence.user_agent or "")[:300] or None,
            ),
        )
    uow.emit(
        SUBMISSION_RECEIVED,
        {
            "submission_id": submission_id,
            "tracking_code": tracking_code,
            "constituent_id": constituent_id,
            "constituent_name": request.constituent.display_name,
            "contact_email": email,
            "preferred_language": language,
            "channel": request.channel,
            "category": request.category,
            "agency_hint": request.agency,
            "subject": request.subject,
            "urgent": request.urgent,
            "privacy_release_signed": request.privacy_release is not None,
            "received_at": now,
        },
        office_id=office_id,
    )
    uow.commit()
    return Receipt(
        submission_id=submission_id,
        tracking_code=tracking_code,
        received_at=now.isoformat(),
        privacy_release_recorded=request.privacy_release is not None,
    )


# Offices are registered rarely and never removed: remember the ones seen, per database.
_known_offices: WeakKeyDictionary[object, set[str]] = WeakKeyDictionary()


def _office_exists(uow: UnitOfWork, office_id: str) -> bool:
    bind = uow.session.get_bind()
    known = _known_offices.setdefault(bind, set())
    if office_id in known:
        return True
    if uow.session.execute(select(Office.office_id).where(Office.office_id == office_id)).first():
        known.add(office_id)
        return True
    return False


def _match_or_create(
    uow: UnitOfWork, office_id: str, details: ConstituentDetails, now: datetime
) -> tuple[str, str | None, str]:
    """A returning constituent is found by email, else by phone, within the office only.

    Returns the constituent's id, email and preferred language.
    """
    email = normalise_email(details.email)
    phone = normalise_phone(details.phone)
    session = uow.session
    existing = None
    if email:
        existing = session.execute(
            CONSTITUENT_BY_EMAIL, {"office_id": office_id, "email": email}
        ).first()
    if existing is None and phone:
        existing = session.execute(
            CONSTITUENT_BY_PHONE, {"office_id": office_id, "phone": phone}
        ).first()
    if existing is not None:
        # Keep the freshest contact details the constituent gave us.
        changes: dict[str, object] = {"preferred_language": details.preferred_language}
        if phone:
            changes.update(phone=details.phone, phone_normalised=phone)
        if details.address:
            changes["address"] = details.address
        session.execute(update(Constituent).where(Constituent.id == existing.id).values(changes))
        return existing.id, existing.email, details.preferred_language
    constituent_id = str(uuid.uuid4())
    session.execute(
        INSERT_CONSTITUENT,
        dict(
            id=constituent_id,
            office_id=office_id,
            first_name=details.first_name,
            last_name=details.last_name,
            email=details.email,
            email_normalised=email,
            phone=details.phone,
            phone_normalised=phone,
            address=details.address,
            preferred_language=details.preferred_language,
            created_at=now,
        ),
    )
    return constituent_id, details.email, details.preferred_language


def _has_release(uow: UnitOfWork, submission_id: str) -> bool:
    return (
        uow.session.scalars(
            select(PrivacyRelease.id).where(PrivacyRelease.submission_id == submission_id)
        ).first()
        is not None
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
