"""Jinja filters and globals: money, dates, enum labels, the health trend line."""

import enum
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import parse_pattern
from babel.numbers import get_currency_precision
from flask import Flask, current_app, has_request_context
from flask.globals import _cv_app
from flask_babel import (
    format_date,
    format_datetime,
    get_locale,
    get_timezone,
    get_translations,
    pgettext,
    to_user_timezone,
)
from jinja2 import pass_context
from markupsafe import Markup

from app.models import utcnow

CURRENCIES = ("JPY", "USD", "EUR", "GBP")

# Enum value -> lazy translated label; each domain adds its own in its labels module.
LABELS: dict[enum.Enum, object] = {}


# Field name -> lazy translated label, for the audit history; domains add theirs.
FIELD_LABELS: dict[str, object] = {}


# Field name -> enum classes, so stored raw values ("at_risk") show as labels ("At risk").
FIELD_ENUMS: dict[str, list[type[enum.Enum]]] = {}


def register_field_enums(mapping: dict[str, type[enum.Enum]]) -> None:
    for field, enum_cls in mapping.items():
        FIELD_ENUMS.setdefault(field, []).append(enum_cls)


# Audit entity type -> lazy translated name.
ENTITY_LABELS: dict[str, object] = {}


def enum_label(value, field: str) -> str:
    """The label of a raw enum value stored under `field` (audit rows, timeline data)."""
    if value is None:
        return ""
    for enum_cls in FIELD_ENUMS.get(field, ()):
        try:
            return label(enum_cls(value))
        except ValueError:
            continue
    return str(value)


def audit_value(value, field: str) -> str:
    """A value as the audit history shows it: labels for enums, Yes/No, local date-times."""
    from flask_babel import gettext

    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, list):
        return ", ".join(audit_value(v, field) for v in value)
    if isinstance(value, str) and field.endswith("_at"):
        from datetime import datetime

        try:
            return format_datetime(datetime.fromisoformat(value), "short")
        except ValueError:
            return value
    if isinstance(value, str) and field.endswith("_on"):
        from datetime import date

        try:
            return format_date(date.fromisoformat(value), "medium")
        except ValueError:
            return value
    return enum_label(value, field)


def entity_label(entity_type: str) -> str:
    return str(ENTITY_LABELS.get(entity_type, entity_type.replace("_", " ")))


# Audit action -> lazy translated verb; domains add theirs.
ACTION_LABELS: dict[str, object] = {}


def audit_action(action: str) -> str:
    return str(ACTION_LABELS.get(action, action.replace("_", " ")))


def field_label(name: str) -> str:
    return str(FIELD_LABELS.get(name, name.replace("_", " ")))


def minor_units_exponent(currency: str) -> int:
    return get_currency_precision(currency)


def to_minor_units(amount: Decimal, currency: str) -> int:
    return int(amount.scaleb(minor_units_exponent(currency)).to_integral_value())


def from_minor_units(minor: int, currency: str) -> Decimal:
    return Decimal(minor).scaleb(-minor_units_exponent(currency))


@lru_cache(maxsize=16)
def _currency_format(locale: str):
    parsed = Locale.parse(locale)
    return parsed, parsed.currency_formats["standard"]


def money(minor: int | None, currency: str) -> str:
    """ARR and other amounts: integer minor units shown in the reader's locale."""
    if minor is None:
        return ""
    return _money_text(minor, currency, str(reader_locale()))


@lru_cache(maxsize=4096)
def _money_text(minor: int, currency: str, locale_name: str) -> str:
    """One amount as written in one locale: a pure function, kept for the amounts pages show
    again and again. format_currency re-parses the locale and its pattern on every call, and
    the parsed pattern's apply() still works out the currency's plural name (which none of
    our patterns shows): about 0.1 ms an amount, 120 amounts on an executive's review."""
    locale, pattern = _currency_format(locale_name)
    return pattern.apply(
        from_minor_units(minor, currency), locale, currency=currency, currency_digits=True
    )


