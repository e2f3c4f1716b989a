"""Executive sponsorship journeys through the UI as people make them: an executive escalation
that nominates its account, an approval refused for missing training and then given, an
eligibility review that lists a candidate by a rule an admin set (and nominates it in one
click, the rules met as the reason), and an exit by the criteria.

Set SPONSORSHIP_SCREENSHOTS=1 to save full-page screenshots of the sponsorship page, the
eligibility review and the program results in test-artifacts/ for a look by eye."""

import os
import re
from datetime import date

from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS
from tests.conftest import train

MODULES = ["Executive sponsor essentials", "Escalation handling"]
JAPANESE_THREAT = "障害が続いているので、来月で解約したい。"


def responsibilities(app) -> list[str]:
    """The program's default sponsor responsibilities, as the migration inserted them."""
    (settings,) = app.reference_rows["program_settings"]
    return settings["responsibilities"]


def snapshot(page, name):
    if os.environ.get("SPONSORSHIP_SCREENSHOTS"):
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"sponsorship-{name}.png"), full_page=True)


def section(page, heading):
    return page.locator("section").filter(has=page.get_by_role("heading", name=heading, exact=True))


def field_of(page, label):
    """The form field around the labelled control: its label, control, help and errors."""
    return page.get_by_label(label, exact=True).locator("xpath=..")


def status_badge(page):
    """The sponsorship's status, shown under the page's heading."""
    return page.get_by_role("heading", level=1).locator("xpath=..").locator(".badge")


def rules_of(page, side):
    """The list of rules of one side ("Entry" or "Exit") on the program settings page."""
    heading = page.get_by_role("heading", level=3, name=re.compile(rf"^{side} \("))
    return heading.locator("xpath=following-sibling::ul[1]")


def accept_dialogs(page) -> list[str]:
    """Accept every confirm dialog the page opens; the questions asked, in order."""
    questions = []

    def answer(dialog):
        questions.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    return questions


def open_sponsorship_of(page, account_name):
    """From the main navigation: Sponsorship, then the account's sponsorship in the list."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sponsorship").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Executive sponsorship"))).to_be_visible()
    page.get_by_role("link", name=account_name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Sponsorship: {account_name}")


def program_tab(page, name):
    """Main navigation "Sponsorship", then a tab of the program's pages."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sponsorship").click()
    tabs = page.get_by_role("navigation", name="Sponsorship program")
    tabs.get_by_role("link", name=name).click()
    expect(tabs.get_by_role("link", name=name)).to_have_attribute("aria-current", "page")


def approve_with(page, sponsor_name):
    page.get_by_label("Executive sponsor", exact=True).select_option(label=sponsor_name)
    page.get_by_role("button", name="Approve", exact=True).click()


def nominate(page, account_id, account_name, reason):
    """From the account's page: nominate it for sponsorship with the reason."""
    page.goto(f"/accounts/{account_id}")
    page.get_by_role("link", name="Nominate for sponsorship").click()
    page.get_by_label("Why should this account be sponsored?", exact=True).fill(reason)
    page.get_by_role("button", name="Nominate", exact=True).click()
    expect(page.get_by_role("status")).to_have_text(f"{account_name} is nominated for sponsorship.")


# 1 ---------------------------------------------------------------------------------------


