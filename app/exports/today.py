"""The admin's export block of the Today page (signals.today_page_sections): export runs that
failed in the last seven days (retries exhausted), the latest first. (The scheduler's other
jobs have a block of their own: app/scheduler/today.py.)"""

from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from app.auth.models import Role
from app.exports.models import ExportRun, RunStatus
from app.main.today import ADMIN, Block, Link, first_rows, section

TEMPLATE = "today/exports.html"
DAYS = 7


def _failed_runs(now: datetime) -> Block:
    stmt = sa.select(ExportRun).where(
        ExportRun.status == RunStatus.FAILED, ExportRun.started_at >= now - timedelta(days=DAYS)
    )
    rows = stmt.options(joinedload(ExportRun.schedule)).order_by(ExportRun.id.desc())
    rows, count = first_rows(rows, stmt)
    return Block(
        "failed-exports",
        _("Failed exports this week"),
        count,
        rows,
        [Link(_("See failed export runs"), url_for("exports.runs", status="failed"))],
        _("No export failed in the last seven days."),
    )


def today_sections(viewer, *, now: datetime, today: date, **_kwargs) -> list:
    """Admins, who keep the schedules running, see the failures."""
    if not viewer.has_role(Role.ADMIN):
        return []
    return [section(TEMPLATE, _failed_runs(now), ADMIN)]
