"""Agency liaison's service layer with fakes (no database, broker, cases, intake or SMTP):
settings and default templates on first use, the consent gate at draft and send, approval,
sending by email, replies, extensions, paused clocks and the overdue announcements."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from prometheus_client import REGISTRY

from services.agencies import handlers, liaison, referrals
from services.agencies.tests.fakes import (
    FakeMailer,
    FakeParticulars,
    FakePlatform,
    fake_database,
    rows,
)
from services.chassis.consuming import consume
from services.chassis.domain import Actor
from services.chassis.errors import Conflict, Forbidden, NotFound, Unavailable, ValidationFailed
from services.chassis.fakes import incoming
from services.chassis.smtp import SendOutcomeUnknown, SendRefused
from services.contracts import (
    CASE_OPENED,
    CASE_STATUS_CHANGED,
    CLOCK_PAUSED,
    CLOCK_RESUMED,
    DEADLINE_EXTENDED,
    INQUIRY_OVERDUE,
    INQUIRY_SENT,
    OFFICE_REGISTERED,
    PRIVACY_RELEASE_REVOKED,
    PRIVACY_RELEASE_SIGNED,
    REPLY_LOGGED,
)

OFFICE = "rep-lopez"
OTHER = "sen-okafor"
CASEWORKER = Actor.staff("u-cw", "caseworker")
INTERN = Actor.staff("u-intern", "read_only")
SUPERVISOR = Actor.staff("u-sup", "supervisor")
ADMIN = Actor.staff("u-admin", "office_admin")
PLATFORM = Actor.staff("it-1", "platform_admin")
SSN = "123-45-6789"


def now() -> datetime:
    return datetime.now(UTC)


class World:
    """One office with a case, its constituent's particulars, a liaison contact at SSA and
    the default templates; releases are signed by the tests."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.db = fake_database()
        self.platform = FakePlatform(self.db).install(monkeypatch)
        self.remote = FakeParticulars()
        self.mailer = FakeMailer()
        self.case_id = str(uuid.uuid4())
        self.submission_id = str(uuid.uuid4())
        self.constituent_id = str(uuid.uuid4())
        self.remote.case_files[(OFFICE, self.case_id)] = {
            "case_id": self.case_id,
            "reference": "CW-2026-000042",
            "status": "open",
            "subject": "Retirement benefit delayed",
            "category": "social_security",
            "constituent_name": "Maria Lopez",
            "opened_at": now() - timedelta(days=3),
            "submission_id": self.submission_id,
            "constituent_id": self.constituent_id,
            "assigned_to_id": "u-cw",
            "assigned_to_name": "Casey Worker",
            "timeline": [
                {"visibility": "public", "body": "We wrote to you about your SSN 123456789."}
            ],
            "releases": [],
            "outcome": None,
        }
        self.remote.particulars_of[self.submission_id] = {
            "name": "Maria Lopez",
            "address_lines": ["1 Main St", "Springfield, IL 62701"],
            "email": "maria@example.org",
            "phone": "555-0100",
            "identifiers": {"ssn": SSN, "date_of_birth": "1950-02-03"},
        }
        self.contact = handlers.save_contact(
            self.db,
            OFFICE,
            ADMIN,
            {
                "agency_code": "SSA",
                "name": "Pat Liaison",
                "email": "liaison@ssa.example.gov",
                "programme": "Retirement",
            },
        )
        templates = handlers.list_templates(self.db, OFFICE, CASEWORKER)
        self.template = next(t for t in templates if t.name == "Congressional inquiry")

    def sign(
        self, agencies: tuple[str, ...] = ("SSA",), *, kind: str = "e_signed", days_ago: int = 1
    ) -> str:
        release_id = str(uuid.uuid4())
        signed = now() - timedelta(days=days_ago)
        consume(
            self.db,
            incoming(
                PRIVACY_RELEASE_SIGNED,
                {
                    "release_id": release_id,
                    "submission_id": self.submission_id,
                    "constituent_id": self.constituent_id,
                    "agencies": list(agencies),
                    "kind": kind,
                    "signed_at": signed,
                    "expires_at": signed + timedelta(days=365),
                },
                office_id=OFFICE,
            ),
            handlers.record_release_signed,
        )
        return release_id

    def revoke(self, release_id: str, agencies: tuple[str, ...] = ("SSA",)) -> None:
        consume(
            self.db,
            incoming(
                PRIVACY_RELEASE_REVOKED,
                {
                    "release_id": release_id,
                    "submission_id": self.submission_id,
                    "constituent_id": self.constituent_id,
                    "agencies": list(agencies),
                    "revoked_by": "constituent",
                    "revoked_at": now() - timedelta(hours=1),
                },
                office_id=OFFICE,
            ),
            handlers.record_release_revoked,
        )

    def request(self, agency_code: str = "SSA", **overrides: Any) -> liaison.LetterRequest:
        fields: dict[str, Any] = {
            "case_id": self.case_id,
            "agency_code": agency_code,
            "contact_id": self.contact.contact_id if agency_code == "SSA" else None,
            "template_id": self.template.template_id,
        }
        fields.update(overrides)
        return liaison.LetterRequest(**fields)

    def draft(self, actor: Actor = CASEWORKER, **overrides: Any) -> liaison.InquiryView:
        return liaison.draft_inquiry(self.db, self.remote, OFFICE, actor, self.request(**overrides))

    def send(self, inquiry_id: str, channel: str = "email") -> liaison.InquiryView:
        return liaison.send_inquiry(
            self.db, self.remote, self.mailer, OFFICE, CASEWORKER, inquiry_id, channel
        )

    def status(self, from_status: str, to_status: str) -> None:
        consume(
            self.db,
            incoming(
                CASE_STATUS_CHANGED,
                {
                    "case_id": self.case_id,
                    "reference": "CW-2026-000042",
                    "from_status": from_status,
                    "to_status": to_status,
                    "reason": None,
                    "changed_by": "u-cw",
                    "changed_at": now(),
                },
                office_id=OFFICE,
            ),
            handlers.record_status_changed,
        )


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> World:
    return World(monkeypatch)


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def refusals(reason: str) -> float:
    return sample("casework_agencies_consent_refusals_total", reason=reason)


