"""When an export schedule runs: cron expressions checked and read out in plain words, and
the next run times computed in the schedule's time zone.

A schedule is a preset (daily, weekly on a weekday, monthly on a day, at `run_time`) or a
standard 5-field cron expression, both read as wall-clock times in `timezone`. The local
times are computed on naive datetimes (croniter for cron) and only then given the zone with
zoneinfo, so daylight saving time follows one rule: a local time that does not exist (the
clocks spring forward) runs at the first instant after the gap, a local time that happens
twice (the clocks fall back) runs once, the first time.

The expression is parsed here rather than by croniter, which accepts much more than standard
cron (seconds, years, L, W, #, H) and reports errors in words meant for programmers; croniter
is given the expanded values and only iterates.
"""

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from itertools import count as counter
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_skeleton, get_day_names, get_month_names
from babel.lists import format_list
from croniter import CroniterError, croniter
from flask_babel import get_locale, gettext, ngettext

from app.exports.models import Frequency
from app.i18n import lazy_gettext as _l
from app.i18n import lazy_pgettext, with_params
from app.models import DomainError


class ScheduleError(DomainError):
    """The schedule's timing cannot be used; `field` names the form field it is about."""

    def __init__(self, message, field: str):
        super().__init__(message)
        self.field = field


# Parsing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _FieldSpec:
    name: object  # lazy translated noun, e.g. "hour"
    low: int
    high: int  # the highest value `*` stands for (the weekday field also accepts 7)
    names: tuple[str, ...] = ()  # names by value, from `low`


FIELDS = (
    _FieldSpec(lazy_pgettext("cron field", "minute"), 0, 59),
    _FieldSpec(lazy_pgettext("cron field", "hour"), 0, 23),
    _FieldSpec(lazy_pgettext("cron field", "day of month"), 1, 31),
    _FieldSpec(
        lazy_pgettext("cron field", "month"),
        1,
        12,
        ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"),
    ),
    _FieldSpec(
        lazy_pgettext("cron field", "day of week"),
        0,
        6,
        ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"),
    ),
)
MINUTE, HOUR, DAY, MONTH, WEEKDAY = range(5)

ALIASES = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}

# The longest a month can be (February: in leap years).
MONTH_DAYS = {m: calendar.monthrange(2000, m)[1] for m in range(1, 13)}

_VALUE = re.compile(r"[0-9]+|[A-Za-z]{3}")  # ASCII digits: \d takes any script's


@dataclass(frozen=True)
class CronSpec:
    """A parsed expression: the values each field allows, and how the two day fields
    combine (standard cron: when both are restricted a day matching either one runs; when
    one starts with `*` a day must match both)."""

    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: tuple[int, ...]
    months: tuple[int, ...]
    weekdays: tuple[int, ...]  # 0 Sunday .. 6 Saturday (7 read as 0)
    days_starred: bool
    weekdays_starred: bool

    @property
    def all_days(self) -> bool:
        return len(self.days) == 31

    @property
    def all_weekdays(self) -> bool:
        return len(self.weekdays) == 7

    @property
    def day_rule(self) -> str:
        """Which days run: "every" day, the "weekdays" named, the "days" of the month named,
        the days of the month that are also a weekday named ("and"), or either ("or")."""
        if self.days_starred or self.weekdays_starred:
            if self.all_days:
                return "every" if self.all_weekdays else "weekdays"
            return "days" if self.all_weekdays else "and"
        if self.all_days or self.all_weekdays:
            return "every"
        return "or"

    def croniter_args(self) -> tuple[str, bool]:
        """The expression with every field expanded, and croniter's `day_or`."""
        rule = self.day_rule
        days = _joined(self.days) if rule in ("days", "and", "or") else "*"
        weekdays = _joined(self.weekdays) if rule in ("weekdays", "and", "or") else "*"
        fields = (_joined(self.minutes), _joined(self.hours), days, _joined(self.months), weekdays)
        return " ".join(fields), rule == "or"


def _joined(values) -> str:
    return ",".join(str(v) for v in values)


def _cron_error(message) -> ScheduleError:
    return ScheduleError(message, field="cron")


