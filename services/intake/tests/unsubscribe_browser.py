"""The unsubscribe page driven in real headless Chromium, every page checked with axe-core and
screenshotted (at a phone's width too), as the portal's scenarios in `tests/e2e/portal_browser.py`
are: `python -m services.intake.tests.unsubscribe_browser unsubscribe '<json arguments>'`.

Its own process, as theirs (Playwright's synchronous API does not work under eventlet); it
prints what it saw as JSON for `test_unsubscribe_browser.py`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from tests.e2e.browser import Visit, run
from tests.e2e.portal_browser import check


def notice(visit: Visit) -> str:
    return visit.text("main [role=status]")


def unsubscribe(visit: Visit, args: dict[str, Any]) -> None:
    """An email's unsubscribe link in each language: the question, email stopped with the
    button, started again with the other; and a link nobody was sent."""
    path, seen, page = args["path"], visit.seen, visit.page
    for lang in ("en", "es"):
        visit.go(f"{path}?lang={lang}")
        check(visit, f"unsubscribe-{lang}-ask", phone=True)
        seen.setdefault("button", {})[f"{lang}-ask"] = visit.text("main form button")
        page.click("main form button[name=action][value=stop]")
        check(visit, f"unsubscribe-{lang}-stopped", phone=True)
        seen.setdefault("notice", {})[f"{lang}-stopped"] = notice(visit)
        seen["button"][f"{lang}-stopped"] = visit.text("main form button")
        page.click("main form button[name=action][value=resume]")
        check(visit, f"unsubscribe-{lang}-resumed")
        seen["notice"][f"{lang}-resumed"] = notice(visit)
    visit.go(f"{args['unknown_path']}?lang=en")
    check(visit, "unsubscribe-en-unknown")


SCENARIOS: dict[str, Callable[[Visit, dict[str, Any]], None]] = {"unsubscribe": unsubscribe}


if __name__ == "__main__":
    raise SystemExit(run(SCENARIOS, sys.argv[1], sys.argv[2], prefix="portal-"))