# Settings and templates


def test_an_office_gets_its_settings_and_default_templates_on_first_use(world: World) -> None:
    settings = handlers.liaison_settings(world.db, OFFICE, CASEWORKER)

    assert (settings.timezone, settings.holiday_country) == ("America/New_York", "US")
    assert settings.mask_ssn and settings.approval_roles == ("read_only",)
    templates = handlers.list_templates(world.db, OFFICE, CASEWORKER)
    assert {"Congressional inquiry", "Follow-up", "Referral"} <= {t.name for t in templates}
    assert all(t.version == 1 and t.approved_by == "system" and t.usable for t in templates)


def test_an_office_registered_event_sets_the_zone_and_the_letterhead(world: World) -> None:
    consume(
        world.db,
        incoming(
            OFFICE_REGISTERED,
            {
                "office_id": OTHER,
                "name": "Office of Sen. Okafor",
                "reply_to_email": "casework@okafor.example.gov",
                "timezone": "America/Chicago",
            },
            office_id=OTHER,
        ),
        handlers.record_office_registered,
    )

    settings = rows(world.db).settings[OTHER]
    assert settings.timezone == "America/Chicago"
    assert settings.letterhead.office_name == "Office of Sen. Okafor"
    assert settings.letterhead.email == "casework@okafor.example.gov"
    assert any(office == OTHER for office, _ in rows(world.db).templates)


