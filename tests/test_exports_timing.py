"""When an export schedule runs: the next run times of the presets and of cron expressions in
the schedule's zone (across daylight saving changes in New York, in Tokyo without them), cron's
own day numbering and day-field rules, expressions refused with a reason a person can act on,
and the plain-language reading in English and in a Japanese context."""

import random
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale

from app.exports import timing
from app.exports.models import Frequency
from app.exports.timing import ScheduleError

NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")
# 2027 in New York: clocks spring forward on Sunday March 14 (02:00 -> 03:00) and fall back on
# Sunday November 7 (02:00 EDT -> 01:00 EST).
MARCH_1_2027 = datetime(2027, 3, 1, tzinfo=UTC)
OCTOBER_25_2027 = datetime(2027, 10, 25, tzinfo=UTC)


def schedule(frequency, *, at=time(7, 0), zone="Asia/Tokyo", weekday=None, day=None, cron=None):
    """A schedule's timing as the form builds it."""
    return SimpleNamespace(
        frequency=frequency,
        weekday=weekday,
        month_day=day,
        cron=cron,
        run_time=at,
        timezone=zone,
    )


def cron(expression, zone="Asia/Tokyo"):
    return schedule(Frequency.CRON, cron=expression, zone=zone)


def local(runs, zone):
    return [run.astimezone(zone) for run in runs]


def wall(runs, zone):
    """The runs as a person in `zone` reads them."""
    return [run.astimezone(zone).strftime("%a %Y-%m-%d %H:%M") for run in runs]


# Presets --------------------------------------------------------------------------------


def test_weekly_sunday_0230_in_new_york_across_spring_forward():
    runs = timing.next_runs(
        schedule(Frequency.WEEKLY, weekday=6, at=time(2, 30), zone="America/New_York"),
        MARCH_1_2027,
        count=3,
    )

    assert all(run.tzinfo == UTC for run in runs)
    # 02:30 does not exist on March 14: the run is at 03:00, the first instant after the gap.
    assert wall(runs, NEW_YORK) == [
        "Sun 2027-03-07 02:30",
        "Sun 2027-03-14 03:00",
        "Sun 2027-03-21 02:30",
    ]
    assert [run.strftime("%H:%M") for run in runs] == ["07:30", "07:00", "06:30"]


def test_weekly_sunday_0230_in_new_york_across_fall_back():
    runs = timing.next_runs(
        schedule(Frequency.WEEKLY, weekday=6, at=time(2, 30), zone="America/New_York"),
        OCTOBER_25_2027,
        count=3,
    )

    assert wall(runs, NEW_YORK) == [
        "Sun 2027-10-31 02:30",
        "Sun 2027-11-07 02:30",
        "Sun 2027-11-14 02:30",
    ]
    assert [run.strftime("%H:%M") for run in runs] == ["06:30", "07:30", "07:30"]


def test_a_time_the_clocks_repeat_runs_once_the_first_time():
    runs = timing.next_runs(
        schedule(Frequency.WEEKLY, weekday=6, at=time(1, 30), zone="America/New_York"),
        OCTOBER_25_2027,
        count=3,
    )

    # 01:30 happens twice on November 7 (EDT, then EST): one run, at the first.
    assert wall(runs, NEW_YORK) == [
        "Sun 2027-10-31 01:30",
        "Sun 2027-11-07 01:30",
        "Sun 2027-11-14 01:30",
    ]
    assert runs[1] == datetime(2027, 11, 7, 5, 30, tzinfo=UTC)  # 01:30 EDT
    assert runs[1].astimezone(NEW_YORK).tzname() == "EDT"


