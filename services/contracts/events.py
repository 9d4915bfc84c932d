"""Event contracts: one marshmallow schema per `<service>.<past_tense>` and version.

Events carry ids and the fields consumers need, never sensitive identifiers (SSN, alien
number, claim numbers, date of birth, health details). Producers dump strictly (unknown
fields are a bug); consumers load tolerantly (fields they do not know are ignored).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from marshmallow import EXCLUDE, RAISE, Schema

from services.contracts.fastdump import fast_dumper
from services.contracts.payloads import (
    AcknowledgementSent,
    AcknowledgementSentV1,
    AgencySuggested,
    AgencySuggestedV1,
    CaseAssigned,
    CaseAssignedV1,
    CaseClosed,
    CaseClosedV1,
    CaseOpened,
    CaseOpenedV1,
    CaseReferred,
    CaseReferredV1,
    CaseStatusChanged,
    CaseStatusChangedV1,
    ClockChanged,
    ClockChangedV1,
    ContactPreferencesChanged,
    ContactPreferencesChangedV1,
    DeadlineExtended,
    DeadlineExtendedV1,
    InquiryOverdue,
    InquiryOverdueV1,
    InquirySent,
    InquirySentV1,
    InquiryWithdrawn,
    InquiryWithdrawnV1,
    OfficeRegistered,
    OfficeRegisteredV1,
    PrivacyReleaseRevoked,
    PrivacyReleaseRevokedV1,
    PrivacyReleaseSigned,
    PrivacyReleaseSignedV1,
    PublicNoteAdded,
    PublicNoteAddedV1,
    ReminderDue,
    ReminderDueV1,
    ReplyLogged,
    ReplyLoggedV1,
    SatisfactionRated,
    SatisfactionRatedV1,
    StaffContactRecorded,
    StaffContactRecordedV1,
    StaffMemberAdded,
    StaffMemberAddedV1,
    StatusCodeRequested,
    StatusCodeRequestedV1,
    SubmissionReceived,
    SubmissionReceivedV1,
    SurveyOffered,
    SurveyOfferedV1,
    UnsubscribeOffered,
    UnsubscribeOfferedV1,
)


@dataclass(frozen=True)
class EventContract:
    event_type: str
    version: int
    producer: str
    schema: type[Schema]
    description: str
    example: Mapping[str, Any] = field(default_factory=dict)
    payload_type: type[Any] | None = None

    def dump(self, payload: Any) -> dict[str, Any]:
        """Validate an outgoing payload (its dataclass or a mapping) strictly; its wire form."""
        fast = fast_dumper(self.schema)
        if dataclasses.is_dataclass(payload) and not isinstance(payload, type):
            # A flat payload's attributes are its fields (anything more, or a nested value,
            # and the fast path declines): read them without building a dict first.
            if (
                fast is not None
                and hasattr(payload, "__dict__")
                and (dumped := fast(vars(payload))) is not None
            ):
                return dumped
            payload = {
                name: _plain(getattr(payload, name))
                for name in _field_order(type(payload))  # type: ignore[arg-type]
            }
        if fast is not None and (dumped := fast(payload)) is not None:
            return dumped  # the plain case, without marshmallow: the same dict (fastdump.py)
        strict, _, wire = _schemas(self.schema)
        return dict(wire.dump(strict.load(payload)))

    def load(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Read an incoming payload, ignoring fields this consumer does not know."""
        _, tolerant, _ = _schemas(self.schema)
        return dict(tolerant.load(payload))

    def load_typed(self, payload: Mapping[str, Any]) -> Any:
        """Read an incoming payload into its dataclass (tolerant, like `load`)."""
        loaded = self.load(payload)
        if self.payload_type is None:
            return loaded
        known = _field_names(self.payload_type)  # type: ignore[arg-type]
        return self.payload_type(**{k: v for k, v in loaded.items() if k in known})