def test_an_executive_escalation_nominates_its_account(page, make_user, make_account, sign_in):
    csm = make_user("csm", name="Sakura Ito")
    make_user("admin", name="Aiko Admin")
    account_name = "株式会社みなと物流"
    account = make_account(name=account_name, csm_owner_id=csm, tier="strategic")
    title = "解約の申し出"

    sign_in(page, csm)
    page.goto(f"/accounts/{account}")
    expect(page.get_by_role("link", name="Nominate for sponsorship")).to_be_visible()
    page.get_by_role("link", name="Raise escalation").click()
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Description", exact=True).fill(JAPANESE_THREAT)
    page.get_by_label("Severity", exact=True).select_option(label="High")
    page.get_by_label("Why escalated", exact=True).select_option(label="Relationship risk")
    page.get_by_label("Requested by", exact=True).select_option(label="Customer")
    page.get_by_role("button", name="Raise escalation").click()

    # The threat is found in the title and in the description, the flag ticked; the CSM
    # confirms it.
    expect(page.get_by_role("alert").locator("mark")).to_have_text(["解約", "解約"])
    expect(page.get_by_label("Cancellation threat", exact=True)).to_be_checked()
    page.get_by_role("button", name="Confirm and raise").click()
    expect(page.get_by_role("status")).to_have_text("Escalation raised.")
    eid = int(re.search(r"/escalations/(\d+)$", page.url)[1])
    summary = page.get_by_role("heading", level=1).locator("xpath=..")
    expect(summary.get_by_text("Executive escalation", exact=True)).to_be_visible()

    page.goto(f"/accounts/{account}")
    nominated = page.get_by_role("link", name="Sponsorship: Nominated", exact=True)
    expect(nominated).to_be_visible()
    expect(page.get_by_role("link", name="Nominate for sponsorship")).to_have_count(0)
    timeline = page.get_by_role("region", name="Timeline")
    expect(
        timeline.get_by_role(
            "link",
            name="Nominated for executive sponsorship (automatically, on an executive escalation)",
            exact=True,
        )
    ).to_be_visible()

    nominated.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Sponsorship: {account_name}")
    expect(status_badge(page)).to_have_text("Nominated")
    nomination = section(page, "Nomination")
    expect(nomination).to_contain_text(f"Executive escalation #{eid}: {title}")
    expect(nomination).to_contain_text("automatically, on an executive escalation")
    # A CSM neither approves nor declines.
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)
    expect(page.get_by_role("button", name="Decline")).to_have_count(0)


# 2 ---------------------------------------------------------------------------------------