def _value(token: str, spec: _FieldSpec, index: int, part: str) -> int:
    if not _VALUE.fullmatch(token):
        raise _bad_part(spec, part)
    if token.isascii() and token.isdigit():
        value = int(token)
    elif token.upper() in spec.names:
        value = spec.low + spec.names.index(token.upper())
    else:
        raise _bad_part(spec, part)
    high = 7 if index == WEEKDAY else spec.high
    if not spec.low <= value <= high:
        if index == MONTH:
            message = _l("The month field must be 1-12 or a name like JAN (got %(value)s).")
        elif index == WEEKDAY:
            message = _l(
                "The day of week field must be 0-7 (0 and 7 are Sunday) or a name like MON "
                "(got %(value)s)."
            )
        else:
            message = _l(
                "The %(field)s field must be %(low)d-%(high)d (got %(value)s).",
                field=spec.name,
                low=spec.low,
                high=spec.high,
            )
        raise _cron_error(with_params(message, value=token))
    return value


def _bad_part(spec: _FieldSpec, part: str) -> ScheduleError:
    return _cron_error(
        _l(
            "The %(field)s field cannot use “%(part)s”: write numbers, *, ranges (1-5), "
            "lists (1,3) or steps (*/15).",
            field=spec.name,
            part=part,
        )
    )


def _parse_field(text: str, index: int) -> tuple[int, ...]:
    spec = FIELDS[index]
    values: set[int] = set()
    for part in text.split(","):
        base, slash, step_text = part.partition("/")
        step = 1
        if slash:
            if not (step_text.isascii() and step_text.isdigit()):
                raise _bad_part(spec, part)
            step = int(step_text)
            if step == 0:
                raise _cron_error(
                    _l(
                        "The %(field)s field has a step of 0 in %(part)s: a step must be 1 or "
                        "more.",
                        field=spec.name,
                        part=part,
                    )
                )
        if base == "*":
            low, high = spec.low, spec.high
        elif "-" in base:
            first, _, last = base.partition("-")
            low = _value(first, spec, index, part)
            high = _value(last, spec, index, part)
            if index == WEEKDAY and high == 0 < low:
                high = 7  # FRI-SUN: Sunday as the end of the week
            if low > high:
                raise _cron_error(
                    _l(
                        "The %(field)s field has the range %(part)s, which runs backwards: "
                        "put the smaller value first.",
                        field=spec.name,
                        part=part,
                    )
                )
        else:
            low = _value(base, spec, index, part)
            # "5/15" (an extension most crons accept): from 5 to the end, every 15.
            high = (7 if index == WEEKDAY else spec.high) if slash else low
        values.update(range(low, high + 1, step))
    if index == WEEKDAY and 7 in values:
        values.discard(7)
        values.add(0)
    return tuple(sorted(values))


def _split(expression: str) -> list[str]:
    text = " ".join((expression or "").split())
    if not text:
        raise _cron_error(_l("Enter a cron expression, e.g. 0 9 * * 1 (09:00 every Monday)."))
    if text.startswith("@"):
        alias = text.lower()
        if alias not in ALIASES:
            raise _cron_error(
                _l(
                    "%(alias)s is not supported: write 5 fields, or one of @hourly, @daily, "
                    "@weekly, @monthly, @yearly.",
                    alias=text,
                )
            )
        return ALIASES[alias].split()
    fields = text.split(" ")
    if len(fields) in (6, 7):
        raise _cron_error(
            _l(
                "Seconds and years are not supported: a cron expression has 5 fields (minute, "
                "hour, day of month, month, day of week); this one has %(num)d.",
                num=len(fields),
            )
        )
    if len(fields) != 5:
        raise _cron_error(
            _l(
                "A cron expression has 5 fields separated by spaces (minute, hour, day of "
                "month, month, day of week); this one has %(num)d.",
                num=len(fields),
            )
        )
    return fields


def parse_cron(expression: str) -> CronSpec:
    """The expression's values; ScheduleError(field="cron") with the reason otherwise."""
    fields = _split(expression)
    minutes, hours, days, months, weekdays = (
        _parse_field(text, index) for index, text in enumerate(fields)
    )
    spec = CronSpec(
        minutes,
        hours,
        days,
        months,
        weekdays,
        days_starred=fields[DAY].startswith("*"),
        weekdays_starred=fields[WEEKDAY].startswith("*"),
    )
    if spec.day_rule in ("days", "and") and not any(
        day <= MONTH_DAYS[month] for day in days for month in months
    ):
        # Standard cron accepts it and then never runs it (croniter searches for decades).
        raise _cron_error(
            _l(
                "This expression never runs: there is no day %(days)s in %(months)s.",
                days=_LazyList([str(d) for d in days], "or"),
                months=_LazyList([_MonthName(m) for m in months], "or"),
            )
        )
    return spec


class _MonthName:
    def __init__(self, month: int):
        self.month = month

    def __str__(self) -> str:
        return get_month_names("wide", locale=_locale())[self.month]


