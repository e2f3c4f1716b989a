"""Escalation journeys through the UI as people make them: raising an executive escalation
from Japanese text, a handoff and its acknowledgement, a customer update from a template (in
English and Japanese), and an SLA breach found by the real scheduler process and e-mailed."""

import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask_babel import force_locale, gettext, pgettext
from playwright.sync_api import expect

from app.auth.models import User
from app.escalations.models import ClockKind, SlaClock
from app.extensions import db
from tests.conftest import PASSWORD
from tests.test_outbox import smtp_server
from tests.test_scheduler import start_scheduler, stop, wait_for

ACCOUNT_NAME = "株式会社さくら物流"
JAPANESE_THREAT = "障害が3日続いている。改善されなければ解約し、弁護士に相談する。"


def translator(app, locale):
    """t("Text") (or t("Text", context)): the app's own text as a user of `locale` sees it."""

    def t(text, context=None):
        with app.test_request_context(), force_locale(locale):
            return pgettext(context, text) if context else gettext(text)

    return t


def sign_in_anyone(app, page, user_id, password=PASSWORD):
    """Sign in through the form; unlike the `sign_in` fixture, for a user of any language
    (it waits for the user's own name in the header, not for an English "Sign out")."""
    with app.app_context():
        user = db.session.get(User, user_id)
        email, name = user.email, user.name
    page.goto("/login")
    page.get_by_label("E-mail", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    # On a phone the header's links are folded behind the menu: signed in is their being there.
    signed_in = page.get_by_role("link", name=name, exact=True, include_hidden=True)
    expect(signed_in).to_be_attached()


def raise_escalation(page, account_id, title, description, t=lambda text, context=None: text):
    """From the account page, raise a high-severity escalation without threats; its id."""
    page.goto(f"/accounts/{account_id}")
    page.get_by_role("link", name=t("Raise escalation"), exact=True).click()
    page.get_by_label(t("Title", "escalation"), exact=True).fill(title)
    page.get_by_label(t("Description"), exact=True).fill(description)
    page.get_by_label(t("Severity"), exact=True).select_option(label=t("High"))
    page.get_by_label(t("Why escalated"), exact=True).select_option(label=t("Lack of progress"))
    page.get_by_label(t("Requested by"), exact=True).select_option(
        label=t("Internal", "requested by")
    )
    page.get_by_role("button", name=t("Raise escalation"), exact=True).click()
    expect(page.get_by_role("status")).to_have_text(t("Escalation raised."))
    return int(re.search(r"/escalations/(\d+)", page.url)[1])


def hand_off(page, owner, happened, tried, why, needed, contact=None):
    """From the escalation page: raise it to level 2 and hand it off to the new owner, the four
    questions answered (and the customer contact chosen, if given)."""
    page.get_by_role("link", name="Raise level").click()
    expect(page.get_by_role("heading", name="Raise the level and hand off")).to_be_visible()
    page.get_by_label("Raise to", exact=True).select_option(label="Level 2")
    page.get_by_label("New owner", exact=True).select_option(label=owner)
    if contact:
        page.get_by_label("Customer contact", exact=True).select_option(label=contact)
    for label, text in (
        ("What happened so far", happened),
        ("What was tried", tried),
        ("Why it is not resolved", why),
        ("What is needed (knowledge, authority, resources)", needed),
    ):
        page.get_by_label(label, exact=True).fill(text)
    page.get_by_role("button", name="Raise level and hand off").click()


def summary_of(page):
    """The escalation page's head: banner, title, badges, ARR at risk."""
    return page.get_by_role("heading", level=1).locator("xpath=..")


def section(page, heading):
    return page.locator("section").filter(has=page.get_by_role("heading", name=heading, exact=True))


def clock(page, name, region="SLA clocks"):
    """One SLA clock on the escalation page: its name, state and times."""
    clocks = page.get_by_role("region", name=region)
    return clocks.get_by_text(name, exact=True).locator("xpath=..")


def saved_view(page, name):
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Escalations").click()
    view = page.get_by_role("navigation", name="Saved views").get_by_role("link", name=name)
    view.click()
    expect(view).to_have_attribute("aria-current", "page")


def template_body(app, key, language, title):
    (body,) = [
        row["body"]
        for row in app.reference_rows["reply_templates"]
        if row["key"] == key and row["language"] == language
    ]
    return body.replace("{title}", title)


# 1 ---------------------------------------------------------------------------------------


def test_japanese_threat_words_make_an_executive_escalation_every_executive_sees(
    new_page, make_user, make_account, sign_in
):
    csm = make_user("csm", name="Sakura Ito")
    executive = make_user("executive", name="Kenji Exec")
    account = make_account(
        name=ACCOUNT_NAME, csm_owner_id=csm, arr_minor=120_000_000, currency="JPY"
    )
    title = "Invoices cannot be issued"

    page = new_page()
    sign_in(page, csm)
    page.goto(f"/accounts/{account}")
    page.get_by_role("link", name="Raise escalation").click()
    expect(page.get_by_role("heading", name="Raise escalation")).to_be_visible()
    expect(page.get_by_label("Account", exact=True)).to_have_value(str(account))
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Description", exact=True).fill(JAPANESE_THREAT)
    page.get_by_label("Severity", exact=True).select_option(label="High")
    page.get_by_label("Why escalated", exact=True).select_option(label="Relationship risk")
    page.get_by_label("Requested by", exact=True).select_option(label="Customer")
    expect(page.get_by_label("Cancellation threat", exact=True)).not_to_be_checked()
    page.get_by_role("button", name="Raise escalation").click()

    # Not raised yet: each threat's sentence is shown with its words marked and why, the flags
    # ticked, for the person to confirm.
    warning = page.get_by_role("alert")
    expect(warning).to_contain_text("Possible threat found in the description.")
    cancellation = warning.locator(".threat-suggestion", has_text="Cancellation")
    expect(cancellation.locator("mark").first).to_have_text(re.compile("解約"))
    expect(warning.locator(".threat-suggestion", has_text="Legal").locator("mark")).to_contain_text(
        ["弁護士"]
    )
    expect(cancellation).to_contain_text("Why:")
    expect(page.get_by_label("Cancellation threat", exact=True)).to_be_checked()
    expect(page.get_by_label("Legal threat", exact=True)).to_be_checked()
    expect(page.get_by_label("Safety/security threat", exact=True)).not_to_be_checked()
    expect(page.get_by_label("Description", exact=True)).to_have_value(JAPANESE_THREAT)
    expect(page.get_by_label("Severity", exact=True)).to_have_value("high")
    page.get_by_role("button", name="Confirm and raise").click()

    expect(page.get_by_role("status")).to_have_text("Escalation raised.")
    eid = int(re.search(r"/escalations/(\d+)$", page.url)[1])
    head = summary_of(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"#{eid} {title}")
    expect(head.get_by_text("Executive escalation", exact=True)).to_be_visible()
    expect(head.get_by_text("Cancellation threat", exact=True)).to_be_visible()
    expect(head.get_by_text("Legal threat", exact=True)).to_be_visible()
    expect(head.get_by_text("Safety/security threat", exact=True)).to_have_count(0)
    expect(head).to_contain_text("High")
    expect(head.get_by_text(re.compile(r"^ARR at risk"))).to_have_text("ARR at risk: ¥120,000,000")
    expect(section(page, "Details")).to_contain_text(JAPANESE_THREAT)

    # An executive signs in: told in the app, and finds it among the executive escalations.
    boss = new_page()
    sign_in(boss, executive)
    notifications = boss.get_by_role("link", name="1 unread notification", exact=True)
    expect(notifications).to_have_text("Notifications 1")
    saved_view(boss, "Executive")
    row = boss.get_by_role("row").filter(has=boss.get_by_role("link", name=title))
    expect(row).to_have_count(1)
    expect(row).to_contain_text("EXECUTIVE")
    expect(row).to_contain_text(ACCOUNT_NAME)
    expect(row).to_contain_text("Sakura Ito")

    notifications.click()
    expect(boss.get_by_role("heading", name="Notifications")).to_contain_text("1 unread")
    expect(boss.get_by_text(f"EXECUTIVE escalation on {ACCOUNT_NAME}: {title}")).to_be_visible()
    boss.get_by_role("link", name=f"Open escalation #{eid}").click()
    expect(boss.get_by_role("heading", level=1)).to_have_text(f"#{eid} {title}")
    expect(summary_of(boss)).to_contain_text("ARR at risk: ¥120,000,000")
    expect(boss.get_by_text("You can read this escalation", exact=False)).to_be_visible()
    expect(boss.get_by_role("link", name="Raise level")).to_have_count(0)


# 2 ---------------------------------------------------------------------------------------


def test_handoff_to_a_new_owner_who_acknowledges_it(
    new_page, make_user, make_account, make_contact, sign_in
):
    csm = make_user("csm", name="Sakura Ito")
    ae = make_user("ae", name="David Brown")
    specialist = make_user("csm", name="Hiroshi Sato")
    account = make_account(name=ACCOUNT_NAME, csm_owner_id=csm, ae_owner_id=ae)
    make_contact(account, name="佐藤 花子", title="CIO")
    make_contact(account, name="Ken Mori", title="IT lead")
    title = "Nightly sync drops orders"

    page = new_page()
    sign_in(page, csm)
    eid = raise_escalation(page, account, title, "Orders go missing after the nightly sync.")
    expect(section(page, "Handoffs")).to_contain_text("No handoffs: still at level 1.")

    hand_off(
        page,
        "Hiroshi Sato",
        "Orders vanish after the sync.",
        "Re-ran the sync; cleared the cache.",
        "Needs database access.",
        "A database engineer for two hours.",
        contact="佐藤 花子 (CIO)",
    )

    expect(page.get_by_role("status")).to_have_text(
        "Handed off to Hiroshi Sato. They need to acknowledge it."
    )
    expect(page).to_have_url(re.compile(rf"/escalations/{eid}#handoffs$"))
    expect(summary_of(page)).to_contain_text("Level 2")
    handoff = section(page, "Handoffs").get_by_role("article")
    expect(handoff).to_have_count(1)
    expect(handoff.get_by_role("heading")).to_have_text(
        "Level 1 → Level 2: Sakura Ito → Hiroshi Sato"
    )
    expect(handoff).to_contain_text("Customer contact: 佐藤 花子")
    expect(handoff).to_contain_text("by Sakura Ito")
    for text in (
        "Orders vanish after the sync.",
        "Re-ran the sync; cleared the cache.",
        "Needs database access.",
        "A database engineer for two hours.",
    ):
        expect(handoff).to_contain_text(text)
    expect(handoff.get_by_text("Not acknowledged yet")).to_be_visible()
    # Only the new owner (or a manager) acknowledges.
    expect(handoff.get_by_role("button", name="Acknowledge handoff")).to_have_count(0)
    expect(section(page, "Details")).to_contain_text("Hiroshi Sato")

    saved_view(page, "Unacknowledged handoffs")
    expect(page.get_by_role("link", name=title)).to_be_visible()

    # The new owner, in a browser of their own, is told and takes it over.
    owner = new_page()
    sign_in(owner, specialist)
    owner.get_by_role("link", name="1 unread notification", exact=True).click()
    expect(owner.get_by_text(f"Handoff to you ({ACCOUNT_NAME}): {title}")).to_be_visible()
    owner.get_by_role("link", name=f"Open escalation #{eid}").click()
    handoff = section(owner, "Handoffs").get_by_role("article")
    expect(handoff.get_by_text("Not acknowledged yet")).to_be_visible()

    questions = []

    def answer(dialog):
        questions.append((dialog.type, dialog.message))
        dialog.accept()

    owner.once("dialog", answer)
    handoff.get_by_role("button", name="Acknowledge handoff").click()

    expect(owner.get_by_role("status")).to_have_text("Handoff acknowledged.")
    assert questions == [("confirm", "Confirm you have taken over this escalation?")]
    expect(handoff.get_by_text(re.compile(r"^Acknowledged \S"))).to_be_visible()
    expect(handoff.get_by_text("Not acknowledged yet")).to_have_count(0)
    expect(handoff.get_by_role("button", name="Acknowledge handoff")).to_have_count(0)
    ack = section(owner, "Audit history").get_by_role("row").filter(has_text="Handoff acknowledged")
    expect(ack).to_have_count(1)
    expect(ack).to_contain_text("Hiroshi Sato")

    page.reload()  # the CSM's list of unacknowledged handoffs no longer has it
    expect(page.get_by_text("No escalations in this view.")).to_be_visible()
    expect(page.get_by_role("link", name=title)).to_have_count(0)


# 3 ---------------------------------------------------------------------------------------


def test_customer_update_from_a_template_is_the_first_response(
    app, page, make_user, make_account, sign_in
):
    csm = make_user("csm", name="Sakura Ito")
    account = make_account(name=ACCOUNT_NAME, csm_owner_id=csm)
    title = "Dashboard loads slowly"
    sign_in(page, csm)
    raise_escalation(page, account, title, "The dashboard takes a minute to load.")
    expect(clock(page, "First response")).to_contain_text("On track")
    updates = section(page, "Customer updates")
    expect(updates).to_contain_text("No customer update yet: the first one is the first response.")

    summary = page.get_by_label("What you told the customer", exact=True)
    expect(summary).to_have_value("")
    page.get_by_label("Template", exact=True).select_option(label="Acknowledged")
    text = template_body(app, "acknowledged", "en", title)
    assert text.startswith(f'Thank you for contacting us about "{title}".')
    expect(summary).to_have_value(text)  # filled by the page's script, no round trip
    sentence = " We will call you at 15:00 today."
    summary.fill(summary.input_value() + sentence)
    page.get_by_label("Channel", exact=True).select_option(label="Phone")
    page.get_by_role("button", name="Record customer update").click()

    expect(page.get_by_role("status")).to_have_text("Customer update recorded.")
    entry = updates.get_by_role("listitem")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text(text + sentence)
    expect(entry).to_contain_text("Phone")
    expect(entry).to_contain_text("Sakura Ito")
    expect(updates).not_to_contain_text("No customer update yet")
    expect(clock(page, "First response")).to_contain_text("Met")
    expect(clock(page, "Customer update")).to_contain_text("On track")
    expect(summary).to_have_value("")


def test_customer_update_in_japanese_uses_the_japanese_template(app, page, make_user, make_account):
    t = translator(app, "ja")
    csm = make_user("csm", name="伊藤 さくら", locale="ja")
    account = make_account(name=ACCOUNT_NAME, csm_owner_id=csm)
    title = "ダッシュボードの表示が遅い"
    sign_in_anyone(app, page, csm)
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.get_by_role("button", name="ログアウト")).to_be_visible()
    raise_escalation(page, account, title, "表示に1分かかる。", t)

    summary = page.get_by_label(t("What you told the customer"), exact=True)
    page.get_by_label(t("Template"), exact=True).select_option(label=t("Acknowledged"))
    text = template_body(app, "acknowledged", "ja", title)
    assert text.startswith(f"「{title}」の件でご連絡いただきありがとうございます。")
    expect(summary).to_have_value(text)
    sentence = "本日15時にお電話いたします。"
    summary.fill(summary.input_value() + sentence)
    page.get_by_label(t("Channel"), exact=True).select_option(label=t("Phone", "channel"))
    page.get_by_role("button", name=t("Record customer update")).click()

    expect(page.get_by_role("status")).to_have_text(t("Customer update recorded."))
    entry = section(page, t("Customer updates")).get_by_role("listitem")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text(text + sentence)
    expect(entry).to_contain_text(t("Phone", "channel"))
    expect(clock(page, t("First response"), t("SLA clocks"))).to_contain_text(t("Met"))


