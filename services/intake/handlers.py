"""Intake's service layer: coordinate the domain and the repositories in one unit of work.
No SQL here (that is `repository.py`), no rules (those are `domain/`)."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from services.chassis.consuming import OpensUnitsOfWork
from services.chassis.db import retrying_conflicts, utcnow
from services.chassis.domain import Actor
from services.chassis.errors import (
    Conflict,
    Forbidden,
    NotFound,
    PermanentMessageError,
    TransientError,
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
from services.intake import keys
from services.intake.domain.agencies import agency_names
from services.intake.domain.attachments import Upload, accept_uploads
from services.intake.domain.constituents import match_or_register
from services.intake.domain.public_status import (
    NOT_MATCHED,
    WRONG_CODE,
    PublicStatus,
    PublicUpdateView,
    ReleaseView,
    StatusCode,
    StatusCodeSent,
    SubmissionOwner,
    check_name_and_zip,
)
from services.intake.domain.releases import (
    DEFAULT_RELEASE_TEXTS,
    Language,
    Release,
    ReleaseTextTemplate,
    RenderedReleaseText,
    mask_identifiers,
    render_release_text,
)
from services.intake.domain.submissions import (
    TRACKING_CODE,
    ConsentEvidence,
    Idempotency,
    PortalOffice,
    PrivacyConsent,
    Receipt,
    Submission,
    SubmitRequest,
)
from services.intake.release_pdf import ReleaseDocument, render_release_pdf
from services.intake.uow import IntakeWork

# Who accepts a submission from the public form: no staff member, the system on its behalf.
PUBLIC_SUBMISSION = Actor.system("web_submission")
# A constituent acting on the portal for a request they proved is theirs.
CONSTITUENT = Actor.system("constituent")
TEXT_CHANGED = "the release text has changed; read it again and sign"
# Who may see identifiers, revoke or file a release: office staff who work cases (not interns).
ACTING_ROLES = ("office_admin", "supervisor", "caseworker")


class CaseNotProjectedYet(TransientError):
    """An update about a case whose opening is not in the projection yet: retried later."""


@dataclass(frozen=True)
class LetterParticulars:
    """What a letter to an agency says of the constituent (agencies asks, by RPC, at the
    moment it renders one): `identifiers` decrypted from the release the letter goes with."""

    name: str
    address_lines: tuple[str, ...]
    email: str | None
    phone: str | None
    description: str
    identifiers: dict[str, str]


@dataclass(frozen=True)
class Document:
    filename: str
    content_type: str
    content: bytes


def language_of(language: str) -> Language:
    """The portal's languages; anything else reads the English text."""
    return "es" if language == "es" else "en"


def known_office(uow: IntakeWork) -> PortalOffice:
    office = uow.portal.portal()
    if office is None:
        raise NotFound(f"there is no office {uow.office_id!r} taking requests here")
    return office


def owner_of(uow: IntakeWork, submission_id: str) -> SubmissionOwner:
    found = uow.status.owner(submission_id)
    if found is None:
        raise NotFound("there is no such request here")
    return found


def normalise_tracking_code(raw: str) -> str | None:
    """'k7qx m2pd', 'K7QXM2PD' and 'K7QX-M2PD' are one code; None if it cannot be one."""
    compact = "".join(ch for ch in (raw or "").upper() if ch.isalnum())
    candidate = f"{compact[:4]}-{compact[4:]}"
    return candidate if TRACKING_CODE.match(candidate) else None


def release_view(release: Release, now: datetime) -> ReleaseView:
    return ReleaseView(
        release_id=release.id,
        kind=release.kind,
        agencies=tuple(release.agencies),
        signed_at=release.signed_at,
        expires_at=release.expires_at,
        state=release.state(now),
        revoked_at=release.revoked_at,
    )


def address_lines(address: Mapping[str, str]) -> tuple[str, ...]:
    if not address:
        return ()
    city_line = " ".join(
        part
        for part in (
            f"{address.get('city', '')},".strip(","),
            address.get("state", ""),
            address.get("postal_code", ""),
        )
        if part
    )
    return tuple(line for line in (address.get("line1"), address.get("line2"), city_line) if line)


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
    attachments = accept_uploads(request.attachments)
    consent = request.privacy_release
    office = uow.portal.portal() if consent is not None else None
    constituent = match_or_register(request.constituent, uow.constituents, now)
    uow.constituents.save(constituent)
    submission = Submission.accept(
        request,
        constituent,
        received_at=now,
        idempotency=idempotency,
        attachments=attachments,
    )
    uow.submissions.add(submission)
    uow.attachments.add_all(submission.id, attachments, now)
    if consent is not None and office is not None:
        record_release(
            uow,
            office,
            submission_id=submission.id,
            constituent_id=constituent.id,
            constituent_name=request.constituent.display_name,
            consent=consent,
            evidence=evidence,
            now=now,
        )
    return submission.receipt


