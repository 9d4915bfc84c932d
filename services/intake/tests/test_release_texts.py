"""An office's own release text: what an admin may save (every placeholder, nothing misspelt,
not empty, not a book), each save a new version the form shows from then on, a reset that is a
version with the default's words, the audit rows, who may change it, and the evidence a
release keeps: signed after a save it names the new version and its text's hash, signed before
it keeps its own. On SQLite and PostgreSQL, and through the RPC worker."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest
from nameko.testing.services import worker_factory
from sqlalchemy import text as sql

from services.chassis.caller import Caller
from services.chassis.domain import Actor
from services.chassis.errors import Forbidden, NotFound, ValidationFailed
from services.contracts.rpc import intake_release_texts as contract
from services.intake import release_texts, signing
from services.intake.domain.release_texts import (
    MAX_RELEASE_TEXT_CHARS,
    check,
    next_version,
    normalise,
    problems_with,
)
from services.intake.domain.signed_text import DEFAULT_RELEASE_TEXTS, render_release_text
from services.intake.service import IntakeService
from services.intake.tests.support import (
    OFFICE,
    Portal,
    register_office,
    rows,
    text_of,
    valid_submission,
    with_release,
)

ADMIN = Actor.staff("u-admin", "office_admin", "web 203.0.113.9")
SUPERVISOR = Actor.staff("u-super", "supervisor")
FORM = f"/o/{OFFICE}/"
OWN_TEXT = (
    "I, {constituent_name}, ask {office_name} to help me with {agencies}.\r\n"
    "\r\n\r\n"
    "I let the office see my records until {expires_on}.   \r\n"
)
KEPT_TEXT = (
    "I, {constituent_name}, ask {office_name} to help me with {agencies}.\n\n"
    "I let the office see my records until {expires_on}."
)

Db = Any


# -- The rules, without a database --------------------------------------------------------------


def test_every_default_text_is_one_an_admin_could_save_as_it_is() -> None:
    for language, template in DEFAULT_RELEASE_TEXTS.items():
        assert problems_with(template.body) == {}, language
        assert normalise(template.body) == template.body


def test_a_text_keeps_its_paragraphs_whatever_line_ends_the_browser_sent() -> None:
    assert check("en", OWN_TEXT) == ("en", KEPT_TEXT)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "the release needs a text"),
        (" \r\n\r\n ", "the release needs a text"),
        (KEPT_TEXT + "x" * MAX_RELEASE_TEXT_CHARS, "a release text is at most 10,000 characters"),
        (KEPT_TEXT.replace("{expires_on}", "next year"), "the release must name {expires_on}"),
        (
            KEPT_TEXT.replace("{office_name}", "{ofice_name}"),
            "{ofice_name} is not a placeholder of the release; the placeholders are "
            "{office_name}, {constituent_name}, {agencies}, {expires_on}",
        ),
        (
            KEPT_TEXT + "\n\nSigned for { office_name }.",
            "{ office_name } is not a placeholder of the release",
        ),
    ],
)
def test_a_text_an_admin_may_not_save_is_refused_under_its_field(text: str, problem: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        check("en", text)

    assert any(found.startswith(problem) for found in refused.value.fields["text"])


def test_a_language_the_portal_does_not_speak_is_refused() -> None:
    with pytest.raises(ValidationFailed) as refused:
        check("fr", KEPT_TEXT)

    assert list(refused.value.fields) == ["language"]


def test_versions_count_up_and_never_reuse_a_number() -> None:
    assert next_version([]) == "v1"
    assert next_version(["v2", "v1"]) == "v3"
    assert next_version(["v7", "2027-01"]) == "v8"
    assert next_version(["2027-01", "2027-02"]) == "v3"


# -- The service layer on both databases ------------------------------


@pytest.fixture
def db(portal: Portal) -> Db:
    """intake-web's database access, on each database (the demo office registered)."""
    return portal.app.extensions["intake_db"]


def test_an_office_without_its_own_text_reads_the_default_in_each_language(db: Db) -> None:
    texts = release_texts.list_release_texts(db, OFFICE, SUPERVISOR)

    assert [text.language for text in texts] == ["en", "es"]
    for text in texts:
        assert text.is_default and text.current is None and text.history == ()
        assert text.template == DEFAULT_RELEASE_TEXTS[text.language]