def _plain(value: Any) -> Any:
    """A field's value as the schema loads it: a tuple of nested payloads as a list of dicts."""
    if isinstance(value, tuple) and value and dataclasses.is_dataclass(value[0]):
        return [dataclasses.asdict(item) for item in value]  # type: ignore[call-overload]
    return value


@functools.cache
def _field_order(payload_type: type[Any]) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(payload_type))


@functools.cache
def _field_names(payload_type: type[Any]) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(payload_type))


@functools.cache
def _schemas(schema: type[Schema]) -> tuple[Schema, Schema, Schema]:
    # Schema instances are stateless once built and building one deep-copies every field:
    # build each variant once per process (this is on every request's path).
    return schema(unknown=RAISE), schema(unknown=EXCLUDE), schema()


SUBMISSION_RECEIVED = EventContract(
    "intake.submission_received",
    1,
    "intake",
    SubmissionReceivedV1,
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
    payload_type=SubmissionReceived,
)

PRIVACY_RELEASE_SIGNED = EventContract(
    "intake.privacy_release_signed",
    1,
    "intake",
    PrivacyReleaseSignedV1,
    "A constituent signed a privacy release online (or staff filed a wet-signed one): the "
    "office may act for them with the named agencies until it expires or is revoked. Ids, "
    "scope and expiry only; the identifiers stay encrypted in intake.",
    {
        "release_id": "3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a",
        "submission_id": "5b0c9a4e-3f0e-4a8e-9a53-0c7f7b6f6d11",
        "constituent_id": "0d6f3c1e-2a55-4a8b-8f8e-6a4ac2f5b1a0",
        "agencies": ["SSA"],
        "kind": "e_signed",
        "signed_at": "2026-11-23T14:05:00+00:00",
        "expires_at": "2027-11-23T14:05:00+00:00",
    },
    payload_type=PrivacyReleaseSigned,
)

PRIVACY_RELEASE_REVOKED = EventContract(
    "intake.privacy_release_revoked",
    1,
    "intake",
    PrivacyReleaseRevokedV1,
    "A privacy release was revoked by the constituent or by staff (the reason stays in "
    "intake): no further inquiry may rely on it.",
    {
        "release_id": "3c2b1a09-8f7e-4d6c-9b5a-4f3e2d1c0b9a",
        "submission_id": "5b0c9a4e-3f0e-4a8e-9a53-0c7f7b6f6d11",
        "constituent_id": "0d6f3c1e-2a55-4a8b-8f8e-6a4ac2f5b1a0",
        "agencies": ["SSA"],
        "revoked_by": "constituent",
        "revoked_at": "2026-12-01T09:30:00+00:00",
    },
    payload_type=PrivacyReleaseRevoked,
)

STATUS_CODE_REQUESTED = EventContract(
    "intake.status_code_requested",
    1,
    "intake",
    StatusCodeRequestedV1,
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
    payload_type=StatusCodeRequested,
)

CASE_OPENED = EventContract(
    "cases.case_opened",
    1,
    "cases",
    CaseOpenedV1,
    "A case was opened for a submission (exactly one case per submission).",
    {
        "case_id": "9e7c1b1d-8d43-4f83-a6f5-1f1d7d0f2c11",
        "reference": "CW-2026-000042",
        "submission_id": "5b0c9a4e-3f0e-4a8e-9a53-0c7f7b6f6d11",
        "tracking_code": "K7QX-M2PD",
        "constituent_id": "0d6f3c1e-2a55-4a8b-8f8e-6a4ac2f5b1a0",
        "category": "social_security",
        "agency_hint": "SSA",
        "urgent": False,
        "opened_at": "2026-11-23T14:05:01+00:00",
    },
    payload_type=CaseOpened,
)

