"""Agencies' unit of work without a database (every office's rows in plain dicts, copied per
unit of work and kept on commit), a small directory built by hand, fakes for the platform
path, cases and intake (`CaseParticulars`) and SMTP (`Mailer`), and the payloads tests send."""

from __future__ import annotations

import copy
import io
import uuid
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from email.message import EmailMessage
from typing import Any

from services.agencies import repository
from services.agencies.adapters.inquiries import Attachment, Schedule
from services.agencies.domain.consent import ReleaseRecord
from services.agencies.domain.directory import Agency, AgencyDirectory
from services.agencies.domain.inquiry import Inquiry, InquiryState
from services.agencies.domain.office import (
    CaseFacts,
    Contact,
    LiaisonSettings,
    Partner,
    Referral,
    TemplateVersion,
)
from services.agencies.domain.suggestions import CaseSuggestion
from services.chassis.errors import NotFound
from services.chassis.fakes import FakeDatabase, FakeUnitOfWork

# A small directory built by hand, independent of the seed migration.
DIRECTORY = AgencyDirectory.of(
    [
        Agency(
            "SSA",
            "Social Security Administration",
            "OLCA",
            "https://www.ssa.gov/",
            20,
            ("social_security",),
            day_basis="calendar",
            interim_every_days=30,
        ),
        Agency(
            "USCIS",
            "U.S. Citizenship and Immigration Services",
            "OLA",
            "https://www.uscis.gov/",
            30,
            ("immigration",),
            signature="wet_only",
        ),
        Agency(
            "IRS",
            "Internal Revenue Service",
            "Taxpayer Advocate Service",
            "https://www.irs.gov/",
            20,
            (),  # routed by no category here: "tax" stays unmapped in these tests
            day_basis="business",
        ),
        Agency(
            "VA",
            "Department of Veterans Affairs",
            "OCLA",
            "https://www.va.gov/",
            125,
            ("veterans",),
        ),
        Agency(
            "CMS",
            "Centers for Medicare & Medicaid Services",
            "OL",
            "https://www.cms.gov/",
            30,
            (
                "medicare",
                "medicaid",
            ),
        ),
        Agency(
            "DOS-PPT",
            "Department of State - Passport Services",
            "CA",
            "https://travel.state.gov/",
            42,
            ("passport",),
        ),
    ]
)

SuggestionRows = dict[tuple[str, str], CaseSuggestion]


class FakeSuggestions:
    """Rows added in this unit of work are seen by it at once and kept only on commit."""

    def __init__(self, uow: FakeUnitOfWork, committed: SuggestionRows) -> None:
        self._uow = uow
        self.committed = committed
        self.added: SuggestionRows = {}

    def exists_for(self, case_id: str) -> bool:
        key = (self._uow.office_id, case_id)
        return key in self.committed or key in self.added

    def add(self, suggestion: CaseSuggestion) -> CaseSuggestion:
        key = (self._uow.office_id, suggestion.case_id)
        assert not self.exists_for(suggestion.case_id), "(office_id, case_id) is unique"
        self.added[key] = suggestion
        return self._uow.track(suggestion)


@dataclass
class LiaisonRows:
    """Every office's liaison data, keyed by (office_id, id)."""

    contacts: dict[tuple[str, str], Contact] = field(default_factory=dict)
    partners: dict[tuple[str, str], Partner] = field(default_factory=dict)
    settings: dict[str, LiaisonSettings] = field(default_factory=dict)
    templates: dict[tuple[str, str], TemplateVersion] = field(default_factory=dict)
    inquiries: dict[tuple[str, str], Inquiry] = field(default_factory=dict)
    schedules: dict[tuple[str, str], Schedule] = field(default_factory=dict)
    letters: dict[tuple[str, str], bytes] = field(default_factory=dict)
    reply_attachments: dict[tuple[str, str], Attachment] = field(default_factory=dict)
    referrals: dict[tuple[str, str], Referral] = field(default_factory=dict)
    referral_letters: dict[tuple[str, str], bytes] = field(default_factory=dict)
    releases: dict[tuple[str, str], tuple[ReleaseRecord, str]] = field(default_factory=dict)
    cases: dict[tuple[str, str], CaseFacts] = field(default_factory=dict)