def test_approval_is_refused_for_a_sponsor_without_training_then_given(
    app, new_page, make_user, make_account, sign_in
):
    csm = make_user("csm", name="Sakura Ito")
    admin = make_user("admin", name="Aiko Admin")
    rookie = make_user("executive", name="Rookie Exec")
    account_name = "Minato Logistics KK"
    account = make_account(
        name=account_name, csm_owner_id=csm, health_score=40, nps=10, arr_minor=500_000_000
    )

    # The CSM nominates the account from its page.
    owner = new_page()
    sign_in(owner, csm)
    nominate(owner, account, account_name, "Renewal at risk after three outages.")

    # An executive decides to sponsor it themself, but has not done the training yet.
    boss = new_page()
    sign_in(boss, rookie)
    open_sponsorship_of(boss, account_name)
    expect(status_badge(boss)).to_have_text("Nominated")
    expect(section(boss, "Nomination")).to_contain_text("Renewal at risk after three outages.")
    expect(section(boss, "Nomination")).to_contain_text("Sakura Ito")
    sponsorship_url = boss.url
    approve_with(boss, "Rookie Exec")

    sponsor_field = field_of(boss, "Executive sponsor")
    expect(sponsor_field.get_by_role("alert")).to_have_text(
        "Rookie Exec has not completed the required training: "
        "Executive sponsor essentials, Escalation handling."
    )
    expect(boss.get_by_label("Executive sponsor", exact=True)).to_have_attribute(
        "aria-invalid", "true"
    )
    expect(status_badge(boss)).to_have_text("Nominated")
    expect(section(boss, "Baseline and today")).to_have_count(0)
    snapshot(boss, "approval-refused")

    # An admin records both modules on the executive's page.
    office = new_page()
    sign_in(office, admin)
    office.goto(f"/sponsorships/executives/{rookie}")
    expect(office.get_by_role("heading", level=1)).to_contain_text("Rookie Exec")
    expect(office.get_by_text("Cannot sponsor another account yet:")).to_be_visible()
    training = section(office, "Training")
    expect(training.get_by_text("No training recorded yet.")).to_be_visible()
    for remaining, module in zip((1, 0), MODULES, strict=True):
        office.get_by_label("Module", exact=True).select_option(label=module)
        office.get_by_label("Completed on", exact=True).fill("2026-01-15")
        office.get_by_role("button", name="Record training").click()
        expect(office.get_by_role("status")).to_have_text("Training recorded.")
        expect(training.get_by_role("row").filter(has_text=module)).to_contain_text("Aiko Admin")
        expect(training.locator(".badge")).to_have_count(remaining)
    expect(
        office.get_by_text("Ready to sponsor: training complete and under the limit.")
    ).to_be_visible()
    expect(office.get_by_text("Cannot sponsor another account yet:")).to_have_count(0)
    expect(office.get_by_role("button", name="Record training")).to_have_count(0)

    # Back on the sponsorship, the same executive is now accepted.
    boss.goto(sponsorship_url)
    approve_with(boss, "Rookie Exec")
    expect(boss.get_by_role("status")).to_have_text(
        "Sponsorship approved: Rookie Exec is the sponsor."
    )
    expect(boss).to_have_url(sponsorship_url)
    expect(status_badge(boss)).to_have_text("Active")
    head = boss.get_by_role("heading", level=1).locator("xpath=..")
    expect(head.get_by_role("link", name="Rookie Exec")).to_be_visible()
    baseline = section(boss, "Baseline and today")
    expect(baseline).to_be_visible()
    expect(baseline.get_by_role("row").filter(has_text="Health score")).to_contain_text("40")
    expect(baseline.get_by_role("row").filter(has_text="ARR")).to_contain_text("¥500,000,000")
    tasks = responsibilities(app)
    checklist = section(boss, "Sponsor responsibilities")
    expect(checklist.get_by_role("listitem")).to_have_count(len(tasks))
    for text in tasks:
        expect(checklist.get_by_role("listitem").filter(has_text=text)).to_contain_text("○")
    # Only the sponsor (or an admin) ticks: the account's CSM sees no buttons.
    owner.goto(sponsorship_url)
    expect(section(owner, "Sponsor responsibilities").get_by_role("listitem")).to_have_count(
        len(tasks)
    )
    expect(section(owner, "Sponsor responsibilities").get_by_role("button")).to_have_count(0)

    # The sponsor, who approved as themself, ticks the first responsibility.
    sponsor = boss
    checklist.get_by_role("button", name=f"Mark done: {tasks[0]}", exact=True).click()
    expect(sponsor).to_have_url(re.compile(r"#checklist$"))
    first = checklist.get_by_role("listitem").filter(has_text=tasks[0])
    expect(first.get_by_role("button", name=f"Mark not done: {tasks[0]}")).to_have_text("✓")
    expect(first).to_contain_text(re.compile(r"done \S.* by Rookie Exec"))
    second = checklist.get_by_role("listitem").filter(has_text=tasks[1])
    expect(second.get_by_role("button", name=f"Mark done: {tasks[1]}")).to_have_text("○")
    expect(second).not_to_contain_text("done")
    snapshot(sponsor, "sponsorship-active")

    program_tab(sponsor, "Program results")
    compare = section(sponsor, "Sponsored and not sponsored accounts")
    accounts_row = compare.get_by_role("row").filter(has_text=re.compile(r"^Accounts"))
    expect(accounts_row.get_by_role("cell")).to_have_text(["Accounts", "1", "0"])
    snapshot(sponsor, "results")


# 3 ---------------------------------------------------------------------------------------


