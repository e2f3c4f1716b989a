"""Business calendars as the SLA engine reads them, and re-planning clocks when one changes.

A calendar record (models.WorkCalendar) names a timezone, opening intervals per weekday, a
country (and subdivision) whose public holidays the `holidays` package supplies for every
year, and the company's own days: closures (a date or a range) and public holidays worked.
`engine_calendar` turns a record into the pure engine's sla.BusinessCalendar, cached by
(id, version, created_at): every change to a calendar bumps its version (`touch`), so a cached
one is never stale.

Re-planning: when a calendar or a policy changes, each running clock keeps the business time
it counted under the old rules (`counted_seconds` up to `counted_until`) and the rest of its
target is planned with the new ones from that moment on.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays as holiday_library
import sqlalchemy as sa
from babel import Locale

from app.escalations import sla
from app.escalations.models import (
    OPEN_STATUSES,
    CalendarDay,
    CalendarDayKind,
    ClockKind,
    Escalation,
    Pause,
    SlaClock,
    SlaPolicy,
    WorkCalendar,
)
from app.extensions import db
from app.models import utcnow

# Clocks that count wall-clock hours (the health cadence): a calendar change does not move them.
WALL_CLOCK_KINDS = frozenset({ClockKind.HEALTH_UPDATE})
MAX_CLOSURE_DAYS = 366
WARNING_SHARE = 0.75  # a clock warns when this share of its target has run
_ENGINE_CACHE: dict[tuple, sla.BusinessCalendar] = {}
_ENGINE_CACHE_SIZE = 64


def _time(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


@lru_cache(maxsize=256)
def public_holidays(
    country: str, subdivision: str | None, year: int, language: str | None = None
) -> dict[date, str]:
    """A country's public holidays of one year (substitute holidays included), with their
    names in `language` where the library has it ("ja", "en_US"), else in its default."""
    supported = holiday_library.list_localized_countries().get(country, ())
    chosen = None
    if language:
        chosen = next(
            (lang for lang in supported if lang == language or lang.split("_")[0] == language),
            None,
        )
    found = holiday_library.country_holidays(
        country, subdiv=subdivision or None, years=year, language=chosen
    )
    return dict(found.items())


def countries(language: str = "en") -> list[tuple[str, str]]:
    """(code, name in `language`) of every country the holidays library knows, by name."""
    territories = Locale.parse(language).territories
    codes = [c for c in holiday_library.list_supported_countries() if len(c) == 2]
    return sorted(
        ((code, territories[code]) for code in codes if code in territories), key=lambda c: c[1]
    )


def subdivisions(country: str) -> tuple[str, ...]:
    """The subdivision codes the library knows for a country (US states, ...)."""
    try:
        return tuple(holiday_library.country_holidays(country).subdivisions)
    except NotImplementedError:
        return ()


@dataclass(frozen=True, eq=False)
class ClosedDays:
    """`day in closed`: a company closure, or a public holiday not marked as worked."""

    country: str | None
    subdivision: str | None
    closures: frozenset[date]
    worked: frozenset[date]

    def __contains__(self, day: object) -> bool:
        if not isinstance(day, date):
            return False
        if day in self.closures:
            return True
        if self.country is None or day in self.worked:
            return False
        return day in public_holidays(self.country, self.subdivision, day.year)


def _dates(days: Iterable[CalendarDay], kind: CalendarDayKind) -> frozenset[date]:
    found = set()
    for row in days:
        if row.kind != kind:
            continue
        day = row.starts_on
        while day <= row.ends_on:
            found.add(day)
            day += timedelta(days=1)
    return frozenset(found)


def engine_calendar(record: WorkCalendar) -> sla.BusinessCalendar:
    """The engine's view of a calendar record (cached by id, version and creation time)."""
    # The creation time too: a calendar deleted and made again may reuse an id and version 1.
    key = (record.id, record.version, record.created_at)
    cached = _ENGINE_CACHE.get(key)
    if cached is not None:
        return cached
    week = tuple(
        tuple((_time(start), _time(end)) for start, end in day or ()) for day in record.week
    )
    closed = ClosedDays(
        record.country or None,
        record.subdivision or None,
        _dates(record.days, CalendarDayKind.CLOSURE),
        _dates(record.days, CalendarDayKind.WORKED),
    )
    calendar = sla.BusinessCalendar(record.timezone, week, closed)
    if len(_ENGINE_CACHE) >= _ENGINE_CACHE_SIZE:
        _ENGINE_CACHE.clear()
    _ENGINE_CACHE[key] = calendar
    return calendar