class _Fake:
    def __init__(self, uow: FakeAgenciesUnitOfWork) -> None:
        self._uow = uow

    @property
    def _rows(self) -> LiaisonRows:
        return self._uow.liaison

    @property
    def _office(self) -> str:
        return self._uow.office_id


class FakeContacts(_Fake):
    def list(self, agency_code: str | None = None) -> list[Contact]:
        return sorted(
            (
                contact
                for (office, _), contact in self._rows.contacts.items()
                if office == self._office
                and contact.active
                and agency_code in (None, contact.agency_code)
            ),
            key=lambda contact: (contact.agency_code, contact.name, contact.contact_id),
        )

    def get(self, contact_id: str) -> Contact | None:
        return self._rows.contacts.get((self._office, contact_id))

    def save(self, contact: Contact, at: datetime) -> bool:
        key = (self._office, contact.contact_id)
        new = key not in self._rows.contacts
        self._rows.contacts[key] = contact
        return new


class FakePartners(_Fake):
    def list(self) -> list[Partner]:
        return sorted(
            (
                partner
                for (office, _), partner in self._rows.partners.items()
                if office == self._office and partner.active
            ),
            key=lambda partner: (partner.name, partner.partner_id),
        )

    def get(self, partner_id: str) -> Partner | None:
        return self._rows.partners.get((self._office, partner_id))

    def save(self, partner: Partner, at: datetime) -> bool:
        key = (self._office, partner.partner_id)
        new = key not in self._rows.partners
        self._rows.partners[key] = partner
        return new


class FakeSettings(_Fake):
    def get(self) -> LiaisonSettings | None:
        return self._rows.settings.get(self._office)

    def save(self, settings: LiaisonSettings, at: datetime) -> None:
        self._rows.settings[self._office] = replace(settings, updated_at=at)


class FakeTemplates(_Fake):
    def list(self) -> list[TemplateVersion]:
        return sorted(
            (t for (office, _), t in self._rows.templates.items() if office == self._office),
            key=lambda t: (t.name, -t.version),
        )

    def get(self, template_id: str) -> TemplateVersion | None:
        return self._rows.templates.get((self._office, template_id))

    def latest_version(self, name: str) -> int:
        return max((t.version for t in self.list() if t.name == name), default=0)

    def add(self, template: TemplateVersion) -> None:
        assert template.version > self.latest_version(template.name), "unique name+version"
        self._rows.templates[(self._office, template.template_id)] = template

    def save_approval(self, template: TemplateVersion) -> None:
        self._rows.templates[(self._office, template.template_id)] = template


class FakeInquiries(_Fake):
    def _tracked(self, inquiries: list[Inquiry]) -> list[Inquiry]:
        return [self._uow.track(inquiry) for inquiry in inquiries]

    def get(self, inquiry_id: str, *, for_update: bool = False) -> Inquiry | None:
        found = self._rows.inquiries.get((self._office, inquiry_id))
        return self._uow.track(found) if found is not None else None

    def get_to_check(self, inquiry_id: str) -> Inquiry | None:
        return self.get(inquiry_id, for_update=True)

    def _mine(self) -> list[Inquiry]:
        return sorted(
            (i for (office, _), i in self._rows.inquiries.items() if office == self._office),
            key=lambda i: (i.drafted_at, i.inquiry_id),
        )

    def for_case(self, case_id: str) -> list[Inquiry]:
        return self._tracked([i for i in self._mine() if i.case_id == case_id])

    def in_state(self, state: InquiryState) -> list[Inquiry]:
        return self._tracked([i for i in self._mine() if i.state == state])

    def ever_sent(self) -> list[tuple[Inquiry, date | None]]:
        return [
            (i, self._rows.schedules[(self._office, i.inquiry_id)].due_on)
            for i in self._tracked([i for i in self._mine() if i.sent_at is not None])
        ]

    def add(self, inquiry: Inquiry, schedule: Any) -> Inquiry:
        key = (self._office, inquiry.inquiry_id)
        assert key not in self._rows.inquiries
        self._rows.inquiries[key] = inquiry
        self._rows.schedules[key] = schedule
        return self._uow.track(inquiry)

    def save(
        self, inquiry: Inquiry, schedule: Any, *, reply_attachments: dict[str, Any] | None = None
    ) -> None:
        key = (self._office, inquiry.inquiry_id)
        self._rows.inquiries[key] = inquiry
        self._rows.schedules[key] = schedule
        for reply_id, attachment in (reply_attachments or {}).items():
            self._rows.reply_attachments[(self._office, reply_id)] = attachment

    def store_letter(self, inquiry_id: str, pdf: bytes) -> None:
        self._rows.letters[(self._office, inquiry_id)] = pdf

    def letter(self, inquiry_id: str) -> bytes | None:
        return self._rows.letters.get((self._office, inquiry_id))


