"""The directories of agency liaison in the staff app (docs/agency-liaison.md): an office's
agency contacts and partner organisations, kept by its admin (a form that saves, a button that
removes, CSV out and in), and the platform admin's legislature-wide agency directory.

Every call is an RPC to `agencies` acting as the signed-in person (agencies checks the role
again). A refused form shows its page again with the reasons at the top and by each field.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Unpack
from urllib.parse import quote

from marshmallow import ValidationError
from werkzeug.wrappers import Request, Response

from services.chassis.errors import CaseworkError
from services.gateway import handlers, liaison, liaison_words
from services.gateway.access import Visit, redirect, staff_page
from services.gateway.liaison_forms import LiaisonForms, Problem, posted
from services.gateway.liaison_pages import (
    FORMS,
    OFFICE,
    Notices,
    _csv,
    _id,
    _reraise_unavailable,
    _status,
    asked_to_show,
    done_notice,
    editing_form,
    office_page,
    shown_notices,
)
from services.gateway.liaison_words import PARTNER_KIND_WORDS
from services.gateway.web import render


@dataclass(frozen=True)
class OfficeDirectory:
    """One of an office's two directories kept by its admin (agency contacts, partner
    organisations): its page, its form, and the agencies RPCs that keep it."""

    path: str  # below /offices/<office>/
    noun: str  # in the page's `done` notices: `<noun>_saved`, `<noun>_removed`
    form: Callable[[LiaisonForms], Any]
    answer: Any  # the schema `save` answers with
    save: str
    remove: str
    id_field: str
    export: str
    import_: str
    csv_name: str


CONTACTS = OfficeDirectory(
    path="agencies",
    noun="contact",
    form=lambda forms: forms.contact,
    answer=liaison.CONTACT,
    save="save_contact",
    remove="remove_contact",
    id_field="contact_id",
    export="export_contacts_csv",
    import_="import_contacts_csv",
    csv_name="agency-contacts",
)
PARTNERS = OfficeDirectory(
    path="partners",
    noun="partner",
    form=lambda forms: forms.partner,
    answer=liaison.PARTNER,
    save="save_partner",
    remove="remove_partner",
    id_field="partner_id",
    export="export_partners_csv",
    import_="import_partners_csv",
    csv_name="partners",
)


class DirectoryPages:
    """Mixed into `GatewayService`: `self.db` and `self.agencies`."""

    db: Any
    agencies: Any

    # The office's agency contacts and partner organisations ------------------------------------

    @staff_page("GET", OFFICE + "/agencies")
    def agencies_page(self, request: Request, visit: Visit, office_id: str) -> Response:
        return self._directory_page(CONTACTS, visit, office_id, **asked_to_show(request))

    @staff_page("POST", OFFICE + "/agencies/contacts", office_admin=True)
    def save_contact(self, request: Request, visit: Visit, office_id: str) -> Response:
        return self._save_entry(CONTACTS, request, visit, office_id)

    @staff_page("POST", OFFICE + "/agencies/contacts/<string:contact_id>/remove", office_admin=True)
    def remove_contact(
        self, request: Request, visit: Visit, office_id: str, contact_id: str
    ) -> Response:
        return self._remove_entry(CONTACTS, visit, office_id, contact_id)

    @staff_page("GET", OFFICE + "/agencies/contacts.csv")
    def export_contacts(self, request: Request, visit: Visit, office_id: str) -> Response:
        return self._export_entries(CONTACTS, office_id)

    @staff_page(
        "POST",
        OFFICE + "/agencies/contacts/import",
        office_admin=True,
        max_body=liaison.MAX_CSV_UPLOAD_BYTES,
    )
    def import_contacts(self, request: Request, visit: Visit, office_id: str) -> Response:
        return self._import_entries(CONTACTS, request, visit, office_id)

    @staff_page("GET", OFFICE + "/partners")
    def partners_page(self, request: Request, visit: Visit, office_id: str) -> Response:
        return self._directory_page(PARTNERS, visit, office_id, **asked_to_show(request))

    @staff_page("POST", OFFICE + "/partners", office_admin=True)
    def save_partner(self, request: Request, visit: Visit, office_id: str) -> Response:
        return self._save_entry(PARTNERS, request, visit, office_id)

    @staff_page("POST", OFFICE + "/partners/<string:partner_id>/remove", office_admin=True)
    def remove_partner(
        self, request: Request, visit: Visit, office_id: str, partner_id: str
    ) -> Response:
        return self._remove_entry(PARTNERS, visit, office_id, partner_id)

    @staff_page("GET", OFFICE + "/partners.csv")
    def export_partners(self, request: Request, visit: Visit, office_id: str) -> Response:
        return self._export_entries(PARTNERS, office_id)

    @staff_page(
        "POST",
        OFFICE + "/partners/import",
        office_admin=True,
        max_body=liaison.MAX_CSV_UPLOAD_BYTES,
    )
    def import_partners(self, request: Request, visit: Visit, office_id: str) -> Response:
        return self._import_entries(PARTNERS, request, visit, office_id)

    # What the two directories' routes share: a form that saves, a button that removes, CSV
    # out and in; a refusal shows the directory's page again with the reasons.

    def _save_entry(
        self, kept: OfficeDirectory, request: Request, visit: Visit, office_id: str
    ) -> Response:
        form = posted(request.form)
        try:
            entry = kept.form(FORMS).load(form)
            self.agencies.call(kept.save, kept.answer, office_id=office_id, **entry)
        except (ValidationError, CaseworkError) as exc:
            _reraise_unavailable(exc)
            return self._directory_page(kept, visit, office_id, problem=Problem.of(exc), form=form)
        return redirect(f"/offices/{office_id}/{kept.path}?done={kept.noun}_saved")

    def _remove_entry(
        self, kept: OfficeDirectory, visit: Visit, office_id: str, entry_id: str
    ) -> Response:
        try:
            arguments = {kept.id_field: _id(entry_id)}
            self.agencies.call(kept.remove, None, office_id=office_id, **arguments)
        except CaseworkError as exc:
            _reraise_unavailable(exc)
            return self._directory_page(kept, visit, office_id, problem=Problem.of(exc))
        return redirect(f"/offices/{office_id}/{kept.path}?done={kept.noun}_removed")

    def _export_entries(self, kept: OfficeDirectory, office_id: str) -> Response:
        text = self.agencies.call(kept.export, None, office_id=office_id)
        return _csv(str(text), liaison.csv_download_name(kept.csv_name, office_id))

    def _import_entries(
        self, kept: OfficeDirectory, request: Request, visit: Visit, office_id: str
    ) -> Response:
        try:
            result = self._liaison_import(request, kept.import_, office_id=office_id)
        except CaseworkError as exc:
            _reraise_unavailable(exc)
            return self._directory_page(kept, visit, office_id, problem=Problem.of(exc))
        return self._directory_page(kept, visit, office_id, imported=result)

    def _directory_page(
        self, kept: OfficeDirectory, visit: Visit, office_id: str, **shown: Any
    ) -> Response:
        page = self._liaison_contacts if kept is CONTACTS else self._liaison_partners
        return page(visit, office_id, **shown)

    # The platform admin's directory ------------------------------------------------------------

    @staff_page("GET", "/platform/agencies", platform=True)
    def platform_agencies_page(self, request: Request, visit: Visit) -> Response:
        return self._liaison_platform_agencies(
            visit,
            done=done_notice(request),
            editing=request.args.get("edit", "").strip().upper() or None,
        )

    @staff_page("POST", "/platform/agencies", platform=True)
    def save_agency(self, request: Request, visit: Visit) -> Response:
        form = posted(request.form)
        try:
            agency = FORMS.agency.load(form)
            self.agencies.call("save_agency", liaison.AGENCY, **agency)
        except (ValidationError, CaseworkError) as exc:
            _reraise_unavailable(exc)
            return self._liaison_platform_agencies(visit, problem=Problem.of(exc), form=form)
        return redirect(f"/platform/agencies?done=agency_saved&edit={quote(agency['code'])}")

    @staff_page("GET", "/platform/agencies.csv", platform=True)
    def export_agencies(self, request: Request, visit: Visit) -> Response:
        text = self.agencies.call("export_agencies_csv", None)
        return _csv(str(text), "agencies.csv")

    @staff_page(
        "POST", "/platform/agencies/import", platform=True, max_body=liaison.MAX_CSV_UPLOAD_BYTES
    )
    def import_agencies(self, request: Request, visit: Visit) -> Response:
        try:
            result = self._liaison_import(request, "import_agencies_csv")
        except CaseworkError as exc:
            _reraise_unavailable(exc)
            return self._liaison_platform_agencies(visit, problem=Problem.of(exc))
        return self._liaison_platform_agencies(visit, imported=result)

    def _liaison_import(self, request: Request, method: str, **arguments: Any) -> dict[str, Any]:
        upload = request.files.get("file")
        text = liaison.csv_text(
            upload.filename if upload else None, upload.stream if upload else io.BytesIO()
        )
        result: dict[str, Any] = self.agencies.call(
            method, liaison.IMPORT_RESULT, csv_text=text, **arguments
        )
        return {**result, "rows": liaison_words.problem_rows(result["problems"])}

    def _liaison_contacts(
        self,
        visit: Visit,
        office_id: str,
        *,
        form: dict[str, Any] | None = None,
        editing: str | None = None,
        **notices: Unpack[Notices],
    ) -> Response:
        office = handlers.find_office(self.db, office_id)
        pending = self.agencies.send("list_agencies")
        contacts = self.agencies.call("list_contacts", liaison.CONTACTS, office_id=office_id)
        directory = sorted(pending.result(liaison.AGENCIES), key=lambda agency: agency["name"])
        by_agency: dict[str, list[dict[str, Any]]] = {}
        for contact in sorted(contacts, key=lambda c: c["name"]):
            by_agency.setdefault(contact["agency_code"], []).append(contact)
        return office_page(
            "agencies.html",
            "agencies",
            visit,
            office,
            notices,
            directory=directory,
            contacts=contacts,
            by_agency=by_agency,
            target_words=liaison_words.target_words,
            rules_words=liaison_words.rules_words,
            form=form if form is not None else editing_form(contacts, "contact_id", editing),
        )

    def _liaison_partners(
        self,
        visit: Visit,
        office_id: str,
        *,
        form: dict[str, Any] | None = None,
        editing: str | None = None,
        **notices: Unpack[Notices],
    ) -> Response:
        office = handlers.find_office(self.db, office_id)
        partners = self.agencies.call("list_partners", liaison.PARTNERS, office_id=office_id)
        return office_page(
            "partners.html",
            "partners",
            visit,
            office,
            notices,
            partners=sorted(partners, key=lambda p: p["name"]),
            kinds=PARTNER_KIND_WORDS,
            form=form if form is not None else editing_form(partners, "partner_id", editing),
        )

    def _liaison_platform_agencies(
        self,
        visit: Visit,
        *,
        form: dict[str, Any] | None = None,
        editing: str | None = None,
        **notices: Unpack[Notices],
    ) -> Response:
        directory = sorted(
            self.agencies.call("list_agencies", liaison.AGENCIES), key=lambda a: a["code"]
        )
        if form is None:
            form = {}
            for agency in directory:
                if agency["code"] == editing:
                    form = {**agency, **agency["release_rules"]}
        told = shown_notices(notices)
        return render(
            "platform_agencies.html",
            status=_status(told["problem"], told["imported"]),
            visit=visit,
            nav="agencies",
            directory=directory,
            target_words=liaison_words.target_words,
            rules_words=liaison_words.rules_words,
            editing=editing,
            form=form,
            **told,
        )
