"""Business calendar pages (on the escalation admin blueprint): the list, a new calendar, and
each calendar's page with its weekday grid, the public holidays of this year and next (each
may be marked as worked), company closures, the policies counting in it and its history.
Every role reads them; only admins change them."""

from types import SimpleNamespace

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app.audit.services import history_for
from app.auth.permissions import admin_changes, roles_required
from app.escalations import calendar_admin, calendars
from app.escalations.admin_views import admin_bp, replanned_message
from app.escalations.calendar_forms import (
    WEEKDAYS,
    CalendarForm,
    ClosureForm,
    WorkedDayForm,
    calendar_as_shown,
    new_calendar_defaults,
    week_rows,
)
from app.escalations.models import CalendarDay, CalendarDayKind, SlaPolicy, WorkCalendar
from app.extensions import db
from app.formatting import local_today
from app.forms import ConfirmForm
from app.models import DomainError, utcnow
from app.versioning import conflict_page

PAGE = "escalations/admin_calendar.html"


def _locale() -> str:
    return str(get_locale() or "en")


def _load(calendar_id: int) -> WorkCalendar:
    return db.first_or_404(
        sa.select(WorkCalendar)
        .where(WorkCalendar.id == calendar_id)
        .options(selectinload(WorkCalendar.days))
    )


@admin_bp.get("/calendars")
@admin_changes
def calendars_list():
    records = db.session.scalars(sa.select(WorkCalendar).order_by(WorkCalendar.name)).all()
    using: dict[int, list[SlaPolicy]] = {}
    for policy in db.session.scalars(sa.select(SlaPolicy).order_by(SlaPolicy.id)):
        using.setdefault(policy.calendar_id, []).append(policy)
    return render_template(
        "escalations/admin_calendars.html",
        records=records,
        using=using,
        country_names=dict(calendars.countries(_locale())),
    )


@admin_bp.route("/calendars/new", methods=["GET", "POST"])
@roles_required()
def new_calendar():
    # The defaults only on GET: a field left out of a POST is empty, not a default.
    form = CalendarForm(data=new_calendar_defaults() if request.method == "GET" else None)
    if form.validate_on_submit():
        if calendar_admin.name_taken(form.name.data):
            form.name.errors.append(_("Another calendar already has this name."))
        else:
            record = calendar_admin.create_calendar(current_user, form.values())
            db.session.commit()
            flash(_("Business calendar created."), "success")
            return redirect(url_for("escalation_admin.calendar", calendar_id=record.id))
    status = 422 if form.errors else 200
    return render_template("escalations/admin_calendar_new.html", form=form), status


def _holidays(record: WorkCalendar) -> list[tuple]:
    """(day, name in the reader's language, worked) of this year's and next year's public
    holidays in the calendar's country."""
    if not record.country:
        return []
    worked = calendar_admin.worked_days(record)
    year = local_today().year
    found = []
    for y in (year, year + 1):
        names = calendars.public_holidays(record.country, record.subdivision, y, _locale())
        found += [(day, name, day in worked) for day, name in sorted(names.items())]
    return found


def _context(record: WorkCalendar, **forms) -> dict:
    """What the calendar's page shows; `forms` are the ones refused, shown with their errors."""
    context = {
        "record": record,
        "week": week_rows(record.week),
        "holidays": _holidays(record),
        "country_name": dict(calendars.countries(_locale())).get(record.country, record.country),
        "closures": [d for d in record.days if d.kind == CalendarDayKind.CLOSURE],
        "policies": calendars.policies_using(record),
        "history": history_for(calendar_admin.ENTITY, record.id),
        "confirm": ConfirmForm(),
        "closure_form": ClosureForm(formdata=None),
        "worked_form": WorkedDayForm(formdata=None),
        "holiday_error": None,
    }
    if current_user.is_admin:
        context["form"] = CalendarForm(formdata=None, data=calendar_as_shown(record))
    return context | forms


def _page(record: WorkCalendar, status: int = 200, **forms):
    return render_template(PAGE, **_context(record, **forms)), status


