"""Optimistic locking helpers shared by every edit form carrying a `version` field."""

from flask import render_template
from flask_babel import gettext as _


def version_matches(form, record) -> bool:
    """True when the form was filled in from the record's current version."""
    return str(form.version.data) == str(record.version)


def stale(template: str, *, form, current, **context):
    """Refuse a save made on an old version: keep the user's input, show the current values."""
    form.version.data = current.version
    message = _(
        "Someone else changed this record while you were editing it. Nothing was saved. "
        "The current values are shown beside your changes; review them and save again."
    )
    return (
        render_template(
            template,
            form=form,
            conflict=message,
            current_values=current_values(form, current),
            **context,
        ),
        409,
    )


def current_values(form, record) -> dict[str, str]:
    """The record's saved values, as the form would show them, for the conflict message."""
    from app.formatting import label, money

    shown = {}
    for field in form:
        name = field.name
        if field.type in ("HiddenField", "CSRFTokenField", "SubmitField", "PasswordField"):
            continue
        if name == "arr" and hasattr(record, "arr_minor"):
            shown[name] = money(record.arr_minor, record.currency)
            continue
        if not hasattr(record, name):
            continue
        value = getattr(record, name)
        if name == "roles":
            value = ", ".join(sorted(label(r) for r in value))
        elif getattr(field, "choices", None) is not None:
            raw = getattr(value, "value", value)
            value = dict((str(k), v) for k, v in field.choices).get(str(raw or ""), raw)
        shown[name] = (
            "" if value is None else str(label(value) if hasattr(value, "value") else value)
        )
    return shown
