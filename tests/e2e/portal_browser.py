"""The constituent portal driven in real headless Chromium, every page checked with axe-core:
`python -m tests.e2e.portal_browser SCENARIO '<json arguments>'`.

The staff scenarios' twin (`browser.py`, whose `Visit` and runner it uses): a scenario does
what a constituent would do, down to reading the one-time code in their own mailbox (the
Maildir the system's SMTP sink writes), and prints what it saw as JSON for `test_portal.py`.
"""

from __future__ import annotations

import mailbox
import re
import sys
import time
from collections.abc import Callable
from email.message import Message
from typing import Any

from tests.e2e.browser import DESKTOP, PHONE, Visit, run

# Where the one-time code sits in notify's email, in English and in Spanish:
# "your request K7QX-M2PD is 123456" / "su solicitud K7QX-M2PD es 123456".
CODE_SENTENCE = r"{tracking} (?:is|es) ([0-9]{{6}})\b"
MAIL_WAIT_SECONDS = 30.0

FOCUSED = """() => {
  const e = document.activeElement;
  return {
    id: e.id || '',
    class: e.className || '',
    tag: e.tagName.toLowerCase(),
    text: (e.innerText || '').trim(),
    outline: getComputedStyle(e).outlineStyle,
  };
}"""


def body_of(message: Message) -> str:
    payload = message.get_payload(decode=True)
    text = payload.decode(errors="replace") if isinstance(payload, bytes) else ""
    return " ".join(text.split())


def code_in_mailbox(maildir: str, tracking_code: str, since: float) -> str | None:
    """The newest one-time code mailed for this request since `since` (epoch seconds)."""
    sentence = re.compile(CODE_SENTENCE.format(tracking=re.escape(tracking_code)))
    found: list[tuple[float, str]] = []
    for message in mailbox.Maildir(maildir, create=False):
        match = sentence.search(body_of(message))
        if match and message.get_date() >= since:
            found.append((message.get_date(), match.group(1)))
    return max(found)[1] if found else None


def code_from_mail(maildir: str, tracking_code: str, since: float) -> str:
    deadline = time.monotonic() + MAIL_WAIT_SECONDS
    while time.monotonic() < deadline:
        code = code_in_mailbox(maildir, tracking_code, since)
        if code:
            return code
        time.sleep(0.2)
    raise AssertionError(f"no one-time code for {tracking_code} arrived in {maildir}")


# -- What a constituent does on the pages --------------------------------------------------------


def form_path(args: dict[str, Any]) -> str:
    return f"/o/{args['office']}/"


def status_path(args: dict[str, Any]) -> str:
    return f"/o/{args['office']}/status"


def page_language(visit: Visit) -> str:
    return visit.page.get_attribute("html", "lang") or ""


def check(visit: Visit, name: str, *, phone: bool = False) -> None:
    """axe-core, overflow and a screenshot of the page as it is (and at a phone's width), with
    the language the page declares."""
    visit.check(name)
    visit.seen.setdefault("lang", {})[name] = page_language(visit)
    visit.seen.setdefault("h1", {})[name] = visit.text("h1")
    if phone:
        visit.page.set_viewport_size(PHONE)
        visit.check(f"{name}-phone")
        visit.page.set_viewport_size(DESKTOP)


def fill_request(visit: Visit, person: dict[str, Any]) -> None:
    """The form's required answers (and an email to reach them by)."""
    page = visit.page
    page.fill("#first_name", person["first_name"])
    page.fill("#last_name", person["last_name"])
    page.fill("#email", person["email"])
    page.select_option("#category", person["category"])
    page.fill("#subject", person["subject"])
    page.fill("#description", person["description"])


def sign_release_on_form(visit: Visit, person: dict[str, Any], identifiers: dict[str, str]) -> None:
    page = visit.page
    page.click("details.release summary")
    page.check("#release_wanted")
    fill_release(visit, person, identifiers)