def reader_locale() -> Locale | None:
    """Flask-Babel's get_locale(), read straight from where it keeps the context's locale
    (g._flask_babel.babel_locale, which force_locale sets too): its own lookup goes through
    three context proxies, 2.4 µs, and a list page asks for the locale a few hundred times.
    Until Flask-Babel has chosen one, and outside an app context, it is get_locale()."""
    ctx = _cv_app.get(None)
    if ctx is not None:
        state = ctx.g.__dict__.get("_flask_babel")
        locale = getattr(state, "babel_locale", None)
        if locale is not None:
            return locale
    return get_locale()


def request_translations():
    """The request's translations, looked up once per request and locale rather than per
    string (a message rendered with force_locale, for another reader, gets its own)."""
    if not has_request_context():
        return get_translations()
    locale = reader_locale()
    kept = _cv_app.get().g.__dict__
    cached = kept.get("_translations")
    if cached is None or cached[0] is not locale:
        cached = kept["_translations"] = (locale, get_translations())
    return cached[1]


# The request's catalog, as the four callables Jinja's i18n extension takes.
CATALOG_CALLABLES = dict(
    gettext=lambda s: request_translations().ugettext(s),
    ngettext=lambda s, p, n: request_translations().ungettext(s, p, n),
    pgettext=lambda c, s: request_translations().upgettext(c, s),
    npgettext=lambda c, s, p, n: request_translations().unpgettext(c, s, p, n),
)


def install_cached_gettext(app: Flask) -> None:
    """Templates call gettext dozens of times a page; Flask-Babel's own callables look the
    translations up again each time. The callables are Jinja's newstyle ones
    (jinja2.ext._make_new_gettext and its siblings: marked safe under autoescape, then always
    formatted with the variables) calling the request's translations directly: Jinja's `_`
    reaches them through two more `Context.call`s, and `_('Accounts')` took 9 µs."""
    env = app.jinja_env
    env.install_gettext_callables(**CATALOG_CALLABLES, newstyle=True)
    env.globals.update(
        _=_template_gettext,
        gettext=_template_gettext,
        ngettext=_template_ngettext,
        pgettext=_template_pgettext,
        npgettext=_template_npgettext,
    )


def _formatted(context, text: str, variables: dict):
    if context.eval_ctx.autoescape:
        text = Markup(text)
    # Always a format string, as in Jinja's newstyle gettext ("%%" is "%"); without a "%"
    # there is nothing to format.
    return text % variables if variables or "%" in text else text


@pass_context
def _template_gettext(context, string, /, **variables):
    return _formatted(context, request_translations().ugettext(string), variables)


@pass_context
def _template_ngettext(context, singular, plural, count, /, **variables):
    variables.setdefault("num", count)
    text = request_translations().ungettext(singular, plural, count)
    return _formatted(context, text, variables)


@pass_context
def _template_pgettext(context, string_ctx, string, /, **variables):
    variables.setdefault("context", string_ctx)
    return _formatted(context, request_translations().upgettext(string_ctx, string), variables)


@pass_context
def _template_npgettext(context, string_ctx, singular, plural, count, /, **variables):
    variables.setdefault("context", string_ctx)
    variables.setdefault("num", count)
    text = request_translations().unpgettext(string_ctx, singular, plural, count)
    return _formatted(context, text, variables)


# (locale, enum value) -> its label: the labels are fixed texts, so each is translated once
# per language and process rather than once per row (a list page shows hundreds).
_LABEL_TEXTS: dict[tuple, str] = {}


def label(value) -> str:
    if value is None:
        return ""
    key = (reader_locale(), value)
    text = _LABEL_TEXTS.get(key)
    if text is None:
        text = str(LABELS.get(value, getattr(value, "value", value)))
        if len(_LABEL_TEXTS) < 10_000:  # enum members only: a bound for the unexpected
            _LABEL_TEXTS[key] = text
    return text


def lazy_label(value):
    """The label of an enum value, translated when shown (for texts stored as data)."""
    if value is None:
        return ""
    return LABELS.get(value, getattr(value, "value", value))


NAMED_FORMATS = ("short", "medium", "long", "full")


@lru_cache(maxsize=32)
def _datetime_patterns(locale: Locale, fmt: str):
    """Babel's pieces of a named date-time format: the frame, the date and the time pattern."""
    frame = locale.datetime_formats[fmt].replace("'", "")
    return frame, parse_pattern(locale.date_formats[fmt]), parse_pattern(locale.time_formats[fmt])


