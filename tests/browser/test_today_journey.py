"""The Today page as each role starts the day: the blocks that need them, a block's "see all"
landing on the list with the same filter, an executive reading it in Japanese, and the page
on a 390 px wide phone without sideways scrolling. Screenshots go to test-artifacts/."""

import re
from datetime import timedelta

from playwright.sync_api import expect

from app.accounts.models import LifecycleStatus
from app.auth.models import User
from app.escalations.models import Status
from app.extensions import db
from app.sponsorship.models import SponsorshipStatus
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_escalation_journeys import sign_in_anyone, translator
from tests.test_today import add, clock, handoff


def block(page, heading):
    """A block of the Today page, by its heading (the count is part of the heading's name)."""
    return page.get_by_role("region", name=re.compile("^" + re.escape(heading)))


def screenshot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"today-{name}.png"), full_page=True)


def fits(page, width=390) -> bool:
    return page.evaluate(f"document.documentElement.scrollWidth <= {width}")


def day(app, make_user, make_account, make_escalation, make_sponsorship):
    """A CSM's queue with a breached and a running clock and a handoff, a manager, an
    executive sponsoring an account with an executive escalation, an admin."""
    people = {
        "csm": make_user("csm", name="Sakura CSM"),
        "manager": make_user("manager", name="Maria Manager"),
        "exec": make_user("executive", name="Kenji Exec", locale="ja"),
        "admin": make_user("admin", name="Ada Admin"),
    }
    mine = make_account(
        name="Sakura Logistics Holdings International",
        csm_owner_id=people["csm"],
        status=LifecycleStatus.AT_RISK,
    )
    sponsored = make_account(name="Kenji Motors", health_score=35)
    breached = make_escalation(
        mine,
        title="Invoices failing for every customer in the Kansai region since Monday",
        owner_id=people["csm"],
        status=Status.INVESTIGATING,
    )
    running = make_escalation(
        mine, title="Slow reports", owner_id=people["csm"], status=Status.INVESTIGATING
    )
    make_escalation(
        sponsored,
        title="Contract cancellation",
        owner_id=people["manager"],
        status=Status.INVESTIGATING,
        executive=True,
        arr_at_risk_minor=50_000_000,
        arr_at_risk_currency="JPY",
        sponsor_ask="社長に金曜日までに電話してください。",
    )
    make_sponsorship(sponsored, status=SponsorshipStatus.ACTIVE, sponsor_id=people["exec"])
    make_sponsorship(mine, nominated_by_id=people["csm"])
    add(
        app,
        clock(breached, due_in=timedelta(minutes=-40), breached=True),
        clock(running, due_in=timedelta(hours=2, minutes=15)),
        handoff(running, people["csm"], people["manager"], timedelta(hours=2)),
    )
    return people


def test_a_csm_starts_on_today_and_follows_a_block_to_its_list(
    app, new_page, make_user, make_account, make_escalation, make_sponsorship, sign_in
):
    people = day(app, make_user, make_account, make_escalation, make_sponsorship)
    page = new_page()
    sign_in(page, people["csm"])
    expect(page.get_by_role("heading", name="Today for Sakura CSM")).to_be_visible()
    mine = block(page, "My escalations by SLA clock")
    expect(mine.get_by_role("listitem").first).to_contain_text("Invoices failing")
    expect(mine.get_by_role("listitem").first).to_contain_text("overdue")
    expect(mine.get_by_role("listitem").nth(1)).to_contain_text("left")
    expect(block(page, "Handoffs waiting for your acknowledgement")).to_contain_text("Slow reports")
    expect(block(page, "My touchpoints this week")).to_contain_text("No touchpoint planned")
    screenshot(page, "csm")

    mine.get_by_role("link", name="See all my escalations").click()
    expect(page).to_have_url(re.compile(r"/escalations/\?view=mine"))
    expect(page.get_by_role("link", name=re.compile("Invoices failing"))).to_be_visible()


def test_a_manager_sees_the_team_and_lands_on_the_breached_list(
    app, new_page, make_user, make_account, make_escalation, make_sponsorship, sign_in
):
    people = day(app, make_user, make_account, make_escalation, make_sponsorship)
    page = new_page()
    sign_in(page, people["manager"])
    team = block(page, "Breached and at-risk escalations")
    expect(team).to_contain_text("Invoices failing")
    expect(block(page, "Handoffs unacknowledged past their limit")).to_contain_text("Slow reports")
    expect(block(page, "Executive escalations open now")).to_contain_text("¥50,000,000")
    screenshot(page, "manager")

    team.get_by_role("link", name="See breached escalations").click()
    expect(page).to_have_url(re.compile(r"/escalations/\?view=breached"))
    expect(page.get_by_role("link", name=re.compile("Invoices failing"))).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Slow reports"))).to_have_count(0)


def test_an_executive_reads_today_in_japanese(
    app, new_page, make_user, make_account, make_escalation, make_sponsorship
):
    people = day(app, make_user, make_account, make_escalation, make_sponsorship)
    t = translator(app, "ja")
    page = new_page()
    sign_in_anyone(app, page, people["exec"])
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    heading = t("Today for %(name)s") % {"name": "Kenji Exec"}
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    asked = block(page, t("Executive escalations open now"))
    expect(asked).to_contain_text("Contract cancellation")
    expect(asked).to_contain_text("社長に金曜日までに電話してください。")
    expect(asked).to_contain_text(t("High"))  # the severity's label
    expect(block(page, t("My capacity"))).to_contain_text("1 / 5")
    expect(block(page, t("My sponsored accounts needing attention"))).to_contain_text(
        "Kenji Motors"
    )
    screenshot(page, "executive-ja")

    asked.get_by_role("link", name=t("See executive escalations")).click()
    expect(page).to_have_url(re.compile(r"/escalations/\?view=executive"))
    expect(page.get_by_role("link", name=re.compile("Contract cancellation"))).to_be_visible()


def test_an_admin_on_a_phone_390_px_wide(
    app, new_page, make_user, make_account, make_escalation, make_sponsorship, sign_in
):
    people = day(app, make_user, make_account, make_escalation, make_sponsorship)
    with app.app_context():
        user = db.session.get(User, people["admin"])
        user.set_roles(["admin", "csm"])  # the widest page: team, own and admin blocks
        db.session.commit()
    page = new_page()
    sign_in(page, people["admin"])
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/")
    expect(block(page, "Users locked out of signing in")).to_contain_text("Nobody is locked out")
    expect(block(page, "Failed exports this week")).to_be_visible()
    expect(block(page, "Breached and at-risk escalations")).to_contain_text("Invoices failing")
    screenshot(page, "admin-390")
    assert fits(page), "the Today page scrolls sideways at 390 px"