def fill_release(visit: Visit, person: dict[str, Any], identifiers: dict[str, str]) -> None:
    page = visit.page
    for agency in person["release_agencies"]:
        page.check(f"input[name=release_agencies][value={agency}]")
    for kind, value in identifiers.items():
        page.fill(f"#{kind}", value)
    page.fill("#signature_name", f"{person['first_name']} {person['last_name']}")
    page.check("#release_consent")


def send_form(visit: Visit) -> int:
    """Press the form's button; the status of the answer to the post (a 303 when it redirected
    to the next page, the page's own status otherwise)."""
    with visit.page.expect_navigation() as navigation:
        visit.page.click("main form button[type=submit]")
    landed = navigation.value
    if landed is None:
        raise AssertionError("the form's post answered nothing")
    posted = landed.request
    while posted.redirected_from is not None:
        posted = posted.redirected_from
    answer = posted.response()
    return answer.status if answer is not None else landed.status


def confirmation(visit: Visit) -> None:
    seen, page = visit.seen, visit.page
    seen["confirmation_url"] = page.url
    seen["tracking_code"] = visit.text(".tracking-code")
    seen["confirmation_text"] = " ".join(page.locator("main").inner_text().split())


def open_status(visit: Visit, args: dict[str, Any], shots: str | None = None) -> None:
    """From the status page's first step to the request, with the code from the mailbox."""
    page, seen, tracking = visit.page, visit.seen, args["tracking_code"]
    if page.url.split("?")[0] != visit.base + status_path(args):
        visit.go(f"{status_path(args)}?tracking={tracking}")
    seen["tracking_prefilled"] = page.input_value("#tracking_code")
    if shots:
        check(visit, f"{shots}-status-start", phone=True)
    asked_at = time.time() - 1  # the Maildir's clock is this machine's, to the second
    page.click("button[name=action][value=send_code]")
    seen["code_page_h1"] = visit.text("h1")
    if shots:
        check(visit, f"{shots}-status-code")
    seen["code"] = code_from_mail(args["maildir"], tracking, asked_at)
    page.fill("#code", seen["code"])
    page.click("button[name=action][value=verify_code]")
    seen["status_url"] = page.url


def status_facts(visit: Visit, prefix: str) -> None:
    seen, page = visit.seen, visit.page
    seen[f"{prefix}_state"] = visit.text("#status-title")
    seen[f"{prefix}_releases"] = [
        {
            "agencies": " ".join(card.locator("h3").inner_text().split()),
            "state": " ".join(card.locator(".state").inner_text().split()),
        }
        for card in page.locator(".release-card").all()
    ]
    notices = page.locator("main [role=status]").all_inner_texts()
    seen[f"{prefix}_notices"] = [" ".join(notice.split()) for notice in notices]


# -- Scenarios -----------------------------------------------------------------------------------


def submit_with_release(visit: Visit, args: dict[str, Any]) -> None:
    """A constituent fills in the form in English, attaches two documents and signs the privacy
    release on the form."""
    person, page = args["person"], visit.page
    visit.go(form_path(args))
    check(visit, "portal-submit-form")
    fill_request(visit, person)
    page.set_input_files("#attachments", args["documents"])
    sign_release_on_form(visit, person, args["identifiers"])
    check(visit, "portal-submit-form-filled")
    visit.seen["post_status"] = send_form(visit)
    confirmation(visit)
    check(visit, "portal-submit-confirmation")


def submit_in_spanish(visit: Visit, args: dict[str, Any]) -> None:
    """A constituent switches the form to Spanish with the link on the page and sends it."""
    seen, page = visit.seen, visit.page
    visit.go(form_path(args))
    seen["lang_before"] = page_language(visit)
    seen["switch_label"] = visit.text(".language-switch")
    page.click(".language-switch")
    seen["form_url"] = page.url
    seen["lang_after"] = page_language(visit)
    seen["form_h1"] = visit.text("h1")
    seen["subject_label"] = visit.text("label[for=subject]")
    seen["button"] = visit.text("main form button[type=submit]")
    seen["preferred_language"] = page.input_value("#preferred_language")
    check(visit, "portal-spanish-form", phone=True)
    fill_request(visit, args["person"])
    seen["post_status"] = send_form(visit)
    seen["confirmation_lang"] = page_language(visit)
    seen["confirmation_h1"] = visit.text("h1")
    confirmation(visit)
    check(visit, "portal-spanish-confirmation")


