"""Intake's service layer for staff on the case page (RPCs): the case's releases, the
identifiers revealed with an audit row, the particulars a letter to an agency needs, the
signed copy, revocation by staff, a wet-signed release filed from a scan, and the files the
constituent sent."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import date
from typing import Any

from services.chassis.consuming import OpensUnitsOfWork
from services.chassis.db import utcnow
from services.chassis.domain import Actor
from services.chassis.errors import (
    Conflict,
    Forbidden,
    NotFound,
    ValidationFailed,
)
from services.intake import keys
from services.intake.domain.attachments import Upload, accept_uploads
from services.intake.domain.releases import Release
from services.intake.handlers import (
    ACTING_ROLES,
    Document,
    LetterParticulars,
    address_lines,
    known_office,
    owner_of,
)
from services.intake.signing import record_revocation, release_document
from services.intake.uow import IntakeWork

# What a staff caller may get back as itself; anything else is a bug, logged with its trace.
STAFF_ERRORS = (ValidationFailed, NotFound, Forbidden, Conflict)


def may_act(actor: Actor, what: str) -> None:
    if actor.role not in ACTING_ROLES:
        raise Forbidden(f"your role cannot {what}")


def known_release(uow: IntakeWork, release_id: str) -> Release:
    release = uow.releases.get(release_id)
    if release is None:
        raise NotFound("there is no such release")
    return release


def staff_releases(
    db: OpensUnitsOfWork[Any], office_id: str, actor: Actor, submission_id: str
) -> list[Release]:
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        return list(uow.releases.of_submission(submission_id))


def reveal_identifiers(
    db: OpensUnitsOfWork[Any], office_id: str, actor: Actor, release_id: str
) -> dict[str, str]:
    """The identifiers a release carries, decrypted; the read is audited (and committed)
    before they are handed out."""
    may_act(actor, "see a constituent's identifiers")
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        release = uow.releases.get(release_id)
        secrets = uow.releases.secrets(release_id) if release is not None else None
        if release is None or secrets is None:
            raise NotFound("there is no such release")
        uow.audit("release.identifiers_read", "privacy_release", release_id)
        uow.commit()
    if not secrets.sealed_identifiers:
        return {}
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        return keys.open_identifiers(uow.portal, release_id, secrets.sealed_identifiers)


def letter_particulars(
    db: OpensUnitsOfWork[Any],
    office_id: str,
    actor: Actor,
    submission_id: str,
    release_id: str | None,
) -> LetterParticulars:
    """The constituent's name, address and contacts for a letter about their request and,
    with `release_id`, the identifiers that release carries, decrypted as `reveal_identifiers`
    does: the read is audited (and committed) before they are handed out. The release must be
    one of this request's (else not found) and not revoked (a `Conflict`)."""
    # An intern may draft a letter (a supervisor approves it before it goes), but never sees
    # identifiers: their drafts ask for the name and address alone.
    if release_id is not None or actor.role != "read_only":
        may_act(actor, "write to an agency with a constituent's identifiers")
    sealed: bytes | None = None
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        found = owner_of(uow, submission_id)
        if release_id is None:
            uow.audit("submission.particulars_read_for_letter", "submission", submission_id)
        else:
            release = uow.releases.get(release_id)
            secrets = uow.releases.secrets(release_id) if release is not None else None
            if release is None or secrets is None or release.submission_id != submission_id:
                raise NotFound("there is no such release of this request")
            if release.revoked_at is not None:
                raise Conflict(
                    "the constituent's privacy release was revoked: it cannot go with a letter",
                    fields={"release_id": ["revoked"]},
                )
            uow.audit("release.identifiers_read_for_letter", "privacy_release", release_id)
            sealed = secrets.sealed_identifiers
        uow.commit()
    identifiers: dict[str, str] = {}
    if sealed and release_id is not None:
        with db.unit_of_work(office_id=office_id, actor=actor) as uow:
            identifiers = keys.open_identifiers(uow.portal, release_id, sealed)
    return LetterParticulars(
        name=found.display_name,
        address_lines=address_lines(found.address),
        email=found.owner.email,
        phone=found.phone,
        description=found.description,
        identifiers=identifiers,
    )


def staff_release_document(
    db: OpensUnitsOfWork[Any], office_id: str, actor: Actor, release_id: str
) -> Document:
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        document = release_document(uow, known_release(uow, release_id))
        uow.audit("release.pdf_read", "privacy_release", release_id)
        uow.commit()
        return document


def revoke_release_by_staff(
    db: OpensUnitsOfWork[Any], office_id: str, actor: Actor, release_id: str, reason: str
) -> Release:
    may_act(actor, "revoke a privacy release")
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        release = known_release(uow, release_id)
        release.revoke(by="staff", user_id=actor.user_id, reason=reason, at=utcnow())
        record_revocation(uow, release)
        return release


def file_wet_signed_release(
    db: OpensUnitsOfWork[Any],
    office_id: str,
    actor: Actor,
    submission_id: str,
    *,
    agencies: Sequence[str],
    signed_on: date,
    scan: Upload,
) -> Release:
    """A release signed on paper, filed by staff as a scan (recorded as wet-signed)."""
    may_act(actor, "file a privacy release")
    (stored,) = accept_uploads([scan]) if scan.content else (None,)
    if stored is None:
        raise ValidationFailed("attach the scan", fields={"scan": ["attach the scan"]})
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        office = known_office(uow)
        found = owner_of(uow, submission_id)
        now = utcnow()
        release = Release.file_wet_signed(
            submission_id=submission_id,
            constituent_id=found.constituent_id,
            agencies=tuple(agencies),
            signed_on=signed_on,
            filed_at=now,
            valid_days=office.release_valid_days,
            filed_by=actor.user_id,
        )
        uow.releases.add(release, scan=stored)
        uow.audit("release.filed", "privacy_release", release.id)
        uow.commit()
        return release


def staff_attachment(
    db: OpensUnitsOfWork[Any], office_id: str, actor: Actor, attachment_id: str
) -> Document:
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        found = uow.attachments.get(attachment_id)
        if found is None:
            raise NotFound("there is no such attachment")
        uow.audit("attachment.read", "attachment", attachment_id)
        uow.commit()
        return Document(found.filename, found.content_type, found.content)


def encode_document(document: Document) -> dict[str, str]:
    return {
        "filename": document.filename,
        "content_type": document.content_type,
        "content_base64": base64.b64encode(document.content).decode("ascii"),
    }
