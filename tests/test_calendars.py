"""Business calendars as the SLA engine reads them, and re-planning running clocks when a
policy changes its calendar or targets: the business time already counted stays counted, the
rest follows the new rules, the clock records the calendar version, the audit says how many."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.auth.models import User
from app.escalations import calendars, health, services
from app.escalations.models import (
    CalendarDay,
    CalendarDayKind,
    ClockKind,
    Escalation,
    Health,
    Severity,
    SlaClock,
    SlaPolicy,
    Trend,
    WorkCalendar,
)
from app.extensions import db
from tests.conftest import raise_at

# Monday 8 June 2026, 10:00 in Tokyo.
MONDAY_10AM = datetime(2026, 6, 8, 1, 0, tzinfo=UTC)
H = timedelta(hours=1)


@pytest.fixture
def csm(make_user):
    return make_user("csm", name="Sakura CSM")


@pytest.fixture
def account(make_account, csm):
    return make_account(name="Sakura Logistics", csm_owner_id=csm)


def office(name: str, week) -> WorkCalendar:
    calendar = WorkCalendar(name=name, timezone="Asia/Tokyo", week=week)
    db.session.add(calendar)
    db.session.flush()
    return calendar


NINE_TO_SIX = [[["09:00", "18:00"]]] * 5 + [[], []]
LUNCH_BREAK = [[["09:00", "12:00"], ["13:00", "18:00"]]] * 5 + [[], []]


def raise_high(app, account_id, user_id) -> int:
    """A high escalation raised Monday 10:00 on a plain 9-18 calendar with an 8 h resolution."""
    with app.app_context():
        policy = db.session.scalars(
            sa.select(SlaPolicy).where(SlaPolicy.severity == Severity.HIGH)
        ).one()
        policy.calendar = office("Plain office", NINE_TO_SIX)
        policy.resolution_minutes = 8 * 60
        escalation = raise_at(account_id, user_id, MONDAY_10AM)
        db.session.commit()
        return escalation.id


def resolution_clock(escalation_id) -> SlaClock:
    return db.session.scalars(
        sa.select(SlaClock).where(
            SlaClock.escalation_id == escalation_id, SlaClock.kind == ClockKind.RESOLUTION
        )
    ).one()


def test_a_clock_records_the_calendar_and_version_it_was_planned_with(app, account, csm):
    escalation_id = raise_high(app, account, csm)
    with app.app_context():
        clock = resolution_clock(escalation_id)
        policy = db.session.scalars(
            sa.select(SlaPolicy).where(SlaPolicy.severity == Severity.HIGH)
        ).one()
        assert (clock.calendar_id, clock.calendar_version) == (
            policy.calendar_id,
            policy.calendar.version,
        )
        assert clock.due_at == datetime(2026, 6, 8, 9, 0, tzinfo=UTC)  # 18:00 Tokyo, 10-18 = 8 h


def test_switching_the_policy_calendar_replans_from_the_change_keeping_counted_time(
    app, account, csm
):
    escalation_id = raise_high(app, account, csm)
    admin_id = None
    with app.app_context():
        admin = User(email="admin@example.test", name="Admin", password_hash="x")
        db.session.add(admin)
        lunch = office("Office with lunch", LUNCH_BREAK)
        policy = db.session.scalars(
            sa.select(SlaPolicy).where(SlaPolicy.severity == Severity.HIGH)
        ).one()
        noon = MONDAY_10AM + 2 * H  # 12:00 Tokyo: 2 h counted on the old calendar
        replanned = services.save_sla_policy(admin, policy, {"calendar_id": lunch.id}, noon)
        db.session.commit()
        admin_id = admin.id
        assert replanned == 2  # the first-response and resolution clocks
        clock = resolution_clock(escalation_id)
        assert clock.counted_seconds == 2 * 3600
        assert clock.counted_until == noon
        # The 6 h left: 13-18 (5 h) and Tuesday 09:00-10:00.
        assert clock.due_at == datetime(2026, 6, 9, 1, 0, tzinfo=UTC)
        assert (clock.calendar_id, clock.calendar_version) == (lunch.id, lunch.version)
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.entity_type == "sla_policy")
        ).one()
        assert event.actor_id == admin_id
        assert event.changes["clocks_replanned"] == [None, 2]
        assert event.changes["calendar_id"][1] == lunch.id


def test_a_new_target_replans_running_clocks_from_the_change(app, account, csm):
    escalation_id = raise_high(app, account, csm)
    with app.app_context():
        policy = db.session.scalars(
            sa.select(SlaPolicy).where(SlaPolicy.severity == Severity.HIGH)
        ).one()
        afternoon = MONDAY_10AM + 5 * H  # 15:00: 5 h counted
        services.save_sla_policy(None, policy, {"resolution_minutes": 6 * 60}, afternoon)
        db.session.commit()
        clock = resolution_clock(escalation_id)
        assert clock.target_minutes == 360
        assert clock.counted_seconds == 5 * 3600
        # 1 h left from 15:00: due 16:00 the same day. The warning (75 %, 4.5 h) was
        # reached at 14:30 already: it stays there rather than moving to the change.
        assert clock.due_at == datetime(2026, 6, 8, 7, 0, tzinfo=UTC)
        assert clock.warn_at == datetime(2026, 6, 8, 5, 30, tzinfo=UTC)


def test_closed_days_follow_the_country_the_closures_and_the_worked_holidays(app):
    with app.app_context():
        calendar = office("Japan office", NINE_TO_SIX)
        calendar.country = "JP"
        calendar.days.append(
            CalendarDay(
                kind=CalendarDayKind.CLOSURE,
                starts_on=date(2026, 12, 29),
                ends_on=date(2027, 1, 3),
                name="Year end",
            )
        )
        calendar.days.append(
            CalendarDay(
                kind=CalendarDayKind.WORKED,
                starts_on=date(2026, 11, 23),
                ends_on=date(2026, 11, 23),
                name="",
            )
        )
        db.session.flush()
        engine = calendars.engine_calendar(calendar)
        assert date(2026, 5, 6) in engine.holidays  # 振替休日
        assert date(2026, 12, 31) in engine.holidays  # the closure
        assert date(2026, 11, 23) not in engine.holidays  # Labour Thanksgiving, worked
        assert date(2026, 11, 24) not in engine.holidays
        reason = calendars.closed_reason(calendar, date(2026, 5, 6), "ja")
        assert (reason.kind, reason.name) == ("public_holiday", "振替休日")
        assert calendars.closed_reason(calendar, date(2027, 1, 2)).name == "Year end"
        # A change to its days gives a new version, so the engine's cached copy is not reused.
        before = calendar.version
        calendar.days.pop()
        calendars.touch(calendar)
        db.session.flush()
        assert calendar.version == before + 1
        assert date(2026, 11, 23) in calendars.engine_calendar(calendar).holidays
        db.session.rollback()


def test_the_health_cadence_clock_is_not_moved_by_a_calendar_change(app, account, csm):
    escalation_id = raise_high(app, account, csm)
    with app.app_context():
        escalation = db.session.get(Escalation, escalation_id)
        health.set_health(
            db.session.get(User, csm),
            escalation,
            health=Health.RED,
            trend=Trend.WORSENING,
            note="",
            now=MONDAY_10AM + H,
        )
        db.session.flush()
        (cadence,) = [c for c in escalation.clocks if c.kind == ClockKind.HEALTH_UPDATE]
        due = cadence.due_at
        assert due == MONDAY_10AM + 25 * H  # 24 wall-clock hours after the red health
        policy = db.session.scalars(
            sa.select(SlaPolicy).where(SlaPolicy.severity == Severity.HIGH)
        ).one()
        lunch = office("Office with lunch", LUNCH_BREAK)
        noon = MONDAY_10AM + 2 * H
        assert services.save_sla_policy(None, policy, {"calendar_id": lunch.id}, noon) == 2
        assert (cadence.due_at, cadence.counted_seconds, cadence.calendar_id) == (due, 0, None)


def test_an_overdue_clock_keeps_the_due_time_it_passed_when_replanned(app, account, csm):
    escalation_id = raise_high(app, account, csm)  # resolution due Monday 18:00, warned 16:00
    with app.app_context():
        policy = db.session.scalars(
            sa.select(SlaPolicy).where(SlaPolicy.severity == Severity.HIGH)
        ).one()
        lunch = office("Office with lunch", LUNCH_BREAK)
        tuesday_noon = MONDAY_10AM + 26 * H
        services.save_sla_policy(None, policy, {"calendar_id": lunch.id}, tuesday_noon)
        db.session.commit()
        clock = resolution_clock(escalation_id)
        assert clock.due_at == datetime(2026, 6, 8, 9, 0, tzinfo=UTC)  # still Monday 18:00
        assert clock.warn_at == datetime(2026, 6, 8, 7, 0, tzinfo=UTC)  # Monday 16:00
        assert clock.counted_seconds == 11 * 3600  # Monday 10-18 and Tuesday 9-12
        # A target lowered below the time counted: due when the new target was reached.
        services.save_sla_policy(None, policy, {"resolution_minutes": 4 * 60}, tuesday_noon)
        db.session.commit()
        clock = resolution_clock(escalation_id)
        assert clock.due_at == datetime(2026, 6, 8, 9, 0, tzinfo=UTC)  # kept: reached earlier
        assert db.session.get(Escalation, escalation_id).next_update_due_at is not None
