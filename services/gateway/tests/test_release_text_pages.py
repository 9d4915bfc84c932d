"""The office admin's privacy release text through the real gateway, with a fake `intake`
answering over real RPC by its contracts: the list of the text in each language, the editor's
preview as the constituent reads it, saving a new version, resetting to the default, a refused
text shown beside its field, the versions saved, the CSRF wall, and who may not see the pages.

On PostgreSQL only: what these pages show comes from the fake intake; intake's own tests check
the text itself (placeholders, versions, what a signed release keeps).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
from nameko.rpc import rpc

from services.chassis.errors import Forbidden, ValidationFailed
from services.chassis.schemas import load_arguments
from services.contracts.rpc import intake_release_texts as release_rpc
from services.gateway.tests.support import (
    OFFICE,
    OFFICE_NAME,
    SUPERVISOR,
    FakeIntake,
    Gateway,
    answer,
    read_page,
)

ADMIN = "renee.okafor@demo.example.gov"
LIST = f"/offices/{OFFICE}/settings/release"
SPANISH = f"{LIST}/es"
PLACEHOLDERS = ("office_name", "constituent_name", "agencies", "expires_on")
DEFAULTS = {
    "en": "I, {constituent_name}, ask {office_name} to help me with {agencies} until {expires_on}.",
    "es": "Yo, {constituent_name}, solicito la ayuda de {office_name} con {agencies} hasta el "
    "{expires_on}.",
}
SAMPLE = {
    "office_name": OFFICE_NAME,
    "constituent_name": "María López",
    "agencies": "Administración del Seguro Social y Departamento de Asuntos de Veteranos",
    "expires_on": "3 de diciembre de 2027",
}
# The versions the fake intake keeps, by language, newest last; what it was asked to do.
VERSIONS: dict[str, list[dict[str, Any]]] = {"en": [], "es": []}
ASKED: list[tuple[str, str | None]] = []


def _fill(text: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: SAMPLE.get(m.group(1), m.group(0)), text)


def _text(language: str) -> dict[str, Any]:
    saved = VERSIONS[language]
    current = saved[-1] if saved else None
    return {
        "language": language,
        "version": current["version"] if current else "2026-12",
        "text": current["text"] if current else DEFAULTS[language],
        "is_default": current is None or current["is_default"],
        "updated_at": current["created_at"] if current else None,
        "updated_by": current["created_by"] if current else None,
        "default_version": "2026-12",
        "default_text": DEFAULTS[language],
        "placeholders": [(name, f"what {name} becomes") for name in PLACEHOLDERS],
        "max_length": 10_000,
        "history": list(reversed(saved)),
    }


class ReleaseTextIntake(FakeIntake):
    """The case page's fake intake, also keeping the office's release text the way intake
    does: a text missing a placeholder or naming another is refused under `text`, each save
    is a new version, and only an office admin saves or resets."""

    def _checked(self, arguments: dict[str, Any]) -> dict[str, Any]:
        change = self._called("release_text", release_rpc.ReleaseTextChange(), arguments)
        text = change["text"].replace("\r\n", "\n").strip()
        problems = [
            f"{{{name}}} is not a placeholder of the release"
            for name in re.findall(r"\{(\w+)\}", text)
            if name not in PLACEHOLDERS
        ]
        problems += [
            f"the release must name {{{n}}}" for n in PLACEHOLDERS if f"{{{n}}}" not in text
        ]
        if problems:
            raise ValidationFailed("fix these and try again", {"text": problems})
        return {**change, "text": text}

    def _add(self, language: str, text: str) -> dict[str, Any]:
        if self.acting.get("role") != "office_admin":
            raise Forbidden("only the office admin changes the office's release text")
        VERSIONS[language].append(
            {
                "version": f"v{len(VERSIONS[language]) + 1}",
                "text": text,
                "created_at": datetime.now(UTC),
                "created_by": self.acting.get("user_id"),
                "is_default": text == DEFAULTS[language],
            }
        )
        return answer(release_rpc.OfficeReleaseText(), _text(language))  # type: ignore[no-any-return]

    @rpc
    def release_texts(self, office_id: str) -> list[dict[str, Any]]:
        self._called("release_texts", release_rpc.OfficeRequest(), {"office_id": office_id})
        texts = [_text(language) for language in release_rpc.LANGUAGES]
        return answer(release_rpc.OfficeReleaseText(many=True), texts)  # type: ignore[no-any-return]

    @rpc
    def preview_release_text(self, office_id: str, language: str, text: str) -> dict[str, Any]:
        ASKED.append(("preview", self.acting.get("role")))
        checked = self._checked({"office_id": office_id, "language": language, "text": text})
        filled = _fill(checked["text"])
        preview = {
            "language": language,
            "text": filled,
            "paragraphs": [part for part in filled.split("\n\n") if part.strip()],
            "sha256": "0" * 64,
            "constituent_name": SAMPLE["constituent_name"],
            "agencies": SAMPLE["agencies"].split(" y "),
        }
        return answer(release_rpc.ReleaseTextPreview(), preview)  # type: ignore[no-any-return]

    @rpc
    def save_release_text(self, office_id: str, language: str, text: str) -> dict[str, Any]:
        ASKED.append(("save", self.acting.get("role")))
        checked = self._checked({"office_id": office_id, "language": language, "text": text})
        return self._add(language, checked["text"])

    @rpc
    def reset_release_text(self, office_id: str, language: str) -> dict[str, Any]:
        ASKED.append(("reset", self.acting.get("role")))
        arguments = {"office_id": office_id, "language": language}
        query = load_arguments(release_rpc.ReleaseTextKey(), arguments)
        return self._add(query["language"], DEFAULTS[query["language"]])


def forget_release_texts() -> None:
    for saved in VERSIONS.values():
        saved.clear()
    ASKED.clear()


@pytest.fixture(params=["postgresql"])
def db_backend(request: pytest.FixtureRequest) -> str:
    """Narrows chassis testing's two databases to the production one for this module."""
    return str(request.param)


