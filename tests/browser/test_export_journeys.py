"""Scheduled export journeys through the UI as people make them: an admin creates a weekly
escalation register, watches the plain-language reading and the next five runs follow the form
(a wrong cron expression refused with its reason), runs it now, waits for it to succeed and
downloads the CSV; "Schedule this export" on a filtered escalation list, which carries the
list's kind and filters into the form (and the file holds what the list showed); the schedule
page, the list and the form on a phone, without sideways scrolling of the page.

Set EXPORT_SCREENSHOTS=1 to save the form with its preview and the schedule page after a run
(wide and 390 px) as PNGs in test-artifacts/ for a look by eye."""

import csv
import io
import os
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from app.auth.models import User
from app.escalations.models import Severity
from app.exports import services
from app.exports.models import CsvEncoding, ExportFormat, ExportKind, Frequency
from app.extensions import db
from tests.browser.conftest import ARTIFACTS, main_nav

NEW_YORK = ZoneInfo("America/New_York")
ACCOUNT_JA = "株式会社さくら物流"
TITLES = ["Checkout down", "請求書が発行できない", "Slow monthly reports"]
RUN_TIMEOUT = 30_000  # a run writes in a thread of the server; the page polls its progress
BOM = b"\xef\xbb\xbf"


# Reading the pages --------------------------------------------------------------------------------


def region(page, name):
    return page.get_by_role("region", name=name, exact=True)


def detail(scope, term):
    """The value of a term in a list of details (<dt>term</dt><dd>value</dd>)."""
    return scope.locator("dt", has_text=re.compile(f"^{re.escape(term)}$")).locator(
        "xpath=following-sibling::dd[1]"
    )


def field_of(scope, label):
    """The form field around the labelled control: its label, control, help and errors."""
    return scope.get_by_label(label, exact=True).locator("xpath=..")


def preview_box(page):
    """The form's timing preview: the reading, the next runs, or why it cannot run."""
    return page.locator("#exp-preview")


def latest_run(page):
    """The newest run in the schedule page's run table."""
    # The header row is not shown on a phone (each run is a block there): skip it by its cells.
    return region(page, "Runs").get_by_role("row").filter(has=page.get_by_role("cell")).first


def cell(row, name):
    return row.locator(f"[data-cell={name}]")


def local_runs(page, scope) -> list[datetime]:
    """The next runs a list shows, read from their <time datetime> as New York times."""
    stamps = scope.locator("time").evaluate_all("els => els.map(e => e.getAttribute('datetime'))")
    return [datetime.fromisoformat(s).astimezone(NEW_YORK) for s in stamps]


def assert_weekly(runs: list[datetime], weekday: int, at: time) -> None:
    """Five runs, a week apart on the weekday at the local time, the first within a week."""
    assert len(runs) == 5, runs
    assert all(r.weekday() == weekday and r.time() == at for r in runs), runs
    assert all((b.date() - a.date()).days == 7 for a, b in zip(runs, runs[1:], strict=False))
    now = datetime.now(NEW_YORK)
    assert now - timedelta(minutes=5) < runs[0] <= now + timedelta(days=7), (now, runs)


def run_now_and_wait(page):
    """Click Run now and wait (for the text, polled by the page) until the run succeeded."""
    page.get_by_role("button", name="Run now", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Export started.")
    run = latest_run(page)
    expect(cell(run, "status")).to_have_text("Succeeded", timeout=RUN_TIMEOUT)
    expect(cell(run, "file").get_by_role("link")).to_be_visible()
    return run


def download(page, link, folder):
    """Click the link, wait for the download, keep it in `folder`; (bytes, suggested name)."""
    with page.expect_download() as info:
        link.click()
    file = info.value
    path = folder / file.suggested_filename
    file.save_as(path)
    return path.read_bytes(), file.suggested_filename


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(BOM), data[:20]
    return list(csv.reader(io.StringIO(data[len(BOM) :].decode("utf-8"), newline="")))


def fits_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def snapshot(page, name):
    if os.environ.get("EXPORT_SCREENSHOTS"):
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"exports-{name}.png"), full_page=True)


