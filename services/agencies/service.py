"""Agencies' nameko entrypoints: load the arguments with the contract, call the handler as
the caller from the RPC context, dump the answer. Events feed the projections and clocks; a
timer announces overdue inquiries."""

from __future__ import annotations

import base64
from dataclasses import asdict
from functools import partial
from typing import Any

from nameko.rpc import rpc
from nameko.timer import timer

from services.agencies import csv_io, handlers, liaison, referrals
from services.agencies.adapters.remote import RemoteParticulars
from services.agencies.domain.office import LiaisonSettings
from services.agencies.mailer import LetterMailer
from services.agencies.models import Base
from services.agencies.repository import AgenciesUnitOfWork
from services.chassis.caller import Caller, RpcCaller
from services.chassis.config import env_int
from services.chassis.consuming import Failures
from services.chassis.errors import Conflict, Forbidden, NotFound, Unavailable, ValidationFailed
from services.chassis.events import IncomingEvent
from services.chassis.messaging import event_handler
from services.chassis.remote import DeadlineRpc
from services.chassis.schemas import load_arguments
from services.chassis.service import Database, ServiceBase
from services.contracts import (
    CASE_CLOSED,
    CASE_OPENED,
    CASE_STATUS_CHANGED,
    OFFICE_REGISTERED,
    PRIVACY_RELEASE_REVOKED,
    PRIVACY_RELEASE_SIGNED,
    CaseOpened,
)
from services.contracts.rpc import agencies as contract
from services.contracts.rpc.agencies import (
    AgencyDetail,
    AgencySuggestionResult,
    GetAgencyRequest,
    SuggestAgencyRequest,
)
from services.contracts.rpc.common import OfficeRequest

# What a caller may get back as itself; anything else is a bug, logged with its trace.
EXPECTED = (ValidationFailed, NotFound, Forbidden, Conflict, Unavailable)
OVERDUE_SECONDS = env_int("CASEWORK_AGENCIES_OVERDUE_SECONDS", 60)

AGENCY = AgencyDetail()
AGENCIES = AgencyDetail(many=True)
CONTACTS = contract.ContactEntry(many=True)
CONTACT = contract.ContactEntry()
PARTNERS = contract.PartnerEntry(many=True)
PARTNER = contract.PartnerEntry()
TEMPLATES = contract.TemplateEntry(many=True)
TEMPLATE = contract.TemplateEntry()
INQUIRY = contract.InquiryEntry()
INQUIRIES = contract.InquiryEntry(many=True)
PREVIEW = contract.LetterPreview()
CASE_LIAISON = contract.CaseLiaison()
SCORECARD = contract.ScorecardRow(many=True)
IMPORTED = contract.ImportResult()
SETTINGS = contract.LiaisonSettingsEntry()
DOCUMENT = contract.LetterDocument()
REFERRAL = contract.ReferralEntry()

OFFICE_ONLY = OfficeRequest()
SAVE_AGENCY = contract.SaveAgencyRequest()
CSV = contract.CsvRequest()
OFFICE_CSV = contract.OfficeCsvRequest()
LIST_CONTACTS = contract.ListContactsRequest()
SAVE_CONTACT = contract.SaveContactRequest()
CONTACT_ID = contract.ContactRequest()
SAVE_PARTNER = contract.SavePartnerRequest()
PARTNER_ID = contract.PartnerRequest()
SAVE_SETTINGS = contract.SaveLiaisonSettingsRequest()
SAVE_TEMPLATE = contract.SaveTemplateRequest()
TEMPLATE_ID = contract.TemplateRequest()
CASE_ID = contract.CaseLiaisonRequest()
LETTER = contract.LetterRequest()
INQUIRY_ID = contract.InquiryRequest()
SEND = contract.SendInquiryRequest()
LOG_REPLY = contract.LogReplyRequest()
EXTEND = contract.ExtendDeadlineRequest()
WITHDRAW = contract.WithdrawInquiryRequest()
REFER = contract.ReferCaseRequest()
REFERRAL_ID = contract.ReferralRequest()


def settings_entry(settings: LiaisonSettings) -> dict[str, Any]:
    letterhead = settings.letterhead
    return dict(
        SETTINGS.dump(
            {
                "timezone": settings.timezone,
                "holiday_country": settings.holiday_country,
                "holiday_subdivision": settings.holiday_subdivision,
                "office_name": letterhead.office_name,
                "member_name": letterhead.member_name,
                "address_lines": list(letterhead.address_lines),
                "phone": letterhead.phone,
                "email": letterhead.email,
                "mask_ssn": settings.mask_ssn,
                "include_public_notes": settings.include_public_notes,
                "approval_roles": list(settings.approval_roles),
                "overrides": [asdict(override) for override in settings.overrides.values()],
                "updated_at": settings.updated_at,
            }
        )
    )


