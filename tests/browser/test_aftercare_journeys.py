"""After the resolution, through the UI as people live it: a check-in that finds the solution
did not hold (the escalation reopens), a second resolution that holds, the close button that
says a post-mortem is missing, the post-mortem and its action item, and the close; a customer
answering the satisfaction survey, sent in Japanese, through the link the local SMTP server
received (the link refused the second time); a Japanese user's knowledge note found by a
two-character word and suggested while a similar escalation is typed (and, without script,
on its page).

Set AFTERCARE_SCREENSHOTS=1 to save the post-mortem and survey pages at phone width (and the
Japanese intake form with its suggestion) as PNGs in test-artifacts/ for a look by eye."""

import os
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from app.auth.models import User
from app.escalations.survey_views import rate_limiter
from app.extensions import db
from app.knowledge import services as knowledge
from app.models import utcnow
from app.notifications.sender import send_pending
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_escalation_journeys import (
    raise_escalation,
    section,
    sign_in_anyone,
    summary_of,
    translator,
)
from tests.conftest import PASSWORD, app_today
from tests.test_outbox import smtp_server

ACCOUNT_NAME = "株式会社さくら物流"
PHONE = {"width": 390, "height": 844}


# Reading the pages --------------------------------------------------------------------------------


def status_badge(page, text):
    """The escalation's status as its page's head shows it."""
    return summary_of(page).get_by_text(text, exact=True)


def field_of(scope, label):
    """The form field around the labelled control: its label, control, help and errors."""
    return scope.get_by_label(label, exact=True).locator("xpath=..")


def history_whats(page):
    """The "What" cell of each row of the audit history, newest first."""
    return section(page, "Audit history").locator("tbody tr td:nth-child(3)")


def fits_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def snapshot(page, name):
    if os.environ.get("AFTERCARE_SCREENSHOTS"):
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"aftercare-{name}.png"), full_page=True)


def resolve(page, summary, survey_to=None):
    """From the escalation page: resolve it as a fix (the survey sent to `survey_to`, a
    contact's choice label, or not sent)."""
    open_resolve_form(page)
    submit_resolution(page, summary, survey_to)


