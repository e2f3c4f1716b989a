"""The escalation list as a CSM starts the day with it: each row's nearest clock as time left
or overdue, the ARR at risk of the executive escalation, and the count on each saved view."""

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from app.auth.models import User
from app.escalations import views as escalation_views
from app.escalations.models import ClockKind, SlaClock, Status
from app.extensions import db
from tests.browser.conftest import ARTIFACTS
from tests.conftest import PASSWORD

NOW = datetime(2030, 6, 3, 1, 0, tzinfo=UTC)


@pytest.fixture
def book(app, make_user, make_account, make_escalation, monkeypatch):
    """A CSM's account with a breached executive escalation, one at risk and one paused."""
    monkeypatch.setattr(escalation_views, "utcnow", lambda: NOW)  # the list reads clocks at NOW
    csm = make_user("csm", name="Sakura CSM")
    account = make_account(name="さくら物流", csm_owner_id=csm, currency="JPY")
    breached = make_escalation(
        account,
        title="Invoices rejected",
        status=Status.INVESTIGATING,
        executive=True,
        threat_cancellation=True,
        arr_at_risk_minor=12_000_000,
        arr_at_risk_currency="JPY",
        owner_id=csm,
    )
    at_risk = make_escalation(account, title="Slow exports", status=Status.INVESTIGATING)
    paused = make_escalation(account, title="Login loop", status=Status.WAITING_ON_CUSTOMER)
    with app.app_context():
        for escalation_id, times in (
            (breached, {"due_at": NOW - timedelta(minutes=40), "breached_at": NOW}),
            (at_risk, {"due_at": NOW + timedelta(minutes=135), "warn_at": NOW}),
            (paused, {}),
        ):
            db.session.add(
                SlaClock(
                    escalation_id=escalation_id,
                    kind=ClockKind.RESOLUTION,
                    started_at=NOW - timedelta(hours=3),
                    target_minutes=240,
                    **times,
                )
            )
        db.session.commit()
    return {"csm": csm, "csm_ja": make_user("csm", name="佐藤 花子", locale="ja")}


def _row(page, title):
    return page.get_by_role("row").filter(has=page.get_by_role("link", name=title, exact=True))


def _sign_in_japanese(app, page, user_id):
    with app.app_context():
        email = db.session.get(User, user_id).email
    page.goto("/login")
    page.get_by_label("E-mail", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="ログアウト")).to_be_visible()


def test_the_list_shows_each_clock_and_the_view_counts(app, page, new_page, sign_in, book):
    sign_in(page, book["csm"])
    page.goto("/escalations/")
    views = page.get_by_role("navigation", name="Saved views")
    expect(views.get_by_role("link", name="All open")).to_have_text("All open 3")
    expect(views.get_by_role("link", name="Mine")).to_have_text("Mine 1")
    expect(views.get_by_role("link", name="Breached")).to_have_text("Breached 1")
    expect(views.get_by_role("link", name="SLA at risk")).to_have_text("SLA at risk 1")

    breached = _row(page, "Invoices rejected")
    expect(breached).to_contain_text("40 min overdue")
    expect(breached).to_contain_text("ARR at risk: ¥12,000,000")
    at_risk = _row(page, "Slow exports")
    expect(at_risk).to_contain_text("2 h 15 min left")
    expect(at_risk).to_contain_text("At risk")
    expect(_row(page, "Login loop")).to_contain_text("Paused")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "list-clocks-en.png"), full_page=True)

    # The Breached view keeps its count and lists the one escalation.
    views.get_by_role("link", name="Breached").click()
    expect(views.get_by_role("link", name="Breached")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("row")).to_have_count(2)  # the header and the breached one

    japanese = new_page()
    _sign_in_japanese(app, japanese, book["csm_ja"])
    japanese.goto("/escalations/")
    expect(_row(japanese, "Invoices rejected")).to_contain_text("40分超過")
    expect(_row(japanese, "Slow exports")).to_contain_text("残り2時間15分")
    expect(_row(japanese, "Login loop")).to_contain_text("一時停止中")
    japanese.screenshot(path=str(ARTIFACTS / "list-clocks-ja.png"), full_page=True)
