"""The agency liaison pages through the real gateway, with fake `cases`, `intake` and
`agencies` services answering over real RPC by their contracts: the case page's Agencies
panel and its actions, writing a letter (preview, consent refusal, save), approvals, the
office's contacts and partners (CSV out and in), letter templates, liaison settings, the
scorecard and the platform's directory, each for the roles that may and refused to the rest.

Set `CASEWORK_LIAISON_PAGES_DIR` to keep each page's HTML there (for screenshots)."""

from __future__ import annotations

import base64
import os
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from html import unescape
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import requests
from nameko.rpc import rpc

from services.chassis.errors import Conflict, Forbidden, ValidationFailed
from services.contracts.rpc import agencies as agencies_rpc
from services.contracts.rpc import intake as intake_rpc
from services.gateway import seed
from services.gateway.tests.support import (
    OFFICE,
    PLATFORM,
    SUPERVISOR,
    VALID_RELEASE,
    ActingPerson,
    FakeIntake,
    Gateway,
    answer,
    read_page,
)

CASE_ID = "00000000-0000-4000-8000-000000000004"
CASE = f"/offices/{OFFICE}/cases/CW-2026-000004"
HOME = f"/offices/{OFFICE}"
CASEWORKER = "sam.rivera@demo.example.gov"
INTERN = "taylor.nguyen@demo.example.gov"
OFFICE_ADMIN = "renee.okafor@demo.example.gov"
SENT = "11111111-1111-4111-8111-111111111111"
APPROVED = "22222222-2222-4222-8222-222222222222"
WAITING = "33333333-3333-4333-8333-333333333333"
SSA_CONTACT = "44444444-4444-4444-8444-444444444444"
VA_CONTACT = "55555555-5555-4555-8555-555555555555"
PARTNER = "66666666-6666-4666-8666-666666666666"
TEMPLATE = "77777777-7777-4777-8777-777777777777"
REFERRAL = "99999999-9999-4999-8999-999999999999"
WAITING_TEMPLATE = "88888888-8888-4888-8888-888888888888"
EXPLANATION = (
    "due 14 Jan: 20 business days from 12 Dec, excluding 25 Dec and 1 Jan; "
    "paused 3 days waiting on the constituent"
)
LETTER_PDF = b"%PDF-1.7\n% the letter to SSA\n"
PREVIEW_PDF = b"%PDF-1.7\n% a preview\n"
REFERRAL_PDF = b"%PDF-1.7\n% the referral letter\n"
NOW = datetime.now(UTC).replace(microsecond=0)
# What the fake agencies was asked, as (method, arguments, role).
CALLS: list[tuple[str, dict[str, Any], str | None]] = []
PAGES_DIR = os.environ.get("CASEWORK_LIAISON_PAGES_DIR")


def _agency(code: str, name: str, **fields: Any) -> dict[str, Any]:
    agency: dict[str, Any] = {
        "code": code,
        "name": name,
        "liaison_office": "Office of Congressional Affairs",
        "website_url": f"https://www.{code.lower()}.gov/",
        "categories": [],
        "typical_response_days": 20,
        "response_days": 20,
        "day_basis": "business",
        "interim_every_days": None,
        "release_rules": {
            "signature": "any",
            "sole_recipient": True,
            "valid_days": None,
            "new_release_after_closure": False,
        },
        "active": True,
    }
    agency.update(fields)
    return agency


DIRECTORY = [
    _agency(
        "SSA",
        "Social Security Administration",
        day_basis="calendar",
        interim_every_days=30,
        release_rules={
            "signature": "any",
            "sole_recipient": True,
            "valid_days": 365,
            "new_release_after_closure": False,
        },
    ),
    _agency(
        "USCIS",
        "U.S. Citizenship and Immigration Services",
        website_url="javascript:alert(1)",
        release_rules={
            "signature": "wet_only",
            "sole_recipient": True,
            "valid_days": None,
            "new_release_after_closure": True,
        },
    ),
    _agency("VA", "Department of Veterans Affairs"),
    _agency("OLD", "A retired agency", active=False),
]
CONTACTS = [
    {
        "contact_id": SSA_CONTACT,
        "agency_code": "SSA",
        "name": "Pat Liaison",
        "email": "pat.liaison@ssa.example.gov",
        "phone": "202-555-0101",
        "programme": "Disability claims",
        "notes": None,
    },
    {
        "contact_id": VA_CONTACT,
        "agency_code": "VA",
        "name": "Lee Vance",
        "email": None,
        "phone": "202-555-0199",
        "programme": None,
        "notes": "Prefers fax",
    },
]
PARTNERS = [
    {
        "partner_id": PARTNER,
        "name": "Legal Aid of Demo County",
        "kind": "legal_aid",
        "email": "intake@legalaid.example.org",
        "phone": None,
        "website_url": "https://legalaid.example.org/",
        "notes": None,
    }
]
TEMPLATES = [
    {
        "template_id": TEMPLATE,
        "name": "Congressional inquiry",
        "version": 2,
        "subject": "Inquiry on behalf of {{ constituent.name }}",
        "body": "Dear {{ contact.name }},\n\nPlease look into {{ case.subject }}.",
        "requires_approval": False,
        "approved_by": None,
        "approved_at": None,
        "created_by": "seed",
        "created_at": NOW - timedelta(days=3),
        "usable": True,
    },
    {
        "template_id": str(uuid.UUID(int=1)),
        "name": "Congressional inquiry",
        "version": 1,
        "subject": "Inquiry",
        "body": "Dear liaison,",
        "requires_approval": False,
        "approved_by": None,
        "approved_at": None,
        "created_by": "seed",
        "created_at": NOW - timedelta(days=30),
        "usable": True,
    },
    {
        "template_id": WAITING_TEMPLATE,
        "name": "Follow-up",
        "version": 1,
        "subject": "Follow-up: {{ case.reference }}",
        "body": "Our letter of {{ today }} is overdue.",
        "requires_approval": True,
        "approved_by": None,
        "approved_at": None,
        "created_by": "seed",
        "created_at": NOW - timedelta(days=1),
        "usable": False,
    },
]