# Set-up (data through the factories and services, not the UI) -----------------------------------


def some_escalations(make_account, make_escalation):
    """An account with three escalations of different severities; the account's id."""
    account = make_account(name=ACCOUNT_JA)
    for title, severity in zip(
        TITLES, (Severity.CRITICAL, Severity.HIGH, Severity.LOW), strict=True
    ):
        make_escalation(account, title=title, severity=severity)
    return account


def set_timezone(app, user_id, zone):
    with app.app_context():
        db.session.get(User, user_id).timezone = zone
        db.session.commit()


def weekly_register(app, owner_id, name) -> int:
    """A weekly escalation register (CSV) made through the service, as the form would."""
    with app.test_request_context():
        owner = db.session.get(User, owner_id)
        schedule = services.create_schedule(
            owner,
            dict(
                name=name,
                kind=ExportKind.ESCALATIONS,
                file_format=ExportFormat.CSV,
                encoding=CsvEncoding.UTF8_BOM,
                filters={},
                executive=None,
                frequency=Frequency.WEEKLY,
                weekday=0,
                month_day=None,
                cron="",
                run_time=time(8, 0),
                timezone="America/New_York",
                recipients=[],
                keep_files=10,
                enabled=True,
            ),
        )
        db.session.commit()
        return schedule.id


# 1 ---------------------------------------------------------------------------------------


