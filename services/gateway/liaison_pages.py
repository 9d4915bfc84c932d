"""The agency liaison pages of an office (docs/agency-liaison.md): the approvals queue, letter
templates, liaison settings and the agency scorecard, and what every liaison page shares. A
case's letters are `letter_pages`; the directories (contacts, partners, the platform's
agencies) are `directory_pages`.

Every call is an RPC to `agencies` acting as the signed-in person (agencies checks the role
again). Actions are plain forms that post, then redirect with `?done=...`; a refused one shows
its page again with the reasons at the top and next to each field.
"""

from __future__ import annotations

from typing import Any, TypedDict, Unpack
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


class LiaisonPages:
    """Mixed into `GatewayService`: `self.db` and `self.agencies`."""

    db: Any
    agencies: Any

    # The approvals queue -----------------------------------------------------------------------

    @staff_page("GET", OFFICE + "/approvals", supervisor=True)
    def approvals_page(self, request: Request, visit: Visit, office_id: str) -> Response:
        return self._liaison_approvals(visit, office_id, done=done_notice(request))

    @staff_page("POST", OFFICE + "/approvals/letters/<string:inquiry_id>", supervisor=True)
    def approve_inquiry(
        self, request: Request, visit: Visit, office_id: str, inquiry_id: str
    ) -> Response:
        return self._approve("inquiry", visit, office_id, inquiry_id)

    @staff_page("POST", OFFICE + "/approvals/templates/<string:template_id>", supervisor=True)
    def approve_template(
        self, request: Request, visit: Visit, office_id: str, template_id: str
    ) -> Response:
        return self._approve("template", visit, office_id, template_id)

    def _approve(self, held: str, visit: Visit, office_id: str, held_id: str) -> Response:
        """Approve what is held for a supervisor: a letter (`inquiry`) or a `template`."""
        try:
            arguments = {f"{held}_id": _id(held_id)}
            self.agencies.call(f"approve_{held}", None, office_id=office_id, **arguments)
        except CaseworkError as exc:
            _reraise_unavailable(exc)
            return self._liaison_approvals(visit, office_id, problem=Problem.of(exc))
        return redirect(f"/offices/{office_id}/approvals?done={held}_approved")

    # Letter templates --------------------------------------------------------------------------

    @staff_page("GET", OFFICE + "/letter-templates")
    def templates_page(self, request: Request, visit: Visit, office_id: str) -> Response:
        return self._liaison_templates(visit, office_id, **asked_to_show(request))

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
        return self._liaison_settings(visit, office_id, done=done_notice(request))

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
        return office_page("scorecard.html", "scorecard", visit, office, rows=rows)

    def _liaison_approvals(
        self,
        visit: Visit,
        office_id: str,
        **notices: Unpack[Notices],
    ) -> Response:
        office = handlers.find_office(self.db, office_id)
        pending = self.agencies.send("list_templates", office_id=office_id)
        letters = self.agencies.call("approval_queue", liaison.INQUIRIES, office_id=office_id)
        templates = [
            t
            for t in pending.result(liaison.TEMPLATES)
            if not t["usable"] and t["requires_approval"] and t["approved_by"] is None
        ]
        names = casework.staff_names(self.db, office_id)
        return office_page(
            "approvals.html",
            "approvals",
            visit,
            office,
            notices,
            letters=letters,
            templates=templates,
            names=names,
        )

    def _liaison_templates(
        self,
        visit: Visit,
        office_id: str,
        *,
        form: dict[str, Any] | None = None,
        editing: str | None = None,
        **notices: Unpack[Notices],
    ) -> Response:
        office = handlers.find_office(self.db, office_id)
        templates = self.agencies.call("list_templates", liaison.TEMPLATES, office_id=office_id)
        versions: dict[str, list[dict[str, Any]]] = {}
        for template in sorted(templates, key=lambda t: (t["name"], -t["version"])):
            versions.setdefault(template["name"], []).append(template)
        names = casework.staff_names(self.db, office_id)
        return office_page(
            "letter_templates.html",
            "templates",
            visit,
            office,
            notices,
            versions=versions,
            names=names,
            template_fields=TEMPLATE_FIELDS,
            form=form if form is not None else editing_form(templates, "template_id", editing),
        )

    def _liaison_settings(
        self,
        visit: Visit,
        office_id: str,
        *,
        form: dict[str, Any] | None = None,
        **notices: Unpack[Notices],
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
        return office_page(
            "liaison_settings.html",
            "settings",
            visit,
            office,
            notices,
            settings=settings,
            overrides=overrides,
            directory=directory,
            target_words=liaison_words.target_words,
            role_choices=APPROVAL_ROLE_CHOICES,
        )


class Notices(TypedDict, total=False):
    """What a liaison page shows above its own content: what was just done, why an action was
    refused, what an import stored or refused (each None when there is none)."""

    done: str | None
    problem: Problem | None
    imported: dict[str, Any] | None


def shown_notices(notices: Notices) -> dict[str, Any]:
    """Every notice a liaison template names, None where there is none."""
    return {"done": None, "problem": None, "imported": None, **notices}


def office_page(
    template: str,
    section: str,
    visit: Visit,
    office: Any,
    notices: Notices | None = None,
    **shown: Any,
) -> Response:
    """A page of one office's liaison work: `section` is both its tab and its sub-tab. A refused
    action (`problem`) or an import with refused lines (`imported`) sets its status."""
    told = shown_notices(notices or {})
    return render(
        template,
        status=_status(told["problem"], told["imported"]),
        visit=visit,
        nav=section,
        sub=section,
        office=office,
        **told,
        **shown,
    )


def done_notice(request: Request) -> str | None:
    """The notice a page shows after the action that redirected to it (`?done=...`)."""
    return PAGE_DONE.get(request.args.get("done", ""))


class Shown(TypedDict):
    done: str | None
    editing: str | None


def asked_to_show(request: Request) -> Shown:
    """A directory page's query: the notice to show and the entry to open in its form."""
    return {"done": done_notice(request), "editing": request.args.get("edit")}


def editing_form(
    entries: list[dict[str, Any]], id_field: str, editing: str | None
) -> dict[str, Any]:
    """The form filled in with the entry being edited (`?edit=<id>`); empty for a new one."""
    return next((dict(entry) for entry in entries if entry[id_field] == editing), {})


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
