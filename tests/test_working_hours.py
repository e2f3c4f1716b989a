"""Working hours and leave: the next moment a person is at work (on fixed dates, across summer
time), and notify(): in-app at once, e-mail that can wait at the recipient's next working
moment, urgent e-mail at once, nothing by e-mail to someone on leave."""

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.escalations.models import ClockKind, Escalation, Level, Severity
from app.escalations.services import send
from app.extensions import db
from app.notifications.models import Notification, OutboxEmail
from app.notifications.services import notify
from app.notifications.working_hours import (
    Defaults,
    day_ranges,
    hours_of,
    is_working,
    next_opening,
    on_leave,
    parse_clock,
)

TOKYO = ZoneInfo("Asia/Tokyo")
NEW_YORK = ZoneInfo("America/New_York")
OFFICE = Defaults(timezone="Asia/Tokyo", days=(0, 1, 2, 3, 4), start="09:00", end="18:00")
# 2026-06-08 is a Monday.
MONDAY_3AM = datetime(2026, 6, 8, 3, 0, tzinfo=TOKYO)
MONDAY_9AM = datetime(2026, 6, 8, 9, 0, tzinfo=TOKYO)


def person(**fields):
    """The fields of a User that say when they work; None: the defaults."""
    blank = dict.fromkeys(
        ("timezone", "work_days", "work_start", "work_end", "leave_starts", "leave_ends")
    )
    return SimpleNamespace(**(blank | fields))


def opening(moment, defaults=OFFICE, **fields):
    return next_opening(hours_of(person(**fields), defaults), moment)


# The next working moment ---------------------------------------------------------------


def test_at_3_am_the_next_opening_is_9_am_the_same_day():
    assert opening(MONDAY_3AM) == MONDAY_9AM.astimezone(UTC)


def test_within_working_hours_it_is_now():
    moment = datetime(2026, 6, 8, 13, 30, tzinfo=TOKYO)
    assert opening(moment) == moment.astimezone(UTC)
    assert is_working(hours_of(person(), OFFICE), moment)


def test_friday_evening_waits_for_monday_morning():
    friday_7pm = datetime(2026, 6, 12, 19, 0, tzinfo=TOKYO)
    assert opening(friday_7pm) == datetime(2026, 6, 15, 9, 0, tzinfo=TOKYO)
    # The end itself is closed: 18:00 sharp waits for the next day.
    assert opening(datetime(2026, 6, 9, 18, 0, tzinfo=TOKYO)) == datetime(
        2026, 6, 10, 9, 0, tzinfo=TOKYO
    )


def test_a_persons_own_days_hours_and_zone_win_over_the_defaults():
    # Saturday 10:00 in Tokyo is Saturday 02:00 in London: a Sat-Sun 08:00-12:00 Londoner.
    saturday = datetime(2026, 6, 13, 10, 0, tzinfo=TOKYO)
    found = opening(
        saturday, timezone="Europe/London", work_days=[5, 6], work_start="08:00", work_end="12:00"
    )
    assert found == datetime(2026, 6, 13, 8, 0, tzinfo=ZoneInfo("Europe/London"))


def test_an_unknown_zone_or_unreadable_time_falls_back_to_the_defaults():
    assert opening(MONDAY_3AM, timezone="Mars/Olympus", work_start="9 am") == MONDAY_9AM


def test_until_midnight_and_around_the_clock():
    late = datetime(2026, 6, 8, 23, 59, tzinfo=TOKYO)
    assert opening(late, work_end="24:00") == late
    always = Defaults("Asia/Tokyo", tuple(range(7)), "00:00", "24:00")
    assert hours_of(person(), always).always
    sunday_night = datetime(2026, 6, 14, 3, 0, tzinfo=TOKYO)
    assert opening(sunday_night, always) == sunday_night


