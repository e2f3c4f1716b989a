"""The calendar: the month on the reader's local days and in their time zone, its scopes and
bad month parameters, constant query counts; each touchpoint's .ics event (stable UID, rising
SEQUENCE, CANCELLED, its VTIMEZONE, Japanese text intact); the private feed (issued, shown
once, regenerated, revoked, refused for unknown tokens and deactivated users, stored only as
a hash); and the user's own time zone chosen on the profile."""

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from app.audit.models import AuditEvent
from app.auth.models import User
from app.extensions import db
from app.models import utcnow
from app.sponsorship.models import SponsorshipStatus
from app.touchpoints import feeds, services
from app.touchpoints.models import CalendarFeed, Touchpoint, TouchpointKind
from tests.conftest import csrf_token, login

LATE_EVENING_UTC = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)  # Dec 2, 08:30 in Tokyo
JAPANESE = "解約の可能性について、役員と協議 ①㈱髙"


@pytest.fixture
def people(make_user):
    return {
        "csm": make_user("csm", name="Sakura CSM"),
        "other_csm": make_user("csm", name="Other CSM"),
        "exec": make_user("executive", name="Kenji Exec"),
        "manager": make_user("manager", name="Maria Manager"),
    }


@pytest.fixture
def accounts(make_account, make_sponsorship, people):
    """Minato (the CSM's), Kita (another CSM's) and Sora (another CSM's, sponsored by the
    executive)."""
    sora = make_account(name="Sora Bank", csm_owner_id=people["other_csm"])
    return {
        "minato": make_account(name="Minato Logistics", csm_owner_id=people["csm"]),
        "kita": make_account(name="Kita Foods", csm_owner_id=people["other_csm"]),
        "sora": sora,
        "sora_sponsorship": make_sponsorship(
            sora, status=SponsorshipStatus.ACTIVE, sponsor_id=people["exec"]
        ),
    }


def schedule(app, actor_id, account_id, starts_at, *, executives=(), sponsorship_id=None, **kw):
    """A planned touchpoint made through the service; its id."""
    from app.accounts.models import Account
    from app.sponsorship.models import Sponsorship

    with app.test_request_context():
        touchpoint = services.schedule(
            db.session.get(User, actor_id),
            db.session.get(Account, account_id),
            kind=kw.pop("kind", TouchpointKind.EXECUTIVE_CALL),
            starts_at=starts_at,
            timezone=kw.pop("timezone", "Asia/Tokyo"),
            executives=[db.session.get(User, i) for i in executives],
            sponsorship=db.session.get(Sponsorship, sponsorship_id) if sponsorship_id else None,
            **kw,
        )
        db.session.commit()
        return touchpoint.id


def change(app, touchpoint_id, actor_id, how, *args):
    """services.<how>(actor, touchpoint, *args), committed."""
    with app.test_request_context():
        touchpoint = db.session.get(Touchpoint, touchpoint_id)
        getattr(services, how)(db.session.get(User, actor_id), touchpoint, *args)
        db.session.commit()


def set_timezone(app, user_id, zone):
    with app.app_context():
        db.session.get(User, user_id).timezone = zone
        db.session.commit()


def day_cell(html: str, day: str) -> str:
    """The month grid's cell of a day (YYYY-MM-DD); CLDR's narrow space before AM/PM as a space."""
    html = html.replace("\u202f", " ")
    for cell in re.findall(r'<td class="cal-day[^"]*"[^>]*>(.*?)</td>', html, re.S):
        if f'datetime="{day}"' in cell:
            return cell
    raise AssertionError(f"no cell for {day}")


def month_page(client, **query):
    response = client.get("/touchpoints/calendar", query_string=query)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def parse(body: bytes):
    calendar = Calendar.from_ical(body)
    return calendar, calendar.walk("VEVENT")