def test_weekly_0900_keeps_0900_local_time_so_the_utc_hour_moves():
    monday_nine = schedule(Frequency.WEEKLY, weekday=0, at=time(9, 0), zone="America/New_York")

    spring = timing.next_runs(monday_nine, MARCH_1_2027, count=3)
    autumn = timing.next_runs(monday_nine, OCTOBER_25_2027, count=3)

    assert wall(spring, NEW_YORK) == [
        "Mon 2027-03-01 09:00",
        "Mon 2027-03-08 09:00",
        "Mon 2027-03-15 09:00",
    ]
    assert [run.hour for run in spring] == [14, 14, 13]
    assert spring[2] - spring[1] == timedelta(days=7, hours=-1)
    assert wall(autumn, NEW_YORK) == [
        "Mon 2027-10-25 09:00",
        "Mon 2027-11-01 09:00",
        "Mon 2027-11-08 09:00",
    ]
    assert [run.hour for run in autumn] == [13, 13, 14]


def test_weekly_in_tokyo_runs_every_seven_days_at_the_same_utc_time():
    runs = timing.next_runs(
        schedule(Frequency.WEEKLY, weekday=0, at=time(9, 0), zone="Asia/Tokyo"),
        MARCH_1_2027,  # 09:00 on Monday March 1 in Tokyo: that run is not "after" it
        count=30,
    )

    assert wall(runs[:2], TOKYO) == ["Mon 2027-03-08 09:00", "Mon 2027-03-15 09:00"]
    assert all(run.astimezone(TOKYO).weekday() == 0 for run in runs)
    assert {run.strftime("%H:%M") for run in runs} == {"00:00"}
    assert {b - a for a, b in zip(runs, runs[1:], strict=False)} == {timedelta(days=7)}


def test_daily_runs_every_day_strictly_after_the_given_time():
    daily = schedule(Frequency.DAILY, at=time(7, 0), zone="Asia/Tokyo")
    at_a_run = datetime(2027, 3, 1, 7, 0, tzinfo=TOKYO)

    runs = timing.next_runs(daily, at_a_run, count=4)

    assert wall(runs, TOKYO) == [
        "Tue 2027-03-02 07:00",
        "Wed 2027-03-03 07:00",
        "Thu 2027-03-04 07:00",
        "Fri 2027-03-05 07:00",
    ]
    assert timing.next_run(daily, at_a_run - timedelta(seconds=1)) == at_a_run.astimezone(UTC)


def test_monthly_on_day_31_runs_on_the_last_day_of_shorter_months():
    runs = timing.next_runs(
        schedule(Frequency.MONTHLY, day=31, at=time(6, 0), zone="Asia/Tokyo"),
        datetime(2027, 1, 1, tzinfo=UTC),
        count=14,
    )

    assert [run.astimezone(TOKYO).date() for run in runs] == [
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
        date(2027, 5, 31),
        date(2027, 6, 30),
        date(2027, 7, 31),
        date(2027, 8, 31),
        date(2027, 9, 30),
        date(2027, 10, 31),
        date(2027, 11, 30),
        date(2027, 12, 31),
        date(2028, 1, 31),
        date(2028, 2, 29),
    ]


def test_monthly_on_day_15_runs_on_the_15th():
    runs = timing.next_runs(
        schedule(Frequency.MONTHLY, day=15, at=time(23, 30), zone="America/New_York"),
        datetime(2027, 1, 16, tzinfo=UTC),  # January 15, 19:00 in New York
        count=3,
    )

    assert wall(runs, NEW_YORK) == [
        "Fri 2027-01-15 23:30",
        "Mon 2027-02-15 23:30",
        "Mon 2027-03-15 23:30",
    ]


# Cron ------------------------------------------------------------------------------------


def test_0_9_every_monday_runs_on_mondays_at_0900_local():
    runs = timing.next_runs(cron("0 9 * * 1", zone="America/New_York"), MARCH_1_2027, count=20)

    assert all(run.astimezone(NEW_YORK).weekday() == 0 for run in runs)  # Python: 0 is Monday
    assert {run.astimezone(NEW_YORK).strftime("%H:%M") for run in runs} == {"09:00"}
    assert wall(runs[:2], NEW_YORK) == ["Mon 2027-03-01 09:00", "Mon 2027-03-08 09:00"]