def _inquiry(inquiry_id: str, agency: str, state: str, **fields: Any) -> dict[str, Any]:
    name = next(a["name"] for a in DIRECTORY if a["code"] == agency)
    entry: dict[str, Any] = {
        "inquiry_id": inquiry_id,
        "case_id": CASE_ID,
        "reference": "CW-2026-000004",
        "agency_code": agency,
        "agency_name": name,
        "contact_id": None,
        "contact_name": None,
        "contact_email": None,
        "template_id": TEMPLATE,
        "template_name": "Congressional inquiry",
        "template_version": 2,
        "subject": f"Inquiry on behalf of Robert Hayes ({agency})",
        "body": "Dear liaison,\n\nSSN XXX-XX-1120. Please look into the claim.",
        "state": state,
        "channel": None,
        "release_id": VALID_RELEASE,
        "drafted_by": "someone-else",
        "drafted_at": NOW - timedelta(days=20),
        "needs_approval": False,
        "approved_by": None,
        "approved_at": None,
        "sent_by": None,
        "sent_at": None,
        "deadline": None,
        "replies": [],
    }
    entry.update(fields)
    return entry


INQUIRIES = [
    _inquiry(
        SENT,
        "SSA",
        "sent",
        contact_id=SSA_CONTACT,
        contact_name="Pat Liaison",
        contact_email="pat.liaison@ssa.example.gov",
        channel="email",
        sent_at=NOW - timedelta(days=19),
        deadline={
            "due_on": date(2027, 1, 14),
            "follow_up_on": date(2027, 1, 20),
            "explanation": EXPLANATION,
            "paused": False,
            "overdue_level": "plus_5",
        },
        replies=[
            {
                "reply_id": str(uuid.UUID(int=9)),
                "kind": "interim",
                "text": "We have asked the field office for the file.",
                "received_on": date(2026, 12, 20),
                "logged_by": "u-sam",
                "logged_at": NOW - timedelta(days=5),
                "attachment_filename": "ssa-interim.pdf",
            }
        ],
    ),
    _inquiry(APPROVED, "VA", "approved", contact_id=VA_CONTACT, contact_name="Lee Vance"),
    _inquiry(WAITING, "VA", "awaiting_approval", needs_approval=True, drafted_at=NOW),
]
CONSENT = [
    {
        "agency_code": "SSA",
        "allowed": True,
        "release_id": VALID_RELEASE,
        "reasons": [],
        "remedy": None,
    },
    {
        "agency_code": "USCIS",
        "allowed": False,
        "release_id": None,
        "reasons": [
            "no privacy release names U.S. Citizenship and Immigration Services (USCIS)",
            "U.S. Citizenship and Immigration Services accepts only a handwritten signature; "
            "the release was signed online",
        ],
        "remedy": "Ask the constituent to sign a new release naming USCIS from the status "
        "page link, or file a wet-signed release.",
    },
    {
        "agency_code": "VA",
        "allowed": False,
        "release_id": None,
        "reasons": [
            "no privacy release names Department of Veterans Affairs (VA)",
            "Department of Veterans Affairs accepts only a handwritten signature; "
            "the release was signed online",
        ],
        "remedy": "Ask the constituent to sign a new release naming VA from the status "
        "page link, or file a wet-signed release.",
    },
]
SETTINGS = {
    "member_name": "Rep. Jordan Demo",
    "office_name": "Office of Rep. Jordan Demo",
    "address_lines": ["1 Main Street", "Springfield, IL 62701"],
    "phone": "217-555-0100",
    "email": "casework@demo.example.gov",
    "holiday_country": "US",
    "holiday_subdivision": None,
    "mask_ssn": True,
    "include_public_notes": False,
    "approval_roles": ["read_only"],
    "overrides": [{"agency_code": "VA", "response_days": 15, "day_basis": "business"}],
}
SCORECARD = [
    {
        "agency_code": "SSA",
        "agency_name": "Social Security Administration",
        "sent": 12,
        "answered": 9,
        "open": 3,
        "overdue": 3,
        "overdue_rate": 0.25,
        "p50_business_days": 14.0,
        "p90_business_days": 27.5,
    },
    {
        "agency_code": "VA",
        "agency_name": "Department of Veterans Affairs",
        "sent": 0,
        "answered": 0,
        "open": 0,
        "overdue": 0,
        "overdue_rate": None,
        "p50_business_days": None,
        "p90_business_days": None,
    },
]
CONTACTS_CSV = "contact_id,agency_code,name,email\n" + f"{SSA_CONTACT},SSA,Pat Liaison,p@x.gov\n"


def _document(filename: str, content: bytes) -> dict[str, Any]:
    wire = {
        "filename": filename,
        "content_type": "application/pdf",
        "content_base64": base64.b64encode(content).decode(),
    }
    return answer(intake_rpc.Document(), wire)  # type: ignore[no-any-return]


