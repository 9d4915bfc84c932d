"""What intake refuses before its 202, through intake-web's JSON API on both databases: text
a consumer could not store or send, an Idempotency-Key reused for another request, a body
over the limit (answered with a readable 413, not a connection reset, by the WSGI server
intake-web runs under)."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from waitress.server import create_server

from services.chassis.testing import free_port
from services.contracts import SUBMISSION_RECEIVED
from services.intake.models import Submission
from services.intake.tests.support import OFFICE, Portal, count, outbox_payloads, valid_submission

LONE_SURROGATES = {
    "names": {
        "constituent.first_name": "\ud800",
        "constituent.last_name": "Lo\udfffpez",
    },
    "free text": {
        "subject": "Benefit \ud800 delayed",
        "description": "Payments stopped.\n\udfff",
        "urgency_reason": "Eviction \udbff on Friday",
    },
    "nested": {
        "constituent.address.line1": "12 Elm\ud834 St",
        "constituent.address.city": "\udc00Springfield",
        "privacy_release.signature_name": "Maria \ud800Lopez",
        "constituent.email": "maria@b\ud800cher.de",
    },
}


def with_value(path: str, value: Any) -> dict[str, Any]:
    body = valid_submission(urgent=True, urgency_reason="Eviction on Friday")
    *parents, name = path.split(".")
    target = body
    for parent in parents:
        target = target[parent]
    target[name] = value
    return body


def error_at(fields: dict[str, Any], path: str) -> Any:
    for part in path.split("."):
        fields = fields[part]
    return fields


@pytest.mark.parametrize("kind", sorted(LONE_SURROGATES))
def test_a_lone_surrogate_in_any_text_field_is_a_422_naming_it_before_anything_is_stored(
    portal: Portal, kind: str
) -> None:
    for path, value in LONE_SURROGATES[kind].items():
        # json.dumps writes the lone surrogate as the escape "\udxxx", as a browser could.
        raw = json.dumps(with_value(path, value)).encode("ascii")
        assert b"\\ud" in raw

        response = portal.submit_raw(raw)

        assert response.status_code == 422, (path, response.get_data(as_text=True))
        error = response.get_json()["error"]
        assert error["code"] == "validation_failed"
        assert error_at(error["fields"], path), path
    assert count(portal.engine, "submissions") == 0
    assert count(portal.engine, "outbox") == 0


def test_control_characters_are_refused_in_single_line_fields_and_kept_in_free_text(
    portal: Portal,
) -> None:
    for path, value in (("constituent.first_name", "Maria\nLopez"), ("subject", "Benefit\x1b")):
        response = portal.submit(with_value(path, value))
        assert response.status_code == 422, path
        assert error_at(response.get_json()["error"]["fields"], path) == [
            "contains a control character"
        ]

    description = "Payments stopped in August.\r\n\tI called twice.\n\nMaria"
    accepted = portal.submit(
        valid_submission(description=description, subject="evil\u202e subject")
    )

    assert accepted.status_code == 202, accepted.get_data(as_text=True)
    with Session(portal.engine) as session:
        stored = session.execute(select(Submission.description, Submission.subject)).one()
    assert stored.description == description
    assert stored.subject == "evil subject"  # the bidirectional override is stripped


def test_a_lone_surrogate_in_a_field_name_is_a_422_not_a_500(portal: Portal) -> None:
    body = json.dumps(valid_submission()).encode("ascii")
    raw = body[:-1] + b', "\\ud800": "x"}'

    response = portal.submit_raw(raw)

    assert response.status_code == 422
    assert list(response.get_json()["error"]["fields"]) == ["\ud800"]


def test_an_idempotency_key_reused_for_a_different_request_is_refused(portal: Portal) -> None:
    key = {"Idempotency-Key": "portal-4f1c9a7e"}
    first = portal.submit(valid_submission(), headers=key)
    changed = portal.submit(valid_submission(description="Also my Medicare card."), headers=key)
    # The same request again, its fields in another order and spacing: a true retry.
    retry = portal.submit_raw(
        json.dumps(valid_submission(), sort_keys=True, indent=2).encode(), **key
    )

    assert first.status_code == 202
    assert changed.status_code == 422
    error = changed.get_json()["error"]
    assert error["code"] == "idempotency_key_reused"
    assert "different request" in error["message"]
    assert retry.status_code == 202 and retry.get_json() == first.get_json()
    with Session(portal.engine) as session:
        [stored] = session.scalars(select(Submission)).all()
    assert stored.description == valid_submission()["description"]
    assert stored.request_fingerprint is not None and len(stored.request_fingerprint) == 64
    assert len(outbox_payloads(portal.engine, SUBMISSION_RECEIVED.event_type)) == 1


@pytest.fixture
def served(portal: Portal) -> Iterator[str]:
    """intake-web under waitress (the server `python -m services.intake.portal` runs), on a
    free port: its host:port."""
    server = create_server(portal.app, host="127.0.0.1", port=free_port(), threads=2)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.effective_port}"
    finally:
        server.close()
        thread.join(timeout=5)


def raw_post(address: str, body: bytes, *, close: bool) -> bytes:
    """POST over a plain socket, the whole body sent in pieces as a slow uplink would (so the
    server answers while the body is still coming), then read the answer."""
    host, port = address.split(":")
    head = (
        f"POST /api/v1/offices/{OFFICE}/submissions HTTP/1.1\r\n"
        f"Host: {address}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n" + ("Connection: close\r\n" if close else "") + "\r\n"
    ).encode()
    answer = b""
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head)
        for start in range(0, len(body), 16 * 1024):
            sock.sendall(body[start : start + 16 * 1024])
            time.sleep(0.002)
        while not answer.endswith(b"}}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    return answer


@pytest.mark.parametrize("close", [True, False], ids=["connection-close", "keep-alive"])
def test_a_client_sending_a_whole_oversized_body_reads_the_413(
    portal: Portal, served: str, close: bool
) -> None:
    body = json.dumps(valid_submission(description="x" * 2_000_000)).encode()

    answer = raw_post(served, body, close=close)  # a reset raises here

    status_line, _, rest = answer.partition(b"\r\n")
    assert status_line.startswith(b"HTTP/1.1 413"), answer[:200]
    error = json.loads(rest.partition(b"\r\n\r\n")[2])["error"]
    assert error["code"] == "payload_too_large"
    assert count(portal.engine, "submissions") == 0
