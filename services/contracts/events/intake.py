"""The events intake announces: requests accepted, privacy releases signed and revoked, status
codes asked for, ratings and contact preferences, documents a constituent sent for a case."""

from __future__ import annotations

from services.contracts.events.contract import EventContract
from services.contracts.payloads import intake as payloads

SUBMISSION_RECEIVED = EventContract(
    "intake.submission_received",
    1,
    "intake",
    payloads.SubmissionReceivedV1,
    "A constituent's request was accepted (web form, email, phone or walk-in). "
    "The free-text description stays in intake.",
    {
        "submission_id": "5b0c9a4e-3f0e-4a8e-9a53-0c7f7b6f6d11",
        "tracking_code": "K7QX-M2PD",
        "constituent_id": "0d6f3c1e-2a55-4a8b-8f8e-6a4ac2f5b1a0",
        "constituent_name": "Maria Lopez",
        "contact_email": "maria@example.org",
        "preferred_language": "en",
        "channel": "web",
        "category": "social_security",
        "agency_hint": "SSA",
        "subject": "Retirement benefit delayed",
        "urgent": False,
        "privacy_release_signed": True,
        "received_at": "2026-11-23T14:05:00+00:00",
        "preferred_channel": "email",
        "contact_phone": "+12025550134",
        "attachments": [
            {
                "attachment_id": "a1f0c2d4-7b1e-4c55-9d0a-2e4f6a8b0c13",
                "filename": "denial-letter.pdf",
                "content_type": "application/pdf",
                "size_bytes": 48213,
                "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            }
        ],
    },
    payload_type=payloads.SubmissionReceived,
)

# The examples' privacy release, as both its events name it first
# (`payloads.PrivacyReleaseEventV1`).
_RELEASE = {
    "release_id": "3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a",
    "submission_id": "5b0c9a4e-3f0e-4a8e-9a53-0c7f7b6f6d11",
    "constituent_id": "0d6f3c1e-2a55-4a8b-8f8e-6a4ac2f5b1a0",
    "agencies": ["SSA"],
}

PRIVACY_RELEASE_SIGNED = EventContract(
    "intake.privacy_release_signed",
    1,
    "intake",
    payloads.PrivacyReleaseSignedV1,
    "A constituent signed a privacy release online (or staff filed a wet-signed one): the "
    "office may act for them with the named agencies until it expires or is revoked. Ids, "
    "scope and expiry only; the identifiers stay encrypted in intake.",
    {
        **_RELEASE,
        "kind": "e_signed",
        "signed_at": "2026-11-23T14:05:00+00:00",
        "expires_at": "2027-11-23T14:05:00+00:00",
    },
    payload_type=payloads.PrivacyReleaseSigned,
)

PRIVACY_RELEASE_REVOKED = EventContract(
    "intake.privacy_release_revoked",
    1,
    "intake",
    payloads.PrivacyReleaseRevokedV1,
    "A privacy release was revoked by the constituent or by staff (the reason stays in "
    "intake): no further inquiry may rely on it.",
    {
        **_RELEASE,
        "revoked_by": "constituent",
        "revoked_at": "2026-12-01T09:30:00+00:00",
    },
    payload_type=payloads.PrivacyReleaseRevoked,
)

STATUS_CODE_REQUESTED = EventContract(
    "intake.status_code_requested",
    1,
    "intake",
    payloads.StatusCodeRequestedV1,
    "A constituent asked to see their request's status on the portal: notify mails them the "
    "one-time code, in their language. The code is valid for minutes and intake keeps only "
    "its hash.",
    {
        "submission_id": "5b0c9a4e-3f0e-4a8e-9a53-0c7f7b6f6d11",
        "tracking_code": "K7QX-M2PD",
        "contact_email": "maria@example.org",
        "preferred_language": "es",
        "code": "482913",
        "expires_at": "2026-11-23T14:20:00+00:00",
    },
    payload_type=payloads.StatusCodeRequested,
)

SATISFACTION_RATED = EventContract(
    "intake.satisfaction_rated",
    1,
    "intake",
    payloads.SatisfactionRatedV1,
    "A constituent clicked a rating (1 to 5) in their closure message's survey. Metrics "
    "counts it in the office's satisfaction; cases shows it on the case. A later rating of the "
    "same case replaces the earlier one.",
    {
        "survey_id": "5d1c9e8a-7b3f-4e21-9a0d-2c4b6e8f1a37",
        "case_id": "9e7c1b1d-8d43-4f83-a6f5-1f1d7d0f2c11",
        "rating": 5,
        "rated_at": "2027-01-21T09:12:00+00:00",
    },
    payload_type=payloads.SatisfactionRated,
)

CONTACT_PREFERENCES_CHANGED = EventContract(
    "intake.contact_preferences_changed",
    1,
    "intake",
    payloads.ContactPreferencesChangedV1,
    "A constituent stopped (or started again) email from the office about their requests, "
    "through the link in an email or by asking staff. Notify sends them no email while they "
    "are opted out (a status code they ask for still comes) and shows why in the case's "
    "message log.",
    {
        "constituent_id": "c5b2f1e0-3a4d-4b6c-8d9e-0f1a2b3c4d5e",
        "email_opted_out": True,
        "changed_by": "constituent",
        "changed_at": "2027-01-21T09:12:00+00:00",
    },
    payload_type=payloads.ContactPreferencesChanged,
)

TEXT_OPT_OUT_CHANGED = EventContract(
    "intake.text_opt_out_changed",
    1,
    "intake",
    payloads.TextOptOutChangedV1,
    "Someone replied STOP (or START) to the platform's SMS sending number, as the provider's "
    "inbound webhook told intake-web. Carriers keep the opt-out per sender number, so it holds "
    "for every office: notify texts that phone nothing more until a START, and shows each text "
    "it skipped as opted out in the case's message log. Sent in the envelope of the platform "
    "tenant (`vocabulary.PLATFORM_TENANT`), not of an office. The phone only, never the reply.",
    {
        "phone_number": "+12025550134",
        "opted_out": True,
        "replied_at": "2027-01-21T09:12:00+00:00",
    },
    payload_type=payloads.TextOptOutChanged,
)

DOCUMENTS_RECEIVED = EventContract(
    "intake.documents_received",
    1,
    "intake",
    payloads.DocumentsReceivedV1,
    "A constituent sent documents from the status page for a case waiting on them. Intake "
    "keeps the files (PDF, JPEG or PNG, checked by content) with their SHA-256; the event "
    "names them by id, name, type, size and hash, never their content. Cases lists them on "
    "the case, notes them on its timeline and takes the case off waiting on the constituent; "
    "`message` is what the constituent wrote to the office with them (up to 2,000 "
    "characters), if anything.",
    {
        "submission_id": "5b0c9a4e-3f0e-4a8e-9a53-0c7f7b6f6d11",
        "case_id": "9e7c1b1d-8d43-4f83-a6f5-1f1d7d0f2c11",
        "reference": "CW-2026-000042",
        "attachments": [
            {
                "attachment_id": "c3d2e1f0-7b1e-4c55-9d0a-2e4f6a8b0c14",
                "filename": "dd-214.pdf",
                "content_type": "application/pdf",
                "size_bytes": 182044,
                "sha256": "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752",
            }
        ],
        "message": "Both pages of the DD-214.",
        "received_at": "2026-11-26T16:40:00+00:00",
    },
    payload_type=payloads.DocumentsReceived,
)
