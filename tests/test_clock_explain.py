"""The "why this due time?" page of an SLA clock: the days counted and skipped across Golden
Week (the substitute holiday included) with their reasons and the due time, in the reader's
language and timezone; a paused clock, a stopped one, one re-planned after a policy change,
a wall-clock one and a walk cut short; who may read it; the link from the clocks strip."""

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.escalations import explain_views, health, services
from app.escalations.models import (
    Category,
    ClockKind,
    Escalation,
    Health,
    IntakeChannel,
    Requester,
    Severity,
    SlaClock,
    SlaPolicy,
    Status,
    Trend,
)
from app.extensions import db
from tests.conftest import login, raise_at

JST = timedelta(hours=9)
# Friday 1 May 2026, 10:00 in Tokyo: Golden Week follows (Sat 2, Sun 3, then the holidays of
# Mon 4, Tue 5 and the substitute holiday of Wed 6); business resumes on Thursday 7 May.
FRIDAY_10AM = datetime(2026, 5, 1, 1, 0, tzinfo=UTC)
TWO_INTERVALS = [[["09:00", "12:00"], ["13:00", "18:00"]]] * 5 + [[], []]


def jst(*args) -> datetime:
    return datetime(*args, tzinfo=UTC) - JST


@pytest.fixture
def csm(make_user):
    return make_user("csm", name="Sakura CSM")


@pytest.fixture
def account(make_account, csm):
    return make_account(name="Sakura Logistics", csm_owner_id=csm)


@pytest.fixture
def frozen(monkeypatch):
    """The page's clock, set to a given moment."""

    def at(moment: datetime):
        monkeypatch.setattr(explain_views, "utcnow", lambda: moment)

    at(jst(2026, 5, 8, 9))
    return at


def raise_on_golden_week(app, account_id, user_id, *, first_response_hours=11) -> int:
    """A high escalation raised on Friday 1 May at 10:00 Tokyo time, its policy's calendar
    open 9-12 and 13-18 on weekdays with Japan's public holidays."""
    with app.app_context():
        policy = db.session.scalars(
            sa.select(SlaPolicy).where(SlaPolicy.severity == Severity.HIGH)
        ).one()
        policy.first_response_minutes = first_response_hours * 60
        policy.calendar.timezone = "Asia/Tokyo"
        policy.calendar.week = TWO_INTERVALS
        policy.calendar.country = "JP"
        policy.calendar.subdivision = None
        escalation = raise_at(
            account_id,
            user_id,
            FRIDAY_10AM,
            title="Invoices wrong",
            description="Every invoice since April is wrong.",
            category=Category.BILLING,
            requested_by=Requester.CUSTOMER,
        )
        db.session.commit()
        return escalation.id


def act(app, escalation_id, user_id, do):
    """Run `do(actor, escalation)` in a transaction of its own and commit."""
    with app.app_context():
        escalation = db.session.get(Escalation, escalation_id)
        do(db.session.get(User, user_id), escalation)
        db.session.commit()


def clock_id(app, escalation_id, kind=ClockKind.FIRST_RESPONSE) -> int:
    with app.app_context():
        return db.session.scalars(
            sa.select(SlaClock.id)
            .where(SlaClock.escalation_id == escalation_id, SlaClock.kind == kind)
            .order_by(SlaClock.id.desc())
        ).first()


def set_reader(app, user_id, *, zone="Asia/Tokyo", locale="en"):
    with app.app_context():
        user = db.session.get(User, user_id)
        user.timezone, user.locale = zone, locale
        db.session.commit()


def why_page(client, escalation_id, clock) -> str:
    response = client.get(f"/escalations/{escalation_id}/clocks/{clock}/why")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def plain(html: str) -> str:
    """Text without tags; CLDR's narrow and no-break spaces read as spaces."""
    text = unescape(re.sub(r"<[^>]+>", " ", html))
    return re.sub(r"\s+", " ", text.replace("\u202f", " ").replace("\xa0", " ")).strip()


