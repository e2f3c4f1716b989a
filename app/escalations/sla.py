"""SLA clocks in business time: when a target falls due, how much has run, how much is left.

Pure functions of their arguments: no database, no Flask, and never the current time (callers
pass `now`). Every datetime going in must be timezone-aware; every datetime coming out is UTC.

Business hours are wall-clock times in the calendar's own timezone, so a day with a DST change
still opens at 9:00 local. Internally everything is a UTC instant: each local day becomes one
open interval in UTC, and the engine walks day by day, never minute by minute.

A target that is reached exactly when business closes is due at the closing instant (18:00),
not at the next opening.
"""

from collections.abc import Container, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MIDNIGHT = time(0, 0)
ZERO = timedelta(0)

Pause = tuple[datetime, datetime | None]


Interval = tuple[time, time]


def _day_intervals(entry) -> tuple[Interval, ...]:
    """One weekday's opening as a tuple of (start, end) intervals: None or () is closed, a
    single (start, end) pair is one interval, a sequence of pairs is several."""
    if not entry:
        return ()
    if len(entry) == 2 and all(isinstance(part, time) for part in entry):
        return (tuple(entry),)
    return tuple(tuple(interval) for interval in entry)


@dataclass(frozen=True, eq=False)
class BusinessCalendar:
    """Opening hours per weekday (Monday=0) in a timezone, with holidays closed all day.

    Each weekday has zero or more intervals (9:00-12:00 and 13:00-18:00: the lunch hour is not
    business time); None or () means closed. An end of time(0, 0) means open until the next
    local midnight, so (time(0, 0), time(0, 0)) is open the whole day. `holidays` is anything
    that answers `day in holidays` (a set of dates, or the app's public-holiday lookup).
    """

    timezone: str
    hours: tuple
    holidays: Container[date] = frozenset()

    def __post_init__(self):
        # Rows an admin edits arrive as lists; normalise every weekday to a tuple of intervals.
        object.__setattr__(self, "hours", tuple(_day_intervals(day) for day in self.hours))
        if isinstance(self.holidays, set | list | tuple):
            object.__setattr__(self, "holidays", frozenset(self.holidays))
        try:
            object.__setattr__(self, "zone", ZoneInfo(self.timezone))
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown timezone {self.timezone!r}") from error
        if len(self.hours) != 7:
            raise ValueError(f"hours needs 7 entries (Monday to Sunday), got {len(self.hours)}")
        for weekday, intervals in enumerate(self.hours):
            previous_end = None
            for start, end in intervals:
                if end != MIDNIGHT and end <= start:
                    raise ValueError(
                        f"weekday {weekday}: closing {end} is not after opening {start}"
                    )
                if previous_end is not None and (previous_end == MIDNIGHT or start < previous_end):
                    raise ValueError(f"weekday {weekday}: intervals overlap or are out of order")
                previous_end = end
        # Holidays are finite, so one open weekday is enough for every walk to end.
        if not any(self.hours):
            raise ValueError("business calendar is never open: every weekday is closed")

    @classmethod
    def always_open(cls, timezone: str = "UTC") -> "BusinessCalendar":
        """A 24x7 calendar: every day open from midnight to midnight."""
        return cls(timezone, ((MIDNIGHT, MIDNIGHT),) * 7)

    @classmethod
    def weekdays(cls, start: time, end: time, timezone: str, holidays=()) -> "BusinessCalendar":
        """Open Monday to Friday from `start` to `end` local time, closed on `holidays`."""
        return cls(timezone, ((start, end),) * 5 + (None, None), frozenset(holidays))

    def is_closed_day(self, day: date) -> bool:
        """Closed all day: a closed weekday, or a holiday."""
        return not self.hours[day.weekday()] or day in self.holidays


def _utc(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment!r}")
    # Comparisons between datetimes sharing one ZoneInfo ignore the DST fold; UTC has none.
    return moment.astimezone(UTC)


