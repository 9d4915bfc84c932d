"""The events agencies announces: the agency suggested, letters sent, replies, overdue and
withdrawn inquiries, the response clocks, extensions and referrals."""

from __future__ import annotations

from services.contracts.events.contract import EventContract
from services.contracts.payloads import agencies as payloads

# The examples' inquiry, as every event about an inquiry names it first
# (`payloads.InquiryEventV1`).
_INQUIRY = {
    "inquiry_id": "7f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
    "case_id": "9e7c1b1d-8d43-4f83-a6f5-1f1d7d0f2c11",
    "reference": "CW-2026-000042",
    "agency_code": "SSA",
    "agency_name": "Social Security Administration",
}

AGENCY_SUGGESTED = EventContract(
    "agencies.agency_suggested",
    1,
    "agencies",
    payloads.AgencySuggestedV1,
    "The agency directory suggests which agency a new case concerns.",
    {
        "case_id": "9e7c1b1d-8d43-4f83-a6f5-1f1d7d0f2c11",
        "agency_code": "SSA",
        "agency_name": "Social Security Administration",
        "reason": "category:social_security",
    },
    payload_type=payloads.AgencySuggested,
)

INQUIRY_SENT = EventContract(
    "agencies.inquiry_sent",
    1,
    "agencies",
    payloads.InquirySentV1,
    "A caseworker's letter went to an agency's congressional liaison (emailed by agencies, or "
    "marked as sent by fax, portal or post) behind a valid privacy release; its response clock "
    "runs to `due_on`. Cases moves the case to waiting_on_agency; reminders follow up.",
    {
        **_INQUIRY,
        "channel": "email",
        "sent_by": "u-3",
        "sent_at": "2026-12-12T15:00:00+00:00",
        "due_on": "2027-01-01",
        "follow_up_on": "2026-12-19",
    },
    payload_type=payloads.InquirySent,
)

REPLY_LOGGED = EventContract(
    "agencies.reply_logged",
    1,
    "agencies",
    payloads.ReplyLoggedV1,
    "An agency's reply to an inquiry was logged: a final one stops the clock and its "
    "follow-ups; an interim one keeps the due date and restarts the follow-up clock.",
    {
        **_INQUIRY,
        "kind": "interim",
        "logged_by": "u-3",
        "received_on": "2026-12-20",
        "logged_at": "2026-12-21T09:00:00+00:00",
        "follow_up_on": "2027-01-19",
    },
    payload_type=payloads.ReplyLogged,
)

INQUIRY_OVERDUE = EventContract(
    "agencies.inquiry_overdue",
    1,
    "agencies",
    payloads.InquiryOverdueV1,
    "An inquiry has no final reply at a threshold: announced once at the due date, once 5 "
    "and once 10 business days later (reminders and the supervisor's escalation follow).",
    {
        **_INQUIRY,
        "level": "plus_5",
        "due_on": "2027-01-01",
        "business_days_late": 5,
        "detected_at": "2027-01-08T13:00:00+00:00",
    },
    payload_type=payloads.InquiryOverdue,
)

INQUIRY_WITHDRAWN = EventContract(
    "agencies.inquiry_withdrawn",
    1,
    "agencies",
    payloads.InquiryWithdrawnV1,
    "Staff withdrew a sent inquiry: its clock and follow-ups end, and the case no longer "
    "waits on that agency.",
    {
        **_INQUIRY,
        "withdrawn_by": "u-3",
        "withdrawn_at": "2026-12-20T10:00:00+00:00",
    },
    payload_type=payloads.InquiryWithdrawn,
)

CLOCK_PAUSED = EventContract(
    "agencies.clock_paused",
    1,
    "agencies",
    payloads.ClockChangedV1,
    "The case waits on the constituent: its open inquiries' response clocks stopped.",
    {
        "case_id": "9e7c1b1d-8d43-4f83-a6f5-1f1d7d0f2c11",
        "reference": "CW-2026-000042",
        "inquiry_ids": ["7f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"],
        "due_on": {"7f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0": "2027-01-01"},
        "reason": "waiting_on_constituent",
        "at": "2026-12-15T10:00:00+00:00",
    },
    payload_type=payloads.ClockChanged,
)

CLOCK_RESUMED = EventContract(
    "agencies.clock_resumed",
    1,
    "agencies",
    payloads.ClockChangedV1,
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
    payload_type=payloads.ClockChanged,
)

DEADLINE_EXTENDED = EventContract(
    "agencies.deadline_extended",
    1,
    "agencies",
    payloads.DeadlineExtendedV1,
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
    payload_type=payloads.DeadlineExtended,
)

CASE_REFERRED = EventContract(
    "agencies.case_referred",
    1,
    "agencies",
    payloads.CaseReferredV1,
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
    payload_type=payloads.CaseReferred,
)
