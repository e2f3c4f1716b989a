"""Reports journeys through the UI as people make them: a manager opens Reports from the main
menu over a small book (four accounts of the three tiers, fifteen escalations over four months),
reads the summary and the charts, checks a chart's numbers against what was seeded, filters by
tier, downloads a figure's CSV (which holds what the page showed) and is told next to the field
when the end date is before the start date; an admin brings stale figures up to date with
Refresh now; a Japanese manager reads the page on a phone.

Set REPORT_SCREENSHOTS=1 to save the page (wide in English, 390 px in Japanese) as PNGs in
test-artifacts/ for a look by eye."""

import csv
import io
import os
import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from app.accounts.models import Tier
from app.escalations.models import (
    Category,
    ClockKind,
    EscalationTag,
    Level,
    Severity,
    SlaClock,
    Status,
    Survey,
)
from app.extensions import db
from app.reports import rollup
from app.reports.forms import default_range
from tests.browser.conftest import ARTIFACTS, main_nav
from tests.browser.test_escalation_journeys import sign_in_anyone, translator
from tests.conftest import app_today

TOKYO = ZoneInfo("Asia/Tokyo")
BOM = b"\xef\xbb\xbf"
ACCOUNT_JA = "株式会社さくら物流"

# account key, days before today, category, severity, level, tags, minutes to first response
# and to resolution (None: not yet).
C, S = Category, Severity
BOOK = [
    ("hokuto", 2, C.TECHNICAL, S.CRITICAL, Level.EXECUTIVE, ["outage"], 12, None),
    ("hokuto", 9, C.TECHNICAL, S.HIGH, Level.L2, ["outage", "login"], 25, 240),
    ("hokuto", 16, C.BILLING, S.MEDIUM, Level.L1, ["invoice"], 40, 600),
    ("sakura", 23, C.TECHNICAL, S.HIGH, Level.L1, ["データ連携"], 15, 180),
    ("sakura", 30, C.SERVICE_QUALITY, S.LOW, Level.L1, [], None, None),
    ("hokuto", 37, C.TECHNICAL, S.CRITICAL, Level.L3, ["outage"], 8, 900),
    ("minato", 44, C.BILLING, S.MEDIUM, Level.L1, ["invoice"], 55, 300),
    ("minato", 51, C.POLICY, S.LOW, Level.L1, [], None, None),
    ("sakura", 58, C.BILLING, S.HIGH, Level.EXECUTIVE, ["invoice", "データ連携"], 30, 1200),
    ("kaede", 65, C.TECHNICAL, S.MEDIUM, Level.L2, ["login"], 20, 360),
    ("minato", 72, C.OTHER, S.LOW, Level.L1, [], 90, 480),
    ("kaede", 79, C.BILLING, S.HIGH, Level.L1, ["invoice"], None, None),
    ("hokuto", 86, C.SERVICE_QUALITY, S.MEDIUM, Level.L2, [], 35, 720),
    ("kaede", 93, C.POLICY, S.LOW, Level.L1, [], 60, 200),
    ("minato", 100, C.TECHNICAL, S.HIGH, Level.L1, ["outage"], 18, 150),
]
ACCOUNTS = {
    "hokuto": ("Hokuto Bank", Tier.STRATEGIC),
    "sakura": (ACCOUNT_JA, Tier.STRATEGIC),
    "minato": ("Minato Retail", Tier.ENTERPRISE),
    "kaede": ("Kaede Foods", Tier.GROWTH),
}


# Reading the page ---------------------------------------------------------------------------


def card(page, title):
    """A figure's card: a region named by its heading."""
    return page.get_by_role("region", name=title, exact=True)


def detail(scope, term):
    """The value of a term in a list of details (<dt>term</dt><dd>value</dd>)."""
    return scope.locator("dt", has_text=re.compile(f"^{re.escape(term)}$")).locator(
        "xpath=following-sibling::dd[1]"
    )


def field_of(scope, label):
    """The form field around the labelled control: its label, control and errors."""
    return scope.get_by_label(label, exact=True).locator("xpath=..")


