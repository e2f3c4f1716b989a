"""The SLA engine: business-time arithmetic, DST, holidays, pauses and warnings, on fixed dates."""

import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.escalations.calendars import ClosedDays
from app.escalations.sla import (
    BusinessCalendar,
    add_business_time,
    business_time_between,
    due_at,
    elapsed,
    explain,
    remaining,
    warning_at,
)

TOKYO = ZoneInfo("Asia/Tokyo")
NEW_YORK = ZoneInfo("America/New_York")
H = timedelta(hours=1)

# June 2026: Friday the 5th, weekend, Monday the 8th.
TOKYO_OFFICE = BusinessCalendar.weekdays(time(9), time(18), "Asia/Tokyo")
NEW_YORK_OFFICE = BusinessCalendar.weekdays(time(9), time(17), "America/New_York")


def jst(*args) -> datetime:
    return datetime(*args, tzinfo=TOKYO)


def nyc(*args) -> datetime:
    return datetime(*args, tzinfo=NEW_YORK)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


# Tokyo office hours


def test_friday_afternoon_target_runs_over_the_weekend_to_monday():
    due = add_business_time(TOKYO_OFFICE, jst(2026, 6, 5, 16), 4 * H)
    assert due == jst(2026, 6, 8, 11)
    assert due.tzinfo is UTC


def test_start_on_saturday_counts_from_monday_opening():
    assert add_business_time(TOKYO_OFFICE, jst(2026, 6, 6, 10), 4 * H) == jst(2026, 6, 8, 13)


def test_start_in_the_evening_counts_from_next_morning():
    assert add_business_time(TOKYO_OFFICE, jst(2026, 6, 10, 20), 4 * H) == jst(2026, 6, 11, 13)


def test_target_crossing_the_night():
    assert add_business_time(TOKYO_OFFICE, jst(2026, 6, 9, 17, 30), 2 * H) == jst(
        2026, 6, 10, 10, 30
    )


def test_target_used_up_at_closing_is_due_at_the_closing_instant():
    assert add_business_time(TOKYO_OFFICE, jst(2026, 6, 5, 16), 2 * H) == jst(2026, 6, 5, 18)
    assert due_at(TOKYO_OFFICE, jst(2026, 6, 5, 16), 2 * H) == jst(2026, 6, 5, 18)


def test_zero_target_is_due_when_the_clock_starts_even_outside_hours():
    saturday = jst(2026, 6, 6, 10)
    assert due_at(TOKYO_OFFICE, saturday, timedelta(0)) == saturday
    assert add_business_time(TOKYO_OFFICE, saturday, timedelta(0)) == saturday


def test_business_time_between_counts_only_open_hours():
    assert business_time_between(TOKYO_OFFICE, jst(2026, 6, 5, 16), jst(2026, 6, 8, 11)) == 4 * H
    assert business_time_between(TOKYO_OFFICE, jst(2026, 6, 6, 0), jst(2026, 6, 8, 0)) == 0 * H
    assert business_time_between(TOKYO_OFFICE, jst(2026, 6, 8, 11), jst(2026, 6, 5, 16)) == 0 * H


# Holidays


def test_holiday_the_next_day_is_skipped():
    calendar = BusinessCalendar.weekdays(time(9), time(18), "Asia/Tokyo", [date(2026, 6, 10)])
    assert add_business_time(calendar, jst(2026, 6, 9, 17), 2 * H) == jst(2026, 6, 11, 10)


def test_monday_holiday_after_a_weekend_is_skipped():
    # Marine Day, Monday 20 July 2026.
    calendar = BusinessCalendar.weekdays(time(9), time(18), "Asia/Tokyo", [date(2026, 7, 20)])
    assert add_business_time(calendar, jst(2026, 7, 17, 17), 2 * H) == jst(2026, 7, 21, 10)


def test_ten_business_days_across_golden_week():
    holidays = [date(2026, 4, 29), date(2026, 5, 4), date(2026, 5, 5), date(2026, 5, 6)]
    calendar = BusinessCalendar.weekdays(time(9), time(18), "Asia/Tokyo", holidays)
    # Open days: 28 and 30 April, 1, 7, 8, 11, 12, 13, 14 and 15 May.
    assert add_business_time(calendar, jst(2026, 4, 28, 9), 10 * 9 * H) == jst(2026, 5, 15, 18)


