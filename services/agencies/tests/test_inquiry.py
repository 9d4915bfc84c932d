"""An inquiry's life without a database: approval, sending, replies, pauses, extensions,
overdue levels and withdrawal, and the events each step records."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.agencies.domain.clock import DayBasis, HolidayCalendar, OverdueLevel, ResponseTarget
from services.agencies.domain.inquiry import Inquiry, InquiryState, Reply
from services.agencies.domain.inquiry_clock import CaseClocks
from services.chassis.errors import Conflict, Forbidden, ValidationFailed
from services.contracts import (
    CLOCK_PAUSED,
    CLOCK_RESUMED,
    DEADLINE_EXTENDED,
    INQUIRY_OVERDUE,
    INQUIRY_SENT,
    INQUIRY_WITHDRAWN,
    REPLY_LOGGED,
    ClockChanged,
    DeadlineExtended,
    InquirySent,
    ReplyLogged,
)

US = HolidayCalendar("US")
SSA = ResponseTarget(20, DayBasis.CALENDAR, interim_every_days=30)
BUSINESS_20 = ResponseTarget(20, DayBasis.BUSINESS)
AT = datetime(2026, 12, 12, 15, 0, tzinfo=UTC)
SENT_ON = date(2026, 12, 12)


def drafted(role: str = "caseworker", inquiry_id: str = "i-1", **changes: object) -> Inquiry:
    fields: dict[str, object] = {
        "inquiry_id": inquiry_id,
        "case_id": "c-1",
        "reference": "CW-2026-000042",
        "agency_code": "SSA",
        "agency_name": "Social Security Administration",
        "contact_id": "k-1",
        "template_id": "t-1",
        "template_version": 2,
        "subject": "Congressional inquiry",
        "body": "Dear Pat Lee, ...",
        "release_id": "r-1",
        "drafted_by": "u-writer",
        "drafted_role": role,
        "at": AT - timedelta(hours=2),
        "approval_roles": ("caseworker",),
    }
    fields.update(changes)
    return Inquiry.draft(**fields)  # type: ignore[arg-type]


def sent(target: ResponseTarget = SSA, inquiry_id: str = "i-1") -> Inquiry:
    inquiry = drafted(role="supervisor", inquiry_id=inquiry_id)
    inquiry.mark_sent(
        channel="email", by="u-writer", at=AT, started_on=SENT_ON, target=target, calendar=US
    )
    inquiry.pull_events()
    return inquiry


def reply(kind: str, received_on: date, reply_id: str = "p-1") -> Reply:
    return Reply(
        reply_id=reply_id,
        kind=kind,
        text="We are reviewing the claim.",
        received_on=received_on,
        logged_by="u-writer",
        logged_at=datetime.combine(received_on, datetime.min.time(), UTC) + timedelta(hours=20),
    )


# -- drafting and approval -----------------------------------------------------------------


def test_a_letter_from_a_role_the_office_reviews_waits_for_approval() -> None:
    inquiry = drafted(role="caseworker")

    assert inquiry.needs_approval
    assert inquiry.state is InquiryState.AWAITING_APPROVAL
    assert inquiry.pull_events() == []


def test_a_letter_from_a_role_the_office_trusts_is_ready_to_send() -> None:
    inquiry = drafted(role="supervisor")

    assert not inquiry.needs_approval
    assert inquiry.state is InquiryState.APPROVED


def test_a_letter_needs_a_subject_and_a_body() -> None:
    with pytest.raises(ValidationFailed) as refused:
        drafted(subject=" ", body="")

    assert set(refused.value.fields) == {"subject", "body"}


def test_a_supervisor_approves_someone_else_s_letter() -> None:
    inquiry = drafted()
    inquiry.approve(by="u-boss", role="supervisor", at=AT)

    assert inquiry.state is InquiryState.APPROVED
    assert (inquiry.approved_by, inquiry.approved_at) == ("u-boss", AT)


def test_a_caseworker_cannot_approve_a_letter() -> None:
    with pytest.raises(Forbidden):
        drafted().approve(by="u-other", role="caseworker", at=AT)


def test_nobody_approves_their_own_letter() -> None:
    with pytest.raises(Forbidden):
        drafted().approve(by="u-writer", role="office_admin", at=AT)


def test_a_letter_not_waiting_for_approval_cannot_be_approved() -> None:
    with pytest.raises(Conflict):
        drafted(role="supervisor").approve(by="u-boss", role="supervisor", at=AT)


# -- sending -------------------------------------------------------------------------------


def test_sending_starts_the_clock_and_announces_the_due_date() -> None:
    inquiry = drafted(role="supervisor")
    inquiry.mark_sent(
        channel="email", by="u-writer", at=AT, started_on=SENT_ON, target=SSA, calendar=US
    )

    assert inquiry.state is InquiryState.SENT
    assert inquiry.follow_up_on == date(2026, 12, 19)
    [event] = inquiry.pull_events()
    assert event.contract is INQUIRY_SENT
    assert event.payload == InquirySent(
        inquiry_id="i-1",
        case_id="c-1",
        reference="CW-2026-000042",
        agency_code="SSA",
        agency_name="Social Security Administration",
        channel="email",
        sent_by="u-writer",
        sent_at=AT,
        due_on=date(2027, 1, 1),
        follow_up_on=date(2026, 12, 19),
    )


def test_the_first_follow_up_is_never_after_the_due_date() -> None:
    inquiry = drafted(role="supervisor")
    inquiry.mark_sent(
        channel="fax",
        by="u",
        at=AT,
        started_on=SENT_ON,
        target=ResponseTarget(3, DayBasis.CALENDAR),
        calendar=US,
    )

    assert inquiry.follow_up_on == date(2026, 12, 15)


def test_a_letter_awaiting_approval_cannot_be_sent() -> None:
    with pytest.raises(Conflict):
        drafted().mark_sent(
            channel="email", by="u", at=AT, started_on=SENT_ON, target=SSA, calendar=US
        )


def test_a_letter_cannot_be_sent_twice_or_by_an_unknown_channel() -> None:
    inquiry = sent()

    with pytest.raises(Conflict):
        inquiry.mark_sent(
            channel="email", by="u", at=AT, started_on=SENT_ON, target=SSA, calendar=US
        )
    with pytest.raises(ValidationFailed) as refused:
        drafted(role="supervisor").mark_sent(
            channel="pigeon", by="u", at=AT, started_on=SENT_ON, target=SSA, calendar=US
        )
    assert "channel" in refused.value.fields


def test_a_message_id_is_kept_once_assigned() -> None:
    inquiry = drafted(role="supervisor")

    assert inquiry.assign_message_id("<a@casework>") == "<a@casework>"
    assert inquiry.assign_message_id("<b@casework>") == "<a@casework>"
    with pytest.raises(Conflict):
        sent().assign_message_id("<c@casework>")


def test_there_is_no_deadline_before_the_letter_is_sent() -> None:
    assert drafted(role="supervisor").deadline(US, SENT_ON) is None
    deadline = sent(BUSINESS_20).deadline(US, SENT_ON)
    assert deadline is not None
    assert deadline.due_on == date(2027, 1, 12)


# -- replies -------------------------------------------------------------------------------


def test_an_interim_reply_keeps_the_due_date_and_restarts_the_follow_up_clock() -> None:
    inquiry = sent()
    inquiry.log_reply(reply("interim", date(2026, 12, 20)), calendar=US)

    assert inquiry.state is InquiryState.SENT
    assert inquiry.follow_up_on == date(2027, 1, 19)
    deadline = inquiry.deadline(US, date(2026, 12, 21))
    assert deadline is not None and deadline.due_on == date(2027, 1, 1)
    [event] = inquiry.pull_events()
    assert event.contract is REPLY_LOGGED
    assert isinstance(event.payload, ReplyLogged)
    assert (event.payload.kind, event.payload.follow_up_on) == ("interim", date(2027, 1, 19))


def test_a_final_reply_stops_the_clock_and_its_follow_ups() -> None:
    inquiry = sent()
    inquiry.log_reply(reply("final", date(2026, 12, 28)), calendar=US)

    assert inquiry.state is InquiryState.ANSWERED
    assert inquiry.follow_up_on is None
    [event] = inquiry.pull_events()
    assert event.payload.kind == "final" and event.payload.follow_up_on is None
    assert inquiry.check_overdue(today=date(2027, 3, 1), at=AT, calendar=US) == []


def test_a_second_final_reply_is_a_conflict() -> None:
    inquiry = sent()
    inquiry.log_reply(reply("final", date(2026, 12, 28)), calendar=US)

    with pytest.raises(Conflict):
        inquiry.log_reply(reply("interim", date(2026, 12, 29), "p-2"), calendar=US)


def test_a_reply_needs_a_sent_letter_a_known_kind_and_a_date_after_sending() -> None:
    with pytest.raises(Conflict):
        drafted(role="supervisor").log_reply(reply("final", SENT_ON), calendar=US)
    with pytest.raises(ValidationFailed):
        sent().log_reply(reply("maybe", SENT_ON), calendar=US)
    with pytest.raises(ValidationFailed) as refused:
        sent().log_reply(reply("final", date(2026, 12, 1)), calendar=US)
    assert "received_on" in refused.value.fields


# -- extensions and overdue levels ---------------------------------------------------------


def test_an_extension_moves_the_due_date_and_says_from_where() -> None:
    inquiry = sent(BUSINESS_20)
    inquiry.extend(
        days=5,
        reason=" The liaison asked for time ",
        by="u-writer",
        at=AT,
        calendar=US,
        today=SENT_ON,
    )

    deadline = inquiry.deadline(US, SENT_ON)
    assert deadline is not None and deadline.due_on == date(2027, 1, 20)
    assert deadline.explanation().endswith("extended 5 days (The liaison asked for time)")
    [event] = inquiry.pull_events()
    assert event.contract is DEADLINE_EXTENDED
    assert event.payload == DeadlineExtended(
        inquiry_id="i-1",
        case_id="c-1",
        reference="CW-2026-000042",
        agency_code="SSA",
        due_on=date(2027, 1, 20),
        previous_due_on=date(2027, 1, 12),
        reason="The liaison asked for time",
        extended_by="u-writer",
        at=AT,
    )


def test_an_extension_needs_days_and_a_reason_and_a_sent_letter() -> None:
    with pytest.raises(ValidationFailed) as refused:
        sent().extend(days=0, reason="", by="u", at=AT, calendar=US, today=SENT_ON)
    assert set(refused.value.fields) == {"days", "reason"}
    with pytest.raises(Conflict):
        drafted(role="supervisor").extend(
            days=5, reason="x", by="u", at=AT, calendar=US, today=SENT_ON
        )


def test_each_overdue_level_is_announced_once() -> None:
    inquiry = sent(BUSINESS_20)  # due 12 Jan 2027

    assert inquiry.check_overdue(today=date(2027, 1, 12), at=AT, calendar=US) == []
    assert inquiry.check_overdue(today=date(2027, 1, 13), at=AT, calendar=US) == [OverdueLevel.DUE]
    assert inquiry.check_overdue(today=date(2027, 1, 14), at=AT, calendar=US) == []
    # 13-15, (18 Jan is MLK day), 19, 20: five business days late on 20 Jan.
    assert inquiry.check_overdue(today=date(2027, 1, 20), at=AT, calendar=US) == [
        OverdueLevel.PLUS_5
    ]
    assert inquiry.overdue_level is OverdueLevel.PLUS_5
    events = inquiry.pull_events()
    assert [event.contract for event in events] == [INQUIRY_OVERDUE, INQUIRY_OVERDUE]
    assert [(e.payload.level, e.payload.business_days_late) for e in events] == [
        ("due", 1),
        ("plus_5", 5),
    ]


def test_a_late_first_check_announces_every_level_reached() -> None:
    inquiry = sent(BUSINESS_20)

    levels = inquiry.check_overdue(today=date(2027, 2, 1), at=AT, calendar=US)

    assert levels == [OverdueLevel.DUE, OverdueLevel.PLUS_5, OverdueLevel.PLUS_10]
    assert inquiry.next_overdue_check_on(US, date(2027, 2, 1)) is None


def test_the_next_overdue_check_is_the_first_day_a_new_level_can_be_reached() -> None:
    inquiry = sent(BUSINESS_20)

    assert inquiry.next_overdue_check_on(US, SENT_ON) == date(2027, 1, 13)
    inquiry.check_overdue(today=date(2027, 1, 13), at=AT, calendar=US)
    assert inquiry.next_overdue_check_on(US, date(2027, 1, 13)) == date(2027, 1, 20)
    assert drafted().next_overdue_check_on(US, SENT_ON) is None


def test_an_extension_past_today_starts_the_overdue_levels_again() -> None:
    inquiry = sent(BUSINESS_20)
    inquiry.check_overdue(today=date(2027, 1, 13), at=AT, calendar=US)
    inquiry.extend(
        days=10, reason="asked for time", by="u", at=AT, calendar=US, today=date(2027, 1, 13)
    )

    assert inquiry.overdue_level is None
    assert inquiry.check_overdue(today=date(2027, 1, 14), at=AT, calendar=US) == []


# -- pauses --------------------------------------------------------------------------------


def test_a_case_waiting_on_the_constituent_pauses_every_running_clock_once() -> None:
    first, second, unsent = (
        sent(inquiry_id="i-1"),
        sent(BUSINESS_20, "i-2"),
        drafted(inquiry_id="i-3"),
    )
    clocks = CaseClocks(case_id="c-1", reference="CW-2026-000042")
    paused_on = date(2026, 12, 15)

    changed = clocks.pause_all(
        [first, second, unsent], on=paused_on, at=AT, calendar=US, today=paused_on
    )
    again = clocks.pause_all([first, second], on=paused_on, at=AT, calendar=US, today=paused_on)

    assert changed == [first, second]
    assert again == []
    [event] = clocks.pull_events()
    assert event.contract is CLOCK_PAUSED
    assert event.payload == ClockChanged(
        case_id="c-1",
        reference="CW-2026-000042",
        inquiry_ids=["i-1", "i-2"],
        due_on={"i-1": date(2027, 1, 2), "i-2": date(2027, 1, 13)},
        reason="waiting_on_constituent",
        at=AT,
    )
    assert first.paused and second.paused and not unsent.paused


def test_resuming_moves_the_due_date_by_the_days_the_clock_stood_still() -> None:
    inquiry = sent()
    clocks = CaseClocks(case_id="c-1", reference="CW-2026-000042")
    clocks.pause_all([inquiry], on=date(2026, 12, 15), at=AT, calendar=US, today=date(2026, 12, 15))
    clocks.pull_events()

    assert inquiry.check_overdue(today=date(2027, 3, 1), at=AT, calendar=US) == []  # paused
    changed = clocks.resume_all(
        [inquiry], on=date(2026, 12, 18), at=AT, calendar=US, today=date(2026, 12, 18)
    )

    assert changed == [inquiry]
    assert not inquiry.paused
    [event] = clocks.pull_events()
    assert event.contract is CLOCK_RESUMED
    assert event.payload.due_on == {"i-1": date(2027, 1, 4)}  # 1 Jan + 3 days
    assert event.payload.reason == "open"
    deadline = inquiry.deadline(US, date(2026, 12, 18))
    assert deadline is not None
    assert "paused 3 days waiting on the constituent" in deadline.explanation()
    assert (
        clocks.resume_all(
            [inquiry], on=date(2026, 12, 19), at=AT, calendar=US, today=date(2026, 12, 19)
        )
        == []
    )
    assert clocks.pull_events() == []


# -- withdrawal ----------------------------------------------------------------------------


def test_a_letter_can_be_withdrawn_with_a_reason_until_the_agency_answers() -> None:
    inquiry = sent()
    inquiry.pull_events()
    inquiry.withdraw(by="u-writer", reason="Resolved by phone", at=AT)

    # Cases stops waiting on the agency; the reason stays here.
    [withdrawn] = inquiry.pull_events()
    assert withdrawn.contract is INQUIRY_WITHDRAWN
    assert (withdrawn.payload.agency_code, withdrawn.payload.withdrawn_by) == ("SSA", "u-writer")
    unsent = drafted()
    unsent.withdraw(by="u-writer", reason="Not needed", at=AT)
    assert unsent.pull_events() == [], "nobody heard of a letter that never went"

    assert inquiry.state is InquiryState.WITHDRAWN
    assert inquiry.withdrawn_reason == "Resolved by phone"
    assert inquiry.follow_up_on is None
    with pytest.raises(Conflict):
        inquiry.withdraw(by="u-writer", reason="again", at=AT)
    answered = sent()
    answered.log_reply(reply("final", date(2026, 12, 20)), calendar=US)
    with pytest.raises(Conflict):
        answered.withdraw(by="u-writer", reason="too late", at=AT)
    with pytest.raises(ValidationFailed):
        drafted().withdraw(by="u-writer", reason=" ", at=AT)


# -- any sequence of steps -----------------------------------------------------------------

ACTIONS = [
    "approve",
    "send",
    "interim",
    "final",
    "extend",
    "pause",
    "resume",
    "overdue",
    "withdraw",
]
LEGAL = {
    InquiryState.AWAITING_APPROVAL: {InquiryState.APPROVED, InquiryState.WITHDRAWN},
    InquiryState.APPROVED: {InquiryState.SENT, InquiryState.WITHDRAWN},
    InquiryState.SENT: {InquiryState.ANSWERED, InquiryState.WITHDRAWN},
    InquiryState.ANSWERED: set(),
    InquiryState.WITHDRAWN: set(),
}


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["caseworker", "supervisor"]), st.lists(st.sampled_from(ACTIONS), max_size=12)
)
def test_any_sequence_of_steps_only_makes_legal_moves(role: str, actions: list[str]) -> None:
    inquiry = drafted(role=role)
    today = SENT_ON
    extended = 0
    for number, action in enumerate(actions):
        today += timedelta(days=3)
        before = inquiry.state
        try:
            _step(inquiry, action, today, number)
        except (Conflict, Forbidden, ValidationFailed):
            assert inquiry.state is before
            continue
        extended += action == "extend"
        assert inquiry.state is before or inquiry.state in LEGAL[before]
    contracts = [event.contract for event in inquiry.pull_events()]
    assert contracts.count(INQUIRY_SENT) <= 1
    # Each level once per due date: an extension starts them again.
    assert contracts.count(INQUIRY_OVERDUE) <= 3 * (1 + extended)
    assert [r.kind for r in inquiry.replies].count("final") <= 1
    assert inquiry.state is not InquiryState.ANSWERED or inquiry.follow_up_on is None


def _step(inquiry: Inquiry, action: str, today: date, number: int) -> None:
    at = datetime.combine(today, datetime.min.time(), UTC)
    if action == "approve":
        inquiry.approve(by="u-boss", role="supervisor", at=at)
    elif action == "send":
        inquiry.mark_sent(
            channel="post", by="u", at=at, started_on=today, target=BUSINESS_20, calendar=US
        )
    elif action in ("interim", "final"):
        inquiry.log_reply(reply(action, today, f"p-{number}"), calendar=US)
    elif action == "extend":
        inquiry.extend(days=5, reason="asked", by="u", at=at, calendar=US, today=today)
    elif action == "pause":
        inquiry.pause(today)
    elif action == "resume":
        inquiry.resume(today)
    elif action == "overdue":
        inquiry.check_overdue(today=today + timedelta(days=40), at=at, calendar=US)
    else:
        inquiry.withdraw(by="u", reason="no longer needed", at=at)