def test_saving_a_template_makes_a_new_version_and_one_that_cannot_render_is_refused(
    world: World,
) -> None:
    first = handlers.save_template(
        world.db,
        OFFICE,
        ADMIN,
        name="Passport",
        subject="Passport for {{ constituent.name }}",
        body="Dear liaison,\n{{ case.reference }}",
        requires_approval=True,
    )
    second = handlers.save_template(
        world.db,
        OFFICE,
        ADMIN,
        name="Passport",
        subject="Passport",
        body="Hello {{ case.reference }}",
        requires_approval=True,
    )
    assert (first.version, second.version) == (1, 2)
    assert not second.usable

    with pytest.raises(ValidationFailed) as refused:
        handlers.save_template(
            world.db,
            OFFICE,
            ADMIN,
            name="Bad",
            subject="x",
            body="line one\n{{ case.colour }}",
            requires_approval=False,
        )
    assert "body" in refused.value.fields
    with pytest.raises(Forbidden):
        handlers.save_template(
            world.db,
            OFFICE,
            CASEWORKER,
            name="Mine",
            subject="x",
            body="y",
            requires_approval=False,
        )

    approved = handlers.approve_template(world.db, OFFICE, SUPERVISOR, second.template_id)
    assert approved.usable and approved.approved_by == "u-sup"


def test_a_template_waiting_for_approval_cannot_be_used(world: World) -> None:
    world.sign()
    waiting = handlers.save_template(
        world.db,
        OFFICE,
        ADMIN,
        name="Fresh",
        subject="Re {{ case.reference }}",
        body="Dear liaison",
        requires_approval=True,
    )

    with pytest.raises(Conflict, match="approval"):
        world.draft(template_id=waiting.template_id)


def test_only_an_office_admin_keeps_contacts_and_a_platform_admin_the_directory(
    world: World,
) -> None:
    with pytest.raises(Forbidden):
        handlers.save_contact(
            world.db, OFFICE, CASEWORKER, {"agency_code": "SSA", "name": "Someone"}
        )
    with pytest.raises(ValidationFailed):
        handlers.save_contact(world.db, OFFICE, ADMIN, {"agency_code": "NASA", "name": "X"})
    with pytest.raises(Forbidden):
        handlers.save_agency(world.db, ADMIN, {"code": "SSA"})

    saved = handlers.save_agency(
        world.db,
        PLATFORM,
        {
            "code": "DOL",
            "name": "Department of Labor",
            "liaison_office": "OCIA",
            "website_url": "https://www.dol.gov/",
            "response_days": 30,
            "day_basis": "calendar",
            "interim_every_days": None,
            "signature": "any",
            "sole_recipient": True,
            "valid_days": None,
            "new_release_after_closure": False,
            "active": True,
        },
    )
    assert saved.code == "DOL"
    assert handlers.get_agency(world.db, "dol").name == "Department of Labor"

    handlers.remove_contact(world.db, OFFICE, ADMIN, world.contact.contact_id)
    assert handlers.list_contacts(world.db, OFFICE, CASEWORKER, None) == []


# The consent gate


def test_a_preview_reports_the_gate_and_shows_the_redacted_letter(world: World) -> None:
    preview = liaison.preview_letter(world.db, world.remote, OFFICE, CASEWORKER, world.request())

    assert not preview.consent.allowed
    assert any("no privacy release" in reason for reason in preview.consent.reasons)
    assert preview.pdf.startswith(b"%PDF")

    release_id = world.sign()
    preview = liaison.preview_letter(
        world.db,
        world.remote,
        OFFICE,
        CASEWORKER,
        world.request(extra_text="Her SSN is 123-45-6789"),
    )
    assert preview.consent.allowed and preview.consent.release_id == release_id
    assert "Maria Lopez" in preview.body and "CW-2026-000042" in preview.subject
    assert "123-45-6789" not in preview.body and "XXX-XX-6789" in preview.body
    assert preview.redactions
    assert ("release_document", release_id) in world.remote.calls


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        ("none", "no_release"),
        ("other_agency", "no_release"),
        ("revoked", "revoked"),
        ("expired", "expired"),
    ],
)
def test_the_gate_refuses_a_draft_without_a_release_that_covers_the_agency(
    world: World, setup: str, reason: str
) -> None:
    if setup == "other_agency":
        world.sign(("VA",))
    elif setup == "revoked":
        world.revoke(world.sign())
    elif setup == "expired":
        world.sign(days_ago=400)
    before = refusals(reason)

    with pytest.raises(Conflict) as refused:
        world.draft()

    assert refused.value.fields["consent"]
    assert refused.value.fields["remedy"]
    assert [a.action for a in world.db.audit_log if a.action.startswith("inquiry.")] == [
        "inquiry.refused_by_consent_gate"
    ]
    assert rows(world.db).inquiries == {}
    assert refusals(reason) == before + 1


