"""The staff app driven in real headless Chromium (Debian's, through Playwright), every page
checked with axe-core: `python -m tests.e2e.browser SCENARIO '<json arguments>'`.

Run as its own process because Playwright's synchronous API does not work under eventlet's
monkey-patching (which the pytest process needs for nameko). A scenario does what a person
would do and prints what it saw as JSON (texts, axe violations, page widths); the tests in
`test_workspace.py` assert on it. Screenshots go to the `shots` directory it is given.
"""

from __future__ import annotations

import base64
import json
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, ViewportSize, sync_playwright

CHROMIUM = "/usr/bin/chromium"
DESKTOP = ViewportSize(width=1280, height=900)
PHONE = ViewportSize(width=390, height=844)
AXE = Axe()


class Visit:
    """One person's browser: what they saw, page by page."""

    def __init__(self, page: Page, base: str, shots: Path) -> None:
        self.page = page
        self.base = base
        self.shots = shots
        self.seen: dict[str, Any] = {"axe": {}, "overflow": {}}

    def go(self, path: str) -> None:
        self.page.goto(self.base + path)

    def check(self, name: str) -> None:
        """axe-core on the page as it is now: serious and critical violations by rule; whether
        anything is wider than the window; a full-page screenshot."""
        results = AXE.run(self.page)
        self.seen["axe"][name] = sorted(
            f"{violation['id']}: {violation['help']}"
            for violation in results.response["violations"]
            if violation.get("impact") in ("serious", "critical")
        )
        self.seen["overflow"][name] = self.page.evaluate(
            "document.documentElement.scrollWidth > window.innerWidth"
        )
        self.page.screenshot(path=str(self.shots / f"{name}.png"), full_page=True)

    def log_in(self, workplace: str, email: str, password: str) -> None:
        self.go("/login")
        self.page.select_option("#workplace", workplace)
        self.page.fill("#email", email)
        self.page.fill("#password", password)
        self.page.click("button:has-text('Sign in')")

    def text(self, selector: str) -> str:
        return " ".join(self.page.locator(selector).first.inner_text().split())

    def fact(self, label: str) -> str:
        return self.text(f".facts div:has(dt:text-is('{label}')) dd")


def caseworker_flow(visit: Visit, args: dict[str, Any]) -> None:
    """A supervisor signs in, finds the new case, notes a call (which opens it), waits on the
    agency, hands it to a caseworker, closes it with an outcome and signs out."""
    seen, page, office = visit.seen, visit.page, args["office"]
    visit.go("/")
    seen["start"] = page.url
    visit.check("login")
    visit.log_in(office, args["supervisor"], args["password"])
    seen["after_login"] = page.url
    visit.check("my-cases")
    visit.go(f"/offices/{office}/cases/new")
    visit.check("new-case")
    page.check("#channel-walk_in")
    page.fill("#first_name", "Rosa")
    page.fill("#last_name", "Delgado")
    page.fill("#phone", "(555) 010-4477")
    page.select_option("#category", "passport")
    page.fill("#subject", "Passport renewal stuck before a family funeral")
    page.fill("#description", "Applied six weeks ago, flies to Manila on the 20th.")
    page.check("#urgent")
    page.click("button:has-text('Open the case')")
    seen["after_entry"] = page.url
    seen["entry_notice"] = visit.text("[role=status]")
    visit.check("unassigned")
    visit.go(f"/offices/{office}/cases")
    visit.check("queue")
    page.click(f"a:text-is('{args['reference']}')")
    seen["case_url"] = page.url
    seen["status_before"] = visit.fact("Status")
    visit.check("case")

    page.fill("#note-body", "Called Ms. Lopez: SSA asked her for a new bank form.")
    page.check("#kind-call")
    page.click("button:has-text('Add to timeline')")
    seen["after_note"] = visit.text("[role=status]")
    seen["status_after_note"] = visit.fact("Status")
    seen["latest_entry"] = visit.text(".timeline .entry")

    page.fill("#status-reason", "Inquiry sent to the SSA liaison")
    page.click("button[name=to][value=waiting_on_agency]")
    seen["status_after_inquiry"] = visit.fact("Status")

    page.select_option("#assignee-user", args["caseworker"])
    page.click("button:has-text('Reassign')")
    seen["assigned_after_reassign"] = visit.fact("Assigned to")

    page.select_option("#result", "favourable")
    page.check("#obtained-payment_released")
    page.fill("#amount", "1250.00")
    page.fill("#outcome-text", "Back payment released after the liaison escalated.")
    page.click("button:has-text('Close the case')")
    seen["status_after_close"] = visit.fact("Status")
    seen["outcome"] = visit.fact("Outcome")
    seen["timeline"] = page.locator(".timeline .entry-summary").all_inner_texts()
    visit.check("case-closed")

    page.set_viewport_size(PHONE)
    visit.check("case-phone")
    page.set_viewport_size(DESKTOP)
    visit.go(f"/offices/{office}/workload")
    visit.check("workload")
    seen["results"] = _results_when_closed(visit, office)
    visit.check("results")
    page.click("a.bell")
    seen["notifications_heading"] = visit.text("h1")
    visit.check("notifications")

    page.click("button:has-text('Sign out')")
    seen["after_logout"] = page.url
    visit.go(f"/offices/{office}/cases")
    seen["after_logout_queue"] = page.url