def test_holiday_is_a_local_date():
    # 2 June 15:00 UTC is already 3 June in Tokyo, a holiday: counting starts on the 4th.
    calendar = BusinessCalendar.weekdays(time(9), time(18), "Asia/Tokyo", [date(2026, 6, 3)])
    assert add_business_time(calendar, utc(2026, 6, 2, 15), H) == jst(2026, 6, 4, 10)


# 24x7


@pytest.mark.parametrize(
    "start",
    [
        utc(2026, 6, 5, 23, 30),  # across midnight
        utc(2026, 6, 6, 12),  # Saturday
        utc(2026, 6, 7, 23, 15, 30),  # Sunday night into Monday
        jst(2026, 12, 31, 23, 45),  # new year, in another timezone
    ],
)
def test_always_open_adds_exactly_the_duration(start):
    for calendar in (BusinessCalendar.always_open(), BusinessCalendar.always_open("Asia/Tokyo")):
        assert add_business_time(calendar, start, H) == start + H
        assert due_at(calendar, start, H) == start + H


# New York across the DST changes (8 March and 1 November 2026, both Sundays)


def test_new_york_opening_is_9_local_on_both_sides_of_spring_forward():
    # Friday 16:00 EST (21:00 UTC) + 2h: one hour on Friday, then Monday opens 9:00 EDT.
    due = add_business_time(NEW_YORK_OFFICE, nyc(2026, 3, 6, 16), 2 * H)
    assert due == utc(2026, 3, 9, 14)
    assert add_business_time(NEW_YORK_OFFICE, utc(2026, 3, 6, 12), H) == utc(2026, 3, 6, 15)
    assert add_business_time(NEW_YORK_OFFICE, utc(2026, 3, 9, 12), H) == utc(2026, 3, 9, 14)
    assert business_time_between(NEW_YORK_OFFICE, nyc(2026, 3, 6, 9), nyc(2026, 3, 9, 17)) == 16 * H


def test_new_york_opening_is_9_local_on_both_sides_of_fall_back():
    due = add_business_time(NEW_YORK_OFFICE, nyc(2026, 10, 30, 16), 2 * H)
    assert due == utc(2026, 11, 2, 15)
    assert add_business_time(NEW_YORK_OFFICE, utc(2026, 10, 30, 12), H) == utc(2026, 10, 30, 14)
    assert add_business_time(NEW_YORK_OFFICE, utc(2026, 11, 2, 12), H) == utc(2026, 11, 2, 15)


def test_new_york_opens_9_local_on_the_day_of_the_change_itself():
    every_day = BusinessCalendar("America/New_York", ((time(9), time(17)),) * 7)
    # Saturday 16:00 + 2h: one hour on Saturday, one from Sunday's 9:00 local opening.
    assert add_business_time(every_day, nyc(2026, 3, 7, 16), 2 * H) == utc(2026, 3, 8, 14)
    assert add_business_time(every_day, nyc(2026, 10, 31, 16), 2 * H) == utc(2026, 11, 1, 15)


def test_always_open_adds_real_elapsed_time_across_dst():
    calendar = BusinessCalendar.always_open("America/New_York")
    start = nyc(2026, 3, 7, 12)  # 17:00 UTC
    due = add_business_time(calendar, start, 24 * H)
    assert due == utc(2026, 3, 8, 17)
    assert due.astimezone(NEW_YORK).hour == 13  # the wall clock moved 25 hours
    # The local days of the changes are 23 and 25 hours long.
    spring_day = business_time_between(calendar, nyc(2026, 3, 8), nyc(2026, 3, 9))
    autumn_day = business_time_between(calendar, nyc(2026, 11, 1), nyc(2026, 11, 2))
    assert (spring_day, autumn_day) == (23 * H, 25 * H)


# Pauses ("waiting on customer")


def test_pause_of_two_business_hours_delays_due_by_two_business_hours():
    start = jst(2026, 6, 8, 15)  # Monday
    assert due_at(TOKYO_OFFICE, start, 4 * H) == jst(2026, 6, 9, 10)
    # Paused 17:00 Monday to 10:00 Tuesday: one business hour each day.
    pauses = [(jst(2026, 6, 8, 17), jst(2026, 6, 9, 10))]
    assert due_at(TOKYO_OFFICE, start, 4 * H, pauses) == jst(2026, 6, 9, 12)