CASE_ASSIGNED = EventContract(
    "cases.case_assigned",
    1,
    "cases",
    CaseAssignedV1,
    "A case was given to a caseworker (by the office's routing or by a supervisor).",
    {
        "case_id": "9e7c1b1d-8d43-4f83-a6f5-1f1d7d0f2c11",
        "caseworker_id": "u-3",
        "caseworker_name": "Sam Rivera",
        "method": "round_robin",
        "assigned_at": "2026-11-23T14:05:01+00:00",
    },
    payload_type=CaseAssigned,
)

CASE_STATUS_CHANGED = EventContract(
    "cases.case_status_changed",
    1,
    "cases",
    CaseStatusChangedV1,
    "A case moved through its lifecycle (a reopening is a change from resolved or closed back "
    "to open). `changed_by` is the staff user's id.",
    {
        "case_id": "9e7c1b1d-8d43-4f83-a6f5-1f1d7d0f2c11",
        "reference": "CW-2026-000042",
        "from_status": "open",
        "to_status": "waiting_on_agency",
        "reason": "Inquiry sent to SSA congressional liaison",
        "changed_by": "u-3",
        "changed_at": "2026-11-24T10:12:00+00:00",
    },
    payload_type=CaseStatusChanged,
)

CASE_CLOSED = EventContract(
    "cases.case_closed",
    1,
    "cases",
    CaseClosedV1,
    "A case was closed with its structured outcome (what the office achieved). The outcome's "
    "free text stays in cases.",
    {
        "case_id": "9e7c1b1d-8d43-4f83-a6f5-1f1d7d0f2c11",
        "reference": "CW-2026-000042",
        "category": "social_security",
        "agency_code": "SSA",
        "result": "favourable",
        "obtained": ["payment_released"],
        "amount_minor": 412000,
        "currency": "USD",
        "opened_at": "2026-11-23T14:05:01+00:00",
        "closed_by": "u-3",
        "closed_at": "2026-12-02T16:40:00+00:00",
    },
    payload_type=CaseClosed,
)

PUBLIC_NOTE_ADDED = EventContract(
    "cases.public_note_added",
    1,
    "cases",
    PublicNoteAddedV1,
    "A caseworker wrote an update meant for the constituent; the public status page shows "
    "it. Internal notes never leave cases.",
    {
        "case_id": "9e7c1b1d-8d43-4f83-a6f5-1f1d7d0f2c11",
        "reference": "DEM-2026-00042",
        "note_id": "4d1e2f3a-5b6c-4d7e-8f90-a1b2c3d4e5f6",
        "text": "We have contacted the Social Security Administration on your behalf.",
        "added_at": "2026-11-25T10:00:00+00:00",
    },
    payload_type=PublicNoteAdded,
)

AGENCY_SUGGESTED = EventContract(
    "agencies.agency_suggested",
    1,
    "agencies",
    AgencySuggestedV1,
    "The agency directory suggests which agency a new case concerns.",
    {
        "case_id": "9e7c1b1d-8d43-4f83-a6f5-1f1d7d0f2c11",
        "agency_code": "SSA",
        "agency_name": "Social Security Administration",
        "reason": "category:social_security",
    },
    payload_type=AgencySuggested,
)

ACKNOWLEDGEMENT_SENT = EventContract(
    "notify.acknowledgement_sent",
    1,
    "notify",
    AcknowledgementSentV1,
    "The constituent was sent an acknowledgement with their tracking code.",
    {
        "case_id": "9e7c1b1d-8d43-4f83-a6f5-1f1d7d0f2c11",
        "submission_id": "5b0c9a4e-3f0e-4a8e-9a53-0c7f7b6f6d11",
        "channel": "email",
        "sent_at": "2026-11-23T14:05:02+00:00",
    },
    payload_type=AcknowledgementSent,
)

