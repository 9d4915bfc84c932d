"""The office admin's wording of the messages to constituents through the real gateway, with a
fake `notify` answering over real RPC by its contracts: the list of every message in each
language, the editor's preview (the email, and the text as a phone shows it with its count),
saving, going back to the default, a refused wording shown beside its field, and who may not
see the pages.

On PostgreSQL only: what these pages show comes from the fake notify; notify's own tests check
the wording itself (sandboxed, checked against a sample, the fallback to the default).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from nameko.rpc import rpc

from services.chassis.errors import Forbidden, ValidationFailed
from services.chassis.schemas import load_arguments
from services.contracts.rpc import notify as notify_rpc
from services.gateway.tests.support import (
    NOW,
    OFFICE,
    SUPERVISOR,
    FakeNotify,
    Gateway,
    answer,
    read_page,
)

ADMIN = "renee.okafor@demo.example.gov"
LIST = f"/offices/{OFFICE}/settings/messages"
PUBLIC_NOTE = f"{LIST}/case_update/es"
LABELS = {
    "acknowledgement": "Acknowledgement of a new request",
    "case_update": "Public note",
    "status_update": "Status update",
    "closure": "Case closed",
    "status_code": "Status page code",
}
FIELDS = {"name", "office_name", "tracking_code", "note"}
TEXT_FIELDS = ["office_name", "tracking_code", "status_url"]
STATUS_CODE = f"{LIST}/status_code/en"
STOP = "Responda STOP para no recibir más"
# The office's own wording, by (message, language); what the fake notify was asked to do.
SAVED: dict[tuple[str, str], dict[str, Any]] = {}
ASKED: list[tuple[str, str | None]] = []


def _fill(template: str) -> str:
    sample = {"name": "María López", "office_name": "Office of Rep. Jordan Demo"}
    sample |= {"tracking_code": "K7QX-M2PD", "note": "La agencia tiene su solicitud."}
    sample |= {"status_url": "https://portal.example.gov/o/demo/status?tracking=K7QX-M2PD"}
    return re.sub(r"\{\{\s*(\w+)\s*\}\}", lambda m: sample[m.group(1)], template)


def _item(message: str, language: str) -> dict[str, Any]:
    own = SAVED.get((message, language))
    return {
        "message": message,
        "label": LABELS[message],
        "language": language,
        "variables": [("name", "the constituent's name"), ("note", "the caseworker's note")],
        "default_subject": "Novedades de {{ office_name }}",
        "default_body": "Estimado/a {{ name }}:\n\n{{ note }}",
        "subject": own["subject"] if own else None,
        "body": own["body"] if own else None,
        "updated_at": NOW if own else None,
        "updated_by": "renee" if own else None,
        # A status code is never sent by text.
        "text_variables": [] if message == "status_code" else TEXT_FIELDS,
        "default_text": None if message == "status_code" else DEFAULT_TEXT,
        "text": own.get("text") if own else None,
    }


DEFAULT_TEXT = (
    "{{ office_name }}: hay novedades sobre su solicitud {{ tracking_code }}. {{ status_url }}"
)


def _phone(text: str | None) -> str:
    """The text as notify would send it: the default when there is none, the STOP line after."""
    return f"{_fill(text or DEFAULT_TEXT).strip()}\n{STOP}"


class WordingNotify(FakeNotify):
    """The bell's fake notify, also keeping each message's wording the way notify does: an
    unknown field is refused with the part it is in, and only an office admin saves."""

    def _checked(self, arguments: dict[str, Any]) -> dict[str, Any]:
        change, _ = self._mine(notify_rpc.WordingChangeSchema(), arguments)
        problems = {
            part: [f"{{{{ {name} }}}} is not a field of this message"]
            for part in ("subject", "body")
            for name in re.findall(r"\{\{\s*(\w+)\s*\}\}", change[part])
            if name not in FIELDS
        }
        if change["text"]:
            used = re.findall(r"\{\{\s*(\w+)\s*\}\}", change["text"])
            wrong = [f"{{{{ {name} }}}} is not a field of this message" for name in used]
            wrong = [
                words for name, words in zip(used, wrong, strict=True) if name not in TEXT_FIELDS
            ]
            if "status_url" not in used:
                wrong.append("it must use {{ status_url }}")
            if wrong:
                problems["text"] = wrong
        if problems:
            raise ValidationFailed("fix these and try again", problems)
        return dict(change)

    @rpc
    def message_wording(self, office_id: str) -> list[dict[str, Any]]:
        self._mine(notify_rpc.OfficeRequest(), {"office_id": office_id})
        items = [_item(m, lang) for m in LABELS for lang in notify_rpc.LANGUAGES]
        return answer(notify_rpc.MessageWordingSchema(many=True), items)  # type: ignore[no-any-return]

    @rpc
    def preview_message_wording(self, office_id: str, **change: Any) -> dict[str, Any]:
        ASKED.append(("preview", self.acting.get("role")))
        checked = self._checked({"office_id": office_id, **change})
        filled: dict[str, Any] = {"subject": _fill(checked["subject"])}
        filled["body"] = _fill(checked["body"])
        if checked["message"] != "status_code":
            filled["text"] = _phone(checked["text"])
            filled["text_length"] = len(filled["text"])
        return answer(notify_rpc.WordingPreviewSchema(), filled)  # type: ignore[no-any-return]

    @rpc
    def save_message_wording(self, office_id: str, **change: Any) -> dict[str, Any]:
        ASKED.append(("save", self.acting.get("role")))
        checked = self._checked({"office_id": office_id, **change})
        if self.acting.get("role") != "office_admin":
            raise Forbidden("only an office admin words the office's messages")
        SAVED[(checked["message"], checked["language"])] = {
            **checked,
            "text": checked["text"] or None,
        }
        item = _item(checked["message"], checked["language"])
        return answer(notify_rpc.MessageWordingSchema(), item)  # type: ignore[no-any-return]

    @rpc
    def reset_message_wording(self, office_id: str, **key: Any) -> dict[str, Any]:
        ASKED.append(("reset", self.acting.get("role")))
        query = load_arguments(notify_rpc.WordingKeySchema(), {"office_id": office_id, **key})
        SAVED.pop((query["message"], query["language"]), None)
        item = _item(query["message"], query["language"])
        return answer(notify_rpc.MessageWordingSchema(), item)  # type: ignore[no-any-return]


@pytest.fixture(params=["postgresql"])
def db_backend(request: pytest.FixtureRequest) -> str:
    """Narrows chassis testing's two databases to the production one for this module."""
    return str(request.param)