def test_uscis_refuses_an_online_signature_and_takes_a_wet_signed_release(world: World) -> None:
    world.sign(("USCIS",))
    with pytest.raises(Conflict, match="handwritten"):
        world.draft(agency_code="USCIS")

    world.sign(("USCIS",), kind="wet_signed")
    drafted = world.draft(agency_code="USCIS")
    assert drafted.state == "approved"


def test_a_release_revoked_after_the_draft_stops_the_send(world: World) -> None:
    release_id = world.sign()
    drafted = world.draft()
    world.revoke(release_id)

    with pytest.raises(Conflict, match="revoked"):
        world.send(drafted.inquiry_id)

    assert world.mailer.sent == []
    assert rows(world.db).inquiries[(OFFICE, drafted.inquiry_id)].state == "approved"
    assert [a.subject_id for a in world.db.audit_log if a.action == liaison.REFUSED_BY_GATE] == [
        drafted.inquiry_id
    ]


# Approval and sending


def test_an_interns_letter_waits_for_a_supervisor_who_is_not_its_writer(world: World) -> None:
    world.sign()
    drafted = world.draft(INTERN)
    assert (drafted.state, drafted.needs_approval) == ("awaiting_approval", True)
    assert [v.inquiry_id for v in liaison.approval_queue(world.db, OFFICE, SUPERVISOR)] == [
        drafted.inquiry_id
    ]

    with pytest.raises(Conflict):
        world.send(drafted.inquiry_id)
    with pytest.raises(Forbidden):
        liaison.approve_inquiry(world.db, OFFICE, CASEWORKER, drafted.inquiry_id)

    approved = liaison.approve_inquiry(world.db, OFFICE, SUPERVISOR, drafted.inquiry_id)
    assert (approved.state, approved.approved_by) == ("approved", "u-sup")
    assert liaison.approval_queue(world.db, OFFICE, SUPERVISOR) == []
    with pytest.raises(Forbidden):
        liaison.send_inquiry(
            world.db, world.remote, world.mailer, OFFICE, INTERN, drafted.inquiry_id, "email"
        )


def test_a_letter_is_emailed_with_its_pdf_and_the_release_and_its_clock_starts(
    world: World,
) -> None:
    world.sign()
    drafted = world.draft()
    before = sample("casework_agencies_inquiries_sent_total", channel="email")

    sent = world.send(drafted.inquiry_id)

    [message] = world.mailer.sent
    assert isinstance(message, EmailMessage)
    assert message["To"] == "Pat Liaison <liaison@ssa.example.gov>"
    assert message["From"].endswith("<casework@platform.example.gov>")
    assert (
        message["Message-ID"] == rows(world.db).inquiries[(OFFICE, drafted.inquiry_id)].message_id
    )
    attachments = [part.get_filename() for part in message.iter_attachments()]
    assert attachments == ["CW-2026-000042-SSA-letter.pdf", "release.pdf"]
    assert sent.state == "sent" and sent.channel == "email"
    assert sent.deadline is not None and "20 calendar days" in sent.deadline.explanation
    [event] = world.db.published(INQUIRY_SENT)
    assert (event.agency_code, event.channel, event.due_on) == (
        "SSA",
        "email",
        sent.deadline.due_on,
    )
    assert rows(world.db).letters[(OFFICE, drafted.inquiry_id)].startswith(b"%PDF")
    assert sample("casework_agencies_inquiries_sent_total", channel="email") == before + 1

    with pytest.raises(Conflict):
        world.send(drafted.inquiry_id)


