"""An office's own wording of its messages: what is refused when saved, what is sent once
saved (by email and by text), the default when a wording fails anyway, and the version that
tells every notify to read it again; over the fake unit of work and both databases."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import sessionmaker

from services.chassis.db import create_db_engine
from services.chassis.domain import Actor
from services.chassis.errors import Forbidden, NotFound, ValidationFailed
from services.chassis.uow import DatabaseAccess
from services.notify import wording
from services.notify.domain.acknowledgements import OfficeSender, OpenedCase, Recipient
from services.notify.domain.wording import SAMPLE, TEXT_LENGTH, Wording, check, check_text
from services.notify.messages import compose_case_message, status_page_url
from services.notify.models import metadata
from services.notify.repository import NotifyUnitOfWork
from services.notify.tests.events import OFFICE
from services.notify.tests.fakes import fake_database
from services.notify.tests.flow_support import Db
from services.notify.texts import compose_text

ADMIN = Actor.staff("u-admin", "office_admin")
CASEWORKER = Actor.staff("u-case", "caseworker")
LOPEZ = OfficeSender("Office of Rep. Ana Lopez", "casework@lopez.example.gov")
NOTE_SUBJECT = "News from {{ office_name }}: {{ tracking_code }}"
NOTE_BODY = "Hello {{ name }},\n\n{{ note }}\n\nSee {{ status_url }}\n\n{{ sender_name }}\n"
UNSUBSCRIBE = "https://portal.example.gov/o/rep-lopez/unsubscribe/q3Jx9sTzWvB2mN7kLp4dRfGh"


@pytest.fixture(params=["fake", "sqlite", "postgresql"])
def db_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db(db_backend: str, request: pytest.FixtureRequest) -> Iterator[Db]:
    if db_backend == "fake":
        database: Db = fake_database()
    else:
        url = request.getfixturevalue("service_database")("notify", metadata)
        engine = create_db_engine(url)
        database = DatabaseAccess(
            sessionmaker(engine, expire_on_commit=False),
            metadata,
            lambda: None,
            service="notify",
            unit_of_work_type=NotifyUnitOfWork,
        )
    with database.unit_of_work(office_id=OFFICE) as uow:
        uow.offices.record(LOPEZ)
        uow.commit()
    yield database


def save(db: Db, actor: Actor = ADMIN, subject: str = NOTE_SUBJECT, body: str = NOTE_BODY) -> None:
    with db.unit_of_work(office_id=OFFICE, actor=actor) as uow:
        wording.save_wording(uow, actor, "case_update", "en", subject, body)
        uow.commit()


def written(db: Db, language: str = "en") -> tuple[str, str]:
    """A public note's email as notify would write it now."""
    with db.unit_of_work(office_id=OFFICE) as uow:
        sender = uow.offices.sender()
        email = compose_case_message(
            delivery_id="d-1",
            kind="case_update",
            content={"note": "SSA has your file."},
            recipient=Recipient(
                "sub-1",
                "c-1",
                "María López",
                "maria@example.org",
                language,
                "K7QX-M2PD",
                datetime(2026, 12, 2, tzinfo=UTC),
            ),
            case=OpenedCase(
                "case-1", "sub-1", "CW-2026-000042", "K7QX-M2PD", datetime(2026, 12, 2, tzinfo=UTC)
            ),
            office_id=OFFICE,
            office=sender,
            sender_address="casework@localhost",
            portal="https://portal.example.gov",
            unsubscribe_url=UNSUBSCRIBE,
            wording=wording.office_wording(uow, sender),
        )
    return email.subject, email.body


def test_a_message_is_written_in_the_offices_own_wording_once_saved_and_default_after_reset(
    db: Db,
) -> None:
    default = written(db)
    assert default[0].startswith("An update on your request")

    save(db)

    subject, body = written(db)
    assert subject == "News from Office of Rep. Ana Lopez: K7QX-M2PD"
    assert body.startswith("Hello María López,\n\nSSA has your file.\n")
    assert written(db, "es")[0].startswith("Novedades")  # only the English wording changed
    with db.unit_of_work(office_id=OFFICE, actor=ADMIN) as uow:
        wording.reset_wording(uow, ADMIN, "case_update", "en")
        uow.commit()
    assert written(db) == default


