"""Agencies' RPC entrypoints for the directory (platform admins keep it) and each office's
contacts, partners, liaison settings and letter templates: load the arguments with the
contract, call the handler as the caller, dump the answer."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from nameko.rpc import rpc

from services.agencies import csv_io, handlers
from services.agencies.domain.office import LiaisonSettings
from services.agencies.entrypoints import EXPECTED, OFFICE_ONLY, Entrypoints
from services.chassis.schemas import load_arguments
from services.contracts.rpc import agencies as contract
from services.contracts.rpc.agencies import (
    AgencyDetail,
    AgencySuggestionResult,
    GetAgencyRequest,
    SuggestAgencyRequest,
)

AGENCY = AgencyDetail()
AGENCIES = AgencyDetail(many=True)
CONTACTS = contract.ContactEntry(many=True)
CONTACT = contract.ContactEntry()
PARTNERS = contract.PartnerEntry(many=True)
PARTNER = contract.PartnerEntry()
TEMPLATES = contract.TemplateEntry(many=True)
TEMPLATE = contract.TemplateEntry()
IMPORTED = contract.ImportResult()
SETTINGS = contract.LiaisonSettingsEntry()

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


class DirectoryEntrypoints(Entrypoints):
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
