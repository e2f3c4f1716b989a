"""Touchpoints as iCalendar (RFC 5545), made with the `icalendar` package, which escapes,
folds and writes the VTIMEZONE rules.

An event keeps its UID for life and raises its SEQUENCE on every change, so a calendar that
imported or subscribed to it updates it in place; a cancelled touchpoint stays in the file as
STATUS:CANCELLED, so subscribed calendars remove it. Times are written in the zone the
touchpoint was entered in, with that zone's VTIMEZONE. Texts are in the reader's language
(the caller sets it: the request's, or `force_locale` for a feed).
"""

from collections.abc import Iterable
from datetime import date, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import url_for
from flask_babel import gettext as _
from icalendar import Calendar, Event, vCalAddress

from app.formatting import field_label, label
from app.models import utcnow
from app.touchpoints.models import Touchpoint, TouchpointStatus

PRODID = "-//Escalation CRM//Touchpoints//EN"
# How often a subscribed calendar should fetch the feed again (a hint some applications follow;
# X-PUBLISHED-TTL is Outlook's name for it).
REFRESH = timedelta(hours=1)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def summary(touchpoint: Touchpoint) -> str:
    """The event's title: the touchpoint's own, or its kind, with the account's name."""
    what = touchpoint.title or label(touchpoint.kind)
    return _("%(what)s with %(account)s", what=what, account=touchpoint.account.name)


def description(touchpoint: Touchpoint) -> str:
    """Agenda, customer contacts (names only), the outcome or why it was cancelled."""
    parts = []
    if touchpoint.agenda:
        parts.append(f"{field_label('agenda')}:\n{touchpoint.agenda}")
    if touchpoint.contacts:
        names = ", ".join(c.name for c in touchpoint.contacts)
        parts.append(f"{field_label('contacts')}: {names}")
    if touchpoint.status is TouchpointStatus.COMPLETED and touchpoint.outcome:
        parts.append(f"{field_label('outcome')}:\n{touchpoint.outcome}")
    if touchpoint.status is TouchpointStatus.CANCELLED and touchpoint.cancel_reason:
        parts.append(f"{field_label('cancel_reason')}:\n{touchpoint.cancel_reason}")
    return "\n\n".join(parts)


def event_for(touchpoint: Touchpoint, stamp=None) -> Event:
    """One touchpoint as a VEVENT (its VTIMEZONE is added by `calendar_for`); DTSTAMP is
    `stamp`, else now."""
    event = Event()
    event.add("uid", touchpoint.uid)
    event.add("dtstamp", stamp or utcnow())
    event.add("sequence", touchpoint.sequence)
    zone = _zone(touchpoint.timezone)
    event.add("dtstart", touchpoint.starts_at.astimezone(zone))
    event.add("dtend", touchpoint.ends_at.astimezone(zone))
    event.add("summary", summary(touchpoint))
    text = description(touchpoint)
    if text:
        event.add("description", text)
    cancelled = touchpoint.status is TouchpointStatus.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    event.add("created", touchpoint.created_at)
    event.add("last-modified", touchpoint.updated_at)
    event.add("url", url_for("touchpoints.show", touchpoint_id=touchpoint.id, _external=True))
    for person in touchpoint.executives:  # our side only: no customer addresses leave the app
        attendee = vCalAddress(f"mailto:{person.email}")
        attendee.params["cn"] = person.name
        attendee.params["role"] = "REQ-PARTICIPANT"
        attendee.params["rsvp"] = "FALSE"
        event.add("attendee", attendee, encode=False)
    return event


def calendar_for(touchpoints: Iterable[Touchpoint], name: str | None = None) -> Calendar:
    """A VCALENDAR of the touchpoints with a VTIMEZONE for each zone they use.

    Without `name`, a file to import (METHOD:PUBLISH); with it, a feed to subscribe to,
    named in the calendar application by X-WR-CALNAME and NAME.
    """
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if name is None:
        calendar.add("method", "PUBLISH")
    else:
        calendar.add("x-wr-calname", name)
        calendar.add("name", name)
        calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", "PT1H")
    now = utcnow()
    first = last = None
    for touchpoint in touchpoints:
        # RFC 5545: with a METHOD, DTSTAMP is when the file was made; without one (a feed),
        # when the event last changed, so an unchanged feed is the same file (ETag, 304).
        stamp = now if name is None else touchpoint.updated_at
        calendar.add_component(event_for(touchpoint, stamp))
        first = min(first or touchpoint.starts_at, touchpoint.starts_at)
        last = max(last or touchpoint.ends_at, touchpoint.ends_at)
    if first is not None:
        # The zone rules for the span the events cover (and a year around it), not 1970-2038.
        calendar.add_missing_timezones(
            first_date=_shifted(first.date(), -366), last_date=_shifted(last.date(), 366)
        )
    return calendar


def _shifted(day: date, days: int) -> date:
    try:
        return day + timedelta(days=days)
    except OverflowError:  # at the ends of the calendar
        return day


def to_bytes(calendar: Calendar) -> bytes:
    """The calendar as the file's bytes: UTF-8, CRLF line ends, lines folded at 75 octets."""
    return calendar.to_ical()