def test_an_offices_own_wording_cannot_drop_the_unsubscribe_line(db: Db) -> None:
    line = f"To stop email from Office of Rep. Ana Lopez about your requests: {UNSUBSCRIBE}\n"
    assert written(db)[1].endswith(f"\n\n{line}")

    save(db, body="{{ note }}")  # the barest wording an office may save

    assert written(db)[1] == f"SSA has your file.\n\n{line}"
    spanish = written(db, "es")[1]
    assert spanish.endswith(
        "\n\nPara dejar de recibir correos de Office of Rep. Ana Lopez sobre sus solicitudes: "
        f"{UNSUBSCRIBE}\n"
    )


def test_each_save_makes_a_new_version_of_the_wording_and_an_announcement_keeps_it(
    db: Db,
) -> None:
    save(db)
    with db.unit_of_work(office_id=OFFICE) as uow:
        first = uow.offices.sender()
    save(db, body=NOTE_BODY + "P.S.\n")
    with db.unit_of_work(office_id=OFFICE) as uow:
        uow.offices.record(OfficeSender("Office of Senator Ana Lopez", LOPEZ.reply_to_email))
        uow.commit()
    with db.unit_of_work(office_id=OFFICE) as uow:
        sender = uow.offices.sender()
        assert sender is not None and first is not None
        assert None is not first.wording_version != sender.wording_version is not None
        [own] = uow.wording.all()
        assert own.body.endswith("P.S.\n") and own.updated_by == ADMIN.audit_name
    assert written(db)[0] == "News from Office of Senator Ana Lopez: K7QX-M2PD"


def test_only_the_office_admin_changes_the_wording(db: Db) -> None:
    with pytest.raises(Forbidden):
        save(db, actor=CASEWORKER)
    with db.unit_of_work(office_id=OFFICE) as uow, pytest.raises(Forbidden):
        wording.reset_wording(uow, Actor.system(), "case_update", "en")


def test_a_wording_that_would_not_fill_in_is_refused_with_its_reasons(db: Db) -> None:
    with pytest.raises(ValidationFailed) as refused:
        save(db, subject="{{ code }}", body="Hi {{ nmae }}, {{ note }}")
    assert refused.value.fields == {
        "subject": ["{{ code }} is not a field of this message"],
        "body": ["{{ nmae }} is not a field of this message"],
    }
    assert written(db)[0].startswith("An update on your request")


def test_an_office_notify_has_not_heard_of_cannot_keep_a_wording() -> None:
    db = fake_database()
    with pytest.raises(NotFound):
        save(db)


INCLUDE = '{% include "en/footer.txt" %}'
UNSAFE = "access to attribute '__class__' of 'str' object is unsafe."


@pytest.mark.parametrize(
    ("message", "subject", "body", "problems"),
    [
        ("status_code", "Your code", "Hello", {"body": ["it must use {{ code }}"]}),
        ("case_update", "Update", "Hello", {"body": ["it must use {{ note }}"]}),
        ("closure", "", "x", {"subject": ["the message needs a subject"]}),
        ("closure", "a\nb", "x", {"subject": ["a subject is one line"]}),
        ("closure", "Closed", INCLUDE, {"body": ["a message cannot include another template"]}),
        ("closure", "Closed", "{{ name.__class__ }}", {"body": [UNSAFE]}),
        ("closure", "Closed", "{% if result %}", {"body": ["line 1: Unexpected end of template."]}),
        ("nonsense", "a", "b", {"message": ["'nonsense' is not a message an office words"]}),
    ],
)
def test_what_is_wrong_with_a_wording_is_said_per_part(
    message: str, subject: str, body: str, problems: dict[str, list[str]]
) -> None:
    found = check(message, subject, body)
    assert found.keys() == problems.keys()
    for part, expected in problems.items():  # Jinja lists the tags it expected in any order
        assert found[part][0].startswith(expected[0]), found


def test_every_default_is_a_wording_an_admin_could_save_as_it_is() -> None:
    for item in wording.list_wording(fake_database().unit_of_work(office_id=OFFICE).__enter__()):
        assert "include" not in item.default_body
        assert check(item.message, item.default_subject, item.default_body) == {}, item.message


