"""Lists that show what matters (issue 14): the escalation list's nearest clock as time left
or overdue, the ARR at risk of executive escalations, capped counts on the saved-view tabs;
labels instead of stored codes; controls that start on the current value and actions offered
only to those who may take them."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from app.escalations import queries
from app.escalations import views as escalation_views
from app.escalations.models import (
    ClockKind,
    EscalationTag,
    Level,
    Severity,
    SlaClock,
    Status,
    escalation_watchers,
)
from app.extensions import db
from app.sponsorship.models import SponsorshipStatus
from tests.conftest import login

NOW = datetime(2030, 6, 3, 1, 0, tzinfo=UTC)


@pytest.fixture
def people(make_user):
    return {
        "csm": make_user("csm", name="Sakura CSM"),
        "csm_ja": make_user("csm", name="佐藤 花子", locale="ja"),
        "manager": make_user("manager", name="Maria Manager"),
        "exec": make_user("executive", name="Kenji Exec"),
    }


@pytest.fixture
def account(make_account, people):
    return make_account(name="さくら物流", csm_owner_id=people["csm"], currency="JPY")


@pytest.fixture
def frozen(monkeypatch):
    """The list reads the clocks relative to NOW."""
    monkeypatch.setattr(escalation_views, "utcnow", lambda: NOW)


def _clock(app, escalation_id, kind=ClockKind.RESOLUTION, **times):
    with app.app_context():
        db.session.add(
            SlaClock(
                escalation_id=escalation_id,
                kind=kind,
                started_at=NOW - timedelta(hours=3),
                target_minutes=240,
                **times,
            )
        )
        db.session.commit()


@pytest.fixture
def book(app, account, make_escalation):
    """One escalation of each kind of row: breached (executive), at risk, paused, far, none."""
    ids = {
        "breached": make_escalation(
            account,
            title="Breached one",
            status=Status.INVESTIGATING,
            executive=True,
            threat_cancellation=True,
            arr_at_risk_minor=12_000_000,
            arr_at_risk_currency="JPY",
        ),
        "at_risk": make_escalation(account, title="At risk one", status=Status.INVESTIGATING),
        "paused": make_escalation(account, title="Paused one", status=Status.WAITING_ON_CUSTOMER),
        "far": make_escalation(account, title="Far one", status=Status.NEW),
        "none": make_escalation(account, title="Clockless one", status=Status.NEW),
    }
    minutes = timedelta(minutes=1)
    _clock(app, ids["breached"], due_at=NOW - 40 * minutes, breached_at=NOW - 40 * minutes)
    # A later clock of the same escalation: the nearest one is shown.
    _clock(app, ids["breached"], ClockKind.CUSTOMER_UPDATE, due_at=NOW + 90 * minutes)
    _clock(app, ids["at_risk"], due_at=NOW + 135 * minutes, warn_at=NOW - 5 * minutes)
    _clock(app, ids["paused"])  # no due time while paused
    _clock(app, ids["far"], due_at=NOW + timedelta(days=3, hours=4, minutes=20))
    with app.app_context():
        db.session.add(EscalationTag(escalation_id=ids["at_risk"], name="service_quality"))
        db.session.add(EscalationTag(escalation_id=ids["at_risk"], name="invoicing"))
        db.session.commit()
    return ids


def _rows(html: str) -> dict[str, str]:
    """Each row's text by its escalation title, tags stripped to their text."""
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S):
        title = re.search(r'<a href="/escalations/\d+">([^<]+)</a>', row)
        if title:
            rows[title.group(1)] = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row))
    return rows


def _tab_counts(html: str) -> dict[str, str]:
    nav = re.search(r'<nav class="tabs".*?</nav>', html, re.S).group(0)
    return {
        name.strip(): count
        for name, count in re.findall(r'>([^<>]+?) <span class="count">([^<]+)</span></a>', nav)
    }


