"""The agency suggestion rule, the suggestion recorded for a new case, and code handling,
without a database or broker."""

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from services.agencies.domain.directory import (
    CATEGORIES,
    AgencyDirectory,
    SuggestionBasis,
    normalise_code,
)
from services.agencies.domain.suggestions import CaseSuggestion
from services.agencies.tests.fakes import DIRECTORY
from services.contracts import AGENCY_SUGGESTED, AgencySuggested

KNOWN_CODES = sorted(DIRECTORY.agencies)

categories = st.one_of(st.sampled_from(CATEGORIES), st.text(max_size=30))
known_hints = st.builds(
    lambda code, lower, pad: " " * pad + (code.lower() if lower else code) + " " * pad,
    st.sampled_from(KNOWN_CODES),
    st.booleans(),
    st.integers(0, 2),
)
hints = st.one_of(st.none(), known_hints, st.text(max_size=25))


@given(categories, hints)
def test_any_category_and_hint_give_a_known_agency_or_none(category: str, hint: str | None) -> None:
    suggestion = DIRECTORY.suggest(category, hint)

    if suggestion.agency is None:
        assert suggestion.basis is SuggestionBasis.NONE
        assert suggestion.reason == "none"
    else:
        assert DIRECTORY.agencies[suggestion.agency.code] == suggestion.agency


@given(categories, known_hints)
def test_a_known_hint_always_wins_over_the_category(category: str, hint: str) -> None:
    suggestion = DIRECTORY.suggest(category, hint)

    assert suggestion.agency is not None
    assert suggestion.agency.code == hint.strip().upper()
    assert suggestion.reason == "hint"


@given(
    st.sampled_from(CATEGORIES), st.one_of(st.none(), st.sampled_from(["NASA", "", "  ", "s s a"]))
)
def test_without_a_known_hint_the_category_decides(category: str, hint: str | None) -> None:
    suggestion = DIRECTORY.suggest(category, hint)

    expected = DIRECTORY.for_category(category)
    assert suggestion.agency == expected
    if expected is not None:
        assert suggestion.reason == f"category:{category}"


def test_a_hint_for_another_agency_beats_the_category_mapping() -> None:
    suggestion = DIRECTORY.suggest("social_security", "va")

    assert suggestion.agency is not None and suggestion.agency.code == "VA"
    assert suggestion.basis is SuggestionBasis.HINT


def test_both_medicare_and_medicaid_go_to_cms() -> None:
    for category in ("medicare", "medicaid"):
        suggestion = DIRECTORY.suggest(category)
        assert suggestion.agency is not None and suggestion.agency.code == "CMS"
        assert suggestion.reason == f"category:{category}"


def test_the_other_category_without_a_hint_has_no_suggestion() -> None:
    suggestion = DIRECTORY.suggest("other", None)

    assert suggestion.agency is None
    assert suggestion.reason == "none"


def test_a_category_nobody_maps_and_an_unknown_hint_have_no_suggestion() -> None:
    assert DIRECTORY.suggest("tax", "NASA").agency is None


def test_an_empty_directory_never_suggests() -> None:
    assert AgencyDirectory().suggest("social_security", "SSA").agency is None


def test_agency_codes_are_read_in_any_case_and_without_stray_spaces() -> None:
    assert normalise_code("  dos-ppt ") == "DOS-PPT"
    assert normalise_code("   ") is None
    assert normalise_code(None) is None
    assert DIRECTORY.find("Va") is DIRECTORY.agencies["VA"]


NOON = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_a_suggestion_for_a_new_case_announces_the_agency_it_found() -> None:
    made = CaseSuggestion.for_new_case(
        DIRECTORY, case_id="c-1", category="social_security", agency_hint="va", at=NOON
    )

    assert (made.agency_code, made.reason, made.basis) == ("VA", "hint", SuggestionBasis.HINT)
    assert made.suggested_at == NOON
    [event] = made.pull_events()
    assert event.contract is AGENCY_SUGGESTED
    assert event.payload == AgencySuggested(
        case_id="c-1",
        agency_code="VA",
        agency_name="Department of Veterans Affairs",
        reason="hint",
    )
    # The announcement is what the contract accepts.
    assert AGENCY_SUGGESTED.dump(event.payload)["agency_code"] == "VA"


def test_a_new_case_the_directory_cannot_place_is_recorded_and_not_announced() -> None:
    made = CaseSuggestion.for_new_case(
        DIRECTORY, case_id="c-2", category="other", agency_hint=None, at=NOON
    )

    assert (made.agency_code, made.reason, made.basis) == (None, "none", SuggestionBasis.NONE)
    assert made.pull_events() == []
