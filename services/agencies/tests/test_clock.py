"""Response clocks: business and calendar days, public holidays, pauses, extensions, time
zones and the words that explain a due date, checked against known calendars and as
properties over many dates."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.agencies.domain.clock import (
    DayBasis,
    Extension,
    HolidayCalendar,
    OverdueLevel,
    Pause,
    ResponseTarget,
    add_counted_days,
    business_days_between,
    compute_deadline,
    follow_up_on,
    overdue_levels,
)
from services.chassis.calendar import local_date

US = HolidayCalendar("US")
ENGLAND = HolidayCalendar("GB", "ENG")
BUSINESS_20 = ResponseTarget(20, DayBasis.BUSINESS)
ONE_DAY = timedelta(days=1)

properties = settings(max_examples=200, deadline=None)
starts = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))
targets = st.builds(
    ResponseTarget,
    days=st.integers(1, 60),
    basis=st.sampled_from(list(DayBasis)),
)
extensions = st.lists(
    st.builds(Extension, days=st.integers(1, 15), reason=st.just("the liaison asked for time")),
    max_size=2,
)


def days_after(start: date, end: date) -> list[date]:
    return [start + ONE_DAY * n for n in range(1, (end - start).days + 1)]


def counted(day: date, basis: DayBasis) -> bool:
    return basis is DayBasis.CALENDAR or US.is_business_day(day)


# -- known calendars -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2025, 11, 27), "Thanksgiving Day"),
        (date(2025, 12, 25), "Christmas Day"),
        (date(2026, 1, 1), "New Year's Day"),
        (date(2026, 1, 19), "Martin Luther King Jr. Day"),
        (date(2027, 12, 24), "Christmas Day (observed)"),
    ],
)
def test_us_federal_holidays_are_not_business_days(day: date, name: str) -> None:
    assert US.holiday_name(day) == name
    assert not US.is_business_day(day)


def test_weekends_are_not_business_days_and_ordinary_weekdays_are() -> None:
    assert not US.is_business_day(date(2026, 3, 7))  # Saturday
    assert not US.is_business_day(date(2026, 3, 8))  # Sunday
    assert US.is_business_day(date(2026, 3, 9))
    assert US.holiday_name(date(2026, 3, 9)) is None


def test_a_letter_sent_on_12_december_with_20_business_days_is_due_13_january() -> None:
    deadline = compute_deadline(date(2025, 12, 12), BUSINESS_20, US)

    # 15-19, 22-24, 26, 29-31 Dec, 2 Jan, 5-9 and 12-13 Jan: 25 Dec and 1 Jan are skipped.
    assert deadline.due_on == date(2026, 1, 13)
    assert deadline.excluded_holidays == (
        (date(2025, 12, 25), "Christmas Day"),
        (date(2026, 1, 1), "New Year's Day"),
    )
    assert deadline.explanation() == (
        "due 13 Jan 2026: 20 business days from 12 Dec, excluding 25 Dec and 1 Jan 2026"
    )
    assert "25 Dec" in deadline.explanation()
    assert "1 Jan" in deadline.explanation()


def test_thanksgiving_costs_a_business_day() -> None:
    deadline = compute_deadline(date(2025, 11, 21), ResponseTarget(5, DayBasis.BUSINESS), US)

    assert deadline.due_on == date(2025, 12, 1)
    assert deadline.explanation() == "due 1 Dec: 5 business days from 21 Nov, excluding 27 Nov"


def test_martin_luther_king_day_costs_a_business_day() -> None:
    deadline = compute_deadline(date(2026, 1, 16), ResponseTarget(1, DayBasis.BUSINESS), US)

    assert deadline.due_on == date(2026, 1, 20)
    assert deadline.excluded_holidays == ((date(2026, 1, 19), "Martin Luther King Jr. Day"),)


def test_an_english_calendar_skips_easter_and_the_bank_holidays() -> None:
    deadline = compute_deadline(date(2026, 3, 27), BUSINESS_20, ENGLAND)

    # Good Friday 3 Apr and Easter Monday 6 Apr fall inside: a working day each.
    assert deadline.due_on == date(2026, 4, 28)
    assert [day for day, _ in deadline.excluded_holidays] == [date(2026, 4, 3), date(2026, 4, 6)]
    assert business_days_between(deadline.started_on, deadline.due_on, ENGLAND) == 20
    assert not ENGLAND.is_business_day(date(2026, 12, 28))  # Boxing Day, observed
    assert US.is_business_day(date(2026, 12, 28))


def test_a_calendar_target_counts_every_day_and_names_no_holiday() -> None:
    deadline = compute_deadline(date(2026, 12, 12), ResponseTarget(20, DayBasis.CALENDAR), US)

    assert deadline.due_on == date(2027, 1, 1)
    assert deadline.excluded_holidays == ()
    assert deadline.explanation() == "due 1 Jan 2027: 20 calendar days from 12 Dec"


def test_the_explanation_names_pauses_and_extensions() -> None:
    deadline = compute_deadline(
        date(2025, 12, 12),
        BUSINESS_20,
        US,
        pauses=[Pause(date(2025, 12, 15), date(2025, 12, 18))],
        extensions=[Extension(5, "the liaison asked for time")],
    )

    assert deadline.paused_days == 3
    assert deadline.due_on == date(2026, 1, 26)
    assert deadline.explanation() == (
        "due 26 Jan 2026: 20 business days from 12 Dec, excluding 25 Dec, 1 Jan 2026 and "
        "19 Jan 2026; paused 3 days waiting on the constituent; extended 5 days (the liaison "
        "asked for time)"
    )


def test_an_open_pause_lasts_through_today_and_says_the_date_moves() -> None:
    deadline = compute_deadline(
        date(2025, 12, 12),
        BUSINESS_20,
        US,
        pauses=[Pause(date(2025, 12, 15))],
        today=date(2025, 12, 17),
    )

    assert deadline.paused
    assert deadline.paused_days == 3
    assert deadline.due_on == date(2026, 1, 16)
    assert deadline.explanation().endswith(
        "; paused since 15 Dec waiting on the constituent (the date moves while it lasts)"
    )
    next_day = compute_deadline(
        date(2025, 12, 12),
        BUSINESS_20,
        US,
        pauses=[Pause(date(2025, 12, 15))],
        today=date(2025, 12, 18),
    )
    assert next_day.due_on == date(2026, 1, 20)  # one more paused day, and MLK day on the way


def test_one_day_and_one_extension_read_in_the_singular() -> None:
    deadline = compute_deadline(
        date(2026, 3, 2), ResponseTarget(1, DayBasis.CALENDAR), US, extensions=[Extension(1, "x")]
    )

    assert deadline.explanation() == "due 4 Mar: 1 calendar day from 2 Mar; extended 1 day (x)"


def test_an_unknown_country_or_subdivision_is_refused() -> None:
    with pytest.raises(ValueError):
        HolidayCalendar("XX")
    with pytest.raises(ValueError):
        HolidayCalendar("US", "ZZ")
    assert HolidayCalendar(" gb ", "eng") == ENGLAND


def test_a_target_and_an_extension_are_at_least_one_day() -> None:
    with pytest.raises(ValueError):
        ResponseTarget(0, DayBasis.BUSINESS)
    with pytest.raises(ValueError):
        Extension(0, "none")
    assert ResponseTarget(5, "calendar").basis is DayBasis.CALENDAR  # type: ignore[arg-type]


def test_business_days_between_counts_the_end_not_the_start() -> None:
    assert business_days_between(date(2026, 3, 6), date(2026, 3, 9), US) == 1  # Fri -> Mon
    assert business_days_between(date(2026, 3, 9), date(2026, 3, 9), US) == 0
    assert business_days_between(date(2026, 3, 9), date(2026, 3, 2), US) == 0


def test_follow_up_uses_the_interim_cadence_or_the_default() -> None:
    ssa = ResponseTarget(20, DayBasis.CALENDAR, interim_every_days=30)
    assert follow_up_on(date(2026, 12, 20), ssa, US) == date(2027, 1, 19)
    assert follow_up_on(date(2026, 3, 6), BUSINESS_20, US) == date(2026, 3, 17)
    assert follow_up_on(date(2026, 3, 6), BUSINESS_20, US, default_every_days=1) == date(2026, 3, 9)


def test_overdue_levels_are_reached_at_the_due_date_and_5_and_10_business_days_later() -> None:
    due = date(2026, 1, 13)

    assert overdue_levels(due, due, US) == ()
    assert overdue_levels(due, date(2026, 1, 14), US) == (OverdueLevel.DUE,)
    # 14, 15, 16, (19 is MLK day), 20, 21: five business days late on 21 Jan.
    assert overdue_levels(due, date(2026, 1, 20), US) == (OverdueLevel.DUE,)
    assert overdue_levels(due, date(2026, 1, 21), US) == (OverdueLevel.DUE, OverdueLevel.PLUS_5)
    assert overdue_levels(due, date(2026, 1, 28), US) == tuple(OverdueLevel)


# -- time zones ----------------------------------------------------------------------------


def test_a_letter_sent_late_in_chicago_counts_from_that_evening_s_date() -> None:
    moment = datetime(2025, 12, 13, 5, 30, tzinfo=UTC)  # 23:30 on 12 Dec in Chicago

    assert local_date(moment, "UTC") == date(2025, 12, 13)
    assert local_date(moment, "America/Chicago") == date(2025, 12, 12)
    chicago = compute_deadline(local_date(moment, "America/Chicago"), BUSINESS_20, US)
    assert chicago.due_on == date(2026, 1, 13)


def test_local_dates_follow_daylight_saving_time() -> None:
    # Chicago is UTC-6 in winter and UTC-5 in summer; 05:30 UTC falls either side of midnight.
    assert local_date(datetime(2026, 3, 7, 5, 30, tzinfo=UTC), "America/Chicago") == date(
        2026, 3, 6
    )
    assert local_date(datetime(2026, 3, 9, 5, 30, tzinfo=UTC), "America/Chicago") == date(
        2026, 3, 9
    )
    assert local_date(datetime(2026, 3, 9, 4, 30, tzinfo=UTC), "America/Chicago") == date(
        2026, 3, 8
    )
    assert local_date(datetime(2026, 11, 2, 5, 30, tzinfo=UTC), "America/Chicago") == date(
        2026, 11, 1
    )


def test_local_date_refuses_a_naive_moment_or_an_unknown_zone() -> None:
    with pytest.raises(ValueError):
        local_date(datetime(2026, 3, 9, 12, 0), "UTC")
    with pytest.raises(ValueError):
        local_date(datetime(2026, 3, 9, 12, 0, tzinfo=UTC), "Mars/Olympus_Mons")


@properties
@given(
    st.datetimes(
        min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
    ),
    st.sampled_from(["America/Chicago", "America/New_York", "Pacific/Honolulu", "Europe/London"]),
)
def test_local_date_is_the_wall_clock_date_in_the_zone(moment: datetime, zone: str) -> None:
    local = local_date(moment, zone)

    assert local == moment.astimezone(ZoneInfo(zone)).date()
    assert abs((local - moment.date()).days) <= 1


# -- properties ----------------------------------------------------------------------------


@properties
@given(starts, st.integers(1, 60), st.integers(0, 400))
def test_weekends_and_holidays_are_never_counted_on_the_business_basis(
    start: date, days: int, offset: int
) -> None:
    due = add_counted_days(start, days, DayBasis.BUSINESS, US)

    assert US.is_business_day(due)
    assert business_days_between(start, due, US) == days
    probe = start + ONE_DAY * offset
    if probe.weekday() >= 5 or US.holiday_name(probe):
        assert business_days_between(probe - ONE_DAY, probe, US) == 0


@properties
@given(starts, targets, extensions)
def test_the_days_counted_to_the_due_date_are_the_target_plus_its_extensions(
    start: date, target: ResponseTarget, extended: list[Extension]
) -> None:
    deadline = compute_deadline(start, target, US, extensions=extended)
    days = [day for day in days_after(start, deadline.due_on) if counted(day, target.basis)]

    assert len(days) == target.days + sum(extension.days for extension in extended)
    assert days[-1] == deadline.due_on  # the due date is itself a counted day
    assert deadline.paused_days == 0
    assert not deadline.paused


@properties
@given(starts, targets, st.integers(0, 40), st.integers(1, 30))
def test_a_pause_pushes_the_due_date_by_exactly_the_counted_days_it_covers(
    start: date, target: ResponseTarget, begins_after: int, length: int
) -> None:
    pause = Pause(start + ONE_DAY * begins_after, start + ONE_DAY * (begins_after + length))
    plain = compute_deadline(start, target, US)
    paused = compute_deadline(start, target, US, pauses=[pause])

    covered = [
        day
        for day in days_after(start, paused.due_on)
        if counted(day, target.basis) and pause.start <= day < pause.end  # type: ignore[operator]
    ]
    assert paused.paused_days == len(covered)
    assert paused.due_on == add_counted_days(plain.due_on, len(covered), target.basis, US)
    assert not paused.paused


@properties
@given(starts, targets, st.integers(0, 20), st.integers(0, 20))
def test_an_open_pause_makes_the_clock_paused_and_never_brings_the_date_forward(
    start: date, target: ResponseTarget, begins_after: int, lasted: int
) -> None:
    pause_start = start + ONE_DAY * begins_after
    today = pause_start + ONE_DAY * lasted
    plain = compute_deadline(start, target, US)
    deadline = compute_deadline(start, target, US, pauses=[Pause(pause_start)], today=today)
    closed_tomorrow = compute_deadline(
        start, target, US, pauses=[Pause(pause_start, today + ONE_DAY)], today=today
    )

    assert deadline.paused
    assert "the date moves while it lasts" in deadline.explanation()
    assert deadline.due_on >= plain.due_on
    assert deadline.due_on == closed_tomorrow.due_on  # provisional: as if it ended tomorrow


@properties
@given(starts, st.sampled_from(list(DayBasis)), st.integers(1, 59))
def test_the_due_date_moves_later_as_the_target_grows(
    start: date, basis: DayBasis, days: int
) -> None:
    shorter = compute_deadline(start, ResponseTarget(days, basis), US)
    longer = compute_deadline(start, ResponseTarget(days + 1, basis), US)

    assert shorter.due_on < longer.due_on
    assert shorter.due_on > start


@properties
@given(starts, st.integers(1, 60))
def test_the_explanation_names_every_weekday_holiday_skipped(start: date, days: int) -> None:
    deadline = compute_deadline(start, ResponseTarget(days, DayBasis.BUSINESS), US)
    explanation = deadline.explanation()

    for day in days_after(start, deadline.due_on):
        if day.weekday() < 5 and US.holiday_name(day):
            assert (day, US.holiday_name(day)) in deadline.excluded_holidays
            assert f"{day.day} {day:%b}" in explanation
    assert explanation.startswith(f"due {deadline.due_on.day} {deadline.due_on:%b}")


@properties
@given(starts, st.integers(0, 40))
def test_overdue_levels_only_grow_with_time(due: date, later: int) -> None:
    today = due + ONE_DAY * later
    levels = overdue_levels(due, today, US)
    tomorrow = overdue_levels(due, today + ONE_DAY, US)

    assert set(levels) <= set(tomorrow)
    assert list(levels) == list(OverdueLevel)[: len(levels)]