class FakeReferrals(_Fake):
    def add(self, referral: Referral, letter: bytes | None = None) -> Referral:
        self._rows.referrals[(self._office, referral.referral_id)] = referral
        if letter is not None:
            self._rows.referral_letters[(self._office, referral.referral_id)] = letter
        return self._uow.track(referral)

    def letter(self, referral_id: str) -> tuple[Referral, bytes] | None:
        letter = self._rows.referral_letters.get((self._office, referral_id))
        if letter is None:
            return None
        return self._rows.referrals[(self._office, referral_id)], letter

    def for_case(self, case_id: str) -> list[Referral]:
        return [
            r
            for (office, _), r in self._rows.referrals.items()
            if office == self._office and r.case_id == case_id
        ]


class FakeReleases(_Fake):
    def for_submission(self, submission_id: str) -> list[ReleaseRecord]:
        return sorted(
            (
                release
                for (office, _), (release, _) in self._rows.releases.items()
                if office == self._office
                and release.submission_id == submission_id
                and release.kind != "unknown"
            ),
            key=lambda release: release.signed_at,
            reverse=True,
        )

    def signed(self, release: ReleaseRecord, constituent_id: str) -> None:
        key = (self._office, release.release_id)
        known = self._rows.releases.get(key)
        if known is not None:
            release = replace(
                release, revoked_at=known[0].revoked_at, revoked_by=known[0].revoked_by
            )
        self._rows.releases[key] = (release, constituent_id)

    def revoked(
        self,
        *,
        release_id: str,
        submission_id: str,
        constituent_id: str,
        agencies: tuple[str, ...],
        revoked_by: str,
        revoked_at: datetime,
    ) -> None:
        key = (self._office, release_id)
        known = self._rows.releases.get(key)
        release = (
            known[0]
            if known
            else ReleaseRecord(
                release_id, submission_id, agencies, "unknown", revoked_at, revoked_at
            )
        )
        self._rows.releases[key] = (
            replace(release, revoked_at=revoked_at, revoked_by=revoked_by),
            constituent_id,
        )


class FakeCaseProjections(_Fake):
    def get(self, case_id: str) -> CaseFacts | None:
        return self._rows.cases.get((self._office, case_id))

    def save(self, case: CaseFacts) -> None:
        self._rows.cases[(self._office, case.case_id)] = case


class FakeAgenciesUnitOfWork(FakeUnitOfWork):
    """A copy of the liaison rows to work on, kept only on commit (as a transaction)."""

    def open_repositories(self) -> None:
        self.suggestions = FakeSuggestions(self, self.database.rows.setdefault("suggestions", {}))
        self.liaison: LiaisonRows = copy.deepcopy(
            self.database.rows.setdefault("liaison", LiaisonRows())
        )
        self.contacts = FakeContacts(self)
        self.partners = FakePartners(self)
        self.settings = FakeSettings(self)
        self.templates = FakeTemplates(self)
        self.inquiries = FakeInquiries(self)
        self.referrals = FakeReferrals(self)
        self.releases = FakeReleases(self)
        self.cases = FakeCaseProjections(self)

    def commit(self) -> None:
        self.suggestions.committed.update(self.suggestions.added)
        self.suggestions.added = {}
        self.database.rows["liaison"] = self.liaison
        self.liaison = copy.deepcopy(self.liaison)
        super().commit()