@pytest.fixture
def office(demo_office: Gateway) -> Iterator[Gateway]:
    """The demo office's admin signed in, with notify keeping its wording."""
    demo_office.start(WordingNotify)
    SAVED.clear()
    ASKED.clear()
    demo_office.log_in(ADMIN)
    yield demo_office
    SAVED.clear()
    ASKED.clear()


def post(gateway: Gateway, data: dict[str, str]) -> requests.Response:
    assert gateway.session is not None
    found = re.search(r'name="csrf_token" value="([^"]+)"', gateway.get(PUBLIC_NOTE).text)
    assert found, "the editor carries no form"
    ASKED.clear()  # what the editor's own preview asked: ASKED is now what the post asks
    return gateway.session.post(
        f"{gateway.base}{PUBLIC_NOTE}",
        data={**data, "csrf_token": found.group(1)},
        timeout=10,
        allow_redirects=False,
    )


def test_the_list_names_every_message_with_whose_wording_it_is_in_each_language(
    office: Gateway,
) -> None:
    SAVED[("closure", "en")] = {"subject": "Closed", "body": "Done, {{ name }}."}

    page = read_page(office.get(LIST).text)

    assert page.headings["h1"] == ["Messages to constituents"]
    rows = {row[0]: row[1:] for row in page.rows}
    assert list(rows) == list(LABELS.values())
    [english, spanish] = rows["Case closed"]
    assert english.startswith("Office's own, saved ")
    assert english.endswith(" · Edit Case closed in English")
    assert spanish == "Default · Edit Case closed in Spanish"
    assert rows["Public note"][1] == "Default · Edit Public note in Spanish"
    assert f"{LIST}/closure/es" in office.get(LIST).text


def test_the_editor_opens_on_the_default_wording_with_its_preview(office: Gateway) -> None:
    response = office.get(PUBLIC_NOTE)

    assert response.status_code == 200
    page = read_page(response.text)
    assert page.headings["h1"] == ["Public note in Spanish"]
    assert "Estimado/a {{ name }}:" in response.text
    assert "Estimado/a María López:" in response.text
    assert "Novedades de Office of Rep. Jordan Demo" in response.text
    assert [row[0] for row in page.rows] == ["{{ name }}", "{{ note }}"]


def test_preview_fills_in_the_edited_wording_once_and_keeps_nothing(office: Gateway) -> None:
    response = post(
        office,
        {
            "action": "preview",
            "subject": "Hola {{ name }}",
            "body": "{{ note }} ({{ tracking_code }})",
        },
    )

    assert response.status_code == 200
    assert "Hola María López" in response.text
    assert "La agencia tiene su solicitud. (K7QX-M2PD)" in response.text
    assert SAVED == {}
    assert [asked for asked, _ in ASKED] == ["preview"]