def test_each_save_is_a_new_version_and_a_reset_one_with_the_defaults_words(db: Db) -> None:
    first = release_texts.save_release_text(db, OFFICE, ADMIN, "en", OWN_TEXT)
    second = release_texts.save_release_text(db, OFFICE, ADMIN, "en", OWN_TEXT + "\n\nThanks.")
    reset = release_texts.reset_release_text(db, OFFICE, ADMIN, "en")

    assert first.template.version == "v1" and first.template.body == KEPT_TEXT
    assert second.template.version == "v2" and second.template.body.endswith("\n\nThanks.")
    assert reset.template.version == "v3" and reset.is_default
    assert reset.template.body == DEFAULT_RELEASE_TEXTS["en"].body
    [english, spanish] = release_texts.list_release_texts(db, OFFICE, SUPERVISOR)
    assert [(v.version, v.is_default, v.created_by) for v in english.history] == [
        ("v3", True, "u-admin"),
        ("v2", False, "u-admin"),
        ("v1", False, "u-admin"),
    ]
    assert english.history[1].text.endswith("Thanks.")  # nothing overwritten
    assert spanish.history == () and spanish.is_default


def test_saving_the_text_the_form_shows_already_adds_no_version(db: Db) -> None:
    release_texts.reset_release_text(db, OFFICE, ADMIN, "es")  # on the default already
    release_texts.save_release_text(db, OFFICE, ADMIN, "es", DEFAULT_RELEASE_TEXTS["es"].body)
    release_texts.save_release_text(db, OFFICE, ADMIN, "es", KEPT_TEXT)
    again = release_texts.save_release_text(db, OFFICE, ADMIN, "es", OWN_TEXT)

    assert [v.version for v in again.history] == ["v1"]


@pytest.mark.parametrize("actor", [SUPERVISOR, Actor.staff("u-i", "read_only"), Actor.system()])
def test_only_the_office_admin_saves_or_resets(db: Db, actor: Actor) -> None:
    with pytest.raises(Forbidden):
        release_texts.save_release_text(db, OFFICE, actor, "en", OWN_TEXT)
    with pytest.raises(Forbidden):
        release_texts.reset_release_text(db, OFFICE, actor, "en")

    assert all(text.history == () for text in release_texts.list_release_texts(db, OFFICE, ADMIN))


def test_a_refused_text_keeps_nothing_and_an_unknown_office_has_no_text(db: Db) -> None:
    with pytest.raises(ValidationFailed):
        release_texts.save_release_text(db, OFFICE, ADMIN, "en", "Sign here.")
    with pytest.raises(NotFound):
        release_texts.save_release_text(db, "rep-nobody", ADMIN, "en", OWN_TEXT)
    with pytest.raises(NotFound):
        release_texts.list_release_texts(db, "rep-nobody", ADMIN)

    assert all(text.history == () for text in release_texts.list_release_texts(db, OFFICE, ADMIN))


def test_a_preview_fills_the_text_in_for_a_sample_constituent_as_the_form_would(db: Db) -> None:
    preview = release_texts.preview_release_text(db, OFFICE, SUPERVISOR, "es", OWN_TEXT)

    assert preview.paragraphs[0] == (
        "I, María López, ask Office of Rep. Lopez to help me with "
        "Administración del Seguro Social y Departamento de Asuntos de Veteranos."
    )
    assert preview.rendered.text == "\n\n".join(preview.paragraphs)
    assert preview.rendered.sha256 == hashlib.sha256(preview.rendered.text.encode()).hexdigest()
    assert " de 20" in preview.paragraphs[1]  # the expiry, written the Spanish way
    assert all(text.history == () for text in release_texts.list_release_texts(db, OFFICE, ADMIN))
    with pytest.raises(ValidationFailed):
        release_texts.preview_release_text(db, OFFICE, SUPERVISOR, "es", "{agencies}")