class FakeAgencies:
    """Answers agencies' liaison methods (docs/agency-liaison.md) with fixed data, dumped and
    checked with the answer contracts; refuses as agencies would (the consent gate, a
    template that cannot render, an import with a bad line, a drafter approving their own
    letter)."""

    name = "agencies"
    acting: Any = ActingPerson()

    def _called(self, method: str, **arguments: Any) -> dict[str, Any]:
        CALLS.append((method, arguments, self.acting.get("role")))
        return arguments

    @rpc
    def list_agencies(self) -> Any:
        self._called("list_agencies")
        # Dumped from objects, as the directory's `Agency` (`liaison_url` reads an attribute).
        directory = [SimpleNamespace(**agency) for agency in DIRECTORY]
        return answer(agencies_rpc.AgencyDetail(many=True), directory)

    @rpc
    def case_liaison(self, office_id: str, case_id: str) -> Any:
        self._called("case_liaison", office_id=office_id, case_id=case_id)
        found = {
            "inquiries": INQUIRIES if case_id == CASE_ID else [],
            "consent": CONSENT,
            "templates": TEMPLATES,
            "contacts": CONTACTS,
            "partners": PARTNERS,
            "referrals": [
                {
                    "referral_id": REFERRAL,
                    "partner_id": PARTNER,
                    "note": "Appeal hearing help",
                    "with_letter": True,
                    "referred_at": "2026-12-03T15:05:00+00:00",
                }
            ],
        }
        return answer(agencies_rpc.CaseLiaison(), found)

    @rpc
    def preview_letter(self, **arguments: Any) -> Any:
        called = self._called("preview_letter", **arguments)
        allowed = called["agency_code"] != "USCIS"
        consent = CONSENT[0] if allowed else CONSENT[1]
        preview = {
            "subject": "Inquiry on behalf of Robert Hayes",
            "body": "Dear Pat Liaison,\n\nSSN XXX-XX-1120.\n\n" + called.get("extra_text", ""),
            "pdf_base64": base64.b64encode(PREVIEW_PDF).decode(),
            "consent": consent,
            "redactions": ["SSN masked to its last four"],
        }
        return answer(agencies_rpc.LetterPreview(), preview)

    @rpc
    def draft_inquiry(self, **arguments: Any) -> Any:
        called = self._called("draft_inquiry", **arguments)
        if called["agency_code"] == "USCIS":
            raise Conflict(
                "No privacy release lets this office write to USCIS",
                fields={"consent": CONSENT[1]["reasons"]},
            )
        state = "awaiting_approval" if self.acting.get("role") == "read_only" else "approved"
        entry = _inquiry(str(uuid.uuid4()), called["agency_code"], state)
        return answer(agencies_rpc.InquiryEntry(), entry)

    @rpc
    def letter_pdf(self, office_id: str, inquiry_id: str) -> Any:
        self._called("letter_pdf", office_id=office_id, inquiry_id=inquiry_id)
        return _document("letter-CW-2026-000004-SSA.pdf", LETTER_PDF)

    @rpc
    def referral_letter(self, office_id: str, referral_id: str) -> Any:
        self._called("referral_letter", office_id=office_id, referral_id=referral_id)
        return _document("CW-2026-000004-referral-letter.pdf", REFERRAL_PDF)

    @rpc
    def send_inquiry(self, office_id: str, inquiry_id: str, channel: str) -> Any:
        self._called("send_inquiry", office_id=office_id, inquiry_id=inquiry_id, channel=channel)
        if channel == "email":
            raise Conflict(
                "The release signed 3 Dec 2026 was revoked; the letter was not sent",
                fields={"consent": ["revoked by the constituent on 1 Dec 2026"]},
            )
        return None

    @rpc
    def log_reply(self, **arguments: Any) -> Any:
        self._called("log_reply", **arguments)

    @rpc
    def extend_deadline(self, **arguments: Any) -> Any:
        self._called("extend_deadline", **arguments)

    @rpc
    def withdraw_inquiry(self, **arguments: Any) -> Any:
        self._called("withdraw_inquiry", **arguments)

    @rpc
    def refer_case(self, **arguments: Any) -> Any:
        self._called("refer_case", **arguments)

    @rpc
    def approval_queue(self, office_id: str) -> Any:
        self._called("approval_queue", office_id=office_id)
        waiting = [entry for entry in INQUIRIES if entry["state"] == "awaiting_approval"]
        return answer(agencies_rpc.InquiryEntry(many=True), waiting)

    @rpc
    def approve_inquiry(self, office_id: str, inquiry_id: str) -> Any:
        self._called("approve_inquiry", office_id=office_id, inquiry_id=inquiry_id)
        if inquiry_id != WAITING:
            raise Conflict("that letter is not waiting for approval")

    @rpc
    def list_templates(self, office_id: str) -> Any:
        self._called("list_templates", office_id=office_id)
        return answer(agencies_rpc.TemplateEntry(many=True), TEMPLATES)

    @rpc
    def save_template(self, **arguments: Any) -> Any:
        called = self._called("save_template", **arguments)
        if "case.colour" in called["body"]:
            raise ValidationFailed(
                "The template cannot render",
                fields={"body": ["line 3: unknown field 'case.colour'"]},
            )
        return answer(agencies_rpc.TemplateEntry(), {**TEMPLATES[0], "version": 3})

    @rpc
    def approve_template(self, office_id: str, template_id: str) -> Any:
        self._called("approve_template", office_id=office_id, template_id=template_id)

    @rpc
    def list_contacts(self, office_id: str, agency_code: str | None = None) -> Any:
        self._called("list_contacts", office_id=office_id)
        return answer(agencies_rpc.ContactEntry(many=True), CONTACTS)

    @rpc
    def save_contact(self, **arguments: Any) -> Any:
        called = self._called("save_contact", **arguments)
        if self.acting.get("role") != "office_admin":
            raise Forbidden("only the office admin keeps contacts")
        saved = {**CONTACTS[0], **called, "contact_id": called["contact_id"] or SSA_CONTACT}
        return answer(agencies_rpc.ContactEntry(), saved)

    @rpc
    def remove_contact(self, office_id: str, contact_id: str) -> Any:
        self._called("remove_contact", office_id=office_id, contact_id=contact_id)

    @rpc
    def export_contacts_csv(self, office_id: str) -> str:
        self._called("export_contacts_csv", office_id=office_id)
        return CONTACTS_CSV

    @rpc
    def import_contacts_csv(self, office_id: str, csv_text: str) -> Any:
        self._called("import_contacts_csv", office_id=office_id, csv_text=csv_text)
        if "not-an-email" in csv_text:
            result = {
                "created": 0,
                "updated": 0,
                "problems": [
                    {"line": 3, "field": "email", "message": "not an email address"},
                    {"line": 4, "field": "agency_code", "message": "no agency NOPE"},
                ],
            }
        else:
            result = {"created": 2, "updated": 1, "problems": []}
        return answer(agencies_rpc.ImportResult(), result)

    @rpc
    def list_partners(self, office_id: str) -> Any:
        self._called("list_partners", office_id=office_id)
        return answer(agencies_rpc.PartnerEntry(many=True), PARTNERS)

    @rpc
    def save_partner(self, **arguments: Any) -> Any:
        called = self._called("save_partner", **arguments)
        saved = {**PARTNERS[0], **called, "partner_id": called["partner_id"] or PARTNER}
        return answer(agencies_rpc.PartnerEntry(), saved)

    @rpc
    def remove_partner(self, office_id: str, partner_id: str) -> Any:
        self._called("remove_partner", office_id=office_id, partner_id=partner_id)

    @rpc
    def export_partners_csv(self, office_id: str) -> str:
        self._called("export_partners_csv", office_id=office_id)
        return "partner_id,name,kind\n"

    @rpc
    def import_partners_csv(self, office_id: str, csv_text: str) -> Any:
        self._called("import_partners_csv", office_id=office_id, csv_text=csv_text)
        return answer(agencies_rpc.ImportResult(), {"created": 1, "updated": 0, "problems": []})

    @rpc
    def liaison_settings(self, office_id: str) -> Any:
        self._called("liaison_settings", office_id=office_id)
        return SETTINGS

    @rpc
    def save_liaison_settings(self, **arguments: Any) -> Any:
        self._called("save_liaison_settings", **arguments)
        return SETTINGS

    @rpc
    def scorecard(self, office_id: str) -> Any:
        self._called("scorecard", office_id=office_id)
        return answer(agencies_rpc.ScorecardRow(many=True), SCORECARD)

    @rpc
    def save_agency(self, **arguments: Any) -> Any:
        called = self._called("save_agency", **arguments)
        saved = SimpleNamespace(**_agency(called["code"], called["name"]))
        return answer(agencies_rpc.AgencyDetail(), saved)

    @rpc
    def export_agencies_csv(self) -> str:
        self._called("export_agencies_csv")
        return "code,name\nSSA,Social Security Administration\n"

    @rpc
    def import_agencies_csv(self, csv_text: str) -> Any:
        self._called("import_agencies_csv", csv_text=csv_text)
        problems = [{"line": 2, "field": "response_days", "message": "a whole number"}]
        return answer(
            agencies_rpc.ImportResult(), {"created": 0, "updated": 0, "problems": problems}
        )