def test_save_keeps_the_offices_wording_and_reset_goes_back_to_the_default(
    office: Gateway,
) -> None:
    saved = post(office, {"action": "save", "subject": "Hola {{ name }}", "body": "{{ note }}"})

    assert saved.status_code == 303
    assert saved.headers["Location"].endswith(f"{PUBLIC_NOTE}?done=saved")
    assert SAVED[("case_update", "es")]["subject"] == "Hola {{ name }}"
    assert ("save", "office_admin") in ASKED
    shown = office.get(f"{PUBLIC_NOTE}?done=saved")
    assert "Saved. Messages from now on are written in the office" in shown.text
    assert "written in the office's own wording, saved" in shown.text

    reset = post(office, {"action": "reset"})

    assert reset.status_code == 303
    assert reset.headers["Location"].endswith(f"{PUBLIC_NOTE}?done=reset")
    assert SAVED == {}
    assert "Back to the default wording." in office.get(f"{PUBLIC_NOTE}?done=reset").text


def test_a_refused_wording_is_shown_again_with_the_problem_beside_its_field(
    office: Gateway,
) -> None:
    response = post(
        office, {"action": "save", "subject": "Hola {{ ofice_name }}", "body": "{{ note }}"}
    )

    assert response.status_code == 422
    page = read_page(response.text)
    assert "{{ ofice_name }} is not a field of this message" in page.alerts[0]
    assert 'aria-invalid="true"' in response.text
    assert "Hola {{ ofice_name }}" in response.text
    assert "No preview while the wording has the problems listed above." in response.text
    assert SAVED == {}


def test_an_unknown_message_is_not_found_and_a_supervisor_may_not_word_messages(
    office: Gateway,
) -> None:
    assert office.get(f"{LIST}/birthday/en").status_code == 404
    assert office.get(f"{LIST}/case_update/fr").status_code == 404

    office.log_in(SUPERVISOR)

    assert office.get(LIST).status_code == 403
    assert office.get(PUBLIC_NOTE).status_code == 403
    assert ASKED == []


def test_the_editor_of_a_message_sent_by_text_has_its_text_field_and_the_phones_preview(
    office: Gateway,
) -> None:
    response = office.get(PUBLIC_NOTE)

    page = read_page(response.text)
    assert "f-text" in page.labels_for
    assert "Text message (SMS)" in response.text
    assert "At most 320 characters once filled in" in response.text
    # The hint quotes the STOP line in the language of the message (Spanish here).
    assert "(“Responda STOP para no recibir más”)" in response.text
    assert "Reply STOP" not in response.text
    # Empty: the default text goes; the preview shows it as the phone would, with its count.
    assert re.search(r'<textarea id="f-text" name="text"[^>]*></textarea>', response.text)
    shown = _phone(None)
    assert re.search(
        rf'<div class="text-preview"[^>]*>\s*<pre>{re.escape(shown)}</pre>', response.text
    )
    assert f"{len(shown)} of 320 characters (the default text)" in response.text
    assert page.header_cells[-1] == "In the text"
    assert [row[2] for row in page.rows] == ["No", "No"]  # {{ name }}, {{ note }}: never texted
    assert "f-text" not in read_page(office.get(STATUS_CODE).text).labels_for


def test_preview_shows_the_offices_text_with_its_count_and_save_keeps_it(office: Gateway) -> None:
    wording = {"subject": "Hola {{ name }}", "body": "{{ note }}"}
    own_text = "{{ office_name }}: novedades en {{ tracking_code }} {{ status_url }}"

    previewed = post(office, {"action": "preview", **wording, "text": own_text})
    saved = post(office, {"action": "save", **wording, "text": own_text})

    shown = _phone(own_text)
    assert shown.startswith("Office of Rep. Jordan Demo: novedades en K7QX-M2PD https://")
    assert f"<pre>{shown}</pre>" in previewed.text
    assert f"{len(shown)} of 320 characters</p>" in previewed.text
    assert saved.status_code == 303
    assert SAVED[("case_update", "es")]["text"] == own_text
    editor = office.get(f"{PUBLIC_NOTE}?done=saved").text
    assert "Constituents who chose text messages get the office's own text." in editor
    assert f">{own_text}</textarea>" in editor


def test_a_refused_text_is_shown_beside_the_text_field(office: Gateway) -> None:
    response = post(
        office,
        {"action": "save", "subject": "Hola", "body": "{{ note }}", "text": "Hola {{ name }}"},
    )

    assert response.status_code == 422
    page = read_page(response.text)
    problems = "{{ name }} is not a field of this message; it must use {{ status_url }}"
    assert f"Text message (SMS): {problems}" in page.alerts[0]
    assert re.search(
        r'<p class="field-error" id="f-text-error">.*\{\{ name \}\} is not a field', response.text
    )
    assert re.search(r'<textarea id="f-text"[^>]*aria-invalid="true"', response.text)
    assert 'href="#f-text"' in response.text
    assert SAVED == {}
