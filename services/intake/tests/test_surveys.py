"""The satisfaction survey of a closed case: intake keeps the digest notify announces, and the
portal takes a constituent's one-click rating from the link in their closure message, on both
databases (as the service's own role, behind the tenant wall on PostgreSQL)."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from services.chassis.consuming import consume
from services.chassis.errors import ValidationFailed
from services.chassis.fakes import incoming
from services.contracts import CASE_OPENED, SATISFACTION_RATED, SURVEY_OFFERED
from services.intake import status_page, surveys
from services.intake.domain.surveys import Survey, parse_rating
from services.intake.tests.support import (
    OFFICE,
    Portal,
    outbox_payloads,
    register_office,
    rows,
    text_of,
    valid_submission,
)

TOKEN = "q3Jx9sTzWvB2mN7kLp4dRfGhA1b2"
OFFERED_AT = datetime(2027, 1, 20, 16, tzinfo=UTC)


def rate_url(token: str = TOKEN, office: str = OFFICE, rating: object | None = None) -> str:
    url = f"/o/{office}/rate/{token}"
    return url if rating is None else f"{url}?rating={rating}"


def closed_case_with_survey(portal: Portal, language: str = "en") -> str:
    """A request, its case opened, and notify's survey of its closure message: the case id."""
    body = valid_submission()
    body["constituent"]["preferred_language"] = language
    response = portal.submit(body)
    assert response.status_code == 202, response.get_data(as_text=True)
    receipt = response.get_json()
    case_id = str(uuid.uuid4())
    happened(
        portal,
        CASE_OPENED,
        {
            "case_id": case_id,
            "reference": "CW-2027-000042",
            "submission_id": receipt["submission_id"],
            "tracking_code": receipt["tracking_code"],
            "constituent_id": rows(portal.engine, "constituents")[0].id,
            "category": "social_security",
            "agency_hint": "SSA",
            "urgent": False,
            "opened_at": "2027-01-02T14:05:01+00:00",
        },
        status_page.project_case_opened,
    )
    offer(portal, case_id)
    return case_id


def offer(portal: Portal, case_id: str, survey_id: str = "survey-1") -> None:
    happened(
        portal,
        SURVEY_OFFERED,
        {
            "survey_id": survey_id,
            "case_id": case_id,
            "token_sha256": hashlib.sha256(TOKEN.encode()).hexdigest(),
            "offered_at": OFFERED_AT.isoformat(),
        },
        surveys.record_survey_offer,
    )


def happened(portal: Portal, contract: Any, payload: dict[str, Any], handler: Any) -> None:
    db = portal.app.extensions["intake_db"]
    consume(db, incoming(contract, payload, office_id=OFFICE), handler)


def ratings(portal: Portal) -> list[tuple[str, int]]:
    return [
        (event["case_id"], event["rating"])
        for event in outbox_payloads(portal.engine, SATISFACTION_RATED.event_type)
    ]


# -- The rule ----------------------------------------------------------------------------------


def test_a_new_or_changed_rating_is_announced_and_the_same_one_again_is_not() -> None:
    survey = Survey("survey-1", "case-1", "ab" * 32, OFFERED_AT)

    assert survey.rate(4, at=OFFERED_AT)
    assert not survey.rate(4, at=OFFERED_AT)
    assert survey.rate(2, at=OFFERED_AT)

    assert [event.payload.rating for event in survey.pull_events()] == [4, 2]
    assert survey.rating == 2
    with pytest.raises(ValidationFailed):
        survey.rate(6, at=OFFERED_AT)


@pytest.mark.parametrize("raw", ["0", "6", "five", "4.5", "-1"])
def test_a_link_whose_rating_is_not_one_to_five_is_refused_naming_the_field(raw: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_rating(raw)
    assert "rating" in refused.value.fields


def test_a_link_without_a_rating_only_asks() -> None:
    assert parse_rating(None) is None and parse_rating("") is None and parse_rating("3") == 3


# -- The portal --------------------------------------------------------------------------------


def test_one_click_records_the_rating_and_a_later_click_changes_it(portal: Portal) -> None:
    case_id = closed_case_with_survey(portal)

    clicked = portal.client.get(rate_url(rating=4))

    assert clicked.status_code == 200
    words = text_of(clicked)
    assert "Thank you. You rated our help 4 out of 5." in words
    assert "Office of Rep." in words
    assert ratings(portal) == [(case_id, 4)]
    assert 'aria-current="true"' in clicked.get_data(as_text=True)

    assert portal.client.get(rate_url(rating=4)).status_code == 200  # opened again
    changed = portal.client.get(rate_url(rating=2))
    assert "You rated our help 2 out of 5." in text_of(changed)
    assert ratings(portal) == [(case_id, 4), (case_id, 2)]
    [kept] = rows(portal.engine, "surveys")
    assert (kept.rating, kept.case_id) == (2, case_id)


def test_the_question_alone_and_a_mail_systems_check_record_nothing(portal: Portal) -> None:
    closed_case_with_survey(portal)

    asked = portal.client.get(rate_url())
    checked = portal.client.head(rate_url(rating=5))

    assert asked.status_code == 200 and checked.status_code == 200
    words = text_of(asked)
    assert "How well did we help you?" in words and "Thank you" not in words
    for rating in range(1, 6):
        assert f'href="{rate_url(rating=rating)}"' in asked.get_data(as_text=True)
    assert ratings(portal) == []
    assert rows(portal.engine, "surveys")[0].rating is None


def test_a_rating_out_of_range_is_refused_and_records_nothing(portal: Portal) -> None:
    closed_case_with_survey(portal)

    refused = portal.client.get(rate_url(rating=9))

    assert refused.status_code == 422
    assert "Your answer was not recorded" in text_of(refused)
    assert ratings(portal) == []


@pytest.mark.parametrize("token", [TOKEN[::-1], "short", "x" * 200, "not/a/token"])
def test_a_link_nobody_offered_is_not_found(portal: Portal, token: str) -> None:
    closed_case_with_survey(portal)

    unknown = portal.client.get(rate_url(token=token, rating=5))

    assert unknown.status_code == 404
    assert ratings(portal) == []


def test_another_offices_address_does_not_open_the_survey(portal: Portal) -> None:
    closed_case_with_survey(portal)
    register_office(portal.engine, office_id="rep-other", name="Office of Rep. Other")

    elsewhere = portal.client.get(rate_url(office="rep-other", rating=5))

    assert elsewhere.status_code == 404
    assert "We do not know this link" in text_of(elsewhere)
    assert ratings(portal) == []


def test_the_page_speaks_the_constituents_language(portal: Portal) -> None:
    closed_case_with_survey(portal, language="es")

    clicked = portal.client.get(rate_url(rating=5))

    assert "Gracias. Usted calificó nuestra ayuda con 5 de 5." in text_of(clicked)
    assert "Muy bien" in text_of(clicked)


def test_a_replayed_offer_keeps_the_rating_already_given(portal: Portal) -> None:
    case_id = closed_case_with_survey(portal)
    portal.client.get(rate_url(rating=3))

    offer(portal, case_id)

    [kept] = rows(portal.engine, "surveys")
    assert kept.rating == 3