@pytest.fixture
def db_backend() -> str:
    """These pages keep nothing of their own: one database backend is enough."""
    return "sqlite"


@pytest.fixture
def office(demo_office: Gateway) -> Iterator[Gateway]:
    """The demo office signed in as its supervisor, with intake and agencies answering."""
    demo_office.start(FakeIntake, FakeAgencies)
    CALLS.clear()
    yield demo_office
    CALLS.clear()


def calls(method: str) -> list[tuple[dict[str, Any], str | None]]:
    return [(arguments, role) for name, arguments, role in CALLS if name == method]


def csrf(gateway: Gateway, path: str = CASE) -> str:
    """The session's form token (one per session: read once from a page with a form)."""
    assert gateway.session is not None
    known = gateway.session.headers.get("X-Test-Csrf")
    if isinstance(known, str):
        return known
    found = re.search(r'name="csrf_token" value="([^"]+)"', gateway.get(path).text)
    assert found, f"{path} carries no form"
    gateway.session.headers["X-Test-Csrf"] = found.group(1)
    return found.group(1)


def post(
    gateway: Gateway,
    path: str,
    data: dict[str, Any],
    files: Any = None,
    form_page: str = CASE,
) -> requests.Response:
    assert gateway.session is not None
    fields = {**data, "csrf_token": csrf(gateway, form_page)}
    return gateway.session.post(
        f"{gateway.base}{path}", data=fields, files=files, timeout=10, allow_redirects=False
    )


def text_of(html: str) -> str:
    """The page's words, tags removed and spaces collapsed."""
    html = re.sub(r"</?bdi>", "", html)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def keep(name: str, response: requests.Response) -> None:
    if PAGES_DIR:
        Path(PAGES_DIR).mkdir(parents=True, exist_ok=True)
        Path(PAGES_DIR, f"{name}.html").write_text(response.text, encoding="utf-8")


def panel_text(html: str) -> str:
    start = html.index('id="agencies-heading"')
    end = html.index('id="timeline-heading"')
    return text_of(html[start:end])


def test_the_case_page_shows_letters_deadlines_replies_and_the_consent_gate(
    office: Gateway,
) -> None:
    office.log_in(CASEWORKER)
    response = office.get(CASE)
    keep("case", response)

    assert response.status_code == 200, response.text
    text = panel_text(response.text)
    html = response.text
    assert "Social Security Administration (SSA) Sent, waiting for the agency" in text
    assert "Overdue 5+ business days" in text
    assert "Due 14 Jan 2027 " + EXPLANATION in text
    assert "Pat Liaison <pat.liaison@ssa.example.gov>" in text
    assert "Interim reply , received 20 Dec 2026 · file: ssa-interim.pdf" in text
    assert "We have asked the field office for the file." in text
    # The consent gate per agency: allowed with the release, refused with reasons and remedy.
    assert "SSA: may be written to — E-signed online release" in text or (
        "SSA: may be written to" in text and "Robert Hayes" in text
    )
    assert "VA: cannot be written to yet" in text
    assert "accepts only a handwritten signature" in text
    assert "What to do: Ask the constituent to sign a new release naming VA" in text
    # An agency the case neither names nor has written to is left to the letter page.
    assert "USCIS" not in text
    # Actions by state: reply, extend and withdraw for the sent one, send for the approved.
    assert f'action="{CASE}/inquiries/{SENT}/replies"' in html
    assert 'enctype="multipart/form-data"' in html
    assert f'action="{CASE}/inquiries/{SENT}/extension"' in html
    assert f'action="{CASE}/inquiries/{APPROVED}/send"' in html
    assert f'action="{CASE}/inquiries/{SENT}/send"' not in html
    assert f'href="{CASE}/inquiries/{SENT}/letter.pdf"' in html
    assert f'action="{CASE}/inquiries/{WAITING}/withdraw"' in html
    # The approved VA letter has no contact email: email is offered but disabled.
    assert '<option value="email" disabled>' in html
    assert f'href="{CASE}/letters/new"' in html
    assert f'href="{CASE}/letters/new?agency=SSA"' in html
    assert "Legal Aid of Demo County" in text and "Appeal hearing help" in text
    assert f'action="{CASE}/referrals"' in html
    assert f'href="{CASE}/referrals/{REFERRAL}/letter.pdf"' in html
    assert "Legal Aid of Demo County · 3 Dec 2026, 10:05" in text  # New York time
    # Every field of the panel's forms has its label.
    fields = re.findall(r'id="((?:reply|extend|withdraw|channel|refer)-[a-z-]*\d*)"', html)
    labelled = read_page(html).labels_for
    assert {"reply-on-2", "reply-text-2", "reply-file-2", "extend-days-2", "channel-3"} <= set(
        fields
    )
    assert [field for field in fields if not field.endswith("-hint")] == [
        field for field in fields if field in labelled
    ]
    assert calls("case_liaison") == [({"office_id": OFFICE, "case_id": CASE_ID}, "caseworker")]

    # An intern reads the panel but gets none of the actions that change a letter.
    office.log_in(INTERN)
    intern = office.get(CASE).text
    assert "Overdue 5+ business days" in intern
    assert "/replies" not in intern and "/send" not in intern and "/withdraw" not in intern
    assert f'href="{CASE}/letters/new"' in intern


