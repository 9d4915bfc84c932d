"""Intake's worker (nameko, a real broker) with intake-web on the same database, on both
databases: what intake-web stores, the worker's relay announces."""

from __future__ import annotations

from typing import Any

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.chassis.testing import wait_until
from services.contracts import SUBMISSION_RECEIVED
from services.intake.models import PrivacyRelease, Submission
from services.intake.tests.support import OFFICE, make_portal, queued_events, valid_submission


def test_a_submission_to_intake_web_is_stored_and_the_worker_announces_it(
    intake: dict[str, Any],
) -> None:
    portal = make_portal(intake["engine"])
    try:
        response = portal.submit(valid_submission())
    finally:
        portal.close()

    assert response.status_code == 202, response.get_data(as_text=True)
    receipt = response.get_json()
    assert receipt["status"] == "received"
    assert receipt["privacy_release_recorded"] is True
    assert len(receipt["tracking_code"]) == 9
    with Session(intake["engine"]) as session:
        submission = session.get(Submission, receipt["submission_id"])
        assert submission is not None and submission.office_id == OFFICE
        release = session.scalars(select(PrivacyRelease)).one()
        assert release.agencies == ["SSA"] and release.signer_ip == "127.0.0.1"

    # intake-web has no broker: the worker's relay finds the row on its next poll.
    events = wait_until(
        lambda: queued_events(intake["amqp_uri"], "cases--intake.submission_received"),
        message="submission_received never reached the cases queue",
    )
    assert len(events) == 1
    event = events[0]
    assert event["event_type"] == SUBMISSION_RECEIVED.event_type
    assert event["office_id"] == OFFICE
    assert event["payload"]["tracking_code"] == receipt["tracking_code"]
    assert "description" not in event["payload"]


def test_the_worker_has_no_public_submission_endpoint_any_more(intake: dict[str, Any]) -> None:
    response = requests.post(
        f"{intake['base']}/api/v1/offices/{OFFICE}/submissions",
        json=valid_submission(),
        timeout=10,
    )

    assert response.status_code == 404


def test_the_workers_health_and_metrics_endpoints(intake: dict[str, Any]) -> None:
    assert requests.get(f"{intake['base']}/live", timeout=5).json()["status"] == "live"
    ready = requests.get(f"{intake['base']}/ready", timeout=5)
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "broker": "ok"}
    metrics = requests.get(f"{intake['base']}/metrics", timeout=5).text
    assert "casework_intake_outbox_pending" in metrics
    assert 'casework_intake_entrypoint_calls_total{entrypoint="record_office",outcome="ok"}' in (
        metrics
    )