def open_intervals(calendar: BusinessCalendar, day: date) -> list[tuple[datetime, datetime]]:
    """The UTC instants at which business opens and closes on a local date, in order."""
    if calendar.is_closed_day(day):
        return []
    zone = calendar.zone
    found = []
    for start, end in calendar.hours[day.weekday()]:
        # A wall time skipped or repeated by a DST change is read with fold=0 (the offset in
        # force before the change); both ends of adjacent whole days then meet exactly.
        opens = datetime.combine(day, start, tzinfo=zone).astimezone(UTC)
        closing_day = day + timedelta(days=1) if end == MIDNIGHT else day
        closes = datetime.combine(closing_day, end, tzinfo=zone).astimezone(UTC)
        if closes > opens:  # only hours that fall inside a DST gap can collapse
            found.append((opens, closes))
    return found


def _intervals_from(calendar: BusinessCalendar, start: datetime) -> Iterator[tuple]:
    """Open intervals, in order, from the local day containing `start` onwards (unbounded)."""
    day = start.astimezone(calendar.zone).date()
    while True:
        yield from open_intervals(calendar, day)
        day += timedelta(days=1)


def add_business_time(calendar: BusinessCalendar, start: datetime, duration: timedelta) -> datetime:
    """The moment when `duration` of business time has passed since `start`."""
    start = _utc(start, "start")
    if duration < ZERO:
        raise ValueError(f"duration must not be negative, got {duration}")
    if duration == ZERO:
        return start
    left = duration
    for opens, closes in _intervals_from(calendar, start):
        opens = max(opens, start)
        if closes <= opens:
            continue
        # `<=` rather than `<`: a target used up exactly at closing is due at the closing instant.
        if left <= closes - opens:
            return opens + left
        left -= closes - opens
    raise AssertionError("unreachable: the interval walk never ends")


def business_time_between(calendar: BusinessCalendar, start: datetime, end: datetime) -> timedelta:
    """Business time in [start, end); zero when end <= start."""
    start, end = _utc(start, "start"), _utc(end, "end")
    total = ZERO
    if end <= start:
        return total
    for opens, closes in _intervals_from(calendar, start):
        if opens >= end:
            break
        overlap = min(closes, end) - max(opens, start)
        if overlap > ZERO:
            total += overlap
    return total


def _checked_pauses(pauses: Sequence[Pause]) -> list[Pause]:
    """The pauses in UTC, after checking they are aware, in order, and open only at the end."""
    checked: list[Pause] = []
    for index, (paused_at, resumed_at) in enumerate(pauses):
        paused_at = _utc(paused_at, f"pauses[{index}] paused_at")
        if checked:
            previous_end = checked[-1][1]
            if previous_end is None:
                raise ValueError("only the last pause may still be open (resumed_at None)")
            if paused_at < previous_end:
                raise ValueError(f"pauses[{index}] starts before the previous pause ended")
        if resumed_at is not None:
            resumed_at = _utc(resumed_at, f"pauses[{index}] resumed_at")
            if resumed_at < paused_at:
                raise ValueError(f"pauses[{index}] resumes before it was paused")
        checked.append((paused_at, resumed_at))
    return checked


def _running_spans(started_at: datetime, pauses: Sequence[Pause]) -> list:
    """The spans the clock runs, as (start, end) in UTC; end None for an unbounded last span.

    After an open pause nothing runs, so the list then ends with the span before that pause.
    """
    spans = []
    cursor = started_at
    for paused_at, resumed_at in _checked_pauses(pauses):
        # A pause that began before the clock started only holds the clock from started_at.
        if paused_at > cursor:
            spans.append((cursor, paused_at))
        if resumed_at is None:
            return spans
        cursor = max(cursor, resumed_at)
    spans.append((cursor, None))
    return spans


def due_at(
    calendar: BusinessCalendar,
    started_at: datetime,
    target: timedelta,
    pauses: Sequence[Pause] = (),
) -> datetime | None:
    """When the clock reaches `target` of business time, or None while it is stopped by a pause."""
    started_at = _utc(started_at, "started_at")
    if target < ZERO:
        raise ValueError(f"target must not be negative, got {target}")
    spans = _running_spans(started_at, pauses)
    if target == ZERO:
        return started_at
    left = target
    for start, end in spans:
        if end is not None:
            ran = business_time_between(calendar, start, end)
            if ran < left:
                left -= ran
                continue
        # Due within this span; if the target is used up exactly as a pause begins, it is due
        # at that instant rather than after the pause.
        return add_business_time(calendar, start, left)
    # The last span ends at an open pause: the clock has stopped, there is no due time yet.
    return None


