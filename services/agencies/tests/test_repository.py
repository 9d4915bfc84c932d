"""Agencies' SQL on SQLite and PostgreSQL (behind the tenant wall, as the service's roles), on
a schema the migrations built: the liaison flow through the real repositories, the overdue
scan's platform look-up, the directory kept by platform admins, and office scoping."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from services.agencies import handlers, liaison, referrals, repository
from services.agencies.models import Base, InquiryRow
from services.agencies.repository import AgenciesUnitOfWork
from services.agencies.tests.fakes import FakeMailer, FakeParticulars
from services.chassis.config import load_settings
from services.chassis.db import create_db_engine
from services.chassis.domain import Actor
from services.chassis.events import IncomingEvent
from services.chassis.fakes import incoming
from services.chassis.uow import DatabaseAccess
from services.contracts import (
    CASE_OPENED,
    CASE_STATUS_CHANGED,
    PRIVACY_RELEASE_REVOKED,
    PRIVACY_RELEASE_SIGNED,
)

OFFICE = "rep-lopez"
OTHER = "sen-okafor"
CASEWORKER = Actor.staff("u-cw", "caseworker")
ADMIN = Actor.staff("u-admin", "office_admin")
PLATFORM = Actor.staff("it-1", "platform_admin")


@pytest.fixture
def db(migrated_url: str) -> Iterator[DatabaseAccess[AgenciesUnitOfWork]]:
    """The database as the service opens it: its role for offices' work, the platform role
    for the directory and the overdue scan."""
    settings = load_settings("agencies")
    engine = create_db_engine(settings.database_url)
    platform = (
        engine
        if settings.platform_database_url == settings.database_url
        else create_db_engine(settings.platform_database_url, pool_size=2)
    )
    yield DatabaseAccess(
        sessionmaker(engine, expire_on_commit=False),
        Base.metadata,
        lambda: None,
        service="agencies",
        unit_of_work_type=AgenciesUnitOfWork,
        platform_sessions=sessionmaker(platform, expire_on_commit=False),
    )
    engine.dispose()
    platform.dispose()


def consume(db: Any, event: IncomingEvent[Any], handler: Any) -> None:
    db.consume(event, handler)


class Case:
    """A case of OFFICE opened and announced, with particulars for its letters."""

    def __init__(self, db: Any, office: str = OFFICE) -> None:
        self.office = office
        self.case_id = str(uuid.uuid4())
        self.submission_id = str(uuid.uuid4())
        self.constituent_id = str(uuid.uuid4())
        self.remote = FakeParticulars()
        opened = datetime.now(UTC) - timedelta(days=2)
        self.remote.case_files[(office, self.case_id)] = {
            "case_id": self.case_id,
            "reference": "CW-2026-000042",
            "status": "open",
            "subject": "Retirement benefit delayed",
            "category": "social_security",
            "constituent_name": "Maria Lopez",
            "opened_at": opened,
            "submission_id": self.submission_id,
            "constituent_id": self.constituent_id,
            "timeline": [],
            "releases": [],
        }
        self.remote.particulars_of[self.submission_id] = {"name": "Maria Lopez"}
        directory = handlers.current_directory(db)
        consume(
            db,
            incoming(
                CASE_OPENED,
                {
                    "case_id": self.case_id,
                    "reference": "CW-2026-000042",
                    "submission_id": self.submission_id,
                    "tracking_code": "K7QX-M2PD",
                    "constituent_id": self.constituent_id,
                    "category": "social_security",
                    "agency_hint": None,
                    "urgent": False,
                    "opened_at": opened,
                },
                office_id=office,
            ),
            lambda uow, event: handlers.record_opened_case(directory, uow, event),
        )

    def sign(self, db: Any, agencies: list[str]) -> str:
        release_id = str(uuid.uuid4())
        signed = datetime.now(UTC) - timedelta(days=1)
        consume(
            db,
            incoming(
                PRIVACY_RELEASE_SIGNED,
                {
                    "release_id": release_id,
                    "submission_id": self.submission_id,
                    "constituent_id": self.constituent_id,
                    "agencies": agencies,
                    "kind": "e_signed",
                    "signed_at": signed,
                    "expires_at": signed + timedelta(days=365),
                },
                office_id=self.office,
            ),
            handlers.record_release_signed,
        )
        return release_id


def ssa_letter(db: Any, case: Case) -> str:
    contact = handlers.save_contact(
        db,
        case.office,
        ADMIN,
        {"agency_code": "SSA", "name": "Pat Liaison", "email": "liaison@ssa.example.gov"},
    )
    template = next(
        t
        for t in handlers.list_templates(db, case.office, CASEWORKER)
        if t.name == "Congressional inquiry"
    )
    request = liaison.LetterRequest(case.case_id, "SSA", contact.contact_id, template.template_id)
    return liaison.draft_inquiry(db, case.remote, case.office, CASEWORKER, request).inquiry_id


def test_a_letter_goes_through_the_real_repositories(db: Any, engine: Engine) -> None:
    case = Case(db)
    case.sign(db, ["SSA"])
    inquiry_id = ssa_letter(db, case)
    mailer = FakeMailer()

    sent = liaison.send_inquiry(db, case.remote, mailer, OFFICE, CASEWORKER, inquiry_id, "email")
    assert sent.state == "sent" and len(mailer.sent) == 1
    today = datetime.now(UTC).date()
    liaison.log_reply(
        db,
        OFFICE,
        CASEWORKER,
        inquiry_id,
        kind="interim",
        text="Working on it",
        received_on=today,
        attachment=liaison.Document("answer.pdf", "application/pdf", b"%PDF-1.4 scan"),
    )
    extended = liaison.extend_deadline(
        db, OFFICE, CASEWORKER, inquiry_id, days=3, reason="the liaison asked for time"
    )

    with db.unit_of_work(office_id=OFFICE) as uow:
        stored = uow.inquiries.get(inquiry_id)
        assert stored is not None
        assert stored.message_id == mailer.sent[0]["Message-ID"]
        assert [reply.kind for reply in stored.replies] == ["interim"]
        assert stored.replies[0].attachment_filename == "answer.pdf"
        assert [e.days for e in stored.extensions] == [3]
        assert stored.target is not None and stored.target.days == 20
        assert (uow.inquiries.letter(inquiry_id) or b"").startswith(b"%PDF")
        assert [i.inquiry_id for i in uow.inquiries.for_case(case.case_id)] == [inquiry_id]
        assert [i.inquiry_id for i, _ in uow.inquiries.ever_sent()] == [inquiry_id]
    with Session(engine) as session:
        row = session.execute(select(InquiryRow).where(InquiryRow.id == inquiry_id)).scalar_one()
        assert extended.deadline is not None and row.due_on == extended.deadline.due_on
        assert row.overdue_check_on == row.due_on + timedelta(days=1)

    panel = liaison.case_liaison(db, case.remote, OFFICE, CASEWORKER, case.case_id)
    assert [view.inquiry_id for view in panel.inquiries] == [inquiry_id]
    assert ("case", case.case_id) not in case.remote.calls[1:]  # the projection answers


def test_pauses_and_releases_survive_the_round_trip(db: Any) -> None:
    case = Case(db)
    release_id = case.sign(db, ["SSA", "VA"])
    inquiry_id = ssa_letter(db, case)
    liaison.send_inquiry(db, case.remote, FakeMailer(), OFFICE, CASEWORKER, inquiry_id, "post")
    changed = {
        "case_id": case.case_id,
        "reference": "CW-2026-000042",
        "from_status": "open",
        "to_status": "waiting_on_constituent",
        "reason": None,
        "changed_by": "u-cw",
        "changed_at": datetime.now(UTC),
    }
    consume(
        db, incoming(CASE_STATUS_CHANGED, changed, office_id=OFFICE), handlers.record_status_changed
    )
    consume(
        db,
        incoming(
            PRIVACY_RELEASE_REVOKED,
            {
                "release_id": release_id,
                "submission_id": case.submission_id,
                "constituent_id": case.constituent_id,
                "agencies": ["SSA", "VA"],
                "revoked_by": "staff",
                "revoked_at": datetime.now(UTC),
            },
            office_id=OFFICE,
        ),
        handlers.record_release_revoked,
    )

    with db.unit_of_work(office_id=OFFICE) as uow:
        stored = uow.inquiries.get(inquiry_id)
        assert stored is not None and stored.paused
        assert [(pause.start, pause.end) for pause in stored.pauses] == [
            (stored.pauses[0].start, None)
        ]
        [release] = uow.releases.for_submission(case.submission_id)
        assert release.agencies == ("SSA", "VA") and release.revoked_by == "staff"
        facts = uow.cases.get(case.case_id)
        assert facts is not None and facts.status == "waiting_on_constituent"
        assert facts.submission_id == case.submission_id


def test_the_overdue_scan_announces_each_level_once_across_offices(db: Any, engine: Engine) -> None:
    cases = [Case(db, OFFICE), Case(db, OTHER)]
    inquiries = []
    for case in cases:
        case.sign(db, ["SSA"])
        inquiry_id = ssa_letter(db, case)
        liaison.send_inquiry(
            db, case.remote, FakeMailer(), case.office, CASEWORKER, inquiry_id, "fax"
        )
        inquiries.append(inquiry_id)
    with Session(engine) as session:
        due_on = session.execute(
            select(InquiryRow.due_on).where(InquiryRow.id == inquiries[0])
        ).scalar_one()
    assert due_on is not None
    later = datetime(due_on.year, due_on.month, due_on.day, 18, tzinfo=UTC)

    assert repository.overdue_candidates(db, due_on, 10) == []
    assert handlers.detect_overdue(db, later + timedelta(days=1)) == 2
    assert handlers.detect_overdue(db, later + timedelta(days=1)) == 0
    assert handlers.detect_overdue(db, later + timedelta(days=30)) == 4

    outbox = Base.metadata.tables["outbox"]
    with Session(engine) as session:
        announced = session.execute(
            select(outbox.c.office_id, outbox.c.event_type).where(
                outbox.c.event_type == "agencies.inquiry_overdue"
            )
        ).all()
    assert sorted(office for office, _ in announced) == [OFFICE] * 3 + [OTHER] * 3


def test_a_referral_keeps_its_letter_and_lists_without_it(db: Any) -> None:
    case = Case(db)
    partner = handlers.save_partner(db, OFFICE, ADMIN, {"name": "Legal Aid", "kind": "legal_aid"})
    entry = referrals.refer_case(
        db,
        case.remote,
        OFFICE,
        CASEWORKER,
        case_id=case.case_id,
        partner_id=partner.partner_id,
        note="tenant rights",
        with_letter=True,
    )

    document = referrals.referral_letter(db, OFFICE, CASEWORKER, entry["referral_id"])
    assert document.content.startswith(b"%PDF")
    with db.unit_of_work(office_id=OFFICE) as uow:
        [listed] = uow.referrals.for_case(case.case_id)
        assert (listed.partner_name, listed.note, listed.with_letter) == (
            "Legal Aid",
            "tenant rights",
            True,
        )
    with db.unit_of_work(office_id=OTHER) as uow:
        assert uow.referrals.letter(entry["referral_id"]) is None


def test_an_office_sees_only_its_own_liaison_work(db: Any) -> None:
    case = Case(db)
    case.sign(db, ["SSA"])
    inquiry_id = ssa_letter(db, case)
    handlers.save_partner(db, OFFICE, ADMIN, {"name": "Legal Aid", "kind": "legal_aid"})

    with db.unit_of_work(office_id=OTHER) as uow:
        assert uow.inquiries.get(inquiry_id) is None
        assert uow.contacts.list() == [] and uow.partners.list() == []
        assert uow.releases.for_submission(case.submission_id) == []
        assert uow.cases.get(case.case_id) is None


def test_platform_admins_keep_the_directory_and_offices_their_settings(db: Any) -> None:
    handlers.save_agency(
        db,
        PLATFORM,
        {
            "code": "SSA",
            "name": "Social Security Administration",
            "liaison_office": "Office of Legislation and Congressional Affairs",
            "website_url": "https://www.ssa.gov/",
            "response_days": 25,
            "day_basis": "business",
            "interim_every_days": 30,
            "signature": "wet_only",
            "sole_recipient": True,
            "valid_days": 180,
            "new_release_after_closure": True,
            "active": True,
        },
    )
    ssa = handlers.get_agency(db, "SSA")
    assert (ssa.response_days, ssa.day_basis, ssa.signature, ssa.valid_days) == (
        25,
        "business",
        "wet_only",
        180,
    )
    assert ssa.categories == ("social_security",)

    saved = handlers.save_liaison_settings(
        db,
        OFFICE,
        ADMIN,
        {
            "timezone": "America/Chicago",
            "member_name": "Rep. Ana Lopez",
            "address_lines": ["1 Capitol Way", "Springfield, IL"],
            "approval_roles": ["read_only", "caseworker"],
            "overrides": [{"agency_code": "VA", "response_days": 45, "day_basis": "calendar"}],
        },
    )
    again = handlers.liaison_settings(db, OFFICE, CASEWORKER)
    assert again.timezone == "America/Chicago" == saved.timezone
    assert again.letterhead.address_lines == ("1 Capitol Way", "Springfield, IL")
    assert again.approval_roles == ("read_only", "caseworker")
    assert again.overrides["VA"].response_days == 45
    assert again.target_for(handlers.get_agency(db, "VA")).days == 45