def test_rows_show_their_nearest_clock_in_english(app, client, people, book, frozen):
    login(client, app, people["csm"])
    rows = _rows(client.get("/escalations/?view=all").get_data(as_text=True))
    assert "40 min overdue" in rows["Breached one"]
    assert "Resolution" in rows["Breached one"]  # the nearest clock, not the update due later
    assert "2 h 15 min left" in rows["At risk one"] and "At risk" in rows["At risk one"]
    assert "Paused" in rows["Paused one"] and "left" not in rows["Paused one"]
    assert "3 d 4 h left" in rows["Far one"]
    assert "left" not in rows["Clockless one"] and "overdue" not in rows["Clockless one"]
    assert "—" in rows["Clockless one"]


def test_rows_show_their_clock_in_japanese(app, client, people, book, frozen):
    login(client, app, people["csm_ja"])
    rows = _rows(client.get("/escalations/?view=all").get_data(as_text=True))
    assert "40分超過" in rows["Breached one"]
    assert "残り2時間15分" in rows["At risk one"] and "要注意" in rows["At risk one"]
    assert "一時停止中" in rows["Paused one"]


def test_executive_rows_show_the_arr_at_risk(app, client, people, book, frozen):
    login(client, app, people["csm"])
    rows = _rows(client.get("/escalations/?view=all").get_data(as_text=True))
    assert "ARR at risk" in rows["Breached one"] and "12,000,000" in rows["Breached one"]
    assert "ARR at risk" not in rows["At risk one"]


def test_tabs_count_their_views_capped_when_large(app, client, people, book, frozen, monkeypatch):
    login(client, app, people["csm"])
    counts = _tab_counts(client.get("/escalations/").get_data(as_text=True))
    assert counts == {
        "Mine": "0",
        "All open": "5",
        "Executive": "1",
        "SLA at risk": "1",
        "Breached": "1",
        "Unacknowledged handoffs": "0",
        "All": "5",
    }
    monkeypatch.setattr(queries, "TAB_COUNT_CAP", 2)
    counts = _tab_counts(client.get("/escalations/").get_data(as_text=True))
    assert counts["All open"] == "2+" and counts["All"] == "2+" and counts["Executive"] == "1"
    # The tabs count with the other filters kept, as their links show.
    counts = _tab_counts(client.get("/escalations/?q=breached").get_data(as_text=True))
    assert counts["All open"] == "1" and counts["SLA at risk"] == "0"


def test_mine_counts_what_the_user_owns_or_watches_each_once(
    app, client, people, account, make_escalation, frozen, monkeypatch
):
    """ "Mine" is the open escalations the user owns or watches: one both owned and watched
    counts once, resolved ones not at all; the other filters apply; above the cap, "2+"."""
    csm, manager = people["csm"], people["manager"]
    titles = {
        "owned": dict(owner_id=csm, status=Status.NEW),
        "owned high": dict(owner_id=csm, status=Status.INVESTIGATING, severity=Severity.CRITICAL),
        "owned and watched": dict(owner_id=csm, status=Status.NEW),
        "watched": dict(owner_id=manager, status=Status.WAITING_ON_CUSTOMER),
        "watched unowned": dict(owner_id=None, status=Status.NEW),
        "watched resolved": dict(owner_id=manager, status=Status.RESOLVED),
        "owned resolved": dict(owner_id=csm, status=Status.RESOLVED),
        "not mine": dict(owner_id=manager, status=Status.NEW),
    }
    ids = {
        title: make_escalation(account, title=title, **values) for title, values in titles.items()
    }
    with app.app_context():
        db.session.execute(
            escalation_watchers.insert(),
            [
                {"escalation_id": ids[title], "user_id": csm}
                for title in titles
                if title.startswith(("watched", "owned and"))
            ],
        )
        db.session.commit()
    login(client, app, csm)

    def heading_and_tab(query=""):
        html = client.get(f"/escalations/?view=mine{query}").get_data(as_text=True)
        total = re.search(r'<h1>Escalations <span class="count">([^<]+)</span>', html).group(1)
        return total, _tab_counts(html)["Mine"], sorted(_rows(html))

    mine = ["owned", "owned and watched", "owned high", "watched", "watched unowned"]
    assert heading_and_tab() == ("5", "5", mine)
    assert heading_and_tab("&severity=critical") == ("1", "1", ["owned high"])
    assert heading_and_tab("&q=watched") == (
        "3",
        "3",
        ["owned and watched", "watched", "watched unowned"],
    )
    monkeypatch.setattr(queries, "LIST_COUNT_CAP", 2)  # more owned than the cap
    monkeypatch.setattr(queries, "TAB_COUNT_CAP", 4)  # fewer owned, more in all
    assert heading_and_tab()[:2] == ("2+", "4+")


