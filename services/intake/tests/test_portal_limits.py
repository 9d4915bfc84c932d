"""Rate limits on intake-web, per client address: the form, the JSON API and the status
page's codes (also per tracking code), and every other post (an unsubscribe link's too)
answer 429 with Retry-After once over the limit, counted in memory and, when configured, in
Redis; a refused request stores nothing."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from services.intake.tests.support import (
    OFFICE,
    Portal,
    count,
    filled_form,
    make_portal,
    text_of,
    valid_submission,
)

FORM = f"/o/{OFFICE}/"
REDIS = "redis://127.0.0.1:6379/0"


def redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(params=["memory", "redis"])
def storage(request: pytest.FixtureRequest) -> dict[str, str]:
    """Where the limits are counted; a fresh key prefix, so runs never share counts."""
    if request.param == "redis" and not redis_reachable():
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    uri = "memory://" if request.param == "memory" else REDIS
    return {"ratelimit_storage_uri": uri, "ratelimit_key_prefix": f"test-{uuid.uuid4().hex}"}


@pytest.fixture
def limited(intake_database: dict[str, Any], storage: dict[str, str]) -> Iterator[Portal]:
    portal = make_portal(
        intake_database["engine"],
        form_limit="3 per minute",
        api_limit="2 per minute",
        status_limit="2 per 15 minutes",
        verify_limit="3 per 15 minutes",
        **storage,
    )
    yield portal
    portal.close()


def assert_retry_after(response: Any) -> None:
    assert response.status_code == 429
    seconds = int(response.headers["Retry-After"])
    assert 0 < seconds <= 60 * 15


def test_the_form_answers_429_with_retry_after_past_its_limit_and_stores_nothing(
    limited: Portal,
) -> None:
    page = limited.client.get(FORM + "?lang=es").get_data(as_text=True)
    for _ in range(3):
        assert limited.client.post(FORM, data=filled_form(page)).status_code == 303
    stored = count(limited.engine, "submissions")

    refused = limited.client.post(FORM, data=filled_form(page))

    assert_retry_after(refused)
    assert "Espere unos minutos" in text_of(refused)  # the page, in the chosen language
    assert count(limited.engine, "submissions") == stored == 1  # one form, sent three times
    # Reading the form is never limited.
    assert limited.client.get(FORM).status_code == 200


def test_each_client_address_has_its_own_count(limited: Portal) -> None:
    page = limited.client.get(FORM).get_data(as_text=True)
    for _ in range(3):
        limited.client.post(FORM, data=filled_form(page), environ_base={"REMOTE_ADDR": "10.0.0.1"})

    other = limited.client.post(
        FORM, data=filled_form(page), environ_base={"REMOTE_ADDR": "10.0.0.2"}
    )
    again = limited.client.post(
        FORM, data=filled_form(page), environ_base={"REMOTE_ADDR": "10.0.0.1"}
    )

    assert other.status_code == 303
    assert again.status_code == 429


def test_the_api_answers_429_in_json_with_retry_after(limited: Portal) -> None:
    assert limited.submit(valid_submission()).status_code == 202
    assert limited.submit(valid_submission()).status_code == 202

    refused = limited.submit(valid_submission())

    assert_retry_after(refused)
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert count(limited.engine, "submissions") == 2
    metrics = limited.client.get("/metrics").get_data(as_text=True)
    assert 'casework_intake_web_refusals_total{reason="rate_limited"}' in metrics


def test_status_codes_are_limited_per_tracking_code_from_any_address(limited: Portal) -> None:
    status = f"/o/{OFFICE}/status"
    asked = {"action": "send_code", "tracking_code": "K7QX-M2PD"}
    for address in ("10.0.0.1", "10.0.0.2"):
        response = limited.client.post(status, data=asked, environ_base={"REMOTE_ADDR": address})
        assert response.status_code == 200

    from_a_third = limited.client.post(status, data=asked, environ_base={"REMOTE_ADDR": "10.0.0.3"})
    another_code = limited.client.post(
        status,
        data={"action": "send_code", "tracking_code": "ABCD-EFGH"},
        environ_base={"REMOTE_ADDR": "10.0.0.3"},
    )

    assert_retry_after(from_a_third)
    assert another_code.status_code == 200


def test_status_codes_are_limited_per_address_across_tracking_codes(limited: Portal) -> None:
    status = f"/o/{OFFICE}/status"
    for code in ("K7QX-M2PD", "ABCD-EFGH"):
        limited.client.post(status, data={"action": "send_code", "tracking_code": code})

    refused = limited.client.post(
        status, data={"action": "send_code", "tracking_code": "WXYZ-2345"}
    )

    assert_retry_after(refused)
    # Guessing the one-time code has its own, separate count.
    guess = {"action": "verify_code", "tracking_code": "WXYZ-2345", "code": "000000"}
    assert [limited.client.post(status, data=guess).status_code for _ in range(4)] == [
        422,
        422,
        422,
        429,
    ]


def test_posts_to_an_unsubscribe_link_are_limited_like_the_forms_and_reading_it_never(
    limited: Portal,
) -> None:
    link = f"/o/{OFFICE}/unsubscribe/Xk3vQ9pL2mW7nR4tY8bZ1cDe"  # nobody's link: each a 404
    answered = [limited.client.post(link, data={"action": "stop"}).status_code for _ in range(3)]

    refused = limited.client.post(link, data={"List-Unsubscribe": "One-Click"})

    assert answered == [404, 404, 404]
    assert_retry_after(refused)
    assert limited.client.get(link).status_code == 404  # still answered: not limited


def test_sending_documents_from_the_status_page_is_limited_like_the_forms(
    limited: Portal,
) -> None:
    documents = f"/o/{OFFICE}/documents"  # not opened in this browser: each sent back, 303
    for _ in range(3):
        assert limited.client.post(documents, data={"csrf_token": "x"}).status_code == 303

    refused = limited.client.post(documents, data={"csrf_token": "x"})

    assert refused.status_code == 429
    assert_retry_after(refused)
    assert count(limited.engine, "attachments") == 0