def elapsed(
    calendar: BusinessCalendar,
    started_at: datetime,
    pauses: Sequence[Pause],
    now: datetime,
) -> timedelta:
    """Business time the clock has run by `now` (pauses excluded)."""
    started_at, now = _utc(started_at, "started_at"), _utc(now, "now")
    total = ZERO
    for start, end in _running_spans(started_at, pauses):
        if start >= now:
            break
        total += business_time_between(calendar, start, now if end is None else min(end, now))
    return total


def remaining(
    calendar: BusinessCalendar,
    started_at: datetime,
    target: timedelta,
    pauses: Sequence[Pause],
    now: datetime,
) -> timedelta:
    """Target minus elapsed business time (negative once overdue)."""
    return target - elapsed(calendar, started_at, pauses, now)


def warning_at(
    calendar: BusinessCalendar,
    started_at: datetime,
    target: timedelta,
    pauses: Sequence[Pause] = (),
    ratio: float = 0.75,
) -> datetime | None:
    """When the clock reaches `ratio` of the target (the warning); None while paused."""
    return due_at(calendar, started_at, target * ratio, pauses)


@dataclass(frozen=True)
class DayStep:
    """One local day of a clock's walk: what was counted, what a pause held, or why closed."""

    day: date
    counted: tuple[tuple[datetime, datetime], ...] = ()  # UTC pieces of business time run
    paused: tuple[tuple[datetime, datetime], ...] = ()  # UTC pieces of business time paused
    closed: str | None = None  # "weekday" (not a working day) or "holiday"; None: open
    total: timedelta = ZERO  # business time counted up to the end of this day


@dataclass(frozen=True)
class Explanation:
    """How a clock arrives at its due time: the days walked from its start."""

    started_at: datetime
    target: timedelta
    counted_before: timedelta  # carried over from before a re-plan (see clocks.py)
    due_at: datetime | None  # None while a pause holds the clock
    days: tuple[DayStep, ...]
    truncated: bool = False  # the walk stopped at `max_days`


def _overlaps(piece, spans) -> list[tuple[datetime, datetime]]:
    start, end = piece
    found = []
    for span_start, span_end in spans:
        low, high = max(start, span_start), min(end, span_end)
        if high > low:
            found.append((low, high))
    return found


def explain(
    calendar: BusinessCalendar,
    started_at: datetime,
    target: timedelta,
    pauses: Sequence[Pause] = (),
    *,
    counted: timedelta = ZERO,
    until: datetime | None = None,
    max_days: int = 120,
) -> Explanation:
    """Walk a clock from `started_at` to its due time (or to `until` while a pause holds it):
    day by day, the business intervals counted, the business time paused, the closed weekdays
    and holidays skipped. `counted` is business time carried over from before `started_at`."""
    started_at = _utc(started_at, "started_at")
    left = max(target - counted, ZERO)
    due = due_at(calendar, started_at, left, pauses)
    end = due
    if end is None:
        end = _utc(until, "until") if until is not None else started_at
    running = [
        (start, end if stop is None else min(stop, end))
        for start, stop in _running_spans(started_at, pauses)
    ]
    held = []
    for paused_at, resumed_at in _checked_pauses(pauses):
        held.append((max(paused_at, started_at), end if resumed_at is None else resumed_at))
    zone = calendar.zone
    day, last = started_at.astimezone(zone).date(), end.astimezone(zone).date()
    days, total, truncated = [], counted, False
    while day <= last:
        if len(days) >= max_days:
            truncated = True
            break
        if not calendar.hours[day.weekday()]:
            days.append(DayStep(day, closed="weekday", total=total))
        elif day in calendar.holidays:
            days.append(DayStep(day, closed="holiday", total=total))
        else:
            counted_pieces, paused_pieces = [], []
            for interval in open_intervals(calendar, day):
                clipped = (max(interval[0], started_at), min(interval[1], end))
                if clipped[1] <= clipped[0]:
                    continue
                counted_pieces += _overlaps(clipped, running)
                paused_pieces += _overlaps(clipped, held)
            total += sum((b - a for a, b in counted_pieces), ZERO)
            if counted_pieces or paused_pieces:
                days.append(DayStep(day, tuple(counted_pieces), tuple(paused_pieces), None, total))
        day += timedelta(days=1)
    return Explanation(started_at, target, counted, due, tuple(days), truncated)
