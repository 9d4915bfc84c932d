"""Asking the constituent for documents, and stopping their email on their word, through the
real gateway, with fake `cases` and `intake` answering over real RPC by their contracts: the
staff API route (`POST .../document-requests`), the case page's forms, each refusal naming
its field.
On PostgreSQL only, as the other case page checks (see test_release_pages.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from services.gateway.access import CSRF_HEADER
from services.gateway.tests.support import (
    DOCUMENT_REQUESTS,
    EMAIL_STOPPED,
    INTAKE_CALLS,
    OFFICE,
    FakeIntake,
    Gateway,
)
from services.gateway.tests.test_release_pages import COVERED, csrf, post

API = f"/api/v1/offices/{OFFICE}/cases/CW-2026-000004/document-requests"
CONSTITUENT_ID = "0d6f3c1e-2a55-4a8b-8f8e-6a4ac2f5b1a0"


@pytest.fixture(params=["postgresql"])
def db_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def office(demo_office: Gateway) -> Iterator[Gateway]:
    DOCUMENT_REQUESTS.clear()
    yield demo_office
    DOCUMENT_REQUESTS.clear()


def api_post(gateway: Gateway, body: Any) -> requests.Response:
    assert gateway.session is not None
    return gateway.session.post(
        f"{gateway.base}{API}",
        json=body,
        headers={CSRF_HEADER: csrf(gateway)},
        timeout=10,
    )


def test_the_api_asks_for_documents_and_answers_the_case_waiting_on_the_constituent(
    office: Gateway,
) -> None:
    answer = api_post(
        office,
        {"documents": [" Denial letter ", "DD-214", "DD-214"], "note": "Copies are fine."},
    )

    assert answer.status_code == 201, answer.text
    case = answer.json()
    assert case["status"] == "waiting_on_constituent"
    assert case["timeline"][-1]["summary"] == "Asked the constituent for: Denial letter; DD-214"
    assert DOCUMENT_REQUESTS == [
        {
            "office_id": OFFICE,
            "reference": "CW-2026-000004",
            "documents": ["Denial letter", "DD-214"],
            "note": "Copies are fine.",
        }
    ]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"documents": []}, {"documents"}),
        ({"documents": ["  "]}, {"documents"}),
        ({"documents": ["x" * 121]}, {"documents"}),
        ({"documents": ["Lease"], "note": "x" * 2001, "colour": "red"}, {"note", "colour"}),
        ({}, {"documents"}),
    ],
)
def test_the_api_names_each_field_it_refuses_and_asks_nothing(
    office: Gateway, body: dict[str, Any], fields: set[str]
) -> None:
    answer = api_post(office, body)

    assert answer.status_code == 422, answer.text
    assert set(answer.json()["error"]["fields"]) == fields
    assert DOCUMENT_REQUESTS == []


def test_the_case_page_form_asks_one_document_a_line_and_says_it_was_done(
    office: Gateway,
) -> None:
    page = office.get(COVERED).text
    assert 'action="/offices/rep-demo/cases/CW-2026-000004/document-requests"' in page
    assert "Documents, one a line" in page

    sent = post(
        office,
        f"{COVERED}/document-requests",
        {"documents": "Denial letter\r\n\r\nBank statement\r\n", "note": ""},
    )

    assert sent.status_code == 303
    assert sent.headers["Location"].endswith("?done=documents#timeline-heading")
    assert [(r["documents"], r["note"]) for r in DOCUMENT_REQUESTS] == [
        (["Denial letter", "Bank statement"], None)
    ]
    shown = office.get(sent.headers["Location"]).text
    assert "Documents requested: the constituent will get a message listing them." in shown


def test_a_form_naming_no_document_shows_the_problem_on_the_case_page(office: Gateway) -> None:
    refused = post(office, f"{COVERED}/document-requests", {"documents": " \r\n ", "note": ""})

    assert refused.status_code == 422
    assert "That was not done" in refused.text
    assert "documents" in refused.text
    assert DOCUMENT_REQUESTS == []


# --- The constituent's email, stopped or started again on their word ----------------------


@pytest.fixture
def with_intake(office: Gateway) -> Iterator[Gateway]:
    office.start(FakeIntake)
    EMAIL_STOPPED.clear()
    INTAKE_CALLS.clear()
    yield office
    EMAIL_STOPPED.clear()
    INTAKE_CALLS.clear()


def test_staff_stop_and_restart_a_constituents_email_from_the_message_log(
    with_intake: Gateway,
) -> None:
    page = with_intake.get(COVERED).text
    assert "Email is on: the constituent gets the office's messages" in page
    assert 'value="stop"' in page

    stopped = post(with_intake, f"{COVERED}/email", {"email": "stop"})

    assert stopped.status_code == 303
    assert stopped.headers["Location"].endswith("?done=email_stopped#messages-heading")
    shown = with_intake.get(stopped.headers["Location"]).text
    assert "Email stopped: the constituent gets no more email about their requests." in shown
    assert "Email is stopped" in shown and 'value="resume"' in shown
    assert EMAIL_STOPPED.keys() == {CONSTITUENT_ID}

    resumed = post(with_intake, f"{COVERED}/email", {"email": "resume"})
    assert resumed.headers["Location"].endswith("?done=email_resumed#messages-heading")
    assert EMAIL_STOPPED == {}
    changes = [
        (arguments["constituent_id"], arguments["opted_out"], role)
        for name, arguments, role in INTAKE_CALLS
        if name == "set_email_opt_out"
    ]
    assert changes == [(CONSTITUENT_ID, True, "supervisor"), (CONSTITUENT_ID, False, "supervisor")]


def test_a_bad_choice_is_refused_and_nothing_is_asked_of_intake(with_intake: Gateway) -> None:
    refused = post(with_intake, f"{COVERED}/email", {"email": "maybe"})

    assert refused.status_code == 422
    assert "That was not done" in refused.text
    assert [name for name, _, _ in INTAKE_CALLS if name == "set_email_opt_out"] == []


def test_without_intake_the_log_offers_no_email_button(office: Gateway) -> None:
    page = office.get(COVERED).text

    assert "Email is on" not in page and "Email is stopped" not in page
    assert f'action="{COVERED}/email"' not in page