def intern_view(visit: Visit, args: dict[str, Any]) -> None:
    """An intern reads a case: no form to change it anywhere on the page."""
    visit.log_in(args["office"], args["intern"], args["password"])
    visit.go(f"/offices/{args['office']}/cases/{args['reference']}")
    visit.seen["forms"] = visit.page.locator("main form").count()
    visit.seen["notice"] = visit.text("main .notice")
    visit.check("case-intern")


def admin_pages(visit: Visit, args: dict[str, Any]) -> None:
    """The office admin's settings (with the case audit trail), then legislature IT's offices."""
    visit.log_in(args["office"], args["admin"], args["password"])
    visit.go(f"/offices/{args['office']}/settings")
    visit.seen["settings_h1"] = visit.text("h1")
    visit.check("settings")
    message_wording(visit, args["office"])
    visit.go(f"/offices/{args['office']}/settings")
    visit.page.click(f"a:has-text('Change {args['specialist_name']}')")
    visit.check("staff-member")
    visit.page.check("#specialty-veterans")
    visit.page.click("button:has-text('Save')")
    visit.seen["after_change"] = visit.text("[role=status]")
    visit.seen["specialist_row"] = " ".join(
        visit.page.locator("tbody tr", has_text=args["specialist_name"]).first.inner_text().split()
    )
    visit.go("/account")
    visit.check("account")
    visit.go(f"/offices/{args['office']}/cases/{args['reference']}")
    visit.seen["audit_rows"] = visit.page.locator(
        "section:has(#audit-heading) tbody tr"
    ).all_inner_texts()
    visit.check("case-admin")
    visit.go("/offices/rep-nobody/cases")
    visit.check("not-found")
    visit.go(f"/offices/{args['office']}/settings")
    visit.page.click("button:has-text('Sign out')")
    visit.log_in(args["platform"], args["platform_admin"], args["password"])
    visit.seen["platform_url"] = visit.page.url
    visit.check("offices")
    visit.go("/platform/health")
    visit.seen["health"] = [
        " ".join(row.split())
        for row in visit.page.locator("table").first.locator("tbody tr").all_inner_texts()
    ]
    visit.check("platform-health")


def message_wording(visit: Visit, office: str) -> None:
    """From the settings, the office admin rewords the public note's email: a mistake is
    named, the preview shows the sample constituent's email, and the wording is saved."""
    visit.page.click("a:has-text('read and change their wording')")
    visit.check("message-wording")
    visit.page.click("a:has-text('Edit Public note in English')")
    visit.seen["wording_default_subject"] = visit.page.input_value("#f-subject")
    visit.check("message-wording-edit")
    visit.page.fill("#f-subject", "Update from {{ ofice_name }}")
    visit.page.click("button:has-text('Preview')")
    visit.seen["wording_problem"] = visit.text("#problems")
    visit.check("message-wording-problem")
    visit.page.fill("#f-subject", "Update from {{ office_name }} ({{ tracking_code }})")
    visit.page.click("button:has-text('Preview')")
    visit.seen["wording_preview"] = visit.text(".email-preview")
    visit.check("message-wording-preview")
    visit.page.click("button:text-is('Save')")
    visit.seen["wording_saved"] = visit.text("[role=status]")
    visit.go(f"/offices/{office}/settings/messages")
    visit.seen["wording_row"] = " ".join(
        visit.page.locator("tbody tr", has_text="Public note").first.inner_text().split()
    )