def open_numbers(scope, summary="Numbers"):
    """Open the chart's "Numbers" (a <details>) and return its table, once it shows."""
    table = scope.locator("details.chart-numbers").get_by_role("table")
    expect(table).to_be_hidden()
    scope.locator("summary", has_text=summary).click()
    expect(table).to_be_visible()
    return table


def number_in(table, row_heading):
    """The cells after a row's heading in a numbers table."""
    heading = table.page.get_by_role("rowheader", name=row_heading, exact=True)
    return table.get_by_role("row").filter(has=heading).get_by_role("cell")


def heading_count(page, title, count):
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(rf"^{re.escape(title)}\s*{count}$")
    )


def download(page, link, folder):
    """Click the link, wait for the download, keep it in `folder`; (bytes, suggested name)."""
    with page.expect_download() as info:
        link.click()
    file = info.value
    path = folder / file.suggested_filename
    file.save_as(path)
    return path.read_bytes(), file.suggested_filename


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(BOM), data[:20]
    return list(csv.reader(io.StringIO(data[len(BOM) :].decode("utf-8"), newline="")))


def fits_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def snapshot(page, name):
    if os.environ.get("REPORT_SCREENSHOTS"):
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"reports-{name}.png"), full_page=True)


# Set-up (data through the factories, figures by the rollup as the scheduler would) ----------