OFFICE_REGISTERED = EventContract(
    "gateway.office_registered",
    1,
    "gateway",
    OfficeRegisteredV1,
    "Legislature IT registered (or renamed) a member office, the tenant of all its data; "
    "announced again when its admin changes its time zone, when its reminders fall due or its "
    "sending hours.",
    {
        "office_id": "rep-lopez",
        "name": "Office of Rep. Ana Lopez",
        "reply_to_email": "casework@lopez.example.gov",
        "timezone": "America/Chicago",
        "first_contact_business_days": 2,
        "follow_up_every_days": 7,
        "check_in_every_days": 7,
        "no_activity_days": 14,
        "sending_from": 9,
        "sending_until": 17,
    },
    payload_type=OfficeRegistered,
)

STAFF_MEMBER_ADDED = EventContract(
    "gateway.staff_member_added",
    1,
    "gateway",
    StaffMemberAddedV1,
    "A staff member joined an office, or their name, role, specialties or whether they are "
    "active changed (the latest announcement wins); routing uses the active caseworkers and "
    "supervisors, and gives a case of a category to a specialist in it first.",
    {
        "user_id": "u-3",
        "display_name": "Sam Rivera",
        "role": "caseworker",
        "active": True,
        "specialties": ["veterans", "social_security"],
    },
    payload_type=StaffMemberAdded,
)

STAFF_CONTACT_RECORDED = EventContract(
    "gateway.staff_contact_recorded",
    1,
    "gateway",
    StaffContactRecordedV1,
    "Where a staff member's own mail goes, announced when they join and again with "
    "`admin announce-staff`; notify alone binds it (the daily digest), so staff addresses "
    "stay out of the roster event every service keeps.",
    {"user_id": "u-3", "email": "sam.rivera@lopez.example.gov"},
    payload_type=StaffContactRecorded,
)

INQUIRY_SENT = EventContract(
    "agencies.inquiry_sent",
    1,
    "agencies",
    InquirySentV1,
    "A caseworker's letter went to an agency's congressional liaison (emailed by agencies, or "
    "marked as sent by fax, portal or post) behind a valid privacy release; its response clock "
    "runs to `due_on`. Cases moves the case to waiting_on_agency; reminders follow up.",
    {
        "inquiry_id": "7f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
        "case_id": "9e7c1b1d-8d43-4f83-a6f5-1f1d7d0f2c11",
        "reference": "CW-2026-000042",
        "agency_code": "SSA",
        "agency_name": "Social Security Administration",
        "channel": "email",
        "sent_by": "u-3",
        "sent_at": "2026-12-12T15:00:00+00:00",
        "due_on": "2027-01-01",
        "follow_up_on": "2026-12-19",
    },
    payload_type=InquirySent,
)

REPLY_LOGGED = EventContract(
    "agencies.reply_logged",
    1,
    "agencies",
    ReplyLoggedV1,
    "An agency's reply to an inquiry was logged: a final one stops the clock and its "
    "follow-ups; an interim one keeps the due date and restarts the follow-up clock.",
    {
        "inquiry_id": "7f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
        "case_id": "9e7c1b1d-8d43-4f83-a6f5-1f1d7d0f2c11",
        "reference": "CW-2026-000042",
        "agency_code": "SSA",
        "agency_name": "Social Security Administration",
        "kind": "interim",
        "logged_by": "u-3",
        "received_on": "2026-12-20",
        "logged_at": "2026-12-21T09:00:00+00:00",
        "follow_up_on": "2027-01-19",
    },
    payload_type=ReplyLogged,
)

INQUIRY_OVERDUE = EventContract(
    "agencies.inquiry_overdue",
    1,
    "agencies",
    InquiryOverdueV1,
    "An inquiry has no final reply at a threshold: announced once at the due date, once 5 "
    "and once 10 business days later (reminders and the supervisor's escalation follow).",
    {
        "inquiry_id": "7f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
        "case_id": "9e7c1b1d-8d43-4f83-a6f5-1f1d7d0f2c11",
        "reference": "CW-2026-000042",
        "agency_code": "SSA",
        "agency_name": "Social Security Administration",
        "level": "plus_5",
        "due_on": "2027-01-01",
        "business_days_late": 5,
        "detected_at": "2027-01-08T13:00:00+00:00",
    },
    payload_type=InquiryOverdue,
)

