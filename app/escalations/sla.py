"""SLA clocks in business time: when a target falls due, how much has run, how much is left.

Pure functions of their arguments: no database, no Flask, and never the current time (callers
pass `now`). Every datetime going in must be timezone-aware; every datetime coming out is UTC.

Business hours are wall-clock times in the calendar's own timezone, so a day with a DST change
still opens at 9:00 local. Internally everything is a UTC instant: each local day becomes one
open interval in UTC, and the engine walks day by day, never minute by minute.

A target that is reached exactly when business closes is due at the closing instant (18:00),
not at the next opening.
"""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MIDNIGHT = time(0, 0)
ZERO = timedelta(0)

Pause = tuple[datetime, datetime | None]


@dataclass(frozen=True)
class BusinessCalendar:
    """Opening hours per weekday (Monday=0) in a timezone, with holidays closed all day.

    An entry of None means closed; an end of time(0, 0) means open until the next local
    midnight, so (time(0, 0), time(0, 0)) is open the whole day.
    """

    timezone: str
    hours: tuple[tuple[time, time] | None, ...]
    holidays: frozenset[date] = frozenset()

    def __post_init__(self):
        # Rows an admin edits arrive as lists and sets; normalise so the calendar stays hashable.
        object.__setattr__(self, "hours", tuple(self.hours))
        object.__setattr__(self, "holidays", frozenset(self.holidays))
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown timezone {self.timezone!r}") from error
        if len(self.hours) != 7:
            raise ValueError(f"hours needs 7 entries (Monday to Sunday), got {len(self.hours)}")
        for weekday, opening in enumerate(self.hours):
            if opening is None:
                continue
            start, end = opening
            if end != MIDNIGHT and end <= start:
                raise ValueError(f"weekday {weekday}: closing {end} is not after opening {start}")
        # Holidays are finite, so one open weekday is enough for every walk to end.
        if all(opening is None for opening in self.hours):
            raise ValueError("business calendar is never open: every weekday is closed")

    @classmethod
    def always_open(cls, timezone: str = "UTC") -> "BusinessCalendar":
        """A 24x7 calendar: every day open from midnight to midnight."""
        return cls(timezone, ((MIDNIGHT, MIDNIGHT),) * 7)

    @classmethod
    def weekdays(cls, start: time, end: time, timezone: str, holidays=()) -> "BusinessCalendar":
        """Open Monday to Friday from `start` to `end` local time, closed on `holidays`."""
        return cls(timezone, ((start, end),) * 5 + (None, None), frozenset(holidays))


def _utc(moment: datetime, name: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {moment!r}")
    # Comparisons between datetimes sharing one ZoneInfo ignore the DST fold; UTC has none.
    return moment.astimezone(UTC)


def _open_interval(calendar: BusinessCalendar, day: date) -> tuple[datetime, datetime] | None:
    """The UTC instants at which business opens and closes on a local date, or None."""
    opening = calendar.hours[day.weekday()]
    if opening is None or day in calendar.holidays:
        return None
    start, end = opening
    zone = ZoneInfo(calendar.timezone)
    # A wall time skipped or repeated by a DST change is read with fold=0 (the offset in
    # force before the change); both ends of adjacent whole days then meet exactly.
    opens = datetime.combine(day, start, tzinfo=zone).astimezone(UTC)
    closing_day = day + timedelta(days=1) if end == MIDNIGHT else day
    closes = datetime.combine(closing_day, end, tzinfo=zone).astimezone(UTC)
    if closes <= opens:  # only hours that fall inside a DST gap can collapse like this
        return None
    return opens, closes


def _intervals_from(calendar: BusinessCalendar, start: datetime) -> Iterator[tuple]:
    """Open intervals, in order, from the local day containing `start` onwards (unbounded)."""
    day = start.astimezone(ZoneInfo(calendar.timezone)).date()
    while True:
        interval = _open_interval(calendar, day)
        if interval is not None:
            yield interval
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
