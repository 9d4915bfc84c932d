"""A caseworker asks for documents and the constituent sends them from their status page,
through the whole running system in real headless Chromium with axe-core: intake keeps the
file and announces it, cases files it on the case, notes it and takes the case off waiting on
the constituent, notify rings the bell of whoever works the case."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.system import DEMO_OFFICE, ROOT, System
from tests.e2e.test_flow import case_for, case_takers_known
from tests.e2e.test_portal import SHOTS, WAIT, no_serious_violations, small_pdf
from tests.e2e.test_workspace import SAM, api, token_for

pytestmark = pytest.mark.e2e


def browse(system: System, **args: Any) -> dict[str, Any]:
    arguments = {
        "base": system.url("intake-web"),
        "office": DEMO_OFFICE,
        "maildir": str(system.maildir),
        "shots": str(SHOTS),
        **args,
    }
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.e2e.documents_browser",
            "send_requested_documents",
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
        f"{seen['error']} at {seen.get('failed_at')}\n{seen}\n{system.log_tail('intake-web')}"
    )
    return seen


@pytest.mark.postgresql_only
def test_the_constituent_sends_the_requested_documents_from_the_status_page(
    running_system: System, tmp_path: Path
) -> None:
    system = running_system
    system.wait_for(lambda: case_takers_known(system), WAIT, "cases never learned the staff")
    sent = system.submit(904, category="veterans", subject="DD-214 for a VA claim (904)")
    assert sent.status_code == 202, sent.text
    receipt = sent.json()
    case = system.wait_for(lambda: case_for(system, receipt["submission_id"]), WAIT, "no case")
    asked = api(
        system,
        "POST",
        f"/{case.reference}/document-requests",
        token_for(system, SAM),
        json={"documents": ["DD-214 (both pages)"], "note": "A scan is fine."},
    )
    assert asked.status_code == 201, asked.text
    system.wait_for(
        lambda: system.query(
            "intake",
            "SELECT 1 FROM public_updates WHERE submission_id = :s AND kind = 'documents'",
            s=receipt["submission_id"],
        ),
        WAIT,
        "intake never projected the request for documents",
    )
    system.wait_for(
        lambda: system.query(
            "intake",
            "SELECT 1 FROM public_cases WHERE submission_id = :s "
            "AND status = 'waiting_on_constituent'",
            s=receipt["submission_id"],
        ),
        WAIT,
        "intake never projected the wait",
    )
    pdf = tmp_path / "dd214.pdf"
    pdf.write_bytes(small_pdf())

    seen = browse(
        system, tracking_code=receipt["tracking_code"], pdf=str(pdf), message="Both pages."
    )

    assert seen["needed"] == ["DD-214 (both pages)"]
    assert seen["confirmation_url"].endswith(f"/o/{DEMO_OFFICE}/documents/sent")
    assert [line.split(" (")[0] for line in seen["received"]] == ["dd214.pdf"]
    assert seen["still_asked"] == 0
    assert "You sent us these documents: dd214.pdf" in seen["timeline"]
    no_serious_violations(seen)

    def filed() -> list[Any]:
        return system.query(
            "cases",
            "SELECT filename, sha256 FROM case_attachments WHERE case_id = :c",
            c=case.id,
        )

    [row] = system.wait_for(filed, WAIT, "cases never filed the document")
    assert row.sha256 == hashlib.sha256(small_pdf()).hexdigest()
    summaries = [
        r.summary
        for r in system.query(
            "cases", "SELECT summary FROM case_timeline WHERE case_id = :c", c=case.id
        )
    ]
    assert "The constituent sent: dd214.pdf" in summaries
    [status] = system.query("cases", "SELECT status FROM cases WHERE id = :c", c=case.id)
    assert status.status == "open"
    bells = system.wait_for(
        lambda: system.query(
            "notify",
            "SELECT user_id FROM staff_notifications WHERE case_id = :c "
            "AND kind = 'documents_received'",
            c=case.id,
        ),
        WAIT,
        "nobody's bell rang",
    )
    assert case.assigned_to_id is None or [b.user_id for b in bells] == [case.assigned_to_id]