def test_pause_within_a_day():
    pauses = [(jst(2026, 6, 8, 10), jst(2026, 6, 8, 12))]
    assert due_at(TOKYO_OFFICE, jst(2026, 6, 8, 9), 4 * H, pauses) == jst(2026, 6, 8, 15)


def test_pause_spanning_a_weekend():
    start = jst(2026, 6, 5, 15)  # Friday
    assert due_at(TOKYO_OFFICE, start, 4 * H) == jst(2026, 6, 8, 10)
    # Resumed on Saturday: only Friday's last business hour was lost.
    saturday_resume = [(jst(2026, 6, 5, 17), jst(2026, 6, 6, 12))]
    assert due_at(TOKYO_OFFICE, start, 4 * H, saturday_resume) == jst(2026, 6, 8, 11)
    # Resumed Monday 10:00: Friday 16-18 and Monday 9-10 were lost.
    monday_resume = [(jst(2026, 6, 5, 16), jst(2026, 6, 8, 10))]
    assert due_at(TOKYO_OFFICE, start, 4 * H, monday_resume) == jst(2026, 6, 8, 13)


def test_pause_that_began_before_the_clock_counts_from_the_start():
    start = jst(2026, 6, 8, 9)
    pauses = [(jst(2026, 6, 8, 8), jst(2026, 6, 8, 10))]
    assert due_at(TOKYO_OFFICE, start, 4 * H, pauses) == jst(2026, 6, 8, 14)
    finished_before = [(jst(2026, 6, 5, 10), jst(2026, 6, 5, 12))]
    assert due_at(TOKYO_OFFICE, start, 4 * H, finished_before) == jst(2026, 6, 8, 13)


def test_target_reached_as_the_pause_begins_is_due_then():
    pauses = [(jst(2026, 6, 8, 13), jst(2026, 6, 9, 9))]
    assert due_at(TOKYO_OFFICE, jst(2026, 6, 8, 9), 4 * H, pauses) == jst(2026, 6, 8, 13)


def test_several_pauses():
    pauses = [
        (jst(2026, 6, 8, 10), jst(2026, 6, 8, 11)),
        (jst(2026, 6, 8, 12), jst(2026, 6, 8, 17)),
        (jst(2026, 6, 8, 20), jst(2026, 6, 9, 9, 30)),
    ]
    # Runs 9-10, 11-12, 17-18, then from 9:30 Tuesday: 3h done, 1h left.
    assert due_at(TOKYO_OFFICE, jst(2026, 6, 8, 9), 4 * H, pauses) == jst(2026, 6, 9, 10, 30)


def test_open_pause_stops_the_clock():
    start = jst(2026, 6, 8, 9)
    pauses = [(jst(2026, 6, 8, 10), None)]
    assert due_at(TOKYO_OFFICE, start, 4 * H, pauses) is None
    assert warning_at(TOKYO_OFFICE, start, 4 * H, pauses) is None
    for now in (jst(2026, 6, 8, 11), jst(2026, 6, 10, 15), jst(2026, 7, 1, 12)):
        assert elapsed(TOKYO_OFFICE, start, pauses, now) == H
        assert remaining(TOKYO_OFFICE, start, 4 * H, pauses, now) == 3 * H


def test_open_pause_after_the_target_was_reached_keeps_the_due_time():
    pauses = [(jst(2026, 6, 8, 15), None)]
    assert due_at(TOKYO_OFFICE, jst(2026, 6, 8, 9), 4 * H, pauses) == jst(2026, 6, 8, 13)


def test_open_pause_from_before_the_start_means_the_clock_never_ran():
    start = jst(2026, 6, 8, 9)
    pauses = [(jst(2026, 6, 8, 8), None)]
    assert due_at(TOKYO_OFFICE, start, 4 * H, pauses) is None
    assert remaining(TOKYO_OFFICE, start, 4 * H, pauses, jst(2026, 6, 9, 12)) == 4 * H


# elapsed, remaining and warning agree with due_at