# The month --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "day", "other_day", "time"),
    [
        ("Asia/Tokyo", "2026-12-02", "2026-12-01", "8:30 AM"),
        ("UTC", "2026-12-01", "2026-12-02", "11:30 PM"),
        ("America/New_York", "2026-12-01", "2026-12-02", "6:30 PM"),
    ],
)
def test_touchpoint_shows_on_the_readers_local_day(
    app, client, people, accounts, zone, day, other_day, time
):
    schedule(app, people["csm"], accounts["minato"], LATE_EVENING_UTC)
    set_timezone(app, people["csm"], zone)
    login(client, app, people["csm"])
    html = month_page(client, month="2026-12", scope="mine")
    cell = day_cell(html, day)
    assert "Minato Logistics" in cell and time in cell
    assert "Minato Logistics" not in day_cell(html, other_day)
    assert "December 2026" in html


def test_the_grid_starts_on_monday_and_names_the_days_in_the_readers_language(
    app, client, make_user
):
    login(client, app, make_user("csm", locale="ja"))
    html = month_page(client, month="2026-12")
    headers = re.findall(r'<th scope="col"><abbr title="([^"]+)">', html)
    assert headers[0] == "月曜日" and headers[6] == "日曜日" and len(headers) == 7
    assert "2026年12月" in html
    # December 2026 starts on a Tuesday: the grid opens on Monday, Nov 30.
    assert html.index('datetime="2026-11-30"') < html.index('datetime="2026-12-01"')


def test_today_is_marked_for_assistive_technology(app, client, people):
    login(client, app, people["csm"])
    html = month_page(client)
    with app.test_request_context():
        from app.formatting import local_today

        today = local_today().isoformat()
    (today_cell,) = re.findall(
        r'<td class="cal-day[^"]*" aria-current="date">(.*?)</td>', html, re.S
    )
    assert f'datetime="{today}"' in today_cell
    assert "<caption>" in html


def test_scopes_mine_my_accounts_and_all(app, client, people, accounts):
    when = datetime(2026, 12, 10, 1, 0, tzinfo=UTC)
    schedule(app, people["csm"], accounts["minato"], when)  # the CSM's account
    schedule(app, people["other_csm"], accounts["kita"], when, executives=[people["exec"]])
    schedule(
        app,
        people["other_csm"],
        accounts["sora"],
        when,
        sponsorship_id=accounts["sora_sponsorship"],
    )
    names = ("Minato Logistics", "Kita Foods", "Sora Bank")

    def shown(user, scope):
        browser = login(app.test_client(), app, user)
        html = month_page(browser, month="2026-12", scope=scope)
        return {name for name in names if name in day_cell(html, "2026-12-10")}

    assert shown(people["csm"], "mine") == {"Minato Logistics"}
    assert shown(people["csm"], "accounts") == {"Minato Logistics"}
    assert shown(people["csm"], "all") == set(names)
    # The executive attends Kita's and sponsors Sora's; Sora is the account they sponsor.
    assert shown(people["exec"], "mine") == {"Kita Foods", "Sora Bank"}
    assert shown(people["exec"], "accounts") == {"Sora Bank"}


def test_statuses_and_overdue_are_visible(app, client, people, accounts):
    now = utcnow()
    past = schedule(app, people["csm"], accounts["minato"], now - timedelta(hours=2))
    cancelled = schedule(app, people["csm"], accounts["minato"], now + timedelta(hours=3))
    change(app, cancelled, people["csm"], "cancel", "Customer asked")
    login(client, app, people["csm"])
    html = month_page(client, month=now.strftime("%Y-%m"), scope="all")
    assert re.search(rf'cal-overdue">\s*<a href="/touchpoints/{past}">.*?Overdue', html, re.S)
    assert re.search(
        rf'cal-cancelled">\s*<a href="/touchpoints/{cancelled}">.*?Cancelled', html, re.S
    )


@pytest.mark.parametrize(
    "month", ["2026-13", "abc", "0000-01", "9999-99", "2026-1", "", "２０２６-１２", "2026-12\x00"]
)
def test_a_bad_month_shows_this_month(app, client, people, month):
    login(client, app, people["csm"])
    this_month = month_page(client)
    caption = re.search(r'<h2 class="cal-title">([^<]+)</h2>', this_month)[1]
    html = month_page(client, month=month, scope="<b>")
    assert f'<h2 class="cal-title">{caption}</h2>' in html