# Before any page script runs: note how many forms the page has when app.js starts listening.
LISTENING_WATCH = """
window.formsWhenListening = {};
document.addEventListener = function (type, listener, options) {
  if (!(type in window.formsWhenListening)) {
    window.formsWhenListening[type] = document.forms.length;
  }
  return EventTarget.prototype.addEventListener.call(this, type, listener, options);
};
"""


def test_the_page_listens_before_a_form_can_be_used(page, make_user, make_account, sign_in):
    """A template chosen, or a form sent, while the page is still loading is handled: the
    script listens (template fill, confirm questions) before the first form is parsed. A
    deferred script once let a quick choice of template go unseen."""
    csm = make_user("csm", name="Sakura Ito")
    account = make_account(name=ACCOUNT_NAME, csm_owner_id=csm)
    sign_in(page, csm)
    page.add_init_script(LISTENING_WATCH)
    raise_escalation(page, account, "Exports time out", "CSV exports stop after a minute.")

    expect(page.get_by_label("Template", exact=True)).to_be_visible()
    # Every listener the script adds (submit, change, the calendar's keydown) comes first.
    listening = page.evaluate("window.formsWhenListening")
    assert {"submit", "change"} <= set(listening) and set(listening.values()) == {0}


# 4 ---------------------------------------------------------------------------------------


