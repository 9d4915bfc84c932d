"""Intake's real entrypoints against a real broker and both databases."""

from __future__ import annotations

from typing import Any

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from services.chassis.testing import wait_until
from services.contracts import SUBMISSION_RECEIVED
from services.intake.models import Constituent, PrivacyRelease, Submission
from services.intake.tests.support import OFFICE, count, queued_events, submit, valid_submission


def test_a_valid_submission_is_accepted_stored_and_announced(intake: dict[str, Any]) -> None:
    response = submit(intake, valid_submission())

    assert response.status_code == 202, response.text
    receipt = response.json()
    assert receipt["status"] == "received"
    assert receipt["privacy_release_recorded"] is True
    assert len(receipt["tracking_code"]) == 9
    with Session(intake["engine"]) as session:
        submission = session.get(Submission, receipt["submission_id"])
        assert submission is not None and submission.office_id == OFFICE
        release = session.scalars(select(PrivacyRelease)).one()
        assert release.agencies == ["SSA"] and release.signer_ip == "127.0.0.1"

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


def test_unknown_fields_are_rejected_naming_the_field(intake: dict[str, Any]) -> None:
    response = submit(intake, valid_submission(ssn="123-45-6789"))

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_failed"
    assert "ssn" in error["fields"]
    assert "123-45-6789" not in response.text


def test_missing_and_invalid_fields_are_each_named(intake: dict[str, Any]) -> None:
    body = valid_submission(category="aliens", subject="")
    del body["description"]

    response = submit(intake, body)

    assert response.status_code == 422
    assert set(response.json()["error"]["fields"]) == {"category", "subject", "description"}


def test_a_signature_that_is_not_the_constituents_name_is_refused(intake: dict[str, Any]) -> None:
    body = valid_submission(
        privacy_release={"signed": True, "signature_name": "Someone Else", "agencies": ["SSA"]}
    )

    response = submit(intake, body)

    assert response.status_code == 422
    assert "privacy_release" in response.json()["error"]["fields"]


def test_a_body_that_is_not_json_gets_a_clear_400_class_error(intake: dict[str, Any]) -> None:
    response = requests.post(
        f"{intake['base']}/api/v1/offices/{OFFICE}/submissions",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
        timeout=10,
    )

    assert response.status_code == 422
    assert response.json()["error"]["message"] == "request body is not valid JSON"


def test_an_oversized_body_is_refused(intake: dict[str, Any]) -> None:
    body = valid_submission(description="x" * 70_000)

    assert submit(intake, body).status_code == 413


def test_an_unknown_office_is_a_404(intake: dict[str, Any]) -> None:
    response = submit(intake, valid_submission(), office="rep-nobody")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_a_returning_constituent_is_matched_by_email(intake: dict[str, Any]) -> None:
    first = submit(intake, valid_submission())
    again = valid_submission(subject="Medicare card never arrived", category="medicare")
    again["constituent"]["email"] = "maria.lopez@EXAMPLE.org"
    second = submit(intake, again)

    assert first.status_code == second.status_code == 202
    assert first.json()["tracking_code"] != second.json()["tracking_code"]
    assert count(intake["engine"], "constituents") == 1
    assert count(intake["engine"], "submissions") == 2


def test_a_retried_request_with_the_same_idempotency_key_gets_the_same_receipt(
    intake: dict[str, Any],
) -> None:
    headers = {"Idempotency-Key": "portal-4f1c9a7e"}
    first = submit(intake, valid_submission(), headers=headers)
    second = submit(intake, valid_submission(), headers=headers)

    assert first.status_code == second.status_code == 202
    assert first.json() == second.json()
    assert count(intake["engine"], "submissions") == 1


def test_health_and_metrics_endpoints(intake: dict[str, Any]) -> None:
    assert requests.get(f"{intake['base']}/live", timeout=5).json()["status"] == "live"
    ready = requests.get(f"{intake['base']}/ready", timeout=5)
    assert ready.status_code == 200
    assert ready.json()["checks"] == {"database": "ok", "broker": "ok"}
    submit(intake, valid_submission())
    metrics = requests.get(f"{intake['base']}/metrics", timeout=5).text
    assert 'casework_intake_entrypoint_calls_total{entrypoint="submit",outcome="ok"}' in metrics
    assert "casework_intake_outbox_pending" in metrics
    assert 'casework_intake_submissions_accepted_total{channel="web"}' in metrics
    submit(intake, {"constituent": {}})
    metrics = requests.get(f"{intake['base']}/metrics", timeout=5).text
    assert 'casework_intake_http_refusals_total{code="validation_failed"}' in metrics


def test_a_nul_character_is_refused_naming_its_field_not_a_500(intake: dict[str, Any]) -> None:
    body = valid_submission(subject="Benefit\u0000 delayed")

    response = submit(intake, body)

    assert response.status_code == 422
    assert response.json()["error"]["fields"] == {"subject": ["contains a NUL character"]}


def test_deeply_nested_json_is_refused_not_a_500(intake: dict[str, Any]) -> None:
    response = requests.post(
        f"{intake['base']}/api/v1/offices/{OFFICE}/submissions",
        data=b"[" * 30_000,
        headers={"Content-Type": "application/json"},
        timeout=10,
    )

    assert response.status_code == 422


def test_odd_office_ids_and_headers_get_clear_answers(intake: dict[str, Any]) -> None:
    assert submit(intake, valid_submission(), office="rep%00lopez").status_code == 404
    bad_key = submit(intake, valid_submission(), headers={"Idempotency-Key": "has spaces in it"})
    assert bad_key.status_code == 422
    assert "Idempotency-Key" in bad_key.json()["error"]["fields"]
    long_correlation = submit(intake, valid_submission(), headers={"X-Correlation-ID": "c" * 500})
    assert long_correlation.status_code == 202


def test_an_international_domain_is_stored_in_the_form_mail_can_carry(
    intake: dict[str, Any],
) -> None:
    body = valid_submission()
    body["constituent"]["email"] = "maria@bücher.de"
    assert submit(intake, body).status_code == 202
    with Session(intake["engine"]) as session:
        assert session.scalars(select(Constituent.email)).one() == "maria@xn--bcher-kva.de"

    body["constituent"]["email"] = "josé@example.org"
    refused = submit(intake, body)
    assert refused.status_code == 422
    assert "email" in refused.json()["error"]["fields"]["constituent"]