@pytest.mark.parametrize("sunday", ["0", "7", "SUN", "sun"])
def test_0_and_7_and_sun_are_all_sunday(sunday):
    runs = timing.next_runs(cron(f"30 8 * * {sunday}"), MARCH_1_2027, count=5)

    assert wall(runs, TOKYO) == [
        "Sun 2027-03-07 08:30",
        "Sun 2027-03-14 08:30",
        "Sun 2027-03-21 08:30",
        "Sun 2027-03-28 08:30",
        "Sun 2027-04-04 08:30",
    ]


def test_weekday_ranges_and_names():
    working_days = timing.next_runs(cron("0 18 * * MON-FRI"), MARCH_1_2027, count=10)
    weekend = timing.next_runs(cron("0 10 * * FRI-SUN"), MARCH_1_2027, count=6)

    assert {run.astimezone(TOKYO).weekday() for run in working_days} == {0, 1, 2, 3, 4}
    assert [run.astimezone(TOKYO).strftime("%a") for run in weekend] == [
        "Fri",
        "Sat",
        "Sun",
        "Fri",
        "Sat",
        "Sun",
    ]


def test_a_cron_is_read_in_its_zone():
    runs = timing.next_runs(cron("30 8 * * MON-FRI", zone="America/New_York"), MARCH_1_2027, 10)

    assert wall(runs[:6], NEW_YORK) == [
        "Mon 2027-03-01 08:30",
        "Tue 2027-03-02 08:30",
        "Wed 2027-03-03 08:30",
        "Thu 2027-03-04 08:30",
        "Fri 2027-03-05 08:30",
        "Mon 2027-03-08 08:30",
    ]
    assert runs[0] == datetime(2027, 3, 1, 13, 30, tzinfo=UTC)  # EST
    assert runs[-1] == datetime(2027, 3, 12, 13, 30, tzinfo=UTC)
    # The same expression in Tokyo names other instants.
    assert timing.next_run(cron("30 8 * * MON-FRI"), MARCH_1_2027) == datetime(
        2027, 3, 1, 23, 30, tzinfo=UTC
    )


def test_a_cron_every_half_hour_across_the_spring_gap_runs_once_after_it():
    runs = timing.next_runs(
        cron("*/30 * * * *", zone="America/New_York"),
        datetime(2027, 3, 14, 0, 45, tzinfo=NEW_YORK),
        count=5,
    )

    # 02:00 and 02:30 do not exist: both would run at 03:00, which runs once.
    assert wall(runs, NEW_YORK) == [
        "Sun 2027-03-14 01:00",
        "Sun 2027-03-14 01:30",
        "Sun 2027-03-14 03:00",
        "Sun 2027-03-14 03:30",
        "Sun 2027-03-14 04:00",
    ]


def test_a_cron_every_half_hour_across_the_autumn_fold_runs_each_time_once():
    runs = timing.next_runs(
        cron("*/30 * * * *", zone="America/New_York"),
        datetime(2027, 11, 7, 0, 15, tzinfo=NEW_YORK),
        count=5,
    )

    assert [r.astimezone(NEW_YORK).strftime("%H:%M %Z") for r in runs] == [
        "00:30 EDT",
        "01:00 EDT",
        "01:30 EDT",
        "02:00 EST",
        "02:30 EST",
    ]
    # Asked from inside the repeated hour (the second 01:10), the next run is 02:00 EST.
    second_pass = datetime(2027, 11, 7, 1, 10, fold=1, tzinfo=NEW_YORK)
    assert timing.next_run(cron("*/30 * * * *", zone="America/New_York"), second_pass) == (
        datetime(2027, 11, 7, 7, 0, tzinfo=UTC)
    )


