"""An office's own wording of its messages: what is refused when saved, what is sent once
saved, the default when a wording fails anyway, and the version that tells every notify to
read it again; over the fake unit of work and both databases."""

from __future__ import annotations

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
from services.notify.domain.wording import SAMPLE, Wording, check
from services.notify.messages import compose_case_message
from services.notify.models import metadata
from services.notify.repository import NotifyUnitOfWork
from services.notify.tests.events import OFFICE
from services.notify.tests.fakes import fake_database
from services.notify.tests.flow_support import Db

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
        subject, body = wording.preview(uow, "case_update", "en", NOTE_SUBJECT, NOTE_BODY)
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
        _, code = wording.preview(uow, "status_code", "es", "Su código", "Código: {{ code }}")
        _, closure = wording.preview(uow, "closure", "es", "Cerrado", "{{ result }}")
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