def local_datetime(value, fmt: str = "medium") -> str:
    """A date-time in the reader's zone and language, as Flask-Babel's format_datetime writes
    it; the named formats' patterns are parsed once per locale (a list row shows two)."""
    if not value:
        return ""
    locale = reader_locale()
    if fmt not in NAMED_FORMATS or locale is None:
        return format_datetime(value, fmt)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    zone = get_timezone()
    local = zone.normalize(value.astimezone(zone))
    frame, date_pattern, time_pattern = _datetime_patterns(locale, fmt)
    return frame.replace("{0}", time_pattern.apply(local, locale)).replace(
        "{1}", date_pattern.apply(local.date(), locale)
    )


@lru_cache(maxsize=32)
def _date_pattern(locale: Locale, fmt: str):
    return parse_pattern(locale.date_formats[fmt])


def local_date(value, fmt: str = "medium") -> str:
    """A date in the reader's language, as Flask-Babel's format_date writes it, its named
    pattern parsed once per locale (a list shows a date or two a row); "" for none."""
    if not value:
        return ""
    locale = reader_locale()
    if fmt not in NAMED_FORMATS or locale is None or isinstance(value, datetime):
        return format_date(value, fmt)  # a date-time is first moved to the reader's zone
    return _date_pattern(locale, fmt).apply(value, locale)


def local_today(now=None):
    """Today's date in the app's timezone, not the server's (Flask-Babel converts times, but
    has no "today"); `now` for a caller with its own clock, such as the scheduler."""
    return to_user_timezone(now or utcnow()).date()


def duration(delta) -> str:
    """A clock's time left, e.g. "2 h 05 min" (whole minutes, days as hours)."""
    from flask_babel import gettext

    minutes = max(0, int(delta.total_seconds() // 60))
    return gettext("%(h)d h %(m)02d min", h=minutes // 60, m=minutes % 60)


def duration_minutes(minutes: int) -> str:
    from datetime import timedelta

    return duration(timedelta(minutes=minutes))


def hours_minutes(minutes: int | None) -> str:
    """A target in business time as people say it: "2 h 30 min", "8 h", "45 min"."""
    from flask_babel import gettext

    if minutes is None:
        return ""
    hours, rest = divmod(max(0, int(minutes)), 60)
    if hours and rest:
        return gettext("%(h)d h %(m)d min", h=hours, m=rest)
    if hours:
        return gettext("%(h)d h", h=hours)
    return gettext("%(m)d min", m=rest)


def signed(now, then) -> str:
    """now - then with its sign ("+3", "-2", "0"), or "—" when either is missing."""
    if now is None or then is None:
        return "—"
    return f"{now - then:+d}" if now != then else "0"


def percent(value) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def percent_change(value) -> str:
    return "—" if value is None else f"{value * 100:+.1f}%"


def one_decimal(value) -> str:
    return "—" if value is None else f"{value:+.1f}" if value else "0.0"


def register(app: Flask) -> None:
    install_cached_gettext(app)
    app.jinja_env.filters.update(
        money=money,
        label=label,
        enum_label=enum_label,
        audit_value=audit_value,
        entity_label=entity_label,
        date=local_date,
        datetime=local_datetime,
    )
    app.jinja_env.globals.update(
        duration=duration,
        audit_action=audit_action,
        signed=signed,
        percent=percent,
        one_decimal=one_decimal,
        percent_change=percent_change,
        duration_minutes=duration_minutes,
        hours_minutes=hours_minutes,
        now=utcnow,
        field_label=field_label,
        current_locale=lambda: str(reader_locale() or "en"),
        colon=label_colon,
    )


def label_colon() -> str:
    """What follows a label before its value: ": " in English, a full-width "：" in Japanese."""
    return pgettext("label separator", ": ")


def zone_or_default(name: str | None) -> ZoneInfo:
    """The named IANA zone (a user's), or the app's default when there is none or this system
    does not know it: for work done outside a request (jobs, notices to other people)."""
    default = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    try:
        return ZoneInfo(name or default)
    except (ValueError, KeyError, OSError):  # KeyError: ZoneInfoNotFoundError
        return ZoneInfo(default)