def test_warning_at_75_percent_and_remaining_at_each_milestone():
    start, target = jst(2026, 6, 5, 16), 4 * H
    warning = warning_at(TOKYO_OFFICE, start, target)
    due = due_at(TOKYO_OFFICE, start, target)
    assert (warning, due) == (jst(2026, 6, 8, 10), jst(2026, 6, 8, 11))
    assert remaining(TOKYO_OFFICE, start, target, (), warning) == target / 4
    assert remaining(TOKYO_OFFICE, start, target, (), due) == timedelta(0)
    assert remaining(TOKYO_OFFICE, start, target, (), jst(2026, 6, 8, 12)) == -H
    assert elapsed(TOKYO_OFFICE, start, (), jst(2026, 6, 6, 12)) == 2 * H  # weekend: frozen
    assert elapsed(TOKYO_OFFICE, start, (), jst(2026, 6, 5, 12)) == timedelta(0)  # before start


def test_remaining_turns_non_positive_exactly_at_due_with_pauses():
    start, target = jst(2026, 6, 5, 11), 10 * H
    pauses = [(jst(2026, 6, 5, 13), jst(2026, 6, 5, 15)), (jst(2026, 6, 8, 17), jst(2026, 6, 9, 9))]
    due = due_at(TOKYO_OFFICE, start, target, pauses)
    warning = warning_at(TOKYO_OFFICE, start, target, pauses)
    # Friday 11-13 and 15-18 (5h), Monday 9-14 (5h).
    assert due == jst(2026, 6, 8, 14)
    assert warning == jst(2026, 6, 8, 11, 30)
    assert remaining(TOKYO_OFFICE, start, target, pauses, warning) == target * 0.25
    now = jst(2026, 6, 5, 9)
    while now < jst(2026, 6, 10, 9):
        left = remaining(TOKYO_OFFICE, start, target, pauses, now)
        assert (left > timedelta(0)) == (now < due), now
        now += timedelta(minutes=20)


# A severity change: the new policy's calendar and target, counted from the original start


def test_severity_change_recomputes_from_the_original_start():
    p3_calendar, p3_target = TOKYO_OFFICE, 8 * H
    p1_calendar, p1_target = BusinessCalendar.always_open("Asia/Tokyo"), 24 * H
    opened = jst(2026, 6, 5, 17)  # Friday, one office hour left
    raised = jst(2026, 6, 6, 10)  # Saturday morning the customer's outage is raised to P1

    assert due_at(p3_calendar, opened, p3_target) == jst(2026, 6, 8, 16)
    assert elapsed(p3_calendar, opened, (), raised) == H
    # Under P1 every hour since opening counts, the weekend included.
    assert elapsed(p1_calendar, opened, (), raised) == 17 * H
    assert due_at(p1_calendar, opened, p1_target) == jst(2026, 6, 6, 17)
    assert remaining(p1_calendar, opened, p1_target, (), raised) == 7 * H


# Bad input