# --- The privacy release ----------------------------------------------------------------------


def current_release_text(
    uow: IntakeWork,
    office: PortalOffice,
    language: str,
    *,
    constituent_name: str,
    agencies: Sequence[str],
    now: datetime,
) -> RenderedReleaseText:
    """The exact text a constituent signs: the office's own wording in `language` if it has
    one, else the installation's, filled in for them, their agencies and its expiry."""
    chosen = language_of(language)
    own = uow.portal.own_release_text(chosen)
    template = (
        ReleaseTextTemplate(version=own[0], language=chosen, body=own[1])
        if own is not None
        else DEFAULT_RELEASE_TEXTS[chosen]
    )
    return render_release_text(
        template,
        office_name=office.name,
        constituent_name=constituent_name,
        agency_names=agency_names(agencies, language),
        expires_on=(now + timedelta(days=office.release_valid_days)).date(),
    )


def record_release(
    uow: IntakeWork,
    office: PortalOffice,
    *,
    submission_id: str,
    constituent_id: str,
    constituent_name: str,
    consent: PrivacyConsent,
    evidence: ConsentEvidence,
    now: datetime,
) -> Release:
    """E-sign `consent` over the text the constituent was shown; the identifiers sealed
    under the office's key. A text that changed since it was shown is refused: the evidence
    must be the text they read."""
    text = current_release_text(
        uow,
        office,
        consent.language,
        constituent_name=constituent_name,
        agencies=consent.agencies,
        now=now,
    )
    shown_another = consent.text_version not in (None, text.version) or consent.text_sha256 not in (
        None,
        text.sha256,
    )
    if shown_another:
        raise ValidationFailed(
            "the release text has changed since it was shown; read it again and sign",
            fields={"privacy_release.text_version": [TEXT_CHANGED]},
        )
    release = Release.e_sign(
        submission_id=submission_id,
        constituent_id=constituent_id,
        signature_name=consent.signature_name,
        constituent_display_name=constituent_name,
        agencies=consent.agencies,
        identifier_kinds=tuple(consent.identifiers),
        text=text,
        signer_ip=evidence.ip,
        signer_user_agent=evidence.user_agent,
        signed_at=now,
        valid_days=office.release_valid_days,
    )
    sealed = (
        keys.seal_identifiers(uow.portal, release.id, consent.identifiers)
        if consent.identifiers
        else None
    )
    uow.releases.add(release, sealed_identifiers=sealed, signed_text=text.text)
    return release


def portal_office(db: OpensUnitsOfWork[Any], office_id: str) -> PortalOffice | None:
    with db.unit_of_work(office_id=office_id, actor=PUBLIC_SUBMISSION) as uow:
        return uow.portal.portal()  # type: ignore[no-any-return]


def release_text(
    db: OpensUnitsOfWork[Any],
    office_id: str,
    language: str,
    *,
    constituent_name: str,
    agencies: Sequence[str],
) -> RenderedReleaseText:
    """The text the portal shows for signing (its version and SHA-256 come back with the
    signature)."""
    with db.unit_of_work(office_id=office_id, actor=PUBLIC_SUBMISSION) as uow:
        office = known_office(uow)
        return current_release_text(
            uow,
            office,
            language,
            constituent_name=constituent_name,
            agencies=agencies,
            now=utcnow(),
        )


def sign_release(
    db: OpensUnitsOfWork[Any],
    office_id: str,
    submission_id: str,
    consent: PrivacyConsent,
    evidence: ConsentEvidence,
) -> ReleaseView:
    """A release signed later, from the status page, for a request already made."""
    with db.unit_of_work(office_id=office_id, actor=PUBLIC_SUBMISSION) as uow:
        office = known_office(uow)
        found = owner_of(uow, submission_id)
        release = record_release(
            uow,
            office,
            submission_id=submission_id,
            constituent_id=found.constituent_id,
            constituent_name=found.display_name,
            consent=consent,
            evidence=evidence,
            now=utcnow(),
        )
        uow.commit()
        return release_view(release, utcnow())


def revoke_release_by_constituent(
    db: OpensUnitsOfWork[Any], office_id: str, submission_id: str, release_id: str
) -> None:
    with db.unit_of_work(office_id=office_id, actor=CONSTITUENT) as uow:
        release = uow.releases.get(release_id)
        if release is None or release.submission_id != submission_id:
            raise NotFound("there is no such release for this request")
        release.revoke(by="constituent", user_id=None, reason=None, at=utcnow())
        uow.releases.save_revocation(release)
        uow.audit("release.revoked", "privacy_release", release.id)
        uow.commit()


