"""An admin's changes to business calendars: create, edit, company closures, public holidays
marked as worked, delete. Each change is audited on the calendar ("business_calendar") and
re-plans the running clocks of the SLA policies counting in it: the business time counted so
far stays counted, the rest follows the calendar as changed (calendars.replan)."""

from datetime import date, datetime

import sqlalchemy as sa

from app.audit import services as audit
from app.escalations import calendars
from app.escalations.calendar_forms import WEEKDAYS, day_text, weekday_name
from app.escalations.models import CalendarDay, CalendarDayKind, SlaPolicy, WorkCalendar
from app.extensions import db
from app.formatting import ACTION_LABELS, ENTITY_LABELS, FIELD_LABELS
from app.i18n import LazyText, lazy_ngettext
from app.i18n import lazy_gettext as _l
from app.models import DomainError

ENTITY = "business_calendar"
FIELDS = ("name", "timezone", "country", "subdivision")

ENTITY_LABELS.update({ENTITY: _l("business calendar")})
ACTION_LABELS.update(
    {
        "closure_added": _l("Closure added"),
        "closure_removed": _l("Closure removed"),
        "holiday_worked": _l("Public holiday marked as worked"),
        "holiday_not_worked": _l("Public holiday no longer worked"),
    }
)
FIELD_LABELS.update(
    {
        "country": _l("Public holidays of"),
        "subdivision": _l("Region"),
        "clocks_replanned": _l("Running clocks re-planned"),
        "closure": _l("Closure"),
        "holiday": _l("Public holiday"),
        "calendar_id": _l("Business calendar"),
        "first_response_minutes": _l("First response (minutes)"),
        "update_interval_minutes": _l("Customer update every (minutes)"),
        "resolution_minutes": _l("Resolution target (minutes)"),
        # The week's rows, named by weekday in the reader's language.
        **{f"hours_{name}": LazyText(weekday_name, n) for n, name in enumerate(WEEKDAYS)},
    }
)


class CalendarInUse(DomainError):
    """A calendar SLA policies count in cannot be deleted."""


class ClosureOverlaps(DomainError):
    """A new closure overlaps one the calendar has."""


class NotAPublicHoliday(DomainError):
    """Only a public holiday of the calendar's country can be marked as worked."""


def name_taken(name: str, calendar_id: int | None = None) -> bool:
    """Another calendar has this name (names are unique)."""
    query = sa.select(WorkCalendar.id).where(WorkCalendar.name == name)
    if calendar_id is not None:
        query = query.where(WorkCalendar.id != calendar_id)
    return db.session.scalar(query.limit(1)) is not None


def _week_changes(old: list, new: list) -> dict:
    return {
        f"hours_{name}": [day_text(old[n]), day_text(new[n])]
        for n, name in enumerate(WEEKDAYS)
        if (old[n] or []) != (new[n] or [])
    }


def _policies_before(record: WorkCalendar) -> tuple[list[SlaPolicy], dict]:
    """Before a change: the policies counting in the calendar and what they count in now."""
    policies = calendars.policies_using(record)
    return policies, {p.id: calendars.engine_calendar(p.calendar) for p in policies}


def _replan(record: WorkCalendar, policies, before: dict, now: datetime) -> int:
    """After a change: a new calendar version, and the policies' running clocks re-planned."""
    calendars.touch(record)
    db.session.flush()
    for policy in policies:
        db.session.expire(policy, ["calendar"])
    return calendars.replan(policies, before, now, retarget=False)


def _audit(actor, record, action: str, changes: dict, replanned: int, summary: str) -> None:
    changes = changes | {"clocks_replanned": [None, replanned]}
    audit.record(actor, ENTITY, record.id, action, changes=changes, summary=summary)
    db.session.flush()


def create_calendar(actor, values: dict) -> WorkCalendar:
    """A new calendar (no policy counts in it yet)."""
    record = WorkCalendar(**values)
    db.session.add(record)
    db.session.flush()
    changes = audit.snapshot(record, FIELDS) | _week_changes([[]] * 7, record.week)
    audit.record(actor, ENTITY, record.id, "create", changes=changes, summary=record.name)
    db.session.flush()
    return record