def test_paging_months_and_the_years_at_the_ends(app, client, people):
    login(client, app, people["csm"])
    html = month_page(client, month="2027-01", scope="all")
    assert 'href="/touchpoints/calendar?scope=all&amp;month=2026-12"' in html
    assert 'href="/touchpoints/calendar?scope=all&amp;month=2027-02"' in html
    assert 'rel="next"' not in month_page(client, month="2999-12")
    assert 'rel="prev"' not in month_page(client, month="1900-01")


def test_month_query_count_does_not_grow(app, client, people, accounts):
    login(client, app, people["csm"])
    first = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)
    schedule(app, people["csm"], accounts["minato"], first, executives=[people["exec"]])
    one = client.get("/touchpoints/calendar?month=2026-12&scope=all").headers["X-SQL-Queries"]
    for n in range(6):
        schedule(
            app,
            people["csm"],
            accounts["minato" if n % 2 else "kita"] if n % 2 else accounts["minato"],
            first + timedelta(days=n, hours=n),
            executives=[people["exec"], people["csm"]],
        )
    many = client.get("/touchpoints/calendar?month=2026-12&scope=all")
    assert many.headers["X-SQL-Queries"] == one
    assert many.get_data(as_text=True).count('class="cal-entry') == 7 * 2  # grid and agenda


# .ics -------------------------------------------------------------------------------------


def test_ics_download_is_one_event_in_its_own_zone(app, client, people, accounts):
    touchpoint_id = schedule(
        app,
        people["csm"],
        accounts["minato"],
        LATE_EVENING_UTC,
        timezone="America/New_York",
        executives=[people["exec"]],
        title=JAPANESE,
        agenda=f"{JAPANESE}\n第二行; カンマ, バックスラッシュ \\ end",
    )
    login(client, app, people["manager"])
    response = client.get(f"/touchpoints/{touchpoint_id}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="touchpoint-{touchpoint_id}.ics"'
    )
    calendar, (event,) = parse(response.data)
    assert str(calendar["METHOD"]) == "PUBLISH" and str(calendar["VERSION"]) == "2.0"
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["America/New_York"]
    assert event["DTSTART"].params["TZID"] == "America/New_York"
    assert event.decoded("DTSTART") == LATE_EVENING_UTC
    assert event.decoded("DTSTART").hour == 18  # 18:30 in New York
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=60)
    assert str(event["SUMMARY"]) == f"{JAPANESE} with Minato Logistics"
    assert f"{JAPANESE}\n第二行; カンマ, バックスラッシュ \\ end" in str(event["DESCRIPTION"])
    assert str(event["STATUS"]) == "CONFIRMED" and int(event["SEQUENCE"]) == 0
    (attendee,) = [event["ATTENDEE"]]
    assert attendee.params["CN"] == "Kenji Exec"
    # Lines folded at 75 octets without splitting a character.
    assert all(len(line) <= 75 for line in response.data.split(b"\r\n"))
    response.data.decode("utf-8")


def test_uid_stays_and_sequence_rises_with_each_change_until_cancelled(
    app, client, people, accounts
):
    touchpoint_id = schedule(app, people["csm"], accounts["minato"], LATE_EVENING_UTC)
    login(client, app, people["csm"])

    def event():
        return parse(client.get(f"/touchpoints/{touchpoint_id}.ics").data)[1][0]

    first = event()
    change(app, touchpoint_id, people["csm"], "update", {"agenda": "Renewal terms"})
    edited = event()
    assert str(edited["UID"]) == str(first["UID"])
    assert int(edited["SEQUENCE"]) == int(first["SEQUENCE"]) + 1
    assert "Renewal terms" in str(edited["DESCRIPTION"])
    change(app, touchpoint_id, people["csm"], "cancel", "Customer asked")
    cancelled = event()
    assert str(cancelled["UID"]) == str(first["UID"])
    assert int(cancelled["SEQUENCE"]) == int(first["SEQUENCE"]) + 2
    assert str(cancelled["STATUS"]) == "CANCELLED"


def test_ics_of_a_missing_touchpoint_is_404_and_needs_signing_in(app, client, people, accounts):
    touchpoint_id = schedule(app, people["csm"], accounts["minato"], LATE_EVENING_UTC)
    assert client.get(f"/touchpoints/{touchpoint_id}.ics").status_code == 302
    login(client, app, people["csm"])
    assert client.get(f"/touchpoints/{touchpoint_id + 100}.ics").status_code == 404


