"""intake-web's JSON API (`POST /api/v1/offices/{office}/submissions`), on both databases and
without a broker: what it accepts, what it refuses and how, its health and metrics."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.chassis.statement_log import statements_with
from services.contracts import SUBMISSION_RECEIVED
from services.intake.models import Constituent, PrivacyRelease, Submission
from services.intake.tests.support import (
    OFFICE,
    Portal,
    count,
    outbox_payloads,
    rows,
    stored_nothing,
    valid_submission,
)


def test_a_valid_submission_is_accepted_and_stored_with_its_event_in_the_outbox(
    portal: Portal,
) -> None:
    response = portal.submit(valid_submission())

    assert response.status_code == 202, response.get_data(as_text=True)
    receipt = response.get_json()
    assert receipt["status"] == "received"
    assert receipt["privacy_release_recorded"] is True
    with Session(portal.engine) as session:
        submission = session.get(Submission, receipt["submission_id"])
        assert submission is not None and submission.office_id == OFFICE
        assert submission.tracking_code == receipt["tracking_code"]
        release = session.scalars(select(PrivacyRelease)).one()
        assert release.agencies == ["SSA"] and release.signer_ip == "127.0.0.1"
    [event] = outbox_payloads(portal.engine, SUBMISSION_RECEIVED.event_type)
    assert event["tracking_code"] == receipt["tracking_code"]
    assert "description" not in event


def test_a_release_with_identifiers_keeps_them_encrypted_and_out_of_the_events(
    portal: Portal,
) -> None:
    body = valid_submission()
    body["privacy_release"] = {
        "signed": True,
        "signature_name": "Maria Lopez",
        "agencies": ["SSA"],
        "identifiers": {"ssn": "123-45-6789", "date_of_birth": "1950-04-23"},
        "language": "es",
    }

    response = portal.submit(body)

    assert response.status_code == 202, response.get_data(as_text=True)
    [release] = rows(portal.engine, "privacy_releases")
    assert release.identifiers is not None
    assert b"6789" not in release.identifiers and b"1950" not in release.identifiers
    assert sorted(release.identifier_kinds) == ["date_of_birth", "ssn"]
    assert release.language == "es" and len(release.text_sha256) == 64
    for row in rows(portal.engine, "outbox"):
        assert "6789" not in row.payload and "1950-04-23" not in row.payload


def test_a_stale_release_text_is_refused_and_nothing_is_stored(portal: Portal) -> None:
    body = valid_submission()
    body["privacy_release"] = {
        "signed": True,
        "signature_name": "Maria Lopez",
        "agencies": ["SSA"],
        "text_version": "1999-01",
    }

    response = portal.submit(body)

    assert response.status_code == 422
    assert "privacy_release.text_version" in response.get_json()["error"]["fields"]
    assert stored_nothing(portal.engine)


def test_unknown_fields_are_rejected_naming_the_field(portal: Portal) -> None:
    response = portal.submit(valid_submission(ssn="123-45-6789"))

    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    assert "ssn" in error["fields"]
    assert "123-45-6789" not in response.get_data(as_text=True)


def test_missing_and_invalid_fields_are_each_named(portal: Portal) -> None:
    body = valid_submission(category="aliens", subject="")
    del body["description"]

    response = portal.submit(body)

    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"category", "subject", "description"}


def test_a_signature_that_is_not_the_constituents_name_is_refused(portal: Portal) -> None:
    body = valid_submission(
        privacy_release={"signed": True, "signature_name": "Someone Else", "agencies": ["SSA"]}
    )

    response = portal.submit(body)

    assert response.status_code == 422
    assert "privacy_release" in response.get_json()["error"]["fields"]


def test_a_body_that_is_not_json_gets_a_clear_400_class_error(portal: Portal) -> None:
    response = portal.submit_raw(b"{not json")

    assert response.status_code == 422
    assert response.get_json()["error"]["message"] == "request body is not valid JSON"


def test_a_body_sent_as_a_form_is_refused_as_not_json(portal: Portal) -> None:
    response = portal.client.post(
        f"/api/v1/offices/{OFFICE}/submissions", data={"constituent": "Maria"}
    )

    assert response.status_code == 422
    assert response.get_json()["error"]["message"] == "send the body as application/json"


def test_an_oversized_body_is_refused(portal: Portal) -> None:
    response = portal.submit(valid_submission(description="x" * 70_000))

    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"
    assert stored_nothing(portal.engine)


def test_an_unknown_office_is_a_404(portal: Portal) -> None:
    response = portal.submit(valid_submission(), office="rep-nobody")

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_unknown_paths_and_methods_under_the_api_answer_in_json(portal: Portal) -> None:
    missing = portal.client.get("/api/v1/nothing-here")
    wrong_method = portal.client.get(f"/api/v1/offices/{OFFICE}/submissions")

    assert missing.status_code == 404
    assert missing.get_json()["error"]["code"] == "not_found"
    assert wrong_method.status_code == 405
    assert wrong_method.get_json()["error"]["code"] == "method_not_allowed"


def test_a_returning_constituent_is_matched_by_email(portal: Portal) -> None:
    first = portal.submit(valid_submission())
    again = valid_submission(subject="Medicare card never arrived", category="medicare")
    again["constituent"]["email"] = "maria.lopez@EXAMPLE.org"
    second = portal.submit(again)

    assert first.status_code == second.status_code == 202
    assert first.get_json()["tracking_code"] != second.get_json()["tracking_code"]
    assert count(portal.engine, "constituents") == 1
    assert count(portal.engine, "submissions") == 2


def test_a_retried_request_with_the_same_idempotency_key_gets_the_same_receipt(
    portal: Portal,
) -> None:
    headers = {"Idempotency-Key": "portal-4f1c9a7e"}
    first = portal.submit(valid_submission(), headers=headers)
    second = portal.submit(valid_submission(), headers=headers)

    assert first.status_code == second.status_code == 202
    assert first.get_json() == second.get_json()
    assert count(portal.engine, "submissions") == 1


def test_an_idempotency_key_costs_no_statement_more_until_it_is_used_again(
    portal: Portal,
) -> None:
    def statements_of(body: dict[str, Any], headers: dict[str, str] | None = None) -> list[str]:
        with statements_with() as statements:
            assert portal.submit(body, headers=headers).status_code == 202
        return [" ".join(statement.split()) for statement in statements]

    portal.submit(valid_submission(subject="First, so the office is known"))
    plain = statements_of(valid_submission(subject="Without a key"))
    keyed = statements_of(valid_submission(), {"Idempotency-Key": "portal-7d2e"})
    retried = statements_of(valid_submission(), {"Idempotency-Key": "portal-7d2e"})

    def look_ups(done: list[str]) -> int:
        return sum(statement.startswith("SELECT submissions.") for statement in done)

    assert len(keyed) == len(plain)
    assert look_ups(keyed) == 0
    # The retry's first try is refused by the unique index; the second finds the receipt.
    assert look_ups(retried) == 1
    assert count(portal.engine, "submissions") == 3  # the first, the plain and the keyed


def test_a_nul_character_is_refused_naming_its_field_not_a_500(portal: Portal) -> None:
    response = portal.submit(valid_submission(subject="Benefit\u0000 delayed"))

    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"subject": ["contains a NUL character"]}


def test_deeply_nested_json_is_refused_not_a_500(portal: Portal) -> None:
    response = portal.submit_raw(b"[" * 30_000)

    assert response.status_code == 422


def test_odd_office_ids_and_headers_get_clear_answers(portal: Portal) -> None:
    assert portal.submit(valid_submission(), office="rep%00lopez").status_code == 404
    bad_key = portal.submit(valid_submission(), headers={"Idempotency-Key": "has spaces in it"})
    assert bad_key.status_code == 422
    assert "Idempotency-Key" in bad_key.get_json()["error"]["fields"]
    long_correlation = portal.submit(valid_submission(), headers={"X-Correlation-ID": "c" * 500})
    assert long_correlation.status_code == 202


def test_an_international_domain_is_stored_in_the_form_mail_can_carry(portal: Portal) -> None:
    body = valid_submission()
    body["constituent"]["email"] = "maria@bücher.de"
    assert portal.submit(body).status_code == 202
    with Session(portal.engine) as session:
        assert session.scalars(select(Constituent.email)).one() == "maria@xn--bcher-kva.de"

    body["constituent"]["email"] = "josé@example.org"
    refused = portal.submit(body)
    assert refused.status_code == 422
    assert "email" in refused.get_json()["error"]["fields"]["constituent"]


def test_health_answers_without_a_broker_and_metrics_count_by_route(portal: Portal) -> None:
    assert portal.client.get("/live").get_json()["status"] == "live"
    ready = portal.client.get("/ready")
    assert ready.status_code == 200
    assert ready.get_json()["checks"] == {"database": "ok"}

    portal.submit(valid_submission())
    portal.submit({"constituent": {}})
    metrics = portal.client.get("/metrics").get_data(as_text=True)

    route = "/api/v1/offices/<office_id>/submissions"
    assert (
        f'casework_intake_web_requests_total{{method="POST",outcome="ok",route="{route}"}}'
        in metrics
    )
    assert (
        f'casework_intake_web_requests_total{{method="POST",outcome="refused",route="{route}"}}'
        in metrics
    )
    assert 'casework_intake_submissions_accepted_total{channel="web"}' in metrics
    assert 'casework_intake_http_refusals_total{code="validation_failed"}' in metrics
    assert OFFICE not in metrics  # labels are route rules, never URLs


def test_ready_says_not_ready_when_the_database_does_not_answer(portal: Portal) -> None:
    portal.app.extensions["intake_engines"].dispose()
    access = portal.app.extensions["intake_db"]

    def broken() -> None:
        raise ConnectionError("database down")

    access.ping = broken

    response = portal.client.get("/ready")

    assert response.status_code == 503
    assert response.get_json()["checks"] == {"database": "ConnectionError"}


def test_every_answer_carries_the_security_headers(portal: Portal) -> None:
    for response in (
        portal.client.get(f"/o/{OFFICE}/"),
        portal.submit(valid_submission()),
        portal.client.get("/api/v1/openapi.json"),
    ):
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
        assert "script-src" not in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert "Retry-After" not in response.headers


def test_the_openapi_document_describes_the_endpoint_from_intakes_schemas(
    portal: Portal,
) -> None:
    import schemathesis

    response = portal.client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    document = response.get_json()
    schemathesis.openapi.from_dict(document).validate()  # the OpenAPI 3.0 meta-schema
    operation = document["paths"]["/api/v1/offices/{office}/submissions"]["post"]
    assert set(operation["responses"]) == {"202", "404", "413", "422", "429", "503"}
    schemas = document["components"]["schemas"]
    assert set(schemas["Submission"]["required"]) == {
        "constituent",
        "category",
        "subject",
        "description",
    }
    assert schemas["Submission"]["additionalProperties"] is False
    release = schemas["PrivacyRelease"]["properties"]
    assert {"identifiers", "language", "text_version", "text_sha256"} <= set(release)
    assert "Receipt" in schemas and "Error" in schemas


def test_fuzzing_the_endpoint_from_its_document_finds_no_server_error_and_stores_no_refusal(
    portal: Portal,
) -> None:
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from schemathesis.checks import not_a_server_error

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", portal.app)
    operation = schema["/api/v1/offices/{office}/submissions"]["POST"]
    real_office = {"office": OFFICE}
    cases = st.one_of(
        operation.as_strategy(schemathesis.GenerationMode.POSITIVE, path_parameters=real_office),
        operation.as_strategy(schemathesis.GenerationMode.NEGATIVE, path_parameters=real_office),
        operation.as_strategy(schemathesis.GenerationMode.NEGATIVE),
    )
    seen: dict[int, int] = {}

    @given(case=cases)
    @settings(
        max_examples=150,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case: Any) -> None:
        before = count(portal.engine, "submissions"), count(portal.engine, "outbox")
        response = case.call()
        case.validate_response(response, checks=[not_a_server_error])
        seen[response.status_code] = seen.get(response.status_code, 0) + 1
        after = count(portal.engine, "submissions"), count(portal.engine, "outbox")
        if response.status_code != 202:
            assert after == before, (response.status_code, response.text[:300])

    fuzz()

    assert not any(status >= 500 for status in seen), seen
    assert seen.get(422, 0) > 0, seen  # it did send what the API must refuse
