"""Business calendars as admins keep them: the weekday grid (several intervals a day), its
validation next to the row, public holidays marked as worked, company closures, deleting;
SLA targets entered and shown in hours and minutes; a change re-plans the running clocks of
the policies counting in the calendar (time counted stays counted) and is audited; readers
see the pages without forms and cannot post; the Japanese page names holidays in Japanese."""

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.escalations.models import (
    CalendarDay,
    CalendarDayKind,
    ClockKind,
    Severity,
    SlaClock,
    SlaPolicy,
    WorkCalendar,
)
from app.extensions import db
from app.formatting import hours_minutes
from tests.conftest import app_today, csrf_token, login, raise_at

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
NINE_TO_SIX = [[["09:00", "18:00"]]] * 5 + [[], []]
LUNCH_BREAK = [[["09:00", "12:00"], ["13:00", "18:00"]]] * 5 + [[], []]
MONDAY_10AM = datetime(2026, 6, 8, 1, 0, tzinfo=UTC)  # Monday 8 June 2026, 10:00 in Tokyo
H = timedelta(hours=1)


def grid(week) -> dict:
    """The weekday grid's fields as a browser sends them (unused inputs empty)."""
    data = {}
    for name, intervals in zip(WEEKDAYS, week, strict=True):
        for n in range(1, 4):
            start, end = intervals[n - 1] if n <= len(intervals) else ("", "")
            data[f"{name}-start_{n}"], data[f"{name}-end_{n}"] = start, end
    return data


def calendar_form(token, name, week, *, version="", country="", subdivision="") -> dict:
    return {
        "csrf_token": token,
        "version": str(version),
        "name": name,
        "timezone": "Asia/Tokyo",
        "country": country,
        "subdivision": subdivision,
        **grid(week),
    }


def store_calendar(app, name="Tokyo office", week=NINE_TO_SIX, **values) -> int:
    with app.app_context():
        record = WorkCalendar(name=name, timezone="Asia/Tokyo", week=week, **values)
        db.session.add(record)
        db.session.commit()
        return record.id


def calendar_row(app, calendar_id):
    with app.app_context():
        record = db.session.get(WorkCalendar, calendar_id)
        days = [(d.kind, d.starts_on, d.ends_on, d.name) for d in record.days]
        return record.week, record.version, record.country, record.subdivision, days


def audit_actions(app, calendar_id) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(AuditEvent.action)
                .where(
                    AuditEvent.entity_type == "business_calendar",
                    AuditEvent.entity_id == calendar_id,
                )
                .order_by(AuditEvent.id)
            )
        )


@pytest.fixture
def admin(app, client, make_user):
    login(client, app, make_user("admin", name="Aiko Admin"))
    client.token = csrf_token(client, "/profile")
    return client


def test_targets_read_as_hours_and_minutes(app_ctx):
    assert hours_minutes(150) == "2 h 30 min"
    assert hours_minutes(480) == "8 h"
    assert hours_minutes(45) == "45 min"
    assert hours_minutes(60 * 24 * 60) == "1440 h"


