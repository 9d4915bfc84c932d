"""The caseworker's pages: my cases, unassigned, the office queue, the case page with its
actions (note, call, status, reassign, close with outcome, details) and the workload; the
case page's releases and files answer from case_file_pages.py.

Every action is a plain form (works without JavaScript) that posts, then redirects back to the
case page (so a reload never posts twice); a refused one shows the page again with the reason
at the top. Each action is an RPC call acting as the signed-in person.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from urllib.parse import quote

from marshmallow import ValidationError
from werkzeug.wrappers import Request, Response

from services.chassis.db import utcnow
from services.chassis.errors import CaseworkError, Conflict, Forbidden, NotFound, ValidationFailed
from services.contracts.rpc import intake as intake_rpc
from services.gateway import casework, handlers, liaison, liaison_words, messages, releases, results
from services.gateway.access import Visit, redirect, staff_page
from services.gateway.case_schemas import CaseForms
from services.gateway.domain.queue import QueueFilter, ServiceUnavailable
from services.gateway.domain.releases import today_in
from services.gateway.domain.staff import OfficeSummary
from services.gateway.schemas import QueueQuerySchema
from services.gateway.web import field_problems, query_args, render

DONE_MESSAGES = {
    "note": "Note added.",
    "call": "Call logged.",
    "meeting": "Meeting logged.",
    "status": "Status changed.",
    "documents": "Documents requested: the constituent will get a message listing them.",
    "email_stopped": "Email stopped: the constituent gets no more email about their requests.",
    "email_resumed": "Email is on again for this constituent.",
    "assignee": "Case reassigned.",
    "details": "Details saved.",
    "release_revoked": "Privacy release revoked.",
    "release_filed": "Wet-signed privacy release filed.",
    **liaison_words.DONE_MESSAGES,
}
QUEUES = {
    "mine": ("My cases", "Cases assigned to you that are still being worked."),
    "unassigned": ("Unassigned", "Cases nobody has taken yet, oldest first at the bottom."),
    "queue": ("Office queue", "Every case of the office; narrow it with the filters."),
}
RECEIPT = intake_rpc.Receipt()
STAFF_CHANNEL_LABELS = (
    ("phone", "Phone call"),
    ("walk_in", "Walk-in visit"),
    ("letter", "Letter"),
    ("email", "Email"),
)
QUEUE_PATHS = {"mine": "my-cases", "unassigned": "unassigned", "queue": "cases"}
FORMS = CaseForms()
CASE = "/offices/<string:office_id>/cases/<string:reference>"
RELEASE = CASE + "/releases/<string:release_id>"
# What a refused release or attachment action shows at the top of the case page: a service
# that did not answer, a role that may not, a release or file that is not the case's.
REFUSALS = (ValidationFailed, Conflict, Forbidden, NotFound, ServiceUnavailable)


class CasePages:
    """Mixed into `GatewayService`: `self.db`, `self.cases`, `self.intake`, `self.agencies`,
    `self.notify` and `self.metrics_service`."""

    db: Any
    cases: Any
    intake: Any
    agencies: Any
    notify: Any
    metrics_service: Any

    @staff_page("GET", "/offices/<string:office_id>/my-cases")
    def my_cases_page(self, request: Request, visit: Visit, office_id: str) -> Response:
        return self._queue_page(request, visit, office_id, "mine", {"assignee": "me"})

    @staff_page("GET", "/offices/<string:office_id>/unassigned")
    def unassigned_page(self, request: Request, visit: Visit, office_id: str) -> Response:
        return self._queue_page(request, visit, office_id, "unassigned", {"unassigned": "true"})

    @staff_page("GET", "/offices/<string:office_id>/cases")
    def case_queue_page(self, request: Request, visit: Visit, office_id: str) -> Response:
        return self._queue_page(request, visit, office_id, "queue", {})

    @staff_page("GET", "/offices/<string:office_id>/cases/new", writer=True)
    def new_case_page(self, request: Request, visit: Visit, office_id: str) -> Response:
        return self._new_case(visit, office_id, {})

    @staff_page("POST", "/offices/<string:office_id>/cases/new", writer=True)
    def enter_case(self, request: Request, visit: Visit, office_id: str) -> Response:
        form = _form(request)
        try:
            receipt = self.intake.call(
                "enter_submission",
                RECEIPT,
                office_id=office_id,
                submission=casework.staff_entry(form),
            )
        except ValidationFailed as exc:
            return self._new_case(visit, office_id, form, problems=field_problems(exc.fields))
        return redirect(
            f"/offices/{office_id}/unassigned?received={quote(receipt['tracking_code'])}"
        )

    @staff_page("GET", "/offices/<string:office_id>/cases/<string:reference>")
    def case_page(self, request: Request, visit: Visit, office_id: str, reference: str) -> Response:
        done = DONE_MESSAGES.get(request.args.get("done", ""))
        return self._case_page(visit, office_id, reference, done=done)

    @staff_page("POST", "/offices/<string:office_id>/cases/<string:reference>/notes")
    def add_note(self, request: Request, visit: Visit, office_id: str, reference: str) -> Response:
        def act() -> str:
            note = FORMS.note.load(_form(request))
            casework.add_note(self.cases, office_id, reference, **note)
            return str(note["kind"])

        return self._act(visit, office_id, reference, act)

    @staff_page("POST", CASE + "/document-requests")
    def request_documents(
        self, request: Request, visit: Visit, office_id: str, reference: str
    ) -> Response:
        def act() -> str:
            asked = FORMS.documents.load(_form(request))
            casework.request_documents(self.cases, office_id, reference, **asked)
            return "documents"

        return self._act(visit, office_id, reference, act)

    @staff_page("POST", CASE + "/email", writer=True)
    def set_email(self, request: Request, visit: Visit, office_id: str, reference: str) -> Response:
        """The constituent told staff to stop (or start again) the office's email."""

        def act() -> str:
            stop = FORMS.email.load(_form(request))["email"] == "stop"
            case = casework.get_case(self.cases, office_id, reference)
            messages.set_email(self.intake, office_id, case["constituent_id"], opted_out=stop)
            return "email_stopped" if stop else "email_resumed"

        return self._act(visit, office_id, reference, act, anchor="messages-heading")

    @staff_page("POST", "/offices/<string:office_id>/cases/<string:reference>/status")
    def change_status(
        self, request: Request, visit: Visit, office_id: str, reference: str
    ) -> Response:
        def act() -> str:
            change = FORMS.status.load(_form(request))
            casework.change_status(self.cases, office_id, reference, **change)
            return "status"

        return self._act(visit, office_id, reference, act)

    @staff_page("POST", "/offices/<string:office_id>/cases/<string:reference>/assignee")
    def reassign(self, request: Request, visit: Visit, office_id: str, reference: str) -> Response:
        def act() -> str:
            wanted = FORMS.assignee.load(_form(request))["user"]
            email = visit.principal.email if wanted == "me" else wanted
            casework.assign(self.db, self.cases, office_id, reference, email)
            return "assignee"

        return self._act(visit, office_id, reference, act)

    @staff_page("POST", "/offices/<string:office_id>/cases/<string:reference>/details")
    def update_details(
        self, request: Request, visit: Visit, office_id: str, reference: str
    ) -> Response:
        def act() -> str:
            casework.update_case(
                self.cases, office_id, reference, FORMS.details.load(_form(request))
            )
            return "details"

        return self._act(visit, office_id, reference, act)

    @staff_page("GET", "/offices/<string:office_id>/workload", supervisor=True)
    def workload_page(self, request: Request, visit: Visit, office_id: str) -> Response:
        office = handlers.find_office(self.db, office_id)
        emails = {m.user_id: m.email for m in casework.office_staff(self.db, office_id)}
        context: dict[str, Any] = dict(visit=visit, nav="workload", office=office, emails=emails)
        try:
            rows = casework.workload(self.cases, office_id)
        except ServiceUnavailable:
            return render("workload.html", status=503, rows=None, **context)
        return render("workload.html", rows=rows, **context)

    @staff_page("GET", "/offices/<string:office_id>/results")
    def results_page(self, request: Request, visit: Visit, office_id: str) -> Response:
        """What the office achieved: every member may see it (figures, never a case)."""
        office = handlers.find_office(self.db, office_id)
        context: dict[str, Any] = dict(visit=visit, nav="results", office=office)
        try:
            found = results.office_results(self.metrics_service, office_id)
        except ServiceUnavailable:
            return render("results.html", status=503, found=None, **context)
        return render("results.html", found=found, **context)

    # ------------------------------------------------------------------------------------------

    def _new_case(
        self,
        visit: Visit,
        office_id: str,
        form: dict[str, Any],
        *,
        problems: list[str] | None = None,
    ) -> Response:
        return render(
            "new_case.html",
            status=422 if problems else 200,
            visit=visit,
            nav="new",
            office=handlers.find_office(self.db, office_id),
            form=form,
            channels=STAFF_CHANNEL_LABELS,
            problems=problems or [],
        )

    def _queue_page(
        self,
        request: Request,
        visit: Visit,
        office_id: str,
        nav: str,
        fixed: dict[str, str],
    ) -> Response:
        office = handlers.find_office(self.db, office_id)
        # `received`: the tracking code of a request just entered, shown once, not a filter.
        args = {**query_args(request), **fixed}
        args.pop("received", None)
        if nav != "queue":
            args.setdefault("active", "true")
        query: QueueFilter = QueueQuerySchema().load(args)
        assigned_to = handlers.assignee_id(
            self.db, office_id, query.assignee, visit.principal.user_id
        )
        title, blurb = QUEUES[nav]
        received = request.args.get("received", "")
        context: dict[str, Any] = dict(
            visit=visit,
            nav=nav,
            office=office,
            received=received if re.fullmatch(r"[A-Z0-9-]{4,20}", received) else None,
            query=query,
            title=title,
            blurb=blurb,
            filters=nav == "queue",
            today=utcnow().date(),
            base=f"/offices/{office_id}/{QUEUE_PATHS[nav]}",
        )
        try:
            metrics = self.metrics_service if nav == "queue" else None
            queue = handlers.case_queue(self.cases, metrics, office, query, assigned_to=assigned_to)
        except ServiceUnavailable:
            return render("case_queue.html", status=503, queue=None, **context)
        return render("case_queue.html", queue=queue, **context)

    def _case_page(
        self,
        visit: Visit,
        office_id: str,
        reference: str,
        *,
        done: str | None = None,
        problem: CaseworkError | None = None,
        status: int = 200,
    ) -> Response:
        office = handlers.find_office(self.db, office_id)
        case = casework.get_case(self.cases, office_id, reference)
        agencies_panel = liaison.request_panel(self.agencies, office_id, case)
        message_log = messages.request_log(self.notify, self.intake, office_id, case)
        panel = releases.release_panel(self.intake, office, case)
        staff = casework.office_staff(self.db, office_id)
        audit = None
        if visit.principal.administers_office:
            try:
                audit = casework.audit_trail(self.cases, office_id, reference)
            except ServiceUnavailable:
                audit = None
        return render(
            "case.html",
            status=status,
            visit=visit,
            nav="",
            office=office,
            case=case,
            colleagues=casework.takes_cases(staff),
            names={member.user_id: member.display_name for member in staff},
            audit=audit,
            done=done,
            problem=problem,
            panel=panel,
            liaison=agencies_panel(),
            messages=message_log(),
            attachments=[releases.attachment_view(item) for item in case.get("attachments", [])],
            today=_office_today(office).isoformat(),
        )

    def _act(
        self,
        visit: Visit,
        office_id: str,
        reference: str,
        act: Any,
        *,
        anchor: str = "timeline-heading",
    ) -> Response:
        try:
            done = act()
        except ValidationError as exc:
            problem = ValidationFailed(
                "Some values are not valid", fields=exc.normalized_messages()
            )
            return self._case_page(visit, office_id, reference, problem=problem, status=422)
        except REFUSALS as exc:
            return self._case_page(visit, office_id, reference, problem=exc, status=exc.status)
        location = f"/offices/{office_id}/cases/{quote(reference.upper())}?done={done}"
        return redirect(f"{location}#{anchor}")

    def _or_case_page(self, visit: Visit, office_id: str, reference: str, answer: Any) -> Response:
        """What `answer` gives (a download, the identifiers), or the case page saying why
        not."""
        try:
            response: Response = answer()
        except REFUSALS as exc:
            return self._case_page(visit, office_id, reference, problem=exc, status=exc.status)
        return response


def _office_today(office: OfficeSummary) -> date:
    return today_in(office.timezone, utcnow())


def _form(request: Request) -> dict[str, Any]:
    """The posted fields a schema reads (the CSRF token is checked already); a blank field is
    one not given, and `obtained` (check boxes) is a list."""
    fields: dict[str, Any] = {
        name: value for name, value in request.form.items() if name != "csrf_token" and value != ""
    }
    if "obtained" in request.form:
        fields["obtained"] = request.form.getlist("obtained")
    return fields
