"""SLA clocks of escalations: start, stop, pause, resume and recompute them with the engine.

The engine (sla.py) is pure; this module reads the policy and the pauses from the database
and writes due and warning times back onto the clock rows, where the sweep finds them.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from app.escalations import calendars, sla
from app.escalations.models import (
    ClockKind,
    Escalation,
    Health,
    HealthCadence,
    Pause,
    SlaClock,
    SlaPolicy,
)
from app.extensions import db

TARGET_FIELD = {
    ClockKind.FIRST_RESPONSE: "first_response_minutes",
    ClockKind.CUSTOMER_UPDATE: "update_interval_minutes",
    ClockKind.RESOLUTION: "resolution_minutes",
    # The health cadence's hours, given when the clock starts (health.py): the SLA policy
    # neither sets nor re-targets it.
    ClockKind.HEALTH_UPDATE: None,
}
# Clocks that run on wall-clock time (24x7 in the policy's timezone), pauses still applied.
WALL_CLOCK_KINDS = calendars.WALL_CLOCK_KINDS


def calendar_for(policy: SlaPolicy) -> sla.BusinessCalendar:
    """The policy's business calendar as the engine reads it."""
    return calendars.engine_calendar(policy.calendar)


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


def _calendar_of(kind: ClockKind, calendar: sla.BusinessCalendar) -> sla.BusinessCalendar:
    """The clock's calendar: the policy's business hours, or every hour for wall-clock kinds."""
    if kind in WALL_CLOCK_KINDS:
        return sla.BusinessCalendar.always_open(calendar.timezone)
    return calendar


def _set_times(clock: SlaClock, calendar, pauses, record=None) -> None:
    wall_clock = clock.kind in WALL_CLOCK_KINDS
    calendars.plan(
        clock, _calendar_of(clock.kind, calendar), None if wall_clock else record, pauses
    )


def start(
    escalation: Escalation,
    kind: ClockKind,
    now: datetime,
    policy=None,
    *,
    target_minutes: int | None = None,
) -> SlaClock:
    """A new running clock of `kind`, its target taken from the escalation's policy (or
    given, for the kinds the policy does not set)."""
    policy = policy or policy_for(escalation)
    if target_minutes is None:
        if TARGET_FIELD[kind] is None:
            raise ValueError(f"a {kind.value} clock needs its target_minutes")
        target_minutes = getattr(policy, TARGET_FIELD[kind])
    clock = SlaClock(kind=kind, started_at=now, target_minutes=target_minutes, counted_seconds=0)
    escalation.clocks.append(clock)
    _set_times(clock, calendar_for(policy), pauses_of(escalation), policy.calendar)
    sync_next_update(escalation)
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
    sync_next_update(escalation)


def recompute(escalation: Escalation, *, retarget: bool = False) -> None:
    """Due and warning times of every running clock, after a pause, resume or severity change."""
    policy = policy_for(escalation)
    calendar, pauses = calendar_for(policy), pauses_of(escalation)
    for clock in running(escalation):
        if retarget and TARGET_FIELD[clock.kind] is not None:
            clock.target_minutes = getattr(policy, TARGET_FIELD[clock.kind])
        _set_times(clock, calendar, pauses, policy.calendar)
    sync_next_update(escalation)


def cadence_hours(health: Health | None) -> int | None:
    """Hours between customer updates that the health asks for (the admins' setting: by
    default red 24, amber 48, green none); None: no cadence."""
    if health is None:
        return None
    row = db.session.get(HealthCadence, health)
    return row.update_hours if row is not None else None


def restart_health(escalation: Escalation, now: datetime) -> SlaClock | None:
    """Stop the running health clock (met when on time) and, while the escalation is open and
    its health has a cadence, start the next one from `now` with the cadence's hours."""
    stop(escalation, ClockKind.HEALTH_UPDATE, now)
    hours = cadence_hours(escalation.health)
    if not escalation.is_open or not hours:
        return None
    return start(escalation, ClockKind.HEALTH_UPDATE, now, target_minutes=hours * 60)


def next_update_due(running_clocks) -> datetime | None:
    """The escalation's "next update due" from its running clocks, (kind, due) pairs in the
    order they started: the SLA's customer update (or the first response's), or the health
    cadence's when that falls due sooner."""
    updates = [due for kind, due in running_clocks if kind == ClockKind.CUSTOMER_UPDATE] or [
        due for kind, due in running_clocks if kind == ClockKind.FIRST_RESPONSE
    ]
    due = [updates[-1]] if updates else []
    due += [d for kind, d in running_clocks if kind == ClockKind.HEALTH_UPDATE]
    due = [d for d in due if d is not None]
    return min(due) if due else None


def sync_next_update(escalation: Escalation) -> None:
    # Lists show "next update due" without joining the clocks.
    running_clocks = [(c.kind, c.due_at) for c in running(escalation)]
    escalation.next_update_due_at = next_update_due(running_clocks)


@dataclass
class ClockView:
    """What the escalation page shows of one clock."""

    kind: ClockKind
    state: str  # running, warning, breached, paused, met, missed
    due_at: datetime | None
    remaining: timedelta | None
    stopped_at: datetime | None


def views(escalation: Escalation, now: datetime, pauses: list[sla.Pause]) -> list[ClockView]:
    """The latest clock of each kind, with the time left now (`pauses`: the escalation's
    pauses by start, which its page has read already)."""
    calendar = calendar_for(policy_for(escalation))
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
        start, counted, target = calendars.basis(clock)
        left = target - counted - sla.elapsed(_calendar_of(kind, calendar), start, pauses, now)
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
        if not calendar.is_closed_day(local):
            break
        moment -= timedelta(days=1)
    return moment
