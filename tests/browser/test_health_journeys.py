"""The escalation's health, through the UI as a CSM lives it: raising an escalation says why
and who asked; setting it red (with a note) starts the daily customer-update cadence, due
about 24 hours ahead; a day passes without an update and the sweep breaches it; the customer
update answers it (late, so missed) and the next one is due a day later; an update in time is
met.

Set HEALTH_SCREENSHOTS=1 to save the health panel and the intake form's new fields, at desktop
and phone width, as PNGs in test-artifacts/ for a look by eye."""

import os
import re
from datetime import timedelta

import sqlalchemy as sa
from playwright.sync_api import expect

from app.escalations.models import ClockKind, SlaClock
from app.escalations.sweep import sweep_sla
from app.extensions import db
from app.models import utcnow
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_escalation_journeys import clock, section

PHONE = {"width": 390, "height": 844}


def snapshot(page, name, element=None):
    if not os.environ.get("HEALTH_SCREENSHOTS"):
        return
    ARTIFACTS.mkdir(exist_ok=True)
    for width, viewport in (("desktop", {"width": 1300, "height": 900}), ("phone", PHONE)):
        page.set_viewport_size(viewport)
        path = str(ARTIFACTS / f"health-{name}-{width}.png")
        if element is not None:
            element.screenshot(path=path)
        else:
            page.screenshot(path=path, full_page=True)
    page.set_viewport_size({"width": 1300, "height": 900})


def running_health_clock(app) -> SlaClock:
    with app.app_context():
        row = db.session.scalars(
            sa.select(SlaClock).where(
                SlaClock.kind == ClockKind.HEALTH_UPDATE, SlaClock.stopped_at.is_(None)
            )
        ).one()
        db.session.expunge(row)
        return row


def a_day_passes(app):
    """A day and an hour go by without an update: the clock's times move back, then the
    scheduler's sweep runs, as it does every few minutes."""
    with app.app_context():
        shift = timedelta(hours=25)
        running = db.session.scalars(
            sa.select(SlaClock).where(
                SlaClock.kind == ClockKind.HEALTH_UPDATE, SlaClock.stopped_at.is_(None)
            )
        ).one()
        running.started_at -= shift
        running.due_at -= shift
        running.warn_at -= shift
        db.session.commit()
        assert sweep_sla(utcnow())["breached"] == 1


def record_customer_update(page, summary):
    updates = section(page, "Customer updates")
    updates.get_by_label("What you told the customer", exact=True).fill(summary)
    updates.get_by_role("button", name="Record customer update").click()
    expect(page.get_by_role("status").first).to_contain_text("Customer update recorded.")


def test_a_red_escalation_falls_due_for_its_daily_update(
    page, app, make_user, make_account, make_contact, sign_in
):
    csm = make_user("csm", name="Sakura CSM")
    account = make_account(name="Sakura Logistics", csm_owner_id=csm)
    make_contact(account, name="Hanako Sato", title="CIO")
    sign_in(page, csm)

    # Intake says why and who asked; leaving them out is explained next to the fields.
    page.goto(f"/escalations/new?account_id={account}")
    page.get_by_label("Title", exact=True).fill("Orders dropped at checkout")
    page.get_by_label("Description", exact=True).fill("Orders vanish after payment.")
    page.get_by_label("Severity", exact=True).select_option(label="High")
    page.get_by_role("button", name="Raise escalation", exact=True).click()
    expect(page.get_by_text("Choose why the escalation is raised.")).to_be_visible()
    page.get_by_label("Why escalated", exact=True).select_option(label="Lack of progress")
    page.get_by_label("Requested by", exact=True).select_option(label="Customer")
    page.get_by_label("Customer contact who asked", exact=True).select_option(
        label="Hanako Sato (CIO)"
    )
    snapshot(page, "intake-fields")
    page.get_by_role("button", name="Raise escalation", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Escalation raised.")
    details = section(page, "Details")
    expect(details).to_contain_text("Lack of progress")
    expect(details).to_contain_text("Customer · Hanako Sato (CIO)")

    # Red, with a note: the daily cadence starts, due about a day ahead.
    panel = section(page, "Health and trend")
    expect(panel).to_contain_text("Health not recorded yet.")
    panel.get_by_label("Health", exact=True).select_option(label="Red")
    panel.get_by_label("Trend", exact=True).select_option(label="Worsening")
    panel.get_by_label("Note", exact=True).fill("The CFO called twice today.")
    panel.get_by_role("button", name="Record health").click()
    expect(page.get_by_role("status")).to_have_text("Health recorded.")
    panel = section(page, "Health and trend")
    expect(panel).to_contain_text("Next update due (health red):")
    expect(panel).to_contain_text("every 24 hours")
    expect(panel.get_by_role("listitem")).to_contain_text(
        ["Sakura CSM: Red Worsening The CFO called twice today."]
    )
    cadence = clock(page, "Health update cadence")
    expect(cadence).to_contain_text("On track")
    expect(cadence).to_contain_text(re.compile(r"2[34] h \d\d min left"))
    due = running_health_clock(app).due_at - utcnow()
    assert timedelta(hours=23, minutes=55) < due <= timedelta(hours=24)
    snapshot(page, "panel", section(page, "Health and trend"))

    # A day passes with no update: the sweep breaches the cadence.
    a_day_passes(app)
    page.reload()
    expect(clock(page, "Health update cadence")).to_contain_text("Breached")
    panel = section(page, "Health and trend")
    expect(panel.get_by_text("Overdue", exact=True)).to_be_visible()
    snapshot(page, "overdue", section(page, "Health and trend"))

    # The update comes late (missed); the next one is due a day after it.
    record_customer_update(page, "Called the CFO: the fix ships tonight.")
    panel = section(page, "Health and trend")
    expect(panel).to_contain_text("Previous cadence update: Missed")
    expect(panel.get_by_text("Overdue", exact=True)).to_have_count(0)
    expect(clock(page, "Health update cadence")).to_contain_text("On track")
    due = running_health_clock(app).due_at - utcnow()
    assert timedelta(hours=23, minutes=55) < due <= timedelta(hours=24)

    # The next update in time: met.
    record_customer_update(page, "The fix is live; watching it overnight.")
    expect(section(page, "Health and trend")).to_contain_text("Previous cadence update: Met")
