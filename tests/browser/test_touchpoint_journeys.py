"""Executive touchpoint journeys through the UI as people make them: a CSM schedules a
touchpoint (in Asia/Tokyo, with a Japanese agenda), adds it to a calendar with its .ics file and
records its outcome with a next step that lands on its owner's list; an executive reads the
prep brief before a call; a user subscribes to their calendar feed and revokes it; a CSM marks
the customer's economic buyer as gone and the sponsorship is flagged with a meeting proposed;
an executive reviews their sponsored accounts on a wide screen and a phone and downloads the
account and portfolio briefs as PDFs (their text, Japanese included, read back with poppler).

Set TOUCHPOINT_SCREENSHOTS=1 to save the executive's page at 1440 and 390 px and the first page of
the account brief as PNGs in test-artifacts/ for a look by eye."""

import os
import re
import shutil
import subprocess
import urllib.error
import urllib.request
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from icalendar import Calendar
from playwright.sync_api import expect

from app.accounts.models import Account, Contact, ContactRole, Departure
from app.auth.models import User
from app.escalations.models import Severity
from app.extensions import db
from app.sponsorship.models import SponsorshipStatus
from app.touchpoints import services
from app.touchpoints.models import Touchpoint, TouchpointKind
from tests.browser.conftest import ARTIFACTS, main_nav

TOKYO = ZoneInfo("Asia/Tokyo")
NEW_YORK = ZoneInfo("America/New_York")
ACCOUNT_JA = "株式会社髙橋製作所"
CONTACT_JA = "髙橋 一郎"
AGENDA_JA = "更新契約の条件について\n障害の再発防止策を説明する"
BASELINE = {
    "health": 70,
    "nps": 20,
    "arr_minor": 1_000_000,
    "currency": "JPY",
    "open_escalations": 0,
    "escalations_90d": 0,
}


# Set-up (data through the factories and services, not the UI) -----------------------------------


def set_timezone(app, user_id, zone: str) -> None:
    with app.app_context():
        db.session.get(User, user_id).timezone = zone
        db.session.commit()


def sponsored_account(make_account, make_sponsorship, executive_id, **values):
    """An account in the program, sponsored by the executive; (account id, sponsorship id)."""
    account_id = make_account(**values)
    sponsorship_id = make_sponsorship(
        account_id,
        status=SponsorshipStatus.ACTIVE,
        sponsor_id=executive_id,
        started_on=date.today() - timedelta(days=60),
        baseline=BASELINE,
    )
    return account_id, sponsorship_id


def scheduled(app, actor_id, account_id, starts_at, **values) -> int:
    """A touchpoint planned through the service by the actor; `outcome` and `steps`
    ([(text, owner id, due date)]) complete it. Its id."""
    outcome, steps = values.pop("outcome", None), values.pop("steps", ())
    with app.test_request_context():
        actor = db.session.get(User, actor_id)
        touchpoint = services.schedule(
            actor,
            db.session.get(Account, account_id),
            kind=values.pop("kind", TouchpointKind.EXECUTIVE_CALL),
            starts_at=starts_at,
            timezone=str(starts_at.tzinfo),
            executives=[db.session.get(User, i) for i in values.pop("executives", ())],
            contacts=[db.session.get(Contact, i) for i in values.pop("contacts", ())],
            **values,
        )
        if outcome is not None:
            next_steps = [
                services.NextStep(text, db.session.get(User, owner), due)
                for text, owner, due in steps
            ]
            services.complete(actor, touchpoint, outcome, next_steps)
        db.session.commit()
        return touchpoint.id


# Reading the pages --------------------------------------------------------------------------------


def section(page, heading):
    return page.locator("section").filter(has=page.get_by_role("heading", name=heading))


def detail(page, term):
    """The value of a term in a page's list of details (<dt>term</dt><dd>value</dd>)."""
    return page.locator("dt", has_text=re.compile(f"^{re.escape(term)}$")).locator(
        "xpath=following-sibling::dd[1]"
    )