def test_each_save_and_reset_leaves_an_audit_row_naming_the_admin_and_the_version(
    portal: Portal,
) -> None:
    db = portal.app.extensions["intake_db"]
    release_texts.save_release_text(db, OFFICE, ADMIN, "es", OWN_TEXT)
    release_texts.save_release_text(db, OFFICE, ADMIN, "es", OWN_TEXT)  # the same: no row
    release_texts.reset_release_text(db, OFFICE, ADMIN, "es")
    release_texts.preview_release_text(db, OFFICE, ADMIN, "es", OWN_TEXT)

    audited = [
        (row.office_id, row.actor, row.action, row.subject_type, row.subject_id)
        for row in rows(portal.engine, "audit_log")
    ]
    assert sorted(audited, key=lambda row: row[4]) == [
        (OFFICE, "u-admin", "release_text.saved", "release_text", "es:v1"),
        (OFFICE, "u-admin", "release_text.reset", "release_text", "es:v2"),
    ]
    kept = {(row.language, row.version): row for row in rows(portal.engine, "release_texts")}
    assert set(kept) == {("es", "v1"), ("es", "v2")}
    assert kept["es", "v1"].created_by == "u-admin" and kept["es", "v1"].text == KEPT_TEXT


def test_another_office_neither_sees_nor_uses_the_text(portal: Portal) -> None:
    db = portal.app.extensions["intake_db"]
    register_office(portal.engine, "rep-chen", "Office of Rep. Chen")
    release_texts.save_release_text(db, OFFICE, ADMIN, "en", OWN_TEXT)

    chen = release_texts.list_release_texts(db, "rep-chen", ADMIN)
    assert all(text.history == () and text.is_default for text in chen)
    page = text_of(portal.client.get("/o/rep-chen/"))
    assert "Under the Privacy Act of 1974" in page


# -- The evidence a signed release keeps --------------------------------------------------------


def form(portal: Portal) -> str:
    response = portal.client.get(FORM)
    assert response.status_code == 200
    return str(response.get_data(as_text=True))


def test_a_release_signed_after_a_save_names_the_new_version_and_an_older_one_keeps_its_own(
    portal: Portal,
) -> None:
    db = portal.app.extensions["intake_db"]
    assert portal.submit(valid_submission()).status_code == 202  # on the default text
    opened_before = form(portal)

    release_texts.save_release_text(db, OFFICE, ADMIN, "en", OWN_TEXT)

    # A form opened before the save is refused: she is shown the new text to read and sign.
    stale = portal.client.post(FORM, data=with_release(opened_before))
    assert stale.status_code == 422
    assert "I let the office see my records until" in text_of(stale)
    # The blank form is kept a minute (`BlankForms`); a minute later it shows the new text.
    portal.app.extensions.pop("intake_blank_forms", None)
    fresh = form(portal)
    assert "I let the office see my records until" in text_of(portal.client.get(FORM))
    assert portal.client.post(FORM, data=with_release(fresh)).status_code == 303
    before, after = sorted(
        rows(portal.engine, "privacy_releases"), key=lambda release: release.signed_at
    )
    assert (before.consent_text_version, after.consent_text_version) == ("2026-12", "v1")
    assert before.signed_text.startswith("I, Maria Lopez, ask Office of Rep. Lopez to help me")
    assert "Under the Privacy Act of 1974" in before.signed_text
    assert after.signed_text == (
        "I, Maria Lopez, ask Office of Rep. Lopez to help me with Social Security "
        f"Administration.\n\nI let the office see my records until {expires(after)}."
    )
    for release in (before, after):
        assert release.text_sha256 == hashlib.sha256(release.signed_text.encode()).hexdigest()

    # A reset is a third version: releases signed under v1 still name v1.
    release_texts.reset_release_text(db, OFFICE, ADMIN, "en")
    portal.app.extensions.pop("intake_blank_forms", None)
    assert portal.client.post(FORM, data=with_release(form(portal))).status_code == 303
    versions = [r.consent_text_version for r in rows(portal.engine, "privacy_releases")]
    assert sorted(versions) == ["2026-12", "v1", "v2"]


def expires(release: Any) -> str:
    day = release.expires_at.date()
    return f"{day:%B} {day.day}, {day.year}"


# -- The RPC entrypoints: the contract in, the contract out ------------------------------------


