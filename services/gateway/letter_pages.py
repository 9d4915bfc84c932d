"""The agency liaison pages of a case (docs/agency-liaison.md): writing to an agency (preview,
save), and the actions on the case's letters (send or mark as sent, log a reply, extend,
withdraw, download the PDF or a referral's letter, refer to a partner).

Every call is an RPC to `agencies` acting as the signed-in person (agencies checks the role
again). Actions are plain forms that post, then redirect to the case page with `?done=...`; a
refused one shows its page again with the reasons at the top and next to each field.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from marshmallow import ValidationError
from werkzeug.wrappers import Request, Response

from services.chassis.errors import CaseworkError
from services.gateway import casework, handlers, liaison
from services.gateway.access import Visit, redirect, staff_page
from services.gateway.liaison_forms import Problem, posted
from services.gateway.liaison_pages import CASE, FORMS, INQUIRY, _case_path, _reraise_unavailable
from services.gateway.web import download, render

LETTER_FIELDS = ("agency_code", "contact_id", "template_id", "extra_text")


class LetterPages:
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
