"""The office admin's privacy release text: the list of the office's text in each language
(its own or the default, its version, who saved it), and the editor of one, with a preview as
the constituent would read it on the request form and every version saved. Every call is an
RPC to intake acting as the signed-in person (intake checks the office admin again); plain
forms that post, then redirect with `?done=...`; a refused text shows the editor again with
each problem beside the text."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from services.chassis.errors import NotFound
from services.contracts.rpc import intake_release_texts as release_rpc
from services.gateway import casework, handlers
from services.gateway.access import Visit, redirect, staff_page
from services.gateway.liaison_forms import Problem
from services.gateway.settings_editor import (
    LANGUAGE_NAMES,
    answer_or_problem,
    editor_page,
    settings_page,
)

RELEASE = "/offices/<string:office_id>/settings/release"
ONE = RELEASE + "/<string:language>"
TEXTS = release_rpc.OfficeReleaseText(many=True)
TEXT = release_rpc.OfficeReleaseText()
PREVIEW = release_rpc.ReleaseTextPreview()
DONE = {
    "saved": "Saved as a new version. The request form shows it within a minute; releases "
    "signed before keep the version they were signed under.",
    "reset": "Back to the default text, as a new version.",
    "unchanged": "Nothing to save: that is the text the request form shows already.",
}


class ReleaseTextPages:
    """Mixed into `GatewayService`: `self.db` is gateway's database, `self.intake` intake."""

    db: Any
    intake: Any

    @staff_page("GET", RELEASE, office_admin=True)
    def release_text_list_page(self, request: Request, visit: Visit, office_id: str) -> Response:
        office = handlers.find_office(self.db, office_id)
        texts = self.intake.call("release_texts", TEXTS, office_id=office_id)
        return settings_page(
            "release_text.html",
            visit,
            office,
            texts=texts,
            names=casework.staff_names(self.db, office_id),
            languages=LANGUAGE_NAMES,
        )

    @staff_page("GET", ONE, office_admin=True)
    def release_text_page(
        self, request: Request, visit: Visit, office_id: str, language: str
    ) -> Response:
        current = self._release_text(office_id, language)
        return self._release_editor(
            visit,
            office_id,
            current,
            current["text"],
            done=DONE.get(request.args.get("done", "")),
        )

    @staff_page("POST", ONE, office_admin=True)
    def change_release_text(
        self, request: Request, visit: Visit, office_id: str, language: str
    ) -> Response:
        current = self._release_text(office_id, language)
        here = f"/offices/{office_id}/settings/release/{language}"
        action = request.form.get("action", "preview")
        if action == "reset":
            reset = self.intake.call(
                "reset_release_text", TEXT, office_id=office_id, language=language
            )
            return redirect(f"{here}?done={self._release_done(current, reset, 'reset')}")
        text = request.form.get("text", "")
        method, schema = (
            ("save_release_text", TEXT) if action == "save" else ("preview_release_text", PREVIEW)
        )
        answered, problem = answer_or_problem(
            lambda: self.intake.call(
                method, schema, office_id=office_id, language=language, text=text
            )
        )
        if problem is not None:
            return self._release_editor(visit, office_id, current, text, problem=problem)
        if action == "save":
            return redirect(f"{here}?done={self._release_done(current, answered, 'saved')}")
        return self._release_editor(visit, office_id, current, text, preview=answered)

    @staticmethod
    def _release_done(before: dict[str, Any], after: dict[str, Any], done: str) -> str:
        return done if after["version"] != before["version"] else "unchanged"

    def _release_text(self, office_id: str, language: str) -> dict[str, Any]:
        if language not in LANGUAGE_NAMES:
            raise NotFound("the release text is in English or Spanish")
        texts = self.intake.call("release_texts", TEXTS, office_id=office_id)
        for text in texts:
            if text["language"] == language:
                return dict(text)
        raise NotFound("there is no release text in that language")

    def _release_editor(
        self,
        visit: Visit,
        office_id: str,
        current: dict[str, Any],
        text: str,
        *,
        done: str | None = None,
        problem: Problem | None = None,
        preview: dict[str, Any] | None = None,
    ) -> Response:
        return editor_page(
            "release_text_edit.html",
            visit,
            handlers.find_office(self.db, office_id),
            lambda: self.intake.call(
                "preview_release_text",
                PREVIEW,
                office_id=office_id,
                language=current["language"],
                text=text,
            ),
            done=done,
            problem=problem,
            preview=preview,
            current=current,
            language_name=LANGUAGE_NAMES[current["language"]],
            text=text,
            names=casework.staff_names(self.db, office_id),
        )