def test_the_rpc_methods_answer_by_the_contract_and_refuse_as_the_rules_say(
    portal: Portal,
) -> None:
    db = portal.app.extensions["intake_db"]

    def worker(actor: Actor = ADMIN, office_id: str = OFFICE) -> Any:
        return worker_factory(IntakeService, db=db, caller=Caller(actor, office_id))

    listed = worker(SUPERVISOR).release_texts(OFFICE)
    assert contract.OfficeReleaseText(many=True).validate(listed) == {}
    assert [(t["language"], t["version"], t["is_default"]) for t in listed] == [
        ("en", "2026-12", True),
        ("es", "2026-12", True),
    ]
    assert [name for name, _ in listed[0]["placeholders"]] == [
        "office_name",
        "constituent_name",
        "agencies",
        "expires_on",
    ]
    preview = worker(SUPERVISOR).preview_release_text(OFFICE, "en", OWN_TEXT)
    assert contract.ReleaseTextPreview().validate(preview) == {}
    assert preview["paragraphs"][0].startswith("I, María López, ask Office of Rep. Lopez")
    saved = worker().save_release_text(OFFICE, "en", OWN_TEXT)
    assert contract.OfficeReleaseText().validate(saved) == {}
    assert (saved["version"], saved["text"], saved["is_default"]) == ("v1", KEPT_TEXT, False)
    assert saved["updated_by"] == "u-admin" and saved["updated_at"] is not None
    assert [v["version"] for v in saved["history"]] == ["v1"]
    reset = worker().reset_release_text(OFFICE, "en")
    assert (reset["version"], reset["is_default"], reset["text"]) == (
        "v2",
        True,
        DEFAULT_RELEASE_TEXTS["en"].body,
    )
    refusals: list[tuple[type[Exception], Callable[[], Any]]] = [
        (Forbidden, lambda: worker(SUPERVISOR).save_release_text(OFFICE, "en", OWN_TEXT)),
        (Forbidden, lambda: worker(SUPERVISOR).reset_release_text(OFFICE, "en")),
        (ValidationFailed, lambda: worker().save_release_text(OFFICE, "fr", OWN_TEXT)),
        (ValidationFailed, lambda: worker().save_release_text(OFFICE, "en", "No placeholders")),
        (ValidationFailed, lambda: worker().preview_release_text(OFFICE, "en", 42)),
        (ValidationFailed, lambda: worker().release_texts("Not An Office")),
        (NotFound, lambda: worker(office_id="rep-other").save_release_text(OFFICE, "en", OWN_TEXT)),
        (NotFound, lambda: worker(office_id="rep-other").release_texts(OFFICE)),
    ]
    for refused, call in refusals:
        with pytest.raises(refused):
            call()
    assert len(rows(portal.engine, "release_texts")) == 2


def test_a_release_kept_without_its_text_is_printed_with_its_own_versions_text_after_a_save(
    portal: Portal,
) -> None:
    """Releases signed before intake kept the signed text are rendered again for their PDF:
    from the version they name, not the text the form shows since."""
    db = portal.app.extensions["intake_db"]
    release_texts.save_release_text(db, OFFICE, ADMIN, "en", OWN_TEXT)
    portal.app.extensions.pop("intake_blank_forms", None)
    assert portal.client.post(FORM, data=with_release(form(portal))).status_code == 303
    release_texts.save_release_text(db, OFFICE, ADMIN, "en", OWN_TEXT + "\n\nA second version.")
    with portal.engine.begin() as connection:
        connection.execute(sql("UPDATE privacy_releases SET signed_text = NULL"))
    [stored] = rows(portal.engine, "privacy_releases")

    with db.unit_of_work(office_id=OFFICE) as uow:
        release = uow.releases.get(stored.id)
        template = signing.template_signed_under(uow, release)
        document = signing.release_document(uow, release)

    assert (template.version, template.body) == ("v1", KEPT_TEXT)
    rendered = render_release_text(
        template,
        office_name="Office of Rep. Lopez",
        constituent_name="Maria Lopez",
        agency_names=["Social Security Administration"],
        expires_on=release.expires_at.date(),
    )
    assert rendered.sha256 == stored.text_sha256  # the very text she signed
    assert document.content.startswith(b"%PDF")
