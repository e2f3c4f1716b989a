"""Threat suggestions in a browser, as the owner and a manager meet them: a threat read in the
description at intake, shown with its words and why, confirmed in the form; a Japanese indirect
threat in a customer update added after intake, confirmed from the escalation's page (the
cancellation badge and the executive banner appear); a false alarm in a note, dismissed with a
reason, that the rules page lists for whoever improves the rules.

The Japanese journey needs the measured detector (issue 12): the word-list stand-in does not
read 「契約の継続は難しいと考えております」 as a threat.

Set THREAT_SCREENSHOTS=1 to save the intake suggestion, the escalation's panel and the rules
page, at desktop and phone width, as PNGs in test-artifacts/."""

import os

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_escalation_journeys import sign_in_anyone, summary_of

PHONE = {"width": 390, "height": 844}
INDIRECT_JA = "今回の件を受けまして、契約の継続は難しいと考えております。"
JOKE = (
    "The customer said they would cancel the contract if the fix slips; "
    "they were joking, all is fine now."
)


@pytest.fixture
def people(make_user):
    return {
        "owner": make_user("csm", name="Sakura Owner", email="owner@example.test"),
        "manager": make_user("manager", name="Maria Manager", email="manager@example.test"),
    }


@pytest.fixture
def account(make_account, people):
    return make_account(name="株式会社さくら物流", csm_owner_id=people["owner"])


def snapshot(page, name):
    """The page at desktop width and at 390 px, when asked for."""
    if not os.environ.get("THREAT_SCREENSHOTS"):
        return
    ARTIFACTS.mkdir(exist_ok=True)
    size = page.viewport_size
    page.screenshot(path=str(ARTIFACTS / f"threats-{name}-desktop.png"), full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=str(ARTIFACTS / f"threats-{name}-phone.png"), full_page=True)
    page.set_viewport_size(size)


def fill_intake(page, account_id, title, description):
    page.goto(f"/escalations/new?account_id={account_id}")
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Description", exact=True).fill(description)
    page.get_by_label("Severity", exact=True).select_option(label="High")
    page.get_by_label("Why escalated", exact=True).select_option(label="Business impact")
    page.get_by_label("Requested by", exact=True).select_option(label="Internal")


def raise_without_threats(page, account_id, title):
    fill_intake(page, account_id, title, "Shipping labels fail to print since this morning.")
    page.get_by_role("button", name="Raise escalation", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Escalation raised.")


def threat_panel(page):
    return page.locator("#threat-suggestions")


def test_a_threat_in_the_description_is_shown_where_and_why_then_confirmed(
    page, app, people, account
):
    sign_in_anyone(app, page, people["owner"])
    fill_intake(page, account, "Labels fail", "We will cancel the contract if this is not fixed.")
    page.get_by_role("button", name="Raise escalation", exact=True).click()
    check = page.get_by_role("alert").filter(has_text="Possible threat found")
    expect(check).to_contain_text("We will cancel the contract if this is not fixed.")
    expect(check.locator("mark").first).to_be_visible()
    expect(check).to_contain_text("Why:")
    expect(page.get_by_label("Cancellation threat", exact=True)).to_be_checked()
    snapshot(page, "intake")
    page.get_by_role("button", name="Confirm and raise", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Escalation raised.")
    expect(summary_of(page).get_by_text("Cancellation threat", exact=True)).to_be_visible()
    expect(summary_of(page).get_by_text("Executive escalation", exact=True)).to_be_visible()


def test_japanese_indirect_threat_in_a_later_update_is_confirmed_by_the_owner(
    page, app, people, account
):
    sign_in_anyone(app, page, people["owner"])
    raise_without_threats(page, account, "出荷ラベル印刷不可")
    expect(summary_of(page).get_by_text("Executive escalation")).to_have_count(0)
    page.get_by_label("What you told the customer", exact=True).fill(INDIRECT_JA)
    page.get_by_role("button", name="Record customer update", exact=True).click()
    expect(page.get_by_text("A possible threat was found (Cancellation)")).to_be_visible()
    panel = threat_panel(page)
    suggestion = panel.get_by_role("article", name="Possible Cancellation threat")
    expect(suggestion).to_contain_text(INDIRECT_JA)
    expect(suggestion.locator("mark").first).to_be_visible()
    expect(suggestion).to_contain_text("Customer update · Sakura Owner")
    snapshot(page, "panel")
    suggestion.get_by_role("button", name="Confirm: set the Cancellation flag").click()
    expect(page.get_by_role("status")).to_have_text("The Cancellation flag is set.")
    expect(summary_of(page).get_by_text("Cancellation threat", exact=True)).to_be_visible()
    expect(summary_of(page).get_by_text("Executive escalation", exact=True)).to_be_visible()
    expect(panel.get_by_role("article")).to_have_count(0)
    panel.get_by_text("Earlier suggestions (1)").click()
    expect(panel.get_by_role("listitem")).to_contain_text("Confirmed (Sakura Owner)")


def test_a_false_alarm_in_a_note_is_dismissed_and_listed_for_the_rules(
    page, new_page, app, people, account
):
    sign_in_anyone(app, page, people["owner"])
    raise_without_threats(page, account, "Label printer outage")
    page.get_by_label("Internal note", exact=True).fill(JOKE)
    page.get_by_role("button", name="Add note", exact=True).click()
    suggestion = threat_panel(page).get_by_role("article", name="Possible Cancellation threat")
    expect(suggestion).to_contain_text(JOKE)
    expect(suggestion).to_contain_text("Internal note · Sakura Owner")
    suggestion.get_by_text("Dismiss", exact=True).click()
    suggestion.get_by_label("Why it is not a threat (optional)").fill(
        "A joke on the phone; the customer is happy."
    )
    suggestion.get_by_role("button", name="Dismiss: not a threat").click()
    expect(page.get_by_role("status")).to_have_text("Suggestion dismissed: the flag stays unset.")
    expect(threat_panel(page).get_by_role("article")).to_have_count(0)
    expect(summary_of(page).get_by_text("Cancellation threat")).to_have_count(0)
    expect(summary_of(page).get_by_text("Executive escalation")).to_have_count(0)

    manager = new_page()
    sign_in_anyone(app, manager, people["manager"])
    manager.goto("/escalations/")
    manager.get_by_role("link", name="Threat suggestions", exact=True).click()
    expect(manager.get_by_role("heading", level=1)).to_contain_text("Threat suggestions")
    row = manager.get_by_role("listitem").filter(has_text=JOKE)
    expect(row).to_contain_text("A joke on the phone; the customer is happy.")
    expect(row).to_contain_text("Dismissed · Sakura Owner")
    expect(row.locator("mark").first).to_be_visible()
    snapshot(manager, "rules")
    manager.get_by_label("Flag", exact=True).select_option(label="Legal")
    manager.get_by_role("button", name="Apply").click()
    expect(manager.get_by_text("No threat suggestions match this filter.")).to_be_visible()
