"""The audit history as people read it: people by name, money with its currency, dates in the
reader's zone, stored codes by their label, rules as the admin sees them; never Python reprs,
ids or column names. Domains register how their own values read (`register_value_text`)."""

from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from babel import Locale, UnknownLocaleError
from flask_babel import format_date, get_locale
from flask_babel import gettext as _

from app.audit.models import AuditEvent
from app.extensions import db
from app.formatting import (
    FIELD_LABELS,
    audit_action,
    audit_value,
    entity_label,
    field_label,
    money,
)
from app.i18n import lazy_gettext as _l

# Fields whose values are people: user ids in older rows, e-mails since `name_users`.
PERSON_FIELDS = {
    "owner",
    "owner_id",
    "csm_owner",
    "csm_owner_id",
    "ae_owner",
    "ae_owner_id",
    "sponsor",
    "sponsor_id",
    "executive",
    "executive_id",
    "executives",
    "recipients",
    "acknowledged_by",
}

# Amounts in minor units -> (the field holding their currency, what the row is called).
MONEY_FIELDS = {
    "arr_minor": ("currency", _l("ARR")),
    "arr_at_risk_minor": ("arr_at_risk_currency", _l("ARR at risk")),
}

# Field name -> how its stored value reads (criteria, cadences); domains register theirs.
VALUE_TEXTS: dict[str, Callable[[object], str]] = {}


def register_value_text(name: str, text: Callable[[object], str]) -> None:
    """Show the stored values of `name` through `text` (a value -> a sentence)."""
    VALUE_TEXTS[name] = text


@dataclass
class Change:
    label: str
    old: str | None
    new: str | None


@dataclass
class HistoryRow:
    event: AuditEvent
    who: str
    action: str
    subject: str
    changes: list[Change] = field(default_factory=list)


def history_rows(events, currency: str | None = None) -> list[HistoryRow]:
    """The events as rows a person reads; people named with one query for all the events.
    `currency`: the record's own, for amounts whose row does not name it."""
    people = _people(events)
    return [_row(event, people, currency) for event in events]


def _people(events) -> dict:
    """{user id or e-mail: name} for every person the events' changes mention."""
    ids, emails = set(), set()
    for event in events:
        for name, pair in (event.changes or {}).items():
            if name not in PERSON_FIELDS or not isinstance(pair, list | tuple):
                continue
            for value in _flat(pair):
                if isinstance(value, int) and not isinstance(value, bool):
                    ids.add(value)
                elif isinstance(value, str) and "@" in value:
                    emails.add(value)
    if not ids and not emails:
        return {}
    from app.auth.models import User

    rows = db.session.execute(
        sa.select(User.id, User.email, User.name).where(
            sa.or_(User.id.in_(ids), User.email.in_(emails))
        )
    )
    people = {}
    for user_id, email, name in rows:
        people[user_id] = people[email] = name or email
    return people


def _flat(pair):
    for value in pair:
        if isinstance(value, list | tuple):
            yield from value
        else:
            yield value


def _row(event: AuditEvent, people: dict, currency: str | None) -> HistoryRow:
    subject = entity_label(event.entity_type)
    if event.summary and event.summary != event.entity_type.replace("_", " "):
        # Translators: the kind of record, then its name, e.g. escalation / エスカレーション「…」
        subject = _("%(record)s %(name)s", record=subject, name=event.summary)
    return HistoryRow(
        event=event,
        who=event.actor.name if event.actor else _("System"),
        action=audit_action(event.action),
        subject=subject,
        changes=_changes(event.changes or {}, people, currency),
    )


def _changes(changes: dict, people: dict, currency: str | None) -> list[Change]:
    rows = []
    shown_currencies = set()
    for name, amount_currency in MONEY_FIELDS.items():
        if name in changes:
            shown_currencies.add(amount_currency[0])
    for name, pair in changes.items():
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            rows.append(Change(field_label(name), None, _text(name, pair, people)))
            continue
        if name in shown_currencies and name not in MONEY_FIELDS:
            old, new = pair
            if old is None or old == new:
                continue  # the amount's row names it
        if name.endswith("_id") and name not in PERSON_FIELDS:
            continue  # a link to another record, not something a person reads
        if name in MONEY_FIELDS:
            rows.append(_money_change(name, pair, changes, currency))
            continue
        old, new = (_text(name, value, people) for value in pair)
        if old == new and old is not None:
            continue
        rows.append(Change(_label(name), old, new))
    return rows


def _label(name: str) -> str:
    if name in FIELD_LABELS:
        return field_label(name)
    if name.endswith("_id") and name.removesuffix("_id") in FIELD_LABELS:
        return field_label(name.removesuffix("_id"))
    return name.replace("_", " ").capitalize()


def _money_change(name: str, pair, changes: dict, currency: str | None) -> Change:
    currency_field, title = MONEY_FIELDS[name]
    currencies = changes.get(currency_field) or [None, None]
    shown = []
    for index, minor in enumerate(pair):
        code = currencies[index] or currencies[1 - index] or currency
        if minor is None:
            shown.append(None)
        elif isinstance(minor, int) and code:
            shown.append(money(minor, code))
        else:
            shown.append(str(minor))
    return Change(str(title), *shown)


def _text(name: str, value, people: dict) -> str | None:
    """One stored value as a person reads it; None when there was none."""
    if value is None or value == "" or value == []:
        return None
    if name in VALUE_TEXTS:
        try:
            return VALUE_TEXTS[name](value)
        except (KeyError, TypeError, ValueError):
            pass  # an older row in a shape the domain no longer writes: read it plainly
    if name in PERSON_FIELDS and not isinstance(value, bool):
        names = value if isinstance(value, list) else [value]
        return ", ".join(str(people.get(person, person)) for person in names)
    if name == "locale":
        return _language(value)
    if isinstance(value, str) and name.endswith("_date"):
        try:
            from datetime import date

            return format_date(date.fromisoformat(value), "medium")
        except ValueError:
            return value
    if isinstance(value, dict):
        return "; ".join(
            f"{_label(key)}: {_text(key, item, people) or '—'}" for key, item in value.items()
        )
    if isinstance(value, list):
        return ", ".join(_text(name, item, people) or "—" for item in value)
    return audit_value(value, name)


def _language(code: str) -> str:
    try:
        return Locale.parse(code).get_display_name(str(get_locale() or "en")) or code
    except (UnknownLocaleError, ValueError):
        return code