def test_a_preview_fills_the_wording_in_for_a_sample_constituent_of_the_office(
    db: Db, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CASEWORK_PORTAL_BASE_URL", "https://portal.example.gov")
    with db.unit_of_work(office_id=OFFICE) as uow:
        filled = wording.preview(uow, "case_update", "en", NOTE_SUBJECT, NOTE_BODY)
    subject, body = filled.subject, filled.body
    assert subject == f"News from {LOPEZ.name}: {SAMPLE['tracking_code']}"
    assert f"Hello {SAMPLE['name']}," in body and str(SAMPLE["note"]) in body
    assert "/o/rep-lopez/status?tracking=K7QX-M2PD" in body
    # The line notify adds to every message about a request, with a link answering nothing.
    sample_link = "https://portal.example.gov/o/rep-lopez/unsubscribe/sample-link-in-a-preview"
    assert body.endswith(
        f"{LOPEZ.name}\n\nTo stop email from {LOPEZ.name} about your requests: {sample_link}\n"
    )


def test_a_preview_of_a_status_code_has_no_unsubscribe_line(
    db: Db, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CASEWORK_PORTAL_BASE_URL", "https://portal.example.gov")
    with db.unit_of_work(office_id=OFFICE) as uow:
        code = wording.preview(uow, "status_code", "es", "Su código", "Código: {{ code }}").body
        closure = wording.preview(uow, "closure", "es", "Cerrado", "{{ result }}").body
    assert code == "Código: 482913\n"
    assert closure == (
        "favourable\n\nPara dejar de recibir correos de Office of Rep. Ana Lopez sobre sus "
        "solicitudes: https://portal.example.gov/o/rep-lopez/unsubscribe/sample-link-in-a-preview\n"
    )


def test_a_saved_wording_that_fails_on_real_data_sends_the_default_instead(db: Db) -> None:
    """Checked against a sample, a wording can still fail on a real value (a loop over a
    longer name, say): the constituent gets the default, never nothing."""
    broken = Wording(
        "case_update", "en", "{{ tracking_code }}", "{{ note }}" + "{{ name * 10000 }}",
        datetime.now(UTC), "admin",
    )  # fmt: skip
    subject, _ = (
        compose_case_message(
            delivery_id="d-1",
            kind="case_update",
            content={"note": "n"},
            recipient=Recipient(
                "s", "c", "M" * 200, "m@example.org", "en", "K7QX-M2PD", datetime.now(UTC)
            ),
            case=OpenedCase("case-1", "s", "CW-1", "K7QX-M2PD", datetime.now(UTC)),
            office_id=OFFICE,
            office=LOPEZ,
            sender_address="casework@localhost",
            portal="https://portal.example.gov",
            unsubscribe_url=UNSUBSCRIBE,
            wording={("en", "case_update"): broken},
        ).subject,
        None,
    )
    assert subject.startswith("An update on your request")


# --- The text (SMS) of a message sent by text --------------------------------------------------

STOP = "Reply STOP to opt out"
LINK = "https://portal.example.gov/o/rep-lopez/status?tracking=K7QX-M2PD"
NOTE_TEXT = "{{ office_name }} has news on {{ tracking_code }}: {{ status_url }}"
CLOSED_TEXT = (
    '{{ office_name }} closed {{ tracking_code }}{% if result == "favourable" %}, in your '
    "favour{% endif %}. {{ status_url }}"
)


def text_problems(message: str, text: str) -> dict[str, list[str]]:
    return check_text(message, text, stop_line=STOP, status_url=LINK)


def test_a_text_with_the_link_and_the_fields_a_text_may_use_is_accepted() -> None:
    assert text_problems("case_update", NOTE_TEXT) == {}
    assert text_problems("closure", CLOSED_TEXT) == {}
    assert text_problems("status_update", "{{ status }} {{ status_url }}") == {}


@pytest.mark.parametrize(
    ("message", "text", "problem"),
    [
        (
            "case_update",
            "{{ office_name }}: news on {{ tracking_code }}",
            "it must use {{ status_url }}",
        ),
        ("case_update", "{{ note }} {{ status_url }}", "{{ note }} is not a field of this message"),
        ("acknowledgement", "Hi {{ name }} {{ status_url }}", "{{ name }} is not a field of this"),
        ("documents_request", "{{ documents }} {{ status_url }}", "{{ documents }} is not a field"),
        ("closure", "{{ survey_url }} {{ status_url }}", "{{ survey_url }} is not a field of this"),
        ("closure", "{% if result %}{{ status_url }}", "line 1: Unexpected end of template."),
        ("status_code", "{{ code }}", "this message is not sent by text"),
    ],
)
def test_a_text_that_would_leak_or_lose_its_link_is_refused_under_text(
    message: str, text: str, problem: str
) -> None:
    found = text_problems(message, text)
    assert list(found) == ["text"]
    assert found["text"][0].startswith(problem), found


def test_a_text_too_long_for_its_longest_values_and_the_stop_line_is_refused() -> None:
    # 320 characters with the sample's own values, but an office's name may be 40 long.
    padding = "x" * (TEXT_LENGTH - len(f"{LOPEZ.name}  {LINK}\n{STOP}"))
    assert len(f"{LOPEZ.name} {padding} {LINK}\n{STOP}") == TEXT_LENGTH

    [problem] = text_problems(
        "acknowledgement", f"{{{{ office_name }}}} {padding} {{{{ status_url }}}}"
    )["text"]

    assert problem == (
        "with a 40-character office name and the STOP line the text can be 336 characters: "
        "a text is at most 320"
    )
    # Each outcome is tried: a long sentence for only one of them is caught.
    longest_outcome = '{% if result == "withdrawn" %}' + "y" * 250 + "{% endif %}{{ status_url }}"
    assert "text" in text_problems("closure", longest_outcome)


def test_every_default_text_is_a_text_an_admin_could_save_as_it_is() -> None:
    views = wording.list_wording(fake_database().unit_of_work(office_id=OFFICE).__enter__())
    texted = {(item.message, item.language) for item in views if item.default_text is not None}
    assert {message for message, _ in texted} == {
        "acknowledgement", "case_update", "documents_request", "status_update", "closure"
    }  # fmt: skip
    assert len(texted) == 10  # in both languages
    for item in views:
        if item.default_text is not None:
            problems = check_text(item.message, item.default_text, stop_line=STOP, status_url=LINK)
            assert problems == {}, item.message
        else:
            assert item.text_fields == []


MARIA_TEXTED = Recipient(
    "sub-1",
    "c-1",
    "María López",
    None,
    "en",
    "K7QX-M2PD",
    datetime(2026, 12, 2, tzinfo=UTC),
    preferred_channel="sms",
    contact_phone="+12025550134",
)


def texted(db: Db, language: str = "en", kind: str = "case_update") -> str:
    """A text about the case as notify would write it now, to a constituent who chose texts."""
    with db.unit_of_work(office_id=OFFICE) as uow:
        sender = uow.offices.sender()
        text = compose_text(
            kind,
            recipient=dataclasses.replace(MARIA_TEXTED, preferred_language=language),
            case=OpenedCase(
                "case-1", "sub-1", "CW-2026-000042", "K7QX-M2PD", datetime(2026, 12, 2, tzinfo=UTC)
            ),
            office_id=OFFICE,
            office=sender,
            portal="https://portal.example.gov",
            content={"note": "SSA has your file."},
            wording=wording.office_wording(uow, sender),
        )
    return text.body


def save_text(db: Db, text: str | None, language: str = "en") -> None:
    with db.unit_of_work(office_id=OFFICE, actor=ADMIN) as uow:
        wording.save_wording(uow, ADMIN, "case_update", language, NOTE_SUBJECT, NOTE_BODY, text)
        uow.commit()


def test_a_text_is_written_in_the_offices_own_text_once_saved_and_the_default_otherwise(
    db: Db,
) -> None:
    default = texted(db)
    assert default.startswith("Office of Rep. Ana Lopez: there is news on your request")

    save_text(db, NOTE_TEXT)

    assert texted(db) == f"Office of Rep. Ana Lopez has news on K7QX-M2PD: {LINK}\n{STOP}"
    assert texted(db, "es").startswith("Office of Rep. Ana Lopez: hay novedades")
    save_text(db, "  ")  # a wording saved without its own text keeps the default text
    assert texted(db) == default
    with db.unit_of_work(office_id=OFFICE) as uow:
        assert uow.wording.get("case_update", "en") == Wording(
            "case_update", "en", NOTE_SUBJECT, NOTE_BODY,
            uow.wording.get("case_update", "en").updated_at,  # type: ignore[union-attr]
            ADMIN.audit_name, text=None,
        )  # fmt: skip


def test_a_text_keeps_the_stop_line_and_shortens_a_long_office_name(db: Db) -> None:
    save_text(db, "{{ office_name }} {{ status_url }} Reply to us any time")
    with db.unit_of_work(office_id=OFFICE) as uow:
        uow.offices.record(
            OfficeSender(
                "The Office of the Honourable Representative Ana María Lopez", "x@example.gov"
            )
        )
        uow.commit()

    text = texted(db)

    assert text.startswith("The Office of the Honourable Representa\N{HORIZONTAL ELLIPSIS} ")
    assert text.endswith(f"Reply to us any time\n{STOP}")


def test_an_offices_text_that_fails_or_grew_too_long_sends_the_default_instead() -> None:
    def sent(text: str) -> str:
        own = Wording("case_update", "en", "s", "{{ note }}", datetime.now(UTC), "admin", text=text)
        return compose_text(
            "case_update",
            recipient=MARIA_TEXTED,
            case=OpenedCase("case-1", "s", "CW-1", "K7QX-M2PD", datetime.now(UTC)),
            office_id=OFFICE,
            office=LOPEZ,
            portal="https://portal.example.gov",
            wording={("en", "case_update"): own},
        ).body

    assert sent("{{ status_url }} {{ nmae }}").startswith("Office of Rep. Ana Lopez: there is news")
    # Saved when the portal's address was shorter; the link is never cut, so the default goes.
    assert sent("z" * 300 + " {{ status_url }}").startswith("Office of Rep. Ana Lopez: there is")
    assert sent("Short: {{ status_url }}") == f"Short: {LINK}\n{STOP}"


def test_a_preview_shows_the_text_as_the_phone_would_with_its_length(
    db: Db, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CASEWORK_PORTAL_BASE_URL", "https://portal.example.gov")
    link = status_page_url("https://portal.example.gov", OFFICE, str(SAMPLE["tracking_code"]))
    with db.unit_of_work(office_id=OFFICE) as uow:
        own = wording.preview(uow, "case_update", "en", NOTE_SUBJECT, NOTE_BODY, NOTE_TEXT)
        default = wording.preview(uow, "closure", "es", "Cerrado", "{{ result }}", "")
        code = wording.preview(uow, "status_code", "en", "Your code", "{{ code }}")

    assert own.text == f"{LOPEZ.name} has news on K7QX-M2PD: {link}\n{STOP}"
    assert own.text_length == len(own.text)
    assert default.text is not None and default.text.startswith(
        f"{LOPEZ.name}: hemos cerrado su solicitud K7QX-M2PD. Se resolvió a su favor."
    )
    assert default.text.endswith("\nResponda STOP para no recibir más")
    assert (code.text, code.text_length) == (None, None)


def test_a_refused_text_is_said_beside_the_rest_and_nothing_is_kept(db: Db) -> None:
    with (
        pytest.raises(ValidationFailed) as refused,
        db.unit_of_work(office_id=OFFICE, actor=ADMIN) as uow,
    ):
        wording.save_wording(uow, ADMIN, "case_update", "en", "{{ code }}", NOTE_BODY, "{{ note }}")
    assert refused.value.fields == {
        "subject": ["{{ code }} is not a field of this message"],
        "text": ["{{ note }} is not a field of this message", "it must use {{ status_url }}"],
    }
    with db.unit_of_work(office_id=OFFICE, actor=ADMIN) as uow, pytest.raises(ValidationFailed):
        wording.save_wording(uow, ADMIN, "status_code", "en", "Code", "{{ code }}", "x")
    with db.unit_of_work(office_id=OFFICE) as uow:
        assert uow.wording.all() == []
