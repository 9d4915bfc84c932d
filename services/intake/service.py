"""Intake's nameko entrypoints: translate RPC and events into handler calls, nothing more.
The public pages and JSON API are intake-web's (`services.intake.portal`)."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Any

from nameko.rpc import rpc

from services.chassis.caller import RpcCaller
from services.chassis.consuming import Failures
from services.chassis.db import utcnow
from services.chassis.errors import NotFound, ValidationFailed
from services.chassis.events import IncomingEvent
from services.chassis.messaging import event_handler
from services.chassis.observability import service_metric
from services.chassis.schemas import load_arguments
from services.chassis.service import Database, ServiceBase
from services.contracts import (
    CASE_CLOSED,
    CASE_OPENED,
    CASE_STATUS_CHANGED,
    OFFICE_REGISTERED,
    PUBLIC_NOTE_ADDED,
    SURVEY_OFFERED,
    UNSUBSCRIBE_OFFERED,
)
from services.contracts.rpc.intake import (
    STAFF_CHANNELS,
    AttachmentRequest,
    ConstituentRequest,
    ContactPreferences,
    EmailOptOutRequest,
    EnterSubmissionRequest,
    FileWetSignedReleaseRequest,
    LetterParticulars,
    LetterParticularsRequest,
    ReleaseRequest,
    ReleaseSummary,
    RevokeReleaseRequest,
    SubmissionReleasesRequest,
)
from services.intake import (
    handlers,
    release_text_entrypoints,
    staff_releases,
    status_page,
    surveys,
    unsubscribe,
)
from services.intake.domain.attachments import Upload
from services.intake.domain.releases import Release
from services.intake.domain.submissions import ConsentEvidence, Idempotency
from services.intake.domain.unsubscribe import ContactPreferences as Preferences
from services.intake.models import Base
from services.intake.schemas import ReceiptSchema, SubmissionSchema
from services.intake.staff_calls import staff_arguments
from services.intake.staff_releases import STAFF_ERRORS
from services.intake.uow import IntakeUnitOfWork

# Built once: building a schema deep-copies its fields.
SUBMISSION = SubmissionSchema()
RECEIPT = ReceiptSchema()
ENTER_SUBMISSION = EnterSubmissionRequest()
SUBMISSION_RELEASES = SubmissionReleasesRequest()
RELEASE = ReleaseRequest()
REVOKE_RELEASE = RevokeReleaseRequest()
FILE_WET_SIGNED = FileWetSignedReleaseRequest()
ATTACHMENT = AttachmentRequest()
RELEASE_SUMMARY = ReleaseSummary()
LETTER_PARTICULARS_REQUEST = LetterParticularsRequest()
LETTER_PARTICULARS = LetterParticulars()
EMAIL_OPT_OUT = EmailOptOutRequest()
CONSTITUENT_REQUEST = ConstituentRequest()
CONTACT_PREFERENCES = ContactPreferences()


def accepted_total(service: str) -> Any:
    return service_metric(
        "counter", service, "submissions_accepted_total", "Submissions accepted", ["channel"]
    )


# The editor's entrypoints are reached through their module: `nameko run` starts every class
# with entrypoints this module names, and the mixin is only a part of this one service.
class IntakeService(release_text_entrypoints.ReleaseTextEntrypoints, ServiceBase):
    name = "intake"
    db = Database(Base.metadata, unit_of_work=IntakeUnitOfWork)
    caller: Any = RpcCaller()  # a worker sees the Caller it provides

    @rpc(expected_exceptions=(ValidationFailed, NotFound))
    def enter_submission(
        self,
        office_id: str,
        submission: dict[str, Any],
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """A request staff took by phone, walk-in, letter or email (the staff app's "new
        case"): the same validation, storage and event as a web submission."""
        arguments = load_arguments(
            ENTER_SUBMISSION,
            {"office_id": office_id, "submission": submission, "idempotency_key": idempotency_key},
        )
        body = arguments["submission"]
        submit_request = load_arguments(SUBMISSION, body)
        if submit_request.channel not in STAFF_CHANNELS:
            raise ValidationFailed(
                "staff enter requests that came by phone, walk-in, letter or email",
                fields={"channel": [f"choose one of: {', '.join(STAFF_CHANNELS)}"]},
            )
        if submit_request.privacy_release is not None:
            raise ValidationFailed(
                "the constituent signs the privacy release themselves",
                fields={"privacy_release": ["send the constituent the release to sign"]},
            )
        key = arguments["idempotency_key"]
        receipt = handlers.accept_submission(
            self.db,
            arguments["office_id"],
            submit_request,
            ConsentEvidence(ip=None, user_agent=None),
            idempotency=Idempotency.of(key, body) if key else None,
        )
        accepted_total(self.name).labels(submit_request.channel).inc()
        return dict(RECEIPT.dump(receipt))

    @event_handler(OFFICE_REGISTERED)
    def record_office(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, status_page.record_office)

    # --- The public status projection (cases' events) ------------------------------------

    @event_handler(CASE_OPENED)
    def project_case_opened(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, status_page.project_case_opened)

    @event_handler(CASE_STATUS_CHANGED)
    def project_status_changed(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, status_page.project_status_changed)

    @event_handler(CASE_CLOSED)
    def project_case_closed(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, status_page.project_case_closed)

    @event_handler(PUBLIC_NOTE_ADDED)
    def project_public_note(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, status_page.project_public_note)

    @event_handler(SURVEY_OFFERED)
    def record_survey_offer(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, surveys.record_survey_offer)

    @event_handler(UNSUBSCRIBE_OFFERED)
    def record_unsubscribe_offer(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, unsubscribe.record_unsubscribe_offer)

    # --- Releases and attachments on the case page (staff, through the gateway) -----------

    @rpc(expected_exceptions=STAFF_ERRORS)
    def releases(self, office_id: str, submission_id: str) -> list[dict[str, Any]]:
        office, actor, arguments = staff_arguments(
            self.caller, SUBMISSION_RELEASES, office_id=office_id, submission_id=submission_id
        )
        now = utcnow()
        found = staff_releases.staff_releases(self.db, office, actor, arguments["submission_id"])
        return [release_summary(release, now) for release in found]

    @rpc(expected_exceptions=STAFF_ERRORS)
    def reveal_identifiers(self, office_id: str, release_id: str) -> dict[str, str]:
        office, actor, arguments = staff_arguments(
            self.caller, RELEASE, office_id=office_id, release_id=release_id
        )
        return staff_releases.reveal_identifiers(self.db, office, actor, arguments["release_id"])

    @rpc(expected_exceptions=STAFF_ERRORS)
    def letter_particulars(
        self, office_id: str, submission_id: str, release_id: str | None = None
    ) -> dict[str, Any]:
        """What a letter to an agency says of the constituent (agencies asks as the acting
        staff member); with `release_id`, that release's identifiers, decrypted and audited."""
        office, actor, arguments = staff_arguments(
            self.caller,
            LETTER_PARTICULARS_REQUEST,
            office_id=office_id,
            submission_id=submission_id,
            release_id=release_id,
        )
        particulars = staff_releases.letter_particulars(
            self.db, office, actor, arguments["submission_id"], arguments["release_id"]
        )
        return dict(LETTER_PARTICULARS.dump(particulars))

    @rpc(expected_exceptions=STAFF_ERRORS)
    def release_pdf(self, office_id: str, release_id: str) -> dict[str, str]:
        office, actor, arguments = staff_arguments(
            self.caller, RELEASE, office_id=office_id, release_id=release_id
        )
        document = staff_releases.staff_release_document(
            self.db, office, actor, arguments["release_id"]
        )
        return staff_releases.encode_document(document)

    @rpc(expected_exceptions=STAFF_ERRORS)
    def revoke_release(self, office_id: str, release_id: str, reason: str) -> dict[str, Any]:
        office, actor, arguments = staff_arguments(
            self.caller, REVOKE_RELEASE, office_id=office_id, release_id=release_id, reason=reason
        )
        release = staff_releases.revoke_release_by_staff(
            self.db, office, actor, arguments["release_id"], arguments["reason"]
        )
        return release_summary(release, utcnow())

    @rpc(expected_exceptions=STAFF_ERRORS)
    def file_wet_signed_release(
        self,
        office_id: str,
        submission_id: str,
        agencies: list[str],
        signed_on: str,
        scan: dict[str, Any],
    ) -> dict[str, Any]:
        office, actor, arguments = staff_arguments(
            self.caller,
            FILE_WET_SIGNED,
            office_id=office_id,
            submission_id=submission_id,
            agencies=agencies,
            signed_on=signed_on,
            scan=scan,
        )
        release = staff_releases.file_wet_signed_release(
            self.db,
            office,
            actor,
            arguments["submission_id"],
            agencies=arguments["agencies"],
            signed_on=arguments["signed_on"],
            scan=decoded_upload(arguments["scan"]),
        )
        return release_summary(release, utcnow())

    @rpc(expected_exceptions=STAFF_ERRORS)
    def attachment(self, office_id: str, attachment_id: str) -> dict[str, str]:
        office, actor, arguments = staff_arguments(
            self.caller, ATTACHMENT, office_id=office_id, attachment_id=attachment_id
        )
        document = staff_releases.staff_attachment(
            self.db, office, actor, arguments["attachment_id"]
        )
        return staff_releases.encode_document(document)

    # --- A constituent's contact preferences (staff, on the constituent's word) -------------

    @rpc(expected_exceptions=STAFF_ERRORS)
    def contact_preferences(self, office_id: str, constituent_id: str) -> dict[str, Any]:
        office, actor, arguments = staff_arguments(
            self.caller, CONSTITUENT_REQUEST, office_id=office_id, constituent_id=constituent_id
        )
        preferences = unsubscribe.contact_preferences(
            self.db, office, actor, arguments["constituent_id"]
        )
        return preferences_answer(preferences, changed=False)

    @rpc(expected_exceptions=STAFF_ERRORS)
    def set_email_opt_out(
        self, office_id: str, constituent_id: str, opted_out: bool
    ) -> dict[str, Any]:
        office, actor, arguments = staff_arguments(
            self.caller,
            EMAIL_OPT_OUT,
            office_id=office_id,
            constituent_id=constituent_id,
            opted_out=opted_out,
        )
        preferences, changed = unsubscribe.set_email_opt_out(
            self.db, office, actor, arguments["constituent_id"], arguments["opted_out"]
        )
        return preferences_answer(preferences, changed=changed)


def decoded_upload(scan: dict[str, Any]) -> Upload:
    try:
        content = base64.b64decode(scan["content_base64"], validate=True)
    except (ValueError, binascii.Error):
        raise ValidationFailed(
            "the scan is not valid base64", fields={"scan": ["not valid base64"]}
        ) from None
    return Upload(filename=scan["filename"], content=content)


def release_summary(release: Release, now: datetime) -> dict[str, Any]:
    """What staff see of a release (`ReleaseSummary`): never the identifiers' values."""
    return dict(
        RELEASE_SUMMARY.dump(
            {
                "release_id": release.id,
                "submission_id": release.submission_id,
                "kind": release.kind,
                "agencies": list(release.agencies),
                "signature_name": release.signature_name,
                "language": release.language,
                "text_version": release.text_version,
                "text_sha256": release.text_sha256,
                "signed_at": release.signed_at.isoformat(),
                "expires_at": release.expires_at.isoformat(),
                "state": release.state(now),
                "revoked_at": release.revoked_at.isoformat() if release.revoked_at else None,
                "revoked_by": release.revoked_by,
                "revocation_reason": release.revocation_reason,
                "identifier_kinds": list(release.identifier_kinds),
            }
        )
    )


def preferences_answer(preferences: Preferences, *, changed: bool) -> dict[str, Any]:
    """A constituent's contact preferences as the contract answers them."""
    since = preferences.email_opted_out_at
    return dict(
        CONTACT_PREFERENCES.dump(
            {
                "constituent_id": preferences.constituent_id,
                "email_opted_out": preferences.email_opted_out,
                "email_opted_out_at": since.isoformat() if since else None,
                "changed": changed,
            }
        )
    )
