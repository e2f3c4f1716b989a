"""Issue 14's charts, drawn on the server as SVG (no script, no style attribute, so the CSP
allows them and WeasyPrint draws them too): an account's dated health trend, the health and
ARR spread of the accounts a list filter selects (ARR per currency, never added across
currencies), sponsored and not sponsored side by side on the program results, a
sponsorship's baseline and today. Each has a title and its numbers in text."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import render_template_string
from flask_babel import force_locale

from app.accounts import charts, services
from app.accounts.models import Account, HealthScoreEntry, LifecycleStatus, Tier
from app.auth.models import User
from app.extensions import db
from app.models import utcnow
from app.sponsorship.models import SponsorshipStatus
from tests.conftest import login
from tests.test_briefs import pdf_text
from tests.test_review import signed_in, sponsoring

NOW = datetime(2026, 6, 15, 3, 0, tzinfo=UTC)  # noon in Tokyo, the app's default zone


def add_scores(app, account_id, scores):
    """HealthScoreEntry rows of the account: [(recorded_at, score)]."""
    with app.app_context():
        db.session.add_all(
            HealthScoreEntry(account_id=account_id, score=score, recorded_at=at)
            for at, score in scores
        )
        db.session.commit()


def svg(html: str, chart_id: str) -> str:
    """The <svg> element titled by `chart_id`-title."""
    at = html.index(f'aria-labelledby="{chart_id}-title"')
    start = html.rindex("<svg", 0, at)
    return html[start : html.index("</svg>", at) + len("</svg>")]


def texts(fragment: str) -> list[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>", fragment)


# ---- the health trend --------------------------------------------------------------------


def trend_of(app, account_id, now=NOW, locale="en"):
    with app.test_request_context(), force_locale(locale):
        trend = charts.health_trend(account_id, now)
        return trend, trend.ticks(), trend.path(), trend.marks(), trend.rows()


def test_a_year_of_scores_starts_from_the_score_in_force_and_labels_month_starts(app, make_account):
    account = make_account()
    add_scores(
        app,
        account,
        [
            (NOW - timedelta(days=400), 80),  # before the window: the line starts from it
            (NOW - timedelta(days=200), 60),
            (NOW - timedelta(days=100), 45),
            (NOW - timedelta(days=10), 72),
        ],
    )
    trend, ticks, path, marks, rows = trend_of(app, account)
    assert trend.drawable and trend.carried == 80
    assert [p.score for p in trend.points] == [60, 45, 72]
    # A stepped line: the score holds until the next one, and on to today.
    assert path[0] == (0.0, 80) and path[-1] == (1.0, 72)
    assert [v for _x, v in path] == [80, 80, 60, 60, 45, 45, 72, 72]
    assert [round(x, 3) for x, _v, _t in marks] == [
        round(165 / 365, 3),
        round(265 / 365, 3),
        round(355 / 365, 3),
    ]
    # Month starts in Tokyo, four at most, the year where it changes.
    assert [label for _x, label in ticks] == ["Aug 2025", "Nov", "Feb 2026", "May"]
    assert all(0.06 <= x <= 0.94 for x, _label in ticks)
    assert rows[0][1] == 72 and rows[0][0] == "Jun 5, 2026"  # newest first
    assert marks[-1][2] == "Jun 5, 2026: 72"
    _t, ja_ticks, *_rest = trend_of(app, account, locale="ja")
    assert [label for _x, label in ja_ticks] == ["2025年8月", "11月", "2026年2月", "5月"]


def test_a_short_history_labels_days_and_starts_at_its_first_score(app, make_account):
    account = make_account()
    add_scores(app, account, [(NOW - timedelta(days=30), 50), (NOW - timedelta(days=3), 65)])
    trend, ticks, path, marks, _rows = trend_of(app, account)
    assert trend.carried is None and path[0] == (0.0, 50) and path[-1] == (1.0, 65)
    assert [label for _x, label in ticks] == ["May 16", "May 26", "Jun 5", "Jun 15"]
    assert len(marks) == 2


def test_at_most_sixty_scores_are_drawn_the_latest_ones(app, make_account):
    account = make_account()
    add_scores(app, account, [(NOW - timedelta(days=d), d % 100) for d in range(1, 71)])
    trend, *_rest = trend_of(app, account)
    assert len(trend.points) == charts.TREND_POINTS == 60
    assert trend.carried is None  # the 61st is not "the score before": there are more
    assert trend.points[0].at == NOW - timedelta(days=60)
    assert trend.points[-1].at == NOW - timedelta(days=1)


@pytest.mark.parametrize(
    "scores", [[], [(NOW - timedelta(days=5), 70)], [(NOW - timedelta(days=500), 70)]]
)
def test_fewer_than_two_scores_make_no_trend(app, make_account, scores):
    account = make_account()
    add_scores(app, account, scores)
    trend, *_rest = trend_of(app, account)
    assert not trend.drawable


def test_the_account_page_draws_the_trend_with_its_numbers(app, client, make_user, make_account):
    csm = make_user("csm")
    account = make_account(csm_owner_id=csm)
    now = utcnow()
    add_scores(
        app,
        account,
        [
            (now - timedelta(days=500), 30),
            (now - timedelta(days=90), 55),
            (now - timedelta(days=40), 75),
            (now - timedelta(days=2), 68),
        ],
    )
    login(client, app, csm)
    html = client.get(f"/accounts/{account}").get_data(as_text=True)
    chart = svg(html, "chart-health-trend")
    assert chart.count('class="chart-point"') == 3  # the scores of the last twelve months
    assert 'role="img"' in chart and "<title" in chart
    assert re.search(
        r'<title id="chart-health-trend-title">Health score from [^<]+: 30, now 68<', chart
    )
    assert ["0", "40", "70", "100"] == texts(chart)[:4]  # the score band and its edges
    assert len([t for t in texts(chart)[4:] if re.fullmatch(r"[A-Z][a-z]{2}( \d{4})?", t)]) >= 3
    assert "style=" not in chart and "<script" not in chart
    numbers = html.split('id="health-trend"')[1].split("</section>")[0]
    assert numbers.count('<th scope="row">') == 3  # one row per score drawn
    assert '<td class="num">68</td>' in numbers


def test_the_account_page_says_when_there_is_no_trend_yet(app, client, make_user, make_account):
    csm = make_user("csm")
    account = make_account(csm_owner_id=csm)
    add_scores(app, account, [(utcnow() - timedelta(days=3), 64)])
    login(client, app, csm)
    html = client.get(f"/accounts/{account}").get_data(as_text=True)
    assert "chart-health-trend" not in html
    assert "Not enough health history for a trend yet" in html
    assert "Latest score: 64 on" in html


def test_the_account_page_queries_do_not_grow_with_the_health_history(
    app, client, make_user, make_account
):
    csm = make_user("csm")
    account = make_account(csm_owner_id=csm)
    login(client, app, csm)
    add_scores(app, account, [(utcnow() - timedelta(days=2), 50)])
    few = client.get(f"/accounts/{account}").headers["X-SQL-Queries"]
    add_scores(app, account, [(utcnow() - timedelta(days=d, hours=1), d) for d in range(3, 100)])
    many = client.get(f"/accounts/{account}")
    assert svg(many.get_data(as_text=True), "chart-health-trend").count("chart-point") == 60
    assert many.headers["X-SQL-Queries"] == few


def test_the_account_page_in_japanese(app, client, make_user, make_account):
    csm = make_user("csm", locale="ja")
    account = make_account(csm_owner_id=csm, name="株式会社みなと物流")
    now = utcnow()
    add_scores(app, account, [(now - timedelta(days=d), 40 + d % 50) for d in (300, 200, 100, 5)])
    login(client, app, csm)
    response = client.get(f"/accounts/{account}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    chart = svg(html, "chart-health-trend")
    assert any(re.fullmatch(r"\d{4}年\d{1,2}月", t) for t in texts(chart))  # dated axis in ja
    assert '<th class="num" scope="col">ヘルススコア</th>' in html  # the numbers' header
    assert "株式会社みなと物流" in html


# ---- the account list's spread ------------------------------------------------------------


@pytest.fixture
def book(make_account):
    """Three JPY accounts (one in each health band) and a USD one without a score."""
    return {
        "poor": make_account(health_score=10, arr_minor=5_000_000, tier=Tier.STRATEGIC),
        "fair": make_account(health_score=50, arr_minor=60_000_000, tier=Tier.GROWTH),
        "good": make_account(health_score=90, arr_minor=400_000_000, tier=Tier.STRATEGIC),
        "usd": make_account(health_score=None, arr_minor=15_000_000, currency="USD"),
    }


def distribution(app, args=None, locale="en"):
    from werkzeug.datastructures import MultiDict

    with app.test_request_context(), force_locale(locale):
        user = db.session.scalar(sa.select(User).limit(1))
        filters = services.AccountFilters.from_args(MultiDict(args or {}))
        stmt = services.filtered_accounts(filters, user, date.today())
        d = charts.book_distribution(stmt)
        return d, [[(b.label, b.count) for b in cb.bands] for cb in d.arr]


def test_the_spread_counts_health_bands_and_arr_bands_per_currency(app, make_user, book):
    make_user("csm")
    d, arr = distribution(app)
    assert d.total == 4
    assert [(b.key, b.label, b.count) for b in d.health] == [
        ("poor", "Poor (0-39)", 1),
        ("fair", "Fair (40-69)", 1),
        ("good", "Good (70-100)", 1),
        (None, "No score", 1),
    ]
    assert [(cb.currency, cb.total) for cb in d.arr] == [("JPY", 3), ("USD", 1)]
    assert arr[0] == [
        ("Under ¥10M", 1),
        ("¥10M–¥50M", 0),
        ("¥50M–¥100M", 1),
        ("¥100M–¥300M", 0),
        ("¥300M and over", 1),
    ]
    assert arr[1] == [
        ("Under $100K", 0),
        ("$100K–$500K", 1),
        ("$500K–$1M", 0),
        ("$1M–$2M", 0),
        ("$2M and over", 0),
    ]
    # The list's filters apply: only the strategic accounts.
    d, arr = distribution(app, {"tier": "strategic"})
    assert d.total == 2 and [b.count for b in d.health] == [1, 0, 1]
    assert [cb.currency for cb in d.arr] == ["JPY"]
    _d, ja = distribution(app, locale="ja")
    assert "￥1000万" in ja[0][0][0]  # compact amounts in Japanese


def test_the_list_draws_both_charts_under_the_accounts(app, client, login_as, book):
    login_as("csm")
    html = client.get("/accounts/").get_data(as_text=True)
    health = svg(html, "chart-health-bands")
    assert "Health of 4 accounts" in health
    assert 'role="group"' in health  # it holds links: a group, not an image
    assert texts(health) == [
        "Poor (0-39)",
        "1",
        "Fair (40-69)",
        "1",
        "Good (70-100)",
        "1",
        "No score",
        "1",
    ]
    # A band's label filters the list to it.
    assert re.search(r'<a href="/accounts/\?health=poor[^"]*">', health)
    jpy = svg(html, "chart-arr-jpy")
    assert "ARR of 3 accounts in JPY" in jpy and jpy.count("<rect") == 5
    assert "¥300M and over" in jpy
    # The other currency is folded under the dominant one, never added to it.
    assert re.search(r"<summary>ARR in USD \(1 account\)</summary>", html)
    assert "$100K–$500K" in svg(html, "chart-arr-usd")
    assert html.index('id="distribution"') > html.index("</table>")  # under the list
    assert "style=" not in html.split('id="distribution"')[1]


def test_the_list_follows_its_filter_and_has_no_chart_when_nothing_matches(client, login_as, book):
    login_as("csm")
    html = client.get("/accounts/?tier=strategic").get_data(as_text=True)
    assert "Health of 2 accounts" in html
    assert re.search(r'href="/accounts/\?tier=strategic&amp;health=poor[^"]*"', html)
    assert "chart-arr-usd" not in html
    empty = client.get("/accounts/?q=nothing-like-this").get_data(as_text=True)
    assert 'id="distribution"' not in empty


def test_the_list_adds_one_query_however_many_accounts(app, client, login_as, make_account):
    login_as("csm")
    for n in range(3):
        make_account(currency=["JPY", "USD", "EUR"][n])
    few = client.get("/accounts/").headers["X-SQL-Queries"]
    for n in range(40):
        make_account(currency=["JPY", "USD", "EUR", "GBP"][n % 4], health_score=n * 2)
    response = client.get("/accounts/")
    assert response.headers["X-SQL-Queries"] == few
    # user, ids, count, rows, owners, unread, and the one grouped query of the charts
    assert int(few) <= 7


def test_the_list_reuses_its_counts_for_a_minute_and_says_when_they_were_counted(
    app, client, login_as, book, make_account
):
    app.config["ACCOUNT_CHART_SECONDS"] = 60  # as deployed (tests count on every page)
    charts.forget_recent_counts()
    try:
        login_as("csm")
        html = client.get("/accounts/").get_data(as_text=True)
        assert "Health of 4 accounts" in html
        assert re.search(r'id="distribution-as-of">Figures as of [^<]+\.</p>', html)
        # Another process turns the poor account good (SQL, not this process's ORM): the
        # chart keeps what it counted, dated; the list's rows are read live.
        with app.app_context():
            db.session.execute(
                sa.update(Account).where(Account.id == book["poor"]).values(health_score=95)
            )
            db.session.commit()
        html = client.get("/accounts/").get_data(as_text=True)
        assert texts(svg(html, "chart-health-bands"))[:2] == ["Poor (0-39)", "1"]
        assert ">95<" in html.split('id="distribution"')[0]
        # Another filter is another selection: counted now.
        strategic = client.get("/accounts/?tier=strategic").get_data(as_text=True)
        assert texts(svg(strategic, "chart-health-bands"))[:2] == ["Poor (0-39)", "0"]
        # An account added in this process (as the new-account form does): counted at once.
        make_account(health_score=20)
        html = client.get("/accounts/").get_data(as_text=True)
        assert "Health of 5 accounts" in html
        assert texts(svg(html, "chart-health-bands"))[:6] == [
            "Poor (0-39)", "1", "Fair (40-69)", "1", "Good (70-100)", "2"
        ]  # fmt: skip
        # Kept a minute at most: past it the same selection is counted again.
        with app.test_request_context():
            user = db.session.scalar(sa.select(User).limit(1))
            filters = services.AccountFilters()
            stmt = services.filtered_accounts(filters, user, date.today())
            key = filters.selection_key(user, date.today())
            db.session.execute(sa.update(Account).values(health_score=90))
            db.session.commit()
            kept = charts.recent_book_distribution(stmt, key, utcnow(), 60)
            assert [b.count for b in kept.health][:3] == [1, 1, 2]
            later = utcnow() + timedelta(seconds=61)
            fresh = charts.recent_book_distribution(stmt, key, later, 60)
            assert [b.count for b in fresh.health][:3] == [0, 0, 5]
            assert fresh.counted_at == later
    finally:
        app.config["ACCOUNT_CHART_SECONDS"] = 0
        charts.forget_recent_counts()


def test_the_list_in_japanese(client, login_as, book):
    login_as("csm", locale="ja")
    response = client.get("/accounts/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    jpy = svg(html, "chart-arr-jpy")
    assert "￥3億" in jpy  # compact amounts in Japanese
    assert "危険（0〜39）" in svg(html, "chart-health-bands")


# ---- sponsorship: baseline and today -------------------------------------------------------


def sponsorship_page(app, make_user, make_account, make_sponsorship, baseline, **account):
    executive = make_user("executive")
    account_id, sponsorship_id = sponsoring(make_account, make_sponsorship)(
        executive, baseline=baseline, **account
    )
    return signed_in(app, executive).get(f"/sponsorships/{sponsorship_id}").get_data(as_text=True)


def test_a_sponsorship_draws_baseline_and_today_side_by_side(
    app, make_user, make_account, make_sponsorship
):
    baseline = {"health": 40, "nps": 5, "arr_minor": 1_000_000, "currency": "JPY"}
    baseline |= {"open_escalations": 2, "escalations_90d": 3}
    html = sponsorship_page(
        app,
        make_user,
        make_account,
        make_sponsorship,
        baseline,
        health_score=70,
        arr_minor=1_200_000,
    )
    chart = svg(html, "chart-baseline")
    assert chart.count('class="chart-bar"') == 4  # health and ARR, at entry and today
    assert texts(chart) == [
        "At entry",
        "Today",
        "Health score",
        "40",
        "70",
        "ARR",
        "¥1,000,000",
        "¥1,200,000",
    ]
    widths = [
        float(w)
        for w in re.findall(r'class="chart-bar" x="[\d.]+" y="\d+" width="([\d.]+)"', chart)
    ]
    assert abs(widths[1] / widths[0] - 70 / 40) < 0.01  # health on its 0-100 scale
    assert "<title>Today: 70</title>" in chart


def test_a_sponsorship_whose_currency_changed_draws_no_arr(
    app, make_user, make_account, make_sponsorship
):
    baseline = {"health": 40, "nps": 5, "arr_minor": 1_000_000, "currency": "USD"}
    baseline |= {"open_escalations": 0, "escalations_90d": 0}
    html = sponsorship_page(app, make_user, make_account, make_sponsorship, baseline)
    chart = svg(html, "chart-baseline")
    assert chart.count('class="chart-bar"') == 2 and "ARR" not in texts(chart)
    assert "The ARR is not drawn: its currency changed from USD to JPY." in html


# ---- program results ------------------------------------------------------------------------


def test_program_results_draw_sponsored_and_not_side_by_side(
    app, make_user, make_account, make_sponsorship
):
    executive = make_user("executive")
    make = sponsoring(make_account, make_sponsorship)
    make(executive, health_score=80)
    make(executive, health_score=60, status=SponsorshipStatus.EXIT_REVIEW)
    make_account(status=LifecycleStatus.CHURNED)
    make_account()
    client = signed_in(app, make_user("admin"))
    response = client.get("/sponsorships/results")
    assert response.status_code == 200
    chart = svg(response.get_data(as_text=True), "chart-results")
    assert chart.count('class="chart-pair"') == 5
    assert texts(chart)[:2] == ["Sponsored", "Not sponsored"]
    assert "Churned accounts (share of the group)" in texts(chart)
    assert "50%" in texts(chart)  # one of the two accounts not sponsored churned
    # No renewal fell due: no bar, a dash.
    renewal = chart.split('class="chart-pair"')[1]
    assert "chart-bar" not in renewal and "—" in renewal


# ---- the macros themselves ----------------------------------------------------------------

PAIRED = """{% import "_macros/charts.html" as charts %}
{{ charts.paired_bars(rows, [('A', charts.PRIMARY), ('B', charts.MUTED)], 'Pairs', 'c-p') }}"""


def test_paired_bars_draw_decreases_left_of_a_middle_line(app):
    rows = [
        {"label": "Change", "values": [-5.0, 10.0], "texts": ["-5.0", "+10.0"]},
        {"label": "Count", "values": [None, 3], "texts": ["—", "3"]},
    ]
    with app.test_request_context():
        html = render_template_string(PAIRED, rows=rows)
    bars = re.findall(r'class="chart-bar" x="([\d.]+)" y="\d+" width="([\d.]+)"', html)
    (neg_x, neg_w), (pos_x, pos_w), (count_x, _w) = [(float(x), float(w)) for x, w in bars]
    assert neg_x + neg_w == pytest.approx(180) and pos_x == pytest.approx(180)  # the middle
    assert pos_w == pytest.approx(2 * neg_w, rel=0.01)
    assert count_x == 4  # no decrease in that row: bars start at the left
    assert len(bars) == 3  # the unknown value has no bar, only its dash
    assert "style=" not in html


def test_the_account_brief_pdf_carries_the_health_trend(
    app, make_user, make_account, make_sponsorship, tmp_path
):
    executive = make_user("executive")
    account_id, _s = sponsoring(make_account, make_sponsorship)(executive, name="Initech")
    now = utcnow()
    add_scores(app, account_id, [(now - timedelta(days=d), 30 + d // 10) for d in (250, 120, 20)])
    response = signed_in(app, executive).get(f"/review/accounts/{account_id}/brief.pdf")
    assert response.status_code == 200
    text = pdf_text(response.data, tmp_path)
    assert "Health score trend" in text and "Bands: poor 0-39" in text
    _trend, ticks, *_rest = trend_of(app, account_id, now)
    axis = [line for line in text.splitlines() if ticks[0][1] in line]
    assert axis and all(label in axis[0] for _x, label in ticks), (ticks, axis)  # dated axis


def test_above_the_cap_the_list_says_so_and_the_chart_has_the_whole_selection(
    client, login_as, book, monkeypatch
):
    """The list counts its rows up to the cap ("2+") and its pages end there; the chart
    under it still counts every account the filters select."""
    from app.accounts import views

    login_as("csm")
    html = client.get("/accounts/").get_data(as_text=True)
    assert '<h1>Accounts <span class="count">4</span></h1>' in html
    assert "Showing the first" not in html
    monkeypatch.setattr(views, "LIST_COUNT_CAP", 2)
    html = client.get("/accounts/").get_data(as_text=True)
    assert '<h1>Accounts <span class="count">2+</span></h1>' in html
    assert "Showing the first 2 accounts: narrow the list with the filters or the search" in html
    assert "Health of 4 accounts" in html


def test_arr_band_labels_kept_per_language_read_in_each(app):
    """The band labels are worked out once per currency and language, each in its own."""
    with app.test_request_context():
        with force_locale("en"):
            english = charts.arr_band_labels("JPY")
        with force_locale("ja"):
            japanese = charts.arr_band_labels("JPY")
        with force_locale("en"):
            again = charts.arr_band_labels("JPY")
    assert english[0] == "Under ¥10M" and english[-1] == "¥300M and over"
    assert japanese[-1].endswith("以上") and "億" in japanese[-1]
    assert again == english