def test_the_actions_on_a_letter_post_their_arguments_and_refusals_show_on_the_case_page(
    office: Gateway,
) -> None:
    office.log_in(CASEWORKER)
    reply = post(
        office,
        f"{CASE}/inquiries/{SENT}/replies",
        {"kind": "final", "received_on": "2026-12-30", "text": "Benefits reinstated."},
        files={"attachment": ("answer.pdf", b"%PDF-1.4\n% answer\n", "application/pdf")},
    )
    extend = post(
        office,
        f"{CASE}/inquiries/{SENT}/extension",
        {"days": "5", "reason": "The liaison asked for time"},
    )
    sent = post(office, f"{CASE}/inquiries/{APPROVED}/send", {"channel": "fax"})
    refused = post(office, f"{CASE}/inquiries/{APPROVED}/send", {"channel": "email"})
    withdraw = post(office, f"{CASE}/inquiries/{WAITING}/withdraw", {"reason": "Duplicate"})
    refer = post(
        office,
        f"{CASE}/referrals",
        {"partner_id": PARTNER, "note": "Needs a lawyer", "with_letter": "true"},
    )
    bad_days = post(office, f"{CASE}/inquiries/{SENT}/extension", {"days": "0", "reason": "x"})
    other = post(office, f"{CASE}/inquiries/{uuid.uuid4()}/withdraw", {"reason": "Because"})
    done = office.get(reply.headers["Location"])

    for response in (reply, extend, sent, withdraw, refer):
        assert response.status_code == 303, response.text
        assert response.headers["Location"].endswith("#agencies-heading")
    assert "?done=reply_logged" in reply.headers["Location"]
    assert "Reply logged." in done.text
    [(logged, role)] = calls("log_reply")
    assert role == "caseworker"
    assert {k: logged[k] for k in ("office_id", "inquiry_id", "kind", "received_on", "text")} == {
        "office_id": OFFICE,
        "inquiry_id": SENT,
        "kind": "final",
        "received_on": "2026-12-30",
        "text": "Benefits reinstated.",
    }
    assert logged["attachment"]["filename"] == "answer.pdf"
    assert logged["attachment"]["content_type"] == "application/pdf"
    assert calls("extend_deadline")[0][0] == {
        "office_id": OFFICE,
        "inquiry_id": SENT,
        "days": 5,
        "reason": "The liaison asked for time",
    }
    assert [args["channel"] for args, _ in calls("send_inquiry")] == ["fax", "email"]
    assert calls("withdraw_inquiry")[0][0]["reason"] == "Duplicate"
    assert calls("refer_case")[0][0] == {
        "office_id": OFFICE,
        "case_id": CASE_ID,
        "partner_id": PARTNER,
        "note": "Needs a lawyer",
        "with_letter": True,
    }
    # A refusal from agencies (the consent gate at sending) is shown at the top, never a 500.
    assert refused.status_code == 409
    alert = read_page(refused.text).alerts[0]
    assert "was revoked; the letter was not sent" in alert
    assert "revoked by the constituent on 1 Dec 2026" in alert
    assert bad_days.status_code == 422
    assert "Days" in read_page(bad_days.text).alerts[0]
    # Another case's letter is not found from this case's page.
    assert other.status_code == 404
    assert len(calls("withdraw_inquiry")) == 1

    office.log_in(INTERN)
    intern = post(office, f"{CASE}/inquiries/{APPROVED}/send", {"channel": "fax"})
    assert intern.status_code == 403
    assert len(calls("send_inquiry")) == 2


def check_the_letter_pdf_downloads_as_an_attachment(office: Gateway) -> None:
    office.log_in(SUPERVISOR)
    CALLS.clear()
    response = office.get(f"{CASE}/inquiries/{SENT}/letter.pdf")

    assert response.status_code == 200
    assert response.content == LETTER_PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="letter-CW-2026-000004-SSA.pdf"'
    )
    assert response.headers["Cache-Control"] == "no-store"
    assert calls("letter_pdf") == [({"office_id": OFFICE, "inquiry_id": SENT}, "supervisor")]


def check_the_referral_letter_downloads_and_only_from_its_case(office: Gateway) -> None:
    office.log_in(SUPERVISOR)
    CALLS.clear()
    response = office.get(f"{CASE}/referrals/{REFERRAL}/letter.pdf")
    unknown = office.get(f"{CASE}/referrals/{SENT}/letter.pdf")

    assert response.status_code == 200
    assert response.content == REFERRAL_PDF
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="CW-2026-000004-referral-letter.pdf"'
    )
    assert unknown.status_code == 404
    assert "this case has no such referral" in unknown.text
    assert calls("referral_letter") == [
        ({"office_id": OFFICE, "referral_id": REFERRAL}, "supervisor")
    ]