@dataclass(frozen=True)
class DayReason:
    """Why a day is closed, for the explanation: a closure, a public holiday, a weekday."""

    kind: str  # "closure", "public_holiday", "weekday"
    name: str = ""


def closed_reason(record: WorkCalendar, day: date, language: str | None = None) -> DayReason:
    """Why the engine skipped `day` (it is closed all day in this calendar)."""
    for row in record.days:
        if row.kind == CalendarDayKind.CLOSURE and row.starts_on <= day <= row.ends_on:
            return DayReason("closure", row.name)
    if record.country:
        names = public_holidays(record.country, record.subdivision or None, day.year, language)
        if day in names:
            return DayReason("public_holiday", names[day])
    return DayReason("weekday")


def touch(record: WorkCalendar) -> None:
    """Mark the calendar changed (a new version) even when only its days changed."""
    record.updated_at = utcnow()
    db.session.add(record)


def basis(clock: SlaClock) -> tuple[datetime, timedelta, timedelta]:
    """(where the clock's planning starts, business time counted before it, target)."""
    start = clock.counted_until or clock.started_at
    counted = timedelta(seconds=clock.counted_seconds or 0)  # None until a new clock is saved
    return start, counted, timedelta(minutes=clock.target_minutes)


def _pauses_by_escalation(ids: list[int]) -> dict[int, list[sla.Pause]]:
    found: dict[int, list[sla.Pause]] = {i: [] for i in ids}
    for start in range(0, len(ids), 500):
        rows = db.session.execute(
            sa.select(Pause.escalation_id, Pause.paused_at, Pause.resumed_at)
            .where(Pause.escalation_id.in_(ids[start : start + 500]))
            .order_by(Pause.escalation_id, Pause.paused_at)
        ).all()
        for escalation_id, paused, resumed in rows:
            found[escalation_id].append((paused, resumed))
    return found


def planned_times(calendar, start, counted, target, pauses) -> tuple:
    """(due, warning) of a clock planned from `start` with `counted` already run."""
    left = max(target - counted, timedelta(0))
    warn_left = max(target * WARNING_SHARE - counted, timedelta(0))
    return sla.due_at(calendar, start, left, pauses), sla.due_at(calendar, start, warn_left, pauses)


def plan(clock: SlaClock, calendar: sla.BusinessCalendar, record: WorkCalendar | None, pauses):
    """Due and warning times of a running clock from its basis, on `calendar`."""
    start, counted, target = basis(clock)
    clock.due_at, clock.warn_at = planned_times(calendar, start, counted, target, pauses)
    if record is not None:
        clock.calendar_id, clock.calendar_version = record.id, record.version


def _reached_at(calendar, start, counted, amount, pauses, stored) -> datetime | None:
    """When `amount` of business time was reached, on the calendar it was counted in: from the
    basis, or the stored moment when it was reached before the basis (an earlier re-plan)."""
    if amount > counted:
        return sla.due_at(calendar, start, amount - counted, pauses)
    return stored