INQUIRY_WITHDRAWN = EventContract(
    "agencies.inquiry_withdrawn",
    1,
    "agencies",
    InquiryWithdrawnV1,
    "Staff withdrew a sent inquiry: its clock and follow-ups end, and the case no longer "
    "waits on that agency.",
    {
        "inquiry_id": "7f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
        "case_id": "9e7c1b1d-8d43-4f83-a6f5-1f1d7d0f2c11",
        "reference": "CW-2026-000042",
        "agency_code": "SSA",
        "agency_name": "Social Security Administration",
        "withdrawn_by": "u-3",
        "withdrawn_at": "2026-12-20T10:00:00+00:00",
    },
    payload_type=InquiryWithdrawn,
)

CLOCK_PAUSED = EventContract(
    "agencies.clock_paused",
    1,
    "agencies",
    ClockChangedV1,
    "The case waits on the constituent: its open inquiries' response clocks stopped.",
    {
        "case_id": "9e7c1b1d-8d43-4f83-a6f5-1f1d7d0f2c11",
        "reference": "CW-2026-000042",
        "inquiry_ids": ["7f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"],
        "due_on": {"7f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0": "2027-01-01"},
        "reason": "waiting_on_constituent",
        "at": "2026-12-15T10:00:00+00:00",
    },
    payload_type=ClockChanged,
)

CLOCK_RESUMED = EventContract(
    "agencies.clock_resumed",
    1,
    "agencies",
    ClockChangedV1,
    "The case no longer waits on the constituent: its inquiries' clocks run again, each due "
    "date moved by the days it was stopped.",
    {
        "case_id": "9e7c1b1d-8d43-4f83-a6f5-1f1d7d0f2c11",
        "reference": "CW-2026-000042",
        "inquiry_ids": ["7f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"],
        "due_on": {"7f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0": "2027-01-06"},
        "reason": "open",
        "at": "2026-12-18T10:00:00+00:00",
    },
    payload_type=ClockChanged,
)

DEADLINE_EXTENDED = EventContract(
    "agencies.deadline_extended",
    1,
    "agencies",
    DeadlineExtendedV1,
    "Staff moved an inquiry's due date, with a reason (reminders reschedule).",
    {
        "inquiry_id": "7f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
        "case_id": "9e7c1b1d-8d43-4f83-a6f5-1f1d7d0f2c11",
        "reference": "CW-2026-000042",
        "agency_code": "SSA",
        "due_on": "2027-01-15",
        "previous_due_on": "2027-01-01",
        "reason": "The liaison asked for two more weeks",
        "extended_by": "u-3",
        "at": "2026-12-30T16:00:00+00:00",
    },
    payload_type=DeadlineExtended,
)

CASE_REFERRED = EventContract(
    "agencies.case_referred",
    1,
    "agencies",
    CaseReferredV1,
    "The office referred a case to one of its partner organisations.",
    {
        "case_id": "9e7c1b1d-8d43-4f83-a6f5-1f1d7d0f2c11",
        "reference": "CW-2026-000042",
        "referral_id": "1a2b3c4d-5e6f-4789-8abc-def012345678",
        "partner_id": "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
        "partner_name": "Legal Aid of the Valley",
        "referred_by": "u-3",
        "referred_at": "2026-12-03T11:00:00+00:00",
        "with_letter": True,
    },
    payload_type=CaseReferred,
)

REMINDER_DUE = EventContract(
    "notify.reminder_due",
    1,
    "notify",
    ReminderDueV1,
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
    payload_type=ReminderDue,
)

