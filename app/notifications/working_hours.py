"""When a person is at work: their working days and hours in their own zone, and their leave.

Pure: it reads a user's fields (`timezone`, `work_days`, `work_start`, `work_end`,
`leave_starts`, `leave_ends`; None takes the app's default) and a moment, and answers whether
they are on leave then and the next moment they are working. Times are computed in the
person's zone with zoneinfo, so a change to or from summer time moves nothing: a working day
opens at its local start time (a start that the clocks skip opens at the first moment after
it). Leave dates are inclusive, in the person's zone; leave days are not working days.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MIDNIGHT = "24:00"  # an end of day: working until midnight
EVERY_DAY = frozenset(range(7))
# Looked at most this many days ahead (a week, and a jump past a leave counts as one day).
HORIZON_DAYS = 16


@dataclass(frozen=True)
class Defaults:
    """The app's working hours, for whoever set none of their own (see config.py)."""

    timezone: str
    days: tuple[int, ...]
    start: str
    end: str

    @classmethod
    def from_config(cls, config: Mapping) -> "Defaults":
        return cls(
            timezone=config["BABEL_DEFAULT_TIMEZONE"],
            days=tuple(config["WORK_DAYS"]),
            start=config["WORK_START"],
            end=config["WORK_END"],
        )


@dataclass(frozen=True)
class WorkingHours:
    """One person's working week and leave, read from their fields and the defaults."""

    zone: ZoneInfo
    days: frozenset[int]
    start: time
    end: time | None  # None: until midnight
    leave_starts: date | None = None
    leave_ends: date | None = None

    @property
    def always(self) -> bool:
        """Working every moment of every day (leave aside)."""
        return self.days == EVERY_DAY and self.start == time(0) and self.end is None


def parse_clock(text: str | None) -> time | None:
    """ "HH:MM" as a time; "24:00" is None (midnight, as an end). ValueError otherwise."""
    text = (text or "").strip()
    if text == MIDNIGHT:
        return None
    hours, colon, minutes = text.partition(":")
    if not (colon and hours.isascii() and minutes.isascii()):
        raise ValueError(f"not a time of day: {text!r}")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2 and len(hours) <= 2):
        raise ValueError(f"not a time of day: {text!r}")
    return time(int(hours), int(minutes))


@cache
def zone_named(name: str | None, default: str) -> ZoneInfo:
    """The zone of that name; the default for none or one the tz database no longer has."""
    try:
        return ZoneInfo(name or default)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(default)


def hours_of(user, defaults: Defaults) -> WorkingHours:
    """The working hours of a user (anything with the User fields), defaults filled in."""
    start = _clock_or(user.work_start, defaults.start) or time(0)
    end = _clock_or(user.work_end, defaults.end)
    if end == time(0):  # "00:00" as an end: midnight, as in the SLA calendars
        end = None
    return WorkingHours(
        zone=zone_named(user.timezone, defaults.timezone),
        days=frozenset(user.work_days or defaults.days),
        start=start,
        end=end,
        leave_starts=user.leave_starts,
        leave_ends=user.leave_ends,
    )


def _clock_or(own: str | None, default: str) -> time | None:
    if own:
        try:
            return parse_clock(own)
        except ValueError:
            pass  # not written by the profile form: the default rather than an error
    return parse_clock(default)


def local_date(hours: WorkingHours, moment: datetime) -> date:
    """The date at that moment where the person is."""
    return moment.astimezone(hours.zone).date()


def on_leave_on(hours: WorkingHours, day: date) -> bool:
    """Whether the person is on leave that (local) day; an open end runs for ever."""
    if hours.leave_starts is None and hours.leave_ends is None:
        return False
    after_start = hours.leave_starts is None or hours.leave_starts <= day
    before_end = hours.leave_ends is None or day <= hours.leave_ends
    return after_start and before_end


def on_leave(hours: WorkingHours, moment: datetime) -> bool:
    """Whether the person is on leave at that moment (their local date)."""
    return on_leave_on(hours, local_date(hours, moment))


def window(hours: WorkingHours, day: date) -> tuple[datetime, datetime]:
    """(opens, closes) of a working day, in UTC."""
    opens = datetime.combine(day, hours.start, tzinfo=hours.zone)
    if hours.end is None:
        closes = datetime.combine(day + timedelta(days=1), time(0), tzinfo=hours.zone)
    else:
        closes = datetime.combine(day, hours.end, tzinfo=hours.zone)
    return opens.astimezone(UTC), closes.astimezone(UTC)


def next_opening(hours: WorkingHours, moment: datetime) -> datetime | None:
    """The first moment at or after `moment` when the person is working (in UTC): `moment`
    itself when they are at work, else the start of their next working day. None when no
    working moment comes within the horizon (no working days, or leave without an end)."""
    moment = moment.astimezone(UTC)
    day = local_date(hours, moment)
    for _ in range(HORIZON_DAYS):
        if on_leave_on(hours, day):
            if hours.leave_ends is None:
                return None
            day = max(day, hours.leave_ends) + timedelta(days=1)
            continue
        if day.weekday() in hours.days:
            opens, closes = window(hours, day)
            if moment < closes and opens < closes:
                return max(moment, opens)
        day += timedelta(days=1)
    return None


def is_working(hours: WorkingHours, moment: datetime) -> bool:
    """Whether the person is at work at that moment."""
    return next_opening(hours, moment) == moment.astimezone(UTC)


def day_ranges(days: Iterable[int], names: Mapping[int, str]) -> list[str]:
    """Weekdays as runs: [0, 1, 2, 3, 4] -> ["Mon–Fri"], [0, 2, 3] -> ["Mon", "Wed", "Thu"]
    (`names`: 0 = Monday -> its name in the reader's language). Three days or more in a row
    make a range."""
    ordered = sorted(set(days))
    runs: list[list[int]] = []
    for day in ordered:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    shown = []
    for run in runs:
        if len(run) >= 3:
            shown.append(f"{names[run[0]]}–{names[run[-1]]}")
        else:
            shown.extend(names[day] for day in run)
    return shown


def clock_text(value: time | None) -> str:
    """A start or end as the profile shows it: "09:00", "24:00" for midnight."""
    return MIDNIGHT if value is None else value.strftime("%H:%M")