class _LazyList:
    """Items joined the reader's way ("1 or 2", "1 または 2"), when shown."""

    def __init__(self, items, style: str):
        self.items, self.style = items, style

    def __str__(self) -> str:
        return format_list([str(item) for item in self.items], style=self.style, locale=_locale())


def check_cron(expression: str) -> str:
    """The expression as stored: 5 fields separated by one space (names in capitals, an
    @alias written out); ScheduleError(field="cron") with the reason in plain words."""
    fields = _split(expression)
    parse_cron(" ".join(fields))
    return " ".join(re.sub(r"[A-Za-z]+", lambda m: m.group().upper(), f) for f in fields)


# Run times -------------------------------------------------------------------------------


def zone_of(schedule) -> ZoneInfo:
    """The schedule's time zone; ScheduleError(field="timezone") when it is not a known one."""
    name = schedule.timezone
    if isinstance(name, tzinfo):
        return name
    if not name:
        raise ScheduleError(_l("Choose a time zone from the list."), field="timezone")
    if name not in ("localtime", "Factory"):  # files of the tz database, not places
        try:
            return ZoneInfo(name)
        except (ValueError, KeyError, OSError):  # KeyError: ZoneInfoNotFoundError
            pass
    raise ScheduleError(
        _l("Unknown time zone %(zone)s: choose one from the list.", zone=str(name)),
        field="timezone",
    )


def _frequency(schedule) -> Frequency:
    try:
        return Frequency(schedule.frequency)
    except ValueError:
        raise ScheduleError(_l("Choose how often the export runs."), field="frequency") from None


def _run_time(schedule) -> time:
    value = getattr(schedule, "run_time", None)
    if not isinstance(value, time):
        raise ScheduleError(_l("Enter the time as HH:MM, e.g. 07:30."), field="run_time")
    return value


def _weekday(schedule) -> int:
    weekday = getattr(schedule, "weekday", None)
    if weekday is None or not 0 <= weekday <= 6:
        raise ScheduleError(_l("Choose the day of the week."), field="weekday")
    return weekday


def _month_day(schedule) -> int:
    day = getattr(schedule, "month_day", None)
    if day is None or not 1 <= day <= 31:
        raise ScheduleError(_l("Enter a day of the month from 1 to 31."), field="month_day")
    return day