# The feed ---------------------------------------------------------------------------------


def issue(app, user_id) -> str:
    with app.test_request_context():
        token = feeds.issue(db.session.get(User, user_id))
        db.session.commit()
        return token


def feed_url(token: str) -> str:
    return f"/calendar/feed/{token}.ics"


def test_feed_holds_the_users_touchpoints_cancelled_ones_as_cancelled(
    app, client, people, accounts
):
    now = utcnow()
    mine = schedule(app, people["csm"], accounts["minato"], now + timedelta(days=3))
    dropped = schedule(app, people["csm"], accounts["minato"], now + timedelta(days=4))
    change(app, dropped, people["csm"], "cancel", "Customer asked")
    schedule(app, people["csm"], accounts["minato"], now - timedelta(days=90))  # too old
    schedule(app, people["other_csm"], accounts["kita"], now + timedelta(days=3))  # not mine
    token = issue(app, people["csm"])

    response = client.get(feed_url(token))  # a calendar application: not signed in
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert "Set-Cookie" not in response.headers
    calendar, events = parse(response.data)
    assert "METHOD" not in calendar and str(calendar["X-WR-CALNAME"])
    with app.app_context():
        uids = {
            db.session.get(Touchpoint, i).uid: i for i in (mine, dropped)
        }  # the two in the window
    assert {str(e["UID"]) for e in events} == set(uids)
    status = {uids[str(e["UID"])]: str(e["STATUS"]) for e in events}
    assert status == {mine: "CONFIRMED", dropped: "CANCELLED"}
    # Unchanged, it is the same file: a calendar asking again with its ETag gets 304.
    again = client.get(feed_url(token), headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_feed_query_count_does_not_grow(app, client, people, accounts):
    now = utcnow()
    schedule(app, people["csm"], accounts["minato"], now + timedelta(days=1))
    token = issue(app, people["csm"])
    client.get(feed_url(token))  # records the first use
    one = client.get(feed_url(token)).headers["X-SQL-Queries"]
    for n in range(5):
        schedule(
            app,
            people["csm"],
            accounts["minato"],
            now + timedelta(days=2 + n),
            executives=[people["exec"], people["csm"]],
        )
    assert client.get(feed_url(token)).headers["X-SQL-Queries"] == one


def test_regenerated_revoked_unknown_and_deactivated_feeds_answer_404(
    app, client, people, accounts
):
    old = issue(app, people["csm"])
    new = issue(app, people["csm"])
    assert client.get(feed_url(old)).status_code == 404
    assert client.get(feed_url(new)).status_code == 200
    for unknown in ("x" * 43, "short", "a" * 500, "..%2F..%2Fetc", new[:-1]):
        response = client.get(feed_url(unknown))
        assert response.status_code == 404
        assert "feed" not in response.get_data(as_text=True).lower()  # no hint
    with app.app_context():
        db.session.get(User, people["csm"]).active = False
        db.session.commit()
    assert client.get(feed_url(new)).status_code == 404
    with app.app_context():
        db.session.get(User, people["csm"]).active = True
        db.session.commit()
    assert client.get(feed_url(new)).status_code == 200
    with app.test_request_context():
        assert feeds.revoke(db.session.get(User, people["csm"]))
        db.session.commit()
    assert client.get(feed_url(new)).status_code == 404


def test_profile_creates_shows_once_regenerates_and_revokes_the_feed(app, client, people):
    login(client, app, people["csm"])
    html = client.get("/profile").get_data(as_text=True)
    assert "You have no calendar feed." in html

    token = csrf_token(client, "/profile")
    response = client.post("/touchpoints/calendar/feed", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/profile#calendar-feed"
    )
    shown = client.get("/profile").get_data(as_text=True)
    url = re.search(r'id="feed-url" value="(http://localhost/calendar/feed/[\w-]+\.ics)"', shown)[1]
    secret = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert (
        "Copy your feed address now" in shown
        and f"webcal://localhost/calendar/feed/{secret}" in shown
    )
    assert client.get(url).status_code == 200
    assert secret not in client.get("/profile").get_data(as_text=True)  # shown once only

    with app.app_context():  # only the hash is kept; the audit names the event, not the token
        (stored,) = db.session.scalars(sa.select(CalendarFeed.token_hash)).all()
        assert stored == hashlib.sha256(secret.encode()).hexdigest()
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action.like("feed_%"))
        ).all()
        assert [e.action for e in events] == ["feed_issued"]
        assert all(secret not in f"{e.changes} {e.summary}" for e in events)

    page = client.get("/profile").get_data(as_text=True)
    assert 'data-confirm="Make a new address? The old one stops working' in page
    assert 'data-confirm="Revoke the calendar feed?' in page
    client.post("/touchpoints/calendar/feed", data={"csrf_token": token})  # regenerate
    assert client.get(url).status_code == 404
    response = client.post("/touchpoints/calendar/feed/revoke", data={"csrf_token": token})
    assert response.status_code == 302
    assert "You have no calendar feed." in client.get("/profile").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(CalendarFeed.id))) == 0
        actions = db.session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.action.like("feed_%"))
            .order_by(AuditEvent.id)
        ).all()
        assert actions == ["feed_issued", "feed_issued", "feed_revoked"]