def test_an_admin_schedules_a_weekly_register_runs_it_now_and_downloads_it(
    app, page, make_user, make_account, make_escalation, sign_in, tmp_path
):
    admin = make_user("admin", name="Aiko Admin")
    set_timezone(app, admin, "Asia/Tokyo")
    some_escalations(make_account, make_escalation)

    sign_in(page, admin)
    main_nav(page, "Exports")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile(r"^Scheduled exports\s*0$")
    )
    expect(page.get_by_text("No export schedules yet.", exact=False)).to_be_visible()
    page.get_by_role("link", name="New schedule").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New export schedule")

    what, when = region(page, "What"), region(page, "When")
    preview = preview_box(page)
    reading = preview.locator(".exp-reading")
    what.get_by_label("Name", exact=True).fill("Weekly escalation register")
    what.get_by_role("combobox", name="What", exact=True).select_option(label="Escalation register")
    what.get_by_label("Format", exact=True).select_option(label="CSV")
    expect(what.get_by_label("CSV encoding", exact=True)).to_have_value("utf8_bom")
    filters = what.get_by_role("group", name="Filters: Escalation register")
    filters.get_by_label("View", exact=True).select_option(label="All")

    # Drawn by the server for the form's defaults: weekly, Monday 07:00, the admin's zone.
    expect(when.get_by_label("Repeats", exact=True)).to_have_value("weekly")
    expect(when.get_by_label("Time zone", exact=True)).to_have_value("Asia/Tokyo")
    expect(reading).to_have_text("Every Monday at 07:00 (Asia/Tokyo)")
    expect(preview.get_by_role("listitem")).to_have_count(5)

    # Each change is read back at once (fetched by the page's script).
    when.get_by_label("Time zone", exact=True).select_option("America/New_York")
    expect(reading).to_have_text("Every Monday at 07:00 (America/New_York)")
    when.get_by_label("Time", exact=True).fill("09:30")
    expect(reading).to_have_text("Every Monday at 09:30 (America/New_York)")
    expect(preview).to_contain_text("Times in the schedule’s time zone (America/New_York).")
    assert_weekly(local_runs(page, preview), 0, time(9, 30))
    when.get_by_label("Weekday", exact=True).select_option(label="Wednesday")
    expect(reading).to_have_text("Every Wednesday at 09:30 (America/New_York)")
    expect(preview.get_by_role("listitem").first).to_contain_text("Wed")
    runs = local_runs(page, preview)
    assert_weekly(runs, 2, time(9, 30))
    expect(preview.get_by_role("listitem")).to_have_text(
        [re.compile(rf"^Wed, {r:%b} {r.day}, {r.year} 09:30$") for r in runs]
    )
    snapshot(page, "form-preview")

    # A cron expression: the time field gives way to it; a wrong one is refused with why.
    when.get_by_label("Repeats", exact=True).select_option(label="Cron expression")
    expect(when.get_by_label("Time", exact=True)).to_be_hidden()
    cron = when.get_by_label("Cron expression", exact=True)
    expect(cron).to_be_visible()
    expect(preview.locator(".error")).to_have_text(
        "Enter a cron expression, e.g. 0 9 * * 1 (09:00 every Monday)."
    )
    cron.fill("30 9 * * 3")
    expect(reading).to_have_text("At 09:30 on Wednesday (America/New_York)")
    assert_weekly(local_runs(page, preview), 2, time(9, 30))
    cron.fill("30 25 * * 3")
    expect(preview.locator(".error")).to_have_text("The hour field must be 0-23 (got 25).")
    expect(preview.get_by_role("listitem")).to_have_count(0)
    expect(reading).to_have_text("")

    # Saved anyway: refused, the reason next to the field, nothing else lost.
    page.get_by_role("button", name="Save schedule").click()
    expect(field_of(when, "Cron expression").get_by_role("alert")).to_have_text(
        "The hour field must be 0-23 (got 25)."
    )
    expect(cron).to_have_attribute("aria-invalid", "true")
    expect(cron).to_have_value("30 25 * * 3")
    expect(page.get_by_role("heading", level=1)).to_have_text("New export schedule")
    expect(what.get_by_label("Name", exact=True)).to_have_value("Weekly escalation register")

    # Back to a weekday: the weekday, time and zone chosen before are still there.
    when.get_by_label("Repeats", exact=True).select_option(label="Every week on a weekday")
    expect(cron).to_be_hidden()
    expect(reading).to_have_text("Every Wednesday at 09:30 (America/New_York)")
    page.get_by_role("button", name="Save schedule").click()

    expect(page.get_by_role("status")).to_have_text("Export schedule saved.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Weekly escalation register")
    schedule_url = page.url
    assert re.search(r"/exports/\d+$", schedule_url), schedule_url
    shown = region(page, "What and where")
    expect(detail(shown, "What")).to_have_text("Escalation register")
    expect(detail(shown, "Format")).to_have_text("CSV · UTF-8 with BOM (Excel anywhere)")
    timing = region(page, "When")
    expect(timing.locator(".exp-reading")).to_have_text(
        "Every Wednesday at 09:30 (America/New_York)"
    )
    next_runs = timing.get_by_role("listitem")
    expect(next_runs).to_have_count(5)
    expect(next_runs).to_have_text([re.compile(r"^Wed, \w{3} \d{1,2}, \d{4} 09:30$")] * 5)
    expect(region(page, "Runs")).to_contain_text("Not run yet.")

    # Run now: the page follows the run until it is done, without a reload.
    run = run_now_and_wait(page)
    expect(cell(run, "rows")).to_have_text("3")
    link = cell(run, "file").get_by_role("link")
    expect(link).to_have_text(re.compile(r"^escalations-\d{8}-\d{4}-\d+\.csv$"))
    expect(cell(run, "size")).to_have_text(re.compile(r"^\d[\d,]* bytes$"))
    expect(cell(run, "sha256")).to_have_text(re.compile(r"^[0-9a-f]{12}…$"))
    snapshot(page, "schedule-after-run")

    data, name = download(page, link, tmp_path)
    assert name == link.text_content()
    header, *rows = csv_rows(data)
    assert header[:4] == ["ID", "Title", "Account", "Severity"], header
    assert sorted(row[1] for row in rows) == sorted(TITLES)
    assert {row[2] for row in rows} == {ACCOUNT_JA}
    assert {row[1]: row[3] for row in rows}["Checkout down"] == "Critical"

    # The download is in the schedule's history; the list shows the schedule and its run.
    page.reload()
    expect(page.locator(".exp-history")).to_contain_text("Downloaded")
    main_nav(page, "Exports")
    row = page.get_by_role("row").filter(has_text="Weekly escalation register")
    expect(row).to_contain_text("Every Wednesday at 09:30 (America/New_York)")
    expect(row).to_contain_text("Succeeded")


