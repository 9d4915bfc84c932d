"""The `Case` aggregate and its vocabulary, without a database."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.cases.domain.case import (
    REFERENCE,
    STATUSES,
    Case,
    CaseStatus,
    TimelineKind,
    TimelineNote,
    assigned_summary,
    case_id_for,
    format_reference,
)
from services.cases.domain.routing import Turn
from services.chassis.errors import Conflict
from services.contracts import (
    CASE_ASSIGNED,
    CASE_OPENED,
    SUBMISSION_RECEIVED,
    CaseAssigned,
    CaseOpened,
    SubmissionReceived,
)

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
OFFICE = "rep-lopez"
SUBMISSION: SubmissionReceived = SUBMISSION_RECEIVED.load_typed(SUBMISSION_RECEIVED.example)
SAM = Turn("u-3", "Sam Rivera", T0 + timedelta(seconds=1))


def opened(turn: Turn | None = None) -> Case:
    return Case.open(
        SUBMISSION, office_id=OFFICE, reference="CW-2026-000042", opened_at=T0, turn=turn
    )


def test_a_reference_is_the_year_and_a_six_digit_number() -> None:
    assert format_reference(2026, 42) == "CW-2026-000042"
    assert format_reference(2027, 1) == "CW-2027-000001"


def test_a_busy_office_outgrows_six_digits_without_losing_numbers() -> None:
    assert format_reference(2026, 1_234_567) == "CW-2026-1234567"


@pytest.mark.parametrize(("year", "number"), [(2026, 0), (2026, -3), (26, 1), (20260, 1)])
def test_impossible_reference_numbers_and_years_are_refused(year: int, number: int) -> None:
    with pytest.raises(ValueError):
        format_reference(year, number)


@given(st.integers(1000, 9999), st.integers(1, 10**8))
def test_a_reference_reads_back_as_the_year_and_number_it_was_made_from(
    year: int, number: int
) -> None:
    match = REFERENCE.match(format_reference(year, number))
    assert match is not None
    assert (int(match[1]), int(match[2])) == (year, number)


def test_a_submission_always_maps_to_the_same_case_id_and_offices_never_share_one() -> None:
    assert case_id_for("rep-lopez", "s-1") == case_id_for("rep-lopez", "s-1")
    assert case_id_for("rep-lopez", "s-1") != case_id_for("rep-lopez", "s-2")
    assert case_id_for("rep-lopez", "s-1") != case_id_for("sen-okafor", "s-1")


def test_the_status_vocabulary_starts_new_and_has_the_two_waiting_states() -> None:
    assert STATUSES == (
        "new",
        "open",
        "waiting_on_agency",
        "waiting_on_constituent",
        "resolved",
        "closed",
        "withdrawn",
        "transferred",
    )
    assert CaseStatus("waiting_on_constituent") is CaseStatus.WAITING_ON_CONSTITUENT
    with pytest.raises(ValueError):
        CaseStatus("pending")


def test_the_assignment_note_names_the_caseworker_and_how() -> None:
    assert assigned_summary("Sam Rivera", "round_robin") == "Assigned to Sam Rivera (round robin)"


def test_the_status_vocabulary_is_the_one_other_services_are_promised() -> None:
    from services.contracts.vocabulary import CASE_STATUSES

    assert STATUSES == CASE_STATUSES


def test_a_submission_opens_a_case_and_announces_it_without_the_constituents_name() -> None:
    case = opened()

    assert case.case_id == case_id_for(OFFICE, SUBMISSION.submission_id)
    assert case.status is CaseStatus.NEW
    assert (case.priority, case.updated_at) == ("normal", T0)
    assert (case.contact_email, case.preferred_language, case.channel) == (
        SUBMISSION.contact_email,
        SUBMISSION.preferred_language,
        SUBMISSION.channel,
    )
    assert (case.constituent_name, case.subject) == ("Maria Lopez", "Retirement benefit delayed")
    assert case.timeline == [
        TimelineNote(T0, TimelineKind.OPENED, "Case opened from submission K7QX-M2PD")
    ]
    [event] = case.pull_events()
    assert event.contract is CASE_OPENED
    assert event.payload == CaseOpened(
        case_id=case.case_id,
        reference="CW-2026-000042",
        submission_id="5b0c9a4e-3f0e-4a8e-9a53-0c7f7b6f6d11",
        tracking_code="K7QX-M2PD",
        constituent_id="0d6f3c1e-2a55-4a8b-8f8e-6a4ac2f5b1a0",
        category="social_security",
        agency_hint="SSA",
        urgent=False,
        opened_at=T0,
    )
    assert "Maria" not in str(CASE_OPENED.dump(event.payload))
    assert case.awaits_caseworker


def test_a_case_opened_on_someones_turn_is_theirs_and_says_so_after_the_opening() -> None:
    case = opened(SAM)

    assert (case.assigned_to_id, case.assigned_to_name, case.assigned_at) == (
        "u-3",
        "Sam Rivera",
        SAM.assigned_at,
    )
    assert [note.kind for note in case.timeline] == [TimelineKind.OPENED, TimelineKind.ASSIGNED]
    assert case.timeline[1].summary == "Assigned to Sam Rivera (round robin)"
    events = case.pull_events()
    assert [event.contract for event in events] == [CASE_OPENED, CASE_ASSIGNED]
    # The opening says whom it went to: notify schedules no "unassigned" reminder for it.
    assert events[0].payload.caseworker_id == "u-3"
    assert CASE_OPENED.dump(events[0].payload)["caseworker_id"] == "u-3"
    assert events[1].payload == CaseAssigned(
        case_id=case.case_id,
        caseworker_id="u-3",
        caseworker_name="Sam Rivera",
        method="round_robin",
        assigned_at=SAM.assigned_at,
    )
    assert CASE_ASSIGNED.dump(events[1].payload)["method"] == "round_robin"
    assert not case.awaits_caseworker
    assert case.pull_events() == []


def test_a_waiting_case_is_given_to_whoevers_turn_it_is_later() -> None:
    case = opened()
    case.pull_events()

    case.take_turn(SAM)

    [event] = case.pull_events()
    assert event.contract is CASE_ASSIGNED and event.payload.caseworker_id == "u-3"
    assert case.timeline[-1] == TimelineNote(
        SAM.assigned_at, TimelineKind.ASSIGNED, "Assigned to Sam Rivera (round robin)"
    )


@pytest.mark.parametrize(
    "status",
    [CaseStatus.RESOLVED, CaseStatus.CLOSED, CaseStatus.WITHDRAWN, CaseStatus.TRANSFERRED],
)
def test_a_finished_case_takes_no_caseworker_and_does_not_wait_for_one(status: CaseStatus) -> None:
    case = opened()
    case.status = status
    case.pull_events()

    assert not case.awaits_caseworker
    with pytest.raises(Conflict):
        case.take_turn(SAM)
    assert case.assigned_to_id is None and case.pull_events() == []


def test_the_agency_suggestion_and_the_acknowledgement_are_noted_on_the_timeline() -> None:
    case = opened()
    case.pull_events()

    case.suggest_agency("SSA", "Social Security Administration", at=T0 + timedelta(seconds=2))
    case.note_acknowledgement("email", sent_at=T0 + timedelta(seconds=3))

    assert (case.agency_code, case.agency_name) == ("SSA", "Social Security Administration")
    assert [(note.kind, note.summary) for note in case.timeline[1:]] == [
        (TimelineKind.AGENCY_SUGGESTED, "Agency suggested: Social Security Administration (SSA)"),
        (TimelineKind.ACKNOWLEDGEMENT_SENT, "Acknowledgement sent to the constituent by email"),
    ]
    # Other services announced these; the case announces nothing again.
    assert case.pull_events() == []


def test_an_acknowledgement_sent_again_after_a_cut_off_says_they_may_have_two() -> None:
    case = opened()

    case.note_acknowledgement("email", sent_at=T0, resent_after_doubt=True)

    assert case.timeline[-1].summary == (
        "Acknowledgement sent to the constituent by email "
        "(sent again: an earlier attempt was cut off, so they may have two copies)"
    )


def test_an_acknowledgement_by_text_message_says_so_on_the_timeline() -> None:
    case = opened()

    case.note_acknowledgement("sms", sent_at=T0)

    assert case.timeline[-1].summary == "Acknowledgement sent to the constituent by text message"
