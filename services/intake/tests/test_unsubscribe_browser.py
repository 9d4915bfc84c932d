"""The unsubscribe page in real headless Chromium with axe-core, in English and Spanish and at a
phone's width, served by a real intake-web process (`python -m services.intake.portal`) on the
test database: what a constituent sees when they follow the link in an email, stop email with
the button and start it again. Screenshots go to `var/screenshots/unsubscribe-*.png`, beside
the portal's end-to-end ones."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from services.chassis.testing import free_port, wait_until
from services.intake.tests.support import SECRET, Portal, outbox_payloads, rows
from services.intake.tests.test_unsubscribe import TOKEN, constituent_with_link, link_url

ROOT = Path(__file__).resolve().parents[3]
SHOTS = ROOT / "var" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no Chromium to drive")


@pytest.fixture
def intake_web(portal: Portal, tmp_path: Path) -> Iterator[str]:
    """intake-web as it is run, on the test's database (its URL is in the environment): its
    base URL. No broker: its relay leaves the events it finds in the outbox."""
    address = f"127.0.0.1:{free_port()}"
    environment = {
        **os.environ,
        "CASEWORK_INTAKE_WEB_ADDRESS": address,
        "CASEWORK_INTAKE_SECRET_KEY": SECRET,
        "CASEWORK_INTAKE_RATELIMIT_ENABLED": "false",
        "CASEWORK_AMQP_URI": "amqp://guest:guest@127.0.0.1:1/",
        "CASEWORK_OUTBOX_INTERVAL_SECONDS": "3600",
        "PYTHONUNBUFFERED": "1",
    }
    log = tmp_path / "intake-web.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "services.intake.portal"],
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://{address}"

    def ready() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"intake-web exited:\n{log.read_text()}")
        try:
            return requests.get(f"{base}/ready", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    try:
        wait_until(ready, timeout=60, message="intake-web never became ready")
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def browse(base: str, **args: Any) -> dict[str, Any]:
    arguments = {"base": base, "shots": str(SHOTS), **args}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "services.intake.tests.unsubscribe_browser",
            "unsubscribe",
            json.dumps(arguments),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert "error" not in seen, (
        f"{seen['error']} at {seen.get('failed_at')} "
        f"(screenshot: {SHOTS}/portal-unsubscribe-failed.png)\n{seen}"
    )
    return seen


def test_a_constituent_stops_and_restarts_email_in_both_languages_on_accessible_pages(
    portal: Portal, intake_web: str
) -> None:
    constituent_id = constituent_with_link(portal)

    seen = browse(intake_web, path=link_url(), unknown_path=link_url(token=TOKEN[::-1]))

    assert seen["h1"] == {
        "unsubscribe-en-ask": "Stop email from Office of Rep. Lopez?",
        "unsubscribe-en-stopped": "You get no email from Office of Rep. Lopez",
        "unsubscribe-en-resumed": "Stop email from Office of Rep. Lopez?",
        "unsubscribe-es-ask": "¿Dejar de recibir correos de Office of Rep. Lopez?",
        "unsubscribe-es-stopped": "No recibe correos de Office of Rep. Lopez",
        "unsubscribe-es-resumed": "¿Dejar de recibir correos de Office of Rep. Lopez?",
        "unsubscribe-en-unknown": "We do not know this link",
    }
    assert {name: lang for name, lang in seen["lang"].items() if name.endswith("-ask")} == {
        "unsubscribe-en-ask": "en",
        "unsubscribe-es-ask": "es",
    }
    assert seen["lang"]["unsubscribe-es-stopped"] == "es"  # the page's language kept after a post
    assert seen["button"] == {
        "en-ask": "Stop email",
        "en-stopped": "Start email again",
        "es-ask": "Dejar de recibir correos",
        "es-stopped": "Volver a recibir correos",
    }
    assert seen["notice"] == {
        "en-stopped": "You will get no more email from Office of Rep. Lopez.",
        "en-resumed": "Email from Office of Rep. Lopez is on again.",
        "es-stopped": "Ya no recibirá más correos de Office of Rep. Lopez.",
        "es-resumed": "Vuelve a recibir correos de Office of Rep. Lopez.",
    }
    # axe-core found nothing serious or critical; no page is wider than its window.
    assert {name: rules for name, rules in seen["axe"].items() if rules} == {}
    assert {name for name, wide in seen["overflow"].items() if wide} == set()
    for name in seen["h1"]:
        assert (SHOTS / f"{name}.png").stat().st_size > 0
    # Each button press was one change, recorded and announced; looking changed nothing.
    announced = outbox_payloads(portal.engine, "intake.contact_preferences_changed")
    assert [(e["constituent_id"], e["email_opted_out"]) for e in announced] == [
        (constituent_id, True),
        (constituent_id, False),
    ] * 2
    [constituent] = rows(portal.engine, "constituents")
    assert constituent.email_opted_out_at is None
