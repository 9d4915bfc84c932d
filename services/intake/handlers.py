"""Intake's service layer for taking a request in: coordinate the domain and the repositories
in one unit of work, and the helpers the other parts share. No SQL here (that is
`adapters/`), no rules (those are `domain/`). The privacy release is signing.py's and
staff_releases.py's, the public status page status_page.py's."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.chassis.consuming import OpensUnitsOfWork
from services.chassis.db import retrying_conflicts, utcnow
from services.chassis.domain import Actor
from services.chassis.errors import (
    NotFound,
    TransientError,
    ValidationFailed,
)
from services.intake import keys
from services.intake.domain.agencies import agency_names
from services.intake.domain.attachments import accept_uploads
from services.intake.domain.constituents import match_or_register
from services.intake.domain.public_status import (
    ReleaseView,
    SubmissionOwner,
)
from services.intake.domain.releases import Release
from services.intake.domain.signed_text import (
    DEFAULT_RELEASE_TEXTS,
    Language,
    ReleaseTextTemplate,
    RenderedReleaseText,
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

    A clash on a unique key (a tracking code drawn twice, or an Idempotency-Key used before)
    is retried: the next try draws a new code or finds the earlier receipt. The first try
    does not look the key up: a key is nearly always new (the form sends one with every
    request), and its unique index says when it is not, so a request costs no statement
    more for carrying one.
    """
    tries = 0

    def attempt() -> Receipt:
        nonlocal tries
        tries += 1
        with db.unit_of_work(
            office_id=office_id, actor=PUBLIC_SUBMISSION, correlation_id=correlation_id
        ) as uow:
            receipt = accept(uow, request, evidence, idempotency, look_up_key=tries > 1)
            uow.commit()
            return receipt

    return retrying_conflicts(attempt)


def accept(
    uow: IntakeWork,
    request: SubmitRequest,
    evidence: ConsentEvidence,
    idempotency: Idempotency | None,
    *,
    look_up_key: bool = True,
) -> Receipt:
    """The receipt of `request` in the unit of work's office (committed by the caller).
    Without `look_up_key`, a key used before is left for the submission's unique index to
    refuse (an IntegrityError: try again looking it up)."""
    if not uow.offices.accepts_work():
        raise NotFound(f"there is no office {uow.office_id!r} taking requests here")
    if idempotency is not None and look_up_key:
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