@admin_bp.route("/calendars/<int:calendar_id>", methods=["GET", "POST"])
@admin_changes
def calendar(calendar_id: int):
    record = _load(calendar_id)
    form = CalendarForm()
    if not form.validate_on_submit():
        return _page(record, 422, form=form) if form.errors else _page(record)
    if form.is_stale(record):
        return _conflict(record, form)
    if calendar_admin.name_taken(form.name.data, record.id):
        form.name.errors.append(_("Another calendar already has this name."))
        return _page(record, 422, form=form)
    replanned = calendar_admin.save_calendar(current_user, record, form.values(), utcnow())
    db.session.commit()
    flash(replanned_message(_("Business calendar saved."), replanned), "success")
    return redirect(url_for("escalation_admin.calendar", calendar_id=record.id))


def _conflict(record: WorkCalendar, form: CalendarForm):
    """Someone saved the calendar meanwhile: the saved values beside the ones sent."""
    shown = calendar_as_shown(record)
    current = SimpleNamespace(**{k: shown[k] for k in ("version", *calendar_admin.FIELDS)})
    saved_week = {
        name: record.week[n] or []
        for n, name in enumerate(WEEKDAYS)
        if form[name].form.intervals != (record.week[n] or [])
    }
    context = _context(record)
    context.pop("form", None)
    return conflict_page(PAGE, form, current, saved_week=saved_week, **context)


@admin_bp.post("/calendars/<int:calendar_id>/closures")
@admin_changes
def add_closure(calendar_id: int):
    record = _load(calendar_id)
    form = ClosureForm()
    if not form.validate_on_submit():
        return _page(record, 422, closure_form=form)
    try:
        replanned = calendar_admin.add_closure(
            current_user,
            record,
            name=form.name.data,
            starts_on=form.starts_on.data,
            ends_on=form.last_day,
            now=utcnow(),
        )
    except DomainError as error:
        form.starts_on.errors.append(str(error))
        return _page(record, 422, closure_form=form)
    db.session.commit()
    flash(replanned_message(_("Closure added."), replanned), "success")
    return redirect(url_for("escalation_admin.calendar", calendar_id=record.id, _anchor="closures"))


@admin_bp.post("/calendars/<int:calendar_id>/closures/<int:closure_id>/remove")
@admin_changes
def remove_closure(calendar_id: int, closure_id: int):
    record = _load(calendar_id)
    closure = db.get_or_404(CalendarDay, closure_id)
    if closure.calendar_id != record.id or closure.kind != CalendarDayKind.CLOSURE:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    replanned = calendar_admin.remove_closure(current_user, record, closure, utcnow())
    db.session.commit()
    flash(replanned_message(_("Closure removed."), replanned), "success")
    return redirect(url_for("escalation_admin.calendar", calendar_id=record.id, _anchor="closures"))


@admin_bp.post("/calendars/<int:calendar_id>/holidays")
@admin_changes
def set_worked(calendar_id: int):
    record = _load(calendar_id)
    form = WorkedDayForm()
    if not form.validate_on_submit():
        return _page(record, 422, holiday_error=_("Choose a public holiday from the list."))
    worked = form.worked.data == "1"
    try:
        replanned = calendar_admin.set_worked(current_user, record, form.day.data, worked, utcnow())
    except DomainError as error:
        return _page(record, 422, holiday_error=str(error))
    db.session.commit()
    saved = _("Marked as worked.") if worked else _("Marked as not worked.")
    flash(replanned_message(saved, replanned), "success")
    return redirect(url_for("escalation_admin.calendar", calendar_id=record.id, _anchor="holidays"))


@admin_bp.post("/calendars/<int:calendar_id>/delete")
@admin_changes
def delete_calendar(calendar_id: int):
    record = _load(calendar_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        calendar_admin.delete_calendar(current_user, record)
    except DomainError as error:
        flash(str(error), "error")
        return redirect(url_for("escalation_admin.calendar", calendar_id=record.id))
    db.session.commit()
    flash(_("Business calendar deleted."), "success")
    return redirect(url_for("escalation_admin.calendars_list"))
