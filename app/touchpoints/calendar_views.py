"""The calendar: a month of touchpoints, each touchpoint's .ics file, and each user's private
calendar feed (its address managed from the profile page, through `profile_page_sections`)."""

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton, get_day_names
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import force_locale, format_time, get_locale, get_timezone
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import lazyload

from app import signals
from app.extensions import db
from app.formatting import local_today
from app.forms import ConfirmForm
from app.i18n import lazy_gettext as _l
from app.models import utcnow
from app.touchpoints import bp, feeds, ics, queries
from app.touchpoints.models import Touchpoint

# The feed lives outside /touchpoints: a calendar application fetches it without signing in.
feed_bp = Blueprint("calendar_feed", __name__, url_prefix="/calendar")

SCOPES = {"mine": _l("Mine"), "accounts": _l("My accounts"), "all": _l("All")}
MONTH_PARAMETER = re.compile(r"([0-9]{4})-([0-9]{2})")
YEARS = range(1900, 3000)  # months a person may page to; the rest fall back to this month
# A month shows at most this many touchpoints (the "all" scope of a very large program).
MONTH_LIMIT = 1500
FEED_PAST = timedelta(days=60)
FEED_AHEAD = timedelta(days=365)
# At most this many events per fetch (the earliest first): a calendar application polls often.
FEED_LIMIT = 2000
# The feed address just issued, shown once on the next profile page and then forgotten.
NEW_FEED_KEY = "calendar_feed_token"


# Which touchpoints ----------------------------------------------------------------------------


def touchpoints_between(user, scope: str, start, end, *, contacts=True, limit=None):
    """The scope's touchpoints (as the touchpoint list defines "mine", "accounts", "all")
    starting in [start, end), by start: one query with the account joined and the attendees
    (and the contacts, unless told) selected in."""
    stmt = (
        queries.touchpoint_list(scope, "all", user, utcnow())
        .where(Touchpoint.starts_at >= start, Touchpoint.starts_at < end)
        .order_by(None)
        .order_by(Touchpoint.starts_at, Touchpoint.id)
        .limit(limit)
    )
    if not contacts:
        stmt = stmt.options(lazyload(Touchpoint.contacts))
    return list(db.session.scalars(stmt))


# The month ------------------------------------------------------------------------------------


@dataclass
class Entry:
    touchpoint: Touchpoint
    time: str  # in the reader's zone and language
    overdue: bool


@dataclass
class Day:
    date: date
    in_month: bool
    today: bool
    entries: list[Entry] = field(default_factory=list)


@dataclass
class Month:
    first: date
    caption: str
    weekdays: list[tuple[str, str]]  # (abbreviated, full), Monday first
    weeks: list[list[Day]]
    previous: date | None
    next: date | None
    truncated: bool

    @property
    def busy_days(self) -> list[Day]:
        """The days of the month with touchpoints: the agenda a phone shows."""
        return [day for week in self.weeks for day in week if day.in_month and day.entries]


def month_start(text: str | None, today: date) -> date:
    """The first day of the month `YYYY-MM`; this month for anything else."""
    match = MONTH_PARAMETER.fullmatch(text or "")
    if match and int(match[1]) in YEARS and 1 <= int(match[2]) <= 12:
        return date(int(match[1]), int(match[2]), 1)
    return today.replace(day=1)


def _months_later(first: date, months: int) -> date:
    year, month = divmod(first.year * 12 + first.month - 1 + months, 12)
    return date(year, month + 1, 1)


def _page(first: date, months: int) -> date | None:
    """The month a previous/next link leads to, if it is one a person may page to."""
    month = _months_later(first, months)
    return month if month.year in YEARS else None


def _reader_zone() -> ZoneInfo:
    return ZoneInfo(str(get_timezone()))