def test_write_preview_and_save_a_letter(office: Gateway) -> None:
    office.log_in(CASEWORKER)
    page = office.get(f"{CASE}/letters/new?agency=ssa")
    keep("write_letter_empty", page)
    letter = {
        "agency_code": "SSA",
        "contact_id": SSA_CONTACT,
        "template_id": TEMPLATE,
        "extra_text": "She has waited since August.",
    }
    form = f"{CASE}/letters/new"
    preview = post(office, form, {**letter, "action": "preview"}, form_page=form)
    keep("write_letter_preview", preview)
    pdf = post(office, form, {**letter, "action": "pdf"}, form_page=form)
    saved = post(office, form, {**letter, "action": "save"}, form_page=form)
    mismatch = post(
        office, form, {**letter, "agency_code": "VA", "action": "preview"}, form_page=form
    )
    missing = post(office, form, {"agency_code": "SSA", "action": "preview"}, form_page=form)

    assert page.status_code == 200, page.text
    assert '<option value="SSA" selected>' in page.text
    assert "release OK" in page.text and "no valid release" in page.text
    assert "A retired agency" not in page.text
    assert "Follow-up" not in page.text  # not usable until approved
    assert '<optgroup label="SSA">' in page.text
    for field in ("f-agency_code", "f-contact_id", "f-template_id", "f-extra_text"):
        assert field in read_page(page.text).labels_for

    assert preview.status_code == 200, preview.text
    text = text_of(preview.text)
    assert "Inquiry on behalf of Robert Hayes" in text
    assert "SSN XXX-XX-1120." in preview.text and "She has waited since August." in text
    assert "SSN masked to its last four" in text
    assert 'value="save"' in preview.text
    assert pdf.status_code == 200 and pdf.content == PREVIEW_PDF
    assert pdf.headers["Content-Type"] == "application/pdf"
    expected = {"office_id": OFFICE, "case_id": CASE_ID, **letter}
    assert next(args for args, _ in calls("preview_letter")) == expected
    assert saved.status_code == 303
    assert saved.headers["Location"] == f"{CASE}?done=letter_saved#agencies-heading"
    assert calls("draft_inquiry") == [(expected, "caseworker")]
    assert "Letter saved and approved" in office.get(saved.headers["Location"]).text
    # A contact at another agency, or no template: refused next to the field, agencies unasked.
    assert mismatch.status_code == 422
    assert 'id="f-contact_id-error"' in mismatch.text
    assert 'aria-invalid="true"' in mismatch.text
    assert missing.status_code == 422
    assert '<a href="#f-template_id">Template</a>' in missing.text
    assert len(calls("preview_letter")) == 2

    # An intern's letter waits for approval.
    office.log_in(INTERN)
    waiting = post(office, form, {**letter, "action": "save"}, form_page=form)
    assert waiting.headers["Location"].endswith("?done=letter_awaiting_approval#agencies-heading")


def check_a_consent_refusal_shows_its_reasons_and_remedy(office: Gateway) -> None:
    CALLS.clear()
    office.log_in(CASEWORKER)
    form = f"{CASE}/letters/new"
    letter = {"agency_code": "USCIS", "template_id": TEMPLATE}

    preview = post(office, form, {**letter, "action": "preview"}, form_page=form)
    keep("write_letter_refused", preview)
    saved = post(office, form, {**letter, "action": "save"}, form_page=form)

    assert preview.status_code == 200
    alert = read_page(preview.text).alerts[0]
    assert "This letter cannot go to USCIS yet" in alert
    assert "accepts only a handwritten signature" in alert
    assert "file a wet-signed release" in alert
    assert 'value="save"' not in preview.text
    assert saved.status_code == 409
    alert = read_page(saved.text).alerts[0]
    assert "No privacy release lets this office write to USCIS" in alert
    assert "no privacy release names U.S. Citizenship" in alert


def check_approvals_for_supervisors_only(office: Gateway) -> None:
    office.log_in(SUPERVISOR)
    CALLS.clear()
    page = office.get(f"{HOME}/approvals")
    keep("approvals", page)
    approve = post(office, f"{HOME}/approvals/letters/{WAITING}", {}, form_page=f"{HOME}/approvals")
    again = post(office, f"{HOME}/approvals/letters/{SENT}", {}, form_page=f"{HOME}/approvals")
    template = post(
        office, f"{HOME}/approvals/templates/{WAITING_TEMPLATE}", {}, form_page=f"{HOME}/approvals"
    )
    office.log_in(CASEWORKER)
    caseworker = office.get(f"{HOME}/approvals")

    assert page.status_code == 200, page.text
    text = text_of(page.text)
    assert "CW-2026-000004 to Department of Veterans Affairs (VA)" in text
    assert "SSN XXX-XX-1120. Please look into the claim." in text
    assert "Follow-up, version 1" in text
    assert approve.status_code == 303
    assert approve.headers["Location"] == f"{HOME}/approvals?done=inquiry_approved"
    assert again.status_code == 409
    assert "that letter is not waiting for approval" in read_page(again.text).alerts[0]
    assert template.status_code == 303
    assert calls("approve_template") == [
        ({"office_id": OFFICE, "template_id": WAITING_TEMPLATE}, "supervisor")
    ]
    assert caseworker.status_code == 403
    assert 'href="/offices/rep-demo/approvals"' not in caseworker.text