def test_feed_forms_need_the_csrf_token(app, client, people):
    login(client, app, people["csm"])
    assert client.post("/touchpoints/calendar/feed").status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(CalendarFeed.id))) == 0


# The user's own time zone -----------------------------------------------------------------


def profile_form(client, app, user_id, **values):
    with app.app_context():
        version = db.session.get(User, user_id).version
    data = {"version": version, "name": "Sakura CSM", "locale": "en"}
    data["csrf_token"] = csrf_token(client, "/profile")
    return client.post("/profile", data=data | values)


def test_time_zone_is_a_select_of_iana_zones_common_ones_first(app, client, people):
    login(client, app, people["csm"])
    html = client.get("/profile").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="timezone"[^>]*>(.*?)</select>', html, re.S)[1]
    values = re.findall(r'<option[^>]*value="([^"]*)"', select)
    assert values[:4] == ["", "Asia/Tokyo", "UTC", "America/New_York"]
    assert "Europe/London" in values[:10] and "Pacific/Auckland" in values
    assert len(values) == len(set(values)) > 400
    assert "Default (Asia/Tokyo)" in select
    assert '<option selected value="">' in select


def test_time_zone_saved_on_the_profile_shows_times_in_it(app, client, people, accounts):
    touchpoint_id = schedule(app, people["csm"], accounts["minato"], LATE_EVENING_UTC)
    login(client, app, people["csm"])
    assert profile_form(client, app, people["csm"], timezone="America/New_York").status_code == 302
    html = month_page(client, month="2026-12")
    assert "6:30 PM" in day_cell(html, "2026-12-01")
    page = client.get(f"/touchpoints/{touchpoint_id}").get_data(as_text=True)
    assert "6:30\u202fPM" in page or "6:30 PM" in page
    assert '<option selected value="America/New_York">' in client.get("/profile").get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.get(User, people["csm"]).timezone == "America/New_York"
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.entity_type == "user").order_by(AuditEvent.id)
        ).all()[-1]
        assert event.changes["timezone"] == [None, "America/New_York"]
    # Back to the default.
    assert profile_form(client, app, people["csm"], timezone="").status_code == 302
    assert "8:30 AM" in day_cell(month_page(client, month="2026-12"), "2026-12-02")


@pytest.mark.parametrize("zone", ["Mars/Olympus", "localtime", "Factory", "asia/tokyo", "<b>"])
def test_a_zone_not_offered_is_refused(app, client, people, zone):
    login(client, app, people["csm"])
    response = profile_form(client, app, people["csm"], timezone=zone)
    assert response.status_code == 422
    assert "Not a valid choice" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, people["csm"]).timezone is None


def test_profile_sent_without_a_zone_keeps_the_saved_one(app, client, people):
    set_timezone(app, people["csm"], "Europe/London")
    login(client, app, people["csm"])
    assert profile_form(client, app, people["csm"]).status_code == 302
    with app.app_context():
        assert db.session.get(User, people["csm"]).timezone == "Europe/London"
