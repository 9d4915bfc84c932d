"""The events notify announces: acknowledgements sent, reminders due, surveys and unsubscribe links
offered."""

from __future__ import annotations

from services.contracts.events.contract import EventContract
from services.contracts.payloads import notify as payloads

ACKNOWLEDGEMENT_SENT = EventContract(
    "notify.acknowledgement_sent",
    1,
    "notify",
    payloads.AcknowledgementSentV1,
    "The constituent was sent an acknowledgement with their tracking code.",
    {
        "case_id": "9e7c1b1d-8d43-4f83-a6f5-1f1d7d0f2c11",
        "submission_id": "5b0c9a4e-3f0e-4a8e-9a53-0c7f7b6f6d11",
        "channel": "email",
        "sent_at": "2026-11-23T14:05:02+00:00",
    },
    payload_type=payloads.AcknowledgementSent,
)

REMINDER_DUE = EventContract(
    "notify.reminder_due",
    1,
    "notify",
    payloads.ReminderDueV1,
    "One of a case's reminders came due and fired, exactly once per occurrence.",
    {
        "reminder_id": "2c4e6a8b-1d3f-4a5b-9c7d-0e1f2a3b4c5d",
        "case_id": "9e7c1b1d-8d43-4f83-a6f5-1f1d7d0f2c11",
        "reference": "CW-2026-000042",
        "kind": "agency_follow_up",
        "audience": "caseworker",
        "occurrence": 1,
        "summary": "Follow up with SSA: no reply 7 days after the letter",
        "due_at": "2026-12-10T14:00:00+00:00",
        "fired_at": "2026-12-10T14:00:01+00:00",
        "agency_code": "SSA",
        "inquiry_id": "1a2b3c4d-5e6f-4789-8abc-def012345678",
    },
    payload_type=payloads.ReminderDue,
)

SURVEY_OFFERED = EventContract(
    "notify.survey_offered",
    1,
    "notify",
    payloads.SurveyOfferedV1,
    "A case's closure message was queued with a one-click satisfaction survey. Intake keeps "
    "the SHA-256 of the link's secret so the portal can take the rating; the secret itself "
    "travels only in the constituent's email.",
    {
        "survey_id": "5d1c9e8a-7b3f-4e21-9a0d-2c4b6e8f1a37",
        "case_id": "9e7c1b1d-8d43-4f83-a6f5-1f1d7d0f2c11",
        "token_sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "offered_at": "2027-01-20T16:00:00+00:00",
    },
    payload_type=payloads.SurveyOffered,
)

UNSUBSCRIBE_OFFERED = EventContract(
    "notify.unsubscribe_offered",
    1,
    "notify",
    payloads.UnsubscribeOfferedV1,
    "Notify first heard of a constituent of this office and made the secret of the unsubscribe "
    "link every email to them carries. Intake keeps its SHA-256 so the portal can take the "
    "constituent's opt-out; the secret itself travels only in the constituent's email.",
    {
        "constituent_id": "c5b2f1e0-3a4d-4b6c-8d9e-0f1a2b3c4d5e",
        "token_sha256": "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
        "offered_at": "2026-12-01T15:04:05+00:00",
    },
    payload_type=payloads.UnsubscribeOffered,
)