SURVEY_OFFERED = EventContract(
    "notify.survey_offered",
    1,
    "notify",
    SurveyOfferedV1,
    "A case's closure message was queued with a one-click satisfaction survey. Intake keeps "
    "the SHA-256 of the link's secret so the portal can take the rating; the secret itself "
    "travels only in the constituent's email.",
    {
        "survey_id": "5d1c9e8a-7b3f-4e21-9a0d-2c4b6e8f1a37",
        "case_id": "9e7c1b1d-8d43-4f83-a6f5-1f1d7d0f2c11",
        "token_sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "offered_at": "2027-01-20T16:00:00+00:00",
    },
    payload_type=SurveyOffered,
)

SATISFACTION_RATED = EventContract(
    "intake.satisfaction_rated",
    1,
    "intake",
    SatisfactionRatedV1,
    "A constituent clicked a rating (1 to 5) in their closure message's survey. Metrics "
    "counts it in the office's satisfaction; cases shows it on the case. A later rating of the "
    "same case replaces the earlier one.",
    {
        "survey_id": "5d1c9e8a-7b3f-4e21-9a0d-2c4b6e8f1a37",
        "case_id": "9e7c1b1d-8d43-4f83-a6f5-1f1d7d0f2c11",
        "rating": 5,
        "rated_at": "2027-01-21T09:12:00+00:00",
    },
    payload_type=SatisfactionRated,
)

UNSUBSCRIBE_OFFERED = EventContract(
    "notify.unsubscribe_offered",
    1,
    "notify",
    UnsubscribeOfferedV1,
    "Notify first heard of a constituent of this office and made the secret of the unsubscribe "
    "link every email to them carries. Intake keeps its SHA-256 so the portal can take the "
    "constituent's opt-out; the secret itself travels only in the constituent's email.",
    {
        "constituent_id": "c5b2f1e0-3a4d-4b6c-8d9e-0f1a2b3c4d5e",
        "token_sha256": "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
        "offered_at": "2026-12-01T15:04:05+00:00",
    },
    payload_type=UnsubscribeOffered,
)

CONTACT_PREFERENCES_CHANGED = EventContract(
    "intake.contact_preferences_changed",
    1,
    "intake",
    ContactPreferencesChangedV1,
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
    payload_type=ContactPreferencesChanged,
)

ALL_EVENTS: tuple[EventContract, ...] = (
    SUBMISSION_RECEIVED,
    PRIVACY_RELEASE_SIGNED,
    PRIVACY_RELEASE_REVOKED,
    STATUS_CODE_REQUESTED,
    CASE_OPENED,
    CASE_ASSIGNED,
    CASE_STATUS_CHANGED,
    CASE_CLOSED,
    PUBLIC_NOTE_ADDED,
    AGENCY_SUGGESTED,
    INQUIRY_SENT,
    REPLY_LOGGED,
    INQUIRY_OVERDUE,
    INQUIRY_WITHDRAWN,
    CLOCK_PAUSED,
    CLOCK_RESUMED,
    DEADLINE_EXTENDED,
    CASE_REFERRED,
    REMINDER_DUE,
    ACKNOWLEDGEMENT_SENT,
    OFFICE_REGISTERED,
    STAFF_MEMBER_ADDED,
    STAFF_CONTACT_RECORDED,
    SURVEY_OFFERED,
    SATISFACTION_RATED,
    UNSUBSCRIBE_OFFERED,
    CONTACT_PREFERENCES_CHANGED,
)


@dataclass(frozen=True)
class Subscription:
    """`consumer` keeps a durable queue of `event_type`, declared by producer and consumer."""

    consumer: str
    event_type: str

    @property
    def queue(self) -> str:
        return f"{self.consumer}--{self.event_type}"


