"""The release text editor driven in real headless Chromium, every page checked with axe-core
and screenshotted, as the workspace's scenarios in `tests/e2e/browser.py` are:
`python -m services.gateway.tests.release_text_browser release_text '<json arguments>'`.

Its own process, as theirs (Playwright's synchronous API does not work under eventlet); it
prints what it saw as JSON for `test_release_text_browser.py`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from tests.e2e.browser import Visit, run


def rows(visit: Visit, selector: str) -> list[str]:
    return [" ".join(row.split()) for row in visit.page.locator(selector).all_inner_texts()]


def release_text(visit: Visit, args: dict[str, Any]) -> None:
    """From the settings, the office admin rewrites the Spanish release: a misspelt
    placeholder is named beside the text, the preview shows the text as the constituent reads
    it, the text is saved as a new version, then reset to the default."""
    seen, page, office = visit.seen, visit.page, args["office"]
    visit.log_in(office, args["admin"], args["password"])
    visit.go(f"/offices/{office}/settings")
    page.click("a:has-text('read and change the release text')")
    seen["list_rows"] = [
        " ".join(row.split()) for row in page.locator("tbody tr").all_inner_texts()
    ]
    visit.check("release-text")
    page.click("a:has-text('Edit the release text in Spanish')")
    seen["editor_h1"] = visit.text("h1")
    seen["default_text"] = page.input_value("#f-text")
    visit.check("release-text-edit")
    page.fill("#f-text", args["misspelt"])
    page.click("button:text-is('Preview')")
    seen["problem"] = visit.text("#problems")
    seen["field_error"] = visit.text("#f-text-error")
    seen["invalid"] = page.get_attribute("#f-text", "aria-invalid")
    visit.check("release-text-problem")
    page.fill("#f-text", args["text"])
    page.click("button:text-is('Preview')")
    seen["preview"] = page.locator(".release-preview p").all_inner_texts()
    visit.check("release-text-preview")
    page.click("button:text-is('Save')")
    seen["saved"] = visit.text("[role=status]")
    seen["history_after_save"] = rows(visit, ".release-history tbody tr")
    page.click("summary:has-text('version v1')")
    seen["v1_text"] = page.locator(".release-history pre").first.inner_text()
    visit.check("release-text-saved")
    page.click("button:has-text('Reset to the default text')")
    seen["reset"] = visit.text("[role=status]")
    seen["text_after_reset"] = page.input_value("#f-text")
    seen["history_after_reset"] = rows(visit, ".release-history tbody tr")
    visit.check("release-text-reset")


SCENARIOS: dict[str, Callable[[Visit, dict[str, Any]], None]] = {"release_text": release_text}


if __name__ == "__main__":
    raise SystemExit(run(SCENARIOS, sys.argv[1], sys.argv[2]))