def test_an_admin_creates_and_edits_a_calendar_with_a_lunch_break(app, admin):
    page = admin.get("/admin/calendars/new").get_data(as_text=True)
    assert 'type="time"' in page and "Monday" in page and "Sunday" in page
    assert 'value="Asia/Tokyo" selected' in page or 'selected value="Asia/Tokyo"' in page
    response = admin.post(
        "/admin/calendars/new",
        data=calendar_form(admin.token, "Tokyo office", LUNCH_BREAK, country="JP"),
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    with app.app_context():
        calendar_id = db.session.scalar(
            sa.select(WorkCalendar.id).where(WorkCalendar.name == "Tokyo office")
        )
    week, version, country, _sub, _days = calendar_row(app, calendar_id)
    assert week == LUNCH_BREAK and country == "JP"

    # Saturday mornings, intervals typed out of order, Sunday open all day.
    changed = calendar_form(admin.token, "Tokyo office", LUNCH_BREAK, version=version, country="JP")
    changed |= {"saturday-start_1": "10:00", "saturday-end_1": "12:00"}
    changed |= {"friday-start_1": "13:00", "friday-end_1": "18:00"}
    changed |= {"friday-start_2": "09:00", "friday-end_2": "12:00", "sunday-all_day": "y"}
    response = admin.post(f"/admin/calendars/{calendar_id}", data=changed, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Business calendar saved." in html
    week, new_version, *_rest = calendar_row(app, calendar_id)
    assert week[4] == [["09:00", "12:00"], ["13:00", "18:00"]]
    assert week[5] == [["10:00", "12:00"]] and week[6] == [["00:00", "00:00"]]
    assert new_version == version + 1
    assert audit_actions(app, calendar_id) == ["create", "update"]
    with app.app_context():
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "update")).one()
        assert event.changes["hours_saturday"] == ["—", "10:00–12:00"]
        assert event.changes["hours_sunday"] == ["—", "00:00–24:00"]
        assert event.changes["clocks_replanned"] == [None, 0]
    assert "10:00–12:00" in html and "Saturday" in html  # the history names the weekday


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"monday-start_2": "11:00", "monday-end_2": "14:00"},
            "09:00–12:00 and 11:00–14:00 overlap.",
        ),
        ({"tuesday-start_1": "18:00", "tuesday-end_1": "09:00"}, "the end must be after"),
        ({"wednesday-end_1": ""}, "Give both the start and the end of each interval."),
        ({"thursday-start_1": "9 o'clock"}, "Use a time like 09:00."),
        ({"country": "US", "subdivision": "XX"}, "“XX” is not a region of"),
        ({"country": "", "subdivision": "CA"}, "Choose a country first."),
        ({"name": "  "}, "This field is required."),
    ],
)
def test_a_bad_row_is_refused_next_to_it_and_nothing_is_saved(app, admin, change, message):
    calendar_id = store_calendar(app, week=LUNCH_BREAK)
    before = calendar_row(app, calendar_id)
    data = calendar_form(admin.token, "Tokyo office", LUNCH_BREAK, version=before[1]) | change
    response = admin.post(f"/admin/calendars/{calendar_id}", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html.replace("&#34;", '"').replace("&#39;", "'")
    assert 'role="alert"' in html
    assert calendar_row(app, calendar_id) == before
    assert audit_actions(app, calendar_id) == []


def test_a_week_with_no_open_day_and_a_taken_name_are_refused(app, admin):
    store_calendar(app, name="Osaka office")
    calendar_id = store_calendar(app)
    before = calendar_row(app, calendar_id)
    closed = calendar_form(admin.token, "Tokyo office", [[]] * 7, version=before[1])
    response = admin.post(f"/admin/calendars/{calendar_id}", data=closed)
    assert response.status_code == 422
    assert "At least one weekday must be open." in response.get_data(as_text=True)
    taken = calendar_form(admin.token, "Osaka office", NINE_TO_SIX, version=before[1])
    response = admin.post(f"/admin/calendars/{calendar_id}", data=taken)
    assert response.status_code == 422
    assert "Another calendar already has this name." in response.get_data(as_text=True)
    assert calendar_row(app, calendar_id) == before


def test_a_second_save_shows_the_first_and_writes_nothing(app, admin, make_user):
    calendar_id = store_calendar(app)
    version = calendar_row(app, calendar_id)[1]
    assert (
        admin.post(
            f"/admin/calendars/{calendar_id}",
            data=calendar_form(admin.token, "Tokyo office", LUNCH_BREAK, version=version),
        ).status_code
        == 302
    )
    stale = calendar_form(admin.token, "Head office", NINE_TO_SIX, version=version)
    response = admin.post(f"/admin/calendars/{calendar_id}", data=stale)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else changed this record" in html
    assert "Saved value: <strong>Tokyo office</strong>" in html
    assert "Saved value: <strong>09:00–12:00, 13:00–18:00</strong>" in html
    week, *_rest = calendar_row(app, calendar_id)
    assert week == LUNCH_BREAK


def test_closures_are_added_checked_and_removed(app, admin):
    calendar_id = store_calendar(app)
    url = f"/admin/calendars/{calendar_id}/closures"
    year = app_today(app).year
    year_end = {
        "name": "Year-end holidays",
        "starts_on": f"{year}-12-29",
        "ends_on": f"{year + 1}-01-03",
    }
    response = admin.post(url, data={"csrf_token": admin.token, **year_end})
    assert response.status_code == 302
    founding = {"name": "Founding day", "starts_on": f"{year}/06/01", "ends_on": ""}
    assert admin.post(url, data={"csrf_token": admin.token, **founding}).status_code == 302
    refused = [
        ({"name": "Overlap", "starts_on": f"{year}-12-31", "ends_on": ""}, "overlaps the closure"),
        (
            {"name": "Backwards", "starts_on": f"{year}-08-16", "ends_on": f"{year}-08-13"},
            "before the first",
        ),
        (
            {"name": "Too long", "starts_on": f"{year}-01-01", "ends_on": f"{year + 2}-01-01"},
            "at most 366 days",
        ),
        ({"name": "", "starts_on": f"{year}-08-13", "ends_on": ""}, "This field is required."),
    ]
    for values, message in refused:
        response = admin.post(url, data={"csrf_token": admin.token, **values})
        assert response.status_code == 422, values
        assert message in response.get_data(as_text=True).replace("&#34;", '"'), values
    *_rest, days = calendar_row(app, calendar_id)
    assert days == [
        (CalendarDayKind.CLOSURE, date(year, 6, 1), date(year, 6, 1), "Founding day"),
        (CalendarDayKind.CLOSURE, date(year, 12, 29), date(year + 1, 1, 3), "Year-end holidays"),
    ]
    page = admin.get(f"/admin/calendars/{calendar_id}").get_data(as_text=True)
    assert "Year-end holidays" in page and 'data-confirm="Remove the closure' in page
    with app.app_context():
        founding_id = db.session.scalar(
            sa.select(CalendarDay.id).where(CalendarDay.name == "Founding day")
        )
    response = admin.post(
        f"/admin/calendars/{calendar_id}/closures/{founding_id}/remove",
        data={"csrf_token": admin.token},
        follow_redirects=True,
    )
    assert "Closure removed." in response.get_data(as_text=True)
    *_rest, days = calendar_row(app, calendar_id)
    assert [d[3] for d in days] == ["Year-end holidays"]
    assert audit_actions(app, calendar_id) == ["closure_added", "closure_added", "closure_removed"]
    assert "Closure removed" in admin.get(f"/admin/calendars/{calendar_id}").get_data(as_text=True)


def test_a_public_holiday_is_marked_as_worked_and_back(app, admin):
    calendar_id = store_calendar(app, country="JP")
    new_year = date(app_today(app).year + 1, 1, 1)
    url = f"/admin/calendars/{calendar_id}/holidays"
    page = admin.get(f"/admin/calendars/{calendar_id}").get_data(as_text=True)
    assert "New Year&#39;s Day" in page and "Mark as worked" in page
    response = admin.post(
        url,
        data={"csrf_token": admin.token, "day": new_year.isoformat(), "worked": "1"},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "Marked as worked." in html and "Not worked" in html
    *_rest, days = calendar_row(app, calendar_id)
    assert [(d[0], d[1]) for d in days] == [(CalendarDayKind.WORKED, new_year)]
    not_a_holiday = admin.post(
        url, data={"csrf_token": admin.token, "day": f"{new_year.year}-01-05", "worked": "1"}
    )
    assert not_a_holiday.status_code == 422
    assert "not a public holiday" in not_a_holiday.get_data(as_text=True)
    admin.post(url, data={"csrf_token": admin.token, "day": new_year.isoformat(), "worked": "0"})
    assert calendar_row(app, calendar_id)[4] == []
    assert audit_actions(app, calendar_id) == ["holiday_worked", "holiday_not_worked"]


def test_a_calendar_in_use_is_not_deleted_an_unused_one_is(app, admin):
    with app.app_context():
        used_id = db.session.scalar(
            sa.select(SlaPolicy.calendar_id).where(SlaPolicy.severity == Severity.HIGH)
        )
    unused_id = store_calendar(app, name="Old office")
    response = admin.post(
        f"/admin/calendars/{used_id}/delete",
        data={"csrf_token": admin.token},
        follow_redirects=True,
    )
    assert "This calendar cannot be deleted" in response.get_data(as_text=True)
    response = admin.post(
        f"/admin/calendars/{unused_id}/delete",
        data={"csrf_token": admin.token},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "Business calendar deleted." in html and "Old office" not in html
    with app.app_context():
        assert db.session.get(WorkCalendar, used_id) is not None
        assert db.session.get(WorkCalendar, unused_id) is None
    assert audit_actions(app, unused_id) == ["delete"]


def policy_id_of(app, severity) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(SlaPolicy.id).where(SlaPolicy.severity == severity))


def test_policy_targets_are_entered_and_shown_in_hours_and_minutes(app, admin):
    policy_id = policy_id_of(app, Severity.HIGH)
    other_calendar = store_calendar(app, name="Night desk")
    url = f"/admin/sla-policies/{policy_id}"
    page = admin.get(url).get_data(as_text=True)
    assert 'name="first_response-hours"' in page and 'name="first_response-minutes"' in page
    assert 'name="first_response-hours" type="number" value="4"' in page
    data = {
        "csrf_token": admin.token,
        "version": "1",
        "first_response-hours": "2",
        "first_response-minutes": "30",
        "update_interval-hours": "9",
        "update_interval-minutes": "0",
        "resolution-hours": "",
        "resolution-minutes": "45",
        "calendar_id": str(other_calendar),
    }
    response = admin.post(url, data=data, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "SLA policy saved." in html and "No running clock needed re-planning." in html
    assert "2 h 30 min" in html and "9 h" in html and "45 min" in html and "Night desk" in html
    with app.app_context():
        policy = db.session.get(SlaPolicy, policy_id)
        assert (policy.first_response_minutes, policy.update_interval_minutes) == (150, 540)
        assert (policy.resolution_minutes, policy.calendar_id) == (45, other_calendar)
    refused = [
        ({"first_response-hours": "0", "first_response-minutes": "0"}, "longer than 0 minutes"),
        (
            {"first_response-hours": "", "first_response-minutes": ""},
            "Enter the hours and minutes.",
        ),
        ({"first_response-minutes": "75"}, "0 to 59 minutes."),
        ({"resolution-hours": "1441"}, "0 to 1440 hours."),
        ({"resolution-hours": "1440", "resolution-minutes": "1"}, "at most 60 days"),
        ({"calendar_id": "999999"}, "Not a valid choice"),
    ]
    for change, message in refused:
        response = admin.post(url, data=data | {"version": "2"} | change)
        assert response.status_code == 422, change
        assert message in response.get_data(as_text=True), change
    with app.app_context():
        assert db.session.get(SlaPolicy, policy_id).first_response_minutes == 150


def raise_high(app, account_id, user_id) -> tuple[int, int]:
    """A high escalation raised Monday 10:00 on a 9-18 calendar with an 8 h resolution."""
    with app.app_context():
        policy = db.session.scalars(
            sa.select(SlaPolicy).where(SlaPolicy.severity == Severity.HIGH)
        ).one()
        policy.calendar = WorkCalendar(name="Plain office", timezone="Asia/Tokyo", week=NINE_TO_SIX)
        policy.resolution_minutes = 8 * 60
        escalation = raise_at(account_id, user_id, MONDAY_10AM)
        db.session.commit()
        return escalation.id, policy.calendar_id


def test_a_lunch_break_added_at_noon_replans_the_running_clock(
    app, admin, make_user, make_account, monkeypatch
):
    csm = make_user("csm")
    escalation_id, calendar_id = raise_high(app, make_account(csm_owner_id=csm), csm)
    with app.app_context():
        running = db.session.scalar(
            sa.select(sa.func.count(SlaClock.id)).where(
                SlaClock.escalation_id == escalation_id, SlaClock.stopped_at.is_(None)
            )
        )
    noon = MONDAY_10AM + 2 * H  # 2 h counted on the old calendar
    monkeypatch.setattr("app.escalations.calendar_views.utcnow", lambda: noon)
    version = calendar_row(app, calendar_id)[1]
    response = admin.post(
        f"/admin/calendars/{calendar_id}",
        data=calendar_form(admin.token, "Plain office", LUNCH_BREAK, version=version),
        follow_redirects=True,
    )
    assert f"{running} running clocks were re-planned" in response.get_data(as_text=True)
    with app.app_context():
        clock = db.session.scalars(
            sa.select(SlaClock).where(
                SlaClock.escalation_id == escalation_id, SlaClock.kind == ClockKind.RESOLUTION
            )
        ).one()
        assert (clock.counted_seconds, clock.counted_until) == (2 * 3600, noon)
        # The 6 h left: 13:00-18:00 (5 h), then Tuesday 09:00-10:00 (was Monday 18:00).
        assert clock.due_at == datetime(2026, 6, 9, 1, 0, tzinfo=UTC)
        record = db.session.get(WorkCalendar, calendar_id)
        assert (clock.calendar_id, clock.calendar_version) == (calendar_id, record.version)
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.entity_type == "business_calendar")
        ).one()
        assert event.changes["clocks_replanned"] == [None, running]
        assert event.changes["hours_monday"] == ["09:00–18:00", "09:00–12:00, 13:00–18:00"]


@pytest.mark.parametrize("role", ["manager", "csm", "executive"])
def test_readers_see_calendars_but_cannot_change_them(app, client, make_user, role):
    calendar_id = store_calendar(app, country="JP")
    with app.app_context():
        record = db.session.get(WorkCalendar, calendar_id)
        record.days.append(
            CalendarDay(
                kind=CalendarDayKind.CLOSURE,
                starts_on=date(2026, 8, 13),
                ends_on=date(2026, 8, 16),
                name="Obon week",
            )
        )
        db.session.commit()
        closure_id = record.days[0].id
    login(client, app, make_user(role))
    token = csrf_token(client, "/profile")
    listing = client.get("/admin/calendars").get_data(as_text=True)
    assert "Tokyo office" in listing and "New calendar" not in listing
    page = client.get(f"/admin/calendars/{calendar_id}").get_data(as_text=True)
    assert "Obon week" in page and "Monday</th><td>09:00–18:00" in page
    assert "Mark as worked" not in page and '<form method="post" action="/admin/cal' not in page
    assert client.get("/admin/calendars/new").status_code == 403
    base = f"/admin/calendars/{calendar_id}"
    for url in (
        "/admin/calendars/new",
        base,
        f"{base}/closures",
        f"{base}/closures/{closure_id}/remove",
        f"{base}/holidays",
        f"{base}/delete",
    ):
        assert client.post(url, data={"csrf_token": token}).status_code == 403, url
    assert calendar_row(app, calendar_id)[4] != []


def test_the_japanese_page_names_days_and_holidays_in_japanese(app, client, make_user):
    calendar_id = store_calendar(app, country="JP", week=LUNCH_BREAK)
    login(client, app, make_user("admin", locale="ja"))
    page = client.get(f"/admin/calendars/{calendar_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "元日" in html and "成人の日" in html  # the library's Japanese names
    assert "月曜日" in html and "日曜日" in html  # the grid's weekday names
    assert ">日本<" in html  # the country select, in Japanese
    assert client.get("/admin/calendars").status_code == 200
    assert client.get("/admin/calendars/new").status_code == 200


def test_seconds_typed_in_a_time_are_dropped_before_the_check(app, admin):
    # 09:00:00-09:00:30 would be stored as 09:00-09:00, a calendar the engine refuses.
    data = calendar_form(admin.token, "Seconds office", NINE_TO_SIX)
    data |= {"saturday-start_1": "09:00:00", "saturday-end_1": "09:00:30"}
    response = admin.post("/admin/calendars/new", data=data)
    assert response.status_code == 422
    assert "the end must be after the start" in response.get_data(as_text=True)
    data |= {"saturday-start_1": "09:00:10", "saturday-end_1": "10:00:50"}
    assert admin.post("/admin/calendars/new", data=data).status_code == 302
    with app.app_context():
        week = db.session.scalar(
            sa.select(WorkCalendar.week).where(WorkCalendar.name == "Seconds office")
        )
    assert week[5] == [["09:00", "10:00"]]