def document_answer(document: liaison.Document) -> dict[str, Any]:
    """A PDF across RPC: its name, type and bytes in base64."""
    return dict(
        DOCUMENT.dump(
            {
                "filename": document.filename,
                "content_type": document.content_type,
                "content_base64": base64.b64encode(document.content).decode("ascii"),
            }
        )
    )


def letter_request(arguments: dict[str, Any], caller: Caller) -> liaison.LetterRequest:
    return liaison.LetterRequest(
        case_id=arguments["case_id"],
        agency_code=arguments["agency_code"],
        contact_id=arguments["contact_id"],
        template_id=arguments["template_id"],
        extra_text=arguments["extra_text"],
        writer_name=caller.name,
    )


class AgenciesService(ServiceBase):
    name = "agencies"
    db = Database(Base.metadata, unit_of_work=AgenciesUnitOfWork)
    caller: Any = RpcCaller()  # a worker sees the Caller it provides
    cases = DeadlineRpc("cases")
    intake = DeadlineRpc("intake")
    mailer: Any = LetterMailer()

    # -- the directory ----------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def list_agencies(self) -> list[dict[str, Any]]:
        return list(AGENCIES.dump(handlers.list_agencies(self.db)))

    @rpc(expected_exceptions=EXPECTED)
    def get_agency(self, code: str) -> dict[str, Any]:
        arguments = load_arguments(GetAgencyRequest(), {"code": code})
        return dict(AGENCY.dump(handlers.get_agency(self.db, arguments["code"])))

    @rpc(expected_exceptions=EXPECTED)
    def suggest_agency(
        self, category: str, agency_hint: str | None = None
    ) -> dict[str, Any] | None:
        arguments = load_arguments(
            SuggestAgencyRequest(), {"category": category, "agency_hint": agency_hint}
        )
        suggestion = handlers.suggest(self.db, arguments["category"], arguments["agency_hint"])
        return dict(AgencySuggestionResult().dump(suggestion)) if suggestion.agency else None

    @rpc(expected_exceptions=EXPECTED)
    def save_agency(self, **fields: Any) -> dict[str, Any]:
        arguments = load_arguments(SAVE_AGENCY, fields)
        return dict(AGENCY.dump(handlers.save_agency(self.db, self._caller.actor, arguments)))

    @rpc(expected_exceptions=EXPECTED)
    def export_agencies_csv(self) -> str:
        return csv_io.export_agencies(handlers.list_agencies(self.db))

    @rpc(expected_exceptions=EXPECTED)
    def import_agencies_csv(self, csv_text: str) -> dict[str, Any]:
        text = load_arguments(CSV, {"csv_text": csv_text})["csv_text"]
        result = csv_io.import_agencies(self.db, self._caller.actor, text)
        return dict(IMPORTED.dump(result))

    # -- the office's directory, settings and templates -------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def list_contacts(self, office_id: str, agency_code: str | None = None) -> list[Any]:
        arguments = load_arguments(
            LIST_CONTACTS, {"office_id": office_id, "agency_code": agency_code}
        )
        office, actor = self._acting(arguments)
        return list(
            CONTACTS.dump(handlers.list_contacts(self.db, office, actor, arguments["agency_code"]))
        )

    @rpc(expected_exceptions=EXPECTED)
    def save_contact(self, office_id: str, **fields: Any) -> dict[str, Any]:
        arguments = load_arguments(SAVE_CONTACT, {"office_id": office_id, **fields})
        office, actor = self._acting(arguments)
        return dict(CONTACT.dump(handlers.save_contact(self.db, office, actor, arguments)))

    @rpc(expected_exceptions=EXPECTED)
    def remove_contact(self, office_id: str, contact_id: str) -> None:
        arguments = load_arguments(CONTACT_ID, {"office_id": office_id, "contact_id": contact_id})
        office, actor = self._acting(arguments)
        handlers.remove_contact(self.db, office, actor, arguments["contact_id"])

    @rpc(expected_exceptions=EXPECTED)
    def list_partners(self, office_id: str) -> list[Any]:
        office, actor = self._acting(load_arguments(OFFICE_ONLY, {"office_id": office_id}))
        return list(PARTNERS.dump(handlers.list_partners(self.db, office, actor)))

    @rpc(expected_exceptions=EXPECTED)
    def save_partner(self, office_id: str, **fields: Any) -> dict[str, Any]:
        arguments = load_arguments(SAVE_PARTNER, {"office_id": office_id, **fields})
        office, actor = self._acting(arguments)
        return dict(PARTNER.dump(handlers.save_partner(self.db, office, actor, arguments)))

    @rpc(expected_exceptions=EXPECTED)
    def remove_partner(self, office_id: str, partner_id: str) -> None:
        arguments = load_arguments(PARTNER_ID, {"office_id": office_id, "partner_id": partner_id})
        office, actor = self._acting(arguments)
        handlers.remove_partner(self.db, office, actor, arguments["partner_id"])

    @rpc(expected_exceptions=EXPECTED)
    def export_contacts_csv(self, office_id: str) -> str:
        office, actor = self._acting(load_arguments(OFFICE_ONLY, {"office_id": office_id}))
        return csv_io.export_contacts(handlers.list_contacts(self.db, office, actor, None))

    @rpc(expected_exceptions=EXPECTED)
    def import_contacts_csv(self, office_id: str, csv_text: str) -> dict[str, Any]:
        arguments = load_arguments(OFFICE_CSV, {"office_id": office_id, "csv_text": csv_text})
        office, actor = self._acting(arguments)
        return dict(
            IMPORTED.dump(csv_io.import_contacts(self.db, office, actor, arguments["csv_text"]))
        )

    @rpc(expected_exceptions=EXPECTED)
    def export_partners_csv(self, office_id: str) -> str:
        office, actor = self._acting(load_arguments(OFFICE_ONLY, {"office_id": office_id}))
        return csv_io.export_partners(handlers.list_partners(self.db, office, actor))

    @rpc(expected_exceptions=EXPECTED)
    def import_partners_csv(self, office_id: str, csv_text: str) -> dict[str, Any]:
        arguments = load_arguments(OFFICE_CSV, {"office_id": office_id, "csv_text": csv_text})
        office, actor = self._acting(arguments)
        return dict(
            IMPORTED.dump(csv_io.import_partners(self.db, office, actor, arguments["csv_text"]))
        )

    @rpc(expected_exceptions=EXPECTED)
    def liaison_settings(self, office_id: str) -> dict[str, Any]:
        office, actor = self._acting(load_arguments(OFFICE_ONLY, {"office_id": office_id}))
        return settings_entry(handlers.liaison_settings(self.db, office, actor))

    @rpc(expected_exceptions=EXPECTED)
    def save_liaison_settings(self, office_id: str, **changes: Any) -> dict[str, Any]:
        arguments = load_arguments(SAVE_SETTINGS, {"office_id": office_id, **changes})
        office, actor = self._acting(arguments)
        changes = {key: value for key, value in arguments.items() if key != "office_id"}
        return settings_entry(handlers.save_liaison_settings(self.db, office, actor, changes))

    @rpc(expected_exceptions=EXPECTED)
    def list_templates(self, office_id: str) -> list[Any]:
        office, actor = self._acting(load_arguments(OFFICE_ONLY, {"office_id": office_id}))
        return list(TEMPLATES.dump(handlers.list_templates(self.db, office, actor)))

    @rpc(expected_exceptions=EXPECTED)
    def save_template(
        self,
        office_id: str,
        name: str,
        subject: str,
        body: str,
        requires_approval: bool = False,
    ) -> dict[str, Any]:
        arguments = load_arguments(
            SAVE_TEMPLATE,
            {
                "office_id": office_id,
                "name": name,
                "subject": subject,
                "body": body,
                "requires_approval": requires_approval,
            },
        )
        office, actor = self._acting(arguments)
        template = handlers.save_template(
            self.db,
            office,
            actor,
            name=arguments["name"],
            subject=arguments["subject"],
            body=arguments["body"],
            requires_approval=arguments["requires_approval"],
        )
        return dict(TEMPLATE.dump(template))

    @rpc(expected_exceptions=EXPECTED)
    def approve_template(self, office_id: str, template_id: str) -> dict[str, Any]:
        arguments = load_arguments(
            TEMPLATE_ID, {"office_id": office_id, "template_id": template_id}
        )
        office, actor = self._acting(arguments)
        return dict(
            TEMPLATE.dump(
                handlers.approve_template(self.db, office, actor, arguments["template_id"])
            )
        )

    # -- letters ----------------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def case_liaison(self, office_id: str, case_id: str) -> dict[str, Any]:
        arguments = load_arguments(CASE_ID, {"office_id": office_id, "case_id": case_id})
        office, actor = self._acting(arguments)
        found = liaison.case_liaison(self.db, self._remote, office, actor, arguments["case_id"])
        return dict(CASE_LIAISON.dump(found))

    @rpc(expected_exceptions=EXPECTED)
    def preview_letter(self, office_id: str, **fields: Any) -> dict[str, Any]:
        arguments = load_arguments(LETTER, {"office_id": office_id, **fields})
        office, actor = self._acting(arguments)
        preview = liaison.preview_letter(
            self.db, self._remote, office, actor, letter_request(arguments, self._caller)
        )
        return dict(
            PREVIEW.dump(
                {
                    "subject": preview.subject,
                    "body": preview.body,
                    "pdf_base64": base64.b64encode(preview.pdf).decode("ascii"),
                    "consent": preview.consent,
                    "redactions": list(preview.redactions),
                }
            )
        )

    @rpc(expected_exceptions=EXPECTED)
    def draft_inquiry(self, office_id: str, **fields: Any) -> dict[str, Any]:
        arguments = load_arguments(LETTER, {"office_id": office_id, **fields})
        office, actor = self._acting(arguments)
        view = liaison.draft_inquiry(
            self.db, self._remote, office, actor, letter_request(arguments, self._caller)
        )
        return dict(INQUIRY.dump(view))

    @rpc(expected_exceptions=EXPECTED)
    def approval_queue(self, office_id: str) -> list[Any]:
        office, actor = self._acting(load_arguments(OFFICE_ONLY, {"office_id": office_id}))
        return list(INQUIRIES.dump(liaison.approval_queue(self.db, office, actor)))

    @rpc(expected_exceptions=EXPECTED)
    def approve_inquiry(self, office_id: str, inquiry_id: str) -> dict[str, Any]:
        arguments = load_arguments(INQUIRY_ID, {"office_id": office_id, "inquiry_id": inquiry_id})
        office, actor = self._acting(arguments)
        return dict(
            INQUIRY.dump(liaison.approve_inquiry(self.db, office, actor, arguments["inquiry_id"]))
        )

    @rpc(expected_exceptions=EXPECTED)
    def send_inquiry(self, office_id: str, inquiry_id: str, channel: str) -> dict[str, Any]:
        arguments = load_arguments(
            SEND, {"office_id": office_id, "inquiry_id": inquiry_id, "channel": channel}
        )
        office, actor = self._acting(arguments)
        view = liaison.send_inquiry(
            self.db,
            self._remote,
            self.mailer,
            office,
            actor,
            arguments["inquiry_id"],
            arguments["channel"],
        )
        return dict(INQUIRY.dump(view))

    @rpc(expected_exceptions=EXPECTED)
    def letter_pdf(self, office_id: str, inquiry_id: str) -> dict[str, Any]:
        arguments = load_arguments(INQUIRY_ID, {"office_id": office_id, "inquiry_id": inquiry_id})
        office, actor = self._acting(arguments)
        return document_answer(
            liaison.letter_pdf(self.db, self._remote, office, actor, arguments["inquiry_id"])
        )

    @rpc(expected_exceptions=EXPECTED)
    def log_reply(
        self,
        office_id: str,
        inquiry_id: str,
        kind: str,
        text: str,
        received_on: str,
        attachment: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        arguments = load_arguments(
            LOG_REPLY,
            {
                "office_id": office_id,
                "inquiry_id": inquiry_id,
                "kind": kind,
                "text": text,
                "received_on": received_on,
                "attachment": attachment,
            },
        )
        office, actor = self._acting(arguments)
        view = liaison.log_reply(
            self.db,
            office,
            actor,
            arguments["inquiry_id"],
            kind=arguments["kind"],
            text=arguments["text"],
            received_on=arguments["received_on"],
            attachment=decode_attachment(arguments["attachment"]),
        )
        return dict(INQUIRY.dump(view))

    @rpc(expected_exceptions=EXPECTED)
    def extend_deadline(
        self, office_id: str, inquiry_id: str, days: int, reason: str
    ) -> dict[str, Any]:
        arguments = load_arguments(
            EXTEND,
            {"office_id": office_id, "inquiry_id": inquiry_id, "days": days, "reason": reason},
        )
        office, actor = self._acting(arguments)
        view = liaison.extend_deadline(
            self.db,
            office,
            actor,
            arguments["inquiry_id"],
            days=arguments["days"],
            reason=arguments["reason"],
        )
        return dict(INQUIRY.dump(view))

    @rpc(expected_exceptions=EXPECTED)
    def withdraw_inquiry(self, office_id: str, inquiry_id: str, reason: str) -> dict[str, Any]:
        arguments = load_arguments(
            WITHDRAW, {"office_id": office_id, "inquiry_id": inquiry_id, "reason": reason}
        )
        office, actor = self._acting(arguments)
        view = liaison.withdraw_inquiry(
            self.db, office, actor, arguments["inquiry_id"], reason=arguments["reason"]
        )
        return dict(INQUIRY.dump(view))

    @rpc(expected_exceptions=EXPECTED)
    def refer_case(
        self,
        office_id: str,
        case_id: str,
        partner_id: str,
        note: str = "",
        with_letter: bool = False,
    ) -> dict[str, Any]:
        arguments = load_arguments(
            REFER,
            {
                "office_id": office_id,
                "case_id": case_id,
                "partner_id": partner_id,
                "note": note,
                "with_letter": with_letter,
            },
        )
        office, actor = self._acting(arguments)
        referral = referrals.refer_case(
            self.db,
            self._remote,
            office,
            actor,
            case_id=arguments["case_id"],
            partner_id=arguments["partner_id"],
            note=arguments["note"],
            with_letter=arguments["with_letter"],
            writer_name=self._caller.name,
        )
        return dict(REFERRAL.dump(referral))

    @rpc(expected_exceptions=EXPECTED)
    def referral_letter(self, office_id: str, referral_id: str) -> dict[str, Any]:
        arguments = load_arguments(
            REFERRAL_ID, {"office_id": office_id, "referral_id": referral_id}
        )
        office, actor = self._acting(arguments)
        return document_answer(
            referrals.referral_letter(self.db, office, actor, arguments["referral_id"])
        )

    @rpc(expected_exceptions=EXPECTED)
    def scorecard(self, office_id: str) -> list[Any]:
        office, actor = self._acting(load_arguments(OFFICE_ONLY, {"office_id": office_id}))
        return list(SCORECARD.dump(liaison.office_scorecard(self.db, office, actor)))

    # -- events and the timer ---------------------------------------------------------------

    @event_handler(CASE_OPENED)
    def suggest_for_opened_case(self, events: list[IncomingEvent[CaseOpened]]) -> Failures:
        # Reference data for every office: read as platform work (cached for a minute) once
        # for the batch, before the cases' offices' units of work open.
        directory = handlers.current_directory(self.db)
        return self.db.consume_batch(events, partial(handlers.record_opened_case, directory))

    @event_handler(PRIVACY_RELEASE_SIGNED)
    def record_release_signed(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, handlers.record_release_signed)

    @event_handler(PRIVACY_RELEASE_REVOKED)
    def record_release_revoked(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, handlers.record_release_revoked)

    @event_handler(CASE_STATUS_CHANGED)
    def record_case_status_changed(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, handlers.record_status_changed)

    @event_handler(CASE_CLOSED)
    def record_case_closed(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, handlers.record_case_closed)

    @event_handler(OFFICE_REGISTERED)
    def record_office_registered(self, events: list[IncomingEvent[Any]]) -> Failures:
        return self.db.consume_batch(events, handlers.record_office_registered)

    @timer(interval=OVERDUE_SECONDS)
    def announce_overdue_inquiries(self) -> None:
        handlers.detect_overdue(self.db)

    # -- plumbing ---------------------------------------------------------------------------

    @property
    def _caller(self) -> Caller:
        return self.caller  # type: ignore[no-any-return]

    @property
    def _remote(self) -> RemoteParticulars:
        return RemoteParticulars(self.cases, self.intake)

    def _acting(self, arguments: dict[str, Any]) -> tuple[str, Any]:
        """The office the call is about (not found for a caller of another office) and who
        acts."""
        caller = self._caller
        return caller.office(arguments["office_id"]), caller.actor


def decode_attachment(attachment: dict[str, Any] | None) -> liaison.Document | None:
    if attachment is None:
        return None
    try:
        content = base64.b64decode(attachment["content_base64"], validate=True)
    except ValueError:
        raise ValidationFailed(
            "the attachment is not base64", {"attachment": ["not base64"]}
        ) from None
    return liaison.Document(attachment["filename"], attachment["content_type"], content)
