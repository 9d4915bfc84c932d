"""The office admin's wording of the messages notify sends to constituents: the list of every
message in each language (the office's own or the default), and the editor of one (subject,
body and, for a message sent by text, the text), with a preview filled in for a sample
constituent: the email, and the text as a phone shows it with its length. Every call is an RPC
to notify acting as the signed-in person (notify checks the office admin again); plain forms
that post, then redirect with `?done=...`; a refused wording shows the editor again with each
problem and its line."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from services.chassis.errors import NotFound
from services.contracts.rpc import notify as notify_rpc
from services.gateway import handlers
from services.gateway.access import Visit, redirect, staff_page
from services.gateway.liaison_forms import Problem
from services.gateway.settings_editor import (
    LANGUAGE_NAMES,
    answer_or_problem,
    editor_page,
    settings_page,
)

MESSAGES = "/offices/<string:office_id>/settings/messages"
ONE = MESSAGES + "/<string:message>/<string:language>"
WORDINGS = notify_rpc.MessageWordingSchema(many=True)
WORDING = notify_rpc.MessageWordingSchema()
PREVIEW = notify_rpc.WordingPreviewSchema()
DONE = {
    "saved": "Saved. Messages from now on are written in the office's own wording.",
    "reset": "Back to the default wording.",
}


class WordingPages:
    """Mixed into `GatewayService`: `self.db` is gateway's database, `self.notify` notify."""

    db: Any
    notify: Any

    @staff_page("GET", MESSAGES, office_admin=True)
    def wording_list_page(self, request: Request, visit: Visit, office_id: str) -> Response:
        office = handlers.find_office(self.db, office_id)
        items = self.notify.call("message_wording", WORDINGS, office_id=office_id)
        rows: dict[str, dict[str, Any]] = {}
        for item in items:
            rows.setdefault(item["message"], {"label": item["label"]})[item["language"]] = item
        return settings_page(
            "message_wording.html", visit, office, rows=rows, languages=LANGUAGE_NAMES
        )

    @staff_page("GET", ONE, office_admin=True)
    def wording_page(
        self, request: Request, visit: Visit, office_id: str, message: str, language: str
    ) -> Response:
        item = self._wording(office_id, message, language)
        subject = item["subject"] if item["subject"] is not None else item["default_subject"]
        body = item["body"] if item["body"] is not None else item["default_body"]
        form = {"subject": subject, "body": body}
        if item["default_text"] is not None:
            # Empty while the office has none of its own: the default text goes, and follows
            # any change to it.
            form["text"] = item["text"] or ""
        return self._editor(
            visit, office_id, item, form, done=DONE.get(request.args.get("done", ""))
        )

    @staff_page("POST", ONE, office_admin=True)
    def change_wording(
        self, request: Request, visit: Visit, office_id: str, message: str, language: str
    ) -> Response:
        item = self._wording(office_id, message, language)
        action = request.form.get("action", "preview")
        if action == "reset":
            self.notify.call(
                "reset_message_wording", WORDING, office_id=office_id, message=message,
                language=language,
            )  # fmt: skip
            return redirect(
                f"/offices/{office_id}/settings/messages/{message}/{language}?done=reset"
            )
        form = {"subject": request.form.get("subject", ""), "body": request.form.get("body", "")}
        if item["default_text"] is not None:
            form["text"] = request.form.get("text", "")
        method = "save_message_wording" if action == "save" else "preview_message_wording"
        answered, problem = answer_or_problem(
            lambda: self.notify.call(
                method,
                WORDING if action == "save" else PREVIEW,
                office_id=office_id,
                message=message,
                language=language,
                **form,
            )
        )
        if problem is not None:
            return self._editor(visit, office_id, item, form, problem=problem)
        if action == "save":
            return redirect(
                f"/offices/{office_id}/settings/messages/{message}/{language}?done=saved"
            )
        return self._editor(visit, office_id, item, form, preview=answered)

    def _wording(self, office_id: str, message: str, language: str) -> dict[str, Any]:
        items = self.notify.call("message_wording", WORDINGS, office_id=office_id)
        for item in items:
            if (item["message"], item["language"]) == (message, language):
                return dict(item)
        raise NotFound("there is no such message")

    def _editor(
        self,
        visit: Visit,
        office_id: str,
        item: dict[str, Any],
        form: dict[str, str],
        *,
        done: str | None = None,
        problem: Problem | None = None,
        preview: dict[str, Any] | None = None,
    ) -> Response:
        return editor_page(
            "message_wording_edit.html",
            visit,
            handlers.find_office(self.db, office_id),
            lambda: self.notify.call(
                "preview_message_wording",
                PREVIEW,
                office_id=office_id,
                message=item["message"],
                language=item["language"],
                **form,
            ),
            done=done,
            problem=problem,
            preview=preview,
            item=item,
            language_name=LANGUAGE_NAMES.get(item["language"], item["language"]),
            form=form,
        )