def test_sla_breach_found_by_the_scheduler_is_emailed_and_shown(
    app, database_url, tmp_path, page, make_user, make_account, sign_in
):
    csm = make_user("csm", name="Sakura Ito", email="sakura@example.test")
    account = make_account(name=ACCOUNT_NAME, csm_owner_id=csm)
    title = "Payments fail at checkout"
    sign_in(page, csm)
    eid = raise_escalation(page, account, title, "Card payments fail since this morning.")
    expect(clock(page, "First response")).to_contain_text("On track")

    # Set-up, not the behaviour under test: the first response fell due a minute ago.
    with app.app_context():
        first_response = db.session.scalars(
            sa.select(SlaClock).where(
                SlaClock.escalation_id == eid, SlaClock.kind == ClockKind.FIRST_RESPONSE
            )
        ).one()
        now = datetime.now(UTC)
        first_response.due_at = now - timedelta(minutes=1)
        first_response.warn_at = now - timedelta(minutes=30)
        db.session.commit()
        db.session.remove()  # nothing of this test holds the database while the process runs

    def breach_mail():
        return [
            (rcpt_tos, message)
            for rcpt_tos, message in box.received
            if "SLA breached" in message["Subject"] and "sakura@example.test" in rcpt_tos
        ]

    log = tmp_path / "scheduler.log"
    with smtp_server() as (port, box):
        process = start_scheduler(database_url, port, log, sla_sweep_seconds=1)
        try:
            arrived = wait_for(breach_mail, seconds=30)
        finally:
            code = stop(process)
    output = log.read_text()
    assert arrived, f"no SLA breach e-mail arrived; received {box.recipients}:\n{output}"
    assert code == 0, output
    [(rcpt_tos, message)] = breach_mail()
    assert rcpt_tos == ["sakura@example.test"]
    assert message["To"] == "sakura@example.test"
    assert message["Subject"] == f"SLA breached (First response) on {ACCOUNT_NAME}: {title}"
    assert f"/escalations/{eid}" in message.get_content()

    page.reload()
    expect(clock(page, "First response")).to_contain_text("Breached")
    expect(clock(page, "Resolution")).to_contain_text("On track")
    breach = section(page, "Audit history").get_by_role("row").filter(has_text="SLA breached")
    expect(breach).to_have_count(1)
    expect(breach).to_contain_text("System")
    expect(breach).to_contain_text("First response")
    # Told in the app too: the intake notice and the breach.
    expect(page.get_by_role("link", name="2 unread notifications", exact=True)).to_be_visible()

    saved_view(page, "Breached")
    expect(page.get_by_role("link", name=title)).to_be_visible()


def test_handoff_on_an_account_without_an_ae(page, make_user, make_account, sign_in):
    """Many accounts have a CSM and no AE: raising the level must still work there."""
    csm = make_user("csm", name="Sakura Ito")
    make_user("csm", name="Hiroshi Sato")
    account = make_account(name=ACCOUNT_NAME, csm_owner_id=csm, ae_owner_id=None)
    sign_in(page, csm)
    raise_escalation(page, account, "Reports are empty", "Monthly reports show no rows.")

    hand_off(
        page,
        "Hiroshi Sato",
        "Reports are empty.",
        "Rebuilt the report cache.",
        "The cause is in the ETL.",
        "An ETL engineer.",
    )

    expect(page.get_by_role("status")).to_have_text(
        "Handed off to Hiroshi Sato. They need to acknowledge it."
    )
    expect(section(page, "Handoffs").get_by_text("Not acknowledged yet")).to_be_visible()