# 2 ---------------------------------------------------------------------------------------


def test_schedule_this_export_from_a_filtered_escalation_list(
    app, page, make_user, make_account, make_escalation, sign_in, tmp_path
):
    admin = make_user("admin", name="Aiko Admin")
    some_escalations(make_account, make_escalation)

    sign_in(page, admin)
    main_nav(page, "Escalations")
    filters = page.get_by_role("search", name="Filter escalations")
    filters.get_by_label("Severity", exact=True).select_option(label="Critical")
    filters.get_by_role("button", name="Apply").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Escalations\s*1$"))
    page.get_by_role("link", name="Schedule this export").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("New export schedule")
    what = region(page, "What")
    expect(what.get_by_role("combobox", name="What", exact=True)).to_have_value("escalations")
    expect(what.get_by_label("Name", exact=True)).to_have_value("Escalation register")
    chosen = what.get_by_role("group", name="Filters: Escalation register")
    expect(chosen).to_be_visible()
    expect(chosen.get_by_label("Severity", exact=True)).to_have_value("critical")
    selected = chosen.get_by_label("Severity", exact=True).locator("option:checked")
    expect(selected).to_have_text("Critical")
    # Only the chosen kind's filters are shown.
    expect(what.get_by_role("group")).to_have_count(1)

    page.get_by_role("button", name="Save schedule").click()
    expect(page.get_by_role("status")).to_have_text("Export schedule saved.")
    filters_shown = detail(region(page, "What and where"), "Filters")
    expect(filters_shown).to_contain_text("Severity: Critical")

    # The file holds what the list showed.
    run = run_now_and_wait(page)
    expect(cell(run, "rows")).to_have_text("1")
    data, _name = download(page, cell(run, "file").get_by_role("link"), tmp_path)
    _header, *rows = csv_rows(data)
    assert [row[1] for row in rows] == ["Checkout down"]

    # And "See on the list" leads back to the same list.
    filters_shown.get_by_role("link", name="See on the list").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Escalations\s*1$"))
    expect(filters.get_by_label("Severity", exact=True)).to_have_value("critical")


# 3 ---------------------------------------------------------------------------------------


def test_the_schedule_page_on_a_phone(app, page, make_user, make_account, make_escalation, sign_in):
    admin = make_user("admin", name="Aiko Admin")
    some_escalations(make_account, make_escalation)
    schedule = weekly_register(app, admin, "Weekly escalation register for the leadership team")

    sign_in(page, admin)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/exports/{schedule}")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Weekly escalation register for the leadership team"
    )
    expect(region(page, "When").get_by_role("listitem")).to_have_count(5)
    assert fits_width(page)

    run = run_now_and_wait(page)
    expect(cell(run, "rows")).to_have_text("3")
    assert fits_width(page)
    snapshot(page, "schedule-390")

    # The list and the form fit too.
    main_nav(page, "Exports")
    expect(
        page.get_by_role("link", name="Weekly escalation register for the leadership team")
    ).to_be_visible()
    assert fits_width(page)
    page.get_by_role("link", name="New schedule").first.click()
    expect(preview_box(page).get_by_role("listitem")).to_have_count(5)
    assert fits_width(page)
    snapshot(page, "form-390")
