"""The events gateway announces: offices registered and staff added, with their contact details."""

from __future__ import annotations

from services.contracts.events.contract import EventContract
from services.contracts.payloads import gateway as payloads

OFFICE_REGISTERED = EventContract(
    "gateway.office_registered",
    1,
    "gateway",
    payloads.OfficeRegisteredV1,
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
    payload_type=payloads.OfficeRegistered,
)

STAFF_MEMBER_ADDED = EventContract(
    "gateway.staff_member_added",
    1,
    "gateway",
    payloads.StaffMemberAddedV1,
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
    payload_type=payloads.StaffMemberAdded,
)

STAFF_CONTACT_RECORDED = EventContract(
    "gateway.staff_contact_recorded",
    1,
    "gateway",
    payloads.StaffContactRecordedV1,
    "Where a staff member's own mail goes, announced when they join and again with "
    "`admin announce-staff`; notify alone binds it (the daily digest), so staff addresses "
    "stay out of the roster event every service keeps.",
    {"user_id": "u-3", "email": "sam.rivera@lopez.example.gov"},
    payload_type=payloads.StaffContactRecorded,
)
