"""Agencies' RPC contracts: the wire form of the directory's agencies and suggestions, and the
arguments they accept (no broker needed)."""

from __future__ import annotations

import pytest
from marshmallow import ValidationError

from services.agencies.tests.fakes import DIRECTORY
from services.contracts.rpc.agencies import (
    AgencyEntry,
    AgencySuggestionResult,
    GetAgencyRequest,
    SuggestAgencyRequest,
)


def test_an_agency_is_answered_in_the_promised_wire_form_and_read_back() -> None:
    wire = AgencyEntry().dump(DIRECTORY.agencies["CMS"])

    assert wire == {
        "code": "CMS",
        "name": "Centers for Medicare & Medicaid Services",
        "liaison_office": "OL",
        "website_url": "https://www.cms.gov/",
        "liaison_url": "https://www.cms.gov/",
        "category_codes": ["medicare", "medicaid"],
        "typical_response_days": 30,
    }
    assert AgencyEntry().load({**wire, "added_later": 1})["categories"] == ["medicare", "medicaid"]


def test_a_suggestion_is_answered_with_the_agency_and_the_reason() -> None:
    suggestion = DIRECTORY.suggest("veterans")

    assert AgencySuggestionResult().dump(suggestion) == {
        "code": "VA",
        "name": "Department of Veterans Affairs",
        "reason": "category:veterans",
    }


def test_an_agency_code_is_read_in_any_case_and_without_stray_spaces() -> None:
    assert GetAgencyRequest().load({"code": " dos-ppt "}) == {"code": "DOS-PPT"}
    for bad in ["not a code!", "S", "S S A", "", "A" * 21]:
        with pytest.raises(ValidationError):
            GetAgencyRequest().load({"code": bad})


def test_suggest_agency_refuses_an_unknown_category_or_argument() -> None:
    assert SuggestAgencyRequest().load({"category": "tax"}) == {
        "category": "tax",
        "agency_hint": None,
    }
    with pytest.raises(ValidationError) as refused:
        SuggestAgencyRequest().load({"category": "aliens", "office": "rep-lopez"})
    assert set(refused.value.messages_dict) == {"category", "office"}