def test_the_list_total_is_capped_and_its_pages_end_there(
    app, client, people, book, frozen, monkeypatch
):
    """Above the cap the heading reads "2+" (not an exact count nobody needs), the pages
    stop at the cap and a note says how to see the others; below it, the exact total."""
    login(client, app, people["csm"])
    html = client.get("/escalations/?view=all").get_data(as_text=True)
    assert '<h1>Escalations <span class="count">5</span></h1>' in html
    assert "Showing the first" not in html
    monkeypatch.setattr(queries, "LIST_COUNT_CAP", 2)
    monkeypatch.setattr(queries, "TAB_COUNT_CAP", 10)
    html = client.get("/escalations/?view=all&page=1").get_data(as_text=True)
    assert '<h1>Escalations <span class="count">2+</span></h1>' in html
    assert "Showing the first 2 escalations: narrow the view with the filters" in html
    # 25 a page: the first page holds all five rows; the cap changes the heading and where
    # the pages end (the first page here)
    assert len(_rows(html)) == 5
    assert 'rel="next"' not in html
    counts = _tab_counts(html)
    assert counts["All"] == "5"  # the tabs have their own cap


@pytest.mark.parametrize("view", ["at_risk", "breached"])
def test_clock_views_list_the_same_rows_however_many_they_hold(
    app, client, people, account, book, make_escalation, frozen, monkeypatch, view
):
    """A clock view starts from its clocks while it holds 99 escalations or fewer, and tests
    each escalation in the list's order once it holds more (issue 15): both ways list the
    same escalations, in the same order, with the same total, and leave out the others."""
    minutes = timedelta(minutes=1)
    for n in range(3):
        eid = make_escalation(account, title=f"Also {view} {n}", status=Status.INVESTIGATING)
        if view == "at_risk":
            _clock(app, eid, due_at=NOW + (60 + n) * minutes, warn_at=NOW - minutes)
        else:
            _clock(app, eid, due_at=NOW - (10 + n) * minutes, breached_at=NOW - minutes)
        _clock(app, eid, ClockKind.CUSTOMER_UPDATE, due_at=NOW + timedelta(days=2))
    # Resolved with a clock still marked: not in either view (only open escalations are).
    done = make_escalation(account, title=f"Resolved {view}", status=Status.RESOLVED)
    _clock(app, done, due_at=NOW - minutes, warn_at=NOW - minutes, breached_at=NOW - minutes)
    login(client, app, people["csm"])

    def listed(sort: str) -> tuple[list[str], str]:
        html = client.get(f"/escalations/?view={view}&sort={sort}").get_data(as_text=True)
        total = re.search(r'<h1>Escalations <span class="count">([^<]+)</span>', html).group(1)
        return list(_rows(html)), total

    expected_titles = {"at_risk": "At risk one", "breached": "Breached one"}[view]
    few = {sort: listed(sort) for sort in ("newest", "oldest", "severity")}
    assert sorted(few["newest"][0]) == sorted(
        [expected_titles] + [f"Also {view} {n}" for n in range(3)]
    )
    assert few["newest"][1] == "4"
    assert few["oldest"][0] == list(reversed(few["newest"][0]))
    monkeypatch.setattr(queries, "TAB_COUNT_CAP", 2)  # four escalations: "many" now
    many = {sort: listed(sort) for sort in ("newest", "oldest", "severity")}
    assert many == few
    # Above the list's cap the running clocks alone say so, without testing each escalation.
    monkeypatch.setattr(queries, "LIST_COUNT_CAP", 2)
    assert listed("newest")[1] == "2+"
    monkeypatch.setattr(queries, "LIST_COUNT_CAP", 5)  # the resolved one's clock not counted
    assert listed("newest")[1] == "4"