def _replanned(row, policy: SlaPolicy, old, pauses, now: datetime, target_minutes: int) -> dict:
    """The new values of one running clock (a row of `replan`'s query) after a change."""
    start = row.counted_until or row.started_at
    counted = timedelta(seconds=row.counted_seconds or 0)
    target = timedelta(minutes=target_minutes)
    total = counted + (sla.elapsed(old, start, pauses, now) if now > start else timedelta(0))
    values = {"id": row.id, "target_minutes": target_minutes}
    if now > start:
        values |= {"counted_seconds": int(total.total_seconds()), "counted_until": now}
        start, counted = now, total
    due, warn = planned_times(engine_calendar(policy.calendar), start, counted, target, pauses)
    # A due or warning time already passed under the old rules stays where it fell.
    if total >= target:
        due = _reached_at(old, *_old_basis(row), target, pauses, row.due_at)
    if total >= target * WARNING_SHARE:
        warn = _reached_at(old, *_old_basis(row), target * WARNING_SHARE, pauses, row.warn_at)
    record = policy.calendar
    return values | {
        "due_at": due,
        "warn_at": warn,
        "calendar_id": record.id,
        "calendar_version": record.version,
    }


def _old_basis(row) -> tuple[datetime, timedelta]:
    return row.counted_until or row.started_at, timedelta(seconds=row.counted_seconds or 0)


def replan(
    policies: list[SlaPolicy],
    before: dict[int, sla.BusinessCalendar],
    now: datetime,
    *,
    retarget: bool,
) -> int:
    """Re-plan the running clocks of these policies' open escalations after a change: the
    business time counted up to `now` under `before` (engine calendars by policy id, read
    before the change) stays counted, the rest is planned on each policy's calendar as it is
    now. A due or warning time already passed stays where it fell under the old rules (an
    overdue clock does not become due "now"). `retarget`: the policy's targets changed too.
    Returns how many clocks were re-planned.

    Tens of thousands of clocks can be involved: they are read as plain rows and written back
    with two executemany UPDATEs (clocks by id, the escalations' "next update due"), not
    through the unit of work one object at a time.
    """
    from app.escalations.clocks import TARGET_FIELD, next_update_due

    by_severity = {p.severity: p for p in policies}
    if not by_severity:
        return 0
    rows = db.session.execute(
        sa.select(
            SlaClock.id,
            SlaClock.escalation_id,
            SlaClock.kind,
            SlaClock.started_at,
            SlaClock.target_minutes,
            SlaClock.counted_seconds,
            SlaClock.counted_until,
            SlaClock.due_at,
            SlaClock.warn_at,
            Escalation.severity,
        )
        .join(Escalation, Escalation.id == SlaClock.escalation_id)
        .where(
            Escalation.severity.in_(list(by_severity)),
            Escalation.status.in_(OPEN_STATUSES),
            SlaClock.stopped_at.is_(None),
        )
        .order_by(SlaClock.escalation_id, SlaClock.id)
    ).all()
    pauses = _pauses_by_escalation(sorted({row.escalation_id for row in rows}))
    changes, running = [], defaultdict(list)
    for row in rows:
        due = row.due_at
        if row.kind not in WALL_CLOCK_KINDS:
            policy = by_severity[row.severity]
            target_minutes = row.target_minutes
            if retarget and TARGET_FIELD[row.kind] is not None:
                target_minutes = getattr(policy, TARGET_FIELD[row.kind])
            old = before[policy.id]
            values = _replanned(row, policy, old, pauses[row.escalation_id], now, target_minutes)
            changes.append(values)
            due = values["due_at"]
        running[row.escalation_id].append((row.kind, due))
    if not changes:
        return 0
    db.session.execute(sa.update(SlaClock), changes)  # ORM bulk UPDATE by primary key
    # "Next update due" is the lists' copy of the clocks, not something a person edits: written
    # without bumping the escalation's version, so an open edit form does not turn stale.
    table = Escalation.__table__
    db.session.execute(
        table.update()
        .where(table.c.id == sa.bindparam("escalation"))
        .values(next_update_due_at=sa.bindparam("due")),
        [{"escalation": e, "due": next_update_due(clocks)} for e, clocks in running.items()],
    )
    for item in list(db.session.identity_map.values()):
        if isinstance(item, SlaClock | Escalation):
            db.session.expire(item)  # loaded before the bulk writes: read them again
    return len(changes)


def policies_using(record: WorkCalendar) -> list[SlaPolicy]:
    return list(db.session.scalars(sa.select(SlaPolicy).where(SlaPolicy.calendar_id == record.id)))