@pytest.fixture
def office(demo_office: Gateway) -> Iterator[Gateway]:
    """The demo office's admin signed in, with intake keeping its release text."""
    demo_office.start(ReleaseTextIntake)
    forget_release_texts()
    demo_office.log_in(ADMIN)
    yield demo_office
    forget_release_texts()


def post(gateway: Gateway, data: dict[str, str], *, csrf: bool = True) -> requests.Response:
    assert gateway.session is not None
    found = re.search(r'name="csrf_token" value="([^"]+)"', gateway.get(SPANISH).text)
    assert found, "the editor carries no form"
    ASKED.clear()  # what the editor's own preview asked: ASKED is now what the post asks
    return gateway.session.post(
        f"{gateway.base}{SPANISH}",
        data={**data, **({"csrf_token": found.group(1)} if csrf else {})},
        timeout=10,
        allow_redirects=False,
    )


def test_the_settings_link_to_the_release_text_beside_the_messages(office: Gateway) -> None:
    settings = office.get(f"/offices/{OFFICE}/settings").text

    assert f'href="{LIST}">read and change the release text</a>' in settings


def test_the_list_names_each_language_with_whose_text_and_which_version_it_is(
    office: Gateway,
) -> None:
    VERSIONS["en"].append(
        {
            "version": "v1",
            "text": "Own {office_name} {constituent_name} {agencies} {expires_on}",
            "created_at": datetime(2027, 1, 5, 15, 0, tzinfo=UTC),
            "created_by": "nobody-we-know",
            "is_default": False,
        }
    )

    page = read_page(office.get(LIST).text)

    assert page.headings["h1"] == ["Privacy release text"]
    rows = {row[0]: row[1:] for row in page.rows}
    assert list(rows) == ["English", "Spanish"]
    assert rows["English"][:2] == ["Office's own", "v1"]
    assert rows["English"][2].endswith("by nobody-we-know")
    assert rows["English"][3:] == ["1", "Edit the release text in English"]
    assert rows["Spanish"] == [
        "Default",
        "2026-12",
        "Never changed",
        "0",
        "Edit the release text in Spanish",
    ]