def test_contacts_and_partners_pages_csv_out_and_in(office: Gateway) -> None:
    office.log_in(OFFICE_ADMIN)
    agencies = office.get(f"{HOME}/agencies")
    keep("agencies", agencies)
    editing = office.get(f"{HOME}/agencies?edit={VA_CONTACT}")
    download = office.get(f"{HOME}/agencies/contacts.csv")
    files = {"file": ("contacts.csv", b"\xef\xbb\xbfname,email\nA,not-an-email\n", "text/csv")}
    problems = post(
        office, f"{HOME}/agencies/contacts/import", {}, files=files, form_page=f"{HOME}/agencies"
    )
    keep("agencies_import_problems", problems)
    files = {"file": ("contacts.csv", b"name,email\nA,a@b.gov\n", "text/csv")}
    imported = post(
        office, f"{HOME}/agencies/contacts/import", {}, files=files, form_page=f"{HOME}/agencies"
    )
    not_text = post(
        office,
        f"{HOME}/agencies/contacts/import",
        {},
        files={"file": ("contacts.csv", b"\xff\xfe\x00bad", "text/csv")},
        form_page=f"{HOME}/agencies",
    )
    saved = post(
        office,
        f"{HOME}/agencies/contacts",
        {"agency_code": "va", "name": " Lee Vance ", "email": "", "notes": "Fax first"},
        form_page=f"{HOME}/agencies",
    )
    bad = post(
        office,
        f"{HOME}/agencies/contacts",
        {"agency_code": "VA", "name": "", "email": "nope"},
        form_page=f"{HOME}/agencies",
    )
    removed = post(
        office, f"{HOME}/agencies/contacts/{VA_CONTACT}/remove", {}, form_page=f"{HOME}/agencies"
    )
    partners = office.get(f"{HOME}/partners")
    keep("partners", partners)
    partner = post(
        office,
        f"{HOME}/partners",
        {"name": "Food Bank", "kind": "food_bank", "website_url": "https://food.example.org"},
        form_page=f"{HOME}/partners",
    )
    partners_csv = office.get(f"{HOME}/partners.csv")

    assert agencies.status_code == 200, agencies.text
    text = text_of(agencies.text)
    assert "Pat Liaison" in text and "Disability claims" in text
    assert "20 calendar days; then an interim reply every 30 days" in text
    assert "Accepts only a handwritten (wet) signature." in text
    assert "A release is accepted for 365 days after signing." in text
    assert 'href="javascript:' not in agencies.text
    assert 'value="Lee Vance"' in editing.text and f'value="{VA_CONTACT}"' in editing.text
    assert download.status_code == 200
    assert download.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert download.headers["Content-Disposition"].startswith(
        'attachment; filename="agency-contacts-rep-demo.csv"'
    )
    assert download.text == CONTACTS_CSV
    assert problems.status_code == 422
    page = read_page(problems.text)
    assert ["3", "email", "not an email address"] in page.rows
    assert ["4", "agency_code", "no agency NOPE"] in page.rows
    assert "Nothing was imported" in page.alerts[0]
    assert calls("import_contacts_csv")[0][0]["csv_text"] == "name,email\nA,not-an-email\n"
    assert imported.status_code == 200
    assert "Imported: 2 added, 1 updated." in imported.text
    assert not_text.status_code == 422 and "UTF-8" in read_page(not_text.text).alerts[0]
    assert saved.status_code == 303
    assert calls("save_contact")[0][0] == {
        "office_id": OFFICE,
        "contact_id": None,
        "agency_code": "VA",
        "name": "Lee Vance",
        "email": None,
        "phone": None,
        "programme": None,
        "notes": "Fax first",
    }
    assert bad.status_code == 422
    assert '<a href="#f-name">Name</a>' in bad.text and 'id="f-email-error"' in bad.text
    assert removed.status_code == 303
    assert calls("remove_contact")[0][0] == {"office_id": OFFICE, "contact_id": VA_CONTACT}
    assert partners.status_code == 200 and "Legal Aid of Demo County" in partners.text
    assert partner.status_code == 303
    assert calls("save_partner")[0][0]["kind"] == "food_bank"
    assert partners_csv.headers["Content-Disposition"].startswith(
        'attachment; filename="partners-rep-demo.csv"'
    )

    # A caseworker reads both lists and downloads them, but edits nothing.
    office.log_in(CASEWORKER)
    read = office.get(f"{HOME}/agencies")
    assert read.status_code == 200
    assert "Add a contact" not in read.text and "/remove" not in read.text
    assert "/agencies/contacts/import" not in read.text
    assert office.get(f"{HOME}/agencies/contacts.csv").status_code == 200
    refused = post(
        office,
        f"{HOME}/agencies/contacts",
        {"agency_code": "VA", "name": "X"},
        form_page=HOME + "/agencies",
    )
    assert refused.status_code == 403
    assert office.get(f"{HOME}/partners").status_code == 200


def test_templates_settings_and_scorecard(office: Gateway) -> None:
    office.log_in(OFFICE_ADMIN)
    templates = office.get(f"{HOME}/letter-templates")
    keep("letter_templates", templates)
    broken = post(
        office,
        f"{HOME}/letter-templates",
        {
            "name": "Congressional inquiry",
            "subject": "Inquiry",
            "body": "Dear {{ contact.name }},\n\n{{ case.colour }}",
            "requires_approval": "true",
        },
        form_page=f"{HOME}/letter-templates",
    )
    keep("letter_templates_refused", broken)
    saved = post(
        office,
        f"{HOME}/letter-templates",
        {"name": "Follow-up", "subject": "Follow-up", "body": "Dear {{ contact.name }},"},
        form_page=f"{HOME}/letter-templates",
    )
    settings = office.get(f"{HOME}/settings/liaison")
    keep("liaison_settings", settings)
    form = {
        "member_name": "Rep. Jordan Demo",
        "office_name": "Office of Rep. Jordan Demo",
        "address_lines": "1 Main Street\r\n\r\nSpringfield, IL 62701 ",
        "phone": "217-555-0100",
        "email": "casework@demo.example.gov",
        "holiday_country": "us",
        "holiday_subdivision": "",
        "mask_ssn": "true",
        "approval_roles": ["read_only", "caseworker"],
        "days_VA": "15",
        "basis_VA": "business",
        "days_SSA": "",
        "basis_SSA": "calendar",
    }
    stored = post(office, f"{HOME}/settings/liaison", form, form_page=f"{HOME}/settings/liaison")
    refused = post(
        office,
        f"{HOME}/settings/liaison",
        {**form, "days_VA": "0", "holiday_country": "USA"},
        form_page=f"{HOME}/settings/liaison",
    )
    keep("liaison_settings_refused", refused)
    scorecard = office.get(f"{HOME}/scorecard")
    keep("scorecard", scorecard)

    assert templates.status_code == 200, templates.text
    text = text_of(templates.text)
    assert "Congressional inquiry 2 (earlier: 1)" in text
    assert "Waiting for approval" in text
    assert "identifiers.ssn_last4" in text and "caseworker.name" in text
    assert broken.status_code == 422
    assert "line 3: unknown field 'case.colour'" in read_page(broken.text).alerts[0]
    assert '<a href="#f-body">Body</a>' in broken.text
    assert 'id="f-body-error"' in broken.text and 'aria-invalid="true"' in broken.text
    assert "{{ case.colour }}</textarea>" in broken.text
    assert saved.status_code == 303
    assert calls("save_template")[1][0] == {
        "office_id": OFFICE,
        "name": "Follow-up",
        "subject": "Follow-up",
        "body": "Dear {{ contact.name }},",
        "requires_approval": False,
    }

    assert settings.status_code == 200, settings.text
    assert 'value="Rep. Jordan Demo"' in settings.text
    assert "1 Main Street\nSpringfield, IL 62701</textarea>" in settings.text
    assert 'id="days-VA" name="days_VA" type="number" min="1" max="365" size="4" value="15"' in (
        settings.text
    )
    assert 'value="read_only" checked' in settings.text
    assert stored.status_code == 303
    assert calls("save_liaison_settings")[0][0] == {
        "office_id": OFFICE,
        "member_name": "Rep. Jordan Demo",
        "office_name": "Office of Rep. Jordan Demo",
        "address_lines": ["1 Main Street", "Springfield, IL 62701"],
        "phone": "217-555-0100",
        "email": "casework@demo.example.gov",
        "holiday_country": "US",
        "holiday_subdivision": None,
        "mask_ssn": True,
        "include_public_notes": False,
        "approval_roles": ["read_only", "caseworker"],
        "overrides": [{"agency_code": "VA", "response_days": 15, "day_basis": "business"}],
    }
    assert refused.status_code == 422
    alert = read_page(refused.text).alerts[0]
    assert "VA: days must be a whole number from 1 to 365" in alert
    assert "a two-letter country code" in alert
    assert len(calls("save_liaison_settings")) == 1

    assert scorecard.status_code == 200
    rows = read_page(scorecard.text).rows
    assert [
        "Social Security Administration (SSA)",
        "12",
        "9",
        "3",
        "3",
        "25%",
        "14 days",
        "27.5 days",
    ] in rows
    assert ["Department of Veterans Affairs (VA)", "0", "0", "0", "0", "—", "—", "—"] in rows

    # A caseworker reads templates and the scorecard; settings are the office admin's.
    office.log_in(CASEWORKER)
    assert office.get(f"{HOME}/settings/liaison").status_code == 403
    assert office.get(f"{HOME}/scorecard").status_code == 200
    read = office.get(f"{HOME}/letter-templates")
    assert read.status_code == 200 and "Save as a new version" not in read.text
    nav = read_page(office.get(f"{HOME}/scorecard").text)
    assert nav is not None