def test_day_of_month_or_weekday_when_both_are_given():
    """Standard cron: with both day fields restricted a day matching either runs."""
    runs = timing.next_runs(cron("0 9 1 * MON"), datetime(2027, 3, 30, tzinfo=UTC), count=4)

    assert wall(runs, TOKYO) == [
        "Thu 2027-04-01 09:00",
        "Mon 2027-04-05 09:00",
        "Mon 2027-04-12 09:00",
        "Mon 2027-04-19 09:00",
    ]


def test_day_of_month_and_weekday_when_one_starts_with_a_star():
    """Standard cron: a day field starting with * (even */2) makes a day match both."""
    runs = timing.next_runs(cron("0 9 */2 * MON"), MARCH_1_2027, count=4)

    assert wall(runs, TOKYO) == [
        "Mon 2027-03-15 09:00",
        "Mon 2027-03-29 09:00",
        "Mon 2027-04-05 09:00",
        "Mon 2027-04-19 09:00",
    ]


def test_february_29_runs_in_leap_years_only():
    runs = timing.next_runs(cron("0 12 29 2 *"), MARCH_1_2027, count=3)

    assert [run.astimezone(TOKYO).date() for run in runs] == [
        date(2028, 2, 29),
        date(2032, 2, 29),
        date(2036, 2, 29),
    ]


def test_cron_aliases_are_written_out():
    assert timing.check_cron("@daily") == "0 0 * * *"
    assert timing.check_cron("@weekly") == "0 0 * * 0"
    assert timing.check_cron("@monthly") == "0 0 1 * *"
    assert timing.check_cron("@hourly") == "0 * * * *"
    assert timing.check_cron("  0   9 * *  mon-fri ") == "0 9 * * MON-FRI"


def _brute_force(expression: str, after: datetime, count: int) -> list[datetime]:
    """Standard cron's matching rule, minute by minute of the matching days (UTC)."""
    minute, hour, day, month, weekday = (set() for _ in range(5))
    fields = expression.split()
    for values, text, low, high in zip(
        (minute, hour, day, month, weekday),
        fields,
        (0, 0, 1, 1, 0),
        (59, 23, 31, 12, 7),
        strict=True,
    ):
        for part in text.split(","):
            base, _, step = part.partition("/")
            first, last = (low, high) if base == "*" else map(int, (base.split("-") * 2)[:2])
            if step and base != "*" and "-" not in base:
                last = high
            values.update(range(first, last + 1, int(step or 1)))
    weekday = {w % 7 for w in weekday}
    starred = fields[2].startswith("*") or fields[4].startswith("*")
    found = []
    current = after.date()
    while len(found) < count:
        by_day = current.day in day
        by_weekday = (current.weekday() + 1) % 7 in weekday
        matches = (by_day and by_weekday) if starred else (by_day or by_weekday)
        if current.month in month and matches:
            for h in sorted(hour):
                for m in sorted(minute):
                    run = datetime(current.year, current.month, current.day, h, m, tzinfo=UTC)
                    if run > after and len(found) < count:
                        found.append(run)
        current += timedelta(days=1)
    return found