def save_calendar(actor, record: WorkCalendar, values: dict, now: datetime) -> int:
    """An admin's edit of a calendar; returns how many running clocks were re-planned."""
    old_week = [list(day or []) for day in record.week]
    policies, before = _policies_before(record)
    for name, value in values.items():
        if getattr(record, name) != value:
            setattr(record, name, value)
    changes = audit.pending_changes(record, FIELDS) | _week_changes(old_week, record.week)
    if not changes:
        return 0
    replanned = _replan(record, policies, before, now)
    _audit(actor, record, "update", changes, replanned, record.name)
    return replanned


def _range_text(starts_on: date, ends_on: date) -> str:
    return starts_on.isoformat() if starts_on == ends_on else f"{starts_on} – {ends_on}"


def add_closure(
    actor, record: WorkCalendar, *, name: str, starts_on: date, ends_on: date, now: datetime
) -> int:
    """A company closure (a date or a range); returns how many clocks were re-planned."""
    for day in record.days:
        if day.kind == CalendarDayKind.CLOSURE and (
            day.starts_on <= ends_on and starts_on <= day.ends_on
        ):
            raise ClosureOverlaps(
                _l(
                    "This overlaps the closure “%(name)s” (%(dates)s).",
                    name=day.name,
                    dates=_range_text(day.starts_on, day.ends_on),
                )
            )
    policies, before = _policies_before(record)
    record.days.append(
        CalendarDay(kind=CalendarDayKind.CLOSURE, starts_on=starts_on, ends_on=ends_on, name=name)
    )
    replanned = _replan(record, policies, before, now)
    text = f"{name} ({_range_text(starts_on, ends_on)})"
    _audit(actor, record, "closure_added", {"closure": [None, text]}, replanned, name)
    return replanned


def remove_closure(actor, record: WorkCalendar, closure: CalendarDay, now: datetime) -> int:
    """Remove a company closure; returns how many clocks were re-planned."""
    text = f"{closure.name} ({_range_text(closure.starts_on, closure.ends_on)})"
    policies, before = _policies_before(record)
    record.days.remove(closure)
    replanned = _replan(record, policies, before, now)
    _audit(actor, record, "closure_removed", {"closure": [text, None]}, replanned, closure.name)
    return replanned


def holiday_name(record: WorkCalendar, day: date) -> str | None:
    """The public holiday on `day` in the calendar's country (library default language)."""
    if not record.country:
        return None
    return calendars.public_holidays(record.country, record.subdivision, day.year).get(day)


def worked_days(record: WorkCalendar) -> set[date]:
    """The public holidays the company works in this calendar."""
    found = set()
    for row in record.days:
        if row.kind == CalendarDayKind.WORKED:
            found.update(
                date.fromordinal(n)
                for n in range(row.starts_on.toordinal(), row.ends_on.toordinal() + 1)
            )
    return found


def set_worked(actor, record: WorkCalendar, day: date, worked: bool, now: datetime) -> int:
    """Mark a public holiday as worked (open as a normal weekday) or closed again; returns
    how many clocks were re-planned (0 when it already was so)."""
    name = holiday_name(record, day)
    if name is None:
        raise NotAPublicHoliday(_l("That day is not a public holiday in this calendar."))
    if (day in worked_days(record)) == worked:
        return 0
    policies, before = _policies_before(record)
    if worked:
        record.days.append(
            CalendarDay(kind=CalendarDayKind.WORKED, starts_on=day, ends_on=day, name=name)
        )
    else:
        for row in list(record.days):
            if row.kind == CalendarDayKind.WORKED and row.starts_on <= day <= row.ends_on:
                record.days.remove(row)
    replanned = _replan(record, policies, before, now)
    text = f"{name} ({day.isoformat()})"
    action = "holiday_worked" if worked else "holiday_not_worked"
    change = [None, text] if worked else [text, None]
    _audit(actor, record, action, {"holiday": change}, replanned, name)
    return replanned


def delete_calendar(actor, record: WorkCalendar) -> None:
    """Delete a calendar no SLA policy counts in."""
    using = calendars.policies_using(record)
    if using:
        raise CalendarInUse(
            lazy_ngettext(
                "This calendar cannot be deleted: %(num)d SLA policy counts in it. "
                "Move it to another calendar first.",
                "This calendar cannot be deleted: %(num)d SLA policies count in it. "
                "Move them to another calendar first.",
                len(using),
            )
        )
    changes = audit.removal(record, FIELDS)
    audit.record(actor, ENTITY, record.id, "delete", changes=changes, summary=record.name)
    db.session.delete(record)
    db.session.flush()