def open_resolve_form(page):
    page.get_by_role("link", name="Resolve", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Resolve the escalation")


def submit_resolution(page, summary, survey_to=None):
    page.get_by_label("Resolution type", exact=True).select_option(label="Fix")
    page.get_by_label("Summary", exact=True).fill(summary)
    page.get_by_label("Send the satisfaction survey to", exact=True).select_option(
        label=survey_to or "Do not send"
    )
    page.get_by_role("button", name="Resolve", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Escalation resolved.")
    expect(status_badge(page, "Resolved")).to_be_visible()


def record_check_in(page, outcome, note=""):
    aftercare = section(page, "Follow-up and close")
    aftercare.get_by_label("Did the solution hold?", exact=True).select_option(label=outcome)
    aftercare.get_by_label("Note", exact=True).fill(note)
    aftercare.get_by_role("button", name="Record the check-in").click()


@pytest.fixture
def open_context(browser, live_server):
    """open_context(**options): a browser context of its own (e.g. without script), closed
    after the test."""
    contexts = []

    def open_one(**options):
        context = browser.new_context(base_url=live_server, **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield open_one
    for context in contexts:
        context.close()


# 1 ---------------------------------------------------------------------------------------


def test_a_failed_check_in_reopens_then_a_held_one_a_post_mortem_and_the_close(
    app, page, make_user, make_account, sign_in
):
    csm = make_user("csm", name="Sakura Ito")
    account = make_account(name=ACCOUNT_NAME, csm_owner_id=csm)
    title = "Invoices are not generated"
    sign_in(page, csm)
    eid = raise_escalation(page, account, title, "The monthly invoices were not generated.")
    aftercare = section(page, "Follow-up and close")
    expect(aftercare).to_contain_text(
        "The follow-up check-in is scheduled 7 days after the resolution."
    )

    # Resolved: the check-in is due in 7 days; closing waits for it.
    resolve(page, "Re-ran the invoice job.")
    expect(aftercare).to_contain_text("Follow-up check-in due:")
    # The check-in waits in the owner's work, which leads back here.
    page.get_by_role("link", name="My work", exact=True).click()
    page.locator("#checkins").get_by_role("link", name=f"#{eid} {title}").click()
    expect(page).to_have_url(re.compile(rf"/escalations/{eid}#aftercare$"))
    close = aftercare.get_by_role("button", name="Close escalation")
    expect(close).to_be_disabled()
    expect(close).to_have_accessible_description(
        "It cannot be closed yet: Record the follow-up check-in first (did the solution hold?)."
    )

    # It did not hold: the reason is required, then the escalation is investigated again.
    record_check_in(page, "Failed")
    expect(field_of(aftercare, "Note").get_by_role("alert")).to_have_text(
        "Say why the solution did not hold."
    )
    expect(status_badge(page, "Resolved")).to_be_visible()
    record_check_in(page, "Failed", "The customer says the May invoices are missing again.")
    expect(page.get_by_role("status")).to_have_text(
        "Check-in recorded: the solution did not hold, so the escalation is reopened."
    )
    expect(status_badge(page, "Investigating")).to_be_visible()
    expect(aftercare.get_by_role("button", name="Close escalation")).to_have_count(0)
    reopened = section(page, "Audit history").get_by_role("row").filter(has_text="Investigating")
    expect(reopened).to_have_count(1)
    expect(reopened).to_contain_text("Resolved → Investigating")
    expect(reopened).to_contain_text("The customer says the May invoices are missing again.")

    # Resolved again, and this time it held: now only the post-mortem is missing (high).
    resolve(page, "Fixed the invoice job's date filter.")
    record_check_in(page, "Held", "Invoices arrived on time this month.")
    expect(page.get_by_role("status")).to_have_text("Check-in recorded: the solution held.")
    expect(status_badge(page, "Follow-up")).to_be_visible()
    expect(aftercare).to_contain_text("Held")
    expect(close).to_be_disabled()
    expect(close).to_have_accessible_description(
        "It cannot be closed yet: "
        "A completed post-mortem is required (critical, high or executive)."
    )

    # The post-mortem: completing it with a part missing says which; nothing is lost.
    aftercare.get_by_role("link", name="Write the post-mortem").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Post-mortem")
    page.get_by_label("Root cause category", exact=True).select_option(label="Product defect")
    page.get_by_label("Root cause", exact=True).fill("The job filtered on the server's date.")
    page.get_by_label("What went well", exact=True).fill("The customer told us the same day.")
    page.get_by_label("Could it have been prevented?", exact=True).select_option(label="Yes")
    page.get_by_label("Could it have been resolved at a lower level?", exact=True).select_option(
        label="No"
    )
    page.get_by_role("button", name="Save and complete").click()
    expect(page.get_by_role("alert")).to_have_text(
        "To complete the post-mortem, fill in: what to improve."
    )
    expect(page.get_by_label("Root cause", exact=True)).to_have_value(
        "The job filtered on the server's date."
    )
    expect(page.get_by_label("Could it have been prevented?", exact=True)).to_have_value("yes")
    page.get_by_label("What to improve", exact=True).fill("Test month ends in every time zone.")
    page.get_by_role("button", name="Save and complete").click()
    expect(page.get_by_role("status")).to_have_text("Post-mortem completed.")
    expect(page.get_by_text(re.compile(r"^Completed .+ by Sakura Ito\.$"))).to_be_visible()
    expect(page.get_by_role("button", name="Save and complete")).to_have_count(0)
    expect(page.get_by_label("What to improve", exact=True)).to_have_value(
        "Test month ends in every time zone."
    )

    # An action item, owned by the CSM (chosen by default), due in two weeks.
    actions = page.locator("#actions")
    expect(actions).to_contain_text("No action items yet.")
    due = app_today(app) + timedelta(days=14)
    actions.get_by_label("Action item", exact=True).fill("Add a month-end test in Tokyo time")
    expect(actions.get_by_label("Owner", exact=True).locator("option:checked")).to_have_text(
        "Sakura Ito"
    )
    actions.get_by_label("Due date", exact=True).fill(due.isoformat())
    actions.get_by_role("button", name="Add action item").click()
    expect(page.get_by_role("status")).to_have_text("Action item added.")
    item = actions.get_by_role("listitem")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Add a month-end test in Tokyo time")
    expect(item).to_contain_text(f"Sakura Ito · due {due:%b} {due.day}, {due.year}")
    expect(item.get_by_role("button", name="Mark done")).to_be_visible()

    page.set_viewport_size(PHONE)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert fits_width(page)
    snapshot(page, "post-mortem-390")
    page.set_viewport_size({"width": 1300, "height": 900})

    # Back on the escalation: the close button asks, then closes.
    page.get_by_role("link", name=f"#{eid} {title}").click()
    expect(aftercare).to_contain_text("Completed")
    expect(aftercare.get_by_text("It cannot be closed yet:")).to_have_count(0)
    questions = []

    def answer(dialog):
        questions.append((dialog.type, dialog.message))
        dialog.accept()

    page.once("dialog", answer)
    aftercare.get_by_role("button", name="Close escalation").click()
    expect(page.get_by_role("status")).to_have_text("Escalation closed.")
    assert questions == [
        ("confirm", "Close this escalation? It can still be reopened with a reason.")
    ]
    expect(status_badge(page, "Closed")).to_be_visible()
    expect(aftercare.get_by_text(re.compile(r"^Closed .+\.$"))).to_be_visible()
    expect(aftercare.get_by_role("button", name="Close escalation")).to_have_count(0)
    expect(aftercare.get_by_role("link", name="Reopen")).to_be_visible()

    # The history tells the whole story, newest first.
    what = f"escalation {title}"
    expect(history_whats(page)).to_have_text(
        [
            f"Closed {what}",
            f"Action item {what}",
            f"Post-mortem {what}",
            f"Status changed {what}",  # Resolved → Follow-up
            f"Follow-up recorded {what}",
            f"Resolved {what}",
            re.compile(rf" {what}$"),  # reopened: its change is checked above
            f"Follow-up recorded {what}",
            f"Resolved {what}",
            f"Created {what}",
        ]
    )

    # The action item waits in its owner's work; no check-in does any more.
    page.get_by_role("link", name="My work", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("My follow-ups and action items")
    expect(page.locator("#checkins")).to_contain_text("No check-in waiting on you.")
    mine = page.locator("#actions").get_by_role("listitem")
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text("Add a month-end test in Tokyo time")
    expect(mine.get_by_role("link", name=f"#{eid} {title}")).to_be_visible()


# 2 ---------------------------------------------------------------------------------------


def emailed_to(box, address):
    return [message for rcpt_tos, message in box.received if rcpt_tos == [address]]


def test_a_customer_answers_the_survey_through_the_emailed_link_once(
    app, new_page, make_user, make_account, make_contact, sign_in, monkeypatch
):
    with app.app_context():
        rate_limiter().clear()  # the public page's per-address limit starts afresh
    ja = translator(app, "ja")
    csm = make_user("csm", name="Sakura Ito")
    account = make_account(name=ACCOUNT_NAME, csm_owner_id=csm)
    make_contact(account, name="Hanako Sato", email="hanako@example.co.jp")
    title = "Invoices fail to render"
    staff = new_page()
    sign_in(staff, csm)
    eid = raise_escalation(staff, account, title, "The invoice PDF is blank.")

    # Resolved with the survey, in the customer's language: the executive is offered first.
    open_resolve_form(staff)
    survey_to = staff.get_by_label("Send the satisfaction survey to", exact=True)
    expect(survey_to.locator("option:checked")).to_have_text("Hanako Sato <hanako@example.co.jp>")
    expect(field_of(staff, "Send the satisfaction survey to")).to_contain_text(
        "An e-mail with a one-time link; one survey per escalation."
    )
    language = staff.get_by_label("Language of the e-mail and the survey", exact=True)
    expect(language).to_have_value("en")  # the resolver's, as a start
    language.select_option(label="日本語")
    submit_resolution(staff, "Fixed the PDF fonts.", survey_to="Hanako Sato <hanako@example.co.jp>")
    survey = section(staff, "Satisfaction survey")
    expect(survey).to_contain_text(
        re.compile(r"Sent to hanako@example\.co\.jp on .+; not answered yet\.")
    )
    expect(survey).to_contain_text("The link works until")

    # The outbox is sent, as the scheduler does, to a real SMTP server on loopback.
    with smtp_server() as (port, box):
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", port)
        with app.app_context():
            send_pending(utcnow())
    [message] = emailed_to(box, "hanako@example.co.jp")
    subject = ja("How did we do? Your request “%(title)s”") % {"title": title}
    # Python's header folding may split "？ お" between two encoded words, and a space between
    # encoded words is not part of the text (RFC 2047): compare without spaces.
    assert "".join(message["Subject"].split()) == "".join(subject.split())
    body = message.get_content()
    assert "Hanako Sato" in body.splitlines()[0], body
    [link] = re.findall(r"https?://\S+", body)
    path = urlsplit(link).path
    assert path.startswith("/survey/"), link

    # The customer, on a phone, with no session of the app: the page is in the e-mail's
    # language (whatever the browser's), and can be switched.
    customer = new_page()
    customer.set_viewport_size(PHONE)
    response = customer.goto(path)
    assert response.status == 200
    expect(customer.locator("html")).to_have_attribute("lang", "ja")
    expect(customer.get_by_role("heading", level=1)).to_have_text(ja("How did we do?"))
    expect(customer.get_by_text(f"「{title}」", exact=False)).to_be_visible()
    expect(customer.get_by_role("button", name=re.compile("Sign out|ログアウト"))).to_have_count(0)
    customer.get_by_label(f"2 – {ja('Dissatisfied')}", exact=True).check()
    expect(customer.get_by_role("group", name=re.compile(ja("What went wrong?")))).to_be_visible()
    assert fits_width(customer)
    snapshot(customer, "survey-ja-390")
    languages = customer.get_by_role("navigation", name=ja("Language"))
    languages.get_by_role("link", name="English").click()  # a plain link: nothing used up
    expect(customer.get_by_role("heading", level=1)).to_have_text("How did we do?")

    went_wrong = customer.get_by_role("group", name=re.compile(r"^What went wrong\?"))
    expect(went_wrong).to_be_hidden()
    customer.get_by_label("2 – Dissatisfied", exact=True).check()
    expect(went_wrong).to_be_visible()
    went_wrong.get_by_label("I had to repeat myself", exact=True).check()
    went_wrong.get_by_label("Tell us more (optional)", exact=True).fill(
        "I explained the problem three times."
    )
    customer.get_by_label("Anything else you would like to tell us? (optional)", exact=True).fill(
        "The fix itself works."
    )
    assert fits_width(customer)
    snapshot(customer, "survey-390")
    customer.get_by_role("button", name="Send my answer").click()
    expect(customer.get_by_role("heading", level=1)).to_have_text("Thank you")
    expect(customer.get_by_text("Your answer was recorded.", exact=False)).to_be_visible()
    snapshot(customer, "survey-thanks-390")

    # The same link again: refused with a friendly page (in the e-mail's language).
    response = customer.goto(path)
    assert response.status == 410
    expect(customer.get_by_role("heading", level=1)).to_have_text(ja("You have already answered"))
    expect(customer.get_by_role("button")).to_have_count(0)
    snapshot(customer, "survey-used-390")

    # The staff see the answer on the escalation.
    staff.reload()
    expect(survey.get_by_text("Score 2/5")).to_be_visible()
    expect(survey).to_contain_text("Dissatisfied")
    expect(survey).to_contain_text("Answered")
    expect(survey.get_by_role("listitem")).to_have_text(["I had to repeat myself"])
    expect(survey).to_contain_text("I explained the problem three times.")
    expect(survey).to_contain_text("The fix itself works.")
    expect(survey.get_by_role("button", name=re.compile("^Send"))).to_have_count(0)
    expect(staff).to_have_url(re.compile(rf"/escalations/{eid}\b"))
    snapshot(staff, "escalation-with-answer")
    answered = section(staff, "Audit history").get_by_role("row").filter(has_text="Survey answered")
    expect(answered).to_have_count(1)

    # And on the account's timeline.
    staff.get_by_role("link", name=ACCOUNT_NAME, exact=True).first.click()
    expect(staff.get_by_role("heading", level=1)).to_contain_text(ACCOUNT_NAME)
    expect(staff.get_by_text("Satisfaction survey answered: score 2/5")).to_be_visible()


# 3 ---------------------------------------------------------------------------------------

NOTE_TITLE = "請求書の再発行ができない"
OTHER_TITLE = "VPN接続が不安定"


def write_other_note(app, author_id):
    """Set-up: a note about something else, written through the service."""
    with app.test_request_context():
        author = db.session.get(User, author_id)
        values = dict(
            title=OTHER_TITLE, symptoms="夕方になると切断される。", resolution="MTUを下げた。"
        )
        knowledge.create_note(author, values, ["network"])
        db.session.commit()


def sign_in_from_a_japanese_browser(app, page, user_id, t):
    """The sign-in page speaks the browser's language; then the user's own (waits for their
    name in the header)."""
    with app.app_context():
        user = db.session.get(User, user_id)
        email, name = user.email, user.name
    page.goto("/login")
    page.get_by_label(t("E-mail"), exact=True).fill(email)
    page.get_by_label(t("Password"), exact=True).fill(PASSWORD)
    page.get_by_role("button", name=t("Sign in")).click()
    expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()


def raise_form(page, account_id, t):
    page.goto(f"/accounts/{account_id}")
    page.get_by_role("link", name=t("Raise escalation"), exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("Raise escalation"))


def why_and_who(page, t):
    """The intake's case-file questions: why it is escalated, who asked."""
    page.get_by_label(t("Why escalated"), exact=True).select_option(label=t("Lack of progress"))
    page.get_by_label(t("Requested by"), exact=True).select_option(
        label=t("Customer", "requested by")
    )


def test_a_note_found_by_a_two_character_japanese_word_and_suggested_on_a_new_escalation(
    app, page, make_user, make_account, open_context
):
    t = translator(app, "ja")
    csm = make_user("csm", name="伊藤 さくら", locale="ja")
    write_other_note(app, make_user("csm", name="Ken Mori"))
    account = make_account(name=ACCOUNT_NAME, csm_owner_id=csm)
    sign_in_anyone(app, page, csm)
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    main_menu = page.get_by_role("navigation", name=t("Main"))

    # A note written through the page, in Japanese.
    main_menu.get_by_role("link", name=t("Knowledge"), exact=True).click()
    page.get_by_role("link", name=t("New note")).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("New knowledge note"))
    page.get_by_label(t("Title", "knowledge note"), exact=True).fill(NOTE_TITLE)
    page.get_by_label(t("Symptoms"), exact=True).fill(
        "お客様から請求書の再発行を頼まれたが、管理画面の再発行ボタンが押せない。"
    )
    page.get_by_label(t("Resolution"), exact=True).fill(
        "請求先の住所が未登録だと再発行できない。住所を登録してから再発行する。"
    )
    page.get_by_label(t("Tags"), exact=True).fill("billing")
    page.get_by_role("button", name=t("Save note")).click()
    expect(page.get_by_role("status")).to_have_text(t("Knowledge note saved."))
    expect(page.get_by_role("heading", level=1)).to_have_text(NOTE_TITLE)
    note_url = urlsplit(page.url).path

    # 請求 (two characters, inside the word 請求書) finds it, and only it.
    main_menu.get_by_role("link", name=t("Knowledge"), exact=True).click()
    expect(page.get_by_role("link", name=OTHER_TITLE)).to_be_visible()
    search = page.get_by_role("search", name=t("Search knowledge notes"))
    search.get_by_label(t("Search"), exact=True).fill("請求")
    search.get_by_role("button", name=t("Search")).click()
    expect(page).to_have_url(re.compile(r"/knowledge/\?q=%E8%AB%8B%E6%B1%82$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(rf"^{t('Knowledge notes')}\s*1$")
    )
    found = page.get_by_role("article")
    expect(found).to_have_count(1)
    expect(found.get_by_role("link", name=NOTE_TITLE)).to_have_attribute("href", note_url)
    expect(page.get_by_role("link", name=OTHER_TITLE)).to_have_count(0)

    # A new escalation like it: the note is suggested while it is typed, without a reload.
    raise_form(page, account, t)
    page.evaluate("window.sameDocument = true")
    suggestions = page.locator("[data-knowledge-suggest]")
    expect(suggestions).to_be_hidden()
    page.get_by_label(t("Title", "escalation"), exact=True).fill("請求書が届かない")
    page.get_by_label(t("Description"), exact=True).fill(
        "先月分の請求書がまだ届いていないとの連絡。"
    )
    why_and_who(page, t)
    expect(suggestions.get_by_role("heading")).to_have_text(t("Knowledge notes that may help"))
    expect(suggestions.get_by_role("link")).to_have_text([NOTE_TITLE])
    expect(suggestions.get_by_role("link")).to_have_attribute("href", note_url)
    assert page.evaluate("window.sameDocument") is True
    snapshot(page, "intake-suggestion-ja")
    page.get_by_role("button", name=t("Raise escalation"), exact=True).click()
    expect(page.get_by_role("status")).to_have_text(t("Escalation raised."))
    helps = page.get_by_text(t("Knowledge notes that may help")).locator("xpath=../..")
    expect(helps.get_by_role("link")).to_have_text([NOTE_TITLE])

    # Without script: no suggestion while typing, the escalation's page lists the note.
    plain = open_context(locale="ja-JP", java_script_enabled=False).new_page()
    sign_in_from_a_japanese_browser(app, plain, csm, t)
    raise_form(plain, account, t)
    plain.get_by_label(t("Title", "escalation"), exact=True).fill("今月の請求書が届かない")
    plain.get_by_label(t("Description"), exact=True).fill("請求書のメールが来ない。")
    why_and_who(plain, t)
    expect(plain.locator("[data-knowledge-suggest]")).to_be_hidden()
    plain.get_by_role("button", name=t("Raise escalation"), exact=True).click()
    expect(plain.get_by_role("status")).to_have_text(t("Escalation raised."))
    helps = plain.get_by_text(t("Knowledge notes that may help")).locator("xpath=../..")
    expect(helps).to_be_visible()
    expect(helps.get_by_role("link")).to_have_text([NOTE_TITLE])
    helps.get_by_role("link", name=NOTE_TITLE).click()
    expect(plain.get_by_role("heading", level=1)).to_have_text(NOTE_TITLE)
