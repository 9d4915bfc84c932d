"""The agency liaison pages (docs/agency-liaison.md): writing to an agency from a case (preview,
save), the actions on a case's letters (send or mark as sent, log a reply, extend, withdraw,
download the PDF, refer to a partner), the approvals queue, letter templates, liaison
settings and the agency scorecard. The directories (contacts, partners, the platform's
agencies) are `directory_pages`.

Every call is an RPC to `agencies` acting as the signed-in person (agencies checks the role
again). Actions are plain forms that post, then redirect with `?done=...`; a refused one shows
its page again with the reasons at the top and next to each field.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from marshmallow import ValidationError
from werkzeug.wrappers import Request, Response

from services.chassis.errors import CaseworkError, NotFound
from services.gateway import casework, handlers, liaison, liaison_forms, liaison_words
from services.gateway.access import Visit, redirect, staff_page
from services.gateway.domain.identity import ROLE_LABELS
from services.gateway.liaison_forms import LiaisonForms, Problem, posted
from services.gateway.liaison_words import (
    APPROVAL_ROLE_CHOICES,
    CHANNEL_WORDS,
    PAGE_DONE,
    PARTNER_KIND_WORDS,
    TEMPLATE_FIELDS,
)
from services.gateway.web import download, render, templates

FORMS = LiaisonForms()
OFFICE = "/offices/<string:office_id>"
CASE = OFFICE + "/cases/<string:reference>"
INQUIRY = CASE + "/inquiries/<string:inquiry_id>"
LETTER_FIELDS = ("agency_code", "contact_id", "template_id", "extra_text")


class LiaisonPages:
    """Mixed into `GatewayService`: `self.db`, `self.cases`, `self.agencies`, and the case
    page of `CasePages` (`_case_page`, `_act`)."""

    db: Any
    cases: Any
    agencies: Any
    _case_page: Callable[..., Response]
    _act: Callable[..., Response]

    # Writing to an agency from the case page ---------------------------------------------------

    @staff_page("GET", CASE + "/letters/new")
    def write_letter_page(
        self, request: Request, visit: Visit, office_id: str, reference: str
    ) -> Response:
        chosen = dict.fromkeys(LETTER_FIELDS, "")
        chosen["agency_code"] = request.args.get("agency", "").strip().upper()
        return self._liaison_write_letter(visit, office_id, reference, chosen)

    @staff_page("POST", CASE + "/letters/new")
    def write_letter(
        self, request: Request, visit: Visit, office_id: str, reference: str
    ) -> Response:
        form = posted(request.form)
        chosen = {name: form.get(name, "") for name in LETTER_FIELDS}
        try:
            letter = FORMS.letter.load(form)
        except ValidationError as exc:
            return self._liaison_write_letter(visit, office_id, reference, chosen, Problem.of(exc))
        action = letter.pop("action")
        case = casework.get_case(self.cases, office_id, reference)
        found = liaison.case_liaison(self.agencies, office_id, case["case_id"])
        contact = next(
            (c for c in found["contacts"] if c["contact_id"] == letter["contact_id"]), None
        )
        if letter["contact_id"] and (
            contact is None or contact["agency_code"] != letter["agency_code"]
        ):
            problem = Problem(
                "Choose a contact at the agency you write to",
                {"contact_id": [f"not one of this office's contacts at {letter['agency_code']}"]},
            )
            return self._liaison_write_letter(visit, office_id, reference, chosen, problem)
        arguments = {"office_id": office_id, "case_id": case["case_id"], **letter}
        try:
            if action == "save":
                entry = self.agencies.call("draft_inquiry", liaison.INQUIRY, **arguments)
                done = (
                    "letter_awaiting_approval"
                    if entry["state"] == "awaiting_approval"
                    else "letter_saved"
                )
                location = _case_path(office_id, reference)
                return redirect(f"{location}?done={done}#agencies-heading")
            preview = self.agencies.call("preview_letter", liaison.PREVIEW, **arguments)
        except CaseworkError as exc:
            _reraise_unavailable(exc)
            return self._liaison_write_letter(visit, office_id, reference, chosen, Problem.of(exc))
        if action == "pdf":
            content = liaison.decoded(preview["pdf_base64"])
            return download(content, "application/pdf", f"preview-{case['reference']}.pdf")
        return self._liaison_write_letter(visit, office_id, reference, chosen, preview=preview)

    @staff_page("GET", INQUIRY + "/letter.pdf")
    def letter_pdf(
        self, request: Request, visit: Visit, office_id: str, reference: str, inquiry_id: str
    ) -> Response:
        def fetch() -> Response:
            case = casework.get_case(self.cases, office_id, reference)
            inquiry = liaison.inquiry_of_case(self.agencies, office_id, case, inquiry_id)
            document = liaison.document(
                self.agencies, "letter_pdf", office_id=office_id, inquiry_id=inquiry["inquiry_id"]
            )
            return download(document["content"], document["content_type"], document["filename"])

        return self._liaison_download(visit, office_id, reference, fetch)

    @staff_page("GET", CASE + "/referrals/<string:referral_id>/letter.pdf")
    def referral_letter_pdf(
        self, request: Request, visit: Visit, office_id: str, reference: str, referral_id: str
    ) -> Response:
        def fetch() -> Response:
            case = casework.get_case(self.cases, office_id, reference)
            referral = liaison.referral_of_case(self.agencies, office_id, case, referral_id)
            document = liaison.document(
                self.agencies,
                "referral_letter",
                office_id=office_id,
                referral_id=referral["referral_id"],
            )
            return download(document["content"], document["content_type"], document["filename"])

        return self._liaison_download(visit, office_id, reference, fetch)

    def _liaison_download(
        self, visit: Visit, office_id: str, reference: str, fetch: Callable[[], Response]
    ) -> Response:
        """A document of the case, or the case page saying why there is none."""
        try:
            return fetch()
        except CaseworkError as exc:
            return self._case_page(visit, office_id, reference, problem=exc, status=exc.status)

    @staff_page("POST", INQUIRY + "/send", writer=True)
    def send_inquiry(
        self, request: Request, visit: Visit, office_id: str, reference: str, inquiry_id: str
    ) -> Response:
        def act() -> str:
            channel = FORMS.send.load(posted(request.form))["channel"]
            self._liaison_inquiry_call(
                office_id, reference, inquiry_id, "send_inquiry", channel=channel
            )
            return "inquiry_emailed" if channel == "email" else "inquiry_sent"

        return self._act(visit, office_id, reference, act, anchor="agencies-heading")

    @staff_page("POST", INQUIRY + "/replies", writer=True, max_body=liaison.MAX_UPLOAD_BYTES)
    def log_reply(
        self, request: Request, visit: Visit, office_id: str, reference: str, inquiry_id: str
    ) -> Response:
        def act() -> str:
            reply = FORMS.reply.load(posted(request.form))
            upload = request.files.get("attachment")
            attachment = liaison.attachment_document(
                upload.filename if upload else None, upload.stream if upload else io.BytesIO()
            )
            self._liaison_inquiry_call(
                office_id,
                reference,
                inquiry_id,
                "log_reply",
                kind=reply["kind"],
                text=reply["text"],
                received_on=reply["received_on"].isoformat(),
                attachment=attachment,
            )
            return "reply_logged"

        return self._act(visit, office_id, reference, act, anchor="agencies-heading")

    @staff_page("POST", INQUIRY + "/extension", writer=True)
    def extend_deadline(
        self, request: Request, visit: Visit, office_id: str, reference: str, inquiry_id: str
    ) -> Response:
        def act() -> str:
            extension = FORMS.extend.load(posted(request.form))
            self._liaison_inquiry_call(
                office_id, reference, inquiry_id, "extend_deadline", **extension
            )
            return "deadline_extended"

        return self._act(visit, office_id, reference, act, anchor="agencies-heading")

    @staff_page("POST", INQUIRY + "/withdraw", writer=True)
    def withdraw_inquiry(
        self, request: Request, visit: Visit, office_id: str, reference: str, inquiry_id: str
    ) -> Response:
        def act() -> str:
            reason = FORMS.withdraw.load(posted(request.form))["reason"]
            self._liaison_inquiry_call(
                office_id, reference, inquiry_id, "withdraw_inquiry", reason=reason
            )
            return "inquiry_withdrawn"

        return self._act(visit, office_id, reference, act, anchor="agencies-heading")

    @staff_page("POST", CASE + "/referrals", writer=True)
    def refer_case(
        self, request: Request, visit: Visit, office_id: str, reference: str
    ) -> Response:
        def act() -> str:
            referral = FORMS.refer.load(posted(request.form))
            case = casework.get_case(self.cases, office_id, reference)
            self.agencies.call(
                "refer_case", None, office_id=office_id, case_id=case["case_id"], **referral
            )
            return "case_referred"

        return self._act(visit, office_id, reference, act, anchor="agencies-heading")

    # The approvals queue -----------------------------------------------------------------------

    @staff_page("GET", OFFICE + "/approvals", supervisor=True)
    def approvals_page(self, request: Request, visit: Visit, office_id: str) -> Response:
        return self._liaison_approvals(
            visit, office_id, done=PAGE_DONE.get(request.args.get("done", ""))
        )

    @staff_page("POST", OFFICE + "/approvals/letters/<string:inquiry_id>", supervisor=True)
    def approve_inquiry(
        self, request: Request, visit: Visit, office_id: str, inquiry_id: str
    ) -> Response:
        try:
            self.agencies.call(
                "approve_inquiry", None, office_id=office_id, inquiry_id=_id(inquiry_id)
            )
        except CaseworkError as exc:
            if isinstance(exc, liaison.ServiceUnavailable):
                raise
            return self._liaison_approvals(visit, office_id, problem=Problem.of(exc))
        return redirect(f"/offices/{office_id}/approvals?done=inquiry_approved")

    @staff_page("POST", OFFICE + "/approvals/templates/<string:template_id>", supervisor=True)
    def approve_template(
        self, request: Request, visit: Visit, office_id: str, template_id: str
    ) -> Response:
        try:
            self.agencies.call(
                "approve_template", None, office_id=office_id, template_id=_id(template_id)
            )
        except CaseworkError as exc:
            if isinstance(exc, liaison.ServiceUnavailable):
                raise
            return self._liaison_approvals(visit, office_id, problem=Problem.of(exc))
        return redirect(f"/offices/{office_id}/approvals?done=template_approved")

    # Letter templates --------------------------------------------------------------------------

    @staff_page("GET", OFFICE + "/letter-templates")
    def templates_page(self, request: Request, visit: Visit, office_id: str) -> Response:
        return self._liaison_templates(
            visit,
            office_id,
            done=PAGE_DONE.get(request.args.get("done", "")),
            editing=request.args.get("edit"),
        )

    @staff_page("POST", OFFICE + "/letter-templates", office_admin=True)
    def save_template(self, request: Request, visit: Visit, office_id: str) -> Response:
        form = posted(request.form)
        try:
            template = FORMS.template.load(form)
            self.agencies.call("save_template", liaison.TEMPLATE, office_id=office_id, **template)
        except (ValidationError, CaseworkError) as exc:
            _reraise_unavailable(exc)
            return self._liaison_templates(
                visit, office_id, problem=Problem.of(exc), form=dict(request.form)
            )
        return redirect(f"/offices/{office_id}/letter-templates?done=template_saved")

    # Liaison settings --------------------------------------------------------------------------

    @staff_page("GET", OFFICE + "/settings/liaison", office_admin=True)
    def liaison_settings_page(self, request: Request, visit: Visit, office_id: str) -> Response:
        return self._liaison_settings(
            visit, office_id, done=PAGE_DONE.get(request.args.get("done", ""))
        )

    @staff_page("POST", OFFICE + "/settings/liaison", office_admin=True)
    def save_liaison_settings(self, request: Request, visit: Visit, office_id: str) -> Response:
        form = posted(request.form, lists=("approval_roles",))
        try:
            settings = FORMS.settings.load(form)
            self.agencies.call("save_liaison_settings", None, office_id=office_id, **settings)
        except (ValidationError, CaseworkError) as exc:
            _reraise_unavailable(exc)
            return self._liaison_settings(visit, office_id, problem=Problem.of(exc), form=form)
        return redirect(f"/offices/{office_id}/settings/liaison?done=settings_saved")

    # The scorecard -----------------------------------------------------------------------------

    @staff_page("GET", OFFICE + "/scorecard")
    def scorecard_page(self, request: Request, visit: Visit, office_id: str) -> Response:
        office = handlers.find_office(self.db, office_id)
        rows = self.agencies.call("scorecard", liaison.SCORECARD, office_id=office_id)
        rows.sort(key=lambda row: (-row["sent"], row["agency_name"]))
        return render(
            "scorecard.html",
            visit=visit,
            nav="scorecard",
            sub="scorecard",
            office=office,
            rows=rows,
        )

    # ------------------------------------------------------------------------------------------

    def _liaison_inquiry_call(
        self, office_id: str, reference: str, inquiry_id: str, method: str, **arguments: Any
    ) -> Any:
        """One of agencies' methods on one of the case's inquiries."""
        case = casework.get_case(self.cases, office_id, reference)
        inquiry = liaison.inquiry_of_case(self.agencies, office_id, case, inquiry_id)
        return self.agencies.call(
            method, None, office_id=office_id, inquiry_id=inquiry["inquiry_id"], **arguments
        )

    def _liaison_write_letter(
        self,
        visit: Visit,
        office_id: str,
        reference: str,
        chosen: dict[str, Any],
        problem: Problem | None = None,
        *,
        preview: dict[str, Any] | None = None,
    ) -> Response:
        office = handlers.find_office(self.db, office_id)
        case = casework.get_case(self.cases, office_id, reference)
        pending = self.agencies.send("list_agencies")
        found = liaison.case_liaison(self.agencies, office_id, case["case_id"])
        directory = [agency for agency in pending.result(liaison.AGENCIES) if agency["active"]]
        directory.sort(key=lambda agency: agency["name"])
        consent = {answer["agency_code"]: answer for answer in found["consent"]}
        chosen_consent = consent.get(chosen.get("agency_code") or "")
        if preview is not None:
            chosen_consent = preview["consent"]
        status = 200
        if problem is not None:
            status = problem.status
        return render(
            "write_letter.html",
            status=status,
            visit=visit,
            nav="",
            office=office,
            case=case,
            directory=directory,
            consent=consent,
            chosen_consent=chosen_consent,
            contacts=sorted(found["contacts"], key=lambda c: (c["agency_code"], c["name"])),
            templates=[t for t in found["templates"] if t["usable"]],
            chosen=chosen,
            problem=problem,
            preview=preview,
            path=_case_path(office_id, reference),
        )

    def _liaison_approvals(
        self,
        visit: Visit,
        office_id: str,
        *,
        done: str | None = None,
        problem: Problem | None = None,
    ) -> Response:
        office = handlers.find_office(self.db, office_id)
        pending = self.agencies.send("list_templates", office_id=office_id)
        letters = self.agencies.call("approval_queue", liaison.INQUIRIES, office_id=office_id)
        templates = [
            t
            for t in pending.result(liaison.TEMPLATES)
            if not t["usable"] and t["requires_approval"] and t["approved_by"] is None
        ]
        names = {m.user_id: m.display_name for m in casework.office_staff(self.db, office_id)}
        return render(
            "approvals.html",
            status=problem.status if problem else 200,
            visit=visit,
            nav="approvals",
            sub="approvals",
            office=office,
            letters=letters,
            templates=templates,
            names=names,
            done=done,
            problem=problem,
        )

    def _liaison_templates(
        self,
        visit: Visit,
        office_id: str,
        *,
        done: str | None = None,
        problem: Problem | None = None,
        form: dict[str, Any] | None = None,
        editing: str | None = None,
    ) -> Response:
        office = handlers.find_office(self.db, office_id)
        templates = self.agencies.call("list_templates", liaison.TEMPLATES, office_id=office_id)
        versions: dict[str, list[dict[str, Any]]] = {}
        for template in sorted(templates, key=lambda t: (t["name"], -t["version"])):
            versions.setdefault(template["name"], []).append(template)
        if form is None:
            form = next((dict(t) for t in templates if t["template_id"] == editing), {})
        names = {m.user_id: m.display_name for m in casework.office_staff(self.db, office_id)}
        return render(
            "letter_templates.html",
            status=problem.status if problem else 200,
            visit=visit,
            nav="templates",
            sub="templates",
            office=office,
            versions=versions,
            names=names,
            template_fields=TEMPLATE_FIELDS,
            form=form,
            done=done,
            problem=problem,
        )

    def _liaison_settings(
        self,
        visit: Visit,
        office_id: str,
        *,
        done: str | None = None,
        problem: Problem | None = None,
        form: dict[str, Any] | None = None,
    ) -> Response:
        office = handlers.find_office(self.db, office_id)
        pending = self.agencies.send("list_agencies")
        saved = self.agencies.call("liaison_settings", None, office_id=office_id)
        try:
            settings = liaison.LIAISON_SETTINGS.load(saved or {})
        except ValidationError:
            raise liaison.ServiceUnavailable(
                "agencies", "settings not in the expected shape"
            ) from None
        directory = sorted(pending.result(liaison.AGENCIES), key=lambda agency: agency["name"])
        if form is not None:
            # What was posted, shown again as it was typed.
            settings = {
                **settings,
                **form,
                "address_lines": str(form.get("address_lines", "")).splitlines(),
                "mask_ssn": form.get("mask_ssn") == "true",
                "include_public_notes": form.get("include_public_notes") == "true",
                "approval_roles": form.get("approval_roles", []),
                "overrides": [
                    {
                        "agency_code": key.removeprefix("days_"),
                        "response_days": value,
                        "day_basis": form.get(f"basis_{key.removeprefix('days_')}", "business"),
                    }
                    for key, value in form.items()
                    if key.startswith("days_")
                ],
            }
        overrides = {o["agency_code"]: o for o in settings["overrides"]}
        return render(
            "liaison_settings.html",
            status=problem.status if problem else 200,
            visit=visit,
            nav="settings",
            sub="settings",
            office=office,
            settings=settings,
            overrides=overrides,
            directory=directory,
            target_words=liaison_words.target_words,
            role_choices=APPROVAL_ROLE_CHOICES,
            done=done,
            problem=problem,
        )


def _case_path(office_id: str, reference: str) -> str:
    return f"/offices/{office_id}/cases/{quote(reference.upper())}"


def _id(value: str) -> str:
    if not liaison_forms.ID.fullmatch(value):
        raise NotFound("there is no such page")
    return value


def _status(problem: Problem | None, imported: dict[str, Any] | None) -> int:
    if problem is not None:
        return problem.status
    if imported is not None and imported["problems"]:
        return 422
    return 200


def _reraise_unavailable(exc: Exception) -> None:
    """A service that did not answer is the error page's (503), not a form's problem."""
    if isinstance(exc, liaison.ServiceUnavailable):
        raise exc


def _csv(text: str, filename: str) -> Response:
    return download(text.encode("utf-8"), "text/csv", filename)


# What the liaison templates (and the case page's panel) say in words.
templates.globals.update(
    channel_words=CHANNEL_WORDS,
    partner_kind_words=PARTNER_KIND_WORDS,
    role_labels=ROLE_LABELS,
)
templates.filters["web_link"] = liaison_words.web_link
