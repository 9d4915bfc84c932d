"""How the emails' languages are kept: one folder of templates per language, each complete,
and the link to the portal's status page."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.notify.domain.acknowledgements import LANGUAGES
from services.notify.messages import (
    DEFAULT_PORTAL_BASE_URL,
    TEMPLATES,
    portal_base_url,
    render,
    status_page_url,
    unsubscribe_page_url,
    with_unsubscribe_footer,
)

# What each template is given (see templates/README.md).
CONTEXT = {
    "name": "María López",
    "office_name": "Office of Rep. Ana Lopez",
    "sender_name": "Office of Rep. Ana Lopez",
    "tracking_code": "K7QX-M2PD",
    "reference": "CW-2026-000042",
    "status_url": "https://portal.example.gov/o/rep-lopez/status?tracking=K7QX-M2PD",
    "code": "482913",
    "minutes": 15,
    "note": "The passport agency has your application and will print it this week.",
    "documents": "- Denial letter of March 3\n- DD-214 (both pages)",
    "status": "waiting_on_agency",
    "result": "favourable",
    "survey_url": "https://portal.example.gov/o/rep-lopez/rate/q3Jx9sTzWvB2mN7kLp4dRfGh",
    "unsubscribe_url": "https://portal.example.gov/o/rep-lopez/unsubscribe/q3Jx9sTzWvB2mN7kLp4d",
}


def templates_of(language: str) -> set[str]:
    return {path.name for path in (TEMPLATES / language).iterdir() if path.suffix == ".txt"}


def test_there_is_a_folder_of_templates_for_every_language_and_no_other() -> None:
    folders = {path.name for path in TEMPLATES.iterdir() if path.is_dir()}
    assert folders == set(LANGUAGES) == {"en", "es"}


def test_every_language_has_every_template_the_others_have() -> None:
    english = templates_of("en")
    assert {"acknowledgement.body.txt", "status_code.body.txt", "footer.txt"} <= english
    for language in LANGUAGES:
        assert templates_of(language) == english, f"{language} misses or adds a template"


@pytest.mark.parametrize("template", sorted(templates_of("en")))
def test_each_template_renders_and_is_translated(template: str) -> None:
    english = render(f"en/{template}", **CONTEXT)
    spanish = render(f"es/{template}", **CONTEXT)
    assert english.strip() and spanish.strip()
    assert spanish != english


@pytest.mark.parametrize("template", sorted(templates_of("es")))
def test_the_spanish_templates_are_written_in_utf8_with_their_accents(template: str) -> None:
    text = (TEMPLATES / "es" / template).read_bytes().decode("utf-8")
    assert "\ufffd" not in text
    if template.startswith(("acknowledgement", "status_code")):
        assert "código" in text


def test_the_status_page_link_is_the_portals_page_for_the_office_and_tracking_code() -> None:
    assert (
        status_page_url("https://portal.example.gov", "rep-lopez", "K7QX-M2PD")
        == "https://portal.example.gov/o/rep-lopez/status?tracking=K7QX-M2PD"
    )
    # Whatever the values hold, they stay inside their part of the link.
    assert (
        status_page_url("http://127.0.0.1:8001", "rep/x?y", "A B&c")
        == "http://127.0.0.1:8001/o/rep%2Fx%3Fy/status?tracking=A+B%26c"
    )


def test_the_unsubscribe_link_is_the_portals_page_for_the_office_and_secret() -> None:
    assert (
        unsubscribe_page_url("https://portal.example.gov", "rep-lopez", "q3Jx9s-TzW_vB2")
        == "https://portal.example.gov/o/rep-lopez/unsubscribe/q3Jx9s-TzW_vB2"
    )
    assert (
        unsubscribe_page_url("http://127.0.0.1:8001", "rep/x?y", "a/b?c")
        == "http://127.0.0.1:8001/o/rep%2Fx%3Fy/unsubscribe/a%2Fb%3Fc"
    )


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", "To stop email from Office of Rep. Ana Lopez about your requests: "),
        ("es", "Para dejar de recibir correos de Office of Rep. Ana Lopez sobre sus solicitudes: "),
    ],
)
def test_the_unsubscribe_line_follows_the_body_in_the_constituents_language(
    language: str, words: str
) -> None:
    url = str(CONTEXT["unsubscribe_url"])
    body = with_unsubscribe_footer(
        "Hello.\n\nKind regards,\nThe office\n\n", language, CONTEXT, url
    )
    assert body == f"Hello.\n\nKind regards,\nThe office\n\n{words}{url}\n"
    anonymous = with_unsubscribe_footer("Hi.", language, {**CONTEXT, "office_name": None}, url)
    assert ("our office" if language == "en" else "nuestra oficina") in anonymous


def test_the_portal_address_comes_from_the_environment_with_the_local_intake_as_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("CASEWORK_PORTAL_BASE_URL", raising=False)
    assert portal_base_url() == DEFAULT_PORTAL_BASE_URL == "http://127.0.0.1:8001"
    monkeypatch.setenv("CASEWORK_PORTAL_BASE_URL", "https://casework.house.example.gov/")
    assert portal_base_url() == "https://casework.house.example.gov"


def test_the_readme_names_every_template() -> None:
    readme = Path(TEMPLATES / "README.md").read_text(encoding="utf-8")
    for template in templates_of("en"):
        assert f"`{template}`" in readme


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    ("status", "english_words"),
    [
        ("waiting_on_agency", "contacted the government agency"),
        ("waiting_on_constituent", "we need"),
    ],
)
def test_a_status_update_says_what_the_new_state_asks_of_the_constituent(
    language: str, status: str, english_words: str
) -> None:
    context = {**CONTEXT, "status": status}
    subject = render(f"{language}/status_update.subject.txt", **context)
    body = render(f"{language}/status_update.body.txt", **context)
    assert "K7QX-M2PD" in subject and str(CONTEXT["status_url"]) in body
    if language == "en":
        assert english_words in body.lower()
    others = {"waiting_on_agency", "waiting_on_constituent"} - {status}
    other = render(f"{language}/status_update.body.txt", **{**CONTEXT, "status": others.pop()})
    assert other != body


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_outcome_of_a_closed_case_has_its_own_words(language: str) -> None:
    from services.contracts.vocabulary import CASE_RESULTS

    bodies = {
        result: render(f"{language}/closure.body.txt", **{**CONTEXT, "result": result})
        for result in CASE_RESULTS
    }
    assert len(set(bodies.values())) == len(CASE_RESULTS)
    assert all(str(CONTEXT["status_url"]) in body for body in bodies.values())


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_closure_offers_five_one_click_ratings_unless_it_has_no_survey(language: str) -> None:
    body = render(f"{language}/closure.body.txt", **CONTEXT)
    links = [line.split()[-1] for line in body.splitlines() if "/rate/" in line]
    assert links == [f"{CONTEXT['survey_url']}?rating={n}" for n in (5, 4, 3, 2, 1)]

    without = render(f"{language}/closure.body.txt", **{**CONTEXT, "survey_url": ""})
    assert "/rate/" not in without and "rating" not in without