def test_eligibility_review_lists_a_candidate_by_a_rule_the_admin_set(
    page, make_user, make_account, sign_in
):
    admin = make_user("admin", name="Aiko Admin")
    strategic = "Strategic Foods KK"
    growth = "Growth Tools KK"
    make_account(name=strategic, tier="strategic", health_score=80, arr_minor=50_000_000)
    make_account(name=growth, tier="growth", health_score=80, arr_minor=50_000_000)
    questions = accept_dialogs(page)

    sign_in(page, admin)
    page.goto("/sponsorships/program")
    expect(page.get_by_role("heading", name="Program settings", level=1)).to_be_visible()
    entry = rules_of(page, "Entry")
    expect(entry.get_by_role("listitem")).to_have_text(
        [
            re.compile(r"^Executive escalation in the last 90 days"),
            re.compile(r"^ARR ≥ "),
            re.compile(r"^Health ≤ 30"),
        ]
    )
    exit_rules = rules_of(page, "Exit").get_by_role("listitem")
    expect(exit_rules).to_have_count(3)
    for remaining in (2, 1, 0):
        entry.get_by_role("button", name="Remove").first.click()
        expect(entry.get_by_role("button", name="Remove")).to_have_count(remaining)
    expect(page.get_by_role("status")).to_have_text("Rule removed.")
    assert questions == ["Remove this rule?"] * 3
    expect(entry).to_have_text("No rules: nothing matches on this side.")
    expect(exit_rules).to_have_count(3)  # the exit side is untouched

    page.get_by_label("Rule", exact=True).select_option(label="Tier is one of")
    page.get_by_label("Tiers", exact=True).select_option(label="Strategic")
    page.get_by_role("button", name="Add rule").click()
    expect(page.get_by_role("status")).to_have_text("Rule added.")
    expect(entry.get_by_role("listitem")).to_have_text([re.compile(r"^Tier in Strategic")])

    program_tab(page, "Eligibility review")
    candidates = section(page, re.compile(r"^Candidates"))
    expect(candidates.get_by_role("heading")).to_have_text(re.compile(r"Candidates\s*1$"))
    row = candidates.get_by_role("row").filter(has=page.get_by_role("link", name=strategic))
    expect(row).to_have_count(1)
    expect(row.get_by_role("listitem")).to_have_text(["Tier in Strategic"])
    expect(row).to_contain_text("Strategic")
    expect(candidates.get_by_role("link", name=growth)).to_have_count(0)
    expect(candidates.get_by_role("columnheader", name="Rules met")).to_be_visible()
    snapshot(page, "eligibility-candidates")

    # One click: the rules met become the nomination's reason.
    row.get_by_role("button", name="Nominate", exact=True).click()
    expect(page.get_by_role("status")).to_have_text(f"{strategic} is nominated for sponsorship.")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Sponsorship: {strategic}")
    expect(status_badge(page)).to_have_text("Nominated")
    nomination = section(page, "Nomination")
    expect(nomination).to_contain_text("Meets the entry criteria: Tier in Strategic")
    expect(nomination).to_contain_text("Aiko Admin")

    # Nominated, it is no longer a candidate.
    program_tab(page, "Eligibility review")
    expect(candidates.get_by_text("No account meets the entry criteria right now.")).to_be_visible()


# 4 ---------------------------------------------------------------------------------------


