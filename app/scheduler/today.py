"""The admin's scheduled-jobs block of the Today page (signals.today_page_sections): runs of
the scheduler's jobs that failed in the last seven days, the latest first (export runs have
their own block: app/exports/today.py). One query for the count and one for the rows."""

from datetime import date, datetime, timedelta

from flask import url_for
from flask_babel import gettext as _

from app.auth.models import Role
from app.extensions import db
from app.main.today import ADMIN, ROWS, Block, Link, capped_count, section
from app.scheduler.labels import job_label
from app.scheduler.queries import failed_since

TEMPLATE = "today/jobs.html"
DAYS = 7


def _failed_runs(now: datetime) -> Block:
    stmt = failed_since(now - timedelta(days=DAYS))
    runs = db.session.scalars(stmt.limit(ROWS))
    return Block(
        "failed-jobs",
        _("Failed jobs this week"),
        capped_count(stmt),
        [(job_label(run.job), run) for run in runs],
        [Link(_("See failed job runs"), url_for("scheduler.jobs", status="failed") + "#runs")],
        _("No scheduled job failed in the last seven days."),
    )


def today_sections(viewer, *, now: datetime, today: date, **_kwargs) -> list:
    """Admins, who keep the scheduler running, see its failures."""
    if not viewer.has_role(Role.ADMIN):
        return []
    return [section(TEMPLATE, _failed_runs(now), ADMIN)]