def liaison_flow(visit: Visit, args: dict[str, Any]) -> None:
    """A caseworker writes to the SSA liaison from the case page: previews the letter (the SSN
    masked), saves it, sends it by email, then logs the agency's final reply; the office's
    directory pages and the scorecard on the way."""
    seen, page, office = visit.seen, visit.page, args["office"]
    case_path = f"/offices/{office}/cases/{args['reference']}"
    visit.log_in(office, args["caseworker"], args["password"])
    visit.go(case_path)
    seen["consent"] = page.locator(".consent li").all_inner_texts()
    visit.check("case-agencies")
    page.click("a:has-text('Write to an agency')")
    page.select_option("#f-agency_code", "SSA")
    page.select_option("#f-contact_id", label=args["contact_label"])
    page.select_option("#f-template_id", label="Congressional inquiry (version 1)")
    page.fill("#f-extra_text", "Her SSN is 123-45-6789; she needs the benefit before winter.")
    page.click("button[value=preview]")
    seen["preview"] = page.locator(".letter-text").inner_text()
    seen["redacted"] = visit.text(".letter-preview .facts div:has(dt:text-is('Redacted')) dd")
    visit.check("letter-preview")
    page.click("button[value=save]")
    seen["after_save"] = page.url
    seen["saved_notice"] = visit.text("[role=status]")
    page.select_option("#channel-1", "email")
    page.click("button:has-text('Mark as sent')")
    seen["sent_notice"] = visit.text("[role=status]")
    seen["due"] = visit.text(".inquiry .explanation")
    visit.check("letter-sent")
    seen["status_after_send"] = _status_when(visit, "Waiting on agency")
    page.click("summary:has-text('Log a reply')")
    page.check("#reply-final-1")
    page.fill("#reply-text-1", "SSA reinstated the benefit; payment on the 3rd.")
    page.click("button:has-text('Log the reply')")
    seen["reply_notice"] = visit.text("[role=status]")
    seen["status_after_reply"] = _status_when(visit, "Open")
    seen["timeline"] = page.locator(".timeline .entry-summary").all_inner_texts()
    visit.check("letter-answered")
    page.click("summary:has-text('Refer to a partner')")
    page.select_option("#refer-partner", label="Valley Legal Aid (Legal aid)")
    page.fill("#refer-note", "Landlord threatens eviction; SSN 123-45-6789 on file.")
    page.check("#refer-letter")
    page.click("button:has-text('Refer')")
    seen["referral_notice"] = visit.text("[role=status]")
    seen["referrals"] = page.locator(".referrals li").all_inner_texts()
    visit.check("case-referred")
    href = page.locator(".referrals a:has-text('Referral letter')").first.get_attribute("href")
    letter = page.context.request.get(visit.base + str(href))
    seen["referral_letter"] = {
        "status": letter.status,
        "content_type": letter.headers.get("content-type"),
        "base64": base64.b64encode(letter.body()).decode("ascii"),
    }
    for name in ("agencies", "partners", "letter-templates", "scorecard"):
        visit.go(f"/offices/{office}/{name}")
        visit.check(f"liaison-{name}")
    seen["scorecard"] = page.locator("table tbody tr").all_inner_texts()


def _results_when_closed(visit: Visit, office: str, attempts: int = 50) -> str:
    """The Results page's summary once metrics has heard of a closed case (its event crosses
    the broker after the page that closed it)."""
    summary = ""
    for _ in range(attempts):
        visit.go(f"/offices/{office}/results")
        summary = visit.text(".counts")
        if not summary.startswith("Cases closed 0"):
            break
        visit.page.wait_for_timeout(200)
    return summary


def _status_when(visit: Visit, expected: str, attempts: int = 50) -> str:
    """The case's status once cases has heard agencies' event (reloading, as a person
    would); what it last said when it never came."""
    status = visit.fact("Status")
    for _ in range(attempts):
        if status == expected:
            break
        visit.page.wait_for_timeout(200)
        visit.page.reload()
        status = visit.fact("Status")
    return status


Scenario = Callable[[Visit, dict[str, Any]], None]

SCENARIOS: dict[str, Scenario] = {
    "caseworker_flow": caseworker_flow,
    "intern_view": intern_view,
    "admin_pages": admin_pages,
    "liaison_flow": liaison_flow,
}


def run(scenarios: Mapping[str, Scenario], name: str, arguments: str, *, prefix: str = "") -> int:
    """Run one of `scenarios` in a fresh headless Chromium and print what it saw as JSON; a
    scenario that fails leaves `<prefix><name>-failed.png` and says where it stopped."""
    args = json.loads(arguments)
    shots = Path(args["shots"])
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_context(viewport=DESKTOP).new_page()
            page.set_default_timeout(15_000)
            visit = Visit(page, args["base"], shots)
            try:
                scenarios[name](visit, args)
            except Exception as exc:
                page.screenshot(path=str(shots / f"{prefix}{name}-failed.png"), full_page=True)
                visit.seen["error"] = f"{type(exc).__name__}: {exc}"
                visit.seen["failed_at"] = page.url
            print(json.dumps(visit.seen))
        finally:
            browser.close()
    return 0


def main(name: str, arguments: str) -> int:
    return run(SCENARIOS, name, arguments)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1], sys.argv[2]))
