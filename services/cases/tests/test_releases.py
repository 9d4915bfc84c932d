"""Privacy releases and public notes in the domain, without a database: a release's state at
a moment, its lines on the timeline, the case page joining them, the files a submission
brought, and the update a public note announces to the constituent."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.cases.domain.case import (
    PUBLIC_NOTE_LENGTH,
    Author,
    Case,
    CaseAttachment,
    CaseStatus,
    TimelineKind,
)
from services.cases.domain.queue import CaseView
from services.cases.domain.releases import (
    PrivacyRelease,
    ReleaseState,
    Revocation,
    Signing,
    shown,
)
from services.chassis.errors import ValidationFailed
from services.contracts import (
    CASE_STATUS_CHANGED,
    PUBLIC_NOTE_ADDED,
    SUBMISSION_RECEIVED,
    PublicNoteAdded,
    SubmissionReceived,
)
from services.contracts.payloads import PublicNoteAddedV1

T0 = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
YEAR = timedelta(days=365)
SAM = Author("u-3", "Sam Rivera")
SUBMISSION: SubmissionReceived = SUBMISSION_RECEIVED.load_typed(SUBMISSION_RECEIVED.example)


def opened(status: CaseStatus = CaseStatus.OPEN) -> Case:
    case = Case.open(SUBMISSION, office_id="rep-lopez", reference="CW-2026-000042", opened_at=T0)
    case.status = status
    case.pull_events()
    return case


def release(
    kind: str = "e_signed",
    agencies: tuple[str, ...] = ("SSA", "VA"),
    signed_at: datetime = T0,
    release_id: str = "r-1",
) -> PrivacyRelease:
    signed = PrivacyRelease(release_id, SUBMISSION.submission_id, agencies)
    signed.sign(Signing(kind, signed_at, signed_at + YEAR), agencies)
    return signed


def test_a_release_is_valid_until_it_expires_and_then_expired() -> None:
    signed = release()

    assert signed.state_at(T0) is ReleaseState.VALID
    assert signed.state_at(T0 + YEAR - timedelta(seconds=1)) is ReleaseState.VALID
    assert signed.state_at(T0 + YEAR) is ReleaseState.EXPIRED


@given(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=800)))
def test_a_revoked_release_is_revoked_whenever_it_is_read(after: timedelta) -> None:
    signed = release()
    signed.revoke(Revocation("staff", T0 + timedelta(days=3)))

    assert signed.state_at(T0 + after) is ReleaseState.REVOKED


def test_the_first_revocation_is_the_one_that_counts() -> None:
    signed = release()
    signed.revoke(Revocation("constituent", T0 + timedelta(days=3)))
    signed.revoke(Revocation("staff", T0 + timedelta(days=9)))

    assert signed.revocation == Revocation("constituent", T0 + timedelta(days=3))


def test_a_release_puts_its_signing_and_revocation_on_the_timeline() -> None:
    signed = release()
    assert [(n.at, n.kind, n.summary) for n in signed.timeline()] == [
        (
            T0,
            TimelineKind.RELEASE_SIGNED,
            "Privacy release signed (SSA, VA; valid until 3 Dec 2027)",
        )
    ]

    signed.revoke(Revocation("constituent", T0 + timedelta(days=3)))
    paper = release("wet_signed", ("USCIS",))
    paper.revoke(Revocation("staff", T0 + timedelta(days=4)))

    assert [(n.kind, n.summary) for n in signed.timeline()][1:] == [
        (TimelineKind.RELEASE_REVOKED, "Privacy release revoked by the constituent")
    ]
    assert [n.summary for n in paper.timeline()] == [
        "Privacy release signed on paper (USCIS; valid until 3 Dec 2027)",
        "Privacy release revoked by staff",
    ]
    assert {n.author_id for n in signed.timeline()} == {None}


def test_a_release_known_only_by_its_revocation_is_not_shown_until_its_signing_arrives() -> None:
    revoked_first = PrivacyRelease("r-2", SUBMISSION.submission_id, ("SSA",))
    revoked_first.revoke(Revocation("constituent", T0 + timedelta(days=1)))
    older = release(signed_at=T0 - timedelta(days=30), release_id="r-0")
    newer = release(release_id="r-1")

    assert revoked_first.timeline() == []
    assert [r.release_id for r in shown([older, revoked_first, newer])] == ["r-1", "r-0"]

    revoked_first.sign(Signing("e_signed", T0 - timedelta(days=2), T0 + YEAR), ("SSA",))

    assert [r.release_id for r in shown([older, revoked_first, newer])] == ["r-1", "r-2", "r-0"]
    assert revoked_first.state_at(T0) is ReleaseState.REVOKED


def test_the_case_page_timeline_holds_the_releases_lines_in_time_order() -> None:
    case = opened()
    case.add_note("Called the liaison", by=SAM, at=T0 + timedelta(days=2))
    earlier = release(signed_at=T0 - timedelta(minutes=5))
    earlier.revoke(Revocation("staff", T0 + timedelta(days=1)))

    view = CaseView(case, [], [earlier], read_at=T0 + timedelta(days=3))

    assert [note.kind for note in view.timeline] == [
        TimelineKind.RELEASE_SIGNED,
        TimelineKind.OPENED,
        TimelineKind.RELEASE_REVOKED,
        TimelineKind.NOTE,
    ]
    assert view.release_state(earlier) is ReleaseState.REVOKED
    # The case's own timeline is what it stores: the releases' lines are read, never stored.
    assert [note.kind for note in case.timeline] == [TimelineKind.OPENED, TimelineKind.NOTE]


def test_a_case_keeps_the_files_its_submission_brought() -> None:
    case = opened()

    assert case.attachments == (
        CaseAttachment(
            "a1f0c2d4-7b1e-4c55-9d0a-2e4f6a8b0c13",
            "denial-letter.pdf",
            "application/pdf",
            48213,
            "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        ),
    )


def test_a_public_note_is_announced_with_its_text_for_the_constituents_status_page() -> None:
    case = opened()
    at = T0 + timedelta(days=1)

    case.add_note("We wrote to the SSA for you.", by=SAM, at=at, visibility="public")

    [event] = case.pull_events()
    assert event.contract is PUBLIC_NOTE_ADDED
    payload: PublicNoteAdded = event.payload
    assert (payload.case_id, payload.reference, payload.text, payload.added_at) == (
        case.case_id,
        "CW-2026-000042",
        "We wrote to the SSA for you.",
        at,
    )
    assert str(uuid.UUID(payload.note_id)) == payload.note_id
    # The wire form the contract checks on the way to the outbox.
    assert PUBLIC_NOTE_ADDED.dump(payload)["text"] == "We wrote to the SSA for you."


@pytest.mark.parametrize("kind", [TimelineKind.NOTE, TimelineKind.CALL, TimelineKind.MEETING])
def test_an_internal_note_call_or_meeting_is_never_announced(kind: TimelineKind) -> None:
    case = opened()

    case.add_note("Constituent's SSN confirmed by phone", by=SAM, at=T0, kind=kind)

    assert case.pull_events() == []
    assert case.timeline[-1].visibility == "internal"


def test_a_public_note_on_a_new_case_opens_it_then_announces_the_update() -> None:
    case = opened(CaseStatus.NEW)

    case.add_note("We have your request.", by=SAM, at=T0, visibility="public")

    assert [event.contract for event in case.pull_events()] == [
        CASE_STATUS_CHANGED,
        PUBLIC_NOTE_ADDED,
    ]


def test_a_public_note_longer_than_the_status_page_shows_is_refused_and_changes_nothing() -> None:
    case = opened(CaseStatus.NEW)
    before = list(case.timeline)

    with pytest.raises(ValidationFailed) as refused:
        case.add_note("x" * (PUBLIC_NOTE_LENGTH + 1), by=SAM, at=T0, visibility="public")

    assert "body" in refused.value.fields
    assert case.status is CaseStatus.NEW and case.timeline == before
    assert case.pull_events() == []
    # The same length is fine for an internal note, and for a public one at the limit.
    case.add_note("x" * (PUBLIC_NOTE_LENGTH + 1), by=SAM, at=T0)
    case.add_note("x" * PUBLIC_NOTE_LENGTH, by=SAM, at=T0, visibility="public")
    assert [e.contract for e in case.pull_events()][-1] is PUBLIC_NOTE_ADDED


def test_the_public_note_limit_is_the_contracts() -> None:
    text = PublicNoteAddedV1().fields["text"]
    [length] = [v for v in text.validators if hasattr(v, "max")]

    assert length.max == PUBLIC_NOTE_LENGTH
