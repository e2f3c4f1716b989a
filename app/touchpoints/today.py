"""The touchpoint block of the Today page (signals.today_page_sections): the viewer's planned
touchpoints of the coming seven days (theirs: they attend, own the account or sponsor it),
with those of the last week still not recorded first. A count and one query for the rows."""

from datetime import date, datetime, timedelta

from flask import url_for
from flask_babel import gettext as _

from app.auth.models import Role
from app.extensions import db
from app.main.today import ROWS, THIS_WEEK, Block, Link, capped_count, section, week_end
from app.touchpoints import queries
from app.touchpoints.models import Touchpoint

TEMPLATE = "today/touchpoints.html"


def _my_week(viewer, now: datetime, today: date) -> Block:
    stmt = queries.touchpoint_list("mine", "planned", viewer, now).where(
        Touchpoint.starts_at >= now - timedelta(days=7),
        Touchpoint.starts_at < week_end(today, viewer),
    )
    rows = db.session.scalars(stmt.options(*queries.LIST_OPTIONS).limit(ROWS))
    return Block(
        "my-touchpoints",
        _("My touchpoints this week"),
        capped_count(stmt),
        list(rows.unique()),
        [
            Link(
                _("See my planned touchpoints"),
                url_for("touchpoints.index", scope="mine", status="planned"),
            )
        ],
        _("No touchpoint planned in the next seven days."),
    )


def today_sections(viewer, *, now: datetime, today: date, **_kwargs) -> list:
    """Executives, CSMs and AEs (who attend or own the accounts) see their week."""
    if not viewer.has_role(Role.EXECUTIVE, Role.CSM, Role.AE):
        return []
    return [section(TEMPLATE, _my_week(viewer, now, today), THIS_WEEK, now=now)]