def accept_dialogs(page) -> list[str]:
    """Accept every confirm dialog the page opens; the questions asked, in order."""
    questions = []

    def answer(dialog):
        questions.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    return questions


def shown_at(moment: datetime, zone: ZoneInfo) -> str:
    """A start as the touchpoint page writes it for an English reader in that zone."""
    local = moment.astimezone(zone)
    return f"{format_date(local, 'full', locale='en')} {format_time(local, 'short', locale='en')}"


def day(value: date) -> str:
    """A date as the pages write it for an English reader (medium)."""
    return format_date(value, "medium", locale="en")


def downloaded(page, link_name, folder):
    """Click the link, wait for the download, keep it in `folder`; (path, suggested name)."""
    with page.expect_download(timeout=30_000) as info:  # a PDF takes WeasyPrint a moment
        page.get_by_role("link", name=link_name, exact=True).click()
    download = info.value
    path = folder / f"{len(list(folder.iterdir()))}-{download.suggested_filename}"
    download.save_as(path)
    return path, download.suggested_filename


def pdf_text(path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


def embedded_fonts(path) -> list[str]:
    """The names of the fonts embedded in the PDF (pdffonts), subset prefixes removed."""
    listing = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, check=True, text=True
    ).stdout.splitlines()[2:]
    assert all(line.split()[-5] == "yes" for line in listing), listing  # "emb"
    return sorted({line.split()[0].split("+", 1)[-1] for line in listing})