def tab_to(visit: Visit, stop: str, stops: list[str], limit: int = 60) -> dict[str, Any]:
    """Press Tab until the element named `stop` (its id, or `tag:text`) has the focus."""
    for _ in range(limit):
        visit.page.keyboard.press("Tab")
        focused: dict[str, Any] = visit.page.evaluate(FOCUSED)
        name = focused["id"] or f"{focused['tag']}:{focused['text']}"
        stops.append(name)
        if name == stop:
            return focused
    raise AssertionError(f"Tab never reached {stop}; the focus went through {stops}")


def keyboard_only(visit: Visit, args: dict[str, Any]) -> None:
    """The form filled in and sent with the keyboard alone: Tab, typing, Space, Enter."""
    seen, page, person = visit.seen, visit.page, args["person"]
    keys = page.keyboard
    visit.go(form_path(args))
    stops: list[str] = []
    keys.press("Tab")
    seen["first_stop"] = page.evaluate(FOCUSED)
    for field in ("first_name", "last_name", "email"):
        tab_to(visit, field, stops)
        keys.type(person[field])
    tab_to(visit, "category", stops)
    keys.type(person["category_label"])  # a closed list picks the option typed, as in a shop
    seen["category"] = page.input_value("#category")
    for field in ("subject", "description"):
        tab_to(visit, field, stops)
        keys.type(person[field])
    tab_to(visit, "urgent", stops)
    keys.press("Space")
    seen["urgent_checked"] = page.is_checked("#urgent")
    tab_to(visit, "urgency_reason", stops)
    keys.type(person["urgency_reason"])
    seen["button_focus"] = tab_to(visit, "button:Send my request", stops)
    seen["tab_stops"] = stops
    with page.expect_navigation():
        keys.press("Enter")
    confirmation(visit)
    check(visit, "portal-keyboard-confirmation")


def error_next_to_field(visit: Visit, args: dict[str, Any]) -> None:
    """The form sent without a subject, with an email that is not one, and with identifiers
    for a release: the errors at the top and beside their fields, the identifiers gone."""
    seen, page, person = visit.seen, visit.page, args["person"]
    visit.go(form_path(args))
    fill_request(visit, person)
    sign_release_on_form(visit, person, args["identifiers"])
    seen["post_status"] = send_form(visit)
    seen["title"] = page.title()
    seen["focused"] = page.evaluate(FOCUSED)
    summary = page.locator(".error-summary a")
    seen["summary"] = [
        {"href": link.get_attribute("href"), "text": " ".join(link.inner_text().split())}
        for link in summary.all()
    ]
    seen["fields"] = {}
    for field in args["invalid_fields"]:
        described = (page.get_attribute(f"#{field}", "aria-describedby") or "").split()
        seen["fields"][field] = {
            "aria_invalid": page.get_attribute(f"#{field}", "aria-invalid"),
            "described_by": described,
            "descriptions": [visit.text(f"#{ref}") for ref in described],
            "error_class": page.locator(f".field:has(#{field})").get_attribute("class"),
        }
    seen["kept"] = {
        field: page.input_value(f"#{field}")
        for field in ("first_name", "last_name", "email", "description", "signature_name")
    }
    seen["identifier_values"] = {kind: page.input_value(f"#{kind}") for kind in args["identifiers"]}
    html = page.content()
    seen["identifiers_in_page"] = [
        value
        for value in args["identifiers"].values()
        if value in html or value.replace("-", "") in html
    ]
    check(visit, "portal-error")
    page.click(".error-summary a[href='#subject']")
    seen["after_link"] = page.url
    page.set_viewport_size(PHONE)
    visit.check("portal-error-phone")
    page.set_viewport_size(DESKTOP)


