"""Sending the documents a caseworker asked for, from the status page, in real headless Chromium
through the running system: `python -m tests.e2e.documents_browser send_requested_documents
'<json arguments>'`. The request is opened with the one-time code from the constituent's
mailbox (as `portal_browser.py` does); every page is checked with axe-core and screenshotted.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from tests.e2e.browser import Visit, run
from tests.e2e.portal_browser import check, open_status


def send_requested_documents(visit: Visit, args: dict[str, Any]) -> None:
    page, seen = visit.page, visit.seen
    open_status(visit, args)
    seen["needed"] = page.locator(".needed-box li").all_inner_texts()
    page.locator(".needed-box").screenshot(path=str(visit.shots / "e2e-documents-section.png"))
    check(visit, "e2e-documents-asked", phone=True)
    page.set_input_files("#attachments", [args["pdf"]])
    page.fill("#message", args["message"])
    with page.expect_navigation():
        page.click(".needed-box form button[type=submit]")
    seen["confirmation_url"] = page.url
    seen["received"] = page.locator(".received li").all_inner_texts()
    check(visit, "e2e-documents-sent", phone=True)
    page.click("a.button")
    seen["still_asked"] = page.locator(".needed-box").count()
    seen["timeline"] = " ".join(page.locator(".timeline").inner_text().split())


SCENARIOS: dict[str, Callable[[Visit, dict[str, Any]], None]] = {
    "send_requested_documents": send_requested_documents
}


if __name__ == "__main__":
    raise SystemExit(run(SCENARIOS, sys.argv[1], sys.argv[2], prefix="portal-"))
