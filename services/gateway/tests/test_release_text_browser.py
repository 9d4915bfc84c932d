"""The release text editor in real headless Chromium with axe-core, against the real gateway
with the fake intake of `test_release_text_pages.py`: an office admin finds it from the
settings, a misspelt placeholder is named beside the text, the preview reads as the request
form would, Save adds a version and Reset another. Screenshots go to
`var/screenshots/release-text-*.png`, beside the workspace's end-to-end ones."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from services.gateway import seed
from services.gateway.tests.support import OFFICE, Gateway
from services.gateway.tests.test_release_text_pages import (
    ADMIN,
    DEFAULTS,
    VERSIONS,
    ReleaseTextIntake,
    forget_release_texts,
)

ROOT = Path(__file__).resolve().parents[3]
SHOTS = ROOT / "var" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
OWN_TEXT = (
    "Yo, {constituent_name}, pido a {office_name} que me ayude ante {agencies}.\n\n"
    "Esta autorización vale hasta el {expires_on}."
)

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no Chromium to drive")


@pytest.fixture(params=["postgresql"])
def db_backend(request: pytest.FixtureRequest) -> str:
    """Narrows chassis testing's two databases to the production one for this module."""
    return str(request.param)


@pytest.fixture
def office(demo_office: Gateway) -> Iterator[Gateway]:
    demo_office.start(ReleaseTextIntake)
    forget_release_texts()
    yield demo_office
    forget_release_texts()


def browse(base: str, **args: Any) -> dict[str, Any]:
    arguments = {"base": base, "shots": str(SHOTS), "password": seed.DEMO_PASSWORD, **args}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "services.gateway.tests.release_text_browser",
            "release_text",
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
        f"(screenshot: {SHOTS}/release_text-failed.png)\n{seen}"
    )
    return seen


def test_an_office_admin_previews_saves_and_resets_the_release_text_on_accessible_pages(
    office: Gateway,
) -> None:
    seen = browse(
        office.base,
        office=OFFICE,
        admin=ADMIN,
        misspelt=OWN_TEXT.replace("{office_name}", "{ofice_name}"),
        text=OWN_TEXT,
    )

    assert seen["list_rows"][1].startswith("Spanish Default 2026-12 Never changed 0")
    assert seen["editor_h1"] == "Privacy release text in Spanish"
    assert seen["default_text"] == DEFAULTS["es"]
    assert "{ofice_name} is not a placeholder of the release" in seen["problem"]
    assert "{ofice_name} is not a placeholder of the release" in seen["field_error"]
    assert seen["invalid"] == "true"
    assert seen["preview"] == [
        "Yo, María López, pido a Office of Rep. Jordan Demo que me ayude ante Administración "
        "del Seguro Social y Departamento de Asuntos de Veteranos.",
        "Esta autorización vale hasta el 3 de diciembre de 2027.",
    ]
    assert seen["saved"].startswith("Saved as a new version.")
    assert seen["history_after_save"][0].startswith("v1 (shown now)")
    assert "Renee Okafor" in seen["history_after_save"][0]
    assert seen["v1_text"] == OWN_TEXT
    assert seen["reset"] == "Back to the default text, as a new version."
    assert seen["text_after_reset"] == DEFAULTS["es"]
    assert [row.split()[0] for row in seen["history_after_reset"]] == ["v2", "v1"]
    assert [v["version"] for v in VERSIONS["es"]] == ["v1", "v2"]
    # axe-core found nothing serious or critical; no page is wider than its window.
    assert {name: rules for name, rules in seen["axe"].items() if rules} == {}
    assert {name for name, wide in seen["overflow"].items() if wide} == set()
    for name in ("release-text", "release-text-edit", "release-text-preview"):
        assert (SHOTS / f"{name}.png").stat().st_size > 0