def fake_database() -> FakeDatabase[FakeAgenciesUnitOfWork]:
    return FakeDatabase(FakeAgenciesUnitOfWork, service="agencies")


def rows(db: FakeDatabase[Any]) -> LiaisonRows:
    """What the fake database committed."""
    return db.rows.setdefault("liaison", LiaisonRows())  # type: ignore[no-any-return]


class FakePlatform:
    """The directory and the overdue scan's cross-office look-up, over the fake database
    (what `repository` does with a platform session). Install with `install(monkeypatch)`."""

    def __init__(self, db: FakeDatabase[Any], directory: AgencyDirectory = DIRECTORY) -> None:
        self.db = db
        self.directory = directory

    def install(self, monkeypatch: Any) -> FakePlatform:
        monkeypatch.setattr(repository, "read_directory", lambda db: self.directory)
        monkeypatch.setattr(repository, "save_agencies", self.save_agencies)
        monkeypatch.setattr(repository, "overdue_candidates", self.overdue_candidates)
        repository.directories.forget(self.db)
        return self

    def save_agencies(self, db: Any, agencies: list[Agency]) -> None:
        self.directory = AgencyDirectory.of(
            [
                *(
                    a
                    for a in self.directory.agencies.values()
                    if a.code not in {b.code for b in agencies}
                ),
                *agencies,
            ]
        )
        repository.directories.forget(db)

    def overdue_candidates(self, db: Any, on: date, limit: int) -> list[tuple[str, str]]:
        found = sorted(
            (schedule.overdue_check_on, office, inquiry_id)
            for (office, inquiry_id), schedule in rows(self.db).schedules.items()
            if rows(self.db).inquiries[(office, inquiry_id)].state == InquiryState.SENT
            and schedule.overdue_check_on is not None
            and schedule.overdue_check_on <= on
        )
        return [(office, inquiry_id) for _, office, inquiry_id in found[:limit]]


class FakeParticulars:
    """cases' case files and intake's particulars and release PDFs, by hand."""

    def __init__(self) -> None:
        self.case_files: dict[tuple[str, str], dict[str, Any]] = {}
        self.particulars_of: dict[str, dict[str, Any]] = {}
        self.documents: dict[str, tuple[str, str, bytes]] = {}
        self.calls: list[tuple[str, Any]] = []

    def case(self, office_id: str, case_id: str) -> dict[str, Any]:
        self.calls.append(("case", case_id))
        found = self.case_files.get((office_id, case_id))
        if found is None:
            raise NotFound("there is no such case")
        return found

    def particulars(
        self, office_id: str, submission_id: str, release_id: str | None
    ) -> dict[str, Any]:
        self.calls.append(("particulars", release_id))
        return self.particulars_of.get(submission_id, {})

    def release_document(self, office_id: str, release_id: str) -> tuple[str, str, bytes]:
        self.calls.append(("release_document", release_id))
        return self.documents.get(release_id) or ("release.pdf", "application/pdf", SAMPLE_PDF)


class FakeMailer:
    """Keeps what it was given; `fail_with` makes the next sends raise."""

    sender_address = "casework@platform.example.gov"

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []
        self.fail_with: Exception | None = None

    def send(self, message: EmailMessage) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.sent.append(message)


def _sample_pdf() -> bytes:
    """A one-page PDF, standing in for a signed release."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


SAMPLE_PDF = _sample_pdf()


def case_opened(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "case_id": str(uuid.uuid4()),
        "reference": "CW-2026-000042",
        "submission_id": str(uuid.uuid4()),
        "tracking_code": "K7QX-M2PD",
        "constituent_id": str(uuid.uuid4()),
        "category": "social_security",
        "agency_hint": None,
        "urgent": False,
        "opened_at": "2026-11-23T14:05:01+00:00",
    }
    payload.update(overrides)
    return payload