def test_a_churned_account_goes_to_exit_review_and_its_sponsor_ends_the_sponsorship(
    app, new_page, make_user, make_account, sign_in
):
    csm = make_user("csm", name="Sakura Ito")
    admin = make_user("admin", name="Aiko Admin")
    executive = make_user("executive", name="Kenji Exec")
    train(app, executive, by=admin)  # set-up, not the behaviour under test
    account_name = "Kita Retail KK"
    account = make_account(name=account_name, csm_owner_id=csm)

    # An active sponsorship: the CSM nominates, the executive approves himself as sponsor.
    owner = new_page()
    sign_in(owner, csm)
    nominate(owner, account, account_name, "Key reference.")
    sponsor = new_page()
    sign_in(sponsor, executive)
    open_sponsorship_of(sponsor, account_name)
    approve_with(sponsor, "Kenji Exec")
    expect(status_badge(sponsor)).to_have_text("Active")
    sponsorship_url = sponsor.url

    # The customer leaves: the CSM marks the account churned.
    owner.goto(f"/accounts/{account}")
    owner.get_by_role("link", name="Edit account").click()
    owner.get_by_label("Lifecycle status", exact=True).select_option(label="Churned")
    owner.get_by_role("button", name="Save account").click()
    expect(owner.get_by_role("status")).to_have_text(f"Account {account_name} saved.")
    expect(owner.get_by_role("region", name="Details")).to_contain_text("Churned")

    # The admin runs the eligibility review: the sponsorship moves to exit review.
    office = new_page()
    questions = accept_dialogs(office)
    sign_in(office, admin)
    office.goto("/sponsorships/eligibility")
    exit_review = section(office, re.compile(r"^In exit review"))
    expect(exit_review.get_by_text("No sponsorship is in exit review.")).to_be_visible()
    office.get_by_role("button", name="Run the review now").click()
    expect(office.get_by_role("status")).to_have_text(
        "Review done. Candidates: 0. Moved to exit review: 1."
    )
    assert questions == [
        "Move the sponsorships that meet the exit criteria to exit review and notify the "
        "program admins?"
    ]
    expect(exit_review.get_by_role("heading")).to_have_text(re.compile(r"In exit review\s*1$"))
    row = exit_review.get_by_role("row").filter(has=office.get_by_role("link", name=account_name))
    expect(row.get_by_role("listitem")).to_have_text(["Account churned"])
    expect(row).to_contain_text("Kenji Exec")
    # A churned account is no candidate for entry.
    candidates = section(office, re.compile(r"^Candidates"))
    expect(candidates.get_by_role("link", name=account_name)).to_have_count(0)
    snapshot(office, "eligibility-exit-review")

    # The sponsor reviews and ends it.
    open_sponsorship_of(sponsor, account_name)
    expect(sponsor).to_have_url(sponsorship_url)
    expect(status_badge(sponsor)).to_have_text("Exit review")
    review = section(sponsor, "Exit review")
    expect(review).to_contain_text("The account meets the exit criteria:")
    expect(review.get_by_role("listitem")).to_have_text(["Account churned"])
    expect(review.get_by_role("button", name="Continue the sponsorship")).to_be_visible()
    snapshot(sponsor, "sponsorship-exit-review")
    exit_on = date.today().isoformat()
    sponsor.get_by_label("Exit reason", exact=True).select_option(label="Exit criteria met")
    sponsor.get_by_label("Exit date", exact=True).fill(exit_on)
    questions = accept_dialogs(sponsor)
    sponsor.get_by_role("button", name="End sponsorship").click()

    expect(sponsor.get_by_role("status")).to_have_text("The sponsorship has ended.")
    assert questions == ["End this sponsorship? It cannot be reopened."]
    expect(status_badge(sponsor)).to_have_text("Exited")
    expect(sponsor.get_by_role("heading", level=1).locator("xpath=..")).to_contain_text(
        "(Exit criteria met)"
    )
    expect(section(sponsor, "Exit review")).to_have_count(0)
    expect(sponsor.get_by_role("button", name="End sponsorship")).to_have_count(0)
    history = section(sponsor, "Audit history").get_by_role("row").filter(has_text="Exited")
    expect(history).to_contain_text("Kenji Exec")

    owner.goto(f"/accounts/{account}")
    timeline = owner.get_by_role("region", name="Timeline")
    expect(
        timeline.get_by_text("Sponsorship ended (Exit criteria met)", exact=True)
    ).to_be_visible()
    expect(timeline.get_by_text("Sponsorship moved to exit review", exact=True)).to_be_visible()
    expect(owner.get_by_role("link", name=re.compile(r"^Sponsorship: "))).to_have_count(0)