def test_list_query_count_stays_the_same_with_more_rows(
    app, client, people, account, book, make_escalation, frozen
):
    login(client, app, people["csm"])
    few = client.get("/escalations/?view=all").headers["X-SQL-Queries"]
    for n in range(4):
        eid = make_escalation(account, title=f"More {n}", status=Status.INVESTIGATING)
        _clock(app, eid, due_at=NOW + timedelta(hours=n + 1))
    assert client.get("/escalations/?view=all").headers["X-SQL-Queries"] == few


def test_tags_show_labels_not_codes(app, client, people, book):
    login(client, app, people["csm"])
    html = client.get("/escalations/?view=all").get_data(as_text=True)
    assert "Service quality" in html and "service_quality" not in html
    assert '<span class="tag">invoicing</span>' in html  # a free word stays as written
    page = client.get(f"/escalations/{book['at_risk']}").get_data(as_text=True)
    assert '<span class="tag">Service quality</span>' in page and "service_quality" not in page
    japanese = app.test_client()
    login(japanese, app, people["csm_ja"])
    assert "サービス品質" in japanese.get("/escalations/?view=all").get_data(as_text=True)


def test_reply_templates_show_the_language_by_name(app, client, login_as):
    login_as("admin")
    html = client.get("/admin/reply-templates").get_data(as_text=True)
    languages = re.findall(r"<td>(English|日本語|en|ja)</td>", html)
    assert "English" in languages and "日本語" in languages
    assert "en" not in languages and "ja" not in languages
    first = re.search(r'href="(/admin/reply-templates/\d+)"', html).group(1)
    form = client.get(first).get_data(as_text=True)
    assert re.search(r'<span class="count">(English|日本語)</span>', form)


def test_status_control_starts_on_the_current_status(app, client, people, book):
    login(client, app, people["csm"])
    html = client.get(f"/escalations/{book['paused']}").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="status".*?</select>', html, re.S).group(0)
    assert re.findall(r"<option selected[^>]*value=\"([^\"]+)\"", select) == ["waiting_on_customer"]
    html = client.get(f"/escalations/{book['at_risk']}").get_data(as_text=True)
    select = re.search(r'<select[^>]*name="status".*?</select>', html, re.S).group(0)
    assert re.findall(r"<option selected[^>]*value=\"([^\"]+)\"", select) == ["investigating"]


def test_an_executive_is_not_offered_to_raise_an_escalation(app, client, people, account):
    login(client, app, people["exec"])
    assert "/escalations/new" not in client.get("/escalations/").get_data(as_text=True)
    assert "Raise escalation" not in client.get(f"/accounts/{account}").get_data(as_text=True)
    worker = app.test_client()
    login(worker, app, people["csm"])
    assert "Raise escalation" in worker.get("/escalations/").get_data(as_text=True)
    assert "Raise escalation" in worker.get(f"/accounts/{account}").get_data(as_text=True)


def test_raise_level_is_not_offered_at_the_top_level(app, client, people, account, make_escalation):
    top = make_escalation(account, status=Status.INVESTIGATING, level=Level.EXECUTIVE)
    level3 = make_escalation(account, status=Status.INVESTIGATING, level=Level.L3)
    login(client, app, people["manager"])
    assert "Raise level" not in client.get(f"/escalations/{top}").get_data(as_text=True)
    assert "Raise level" in client.get(f"/escalations/{level3}").get_data(as_text=True)
    csm = app.test_client()
    login(csm, app, people["csm"])  # a CSM cannot raise to the executive level
    assert "Raise level" not in csm.get(f"/escalations/{level3}").get_data(as_text=True)


def test_ending_a_sponsorship_looks_destructive(app, client, people, account, make_sponsorship):
    sid = make_sponsorship(account, status=SponsorshipStatus.ACTIVE, sponsor_id=people["exec"])
    login(client, app, people["exec"])
    html = client.get(f"/sponsorships/{sid}").get_data(as_text=True)
    form = re.search(rf'<form[^>]*action="/sponsorships/{sid}/exit".*?</form>', html, re.S)
    assert form and "data-confirm=" in form.group(0)
    assert re.search(r'<button type="submit" class="btn btn-danger">', form.group(0))