def test_leave_days_are_skipped_and_leave_is_inclusive_in_the_persons_zone():
    away = {"leave_starts": date(2026, 6, 8), "leave_ends": date(2026, 6, 10)}
    hours = hours_of(person(**away), OFFICE)
    assert on_leave(hours, MONDAY_3AM)
    assert on_leave(hours, datetime(2026, 6, 10, 23, 59, tzinfo=TOKYO))
    # 2026-06-10 15:30 UTC is already the 11th in Tokyo: back at work.
    assert not on_leave(hours, datetime(2026, 6, 10, 15, 30, tzinfo=UTC))
    assert opening(MONDAY_3AM, **away) == datetime(2026, 6, 11, 9, 0, tzinfo=TOKYO)
    # Leave without an end: no working moment to wait for.
    assert opening(MONDAY_3AM, leave_starts=date(2026, 6, 1)) is None


def test_summer_time_starts_and_ends_at_local_nine():
    # New York moves its clocks forward on 2026-03-08 and back on 2026-11-01.
    every_day = {"timezone": "America/New_York", "work_days": list(range(7))}
    saturday_night = datetime(2026, 3, 7, 20, 0, tzinfo=NEW_YORK)
    spring = opening(saturday_night, **every_day)
    assert spring == datetime(2026, 3, 8, 13, 0, tzinfo=UTC)  # 09:00 EDT (UTC-4)
    autumn = opening(datetime(2026, 10, 31, 20, 0, tzinfo=NEW_YORK), **every_day)
    assert autumn == datetime(2026, 11, 1, 14, 0, tzinfo=UTC)  # 09:00 EST (UTC-5)
    # A start the clocks skip (02:30 does not exist that day) opens at the first moment after.
    skipped = opening(saturday_night, **every_day, work_start="02:30")
    assert skipped.astimezone(NEW_YORK) == datetime(2026, 3, 8, 3, 30, tzinfo=NEW_YORK)


