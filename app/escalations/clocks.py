"""SLA clocks of escalations: start, stop, pause, resume and recompute them with the engine.

The engine (sla.py) is pure; this module reads the policy and the pauses from the database
and writes due and warning times back onto the clock rows, where the sweep finds them.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from app.escalations import sla
from app.escalations.models import ClockKind, Escalation, Pause, SlaClock, SlaPolicy
from app.extensions import db

TARGET_FIELD = {
    ClockKind.FIRST_RESPONSE: "first_response_minutes",
    ClockKind.CUSTOMER_UPDATE: "update_interval_minutes",
    ClockKind.RESOLUTION: "resolution_minutes",
}


def calendar_for(policy: SlaPolicy) -> sla.BusinessCalendar:
    """The policy's business calendar (hours as ["09:00", "18:00"] or null per weekday)."""

    def parse(value: str) -> time:
        hours, minutes = value.split(":")
        return time(int(hours), int(minutes))

    hours = tuple(None if day is None else (parse(day[0]), parse(day[1])) for day in policy.hours)
    holidays = frozenset(date.fromisoformat(d) for d in policy.holidays or [])
    return sla.BusinessCalendar(policy.timezone, hours, holidays)


def policy_for(escalation: Escalation) -> SlaPolicy:
    return db.session.scalars(
        sa.select(SlaPolicy).where(SlaPolicy.severity == escalation.severity)
    ).one()


def pauses_of(escalation: Escalation) -> list[sla.Pause]:
    rows = db.session.execute(
        sa.select(Pause.paused_at, Pause.resumed_at)
        .where(Pause.escalation_id == escalation.id)
        .order_by(Pause.paused_at)
    ).all()
    return [(paused, resumed) for paused, resumed in rows]


def business_minutes(escalation: Escalation, start: datetime, end: datetime) -> int:
    """Business minutes from start to end on the severity's SLA calendar, pauses left out."""
    calendar = calendar_for(policy_for(escalation))
    return int(sla.elapsed(calendar, start, pauses_of(escalation), end).total_seconds() // 60)


def _set_times(clock: SlaClock, calendar, pauses) -> None:
    target = timedelta(minutes=clock.target_minutes)
    clock.due_at = sla.due_at(calendar, clock.started_at, target, pauses)
    clock.warn_at = sla.warning_at(calendar, clock.started_at, target, pauses)


def start(escalation: Escalation, kind: ClockKind, now: datetime, policy=None) -> SlaClock:
    """A new running clock of `kind`, its target taken from the escalation's policy."""
    policy = policy or policy_for(escalation)
    clock = SlaClock(kind=kind, started_at=now, target_minutes=getattr(policy, TARGET_FIELD[kind]))
    escalation.clocks.append(clock)
    _set_times(clock, calendar_for(policy), pauses_of(escalation))
    _sync_next_update(escalation)
    return clock


def running(escalation: Escalation, kind: ClockKind | None = None) -> list[SlaClock]:
    return [
        c for c in escalation.clocks if c.stopped_at is None and (kind is None or c.kind == kind)
    ]


def stop(escalation: Escalation, kind: ClockKind, now: datetime) -> None:
    """Stop the running clocks of `kind`; met when stopped before they fell due."""
    for clock in running(escalation, kind):
        clock.stopped_at = now
        clock.met = clock.breached_at is None and (clock.due_at is None or now <= clock.due_at)
    _sync_next_update(escalation)


def recompute(escalation: Escalation, *, retarget: bool = False) -> None:
    """Due and warning times of every running clock, after a pause, resume or policy change."""
    policy = policy_for(escalation)
    calendar, pauses = calendar_for(policy), pauses_of(escalation)
    for clock in running(escalation):
        if retarget:
            clock.target_minutes = getattr(policy, TARGET_FIELD[clock.kind])
        _set_times(clock, calendar, pauses)
    _sync_next_update(escalation)


def _sync_next_update(escalation: Escalation) -> None:
    # Lists show "next update due" without joining the clocks.
    updates = running(escalation, ClockKind.CUSTOMER_UPDATE) or running(
        escalation, ClockKind.FIRST_RESPONSE
    )
    escalation.next_update_due_at = updates[-1].due_at if updates else None


@dataclass
class ClockView:
    """What the escalation page shows of one clock."""

    kind: ClockKind
    state: str  # running, warning, breached, paused, met, missed
    due_at: datetime | None
    remaining: timedelta | None
    stopped_at: datetime | None


def views(escalation: Escalation, now: datetime) -> list[ClockView]:
    """The latest clock of each kind, with the time left now."""
    policy = policy_for(escalation)
    calendar, pauses = calendar_for(policy), pauses_of(escalation)
    latest: dict[ClockKind, SlaClock] = {}
    for clock in escalation.clocks:
        latest[clock.kind] = clock
    shown = []
    for kind in ClockKind:
        clock = latest.get(kind)
        if clock is None:
            continue
        if clock.stopped_at is not None:
            state = "met" if clock.met else "missed"
            shown.append(ClockView(kind, state, clock.due_at, None, clock.stopped_at))
            continue
        left = sla.remaining(
            calendar, clock.started_at, timedelta(minutes=clock.target_minutes), pauses, now
        )
        if clock.due_at is None:
            state = "paused"
        elif clock.breached_at is not None or left <= timedelta(0):
            state = "breached"
        elif clock.warn_at is not None and now >= clock.warn_at:
            state = "warning"
        else:
            state = "running"
        shown.append(ClockView(kind, state, clock.due_at, left, None))
    return shown


def promise_warning_time(escalation: Escalation, promised_at: datetime) -> datetime:
    """One day before the promise, moved earlier past closed days of the SLA calendar."""
    calendar = calendar_for(policy_for(escalation))
    zone = sla.ZoneInfo(calendar.timezone)
    moment = promised_at - timedelta(days=1)
    for _ in range(60):  # a calendar is open at least one weekday, holidays are few
        local = moment.astimezone(zone).date()
        if calendar.hours[local.weekday()] is not None and local not in calendar.holidays:
            break
        moment -= timedelta(days=1)
    return moment