def fetch(url):
    """GET the address as a calendar application does (no cookies); (status, body)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def snapshot(page, name):
    if os.environ.get("TOUCHPOINT_SCREENSHOTS"):
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def keep_first_page(pdf, folder, name):
    """The PDF's first page as a PNG in test-artifacts/ (poppler's pdftoppm), when asked."""
    if os.environ.get("TOUCHPOINT_SCREENSHOTS"):
        ARTIFACTS.mkdir(exist_ok=True)
        prefix = folder / "first-page"
        subprocess.run(
            ["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", "-singlefile", str(pdf)]
            + [str(prefix)],
            check=True,
        )
        shutil.copy(f"{prefix}.png", ARTIFACTS / name)


# 1 ---------------------------------------------------------------------------------------


def test_a_csm_schedules_a_touchpoint_adds_it_to_a_calendar_and_records_its_outcome(
    app, new_page, make_user, make_account, make_contact, sign_in, tmp_path
):
    csm = make_user("csm", name="Sakura Ito")
    set_timezone(app, csm, "Asia/Tokyo")
    executive = make_user("executive", name="Kenji Exec", email="kenji@example.test")
    set_timezone(app, executive, "America/New_York")
    account = make_account(name=ACCOUNT_JA, csm_owner_id=csm)
    make_contact(account, name=CONTACT_JA, title="代表取締役")
    make_contact(
        account,
        name="Gone Person",
        title="CFO",
        departure=Departure.LEFT,
        departed_on=date.today() - timedelta(days=40),
    )
    entered = datetime.combine(date.today() + timedelta(days=10), time(15, 30))
    starts = entered.replace(tzinfo=TOKYO)
    due = date.today() + timedelta(days=20)

    # The CSM schedules it from the account's page.
    owner = new_page()
    sign_in(owner, csm)
    owner.goto(f"/accounts/{account}")
    touchpoints = section(owner, "Executive touchpoints")
    expect(touchpoints.get_by_text("No touchpoints with this account yet.")).to_be_visible()
    touchpoints.get_by_role("link", name="Schedule a touchpoint").click()
    expect(owner.get_by_role("heading", level=1)).to_have_text(
        f"Schedule a touchpoint {ACCOUNT_JA}"
    )
    expect(owner.get_by_text("In your timezone (Asia/Tokyo).")).to_be_visible()
    owner.get_by_label("Kind", exact=True).select_option(label="Executive business review")
    owner.get_by_label("Starts", exact=True).fill(entered.strftime("%Y-%m-%dT%H:%M"))
    owner.get_by_label("Duration (minutes)", exact=True).fill("90")
    owner.get_by_label("Title", exact=True).fill("Renewal review")
    owner.get_by_label("Agenda", exact=True).fill(AGENDA_JA)
    expect(owner.get_by_label("Sakura Ito", exact=True)).to_be_checked()  # the CSM, offered
    owner.get_by_label("Kenji Exec", exact=True).check()
    owner.get_by_label(f"{CONTACT_JA} · 代表取締役", exact=True).check()
    expect(owner.get_by_label("Gone Person · CFO")).to_have_count(0)  # left: not offered
    owner.get_by_role("button", name="Schedule touchpoint").click()

    expect(owner.get_by_role("status")).to_have_text("Touchpoint scheduled.")
    expect(owner.get_by_role("heading", level=1)).to_have_text("Renewal review")
    touchpoint_url = owner.url
    touchpoint_id = int(re.search(r"/touchpoints/(\d+)$", touchpoint_url)[1])
    when = section(owner, "When and who")
    expect(detail(when, "Starts")).to_have_text(shown_at(starts, TOKYO))
    expect(detail(when, "Time zone")).to_have_text("Asia/Tokyo")
    expect(detail(when, "Duration")).to_contain_text("90 min")
    expect(when.get_by_role("listitem")).to_have_text(
        ["Kenji Exec", "Sakura Ito", re.compile(f"^{CONTACT_JA}")]
    )
    expect(section(owner, "Agenda").locator("p")).to_have_text(AGENDA_JA)

    # Into a calendar: the .ics file says the same time, in the zone it was entered in.
    path, name = downloaded(owner, "Add to calendar (.ics)", tmp_path)
    assert name == f"touchpoint-{touchpoint_id}.ics"
    calendar = Calendar.from_ical(path.read_bytes())
    (event,) = calendar.walk("VEVENT")
    with app.app_context():
        uid = db.session.get(Touchpoint, touchpoint_id).uid
    assert str(event["UID"]) == uid
    assert event["DTSTART"].params["TZID"] == "Asia/Tokyo"
    assert event.decoded("DTSTART") == starts
    assert event.decoded("DTSTART").replace(tzinfo=None) == entered
    assert event.decoded("DTEND") == starts + timedelta(minutes=90)
    assert str(event["SUMMARY"]) == f"Renewal review with {ACCOUNT_JA}"
    assert AGENDA_JA in str(event["DESCRIPTION"])
    assert CONTACT_JA in str(event["DESCRIPTION"])
    assert "mailto:kenji@example.test" in [str(a) for a in event["ATTENDEE"]]
    assert [str(zone["TZID"]) for zone in calendar.walk("VTIMEZONE")] == ["Asia/Tokyo"]

    # The outcome, with a next step for the executive.
    owner.get_by_role("link", name="Record outcome").click()
    expect(owner.get_by_role("heading", level=1)).to_contain_text("Record outcome")
    owner.get_by_label("Outcome", exact=True).fill("更新は前向き。価格の再提案を求められた。")
    first = owner.get_by_role("group", name="Next step 1", exact=True)
    first.get_by_label("Next step", exact=True).fill("Send the revised price proposal")
    first.get_by_label("Owner", exact=True).select_option(label="Kenji Exec")
    first.get_by_label("Due date", exact=True).fill(due.isoformat())
    owner.get_by_role("button", name="Record outcome").click()

    expect(owner.get_by_role("status")).to_have_text(
        "Outcome recorded: the next steps are on their owners' lists."
    )
    expect(owner).to_have_url(f"{touchpoint_url}#recap")
    recap = owner.get_by_role("region", name="Recap")
    expect(recap).to_contain_text("更新は前向き。価格の再提案を求められた。")
    step = recap.get_by_role("listitem").filter(has_text="Send the revised price proposal")
    expect(step).to_contain_text(f"Kenji Exec · due {day(due)}")
    expect(owner.get_by_role("link", name="Record outcome")).to_have_count(0)
    expect(owner.get_by_role("heading", level=1).locator("xpath=..")).to_contain_text("Completed")

    # The step is on the executive's list; he reads the time in his own zone.
    boss = new_page()
    sign_in(boss, executive)
    main_nav(boss, "Touchpoints")
    mine = boss.get_by_role("link", name=re.compile(r"^My next steps"))
    expect(mine).to_have_text(re.compile(r"^My next steps\s*1$"))  # one open, says the badge
    mine.click()
    expect(boss.get_by_role("heading", level=1)).to_have_text(re.compile(r"^My next steps\s*1$"))
    item = boss.get_by_role("listitem").filter(has_text="Send the revised price proposal")
    expect(item).to_contain_text(f"due {day(due)}")
    expect(item.get_by_role("link", name=ACCOUNT_JA)).to_be_visible()
    item.get_by_role("link", name="Renewal review").click()
    expect(boss).to_have_url(touchpoint_url)
    when = section(boss, "When and who")
    expect(detail(when, "Starts")).to_have_text(shown_at(starts, NEW_YORK))
    expect(detail(when, "Time zone")).to_have_text("America/New_York (entered in Asia/Tokyo)")


# 2 ---------------------------------------------------------------------------------------


def test_an_executive_reads_the_prep_brief_before_a_call(
    app, page, make_user, make_account, make_contact, make_escalation, sign_in
):
    csm = make_user("csm", name="Sakura Ito")
    executive = make_user("executive", name="Kenji Exec")
    account = make_account(name=ACCOUNT_JA, csm_owner_id=csm, health_score=45)
    ceo = make_contact(account, name=CONTACT_JA, title="代表取締役")
    make_escalation(account, title="Slow invoices", severity=Severity.CRITICAL)
    make_escalation(account, title="解約の申し出", severity=Severity.MEDIUM, executive=True)
    last_met = (datetime.now(TOKYO) - timedelta(days=30)).replace(
        hour=11, minute=0, second=0, microsecond=0
    )
    scheduled(
        app,
        csm,
        account,
        last_met,
        executives=[executive],
        contacts=[ceo],
        title="Kick-off",
        outcome="Agreed a monthly steering meeting.",
        steps=[("Share the recovery plan", csm, date.today() + timedelta(days=5))],
    )
    upcoming = datetime.combine(date.today() + timedelta(days=3), time(14, 0), TOKYO)
    scheduled(
        app,
        csm,
        account,
        upcoming,
        executives=[executive],
        contacts=[ceo],
        title="Steering call",
        agenda=AGENDA_JA,
    )

    sign_in(page, executive)
    main_nav(page, "Touchpoints")
    page.get_by_role("link", name="Steering call", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Steering call")
    page.get_by_role("link", name="Prep brief").click()
    page.set_viewport_size({"width": 390, "height": 844})  # read on the phone, on the way

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Prep brief: {ACCOUNT_JA}")
    today = section(page, "The account today")
    expect(detail(today, "Health score")).to_contain_text("45")
    expect(section(page, "Agenda")).to_contain_text("更新契約の条件について")
    escalations = section(page, re.compile(r"^Open escalations"))
    expect(escalations.get_by_role("heading")).to_have_text(re.compile(r"Open escalations\s*2$"))
    # The executive escalation leads, though the other is more severe.
    expect(escalations.get_by_role("listitem")).to_have_text(
        [re.compile(r"^\s*EXECUTIVE\s+#\d+ 解約の申し出"), re.compile(r"^\s*#\d+ Slow invoices")]
    )
    last = section(page, "Last touchpoint")
    expect(last.get_by_role("link", name="Kick-off")).to_be_visible()
    expect(last).to_contain_text("Agreed a monthly steering meeting.")
    expect(last.get_by_role("listitem")).to_have_text(
        [re.compile(r"^\s*Share the recovery plan\s+Sakura Ito · due ")]
    )
    attending = section(page, "Who is attending")
    person = attending.get_by_role("listitem").filter(has_text=CONTACT_JA)
    expect(person).to_contain_text("Executive")
    expect(person).to_contain_text(f"Last met {day(last_met.date())}")
    expect(attending).to_contain_text("Our attendees: Kenji Exec")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    snapshot(page, "touchpoints-prep-390.png")


# 3 ---------------------------------------------------------------------------------------


def test_a_user_subscribes_to_the_calendar_feed_and_revokes_it(
    app, page, make_user, make_account, sign_in
):
    csm = make_user("csm", name="Sakura Ito")
    account = make_account(name=ACCOUNT_JA, csm_owner_id=csm)
    starts = datetime.combine(date.today() + timedelta(days=5), time(9, 0), TOKYO)
    scheduled(app, csm, account, starts, executives=[csm], title="Quarterly check-in")
    questions = accept_dialogs(page)

    sign_in(page, csm)
    page.get_by_role("link", name="Sakura Ito", exact=True).click()
    feed = section(page, "Calendar feed")
    expect(feed.get_by_text("You have no calendar feed.")).to_be_visible()
    feed.get_by_role("button", name="Create a feed address").click()

    expect(feed.get_by_role("status")).to_contain_text(
        "Copy your feed address now: it is shown only this once."
    )
    address = feed.get_by_label("Feed address", exact=True).input_value()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/calendar/feed/[^/]+\.ics", address), address
    expect(feed.get_by_role("link", name="Open in my calendar application")).to_have_attribute(
        "href", "webcal://" + address.split("://", 1)[1]
    )

    # A calendar application fetches it without signing in.
    status, body = fetch(address)
    assert status == 200
    calendar = Calendar.from_ical(body)
    assert str(calendar["X-WR-CALNAME"]) == "CRM touchpoints"
    (event,) = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == f"Quarterly check-in with {ACCOUNT_JA}"
    assert event.decoded("DTSTART") == starts

    # Shown once: back on the profile, the address is gone and the fetch is noted.
    page.reload()
    expect(feed.get_by_label("Feed address")).to_have_count(0)
    expect(feed).to_contain_text("Last fetched")

    feed.get_by_role("button", name="Revoke the feed").click()
    expect(page.get_by_role("status")).to_have_text(
        "Your calendar feed is revoked: its address no longer works."
    )
    assert questions == ["Revoke the calendar feed? Its address stops working at once."]
    expect(feed.get_by_text("You have no calendar feed.")).to_be_visible()
    assert fetch(address)[0] == 404


# 4 ---------------------------------------------------------------------------------------


def test_the_customer_sponsor_leaves_and_a_meeting_with_the_successor_is_proposed(
    app, new_page, make_user, make_account, make_contact, make_sponsorship, sign_in
):
    csm = make_user("csm", name="Sakura Ito")
    executive = make_user("executive", name="Kenji Exec")
    account, _sponsorship = sponsored_account(
        make_account, make_sponsorship, executive, name=ACCOUNT_JA, csm_owner_id=csm
    )
    make_contact(account, name=CONTACT_JA, title="CFO", role=ContactRole.ECONOMIC_BUYER)
    make_contact(account, name="Mika Champion", title="IT lead", role=ContactRole.CHAMPION)
    left_on = date.today() - timedelta(days=3)

    owner = new_page()
    sign_in(owner, csm)
    owner.goto(f"/accounts/{account}")
    contacts = owner.get_by_role("region", name="Contacts")
    row = contacts.get_by_role("row").filter(has_text=CONTACT_JA)
    row.get_by_role("link", name="Left or changed role").click()
    departure = owner.get_by_role("region", name="Left or changed role")
    expect(departure).to_contain_text("a call to meet the successor is proposed")
    departure.get_by_label("Left the company", exact=True).check()
    departure.get_by_label("Left or changed role on", exact=True).fill(left_on.isoformat())
    departure.get_by_label("Note", exact=True).fill("後任は佐藤さん")
    departure.get_by_role("button", name="Save departure").click()

    expect(owner.get_by_role("status")).to_have_text(
        f"{CONTACT_JA} is marked as having left or changed role."
    )
    expect(row.locator("s")).to_have_text(CONTACT_JA)
    expect(row.get_by_role("button", name="Still here")).to_be_visible()
    touchpoints = section(owner, "Executive touchpoints")
    successor = touchpoints.get_by_role(
        "link", name=f"Meet the successor of {CONTACT_JA}", exact=True
    )
    expect(successor).to_be_visible()

    # The sponsorship is flagged.
    owner.get_by_role("link", name="Sponsorship: Active", exact=True).click()
    flag = owner.get_by_role("region", name="Sponsor change")
    expect(flag).to_contain_text(
        f"{CONTACT_JA}, the customer's decision maker, left or changed role on {day(left_on)}."
    )

    # The proposed call: the sponsor and the CSM, a week ahead at 10:00 the sponsor's time.
    owner.goto(f"/accounts/{account}")
    successor.click()
    expect(owner.get_by_role("heading", level=1)).to_have_text(
        f"Meet the successor of {CONTACT_JA}"
    )
    when = section(owner, "When and who")
    expect(detail(when, "Starts")).to_contain_text(format_time(time(10, 0), "short", locale="en"))
    expect(when.get_by_role("listitem")).to_have_text(["Kenji Exec", "Sakura Ito"])

    # The sponsor is told and sees the change on his review page.
    boss = new_page()
    sign_in(boss, executive)
    boss.get_by_role("link", name="1 unread notification", exact=True).click()
    expect(
        boss.get_by_text(
            f"{CONTACT_JA} of {ACCOUNT_JA} left or changed role: meet the successor"
        ).first
    ).to_be_visible()
    main_nav(boss, "My accounts")
    card = boss.get_by_role("article").filter(has=boss.get_by_role("link", name=ACCOUNT_JA))
    expect(card).to_contain_text(f"Sponsor change since {day(left_on)}")


# 5 ---------------------------------------------------------------------------------------


def test_an_executive_reviews_the_sponsored_accounts_on_a_wide_screen_and_a_phone(
    app, page, make_user, make_account, make_sponsorship, make_escalation, sign_in
):
    executive = make_user("executive", name="Kenji Exec")
    calm, _s = sponsored_account(
        make_account,
        make_sponsorship,
        executive,
        name="Calm Foods KK",
        renewal_date=date.today() + timedelta(days=400),
    )
    burning, _s = sponsored_account(
        make_account,
        make_sponsorship,
        executive,
        name=ACCOUNT_JA,
        renewal_date=date.today() + timedelta(days=300),
    )
    make_escalation(burning, title="解約の申し出", executive=True)
    make_account(name="Not Sponsored KK")
    names = [ACCOUNT_JA, "Calm Foods KK"]

    sign_in(page, executive)
    page.set_viewport_size({"width": 1440, "height": 900})
    main_nav(page, "My accounts")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"^My sponsored accounts\s*2$")
    )
    cards = page.get_by_role("article")
    expect(cards.get_by_role("heading", level=2)).to_have_text(names)
    expect(cards.first).to_contain_text("Executive escalation open")
    expect(cards.first.get_by_role("link", name="解約の申し出")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1440
    snapshot(page, "touchpoints-review-1440.png")

    page.set_viewport_size({"width": 390, "height": 844})
    expect(cards.get_by_role("heading", level=2)).to_have_text(names)
    expect(page.get_by_role("link", name="Download portfolio brief (PDF)")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    snapshot(page, "touchpoints-review-390.png")

    # The review of the account that needs him, from its card.
    cards.first.get_by_role("link", name="Review", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ACCOUNT_JA)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    reviews = section(page, re.compile(r"^Reviews"))
    expect(reviews.get_by_text("No review recorded yet.")).to_be_visible()
    page.get_by_label("Continue the sponsorship", exact=True).check()
    page.get_by_label("Review note", exact=True).fill("月次で進捗を確認し、更新まで伴走する。")
    page.get_by_role("button", name="Record the review").click()

    expect(page.get_by_role("status")).to_have_text(f"Review recorded for {ACCOUNT_JA}.")
    expect(reviews.get_by_role("heading")).to_have_text(re.compile(r"^Reviews\s*1$"))
    expect(reviews).to_contain_text("月次で進捗を確認し、更新まで伴走する。")
    expect(reviews).to_contain_text("Kenji Exec")
    expect(reviews).to_contain_text("Continue the sponsorship")

    # Back on his list, the card shows the latest review.
    main_nav(page, "My accounts")
    latest = cards.first.locator("section").filter(has_text="Latest review")
    expect(latest).to_contain_text("月次で進捗を確認し、更新まで伴走する。")


# 6 ---------------------------------------------------------------------------------------


def test_an_executive_downloads_the_account_and_portfolio_briefs(
    app, page, make_user, make_account, make_sponsorship, make_escalation, sign_in, tmp_path
):
    executive = make_user("executive", name="Kenji Exec")
    burning, _s = sponsored_account(
        make_account, make_sponsorship, executive, name=ACCOUNT_JA, health_score=40
    )
    make_escalation(burning, title="解約の申し出", executive=True)
    sponsored_account(make_account, make_sponsorship, executive, name="Calm Foods KK")

    sign_in(page, executive)
    main_nav(page, "My accounts")
    page.get_by_role("link", name=ACCOUNT_JA, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(ACCOUNT_JA)

    path, name = downloaded(page, "Download account brief (PDF)", tmp_path)
    assert re.fullmatch(rf"{ACCOUNT_JA} \d{{4}}-\d{{2}}-\d{{2}}\.pdf", name), name
    text = pdf_text(path)
    assert f"Account brief: {ACCOUNT_JA}" in text
    assert "Open escalations" in text and "解約の申し出" in text
    assert "Sponsor: Kenji Exec" in text
    assert "Calm Foods KK" not in text
    assert embedded_fonts(path) == ["Noto-Sans-CJK-JP", "Noto-Sans-CJK-JP-Bold"]
    keep_first_page(path, tmp_path, "touchpoints-account-brief.png")

    main_nav(page, "My accounts")
    path, name = downloaded(page, "Download portfolio brief (PDF)", tmp_path)
    assert re.fullmatch(r"Kenji Exec \d{4}-\d{2}-\d{2}\.pdf", name), name
    text = pdf_text(path)
    assert "Portfolio brief: Kenji Exec" in text
    assert "2 sponsored accounts" in text
    assert ACCOUNT_JA in text and "Calm Foods KK" in text and "解約の申し出" in text
    # The account that needs him comes first.
    assert text.index(ACCOUNT_JA) < text.index("Calm Foods KK")
    assert embedded_fonts(path) == ["Noto-Sans-CJK-JP", "Noto-Sans-CJK-JP-Bold"]

    page.get_by_role("link", name="Briefs generated").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Briefs generated\s*2$"))
    rows = page.get_by_role("table").get_by_role("row")
    expect(rows.filter(has_text="Portfolio brief")).to_contain_text("2 accounts")
    expect(rows.filter(has_text="Account brief").get_by_role("link")).to_have_text(ACCOUNT_JA)