def _random_field(rng: random.Random, low: int, high: int) -> str:
    shape = rng.choice(["*", "n", "a-b", "*/s", "a-b/s", "list", "n/s"])
    a, b = sorted(rng.sample(range(low, high + 1), 2))
    step = rng.randint(2, max(2, (high - low) // 2))
    return {
        "*": "*",
        "n": str(a),
        "a-b": f"{a}-{b}",
        "*/s": f"*/{step}",
        "a-b/s": f"{a}-{b}/{step}",
        "list": ",".join(str(v) for v in sorted(rng.sample(range(low, high + 1), 3))),
        "n/s": f"{a}/{step}",
    }[shape]


def test_random_expressions_run_when_standard_cron_would():
    rng = random.Random(10)
    checked = 0
    while checked < 300:
        expression = " ".join(
            _random_field(rng, low, high)
            for low, high in ((0, 59), (0, 23), (1, 28), (1, 12), (0, 7))
        )
        after = datetime(2027, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randint(0, 10**6))
        runs = timing.next_runs(cron(expression, zone="UTC"), after, count=5)
        assert runs == _brute_force(expression, after, 5), expression
        checked += 1


# Refused expressions ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("", "Enter a cron expression, e.g. 0 9 * * 1 (09:00 every Monday)."),
        ("0 25 * * *", "The hour field must be 0-23 (got 25)."),
        ("60 * * * *", "The minute field must be 0-59 (got 60)."),
        ("0 9 0 * *", "The day of month field must be 1-31 (got 0)."),
        ("0 9 * 13 *", "The month field must be 1-12 or a name like JAN (got 13)."),
        (
            "0 9 * * 8",
            "The day of week field must be 0-7 (0 and 7 are Sunday) or a name like MON (got 8).",
        ),
        (
            "0 9 * *",
            "A cron expression has 5 fields separated by spaces (minute, hour, day of month, "
            "month, day of week); this one has 4.",
        ),
        (
            "0 0 9 * * 1",
            "Seconds and years are not supported: a cron expression has 5 fields (minute, "
            "hour, day of month, month, day of week); this one has 6.",
        ),
        (
            "0 9 * * 1 2027",
            "Seconds and years are not supported: a cron expression has 5 fields (minute, "
            "hour, day of month, month, day of week); this one has 6.",
        ),
        (
            "@reboot",
            "@reboot is not supported: write 5 fields, or one of @hourly, @daily, @weekly, "
            "@monthly, @yearly.",
        ),
        (
            "0 9 L * *",
            "The day of month field cannot use “L”: write numbers, *, ranges (1-5), "
            "lists (1,3) or steps (*/15).",
        ),
        (
            "0 9 * * MON#2",
            "The day of week field cannot use “MON#2”: write numbers, *, ranges (1-5), "
            "lists (1,3) or steps (*/15).",
        ),
        (
            "0 9 15W * *",
            "The day of month field cannot use “15W”: write numbers, *, ranges (1-5), "
            "lists (1,3) or steps (*/15).",
        ),
        (
            "H 9 * * *",
            "The minute field cannot use “H”: write numbers, *, ranges (1-5), "
            "lists (1,3) or steps (*/15).",
        ),
        (
            "0 9 ? * *",
            "The day of month field cannot use “?”: write numbers, *, ranges (1-5), "
            "lists (1,3) or steps (*/15).",
        ),
        (
            "0 MON * * *",
            "The hour field cannot use “MON”: write numbers, *, ranges (1-5), "
            "lists (1,3) or steps (*/15).",
        ),
        (
            "0 9,,10 * * *",
            "The hour field cannot use “”: write numbers, *, ranges (1-5), "
            "lists (1,3) or steps (*/15).",
        ),
        (
            "0 17-9 * * *",
            "The hour field has the range 17-9, which runs backwards: put the smaller value first.",
        ),
        (
            "*/0 * * * *",
            "The minute field has a step of 0 in */0: a step must be 1 or more.",
        ),
        ("0 0 30 2 *", "This expression never runs: there is no day 30 in February."),
        (
            "0 0 31 2,4 *",
            "This expression never runs: there is no day 31 in February or April.",
        ),
        (
            "0 0 30,31 FEB *",
            "This expression never runs: there is no day 30 or 31 in February.",
        ),
    ],
)
def test_invalid_expressions_are_refused_with_the_reason(app_ctx, expression, reason):
    with pytest.raises(ScheduleError) as refused:
        timing.check_cron(expression)

    assert refused.value.field == "cron"
    assert str(refused.value) == reason