def at(day: date, hour: int = 12) -> datetime:
    """Noon (or the hour) of a Tokyo day, in UTC."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=TOKYO).astimezone(UTC)


def seeded_days(app) -> list[date]:
    today = app_today(app)
    return [today - timedelta(days=row[1]) for row in BOOK]


def seed_book(app, make_account, make_escalation):
    """The accounts and escalations of BOOK, with tags, first-response clocks and two answered
    surveys; the figures computed by the rollup. {account key: id}."""
    accounts = {key: make_account(name=name, tier=tier) for key, (name, tier) in ACCOUNTS.items()}
    made = []
    for (key, _back, category, severity, level, tags, fr, res), day in zip(
        BOOK, seeded_days(app), strict=True
    ):
        created = at(day, 10)
        status = Status.RESOLVED if res else Status.INVESTIGATING if fr else Status.NEW
        made.append(
            (
                make_escalation(
                    accounts[key],
                    title=f"{category.value} issue {day}",
                    category=category,
                    severity=severity,
                    level=level,
                    executive=level == Level.EXECUTIVE,
                    status=status,
                    created_at=created,
                    first_response_at=created + timedelta(minutes=fr) if fr else None,
                    first_response_minutes=fr,
                    resolved_at=created + timedelta(minutes=res) if res else None,
                    resolution_minutes=res,
                ),
                created,
                tags,
                fr,
            )
        )
    with app.app_context():
        for escalation_id, created, tags, fr in made:
            db.session.add_all(EscalationTag(escalation_id=escalation_id, name=t) for t in tags)
            if fr:
                met = fr <= 30
                db.session.add(
                    SlaClock(
                        escalation_id=escalation_id,
                        kind=ClockKind.FIRST_RESPONSE,
                        started_at=created,
                        target_minutes=30,
                        met=met,
                        stopped_at=created + timedelta(minutes=fr),
                        breached_at=None if met else created + timedelta(minutes=30),
                    )
                )
        for (escalation_id, created, _tags, _fr), score in ((made[1], 5), (made[6], 3)):
            db.session.add(
                Survey(
                    escalation_id=escalation_id,
                    email="customer@example.test",
                    language="en",
                    nonce=f"report-journey-{escalation_id}",
                    sent_at=created + timedelta(days=1),
                    expires_at=created + timedelta(days=15),
                    answered_at=created + timedelta(days=2),
                    score=score,
                )
            )
        db.session.commit()
        rollup.refresh(datetime.now(UTC))
        db.session.commit()
    return accounts


# 1 ---------------------------------------------------------------------------------------


def test_a_manager_reads_checks_filters_and_downloads_the_reports(
    app, page, make_user, make_account, make_escalation, sign_in, tmp_path
):
    seed_book(app, make_account, make_escalation)
    manager = make_user("manager", name="Mika Manager")
    start, end = default_range(app_today(app))

    sign_in(page, manager)
    main_nav(page, "Reports")
    heading_count(page, "Reports and trends", 15)
    expect(page.get_by_role("button", name="Refresh now")).to_have_count(0)  # admins only
    expect(page.get_by_label("Created from", exact=True)).to_have_value(start.isoformat())
    expect(page.get_by_label("Created until", exact=True)).to_have_value(end.isoformat())
    expect(page.get_by_text("Figures as of", exact=False)).to_be_visible()

    summary = card(page, "Summary")
    expect(detail(summary, "Escalations")).to_have_text("15")
    expect(detail(summary, "Reached executive level")).to_have_text("13%")  # 2 of 15
    expect(detail(summary, "First response SLA met")).to_have_text("58%")  # 7 of 12 clocks
    expect(detail(summary, "CSAT average")).to_have_text("4.00")  # 5 and 3
    expect(detail(summary, "Repeat accounts")).to_have_text("3")  # all but Kaede Foods

    # Each chart is an SVG image named by its <title>, each bar with a tooltip.
    for title in (
        "Escalations by month",
        "Escalations by category",
        "Escalations by level reached",
        "Escalations by tag (top 10)",
        "Escalations by account (top 10)",
        "Escalations by severity",
        "Post-mortem root causes",
    ):
        chart = card(page, title).get_by_role("img", name=title, exact=True)
        expect(chart).to_be_visible()
        expect(chart.locator("title").first).to_have_text(title)
    category_chart = card(page, "Escalations by category").get_by_role("img")
    expect(category_chart.locator("g > title")).to_have_text(
        ["Technical: 6", "Billing: 4", "Service quality: 2", "Policy: 2", "Other: 1"]
    )
    expect(
        card(page, "Escalations by account (top 10)").get_by_role("img").locator("g > title")
    ).to_have_text(["Hokuto Bank: 5", "Minato Retail: 4", "Kaede Foods: 3", f"{ACCOUNT_JA}: 3"])
    expect(
        card(page, "Share that reached executive level").get_by_role(
            "img", name="Share that reached executive level: 13%", exact=True
        )
    ).to_be_visible()

    # The numbers under the charts are what was seeded.
    categories = open_numbers(card(page, "Escalations by category"))
    expect(number_in(categories, "Technical")).to_have_text(["6"])
    expect(number_in(categories, "Billing")).to_have_text(["4"])
    expect(number_in(categories, "Other")).to_have_text(["1"])
    months = open_numbers(card(page, "Escalations by month"))
    per_month = Counter(day.strftime("%Y-%m") for day in seeded_days(app))
    for month, count in per_month.items():
        expect(number_in(months, month)).to_have_text([str(count)])
    tags = open_numbers(card(page, "Escalations by tag (top 10)"))
    expect(number_in(tags, "outage")).to_have_text(["4"])
    expect(number_in(tags, "invoice")).to_have_text(["4"])
    expect(number_in(tags, "データ連携")).to_have_text(["2"])
    snapshot(page, "wide")

    # Growth accounts only: Kaede Foods' three escalations.
    page.get_by_label("Tier", exact=True).select_option(label="Growth")
    page.get_by_role("button", name="Apply", exact=True).click()
    heading_count(page, "Reports and trends", 3)
    expect(page).to_have_url(re.compile(r"tier=growth"))
    expect(page.get_by_label("Tier", exact=True)).to_have_value("growth")
    expect(detail(card(page, "Summary"), "Escalations")).to_have_text("3")
    expect(
        card(page, "Escalations by account (top 10)").get_by_role("img").locator("g > title")
    ).to_have_text(["Kaede Foods: 3"])
    growth_categories = open_numbers(card(page, "Escalations by category"))
    expect(number_in(growth_categories, "Technical")).to_have_text(["1"])

    # The figure's CSV holds what the page shows, with the page's filters.
    data, name = download(
        page,
        card(page, "Escalations by category").get_by_role("link", name="Download CSV"),
        tmp_path,
    )
    assert name == f"by_category-{start.isoformat()}-{end.isoformat()}.csv"
    rows = csv_rows(data)
    assert rows[0] == ["Category", "Escalations"]
    assert {label: n for label, n in rows[1:] if n != "0"} == {
        "Technical": "1",
        "Billing": "1",
        "Policy": "1",
    }

    # An end before the start: told next to the end date, no figures.
    page.get_by_label("Created from", exact=True).fill((end - timedelta(days=10)).isoformat())
    page.get_by_label("Created until", exact=True).fill((end - timedelta(days=20)).isoformat())
    page.get_by_role("button", name="Apply", exact=True).click()
    until = field_of(page, "Created until")
    expect(until.get_by_role("alert")).to_have_text(
        "The end date must be on or after the start date."
    )
    expect(page.get_by_label("Created until", exact=True)).to_have_attribute("aria-invalid", "true")
    expect(field_of(page, "Created from").get_by_role("alert")).to_have_count(0)
    expect(page.get_by_role("heading", level=1)).to_have_text("Reports and trends")
    expect(page.get_by_role("img", name="Escalations by month")).to_have_count(0)
    expect(page.get_by_label("Tier", exact=True)).to_have_value("growth")  # kept


# 2 ---------------------------------------------------------------------------------------


def test_an_admin_brings_stale_figures_up_to_date_with_refresh_now(
    app, page, make_user, make_account, make_escalation, sign_in
):
    accounts = seed_book(app, make_account, make_escalation)
    # Raised after the figures were computed: not counted until the next refresh.
    make_escalation(
        accounts["kaede"],
        title="Late invoice run",
        category=Category.BILLING,
        created_at=at(app_today(app) - timedelta(days=1), 9),
    )
    admin = make_user("admin", name="Aiko Admin")

    sign_in(page, admin)
    main_nav(page, "Reports")
    heading_count(page, "Reports and trends", 15)
    page.get_by_label("Tier", exact=True).select_option(label="Growth")
    page.get_by_role("button", name="Apply", exact=True).click()
    heading_count(page, "Reports and trends", 3)

    page.get_by_role("button", name="Refresh now", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("The report figures are up to date.")
    heading_count(page, "Reports and trends", 4)  # the filters kept, the new one counted
    expect(page.get_by_label("Tier", exact=True)).to_have_value("growth")
    categories = open_numbers(card(page, "Escalations by category"))
    expect(number_in(categories, "Billing")).to_have_text(["2"])


# 3 ---------------------------------------------------------------------------------------


def test_a_japanese_manager_reads_the_reports_on_a_phone(
    app, page, make_user, make_account, make_escalation
):
    t = translator(app, "ja")
    seed_book(app, make_account, make_escalation)
    manager = make_user("manager", name="佐藤 美香", locale="ja")
    page.set_viewport_size({"width": 390, "height": 844})

    sign_in_anyone(app, page, manager)
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    main_nav(page, t("Reports"), t("Main"))
    heading_count(page, t("Reports and trends"), 15)
    expect(detail(card(page, t("Summary")), t("Escalations"))).to_have_text("15")
    by_category = card(page, t("Escalations by category"))
    chart = by_category.get_by_role("img", name=t("Escalations by category"), exact=True)
    expect(chart).to_be_visible()
    expect(chart.locator("g > title").first).to_have_text(f"{t('Technical')}: 6")
    expect(number_in(open_numbers(by_category, t("Numbers")), t("Technical"))).to_have_text(["6"])
    expect(by_category.get_by_role("link", name=t("Download CSV"))).to_be_visible()

    # Every chart keeps within its card and the page does not scroll sideways.
    expect(page.locator("svg.chart").first).to_be_visible()
    assert fits_width(page)
    overflowing = page.locator("svg.chart").evaluate_all(
        """charts => charts.filter(svg => {
             const box = svg.getBoundingClientRect();
             const card = svg.closest('.card').getBoundingClientRect();
             return box.left < card.left - 0.5 || box.right > card.right + 0.5;
           }).map(svg => svg.getAttribute('aria-labelledby'))"""
    )
    assert overflowing == []
    snapshot(page, "ja-390")

    # The date check speaks Japanese too, next to the field.
    today = app_today(app)
    page.get_by_label(t("Created from"), exact=True).fill(today.isoformat())
    page.get_by_label(t("Created until"), exact=True).fill((today - timedelta(1)).isoformat())
    page.get_by_role("button", name=t("Apply"), exact=True).click()
    expect(field_of(page, t("Created until")).get_by_role("alert")).to_have_text(
        t("The end date must be on or after the start date.")
    )
    assert fits_width(page)
