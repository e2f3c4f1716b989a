"""At phone width (390 px) the pages fit the screen: the top bar folds into a menu, filters
stack, tables scroll inside their own box or become cards, and the escalation's header and
clocks come first. Screenshots go to test-artifacts/phone-*.png for a person to look at."""

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from app.audit import services as audit
from app.auth.models import User
from app.extensions import db
from app.models import utcnow
from tests.browser.conftest import ARTIFACTS
from tests.conftest import raise_at

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def book(app, make_user, make_account, make_contact):
    csm = make_user("csm", name="田中 さくら", email="sakura@example.test")
    account = make_account(
        name="株式会社みなと物流ホールディングス・ジャパン",
        csm_owner_id=csm,
        arr_minor=480_000_000,
        tier="strategic",
    )
    make_contact(account_id=account, name="佐藤 一郎", email="ichiro.sato@minato-logistics.co.jp")
    with app.app_context():
        escalation = raise_at(
            account,
            csm,
            utcnow() - timedelta(hours=3),
            title="出荷システムの障害が3日間継続し、先方の物流部長から解約の検討を示唆された",
        )
        actor = db.session.get(User, csm)
        for score in range(7):  # a history longer than the first few changes
            audit.record(
                actor,
                "escalation",
                escalation.id,
                "update",
                changes={"note": [None, f"確認 {score}: 先方物流部長と電話で状況を共有しました。"]},
                summary=escalation.title,
                account_id=account,
            )
        db.session.commit()
        eid = escalation.id
    return {"csm": csm, "account": account, "escalation": eid}


def fits(page, name):
    """The page does not scroll sideways; its screenshot is kept for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"phone-{name}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{name}: the page is {width} px wide at 390 px"


def test_pages_fit_a_phone(page, sign_in, book):
    sign_in(page, book["csm"])
    page.set_viewport_size(PHONE)

    # The top bar folds into a menu that opens with a tap.
    page.goto("/")
    main_menu = page.get_by_role("navigation", name="Main")
    expect(main_menu).to_be_hidden()
    page.get_by_text("Menu", exact=True).click()
    expect(main_menu.get_by_role("link", name="Accounts")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.get_by_text("Settings", exact=True).click()
    expect(page.get_by_role("link", name="SLA policies")).to_be_visible()
    fits(page, "today-menu-open")
    page.reload()
    expect(main_menu).to_be_hidden()
    fits(page, "today")

    page.goto(f"/escalations/{book['escalation']}")
    title = page.get_by_role("heading", level=1)
    clocks = page.get_by_role("region", name="SLA clocks")
    history = page.locator("section").filter(
        has=page.get_by_role("heading", name="Audit history", exact=True)
    )
    expect(clocks).to_be_visible()
    # The header and the clocks come first: on the first screen, above everything else.
    assert title.bounding_box()["y"] < clocks.bounding_box()["y"] < PHONE["height"]
    assert clocks.bounding_box()["y"] < history.bounding_box()["y"]
    # The history shows its latest changes; the rest wait behind "Show all".
    expect(history.get_by_text(re.compile(r"^確認 6:"))).to_be_visible()
    expect(history.get_by_text(re.compile(r"^確認 0:"))).to_be_hidden()
    fits(page, "escalation")
    history.get_by_text(re.compile(r"^Show all \(\d+\)$")).click()
    expect(history.get_by_text(re.compile(r"^確認 0:"))).to_be_visible()
    fits(page, "escalation-history-open")

    page.goto(f"/accounts/{book['account']}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("株式会社みなと物流")
    fits(page, "account")

    page.goto("/escalations")
    expect(page.get_by_role("link", name=re.compile("出荷システムの障害"))).to_be_visible()
    fits(page, "escalation-list")