def status_with_code(visit: Visit, args: dict[str, Any]) -> None:
    """The status page opened with the emailed code: the request, its state, the release, and
    the release's PDF copy."""
    seen, page = visit.seen, visit.page
    open_status(visit, args, shots="portal-code")
    seen["tracking_fact"] = visit.fact("Tracking code")
    seen["about"] = visit.fact("About")
    seen["reference"] = visit.fact("Our reference")
    seen["timeline"] = [" ".join(t.split()) for t in page.locator(".timeline li").all_inner_texts()]
    status_facts(visit, "status")
    check(visit, "portal-code-status", phone=True)
    href = page.get_attribute(".release-card a[href$='.pdf']", "href") or ""
    answer = page.request.get(visit.base + href)
    seen["pdf"] = {
        "status": answer.status,
        "type": answer.headers.get("content-type", ""),
        "disposition": answer.headers.get("content-disposition", ""),
        "starts": answer.body()[:5].decode("latin-1"),
    }


def revoke_release(visit: Visit, args: dict[str, Any]) -> None:
    """The constituent revokes their release from the status page, confirming on the next."""
    seen, page = visit.seen, visit.page
    open_status(visit, args)
    status_facts(visit, "before")
    page.click(".release-card form button[type=submit]")
    seen["confirm_url"] = page.url
    seen["confirm_facts"] = {
        "Agencies": visit.fact("Agencies"),
        "Signed on": visit.fact("Signed on"),
    }
    check(visit, "portal-revoke-confirm")
    page.click("main form button[type=submit]")
    seen["after_url"] = page.url
    status_facts(visit, "after")
    seen["revoke_buttons_after"] = page.locator(".release-card form").count()
    seen["card_facts_after"] = page.locator(".release-card dt").all_inner_texts()
    check(visit, "portal-revoke-done")


def every_page(visit: Visit, args: dict[str, Any]) -> None:
    """Every public page in one language, in the order a constituent meets them: the form, its
    errors, the confirmation, the status page's three steps, signing a release there, and
    revoking it."""
    seen, page, person, lang = visit.seen, visit.page, args["person"], args["lang"]
    shot = f"portal-{lang}"
    visit.go(f"{form_path(args)}?lang={lang}")
    check(visit, f"{shot}-form", phone=True)
    seen["empty_post_status"] = send_form(visit)
    check(visit, f"{shot}-form-errors")
    fill_request(visit, person)
    send_form(visit)
    confirmation(visit)
    check(visit, f"{shot}-confirmation", phone=True)
    page.click("main a.button")  # "Check the status of your request"
    open_status(visit, {**args, "tracking_code": seen["tracking_code"]}, shots=shot)
    check(visit, f"{shot}-status", phone=True)
    page.click("main a[href$='/release']")
    check(visit, f"{shot}-release", phone=True)
    fill_release(visit, person, {})
    send_form(visit)
    status_facts(visit, "signed")
    check(visit, f"{shot}-status-signed")
    page.click(".release-card form button[type=submit]")
    check(visit, f"{shot}-revoke")
    send_form(visit)
    status_facts(visit, "revoked")
    check(visit, f"{shot}-status-revoked")


def survey(visit: Visit, args: dict[str, Any]) -> None:
    """A closing email's survey link: the question, then the answer already given (clicking it
    again changes nothing), in English and in Spanish, at a phone's width too."""
    path = args["path"]
    for lang in ("en", "es"):
        visit.go(f"{path}?lang={lang}")
        check(visit, f"survey-{lang}-question", phone=True)
        visit.go(f"{path}?rating={args['rating']}&lang={lang}")
        check(visit, f"survey-{lang}-answered", phone=True)
        visit.seen.setdefault("notice", {})[lang] = visit.text("main [role=status]")


SCENARIOS: dict[str, Callable[[Visit, dict[str, Any]], None]] = {
    "submit_with_release": submit_with_release,
    "submit_in_spanish": submit_in_spanish,
    "keyboard_only": keyboard_only,
    "error_next_to_field": error_next_to_field,
    "status_with_code": status_with_code,
    "revoke_release": revoke_release,
    "every_page": every_page,
    "survey": survey,
}


if __name__ == "__main__":
    raise SystemExit(run(SCENARIOS, sys.argv[1], sys.argv[2], prefix="portal-"))