def test_the_platform_directory_and_who_reaches_which_page(office: Gateway) -> None:
    office.log_in(seed.PLATFORM_ADMIN_EMAIL, workplace=PLATFORM)
    page = office.get("/platform/agencies?edit=ssa")
    keep("platform_agencies", page)
    saved = post(
        office,
        "/platform/agencies",
        {
            "code": "ssa",
            "name": "Social Security Administration",
            "liaison_office": "Office of Legislation and Congressional Affairs",
            "website_url": "https://www.ssa.gov/",
            "response_days": "20",
            "day_basis": "calendar",
            "interim_every_days": "30",
            "signature": "any",
            "sole_recipient": "true",
            "valid_days": "",
            "active": "true",
        },
        form_page="/platform/agencies",
    )
    bad = post(
        office,
        "/platform/agencies",
        {"code": "s$a", "name": "X", "response_days": "0", "day_basis": "weeks"},
        form_page="/platform/agencies",
    )
    csv = office.get("/platform/agencies.csv")
    imported = post(
        office,
        "/platform/agencies/import",
        {},
        files={"file": ("agencies.csv", b"code,name\nSSA,x\n", "text/csv")},
        form_page="/platform/agencies",
    )
    office_page = office.get(f"{HOME}/agencies")

    assert page.status_code == 200, page.text
    assert "Edit Social Security Administration (SSA)" in text_of(page.text)
    assert 'value="Office of Congressional Affairs"' in page.text
    assert '<option value="calendar" selected>' in page.text
    assert 'href="/platform/agencies"' in page.text
    assert saved.status_code == 303
    assert calls("save_agency")[0] == (
        {
            "code": "SSA",
            "name": "Social Security Administration",
            "liaison_office": "Office of Legislation and Congressional Affairs",
            "website_url": "https://www.ssa.gov/",
            "response_days": 20,
            "day_basis": "calendar",
            "interim_every_days": 30,
            "signature": "any",
            "sole_recipient": True,
            "valid_days": None,
            "new_release_after_closure": False,
            "active": True,
        },
        "platform_admin",
    )
    assert bad.status_code == 422
    for field in ("f-code-error", "f-response_days-error", "f-day_basis-error"):
        assert f'id="{field}"' in bad.text
    assert csv.headers["Content-Disposition"].startswith('attachment; filename="agencies.csv"')
    assert csv.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert imported.status_code == 422
    assert ["2", "response_days", "a whole number"] in read_page(imported.text).rows
    assert office_page.status_code == 403

    # Office staff never reach the platform's page; another office's pages are not found.
    office.log_in(OFFICE_ADMIN)
    assert office.get("/platform/agencies").status_code == 403
    for path in ("agencies", "partners", "letter-templates", "scorecard", "settings/liaison"):
        assert office.get(f"/offices/rep-lopez/{path}").status_code == 404
    assert office.get("/offices/rep-lopez/cases/CW-2026-000004/letters/new").status_code == 404
    nav = office.get(f"{HOME}/agencies").text
    for link in ("approvals", "agencies", "partners", "letter-templates", "scorecard"):
        assert f'href="/offices/rep-demo/{link}"' in nav
    assert 'href="/offices/rep-demo/settings/liaison"' in nav


def test_without_agencies_the_case_page_says_so_and_the_pages_say_unavailable(
    demo_office: Gateway,
) -> None:
    demo_office.start(FakeIntake)
    demo_office.log_in(SUPERVISOR)

    page = demo_office.get(CASE)
    agencies = demo_office.get(f"{HOME}/agencies")
    keep("case_agencies_down", page)

    assert page.status_code == 200, page.text
    assert "Agency liaison is not answering right now" in panel_text(page.text)
    assert "/letters/new" not in page.text
    assert agencies.status_code == 503
    assert "agencies did not answer in time" in agencies.text


def test_the_letter_pdf_and_a_consent_refusal(office: Gateway) -> None:
    """Two short checks sharing one gateway container (each costs seconds to start)."""
    check_the_letter_pdf_downloads_as_an_attachment(office)
    check_the_referral_letter_downloads_and_only_from_its_case(office)
    check_a_consent_refusal_shows_its_reasons_and_remedy(office)
    check_approvals_for_supervisors_only(office)