def test_the_editor_opens_on_the_text_shown_now_with_its_preview(office: Gateway) -> None:
    response = office.get(SPANISH)

    assert response.status_code == 200
    page = read_page(response.text)
    assert page.headings["h1"] == ["Privacy release text in Spanish"]
    assert '<label for="f-text">Release text</label>' in response.text
    assert "Yo, {constituent_name}, solicito la ayuda de {office_name}" in response.text
    assert "Yo, María López, solicito la ayuda de Office of Rep. Jordan Demo" in response.text
    assert "the default text, version <strong>2026-12</strong>" in response.text
    assert [row[0] for row in page.rows] == [f"{{{name}}}" for name in PLACEHOLDERS]
    assert "The office has saved no text in Spanish" in response.text
    assert "Reset to the default text" not in response.text  # on the default already


def test_preview_shows_the_edited_text_as_the_constituent_reads_it_and_keeps_nothing(
    office: Gateway,
) -> None:
    response = post(
        office,
        {
            "action": "preview",
            "text": "Yo, {constituent_name}, autorizo a {office_name}.\r\n\r\n"
            "Agencias: {agencies}. Hasta el {expires_on}.",
        },
    )

    assert response.status_code == 200
    preview = re.search(r'<div class="release-preview".*?</div>', response.text, re.S)
    assert preview is not None
    assert re.findall(r"<p>(.*?)</p>", preview.group(0)) == [
        "Yo, María López, autorizo a Office of Rep. Jordan Demo.",
        f"Agencias: {SAMPLE['agencies']}. Hasta el 3 de diciembre de 2027.",
    ]
    assert VERSIONS["es"] == []
    assert [asked for asked, _ in ASKED] == ["preview"]


def test_save_adds_a_version_reset_another_and_the_history_lists_both(office: Gateway) -> None:
    own = "Yo, {constituent_name}, autorizo a {office_name} ({agencies}) hasta el {expires_on}."

    saved = post(office, {"action": "save", "text": own})

    assert saved.status_code == 303
    assert saved.headers["Location"].endswith(f"{SPANISH}?done=saved")
    assert ("save", "office_admin") in ASKED
    shown = office.get(f"{SPANISH}?done=saved")
    assert "Saved as a new version. The request form shows it within a minute" in shown.text
    assert "the office's own text, version <strong>v1</strong>" in shown.text
    assert "by Renee Okafor." in re.sub(r"<[^>]+>", "", shown.text)
    assert own in shown.text

    reset = post(office, {"action": "reset"})

    assert reset.status_code == 303
    assert reset.headers["Location"].endswith(f"{SPANISH}?done=reset")
    page = office.get(f"{SPANISH}?done=reset")
    assert "Back to the default text, as a new version." in page.text
    history = [row for row in read_page(page.text).rows if row[0].startswith("v")]
    assert [(row[0], row[2], row[3]) for row in history] == [
        ("v2 (shown now)", "Renee Okafor", f"The default text, version v2 {DEFAULTS['es']}"),
        ("v1", "Renee Okafor", f"The office's own text, version v1 {own}"),
    ]
    assert [v["version"] for v in VERSIONS["es"]] == ["v1", "v2"]


def test_a_refused_text_is_shown_again_with_the_problem_beside_its_field(
    office: Gateway,
) -> None:
    typed = "Yo, {constituent_name}, autorizo a {ofice_name}."

    response = post(office, {"action": "save", "text": typed})

    assert response.status_code == 422
    page = read_page(response.text)
    assert "{ofice_name} is not a placeholder of the release" in page.alerts[0]
    assert 'href="#f-text">Release text</a>' in response.text
    assert 'aria-invalid="true"' in response.text
    assert 'aria-describedby="f-text-hint f-text-error"' in response.text
    assert "the release must name {agencies}" in response.text
    assert typed in response.text
    assert "No preview while the text has the problems listed above." in response.text
    assert VERSIONS["es"] == []


def test_a_post_without_the_csrf_token_changes_nothing(office: Gateway) -> None:
    response = post(office, {"action": "reset"}, csrf=False)

    assert response.status_code == 403
    assert VERSIONS["es"] == [] and ASKED == []


def test_an_unknown_language_is_not_found_and_a_supervisor_may_not_see_the_editor(
    office: Gateway,
) -> None:
    assert office.get(f"{LIST}/fr").status_code == 404

    office.log_in(SUPERVISOR)

    assert office.get(LIST).status_code == 403
    assert office.get(SPANISH).status_code == 403
    assert "settings/release" not in office.get(f"/offices/{OFFICE}/cases").text
    assert ASKED == []
