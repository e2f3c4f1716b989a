"""Why is the first response due then? A CSM in Tokyo opens the escalation raised on the Friday
before Golden Week, follows "Why this due time?" on its first-response clock and reads the walk:
the weekend and the holidays skipped (the substitute holiday of Wednesday 6 May by name), the
business hours counted on each side and the due time. Switched to Japanese on the profile,
the same walk reads in Japanese: weekday names, 振替休日.

Set WHY_SCREENSHOTS=1 to save both pages as PNGs in test-artifacts/ for a look by eye."""

import os

from playwright.sync_api import expect

from app.auth.models import User
from app.extensions import db
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_escalation_journeys import clock, sign_in_anyone, translator
from tests.test_clock_explain import raise_on_golden_week


def snapshot(page, name):
    if os.environ.get("WHY_SCREENSHOTS"):
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"why-{name}.png"), full_page=True)


def day_row(page, day_label):
    return page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=day_label))


def test_the_explanation_reads_in_english_then_in_japanese(app, page, make_user, make_account):
    csm = make_user("csm", name="Sakura Ito")
    with app.app_context():
        db.session.get(User, csm).timezone = "Asia/Tokyo"
        db.session.commit()
    escalation = raise_on_golden_week(app, make_account(name="Minato Logistics"), csm)
    sign_in_anyone(app, page, csm)

    page.goto(f"/escalations/{escalation}")
    clock(page, "First response").get_by_role("link", name="Why this due time?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Why this due time? First response")
    expect(
        page.get_by_text("Business hours are counted in Asia/Tokyo, your timezone.")
    ).to_be_visible()
    friday = day_row(page, "Friday, May 1, 2026")
    expect(friday).to_contain_text("1:00\u202fPM – 6:00\u202fPM")
    expect(friday).to_contain_text("7 h 00 min")
    expect(day_row(page, "Saturday, May 2, 2026")).to_contain_text("Weekly day off")
    expect(day_row(page, "Monday, May 4, 2026")).to_contain_text("Public holiday: Greenery Day")
    expect(day_row(page, "Wednesday, May 6, 2026")).to_contain_text(
        "Public holiday: Substitute Holiday"
    )
    thursday = day_row(page, "Thursday, May 7, 2026")
    expect(thursday).to_contain_text("1:00\u202fPM – 2:00\u202fPM")
    expect(thursday).to_contain_text("11 h 00 min")
    expect(page.get_by_text("is reached at 5/7/26, 2:00\u202fPM")).to_be_visible()
    snapshot(page, "en")

    t = translator(app, "ja")
    page.get_by_role("link", name="Sakura Ito", exact=True).click()
    page.get_by_label("Language", exact=True).select_option(label="日本語")
    page.get_by_role("button", name="Save", exact=True).click()
    # Said in the language the profile was saved in; the page after it is in Japanese.
    expect(page.get_by_role("status")).to_have_text("Your profile is saved.")
    expect(page.locator("html")).to_have_attribute("lang", "ja")

    page.goto(f"/escalations/{escalation}")
    first_response = clock(page, t("First response"), t("SLA clocks"))
    first_response.get_by_role("link", name=t("Why this due time?")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(t("First response"))
    expect(day_row(page, "2026年5月1日金曜日")).to_contain_text("7時間00分")
    expect(day_row(page, "2026年5月3日日曜日")).to_contain_text(t("Weekly day off"))
    expect(day_row(page, "2026年5月5日火曜日")).to_contain_text("こどもの日")
    expect(day_row(page, "2026年5月6日水曜日")).to_contain_text("振替休日")
    expect(day_row(page, "2026年5月7日木曜日")).to_contain_text("11時間00分")
    snapshot(page, "ja")