def test_an_expression_that_never_runs_is_refused_by_next_runs_too(app_ctx):
    """A schedule stored before the check (or by hand) stops with a reason, never loops."""
    for expression in ("0 0 30 2 *", "0 0 31 4,6,9,11 *", "0 0 30-31 2 *"):
        with pytest.raises(ScheduleError, match="never runs"):
            timing.next_runs(cron(expression), MARCH_1_2027)


def test_both_day_fields_restricted_is_not_never():
    """February 30 or any Monday: standard cron runs it on Mondays."""
    runs = timing.next_runs(cron("0 0 30 2 MON"), MARCH_1_2027, count=2)

    assert [run.astimezone(TOKYO).weekday() for run in runs] == [0, 0]


@pytest.mark.parametrize(
    ("zone", "reason"),
    [
        ("Mars/Olympus_Mons", "Unknown time zone Mars/Olympus_Mons: choose one from the list."),
        ("../etc/passwd", "Unknown time zone ../etc/passwd: choose one from the list."),
        ("localtime", "Unknown time zone localtime: choose one from the list."),
        ("", "Choose a time zone from the list."),
    ],
)
def test_an_unknown_zone_is_refused_for_the_timezone_field(app_ctx, zone, reason):
    daily = schedule(Frequency.DAILY, zone=zone)

    for compute in (timing.next_runs, timing.next_run):
        with pytest.raises(ScheduleError) as refused:
            compute(daily, MARCH_1_2027)
        assert (refused.value.field, str(refused.value)) == ("timezone", reason)
    with pytest.raises(ScheduleError) as refused:
        timing.describe(daily)
    assert (refused.value.field, str(refused.value)) == ("timezone", reason)


def test_a_preset_without_its_day_names_the_field(app_ctx):
    with pytest.raises(ScheduleError) as refused:
        timing.next_runs(schedule(Frequency.WEEKLY, weekday=None), MARCH_1_2027)
    assert refused.value.field == "weekday"
    with pytest.raises(ScheduleError) as refused:
        timing.next_runs(schedule(Frequency.MONTHLY, day=32), MARCH_1_2027)
    assert refused.value.field == "month_day"


# Plain-language reading ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("timing_values", "reading"),
    [
        (
            dict(frequency=Frequency.DAILY, at=time(7, 5)),
            "Every day at 07:05 (Asia/Tokyo)",
        ),
        (
            dict(frequency=Frequency.WEEKLY, weekday=0, at=time(9, 0)),
            "Every Monday at 09:00 (Asia/Tokyo)",
        ),
        (
            dict(frequency=Frequency.WEEKLY, weekday=6, at=time(2, 30), zone="America/New_York"),
            "Every Sunday at 02:30 (America/New_York)",
        ),
        (
            dict(frequency=Frequency.MONTHLY, day=31, zone="America/New_York"),
            "On day 31 of every month (the last day in shorter months) at 07:00 (America/New_York)",
        ),
        (
            dict(frequency=Frequency.MONTHLY, day=1),
            "On day 1 of every month at 07:00 (Asia/Tokyo)",
        ),
    ],
)
def test_describe_presets(app_ctx, timing_values, reading):
    frequency = timing_values.pop("frequency")

    assert timing.describe(schedule(frequency, **timing_values)) == reading