def test_a_refused_send_keeps_the_message_id_for_the_retry(world: World) -> None:
    world.sign()
    drafted = world.draft()
    world.mailer.fail_with = SendRefused("ConnectionRefusedError")

    with pytest.raises(Unavailable):
        world.send(drafted.inquiry_id)
    stored = rows(world.db).inquiries[(OFFICE, drafted.inquiry_id)]
    assert stored.state == "approved" and stored.message_id is not None

    world.mailer.fail_with = SendOutcomeUnknown("TimeoutError")
    with pytest.raises(Unavailable):
        world.send(drafted.inquiry_id)

    world.mailer.fail_with = None
    world.send(drafted.inquiry_id)
    assert world.mailer.sent[0]["Message-ID"] == stored.message_id
    assert len(world.db.published(INQUIRY_SENT)) == 1


def test_a_letter_marked_sent_by_fax_needs_no_email_address(world: World) -> None:
    world.sign(("IRS",))
    drafted = world.draft(agency_code="IRS")

    with pytest.raises(ValidationFailed):
        world.send(drafted.inquiry_id, "email")
    sent = world.send(drafted.inquiry_id, "fax")

    assert sent.channel == "fax" and world.mailer.sent == []
    assert sent.deadline is not None and "20 business days" in sent.deadline.explanation
    document = liaison.letter_pdf(world.db, world.remote, OFFICE, CASEWORKER, drafted.inquiry_id)
    assert document.content == rows(world.db).letters[(OFFICE, drafted.inquiry_id)]


# Replies, extensions, pauses, overdue


def sent_inquiry(world: World) -> str:
    world.sign()
    inquiry_id = world.draft().inquiry_id
    world.send(inquiry_id)
    return inquiry_id


def test_an_interim_reply_moves_the_follow_up_and_a_final_one_stops_the_clock(
    world: World,
) -> None:
    inquiry_id = sent_inquiry(world)
    today = datetime.now(UTC).date()

    interim = liaison.log_reply(
        world.db,
        OFFICE,
        CASEWORKER,
        inquiry_id,
        kind="interim",
        text="Working on it",
        received_on=today,
    )
    assert interim.state == "sent" and interim.follow_up_on == today + timedelta(days=30)
    final = liaison.log_reply(
        world.db,
        OFFICE,
        CASEWORKER,
        inquiry_id,
        kind="final",
        text="Benefit paid",
        received_on=today,
        attachment=liaison.Document("answer.pdf", "application/pdf", b"%PDF-1"),
    )
    assert final.state == "answered" and final.follow_up_on is None
    assert [r.kind for r in final.replies] == ["interim", "final"]
    assert [e.kind for e in world.db.published(REPLY_LOGGED)] == ["interim", "final"]
    assert rows(world.db).schedules[(OFFICE, inquiry_id)].overdue_check_on is None
    assert len(rows(world.db).reply_attachments) == 1
    with pytest.raises(Conflict):
        liaison.log_reply(
            world.db,
            OFFICE,
            CASEWORKER,
            inquiry_id,
            kind="final",
            text="again",
            received_on=today,
        )


def test_an_extension_moves_the_due_date_with_its_reason(world: World) -> None:
    inquiry_id = sent_inquiry(world)
    before = rows(world.db).schedules[(OFFICE, inquiry_id)].due_on
    assert before is not None

    extended = liaison.extend_deadline(
        world.db, OFFICE, CASEWORKER, inquiry_id, days=5, reason="the liaison asked for time"
    )

    assert extended.deadline is not None
    assert extended.deadline.due_on == before + timedelta(days=5)
    assert "extended 5 days (the liaison asked for time)" in extended.deadline.explanation
    [event] = world.db.published(DEADLINE_EXTENDED)
    assert (event.previous_due_on, event.due_on) == (before, before + timedelta(days=5))


