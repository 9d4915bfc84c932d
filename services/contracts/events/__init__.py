"""Event contracts: one marshmallow schema per `<service>.<past_tense>` and version.

Events carry ids and the fields consumers need, never sensitive identifiers (SSN, alien
number, claim numbers, date of birth, health details). Producers dump strictly (unknown
fields are a bug); consumers load tolerantly (fields they do not know are ignored).
"""

from __future__ import annotations

from dataclasses import dataclass

from services.contracts.events.agencies import (
    AGENCY_SUGGESTED,
    CASE_REFERRED,
    CLOCK_PAUSED,
    CLOCK_RESUMED,
    DEADLINE_EXTENDED,
    INQUIRY_OVERDUE,
    INQUIRY_SENT,
    INQUIRY_WITHDRAWN,
    REPLY_LOGGED,
)
from services.contracts.events.cases import (
    CASE_ASSIGNED,
    CASE_CLOSED,
    CASE_OPENED,
    CASE_STATUS_CHANGED,
    PUBLIC_NOTE_ADDED,
)
from services.contracts.events.contract import EventContract
from services.contracts.events.gateway import (
    OFFICE_REGISTERED,
    STAFF_CONTACT_RECORDED,
    STAFF_MEMBER_ADDED,
)
from services.contracts.events.intake import (
    CONTACT_PREFERENCES_CHANGED,
    DOCUMENTS_RECEIVED,
    PRIVACY_RELEASE_REVOKED,
    PRIVACY_RELEASE_SIGNED,
    SATISFACTION_RATED,
    STATUS_CODE_REQUESTED,
    SUBMISSION_RECEIVED,
    TEXT_OPT_OUT_CHANGED,
)
from services.contracts.events.notify import (
    ACKNOWLEDGEMENT_SENT,
    REMINDER_DUE,
    SURVEY_OFFERED,
    UNSUBSCRIBE_OFFERED,
)

__all__ = [
    "ACKNOWLEDGEMENT_SENT",
    "AGENCY_SUGGESTED",
    "ALL_EVENTS",
    "CASE_ASSIGNED",
    "CASE_CLOSED",
    "CASE_OPENED",
    "CASE_REFERRED",
    "CASE_STATUS_CHANGED",
    "CLOCK_PAUSED",
    "CLOCK_RESUMED",
    "CONTACT_PREFERENCES_CHANGED",
    "DEADLINE_EXTENDED",
    "DOCUMENTS_RECEIVED",
    "INQUIRY_OVERDUE",
    "INQUIRY_SENT",
    "INQUIRY_WITHDRAWN",
    "OFFICE_REGISTERED",
    "PRIVACY_RELEASE_REVOKED",
    "PRIVACY_RELEASE_SIGNED",
    "PUBLIC_NOTE_ADDED",
    "REMINDER_DUE",
    "REPLY_LOGGED",
    "SATISFACTION_RATED",
    "STAFF_CONTACT_RECORDED",
    "STAFF_MEMBER_ADDED",
    "STATUS_CODE_REQUESTED",
    "SUBMISSION_RECEIVED",
    "SUBSCRIPTIONS",
    "SURVEY_OFFERED",
    "TEXT_OPT_OUT_CHANGED",
    "UNSUBSCRIBE_OFFERED",
    "EventContract",
    "Subscription",
    "contract_for",
]

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
    TEXT_OPT_OUT_CHANGED,
    DOCUMENTS_RECEIVED,
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
    # A STOP (or START) replied to the platform's sending number, taken by intake-web's
    # webhook: notify texts that phone nothing more (or again), whichever office writes.
    Subscription("notify", "intake.text_opt_out_changed"),
    # Documents a constituent sent from the status page go on the case (and move it on).
    Subscription("cases", "intake.documents_received"),
    # ... and whoever works the case hears of them behind the bell.
    Subscription("notify", "intake.documents_received"),
)

_BY_TYPE = {contract.event_type: contract for contract in ALL_EVENTS}


def contract_for(event_type: str) -> EventContract:
    try:
        return _BY_TYPE[event_type]
    except KeyError:
        raise KeyError(f"no contract for event type {event_type!r}") from None