def day_rows(html: str) -> dict[str, list[str]]:
    """The day-by-day table: ISO date -> the texts of its cells (day first)."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        day = re.search(r'<time datetime="([\d-]+)"', row).group(1)
        rows[day] = [plain(cell) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
    return rows


# The walk across Golden Week


def test_the_walk_lists_the_days_counted_and_skipped_and_the_due_time(app, client, account, csm):
    escalation = raise_on_golden_week(app, account, csm)
    set_reader(app, csm)
    login(client, app, csm)
    html = why_page(client, escalation, clock_id(app, escalation))
    page = plain(html)
    assert "Why this due time? First response" in page
    assert "11 h 00 min of business time" in page
    assert "Due 5/7/26, 2:00 PM" in page
    assert "Business hours are counted in Asia/Tokyo, your timezone." in page
    with app.app_context():
        calendar = (
            db.session.scalars(sa.select(SlaPolicy).where(SlaPolicy.severity == Severity.HIGH))
            .one()
            .calendar
        )
        assert f"Calendar {calendar.name} · Asia/Tokyo · version {calendar.version}" in page
        assert f'<a href="/admin/calendars/{calendar.id}">' in html
    rows = day_rows(html)
    assert list(rows) == [f"2026-05-0{day}" for day in range(1, 8)]
    assert rows["2026-05-01"] == [
        "Friday, May 1, 2026",
        "10:00 AM – 12:00 PM, 1:00 PM – 6:00 PM",
        "7 h 00 min",
        "7 h 00 min",
        "",
    ]
    assert rows["2026-05-02"][:2] == ["Saturday, May 2, 2026", "Weekly day off"]
    assert rows["2026-05-03"][:2] == ["Sunday, May 3, 2026", "Weekly day off"]
    assert rows["2026-05-04"][1] == "Public holiday: Greenery Day"
    assert rows["2026-05-05"][1] == "Public holiday: Children's Day"
    assert rows["2026-05-06"][:3] == [
        "Wednesday, May 6, 2026",
        "Public holiday: Substitute Holiday",
        "7 h 00 min",  # the running total, unchanged over the skipped days
    ]
    assert rows["2026-05-07"] == [
        "Thursday, May 7, 2026",
        "9:00 AM – 12:00 PM, 1:00 PM – 2:00 PM",
        "4 h 00 min",
        "11 h 00 min",
        "",
    ]
    assert "The target of 11 h 00 min is reached at 5/7/26, 2:00 PM: that is the due time." in page


def test_the_walk_in_japanese_names_the_substitute_holiday_and_the_weekdays(
    app, client, account, csm
):
    escalation = raise_on_golden_week(app, account, csm)
    set_reader(app, csm, locale="ja")
    login(client, app, csm)
    rows = day_rows(why_page(client, escalation, clock_id(app, escalation)))
    assert rows["2026-05-01"][0] == "2026年5月1日金曜日"
    assert "10:00" in rows["2026-05-01"][1] and "18:00" in rows["2026-05-01"][1]
    assert rows["2026-05-01"][2] == "7時間00分"
    assert rows["2026-05-02"][0] == "2026年5月2日土曜日"
    assert "みどりの日" in rows["2026-05-04"][1]
    assert "こどもの日" in rows["2026-05-05"][1]
    assert rows["2026-05-06"][0] == "2026年5月6日水曜日"
    assert "振替休日" in rows["2026-05-06"][1]
    assert rows["2026-05-07"][3] == "11時間00分"


def test_a_reader_in_another_timezone_sees_both_zones_and_local_times(app, client, account, csm):
    escalation = raise_on_golden_week(app, account, csm)
    set_reader(app, csm, zone="America/New_York")
    login(client, app, csm)
    html = why_page(client, escalation, clock_id(app, escalation))
    assert (
        "Business hours are counted in Asia/Tokyo; times are shown in your timezone, "
        "America/New_York." in plain(html)
    )
    rows = day_rows(html)
    # Rows stay Tokyo's business days; 10:00-12:00 in Tokyo is the evening before in New York.
    assert rows["2026-05-01"][1] == (
        "Thu, Apr 30 9:00 PM – Thu, Apr 30 11:00 PM, 12:00 AM – 5:00 AM"
    )
    assert "Public holiday: Substitute Holiday" in rows["2026-05-06"][1]
    assert "Due 5/7/26, 1:00 AM" in plain(html)  # 14:00 in Tokyo


# Paused, stopped, re-planned, wall-clock, long


def test_a_paused_clock_has_no_due_time_and_shows_the_pause(app, client, account, csm, frozen):
    escalation = raise_on_golden_week(app, account, csm)
    act(
        app,
        escalation,
        csm,
        lambda actor, e: services.change_status(
            actor, e, Status.WAITING_ON_CUSTOMER, "Waiting for their logs", jst(2026, 5, 7, 11)
        ),
    )
    frozen(jst(2026, 5, 7, 16))
    set_reader(app, csm)
    login(client, app, csm)
    html = why_page(client, escalation, clock_id(app, escalation))
    page = plain(html)
    assert "Due Paused: no due time while waiting on the customer" in page
    assert "A pause holds the clock: there is no due time while waiting on the customer." in page
    assert day_rows(html)["2026-05-07"] == [
        "Thursday, May 7, 2026",
        "9:00 AM – 11:00 AM",
        "2 h 00 min",
        "9 h 00 min",
        "11:00 AM – 12:00 PM, 1:00 PM – 4:00 PM",
    ]


def test_a_stopped_clock_says_met_and_when_it_stopped(app, client, account, csm):
    escalation = raise_on_golden_week(app, account, csm)
    act(
        app,
        escalation,
        csm,
        lambda actor, e: services.add_customer_update(
            actor,
            e,
            channel=IntakeChannel.EMAIL,
            summary="We are on it.",
            template_key=None,
            now=jst(2026, 5, 7, 11),
        ),
    )
    set_reader(app, csm)
    login(client, app, csm)
    html = why_page(client, escalation, clock_id(app, escalation))
    page = plain(html)
    assert "Stopped 5/7/26, 11:00 AM · Met" in page
    assert "Due 5/7/26, 2:00 PM" in page  # the walk still runs to the due time
    assert day_rows(html)["2026-05-07"][3] == "11 h 00 min"


def test_time_counted_before_a_replan_stays_counted(app, client, account, csm, make_user):
    escalation = raise_on_golden_week(app, account, csm)
    admin_id = make_user("admin")
    with app.app_context():
        admin = db.session.get(User, admin_id)
        policy = db.session.scalars(
            sa.select(SlaPolicy).where(SlaPolicy.severity == Severity.HIGH)
        ).one()
        # At noon on Friday the target becomes 12 h: the 2 h counted stay, 10 h follow.
        services.save_sla_policy(
            admin, policy, {"first_response_minutes": 12 * 60}, jst(2026, 5, 1, 12)
        )
        db.session.commit()
    set_reader(app, csm)
    login(client, app, csm)
    html = why_page(client, escalation, clock_id(app, escalation))
    page = plain(html)
    assert (
        "2 h 00 min counted before the calendar or the SLA policy changed on 5/1/26, 12:00 PM"
        in page
    )
    rows = day_rows(html)
    assert rows["2026-05-01"][1:4] == ["1:00 PM – 6:00 PM", "5 h 00 min", "7 h 00 min"]
    assert rows["2026-05-07"][1:4] == [
        "9:00 AM – 12:00 PM, 1:00 PM – 3:00 PM",
        "5 h 00 min",
        "12 h 00 min",
    ]
    assert "Due 5/7/26, 3:00 PM" in page


def test_the_health_cadence_counts_every_hour(app, client, account, csm):
    escalation = raise_on_golden_week(app, account, csm)
    act(
        app,
        escalation,
        csm,
        lambda actor, e: health.set_health(
            actor, e, health=Health.RED, trend=Trend.WORSENING, note="", now=FRIDAY_10AM
        ),
    )
    set_reader(app, csm)
    login(client, app, csm)
    html = why_page(client, escalation, clock_id(app, escalation, ClockKind.HEALTH_UPDATE))
    page = plain(html)
    assert "This clock counts every hour, around the clock, in Asia/Tokyo" in page
    assert "Due 5/2/26, 10:00 AM" in page  # 24 hours later, Saturday or not
    rows = day_rows(html)
    assert rows["2026-05-02"][1:4] == ["12:00 AM – 10:00 AM", "10 h 00 min", "24 h 00 min"]


def test_a_very_long_walk_is_cut_short(app, client, account, csm):
    escalation = raise_on_golden_week(app, account, csm)
    with app.app_context():
        clock = db.session.get(SlaClock, clock_id(app, escalation, ClockKind.RESOLUTION))
        clock.target_minutes = 8 * 60 * 200  # 200 business days
        db.session.commit()
    set_reader(app, csm)
    login(client, app, csm)
    html = why_page(client, escalation, clock_id(app, escalation, ClockKind.RESOLUTION))
    assert len(day_rows(html)) == explain_views.clock_explain.MAX_DAYS
    assert "Only the first 120 days are shown." in plain(html)


# Who reads it, and where it is linked from


def test_everyone_signed_in_reads_it_and_another_escalations_clock_is_not_found(
    app, client, account, csm, make_user, make_account
):
    escalation = raise_on_golden_week(app, account, csm)
    other = raise_on_golden_week(app, make_account(name="Kita Foods"), csm)
    url = f"/escalations/{escalation}/clocks/{clock_id(app, escalation)}/why"
    response = client.get(url)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    login(client, app, make_user("executive"))  # reads every escalation, works none
    assert client.get(url).status_code == 200
    assert (
        client.get(f"/escalations/{escalation}/clocks/{clock_id(app, other)}/why").status_code
        == 404
    )
    assert client.get(f"/escalations/{other + 1000}/clocks/1/why").status_code == 404


def test_each_clock_in_the_strip_links_to_its_explanation(app, client, account, csm):
    escalation = raise_on_golden_week(app, account, csm)
    login(client, app, csm)
    html = client.get(f"/escalations/{escalation}").get_data(as_text=True)
    strip = html.split('aria-label="SLA clocks"', 1)[1].split("</section>", 1)[0]
    links = re.findall(r'<a href="([^"]+)">Why this due time\?</a>', strip)
    assert links == [
        f"/escalations/{escalation}/clocks/{clock_id(app, escalation, kind)}/why"
        for kind in (ClockKind.FIRST_RESPONSE, ClockKind.RESOLUTION)
    ]
