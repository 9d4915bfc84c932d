"""The case queue as a caseworker's browser renders it: real headless Chromium against a running
gateway container."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from services.gateway.tests.support import (
    BIDI_OVERRIDE,
    DEMO_CASES,
    OFFICE,
    OFFICE_NAME,
    Gateway,
    read_page,
)

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def db_backend() -> str:
    """One backend is enough here: the service tests cover both databases."""
    return "sqlite"


def chromium(url: str, profile: Path, *action: str) -> subprocess.CompletedProcess[str]:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}; run "
            "`apt-get update && apt-get install -y chromium` (as root) and run the tests again"
        )
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={profile}",
            *action,
            url,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_caseworker_sees_the_office_queue_in_a_real_browser(
    demo_office: Gateway, tmp_path: Path
) -> None:
    result = chromium(f"{demo_office.base}/offices/{OFFICE}/cases", tmp_path, "--dump-dom")

    assert result.returncode == 0, result.stderr[-2000:]
    page = read_page(result.stdout)
    assert page.lang == "en"
    assert page.headings["h1"] == [OFFICE_NAME]
    assert "Case queue" in page.headings["h2"]
    assert [row[0] for row in page.rows] == [case["reference"] for case in DEMO_CASES]
    assert page.rows[0][-1] == "Urgent"
    assert page.alerts == []


def test_a_subject_with_a_right_to_left_override_reaches_the_browser_neutralised(
    demo_office: Gateway, tmp_path: Path
) -> None:
    result = chromium(f"{demo_office.base}/offices/{OFFICE}/cases", tmp_path, "--dump-dom")

    assert result.returncode == 0, result.stderr[-2000:]
    # The DOM the browser built: the override is gone and the subject sits in its own <bdi>,
    # so neither it nor anything typed next to it can reorder the text around it.
    assert BIDI_OVERRIDE not in result.stdout
    assert "<td><bdi>Benefit letter says evil</bdi></td>" in result.stdout
    assert read_page(result.stdout).rows[3][2] == "Benefit letter says evil"
