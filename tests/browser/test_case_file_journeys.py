"""The escalation case file in a browser: a CSM agrees two exit criteria with the customer,
ticks one, tries to resolve, is asked why the other is unmet, gives the reason and resolves;
the page then shows "1 of 2 met" and the reason. The account's executive sponsor sees what
is asked of them and answers with a comment.

Set CASE_FILE_SCREENSHOTS=1 to save the case file (desktop and 390 px wide) and the sponsor's
view as PNGs in test-artifacts/."""

import os

from playwright.sync_api import expect

from app.escalations.models import Severity, Status
from app.sponsorship.models import SponsorshipStatus
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_escalation_journeys import section

PHONE = {"width": 390, "height": 844}
SCREENSHOTS = os.environ.get("CASE_FILE_SCREENSHOTS") == "1"


def shoot(page, name):
    if SCREENSHOTS:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"case-file-{name}.png"), full_page=True)


def test_resolving_with_an_unmet_exit_criterion_asks_why(
    app, page, new_page, sign_in, make_user, make_account, make_escalation, make_sponsorship
):
    csm = make_user("csm", name="Sakura CSM")
    sponsor = make_user("executive", name="Kenji Sponsor")
    account = make_account(name="Sakura Logistics", csm_owner_id=csm)
    make_sponsorship(account, status=SponsorshipStatus.ACTIVE, sponsor_id=sponsor)
    escalation = make_escalation(
        account,
        title="Orders dropped at checkout",
        severity=Severity.MEDIUM,
        status=Status.INVESTIGATING,
        owner_id=csm,
    )
    sign_in(page, csm)
    page.goto(f"/escalations/{escalation}")
    criteria = section(page, "Exit criteria")
    for words in ("Orders go through for a full week", "A written root cause"):
        criteria.get_by_label("Exit criterion", exact=True).fill(words)
        criteria.get_by_role("button", name="Add exit criterion").click()
        expect(page.get_by_role("status")).to_have_text("Exit criterion added.")
    expect(criteria).to_contain_text("0 of 2 met")
    criteria.get_by_role("button", name="Mark met: Orders go through for a full week").click()
    expect(page.get_by_role("status")).to_have_text("Exit criterion met.")
    expect(criteria).to_contain_text("1 of 2 met")
    expect(criteria).to_contain_text("by Sakura CSM")

    ask = section(page, "Executive sponsor")
    expect(ask).to_contain_text("Kenji Sponsor")
    ask.get_by_label("What we ask of the sponsor").fill("Call their COO before Friday.")
    ask.get_by_role("button", name="Save the ask").click()
    expect(page.get_by_role("status")).to_have_text("The ask of the executive sponsor is saved.")
    shoot(page, "desktop")
    page.set_viewport_size(PHONE)
    shoot(page, "phone")
    page.set_viewport_size({"width": 1300, "height": 900})

    page.get_by_role("link", name="Resolve", exact=True).click()
    expect(page.get_by_text("1 exit criterion is not met:")).to_be_visible()
    expect(page.get_by_text("A written root cause", exact=True)).to_be_visible()
    page.get_by_label("Summary", exact=True).fill("The checkout cache is fixed.")
    page.get_by_role("button", name="Resolve", exact=True).click()
    reason_field = page.get_by_label("Why resolve with criteria unmet?")
    expect(page.get_by_role("alert")).to_have_text(
        "Say why the escalation is resolved with criteria unmet."
    )
    reason = "The customer accepted the fix; the root cause write-up follows next week."
    reason_field.fill(reason)
    page.get_by_role("button", name="Resolve", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Escalation resolved.")
    criteria = section(page, "Exit criteria")
    expect(criteria).to_contain_text("1 of 2 met")
    expect(criteria).to_contain_text(reason)

    # The sponsor is asked to help, and answers from the section.
    sponsor_page = new_page()
    sign_in(sponsor_page, sponsor)
    sponsor_page.goto(f"/escalations/{escalation}")
    part = section(sponsor_page, "Executive sponsor")
    expect(part.get_by_text("You are asked to help on this escalation.")).to_be_visible()
    part.get_by_label("Comment", exact=True).fill("I spoke with their COO; they will wait.")
    part.get_by_role("button", name="Comment", exact=True).click()
    expect(sponsor_page.get_by_role("status")).to_have_text("Comment added.")
    part = section(sponsor_page, "Executive sponsor")
    expect(part).to_contain_text("I spoke with their COO; they will wait.")
    shoot(sponsor_page, "sponsor")
