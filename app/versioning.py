"""Optimistic locking for every edit form: the form carries the version of the record it
was filled from, and a save made on an older version is refused with a 409 page that keeps
the user's input and shows the saved values beside it."""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from flask import render_template
from flask_babel import format_date, format_datetime, to_user_timezone
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import HiddenField

from app.formatting import from_minor_units, label, money


class VersionedForm(FlaskForm):
    """An edit form of a record with a `version` (SQLAlchemy `version_id_col`).

    Made with `obj=record`, its hidden `version` field is filled from the record on GET and
    sent back on POST, so `is_stale(record)` tells whether someone saved in between; the view
    then answers with `conflict_page`.
    """

    version = HiddenField()

    def is_stale(self, record) -> bool:
        """True when the form was filled in from an older version of the record."""
        return str(self.version.data) != str(record.version)


def conflict_page(template: str, form: VersionedForm, current, **context):
    """Refuse a save made on an old version (409): the page keeps the user's input and shows
    the saved values beside it (`current`: the record, or its values as the form shows them).
    The form now carries the saved version, so saving again goes through."""
    form.version.data = current.version
    message = _(
        "Someone else changed this record while you were editing it. Nothing was saved. "
        "The current values are shown beside your changes; review them and save again."
    )
    shown = current_values(form, current)
    page = render_template(template, form=form, conflict=message, current_values=shown, **context)
    return page, 409


SKIPPED_FIELDS = ("HiddenField", "CSRFTokenField", "SubmitField", "PasswordField")


def _saved_and_sent(field, record):
    """(what is saved, as comparable text; how to show it) for one form field."""
    if field.name == "arr":
        return str(from_minor_units(record.arr_minor, record.currency)), money(
            record.arr_minor, record.currency
        )
    value = getattr(record, field.name)
    if field.name == "roles":
        raw = ",".join(sorted(r.value for r in value))
        return raw, ", ".join(sorted(label(r) for r in value))
    if isinstance(value, list | tuple):  # tags: the form shows them comma-separated
        raw = ", ".join(value)
        return raw, raw
    if isinstance(value, datetime):  # a datetime-local input, in the app's timezone
        return _minute(to_user_timezone(value)), format_datetime(value, "short")
    raw = getattr(value, "value", value)
    raw = "" if raw is None else str(raw)
    if getattr(field, "choices", None) is not None:
        return raw, str(dict((str(k), v) for k, v in field.choices).get(raw, raw))
    if isinstance(value, date):
        return raw, format_date(value, "medium")
    return raw, raw


def _minute(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%dT%H:%M")


def _sent(field, saved) -> str:
    data = field.data
    if field.name == "roles":
        return ",".join(sorted(data or []))
    if field.name == "arr":
        return (data or "").replace(",", "").strip()
    if isinstance(saved, list | tuple):
        return ", ".join(t.strip() for t in (data or "").split(",") if t.strip())
    if isinstance(data, datetime):
        return _minute(data)
    if isinstance(data, str):
        return data.replace("\r\n", "\n")  # browsers send textarea lines with CR LF
    return "" if data is None else str(getattr(data, "isoformat", lambda: data)())


def current_values(form, record) -> dict[str, str]:
    """The saved values that differ from what the user sent, shown as the form shows them."""
    shown = {}
    for field in form:
        if field.type in SKIPPED_FIELDS or not (hasattr(record, field.name) or field.name == "arr"):
            continue
        raw, display = _saved_and_sent(field, record)
        sent = _sent(field, getattr(record, field.name, None))
        if field.name == "arr":
            same = _same_amount(sent, raw)
        else:
            same = sent == raw
        if not same:
            shown[field.name] = display
    return shown


def _same_amount(sent: str, saved: str) -> bool:
    try:
        return Decimal(sent) == Decimal(saved)
    except InvalidOperation:
        return False