def constituent_release_pdf(
    db: OpensUnitsOfWork[Any], office_id: str, submission_id: str, release_id: str
) -> bytes:
    """The constituent's own copy of a release they signed (identifiers masked)."""
    with db.unit_of_work(office_id=office_id, actor=CONSTITUENT) as uow:
        release = uow.releases.get(release_id)
        if release is None or release.submission_id != submission_id:
            raise NotFound("there is no such release for this request")
        document = release_document(uow, release)
        uow.audit("release.pdf_read", "privacy_release", release.id)
        uow.commit()
    return document.content


def template_signed_under(uow: IntakeWork, release: Release) -> ReleaseTextTemplate:
    """The wording of the version a release names: the office's saved version, the default
    (its version), or, for a version nobody kept, the wording the form shows now."""
    for saved in uow.portal.release_text_history():
        if (saved.language, saved.version) == (release.language, release.text_version):
            return ReleaseTextTemplate(saved.version, saved.language, saved.text)
    default = DEFAULT_RELEASE_TEXTS[language_of(release.language)]
    if release.text_version == default.version:
        return default
    own = uow.portal.own_release_text(release.language)
    return ReleaseTextTemplate(own[0], default.language, own[1]) if own else default


def release_document(uow: IntakeWork, release: Release) -> Document:
    """A release as a file: the wet-signed scan as filed, or the e-signed one rendered."""
    secrets = uow.releases.secrets(release.id)
    if release.kind == "wet_signed" and secrets is not None and secrets.scan is not None:
        return Document(
            filename=secrets.scan_filename or f"release-{release.id[:8]}",
            content_type=secrets.scan_content_type or "application/pdf",
            content=secrets.scan,
        )
    office = known_office(uow)
    found = owner_of(uow, release.submission_id)
    identifiers = (
        keys.open_identifiers(uow.portal, release.id, secrets.sealed_identifiers)
        if secrets is not None and secrets.sealed_identifiers
        else {}
    )
    signed_text = secrets.signed_text if secrets is not None else None
    if signed_text is None:  # signed before the text was kept: the text of its version
        signed_text = render_release_text(
            template_signed_under(uow, release),
            office_name=office.name,
            constituent_name=found.display_name,
            agency_names=agency_names(release.agencies, release.language),
            expires_on=release.expires_at.date(),
        ).text
    pdf = render_release_pdf(
        ReleaseDocument(
            office_name=office.name,
            language=release.language,
            release_id=release.id,
            constituent_name=found.display_name,
            postal_address=address_lines(found.address),
            text_version=release.text_version,
            email=found.owner.email,
            phone=found.phone,
            agency_names=tuple(agency_names(release.agencies, release.language)),
            release_text=signed_text,
            signature_name=release.signature_name or "",
            signed_at=release.signed_at,
            expires_at=release.expires_at,
            signer_ip=release.signer_ip,
            signer_user_agent=release.signer_user_agent,
            text_sha256=release.text_sha256 or "",
            identifier_kinds=release.identifier_kinds,
            masked_identifiers=mask_identifiers(identifiers),
        )
    )
    return Document(
        filename=f"privacy-release-{release.id[:8]}.pdf",
        content_type="application/pdf",
        content=pdf,
    )


# --- The public status page -------------------------------------------------------------------


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


# --- Staff, from the case page (RPC) ----------------------------------------------------------


def may_act(actor: Actor, what: str) -> None:
    if actor.role not in ACTING_ROLES:
        raise Forbidden(f"your role cannot {what}")


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
        release = uow.releases.get(release_id)
        if release is None:
            raise NotFound("there is no such release")
        document = release_document(uow, release)
        uow.audit("release.pdf_read", "privacy_release", release_id)
        uow.commit()
        return document


def revoke_release_by_staff(
    db: OpensUnitsOfWork[Any], office_id: str, actor: Actor, release_id: str, reason: str
) -> Release:
    may_act(actor, "revoke a privacy release")
    with db.unit_of_work(office_id=office_id, actor=actor) as uow:
        release = uow.releases.get(release_id)
        if release is None:
            raise NotFound("there is no such release")
        release.revoke(by="staff", user_id=actor.user_id, reason=reason, at=utcnow())
        uow.releases.save_revocation(release)
        uow.audit("release.revoked", "privacy_release", release_id)
        uow.commit()
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