def test_naive_datetimes_are_rejected():
    naive = datetime(2026, 6, 8, 9)
    aware = jst(2026, 6, 8, 9)
    with pytest.raises(ValueError, match="timezone-aware"):
        add_business_time(TOKYO_OFFICE, naive, H)
    with pytest.raises(ValueError, match="timezone-aware"):
        business_time_between(TOKYO_OFFICE, aware, naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        due_at(TOKYO_OFFICE, naive, H)
    with pytest.raises(ValueError, match="timezone-aware"):
        elapsed(TOKYO_OFFICE, aware, (), naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        due_at(TOKYO_OFFICE, aware, H, [(naive, None)])


def test_calendar_that_is_never_open_is_rejected():
    with pytest.raises(ValueError, match="never open"):
        BusinessCalendar("Asia/Tokyo", (None,) * 7)


def test_malformed_calendars_are_rejected():
    with pytest.raises(ValueError, match="closing"):
        BusinessCalendar.weekdays(time(18), time(9), "Asia/Tokyo")
    with pytest.raises(ValueError, match="7 entries"):
        BusinessCalendar("Asia/Tokyo", ((time(9), time(18)),) * 5)
    with pytest.raises(ValueError, match="timezone"):
        BusinessCalendar.weekdays(time(9), time(18), "Asia/Atlantis")


def test_malformed_pauses_are_rejected():
    start = jst(2026, 6, 8, 9)
    with pytest.raises(ValueError, match="only the last pause"):
        due_at(TOKYO_OFFICE, start, H, [(jst(2026, 6, 8, 10), None), (jst(2026, 6, 8, 11), None)])
    with pytest.raises(ValueError, match="previous pause"):
        due_at(
            TOKYO_OFFICE,
            start,
            H,
            [(jst(2026, 6, 8, 10), jst(2026, 6, 8, 12)), (jst(2026, 6, 8, 11), None)],
        )
    with pytest.raises(ValueError, match="resumes before"):
        due_at(TOKYO_OFFICE, start, H, [(jst(2026, 6, 8, 12), jst(2026, 6, 8, 10))])
    with pytest.raises(ValueError, match="negative"):
        due_at(TOKYO_OFFICE, start, -H)


# Consistency over many starts


def test_business_time_between_inverts_add_business_time():
    calendars = [
        TOKYO_OFFICE,
        BusinessCalendar.weekdays(
            time(9), time(18), "Asia/Tokyo", [date(2026, 5, 4), date(2026, 7, 20)]
        ),
        NEW_YORK_OFFICE,
        BusinessCalendar.always_open("America/New_York"),
        # Odd hours: a late Saturday shift until midnight, a short Sunday.
        BusinessCalendar(
            "America/New_York",
            ((time(8, 30), time(17, 15)),) * 5
            + ((time(13), time(0)), (time(10, 45, 30), time(11, 10))),
        ),
    ]
    durations = [
        timedelta(microseconds=1),
        timedelta(minutes=1),
        timedelta(minutes=45),
        8 * H,
        9 * H,
        timedelta(hours=27, minutes=13, seconds=7),
        80 * H,
    ]
    rng = random.Random(20260308)
    year_start = utc(2026, 1, 1)
    for _ in range(150):
        start = year_start + timedelta(seconds=rng.randrange(365 * 24 * 3600))
        for calendar in calendars:
            for duration in durations:
                due = add_business_time(calendar, start, duration)
                assert due > start
                assert business_time_between(calendar, start, due) == duration, (
                    calendar,
                    start,
                    duration,
                )


# Calendars people work by (issue 13): lunch breaks, public holidays from the `holidays`
# package (substitute holidays included), a public holiday worked, a closure over the new year.

LUNCH_BREAK = ((time(9), time(12)), (time(13), time(18)))
TOKYO_LUNCH = BusinessCalendar("Asia/Tokyo", (LUNCH_BREAK,) * 5 + ((), ()))


def japan(closures=(), worked=()) -> BusinessCalendar:
    """A 9-12 / 13-18 Tokyo office closed on Japan's public holidays and on `closures`."""
    closed = ClosedDays("JP", None, frozenset(closures), frozenset(worked))
    return BusinessCalendar("Asia/Tokyo", (LUNCH_BREAK,) * 5 + ((), ()), closed)


def test_the_lunch_hour_is_not_business_time():
    # 11:00 + 2 h: 11-12, then 13-14 after lunch.
    assert add_business_time(TOKYO_LUNCH, jst(2026, 6, 9, 11), 2 * H) == jst(2026, 6, 9, 14)
    assert business_time_between(TOKYO_LUNCH, jst(2026, 6, 9, 9), jst(2026, 6, 9, 18)) == 8 * H
    # Started during lunch: counts from 13:00; used up at 12:00 sharp: due at 12:00, not 13:00.
    assert add_business_time(TOKYO_LUNCH, jst(2026, 6, 9, 12, 30), 1 * H) == jst(2026, 6, 9, 14)
    assert add_business_time(TOKYO_LUNCH, jst(2026, 6, 9, 10), 2 * H) == jst(2026, 6, 9, 12)


def test_overlapping_or_unordered_intervals_are_refused():
    with pytest.raises(ValueError, match="overlap"):
        BusinessCalendar("Asia/Tokyo", (((time(9), time(13)), (time(12), time(18))),) * 7)
    with pytest.raises(ValueError, match="overlap"):
        BusinessCalendar("Asia/Tokyo", (((time(13), time(18)), (time(9), time(12))),) * 7)


def test_golden_week_with_the_substitute_holiday_is_skipped():
    # Friday 1 May 17:00 + 3 h: 17-18, then 3 May (Sun, Constitution Day) ... 6 May (Wed, the
    # substitute holiday for it) are closed: Thursday 7 May 09:00-11:00.
    assert add_business_time(japan(), jst(2026, 5, 1, 17), 3 * H) == jst(2026, 5, 7, 11)
    assert date(2026, 5, 6) in japan().holidays
    assert date(2026, 5, 7) not in japan().holidays


def test_a_public_holiday_marked_as_worked_is_an_ordinary_day():
    calendar = japan(worked={date(2026, 5, 6)})
    assert add_business_time(calendar, jst(2026, 5, 1, 17), 3 * H) == jst(2026, 5, 6, 11)


def test_a_company_closure_over_the_new_year():
    year_end = {date(2026, 12, 29) + timedelta(days=n) for n in range(6)}  # 29 Dec - 3 Jan
    # Monday 28 Dec 17:00 + 2 h: 17-18, then Monday 4 Jan 09:00-10:00.
    calendar = japan(closures=year_end)
    assert add_business_time(calendar, jst(2026, 12, 28, 17), 2 * H) == jst(2027, 1, 4, 10)
    # Without the closure it would have been due on the 29th.
    assert add_business_time(japan(), jst(2026, 12, 28, 17), 2 * H) == jst(2026, 12, 29, 10)


def test_two_intervals_a_day_across_the_spring_dst_change_in_new_york():
    office = BusinessCalendar(
        "America/New_York", (((time(9), time(12)), (time(13), time(17))),) * 5 + ((), ())
    )
    # Friday 6 March 16:00 EST + 3 h: 16-17, then Monday 9 March (EDT) 09:00-11:00.
    due = add_business_time(office, nyc(2026, 3, 6, 16), 3 * H)
    assert due == nyc(2026, 3, 9, 11)
    assert due == utc(2026, 3, 9, 15)  # EDT is UTC-4 after the change (EST was UTC-5)


def test_a_replan_keeps_the_time_counted_under_the_old_calendar():
    # Started Monday 10:00 on 9-18 with an 8 h target; at 12:00 the calendar gains a lunch
    # break. The 2 h counted stay; the 6 h left follow the new hours from 12:00: 13-18 (5 h)
    # and Tuesday 09:00-10:00.
    started, changed = jst(2026, 6, 8, 10), jst(2026, 6, 8, 12)
    counted = elapsed(TOKYO_OFFICE, started, (), changed)
    assert counted == 2 * H
    assert due_at(TOKYO_LUNCH, changed, 8 * H - counted) == jst(2026, 6, 9, 10)
    # Planned from the start on the new calendar instead, the morning would count the same
    # here, but a lunch break already passed would not: start 11:00, change 14:00.
    counted = elapsed(TOKYO_OFFICE, jst(2026, 6, 8, 11), (), jst(2026, 6, 8, 14))
    assert counted == 3 * H  # 11-14 on the old calendar, lunch included
    assert due_at(TOKYO_LUNCH, jst(2026, 6, 8, 14), 8 * H - counted) == jst(2026, 6, 9, 10)


def test_the_explanation_walks_the_days_counted_and_skipped():
    steps = explain(japan(), jst(2026, 5, 1, 17), 3 * H)
    assert steps.due_at == jst(2026, 5, 7, 11)
    by_day = {step.day: step for step in steps.days}
    assert by_day[date(2026, 5, 1)].counted == ((jst(2026, 5, 1, 17), jst(2026, 5, 1, 18)),)
    assert by_day[date(2026, 5, 2)].closed == "weekday"
    assert by_day[date(2026, 5, 4)].closed == "holiday"
    assert by_day[date(2026, 5, 6)].closed == "holiday"
    last = by_day[date(2026, 5, 7)]
    assert last.counted == ((jst(2026, 5, 7, 9), jst(2026, 5, 7, 11)),)
    assert last.total == 3 * H


def test_the_explanation_shows_pauses_and_a_stopped_clock():
    started = jst(2026, 6, 8, 9)
    pauses = [(jst(2026, 6, 8, 10), jst(2026, 6, 8, 11)), (jst(2026, 6, 8, 14), None)]
    steps = explain(TOKYO_LUNCH, started, 8 * H, pauses, until=jst(2026, 6, 8, 16))
    assert steps.due_at is None  # held by the open pause
    (day,) = steps.days
    assert day.counted == (
        (jst(2026, 6, 8, 9), jst(2026, 6, 8, 10)),
        (jst(2026, 6, 8, 11), jst(2026, 6, 8, 12)),
        (jst(2026, 6, 8, 13), jst(2026, 6, 8, 14)),
    )
    assert day.paused == (
        (jst(2026, 6, 8, 10), jst(2026, 6, 8, 11)),
        (jst(2026, 6, 8, 14), jst(2026, 6, 8, 16)),
    )
    assert day.total == 3 * H
