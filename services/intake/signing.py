"""Intake's service layer for the constituent's privacy release: the text they sign (the
office's own version or the default), signing with the request or later from the status page,
revoking it, and the signed copy as a PDF."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from services.chassis.consuming import OpensUnitsOfWork
from services.chassis.db import utcnow
from services.chassis.errors import (
    NotFound,
)
from services.intake import keys
from services.intake.domain.agencies import agency_names
from services.intake.domain.identifiers import mask_identifiers
from services.intake.domain.public_status import (
    ReleaseView,
)
from services.intake.domain.releases import Release
from services.intake.domain.signed_text import (
    DEFAULT_RELEASE_TEXTS,
    ReleaseTextTemplate,
    RenderedReleaseText,
    render_release_text,
)
from services.intake.domain.submissions import (
    ConsentEvidence,
    PortalOffice,
    PrivacyConsent,
)
from services.intake.handlers import (
    CONSTITUENT,
    PUBLIC_SUBMISSION,
    Document,
    address_lines,
    current_release_text,
    known_office,
    language_of,
    owner_of,
    record_release,
    release_view,
)
from services.intake.release_pdf import ReleaseDocument, render_release_pdf
from services.intake.uow import IntakeWork


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
        release = release_of_request(uow, submission_id, release_id)
        release.revoke(by="constituent", user_id=None, reason=None, at=utcnow())
        record_revocation(uow, release)


def constituent_release_pdf(
    db: OpensUnitsOfWork[Any], office_id: str, submission_id: str, release_id: str
) -> bytes:
    """The constituent's own copy of a release they signed (identifiers masked)."""
    with db.unit_of_work(office_id=office_id, actor=CONSTITUENT) as uow:
        release = release_of_request(uow, submission_id, release_id)
        document = release_document(uow, release)
        uow.audit("release.pdf_read", "privacy_release", release.id)
        uow.commit()
    return document.content


def release_of_request(uow: IntakeWork, submission_id: str, release_id: str) -> Release:
    """The release, when it is one of this request's: a constituent reaches only their own."""
    release = uow.releases.get(release_id)
    if release is None or release.submission_id != submission_id:
        raise NotFound("there is no such release for this request")
    return release


def record_revocation(uow: IntakeWork, release: Release) -> None:
    """Keep a revocation, whoever made it, with its audit row, and commit."""
    uow.releases.save_revocation(release)
    uow.audit("release.revoked", "privacy_release", release.id)
    uow.commit()


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
