"""Every word the portal shows has its Spanish: each string in the code and templates is in the
catalogue (translated, not fuzzy, with the same placeholders), every message a refused field
can get reads differently in Spanish, and the shared vocabulary and the agency catalogue are
covered in both languages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po
from flask import Flask

from services.contracts.vocabulary import CASE_RESULTS, CASE_STATUSES, CATEGORIES
from services.intake.domain.agencies import AGENCIES, agency_names
from services.intake.domain.identifiers import IDENTIFIER_KINDS
from services.intake.domain.releases import AGENCY_CODE
from services.intake.portal import forms, i18n, problems
from services.intake.schemas import AGENCY_CODE as SCHEMA_AGENCY_CODE

PORTAL = Path(i18n.__file__).resolve().parent
PO = PORTAL / "translations" / "es" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def extracted() -> dict[Any, list[tuple[str, int]]]:
    """msgid -> where it is used, as `pybabel extract -F babel.cfg -k _l` finds them."""
    found: dict[Any, list[tuple[str, int]]] = {}
    for filename, line, message, _comments, _context in extract_from_dir(
        str(PORTAL),
        method_map=[("**.py", "python"), ("**/templates/**.html", "jinja2")],
        keywords={**DEFAULT_KEYWORDS, "_l": None},
    ):
        found.setdefault(message, []).append((filename, line))
    return found


def catalogue() -> Any:
    with open(PO, "rb") as po:
        return read_po(po, locale="es")


def test_every_string_of_the_portal_has_its_spanish() -> None:
    strings = extracted()
    spanish = catalogue()

    assert len(strings) > 150
    for msgid, where in strings.items():
        entry = spanish.get(msgid if isinstance(msgid, str) else msgid[0])
        assert entry is not None, f"not in the catalogue: {msgid!r} ({where[0]})"
        assert not entry.fuzzy, f"fuzzy: {msgid!r}"
        translations = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        originals = msgid if isinstance(msgid, tuple) else (msgid,)
        for translation in translations:
            assert translation.strip(), f"untranslated: {msgid!r} ({where[0]})"
            expected = {name for original in originals for name in PLACEHOLDER.findall(original)}
            assert set(PLACEHOLDER.findall(translation)) == expected, msgid


def test_the_catalogue_holds_no_string_the_portal_no_longer_uses() -> None:
    used = {msgid if isinstance(msgid, str) else msgid[0] for msgid in extracted()}

    ids = [entry.id if isinstance(entry.id, str) else entry.id[0] for entry in catalogue()]

    stale = [msgid for msgid in ids if msgid and msgid not in used]

    assert stale == []


def test_the_catalogue_compiles_in_memory() -> None:
    compiled = i18n.compile_catalogue("es")

    assert compiled.gettext("Send my request") == "Enviar mi solicitud"
    assert compiled.ngettext("We received %(num)d document.", "We received %(num)d documents.", 2)


@pytest.fixture
def app() -> Flask:
    app = Flask(__name__)
    i18n.init_babel(app, "America/New_York")
    return app


def worded(app: Flask, language: str, produce: Any) -> str:
    with app.test_request_context(f"/?lang={language}"):
        return str(produce())


REFUSALS = [
    *[(field, "Missing data for required field.") for field in forms.FIELD_LABELS],
    *[(field, "Length must be between 1 and 100.") for field in forms.FIELD_LABELS],
    *[(field, "Not a valid value.") for field in forms.FIELD_LABELS],
    ("email", "give an email, a phone number or a postal address"),
    ("email", "we cannot send mail to an address with accents before the @ yet"),
    ("first_name", "contains a control character"),
    ("release_consent", "the release text has changed; read it again and sign"),
    ("tracking_code", "too many codes requested; try again later"),
    ("last_name", "the last name or ZIP code does not match this request"),
    ("attachments", "send at most 5 files"),
    ("attachments", "letter.pdf: the file is empty"),
    ("attachments", "letter.pdf: larger than 10 MB"),
    ("attachments", "letter.pdf: not a PDF, JPEG or PNG file"),
    ("attachments", "something new intake says"),
]


@pytest.mark.parametrize(("field_id", "message"), REFUSALS)
def test_every_refusal_a_field_can_show_is_worded_in_both_languages(
    app: Flask, field_id: str, message: str
) -> None:
    english = worded(app, "en", lambda: problems.translated(field_id, message))
    spanish = worded(app, "es", lambda: problems.translated(field_id, message))

    assert english != message or field_id == "general"  # never the validator's own words
    assert spanish != english


def test_the_vocabulary_is_worded_for_every_category_status_and_result(app: Flask) -> None:
    assert set(i18n.CATEGORY_LABELS) == set(CATEGORIES)
    assert set(CASE_STATUSES) | {"received"} == set(i18n.STATUS_WORDS)
    assert set(CASE_RESULTS) == set(i18n.RESULT_WORDS)
    assert set(IDENTIFIER_KINDS) == set(i18n.IDENTIFIER_LABELS) == set(i18n.IDENTIFIER_HINTS)
    assert set(IDENTIFIER_KINDS) == set(forms.IDENTIFIER_FIELDS)
    for words in (i18n.CATEGORY_LABELS, i18n.RESULT_WORDS, i18n.IDENTIFIER_LABELS):
        for key, label in words.items():
            if str(label) in ("Medicare", "Medicaid"):
                continue  # the programmes' names are the same in Spanish
            assert worded(app, "es", lambda label=label: label) != worded(
                app, "en", lambda label=label: label
            ), key


def test_the_agency_catalogue_names_each_agency_in_both_languages() -> None:
    codes = [agency.code for agency in AGENCIES]

    assert len(codes) == len(set(codes)) == 15
    assert {"SSA", "VA", "USCIS", "DOS-PPT", "IRS", "CMS", "OPM", "FEMA", "ED-FSA"} <= set(codes)
    assert {"USPS", "DOL", "HUD", "SBA", "USDA", "DOD"} <= set(codes)
    for agency in AGENCIES:
        assert AGENCY_CODE.match(agency.code)
        assert re.match(str(SCHEMA_AGENCY_CODE.regex.pattern), agency.code)
        assert agency.name_es != agency.name_en
        assert set(agency.identifiers) <= set(IDENTIFIER_KINDS)
    assert agency_names(["SSA", "XYZ"], "es") == ["Administración del Seguro Social", "XYZ"]
