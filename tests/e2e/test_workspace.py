"""The caseworkers' workspace through the whole running system (every service its own process,
both databases): a case worked in real headless Chromium from login to closing, every page
checked with axe-core, and the walls around it over HTTP: roles, offices, CSRF, lockout."""

from __future__ import annotations

import base64
import io
import json
import re
import subprocess
import sys
from typing import Any

import pytest
import requests
from pypdf import PdfReader

from services.gateway.tests.support import SUPERVISOR, log_in
from tests.e2e.system import DEMO_OFFICE, ROOT, System
from tests.e2e.test_flow import case_for, case_takers_known

pytestmark = pytest.mark.e2e

PASSWORD = "casework-demo"  # the demo seed's (services/gateway/seed.py)
ADMIN = "renee.okafor@demo.example.gov"
SAM = "sam.rivera@demo.example.gov"
INTERN = "taylor.nguyen@demo.example.gov"
IT = "it@legislature.example.gov"
LOPEZ = "rep-lopez"
LOPEZ_CASEWORKER = "ana@lopez.example.gov"
SHOTS = ROOT / "var" / "screenshots"


def browse(system: System, scenario: str, **args: Any) -> dict[str, Any]:
    arguments = {"base": system.url("gateway"), "password": PASSWORD, "shots": str(SHOTS), **args}
    done = subprocess.run(
        [sys.executable, "-m", "tests.e2e.browser", scenario, json.dumps(arguments)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert "error" not in seen, (
        f"{seen['error']} at {seen.get('failed_at')} (screenshot: {SHOTS}/{scenario}-failed.png)"
        f"\n{seen}\n{system.log_tail('gateway')}"
    )
    return seen


def no_serious_violations(seen: dict[str, Any]) -> None:
    assert {page: rules for page, rules in seen["axe"].items() if rules} == {}
    assert {page for page, wide in seen["overflow"].items() if wide} == set()


@pytest.fixture(scope="module")
def new_case(running_system: System) -> str:
    """A fresh case of the demo office, opened and assigned by the running system."""
    system = running_system
    system.wait_for(lambda: case_takers_known(system), 30, "cases never learned the demo staff")
    response = system.submit(
        901, category="social_security", subject="Retirement benefit stopped in October"
    )
    assert response.status_code == 202, response.text
    submission = response.json()["submission_id"]
    case = system.wait_for(lambda: case_for(system, submission), 30, "no case opened")
    return str(case.reference)


@pytest.fixture(scope="module")
def lopez_token(running_system: System) -> str:
    """A second office with a caseworker who has a password and an API token."""
    system = running_system
    admin = ("-m", "services.gateway.admin")
    system.run_python(
        *admin, "add-office", LOPEZ, "--name", "Office of Rep. Ana Lopez", "--reply-to",
        "casework@lopez.example.gov",
    )  # fmt: skip
    system.run_python(
        *admin, "add-staff", LOPEZ, "--name", "Ana Reyes", "--email", LOPEZ_CASEWORKER,
        "--role", "caseworker",
    )  # fmt: skip
    system.run_python(
        *admin, "set-password", LOPEZ, LOPEZ_CASEWORKER, "--password-stdin", stdin=PASSWORD
    )
    return system.run_python(*admin, "issue-token", LOPEZ, LOPEZ_CASEWORKER).strip()


def token_for(system: System, email: str) -> str:
    return system.run_python(
        "-m", "services.gateway.admin", "issue-token", DEMO_OFFICE, email
    ).strip()


def api(system: System, method: str, path: str, token: str | None, **kwargs: Any) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.request(
        method,
        system.url("gateway", f"/api/v1/offices/{DEMO_OFFICE}/cases{path}"),
        headers=headers,
        timeout=15,
        **kwargs,
    )


def test_a_supervisor_works_a_case_from_login_to_closing_in_a_real_browser(
    running_system: System, new_case: str
) -> None:
    seen = browse(
        running_system,
        "caseworker_flow",
        office=DEMO_OFFICE,
        reference=new_case,
        supervisor=SUPERVISOR,
        caseworker=SAM,
    )

    assert seen["start"].endswith("/login")
    assert "/unassigned?received=" in seen["after_entry"]
    assert "Request received with tracking code" in seen["entry_notice"]
    assert seen["after_login"].endswith(f"/offices/{DEMO_OFFICE}/my-cases")
    assert seen["case_url"].endswith(f"/cases/{new_case}")
    assert seen["status_before"] == "New"
    assert seen["after_note"] == "Call logged."
    # Someone looked: the note opened the case.
    assert seen["status_after_note"] == "Open"
    assert "SSA asked her for a new bank form" in seen["latest_entry"]
    assert seen["status_after_inquiry"] == "Waiting on agency"
    assert seen["assigned_after_reassign"] == "Sam Rivera"
    assert seen["status_after_close"] == "Closed"
    assert seen["outcome"].startswith("Favourable: Payment released; 1250.00 USD recovered")
    assert seen["results"].startswith("Cases closed") and "Cases closed 0" not in seen["results"]
    assert seen["notifications_heading"] == "Notifications"  # the bell in the header
    assert seen["after_logout"].endswith("/login")
    assert "/login?next=" in seen["after_logout_queue"]
    no_serious_violations(seen)


@pytest.mark.postgresql_only
def test_an_intern_reads_a_case_but_has_nothing_to_change_it_with(
    running_system: System, new_case: str
) -> None:
    seen = browse(
        running_system, "intern_view", office=DEMO_OFFICE, reference=new_case, intern=INTERN
    )

    assert seen["forms"] == 0
    assert "your role does not change cases" in seen["notice"]
    no_serious_violations(seen)


@pytest.mark.postgresql_only
def test_the_office_admin_and_legislature_it_pages(running_system: System, new_case: str) -> None:
    seen = browse(
        running_system,
        "admin_pages",
        office=DEMO_OFFICE,
        reference=new_case,
        admin=ADMIN,
        platform="~platform",
        platform_admin=IT,
        specialist_name="Dana Whitfield",
    )

    assert seen["settings_h1"] == "Office settings"
    # The public note's email, reworded by the office admin with a preview, is sent so.
    assert seen["wording_default_subject"].startswith("An update on your request")
    assert "{{ ofice_name }} is not a field of this message" in seen["wording_problem"]
    assert "Update from " in seen["wording_preview"] and "María López" in seen["wording_preview"]
    assert seen["wording_saved"].startswith("Saved.")
    assert "Office's own" in seen["wording_row"] and "Default" in seen["wording_row"]
    note = api(
        running_system,
        "POST",
        f"/{new_case}/notes",
        token_for(running_system, SUPERVISOR),
        json={"body": "The passport office has your forms.", "visibility": "public"},
    )
    assert note.status_code == 201, note.text

    def reworded() -> list[Any]:
        return [m for m in running_system.emails() if str(m["Subject"]).startswith("Update from ")]

    [email] = running_system.wait_for(reworded, 30, "the reworded public note was never mailed")
    assert "The passport office has your forms." in email.get_payload(decode=True).decode()
    assert seen["after_change"].startswith("Saved.")
    assert "Veterans" in seen["specialist_row"]
    # The admin's own reading of the case is on its trail, by name, as the page shows it.
    assert any("Renee Okafor" in row and "case.viewed" in row for row in seen["audit_rows"])
    assert seen["platform_url"].endswith("/platform/offices")
    # Every service of the running system consumes its events; nothing is dead-lettered.
    assert [row.split()[:2] for row in seen["health"]] == [
        [service, "Yes"] for service in ("agencies", "cases", "intake", "metrics", "notify")
    ]
    no_serious_violations(seen)


def open_case(system: System, n: int) -> str:
    system.wait_for(lambda: case_takers_known(system), 30, "cases never learned the demo staff")
    response = system.submit(n, category="passport", subject=f"Passport for a funeral abroad ({n})")
    assert response.status_code == 202, response.text
    submission = response.json()["submission_id"]
    return str(system.wait_for(lambda: case_for(system, submission), 30, "no case").reference)


def test_the_api_works_a_case_and_refuses_what_the_lifecycle_does_not_allow(
    running_system: System,
) -> None:
    system = running_system
    token = token_for(system, SAM)
    reference = open_case(system, 902)

    case = api(system, "GET", f"/{reference}", token)
    assert case.status_code == 200, case.text
    assert (case.json()["reference"], case.json()["status"]) == (reference, "new")
    assert api(system, "POST", f"/{reference}/transitions", token, json={"to": "reopened"}).json()[
        "error"
    ]["fields"]["allowed"] == [
        "open",
        "waiting_on_agency",
        "waiting_on_constituent",
        "resolved",
        "closed",
        "withdrawn",
        "transferred",
    ]
    no_outcome = api(system, "POST", f"/{reference}/transitions", token, json={"to": "closed"})
    assert no_outcome.status_code == 422
    assert "outcome" in no_outcome.json()["error"]["fields"]
    closing = {
        "to": "closed",
        "reason": "Passport issued",
        "outcome": {
            "result": "favourable",
            "obtained": ["document_issued"],
            "money": {"amount": "130.00", "currency": "USD"},
        },
    }
    closed = api(system, "POST", f"/{reference}/transitions", token, json=closing)
    assert closed.status_code == 200, closed.text
    assert closed.json()["outcome"]["amount_minor"] == 13000
    illegal = api(system, "POST", f"/{reference}/transitions", token, json={"to": "resolved"})
    assert illegal.status_code == 409, illegal.text
    assert illegal.json()["error"]["fields"]["allowed"] == ["reopened"]
    reopened = api(system, "POST", f"/{reference}/transitions", token, json={"to": "reopened"})
    assert reopened.status_code == 200 and reopened.json()["status"] == "open"
    new_case = reference

    note = api(
        system,
        "POST",
        f"/{new_case}/notes",
        token,
        json={"body": "Left a voicemail", "kind": "call"},
    )
    assert note.status_code == 201
    assert note.json()["timeline"][-1]["body"] == "Left a voicemail"
    patched = api(
        system, "PATCH", f"/{new_case}", token, json={"priority": "urgent", "tags": ["ssa"]}
    )
    assert patched.status_code == 200
    assert (patched.json()["priority"], patched.json()["tags"]) == ("urgent", ["ssa"])
    listed = api(system, "GET", "", token, params={"tag": "ssa", "priority": "urgent"})
    assert [c["reference"] for c in listed.json()["cases"]] == [new_case]
    bad = api(system, "POST", f"/{new_case}/notes", token, json={"body": "", "colour": "red"})
    assert bad.status_code == 422
    assert set(bad.json()["error"]["fields"]) == {"body", "colour"}


def test_a_request_for_documents_reaches_the_constituent_once_and_their_status_page(
    running_system: System,
) -> None:
    system = running_system
    token = token_for(system, SAM)
    reference = open_case(system, 903)

    asked = api(
        system,
        "POST",
        f"/{reference}/document-requests",
        token,
        json={"documents": ["Passport photo", "Death certificate"], "note": "Scans are fine."},
    )

    assert asked.status_code == 201, asked.text
    assert asked.json()["status"] == "waiting_on_constituent"
    address = "constituent903@example.org"

    def to_constituent() -> list[Any]:
        return [m for m in system.emails() if address in str(m["To"])]

    def asked_for_documents() -> list[Any]:
        return [
            m
            for m in to_constituent()
            if str(m["Subject"]).startswith("Please send us some documents")
        ]

    [email] = system.wait_for(asked_for_documents, 30, "the request was never mailed")
    body = email.get_payload(decode=True).decode()
    assert "- Passport photo\n- Death certificate" in body and "Scans are fine." in body
    # Intake's status page has the list (its projection of the same event).
    documents = system.wait_for(
        lambda: system.query(
            "intake", "SELECT documents FROM public_updates WHERE documents IS NOT NULL"
        ),
        30,
        "intake never projected the request",
    )
    assert "Passport photo\nDeath certificate" in [row.documents for row in documents]

    # The move to waiting_on_constituent it made is not mailed as well: once the case's
    # message log has settled, the constituent got the acknowledgement and this request.
    def sent_kinds() -> list[str]:
        kinds = [
            row.kind
            for row in system.query(
                "notify",
                "SELECT kind FROM deliveries WHERE status = 'sent' AND case_id = "
                "(SELECT case_id FROM deliveries WHERE kind = 'documents_request' LIMIT 1)",
            )
        ]
        return kinds if "documents_request" in kinds else []

    kinds = system.wait_for(sent_kinds, 30, "notify never recorded the request as sent")
    assert sorted(kinds) == ["acknowledgement", "documents_request"]
    assert all(not str(m["Subject"]).startswith("We need something") for m in to_constituent())


def test_an_intern_token_reads_but_cases_refuses_its_writes(
    running_system: System, new_case: str
) -> None:
    token = token_for(running_system, INTERN)

    assert api(running_system, "GET", f"/{new_case}", token).status_code == 200
    write = api(running_system, "POST", f"/{new_case}/notes", token, json={"body": "hello"})

    assert write.status_code == 403, write.text
    assert write.json()["error"]["code"] == "forbidden"


def test_another_offices_staff_get_404_for_this_offices_case_by_url_and_api(
    running_system: System, new_case: str, lopez_token: str
) -> None:
    system = running_system
    by_api = api(system, "GET", f"/{new_case}", lopez_token)
    listing = api(system, "GET", "", lopez_token)
    browser = log_in(system.url("gateway"), LOPEZ_CASEWORKER, workplace=LOPEZ)
    by_url = browser.get(
        system.url("gateway", f"/offices/{DEMO_OFFICE}/cases/{new_case}"), timeout=10
    )
    own_queue = browser.get(system.url("gateway", f"/offices/{LOPEZ}/cases"), timeout=10)

    assert (by_api.status_code, listing.status_code, by_url.status_code) == (404, 404, 404)
    assert by_api.json()["error"]["code"] == "not_found"
    assert own_queue.status_code == 200 and new_case not in own_queue.text


@pytest.mark.postgresql_only
def test_without_credentials_the_api_answers_401_and_describes_itself(
    running_system: System,
) -> None:
    system = running_system
    anonymous = api(system, "GET", "", None)
    forged = api(system, "GET", "", "cwt_rep-demo.not-a-token")
    document = requests.get(system.url("gateway", "/api/v1/openapi.json"), timeout=10)

    assert anonymous.status_code == 401 and forged.status_code == 401
    assert anonymous.json()["error"]["code"] == "unauthorized"
    assert document.status_code == 200
    paths = document.json()["paths"]
    assert "/api/v1/offices/{office}/cases/{reference}/transitions" in paths
    assert (
        "409"
        in paths["/api/v1/offices/{office}/cases/{reference}/transitions"]["post"]["responses"]
    )


@pytest.mark.postgresql_only
def test_a_form_posted_without_its_csrf_token_is_refused(
    running_system: System, new_case: str
) -> None:
    system = running_system
    browser = log_in(system.url("gateway"), SUPERVISOR)
    path = f"/offices/{DEMO_OFFICE}/cases/{new_case}/notes"

    forged = browser.post(system.url("gateway", path), data={"body": "forged"}, timeout=10)
    wrong = browser.post(
        system.url("gateway", path), data={"body": "forged", "csrf_token": "0" * 64}, timeout=10
    )

    assert (forged.status_code, wrong.status_code) == (403, 403)
    case = api(system, "GET", f"/{new_case}", token_for(system, SAM)).json()
    assert all(entry.get("body") != "forged" for entry in case["timeline"])


@pytest.mark.postgresql_only
def test_an_account_locks_after_five_failed_logins(running_system: System) -> None:
    system = running_system
    session = requests.Session()
    answers = []
    for _ in range(6):
        form = session.get(system.url("gateway", "/login"), timeout=10)
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token
        answers.append(
            session.post(
                system.url("gateway", "/login"),
                data={
                    "csrf_token": token.group(1),
                    "workplace": DEMO_OFFICE,
                    "email": "dana.whitfield@demo.example.gov",
                    "password": "guessing-again",
                },
                timeout=10,
                allow_redirects=False,
            )
        )

    assert [a.status_code for a in answers] == [401] * 6
    assert "do not match" in answers[0].text
    assert "locked" in answers[4].text and "locked" in answers[5].text
    locked = system.query(
        "gateway",
        "SELECT count(*) FROM audit_log WHERE action = 'login.locked'",
    )
    assert int(locked[0][0]) == 1


def letter_to(system: System, address: str) -> Any:
    for message in system.emails():
        if address in str(message["To"]):
            return message
    return None


def test_a_caseworker_writes_to_the_agency_sends_the_letter_and_logs_its_reply(
    running_system: System,
) -> None:
    """Write, preview, send, reply in Chromium: the consent gate reads the release the
    constituent signed online, the letter goes by email to the liaison contact with the
    release attached, and every step reaches the case."""
    system = running_system
    system.run_python("-m", "services.agencies.seed")  # letterhead, contacts, partners
    system.wait_for(lambda: case_takers_known(system), 30, "cases never learned the demo staff")
    response = system.submit(
        903,
        category="social_security",
        agency="SSA",
        subject="Disability benefit stopped in October",
        description="My payments stopped; my SSN is 123-45-6789.",
        privacy_release={
            "signed": True,
            "signature_name": "Test Constituent903",
            "agencies": ["SSA"],
            "identifiers": {"ssn": "123-45-6789", "date_of_birth": "1958-04-02"},
        },
    )
    assert response.status_code == 202, response.text
    submission = response.json()["submission_id"]
    case = system.wait_for(lambda: case_for(system, submission), 30, "no case opened")
    system.wait_for(
        lambda: system.query(
            "agencies", "SELECT 1 FROM privacy_releases WHERE submission_id = :s", s=submission
        ),
        30,
        "agencies never heard of the release",
    )

    seen = browse(
        system,
        "liaison_flow",
        office=DEMO_OFFICE,
        reference=case.reference,
        caseworker=SAM,
        contact_label="Patricia Holmes — Disability (DDS) (ssa.liaison@example.gov)",
    )

    assert seen["consent"][0].startswith("SSA: may be written to")
    # The preview is exactly what goes: the SSN masked, in the template and in free text.
    assert "123-45-6789" not in seen["preview"]
    assert "Social Security number: XXX-XX-6789" in seen["preview"]
    assert "Dear Patricia Holmes," in seen["preview"]
    assert "Sam Rivera of my staff" in seen["preview"]
    assert seen["redacted"] == "SSN masked to its last four"
    assert seen["sent_notice"].startswith("Letter emailed to the agency")
    assert re.match(r"due \d+ \w+: 20 calendar days from \d+ \w+", seen["due"]), seen["due"]
    assert seen["status_after_send"] == "Waiting on agency"
    assert seen["status_after_reply"] == "Open"
    assert any(
        entry.startswith("Letter sent to Social Security Administration by email; reply due")
        for entry in seen["timeline"]
    )
    assert any(entry.startswith("Final reply from SSA logged") for entry in seen["timeline"])
    assert seen["scorecard"][0].split("\t")[:3] == [
        "Social Security Administration (SSA)",
        "1",
        "1",
    ]
    no_serious_violations(seen)
    # The referral to a partner, with its letter: the constituent's name and how to reach
    # them from intake, the note's SSN masked, no identifiers.
    assert seen["referral_notice"].startswith("Case referred to the partner organisation")
    assert seen["referrals"][0].startswith("Valley Legal Aid")
    referral = seen["referral_letter"]
    assert (referral["status"], referral["content_type"]) == (200, "application/pdf")
    referral_text = " ".join(
        page.extract_text()
        for page in PdfReader(io.BytesIO(base64.b64decode(referral["base64"]))).pages
    )
    assert "Referral of Test Constituent903" in referral_text
    assert "Dear colleagues at Valley Legal Aid" in referral_text
    assert "SSN XXX-XX-6789" in referral_text and "123-45-6789" not in referral_text
    assert "1958-04-02" not in referral_text

    # The letter reached the liaison's mailbox over SMTP: the letter (with the release
    # appended) and the release on its own, as PDFs; the SSN masked there too.
    message = system.wait_for(
        lambda: letter_to(system, "ssa.liaison@example.gov"), 30, "no letter was mailed"
    )
    assert "Congressional inquiry on behalf of Test Constituent903" in message["Subject"]
    attachments = {
        part.get_filename(): part.get_payload(decode=True)
        for part in message.walk()
        if part.get_filename()
    }
    letter_name = f"{case.reference}-SSA-letter.pdf"
    assert set(attachments) == {letter_name, next(n for n in attachments if "release" in n)}
    letter = PdfReader(io.BytesIO(attachments[letter_name]))
    text = " ".join(" ".join(page.extract_text().split()) for page in letter.pages)
    assert "Social Security number: XXX-XX-6789" in text
    assert "123-45-6789" not in text
    assert "Privacy Act Release" in text  # the signed release, appended