def _local_candidates(schedule, start: datetime):
    """Naive local times the schedule names, in order, from around `start` (naive local)."""
    frequency = _frequency(schedule)
    if frequency is Frequency.CRON:
        expression, day_or = parse_cron(schedule.cron or "").croniter_args()
        times = croniter(expression, start, day_or=day_or)
        try:
            while True:
                yield times.get_next(datetime)
        except CroniterError:  # no run in the next 50 years (parse_cron refuses most first)
            raise _cron_error(_l("This expression never runs.")) from None
    at = _run_time(schedule)
    at = time(at.hour, at.minute)
    day = start.date()
    if frequency is Frequency.DAILY:
        for offset in counter():
            yield datetime.combine(day + timedelta(days=offset), at)
    elif frequency is Frequency.WEEKLY:
        first = day + timedelta(days=(_weekday(schedule) - day.weekday()) % 7)
        for offset in counter():
            yield datetime.combine(first + timedelta(weeks=offset), at)
    else:
        wanted = _month_day(schedule)
        year, month = day.year, day.month
        while True:
            last = calendar.monthrange(year, month)[1]
            yield datetime.combine(date(year, month, min(wanted, last)), at)
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _instant(local: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant of a naive local time: the first of a repeated time, the end of the
    gap for a time the clocks skip."""
    first = local.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == local:
        return first
    # In a gap: fold=1 reads it with the offset after the change (an instant before the
    # change), fold=0 with the offset before it (an instant after): the change lies between.
    low = int(local.replace(tzinfo=zone, fold=1).timestamp())
    high = int(first.timestamp())
    after_offset = first.astimezone(zone).utcoffset()
    while high - low > 1:
        middle = (low + high) // 2
        if datetime.fromtimestamp(middle, zone).utcoffset() == after_offset:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def next_runs(schedule, after: datetime, count: int = 5) -> list[datetime]:
    """The next `count` run times strictly after `after` (aware; naive is read as UTC), as
    aware UTC datetimes; ScheduleError naming the field when the timing cannot be used."""
    zone = zone_of(schedule)
    if count < 1:
        return []
    if after.tzinfo is None:
        after = after.replace(tzinfo=UTC)
    start = after.astimezone(zone).replace(tzinfo=None)
    runs: list[datetime] = []
    for local in _local_candidates(schedule, start):
        instant = _instant(local, zone)
        if instant > after and (not runs or instant > runs[-1]):
            runs.append(instant)
            if len(runs) == count:
                break
    return runs


def next_run(schedule, after: datetime) -> datetime | None:
    """The first run time strictly after `after` (aware UTC)."""
    runs = next_runs(schedule, after, 1)
    return runs[0] if runs else None


# Plain-language reading ------------------------------------------------------------------


def _locale() -> Locale:
    return get_locale() or Locale.parse("en")


def _hm(hour: int, minute: int) -> str:
    return f"{hour:02d}:{minute:02d}"


def _and_list(items) -> str:
    return format_list([str(item) for item in items], locale=_locale())


def _runs(values) -> list[tuple[int, int]]:
    """Consecutive values grouped: (1, 2, 3, 7) -> [(1, 3), (7, 7)]."""
    groups: list[tuple[int, int]] = []
    for value in values:
        if groups and value == groups[-1][1] + 1:
            groups[-1] = (groups[-1][0], value)
        else:
            groups.append((value, value))
    return groups


def _named_runs(values, name) -> str:
    """Names joined, three or more in a row as a range: "Monday to Friday", "1, 15 and 31"."""
    parts: list[str] = []
    for first, last in _runs(values):
        if last - first >= 2:
            parts.append(gettext("%(first)s to %(last)s", first=name(first), last=name(last)))
        else:
            parts.extend(name(v) for v in range(first, last + 1))
    return _and_list(parts)


def _progression(values) -> int | None:
    """The step of evenly spaced values (at least two), else None."""
    if len(values) < 2:
        return None
    step = values[1] - values[0]
    if all(b - a == step for a, b in zip(values, values[1:], strict=False)):
        return step
    return None


def _weekday_name(cron_weekday: int) -> str:
    return get_day_names("wide", locale=_locale())[(cron_weekday + 6) % 7]


def _month_name(month: int) -> str:
    return get_month_names("wide", locale=_locale())[month]


def _weekdays_phrase(weekdays) -> str:
    # Monday first, so Friday to Sunday reads as one range.
    ordered = sorted((w + 6) % 7 for w in weekdays)
    return _named_runs(ordered, lambda i: _weekday_name((i + 1) % 7))


def _periods(hours, minutes) -> str:
    """The hours as periods from the first run to the last: "from 09:00 to 17:45"."""
    return _and_list(
        gettext(
            "from %(start)s to %(end)s",
            start=_hm(first, minutes[0]),
            end=_hm(last, minutes[-1]),
        )
        for first, last in _runs(hours)
    )


def _time_clause(spec: CronSpec) -> str:
    """When in the day: "At 09:00", "Every 15 minutes, from 09:00 to 17:45", ..."""
    minutes, hours = spec.minutes, spec.hours
    if _fixed_times(spec):
        return gettext("At %(times)s", times=_and_list(_hm(h, m) for h in hours for m in minutes))
    if len(minutes) == 1:
        step = _progression(hours)
        if len(hours) == 24:
            return ngettext(
                "At minute %(minutes)s of every hour",
                "At minutes %(minutes)s of every hour",
                1,
                minutes=str(minutes[0]),
            )
        if step is not None:
            first, last = _hm(hours[0], minutes[0]), _hm(hours[-1], minutes[0])
            if step == 1:
                return gettext("Every hour from %(first)s to %(last)s", first=first, last=last)
            return gettext(
                "Every %(num)d hours from %(first)s to %(last)s", num=step, first=first, last=last
            )
        return gettext("At %(times)s", times=_and_list(_hm(h, minutes[0]) for h in hours))
    step = _progression(minutes)
    # Every n minutes reads true across the hours only when the minutes wrap evenly.
    even = step is not None and 60 % step == 0 and len(minutes) == 60 // step
    if step is not None and (even or all(a == b for a, b in _runs(hours))):
        if len(hours) == 24 and even and minutes[0] == 0:
            return (
                gettext("Every minute")
                if step == 1
                else ngettext("Every %(num)d minute", "Every %(num)d minutes", step)
            )
        periods = _periods(hours, minutes)
        if step == 1:
            return gettext("Every minute, %(periods)s", periods=periods)
        return ngettext(
            "Every %(num)d minute, %(periods)s",
            "Every %(num)d minutes, %(periods)s",
            step,
            periods=periods,
        )
    listed = _and_list(str(m) for m in minutes)
    if len(hours) == 24:
        return ngettext(
            "At minute %(minutes)s of every hour",
            "At minutes %(minutes)s of every hour",
            len(minutes),
            minutes=listed,
        )
    return ngettext(
        "At minute %(minutes)s of every hour, %(periods)s",
        "At minutes %(minutes)s of every hour, %(periods)s",
        len(minutes),
        minutes=listed,
        periods=_periods(hours, minutes),
    )


def _fixed_times(spec: CronSpec) -> bool:
    """Whether the day's runs are few enough to list ("At 09:00 and 17:30")."""
    return len(spec.minutes) * len(spec.hours) <= 4


def describe_cron(expression: str) -> str:
    """A cron expression in plain words in the current language (without the zone)."""
    spec = parse_cron(expression)
    when = _time_clause(spec)
    rule = spec.day_rule
    some_months = len(spec.months) < 12
    months = _named_runs(spec.months, _month_name)
    weekdays = _weekdays_phrase(spec.weekdays)
    days = _named_runs(spec.days, str)
    n_days = len(spec.days)
    if rule == "every":
        if some_months:
            return gettext("%(time)s every day in %(months)s", time=when, months=months)
        # "At 09:00 every day"; "Every 15 minutes" says it alone.
        return gettext("%(time)s every day", time=when) if _fixed_times(spec) else when
    if rule == "weekdays":
        if some_months:
            return gettext(
                "%(time)s on %(weekdays)s in %(months)s",
                time=when,
                weekdays=weekdays,
                months=months,
            )
        return gettext("%(time)s on %(weekdays)s", time=when, weekdays=weekdays)
    if rule == "days":
        if n_days == 1 and len(spec.months) == 1:
            day = date(2000, spec.months[0], spec.days[0])  # 2000: a leap year
            return gettext(
                "%(time)s on %(date)s",
                time=when,
                date=format_skeleton("MMMMd", day, locale=_locale()),
            )
        if some_months:
            return ngettext(
                "%(time)s on day %(days)s of %(months)s",
                "%(time)s on days %(days)s of %(months)s",
                n_days,
                time=when,
                days=days,
                months=months,
            )
        return ngettext(
            "%(time)s on day %(days)s of every month",
            "%(time)s on days %(days)s of every month",
            n_days,
            time=when,
            days=days,
        )
    if rule == "and":
        if some_months:
            return ngettext(
                "%(time)s on day %(days)s of %(months)s, when it falls on %(weekdays)s",
                "%(time)s on days %(days)s of %(months)s, when they fall on %(weekdays)s",
                n_days,
                time=when,
                days=days,
                months=months,
                weekdays=weekdays,
            )
        return ngettext(
            "%(time)s on day %(days)s of every month, when it falls on %(weekdays)s",
            "%(time)s on days %(days)s of every month, when they fall on %(weekdays)s",
            n_days,
            time=when,
            days=days,
            weekdays=weekdays,
        )
    if some_months:
        return ngettext(
            "%(time)s on day %(days)s and on %(weekdays)s, in %(months)s",
            "%(time)s on days %(days)s and on %(weekdays)s, in %(months)s",
            n_days,
            time=when,
            days=days,
            weekdays=weekdays,
            months=months,
        )
    return ngettext(
        "%(time)s on day %(days)s of every month and on every %(weekdays)s",
        "%(time)s on days %(days)s of every month and on every %(weekdays)s",
        n_days,
        time=when,
        days=days,
        weekdays=weekdays,
    )


def describe(schedule) -> str:
    """When the schedule runs, in plain words in the current language, with its zone."""
    zone = str(getattr(zone_of(schedule), "key", schedule.timezone))
    frequency = _frequency(schedule)
    if frequency is Frequency.CRON:
        return gettext(
            "%(schedule)s (%(zone)s)", schedule=describe_cron(schedule.cron or ""), zone=zone
        )
    at = _run_time(schedule)
    at_text = _hm(at.hour, at.minute)
    if frequency is Frequency.DAILY:
        return gettext("Every day at %(time)s (%(zone)s)", time=at_text, zone=zone)
    if frequency is Frequency.WEEKLY:
        weekday = get_day_names("wide", locale=_locale())[_weekday(schedule)]
        return gettext(
            "Every %(weekday)s at %(time)s (%(zone)s)", weekday=weekday, time=at_text, zone=zone
        )
    day = _month_day(schedule)
    if day > 28:
        return gettext(
            "On day %(day)d of every month (the last day in shorter months) at %(time)s (%(zone)s)",
            day=day,
            time=at_text,
            zone=zone,
        )
    return gettext(
        "On day %(day)d of every month at %(time)s (%(zone)s)", day=day, time=at_text, zone=zone
    )
