"""The charts as a CSM meets them: under the account list, the health and ARR spread of the
accounts the filters select; a tap on a health band filters the list to it; the account page
shows the health trend with dated axis and its numbers behind "Numbers". At desktop and phone
width (390 px) nothing scrolls sideways; the screenshots go to test-artifacts/charts-*.png for
a person to look at."""

import re
from datetime import timedelta

from playwright.sync_api import expect

from app.accounts.models import HealthScoreEntry, Tier
from app.extensions import db
from app.models import utcnow
from tests.browser.conftest import ARTIFACTS, main_nav

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1300, "height": 900}


def look(page, name):
    """Screenshots at desktop and phone width; the page never scrolls sideways."""
    ARTIFACTS.mkdir(exist_ok=True)
    for width, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        page.screenshot(path=str(ARTIFACTS / f"charts-{name}-{width}.png"), full_page=True)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= viewport["width"], f"{name} is {scroll_width} px wide at {width}"
    page.set_viewport_size(DESKTOP)


def test_a_csm_reads_the_spread_of_the_book_and_an_accounts_health_trend(
    page, sign_in, app, make_user, make_account
):
    csm = make_user("csm", name="Sakura Tanaka")
    falling = make_account(
        name="Falling Logistics", csm_owner_id=csm, health_score=30, arr_minor=60_000_000
    )
    make_account(name="Steady Retail", csm_owner_id=csm, health_score=55, arr_minor=150_000_000)
    make_account(name="Happy Bank", health_score=85, arr_minor=450_000_000, tier=Tier.STRATEGIC)
    make_account(name="Dollar Inc", health_score=75, arr_minor=250_000_00, currency="USD")
    now = utcnow()
    with app.app_context():
        db.session.add_all(
            HealthScoreEntry(account_id=falling, score=score, recorded_at=now - timedelta(days=d))
            for d, score in ((420, 82), (240, 70), (150, 61), (60, 44), (7, 30))
        )
        db.session.commit()

    sign_in(page, csm)
    main_nav(page, "Accounts")
    spread = page.get_by_role("region", name="Health and ARR distribution")
    expect(spread.get_by_role("group", name="Health of 4 accounts")).to_be_visible()
    expect(spread.get_by_role("img", name="ARR of 3 accounts in JPY")).to_be_visible()
    # The other currency waits behind its own heading, never added to the yen.
    spread.get_by_text("ARR in USD (1 account)").click()
    expect(spread.get_by_role("img", name="ARR of 1 account in USD")).to_be_visible()
    look(page, "account-list")

    # A health band's label filters the list to that band.
    spread.get_by_role("link", name="Poor (0-39)").click()
    expect(page).to_have_url(re.compile(r"health=poor"))
    expect(page.get_by_role("link", name="Falling Logistics")).to_be_visible()
    expect(page.get_by_role("link", name="Steady Retail")).to_have_count(0)
    expect(page.get_by_role("img", name="Health of 1 account")).to_be_visible()  # no link to itself

    page.get_by_role("link", name="Falling Logistics").click()
    trend = page.get_by_role("region", name="Health score trend")
    chart = trend.get_by_role("img", name=re.compile(r"^Health score from .+: 82, now 30$"))
    expect(chart).to_be_visible()
    expect(chart.locator("circle")).to_have_count(4)  # the scores of the last twelve months
    trend.get_by_text("Numbers", exact=True).click()
    rows = trend.get_by_role("table").get_by_role("row")
    expect(rows).to_have_count(5)  # the header and four scores, newest first
    expect(rows.nth(1)).to_contain_text("30")
    look(page, "account")
