"""Sending the requested documents from the status page, driven in real headless Chromium,
every page checked with axe-core and screenshotted (at a phone's width too), as the portal's
scenarios in `tests/e2e/portal_browser.py` are:
`python -m services.intake.tests.documents_browser send_documents '<json arguments>'`.

Its own process (Playwright's synchronous API does not work under eventlet); it prints what it
saw as JSON for `test_documents_browser.py`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from tests.e2e.browser import Visit, run
from tests.e2e.portal_browser import check


def open_request(visit: Visit, office: str, tracking: str, last_name: str) -> None:
    """The status page's first step, then the last name and ZIP of a request without email."""
    page = visit.page
    visit.go(f"/o/{office}/status?tracking={tracking}")
    page.click("button[name=action][value=send_code]")
    page.fill("#last_name", last_name)
    page.fill("#postal_code", "62701")
    page.click("button[name=action][value=name_and_zip]")


def send_documents(visit: Visit, args: dict[str, Any]) -> None:
    """Each request (one English, one Spanish) opened in its own browser session: what the
    office asked for and the upload form, a file of the wrong type refused beside its field,
    then a PDF sent with a message and the confirmation listing it."""
    page, seen = visit.page, visit.seen
    for request in args["requests"]:
        lang, name = request["lang"], f"documents-{request['lang']}"
        page.context.clear_cookies()
        open_request(visit, args["office"], request["tracking"], request["last_name"])
        # all_inner_texts() reads what is there now: wait for the list to be rendered (the
        # first request, on a cold browser, was read as an empty list once).
        page.locator(".needed-box li").first.wait_for()
        seen.setdefault("needed", {})[lang] = page.locator(".needed-box li").all_inner_texts()
        page.locator(".needed-box").screenshot(path=str(visit.shots / f"{name}-section.png"))
        check(visit, f"{name}-asked", phone=True)
        page.set_input_files("#attachments", [args["wrong_file"]])
        seen.setdefault("refused_status", {})[lang] = send_form_in(visit, ".needed-box form")
        seen.setdefault("refused", {})[lang] = visit.text("#attachments-error-1")
        seen.setdefault("summary_link", {})[lang] = page.get_attribute(".error-summary a", "href")
        check(visit, f"{name}-refused")
        page.set_input_files("#attachments", [args["pdf"]])
        page.fill("#message", request["message"])
        seen.setdefault("sent_status", {})[lang] = send_form_in(visit, ".needed-box form")
        seen.setdefault("received", {})[lang] = page.locator(".received li").all_inner_texts()
        check(visit, f"{name}-sent", phone=True)
        page.click("a.button")
        seen.setdefault("timeline", {})[lang] = " ".join(
            page.locator(".timeline").inner_text().split()
        )
        seen.setdefault("still_asked", {})[lang] = page.locator(".needed-box").count()


def send_form_in(visit: Visit, form: str) -> int:
    """Press `form`'s button: the status of the answer to the post (a 303 when it redirected
    to the next page, the page's own status otherwise), as `portal_browser.send_form` does for
    the page's only form."""
    with visit.page.expect_navigation() as navigation:
        visit.page.click(f"{form} button[type=submit]")
    landed = navigation.value
    if landed is None:
        raise AssertionError("the form's post answered nothing")
    posted = landed.request
    while posted.redirected_from is not None:
        posted = posted.redirected_from
    answer = posted.response()
    return answer.status if answer is not None else landed.status


SCENARIOS: dict[str, Callable[[Visit, dict[str, Any]], None]] = {"send_documents": send_documents}


if __name__ == "__main__":
    raise SystemExit(run(SCENARIOS, sys.argv[1], sys.argv[2], prefix="portal-"))