SUBSCRIPTIONS: tuple[Subscription, ...] = (
    Subscription("cases", "intake.submission_received"),
    Subscription("notify", "intake.submission_received"),
    Subscription("metrics", "intake.submission_received"),
    Subscription("notify", "cases.case_opened"),
    Subscription("agencies", "cases.case_opened"),
    Subscription("metrics", "cases.case_opened"),
    Subscription("metrics", "cases.case_assigned"),
    Subscription("metrics", "cases.case_status_changed"),
    Subscription("metrics", "cases.case_closed"),
    Subscription("cases", "agencies.agency_suggested"),
    Subscription("cases", "notify.acknowledgement_sent"),
    Subscription("metrics", "notify.acknowledgement_sent"),
    Subscription("intake", "gateway.office_registered"),
    Subscription("notify", "gateway.office_registered"),
    Subscription("cases", "gateway.staff_member_added"),
    # The privacy release's state on the case page (and, later, agencies' consent gate).
    Subscription("cases", "intake.privacy_release_signed"),
    Subscription("cases", "intake.privacy_release_revoked"),
    Subscription("notify", "intake.status_code_requested"),
    # Intake's public status projection: the portal's status page needs no RPC to cases.
    Subscription("intake", "cases.case_opened"),
    Subscription("intake", "cases.case_status_changed"),
    Subscription("intake", "cases.case_closed"),
    Subscription("intake", "cases.public_note_added"),
    # Agency liaison: the consent gate reads agencies' own copy of the releases; a case
    # waiting on its constituent stops the response clocks; closing it ends them.
    Subscription("agencies", "intake.privacy_release_signed"),
    Subscription("agencies", "intake.privacy_release_revoked"),
    Subscription("agencies", "cases.case_status_changed"),
    Subscription("agencies", "cases.case_closed"),
    Subscription("agencies", "gateway.office_registered"),
    # ... and every step of it is on the case's timeline.
    Subscription("cases", "agencies.inquiry_sent"),
    Subscription("cases", "agencies.reply_logged"),
    Subscription("cases", "agencies.inquiry_overdue"),
    Subscription("cases", "agencies.inquiry_withdrawn"),
    Subscription("cases", "agencies.clock_paused"),
    Subscription("cases", "agencies.clock_resumed"),
    Subscription("cases", "agencies.deadline_extended"),
    Subscription("cases", "agencies.case_referred"),
    # Reminders: notify keeps each case's clocks from what cases and agencies announce, and
    # what fires is on the case's timeline. A public note, a status the constituent is told
    # of and a closure are also mailed to the constituent.
    Subscription("notify", "cases.case_assigned"),
    Subscription("notify", "cases.case_status_changed"),
    Subscription("notify", "cases.case_closed"),
    Subscription("notify", "cases.public_note_added"),
    Subscription("notify", "agencies.inquiry_sent"),
    Subscription("notify", "agencies.reply_logged"),
    Subscription("notify", "agencies.inquiry_overdue"),
    Subscription("notify", "agencies.inquiry_withdrawn"),
    Subscription("notify", "agencies.deadline_extended"),
    Subscription("cases", "notify.reminder_due"),
    # ... and the people each reminder is for hear of it behind their bell in the staff app.
    Subscription("notify", "gateway.staff_member_added"),
    # ... and once a day mailed what waits behind it (notify alone hears staff addresses).
    Subscription("notify", "gateway.staff_contact_recorded"),
    Subscription("intake", "notify.survey_offered"),
    Subscription("metrics", "intake.satisfaction_rated"),
    Subscription("cases", "intake.satisfaction_rated"),
    # Every email to a constituent carries an unsubscribe link, which the portal serves ...
    Subscription("intake", "notify.unsubscribe_offered"),
    # ... and notify respects what the constituent chose there.
    Subscription("notify", "intake.contact_preferences_changed"),
)

_BY_TYPE = {contract.event_type: contract for contract in ALL_EVENTS}


def contract_for(event_type: str) -> EventContract:
    try:
        return _BY_TYPE[event_type]
    except KeyError:
        raise KeyError(f"no contract for event type {event_type!r}") from None
