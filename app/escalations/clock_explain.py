"""Why an SLA clock is due when it is: the page that walks one clock day by day.

The engine (sla.explain) walks the clock in its calendar's timezone and gives, per local day,
the business time counted and paused (UTC pieces) or why the day was skipped. This module
turns that walk into what a reader sees: the pieces in their own timezone and language, the
reason for each skipped day (a weekly day off, a public holiday by name, a company closure),
the calendar used, and the time counted before a re-plan.

Rows are the calendar's own days, since a business day (and a holiday) is a date where the
calendar is; when the reader is elsewhere, a time that falls on another date in their
timezone carries that date.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from babel.dates import format_skeleton
from flask_babel import format_time, get_locale, get_timezone, to_user_timezone
from flask_babel import gettext as _

from app.escalations import calendars, clocks, sla
from app.escalations.models import Escalation, SlaClock, WorkCalendar
from app.extensions import db

MAX_DAYS = 120  # a walk longer than this is cut short (the page says so)
ZERO = timedelta(0)


@dataclass(frozen=True)
class DayRow:
    """One day of the walk as the page shows it."""

    day: date  # the calendar's local date
    counted: tuple[str, ...] = ()  # "9:00 AM – 12:00 PM", in the reader's timezone
    counted_time: timedelta = ZERO
    total: timedelta = ZERO  # counted up to the end of this day, re-plan included
    paused: tuple[str, ...] = ()
    skipped: str = ""  # why no business time counted on this day; "" on an open day


@dataclass(frozen=True)
class ClockExplanation:
    """Everything the "why this due time?" page shows of one clock."""

    clock: SlaClock
    state: str  # running, warning, breached, paused, met, missed (labels.CLOCK_STATES)
    target: timedelta
    due_at: datetime | None  # the clock's stored due time; None while a pause holds it
    walk_due_at: datetime | None  # where the walk on the calendar as it is now ends
    calendar: WorkCalendar
    wall_clock: bool  # every hour counts (the health cadence), in the calendar's timezone
    calendar_changed: bool  # the calendar has a newer version than the one planned with
    reader_zone: str
    counted_before: timedelta  # business time counted before a re-plan
    counted_until: datetime | None  # when that re-plan happened
    days: tuple[DayRow, ...]
    truncated: bool

    @property
    def zones_differ(self) -> bool:
        return self.calendar.timezone != self.reader_zone


def explain_clock(escalation: Escalation, clock: SlaClock, now: datetime) -> ClockExplanation:
    """The walk of `clock` (one of `escalation`'s) from its start to its due time, or to now
    (to its stop) while a pause holds it."""
    policy = clocks.policy_for(escalation)
    wall_clock = clock.kind in calendars.WALL_CLOCK_KINDS
    record = policy.calendar
    if not wall_clock and clock.calendar_id not in (None, record.id):
        # Planned on a calendar the policy no longer names (a stopped clock keeps its own).
        record = db.session.get(WorkCalendar, clock.calendar_id) or record
    if wall_clock:
        engine = sla.BusinessCalendar.always_open(record.timezone)
    else:
        engine = calendars.engine_calendar(record)
    pauses = clocks.pauses_of(escalation)
    if clock.stopped_at is not None:
        pauses = _pauses_before(pauses, clock.stopped_at)
    start, counted, target = calendars.basis(clock)
    walk = sla.explain(
        engine,
        start,
        target,
        pauses,
        counted=counted,
        until=clock.stopped_at or now,
        max_days=MAX_DAYS,
    )
    return ClockExplanation(
        clock=clock,
        state=_state(clock, now),
        target=target,
        due_at=clock.due_at,
        walk_due_at=walk.due_at,
        calendar=record,
        wall_clock=wall_clock,
        calendar_changed=(
            not wall_clock
            and clock.calendar_version is not None
            and clock.calendar_version != record.version
        ),
        reader_zone=str(get_timezone()),
        counted_before=counted,
        counted_until=clock.counted_until if counted else None,
        days=tuple(_row(step, record) for step in walk.days),
        truncated=walk.truncated,
    )


def _pauses_before(pauses: list[sla.Pause], stopped_at: datetime) -> list[sla.Pause]:
    """The pauses as they stood when the clock stopped: later ones left out, one still open
    then is open."""
    return [
        (paused, resumed if resumed is not None and resumed <= stopped_at else None)
        for paused, resumed in pauses
        if paused < stopped_at
    ]


def _state(clock: SlaClock, now: datetime) -> str:
    if clock.stopped_at is not None:
        return "met" if clock.met else "missed"
    if clock.due_at is None:
        return "paused"
    if clock.breached_at is not None or now >= clock.due_at:
        return "breached"
    if clock.warn_at is not None and now >= clock.warn_at:
        return "warning"
    return "running"


def _row(step: sla.DayStep, record: WorkCalendar) -> DayRow:
    if step.closed is not None:
        return DayRow(step.day, total=step.total, skipped=_skipped(step, record))
    return DayRow(
        step.day,
        counted=tuple(_span(piece, step.day) for piece in step.counted),
        counted_time=sum((end - start for start, end in step.counted), ZERO),
        total=step.total,
        paused=tuple(_span(piece, step.day) for piece in step.paused),
    )


def _skipped(step: sla.DayStep, record: WorkCalendar) -> str:
    if step.closed == "weekday":
        return _("Weekly day off")
    reason = calendars.closed_reason(record, step.day, str(get_locale() or "en"))
    if reason.kind == "closure":
        if reason.name:
            return _("Company closure: %(name)s", name=reason.name)
        return _("Company closure")
    if reason.kind == "public_holiday":
        return _("Public holiday: %(name)s", name=reason.name)
    return _("Holiday")


def _span(piece: tuple[datetime, datetime], day: date) -> str:
    start, end = piece
    return _("%(start)s – %(end)s", start=_moment(start, day), end=_moment(end, day))


def _moment(moment: datetime, day: date) -> str:
    """A time in the reader's timezone, with its date when that is not the row's date."""
    shown = format_time(moment, "short")
    local_day = to_user_timezone(moment).date()
    if local_day == day:
        return shown
    return f"{format_skeleton('MMMEd', local_day, locale=get_locale())} {shown}"