@pytest.mark.parametrize(
    ("expression", "reading"),
    [
        ("0 9 * * 1", "At 09:00 on Monday"),
        ("0 9 * * *", "At 09:00 every day"),
        ("0 9,17 * * *", "At 09:00 and 17:00 every day"),
        ("30 8 * * MON-FRI", "At 08:30 on Monday to Friday"),
        ("0 10 * * FRI-SUN", "At 10:00 on Friday to Sunday"),
        ("0 10 * * SUN-SUN", "At 10:00 on Sunday"),
        ("0 10 * * 6-7", "At 10:00 on Saturday and Sunday"),
        ("0 10 * * 1,3,5", "At 10:00 on Monday, Wednesday, and Friday"),
        ("0 10 * * 0,6", "At 10:00 on Saturday and Sunday"),
        (
            "*/15 9-17 * * 1-5",
            "Every 15 minutes, from 09:00 to 17:45 on Monday to Friday",
        ),
        ("* * * * *", "Every minute"),
        ("*/5 * * * *", "Every 5 minutes"),
        ("5/15 * * * *", "Every 15 minutes, from 00:05 to 23:50"),
        ("*/7 9,15 * * *", "Every 7 minutes, from 09:00 to 09:56 and from 15:00 to 15:56"),
        (
            "*/7 9-10 * * *",
            "At minutes 0, 7, 14, 21, 28, 35, 42, 49, and 56 of every hour, from 09:00 to 10:56",
        ),
        ("* 9 * * *", "Every minute, from 09:00 to 09:59"),
        ("5 * * * *", "At minute 5 of every hour"),
        ("0,25,40 * * * *", "At minutes 0, 25, and 40 of every hour"),
        ("0 */2 * * *", "Every 2 hours from 00:00 to 22:00"),
        ("0 8-18 * * *", "Every hour from 08:00 to 18:00"),
        ("0 9 1 * *", "At 09:00 on day 1 of every month"),
        ("0 9 1,15 * *", "At 09:00 on days 1 and 15 of every month"),
        ("0 9 1-7 * *", "At 09:00 on days 1 to 7 of every month"),
        ("0 0 1 1 *", "At 00:00 on January 1"),
        ("0 9 1 1,7 *", "At 09:00 on day 1 of January and July"),
        ("0 9 * 1-3 *", "At 09:00 every day in January to March"),
        ("0 9 * 12 SAT", "At 09:00 on Saturday in December"),
        ("0 9 1 * MON", "At 09:00 on day 1 of every month and on every Monday"),
        (
            "0 9 1-7 * */7",
            "At 09:00 on days 1 to 7 of every month, when they fall on Sunday",
        ),
        ("@daily", "At 00:00 every day"),
    ],
)
def test_describe_cron(app_ctx, expression, reading):
    assert timing.describe(cron(expression)) == f"{reading} (Asia/Tokyo)"


def test_describe_in_a_japanese_context_uses_babels_names(app_ctx):
    with force_locale("ja"):
        weekly = timing.describe(schedule(Frequency.WEEKLY, weekday=0, at=time(9, 0)))
        monday = timing.describe(cron("0 9 * * 1"))
        weekend = timing.describe(cron("0 10 * * SAT,SUN"))
        new_year = timing.describe(cron("0 0 1 1 *"))
        with pytest.raises(ScheduleError) as refused:
            timing.check_cron("0 0 30 2 *")
        refusal = str(refused.value)

    assert "月曜日" in weekly and "09:00" in weekly and "Asia/Tokyo" in weekly
    assert "月曜日" in monday
    assert "土曜日" in weekend and "日曜日" in weekend
    assert "1月1日" in new_year
    assert "2月" in refusal


def test_every_random_expression_reads_in_english_and_japanese(app_ctx):
    rng = random.Random(11)
    for _ in range(200):
        expression = " ".join(
            _random_field(rng, low, high)
            for low, high in ((0, 59), (0, 23), (1, 28), (1, 12), (0, 7))
        )
        english = timing.describe(cron(expression))
        with force_locale("ja"):
            japanese = timing.describe(cron(expression))
        assert english.endswith("(Asia/Tokyo)") and "%(" not in english, expression
        assert "%(" not in japanese, expression


@pytest.mark.parametrize("expression", ["*/𐩀 * * * *", "*/፩ * * * *", "٣ * * * *", "0 ９ * * ١"])
def test_digits_of_other_scripts_are_refused_not_a_crash(expression):
    with pytest.raises(ScheduleError) as refused:
        timing.check_cron(expression)
    assert refused.value.field == "cron"