def test_reading_times_and_naming_days():
    assert parse_clock("09:00").hour == 9 and parse_clock("24:00") is None
    for bad in ("25:00", "9", "09:0", "nine", "０９:００"):
        with pytest.raises(ValueError):
            parse_clock(bad)
    names = dict(enumerate(["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]))
    assert day_ranges([4, 3, 2, 1, 0], names) == ["Mon–Fri"]
    assert day_ranges([0, 2, 4], names) == ["Mon", "Wed", "Fri"]
    assert day_ranges([0, 1, 3, 4, 5], names) == ["Mon", "Tue", "Thu–Sat"]


# notify() ---------------------------------------------------------------------------------


def office_worker(app, make_user, **fields) -> int:
    """A user in Tokyo working Mon-Fri 09:00-18:00 (set explicitly: the tests' default is
    always at work)."""
    user_id = make_user("csm")
    values = dict(
        timezone="Asia/Tokyo", work_days=[0, 1, 2, 3, 4], work_start="09:00", work_end="18:00"
    )
    with app.app_context():
        db.session.execute(sa.update(User).where(User.id == user_id).values(values | fields))
        db.session.commit()
    return user_id


def notify_at(app, user_ids, now, **kwargs) -> None:
    with app.app_context():
        users = [db.session.get(User, uid) for uid in user_ids]
        notify(users, kind="sla_warning", subject="Reminder", now=now, **kwargs)
        db.session.commit()


def outbox(app) -> dict[str, datetime]:
    with app.app_context():
        rows = db.session.execute(sa.select(OutboxEmail.to_address, OutboxEmail.next_attempt_at))
        return dict(rows.all())


def in_app(app) -> set[int]:
    with app.app_context():
        return set(db.session.scalars(sa.select(Notification.user_id)))


def email_of(app, user_id) -> str:
    with app.app_context():
        return db.session.get(User, user_id).email


def test_email_that_can_wait_is_due_at_the_next_opening_and_in_app_at_once(app, make_user):
    sato = office_worker(app, make_user)
    notify_at(app, [sato], MONDAY_3AM)
    assert outbox(app) == {email_of(app, sato): MONDAY_9AM.astimezone(UTC)}
    assert in_app(app) == {sato}


def test_within_working_hours_and_urgent_email_is_due_at_once(app, make_user):
    sato = office_worker(app, make_user)
    suzuki = office_worker(app, make_user)
    at_work = datetime(2026, 6, 8, 10, 0, tzinfo=TOKYO)
    notify_at(app, [sato], at_work)
    notify_at(app, [suzuki], MONDAY_3AM, urgent=True)
    assert outbox(app) == {
        email_of(app, sato): at_work.astimezone(UTC),
        email_of(app, suzuki): MONDAY_3AM.astimezone(UTC),
    }


def test_someone_on_leave_gets_no_email_even_urgent_but_sees_it_in_the_app(app, make_user):
    sato = office_worker(
        app, make_user, leave_starts=date(2026, 6, 1), leave_ends=date(2026, 6, 12)
    )
    monday_off = office_worker(
        app, make_user, leave_starts=MONDAY_3AM.date(), leave_ends=MONDAY_3AM.date()
    )
    notify_at(app, [sato, monday_off], MONDAY_3AM)
    notify_at(app, [sato], MONDAY_3AM, urgent=True)
    assert outbox(app) == {}
    assert in_app(app) == {sato, monday_off}


def test_email_that_would_wait_into_a_leave_waits_for_the_return(app, make_user):
    monday_off = office_worker(
        app, make_user, leave_starts=MONDAY_3AM.date(), leave_ends=MONDAY_3AM.date()
    )
    friday_7pm = datetime(2026, 6, 5, 19, 0, tzinfo=TOKYO)
    notify_at(app, [monday_off], friday_7pm)
    tuesday_9am = datetime(2026, 6, 9, 9, 0, tzinfo=TOKYO)
    assert outbox(app) == {email_of(app, monday_off): tuesday_9am}


def test_notify_reads_nothing_more_per_recipient(app, make_user):
    """Deciding when each e-mail goes takes no query: the users' own fields are enough."""
    people = [office_worker(app, make_user) for _ in range(4)]
    with app.app_context():
        users = list(db.session.scalars(sa.select(User).where(User.id.in_(people))))
        selects = []

        def count(_conn, _cursor, statement, *_args):
            if statement.lstrip().upper().startswith("SELECT"):
                selects.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            notify(users, kind="sla_warning", subject="Reminder", now=MONDAY_3AM)
            db.session.flush()
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        db.session.rollback()
    assert selects == []


# Which escalation notices cannot wait -----------------------------------------------------


@pytest.fixture
def off_today(app, make_user):
    """A user whose only working day is not today, wherever the clock stands: any e-mail
    that can wait is due on another day."""
    today = datetime.now(TOKYO).weekday()
    return office_worker(app, make_user, work_days=[(today + 3) % 7])


@pytest.mark.parametrize(
    ("kind", "severity", "level", "urgent"),
    [
        ("raised_executive", Severity.LOW, Level.L1, True),
        ("level", Severity.MEDIUM, Level.EXECUTIVE, True),
        ("level", Severity.CRITICAL, Level.L2, False),
        ("sla_breach", Severity.CRITICAL, Level.L1, True),
        ("sla_breach", Severity.HIGH, Level.L1, False),
        ("sla_warning", Severity.CRITICAL, Level.L1, False),
        ("raised", Severity.CRITICAL, Level.L1, False),
    ],
)
def test_executive_escalations_and_critical_breaches_are_mailed_at_once(
    app, make_account, make_escalation, off_today, kind, severity, level, urgent
):
    escalation_id = make_escalation(make_account(), severity=severity, level=level)
    before = datetime.now(UTC)
    with app.app_context():
        escalation = db.session.get(Escalation, escalation_id)
        clock = {"clock": ClockKind.RESOLUTION} if kind.startswith("sla") else {}
        send(kind, escalation, [db.session.get(User, off_today)], **clock)
        db.session.commit()
    (due,) = outbox(app).values()
    assert in_app(app) == {off_today}
    if urgent:
        assert before <= due <= datetime.now(UTC)
    else:
        assert due > before + timedelta(hours=1)