def month_of(user, scope: str, first: date, today: date) -> Month:
    """The weeks (Monday first) around the month, each day with the scope's touchpoints at
    their time in the reader's zone."""
    zone = _reader_zone()
    after = _months_later(first, 1)
    start = datetime.combine(first, time(), zone).astimezone(UTC)
    end = datetime.combine(after, time(), zone).astimezone(UTC)
    rows = touchpoints_between(user, scope, start, end, contacts=False, limit=MONTH_LIMIT + 1)
    by_day: dict[date, list[Entry]] = {}
    now = utcnow()
    for touchpoint in rows[:MONTH_LIMIT]:
        day = touchpoint.starts_at.astimezone(zone).date()
        entry = Entry(
            touchpoint, format_time(touchpoint.starts_at, "short"), touchpoint.is_overdue(now)
        )
        by_day.setdefault(day, []).append(entry)
    shown = first - timedelta(days=first.weekday())
    weeks = []
    while shown < after:
        week = []
        for _weekday in range(7):
            week.append(
                Day(shown, shown.month == first.month, shown == today, by_day.get(shown, []))
            )
            shown += timedelta(days=1)
        weeks.append(week)
    locale = get_locale()
    short, wide = get_day_names("abbreviated", locale=locale), get_day_names("wide", locale=locale)
    return Month(
        first=first,
        caption=format_skeleton("yMMMM", first, locale=locale),
        weekdays=[(short[i], wide[i]) for i in range(7)],
        weeks=weeks,
        previous=_page(first, -1),
        next=_page(first, 1),
        truncated=len(rows) > MONTH_LIMIT,
    )


@bp.get("/calendar")
@login_required
def calendar():
    """A month of touchpoints: mine, my accounts', or everyone's."""
    scope = request.args.get("scope")
    scope = scope if scope in SCOPES else queries.default_scope(current_user)
    today = local_today()
    first = month_start(request.args.get("month"), today)
    month = month_of(current_user, scope, first, today)
    return render_template(
        "touchpoints/calendar.html", month=month, scope=scope, scopes=SCOPES, today=today
    )


# iCalendar files ------------------------------------------------------------------------------


def _calendar_response(body: bytes, filename: str | None = None):
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    if filename:
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/<int:touchpoint_id>.ics")
@login_required
def download_ics(touchpoint_id: int):
    """One touchpoint as an event to import into a calendar."""
    touchpoint = db.get_or_404(Touchpoint, touchpoint_id)
    body = ics.to_bytes(ics.calendar_for([touchpoint]))
    return _calendar_response(body, f"touchpoint-{touchpoint.id}.ics")


@feed_bp.get("/feed/<token>.ics")
def feed(token: str):
    """A user's touchpoints (as "mine") for their calendar application, which fetches it
    without signing in: the token is the key. Unknown, revoked or a deactivated user's: 404."""
    user = feeds.user_for(token)
    if user is None:
        abort(404)
    db.session.commit()  # when the feed was last used
    now = utcnow()
    touchpoints = touchpoints_between(
        user, "mine", now - FEED_PAST, now + FEED_AHEAD, limit=FEED_LIMIT
    )
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        calendar = ics.calendar_for(touchpoints, name=_("CRM touchpoints"))
        response = _calendar_response(ics.to_bytes(calendar))
    # Only the calendar application that holds the address keeps a copy, and asks again each
    # time (a revoked address stops at once); an unchanged feed answers 304.
    response.headers["Cache-Control"] = "private, no-cache"
    response.add_etag()
    return response.make_conditional(request)


# The feed's address, from the profile page ----------------------------------------------------


def profile_section(user, *, viewer, **_kwargs) -> signals.Section | None:
    """The profile page's calendar feed block; right after issuing, the address, once."""
    if viewer.id != user.id:
        return None
    token = session.pop(NEW_FEED_KEY, None)
    new_url = url_for("calendar_feed.feed", token=token, _external=True) if token else None
    context = {"feed": feeds.feed_of(user), "new_url": new_url, "confirm": ConfirmForm()}
    return signals.Section("below", "touchpoints/_feed.html", context)


@bp.post("/calendar/feed")
@login_required
def issue_feed():
    """Create the feed, or replace its address (the old one stops working)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    token = feeds.issue(current_user)
    db.session.commit()
    session[NEW_FEED_KEY] = token
    return redirect(url_for("auth.profile", _anchor="calendar-feed"))


@bp.post("/calendar/feed/revoke")
@login_required
def revoke_feed():
    """Revoke the feed: its address answers 404 from now on."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if feeds.revoke(current_user):
        db.session.commit()
        flash(_("Your calendar feed is revoked: its address no longer works."), "success")
    return redirect(url_for("auth.profile", _anchor="calendar-feed"))