def test_waiting_on_the_constituent_pauses_the_clock_and_going_back_resumes_it(
    world: World,
) -> None:
    inquiry_id = sent_inquiry(world)

    world.status("open", "waiting_on_constituent")
    assert rows(world.db).inquiries[(OFFICE, inquiry_id)].paused
    [paused] = world.db.published(CLOCK_PAUSED)
    assert paused.inquiry_ids == [inquiry_id]
    assert rows(world.db).cases[(OFFICE, world.case_id)].status == "waiting_on_constituent"

    world.status("waiting_on_constituent", "waiting_on_constituent")  # no change of waiting
    world.status("waiting_on_constituent", "open")
    assert not rows(world.db).inquiries[(OFFICE, inquiry_id)].paused
    [resumed] = world.db.published(CLOCK_RESUMED)
    assert resumed.inquiry_ids == [inquiry_id] and resumed.reason == "open"
    assert len(world.db.published(CLOCK_PAUSED)) == 1


def test_an_overdue_inquiry_is_announced_once_per_level(world: World) -> None:
    inquiry_id = sent_inquiry(world)
    due_on = rows(world.db).schedules[(OFFICE, inquiry_id)].due_on
    assert due_on is not None

    def scan(on: date) -> int:
        return handlers.detect_overdue(
            world.db, datetime(on.year, on.month, on.day, 17, tzinfo=UTC)
        )

    assert scan(due_on) == 0
    assert scan(due_on + timedelta(days=1)) == 1
    assert scan(due_on + timedelta(days=2)) == 0
    assert scan(due_on + timedelta(days=30)) == 2
    assert scan(due_on + timedelta(days=31)) == 0
    levels = [event.level for event in world.db.published(INQUIRY_OVERDUE)]
    assert levels == ["due", "plus_5", "plus_10"]
    assert rows(world.db).schedules[(OFFICE, inquiry_id)].overdue_check_on is None


def test_a_paused_inquiry_is_not_announced_overdue(world: World) -> None:
    inquiry_id = sent_inquiry(world)
    due_on = rows(world.db).schedules[(OFFICE, inquiry_id)].due_on
    assert due_on is not None
    world.status("open", "waiting_on_constituent")

    later = due_on + timedelta(days=3)
    assert (
        handlers.detect_overdue(world.db, datetime(later.year, later.month, later.day, tzinfo=UTC))
        == 0
    )
    assert world.db.published(INQUIRY_OVERDUE) == []


# The case page, referrals, the scorecard


def test_the_case_panel_shows_inquiries_consent_templates_contacts_and_partners(
    world: World,
) -> None:
    world.sign()
    inquiry_id = world.draft().inquiry_id
    partner = handlers.save_partner(
        world.db, OFFICE, ADMIN, {"name": "Legal Aid of the Valley", "kind": "legal_aid"}
    )
    referral = referrals.refer_case(
        world.db,
        world.remote,
        OFFICE,
        CASEWORKER,
        case_id=world.case_id,
        partner_id=partner.partner_id,
        note="tenant rights",
        with_letter=False,
    )

    panel = liaison.case_liaison(world.db, world.remote, OFFICE, CASEWORKER, world.case_id)

    assert [view.inquiry_id for view in panel.inquiries] == [inquiry_id]
    assert panel.inquiries[0].contact_name == "Pat Liaison"
    assert panel.inquiries[0].template_name == "Congressional inquiry"
    allowed = {decision.agency_code for decision in panel.consent if decision.allowed}
    assert allowed == {"SSA"}
    assert [p.name for p in panel.partners] == ["Legal Aid of the Valley"]
    assert [r["referral_id"] for r in panel.referrals] == [referral["referral_id"]]
    assert world.db.published(CASE_OPENED) == []


def test_another_offices_inquiry_is_not_found(world: World) -> None:
    world.sign()
    inquiry_id = world.draft().inquiry_id

    with pytest.raises(NotFound):
        liaison.approve_inquiry(world.db, OTHER, SUPERVISOR, inquiry_id)


def test_the_scorecard_counts_sent_answered_and_open_letters(world: World) -> None:
    inquiry_id = sent_inquiry(world)
    liaison.log_reply(
        world.db,
        OFFICE,
        CASEWORKER,
        inquiry_id,
        kind="final",
        text="done",
        received_on=datetime.now(UTC).date(),
    )

    [line] = liaison.office_scorecard(world.db, OFFICE, CASEWORKER)
    assert (line.agency_code, line.sent, line.answered, line.open) == ("SSA", 1, 1, 0)
