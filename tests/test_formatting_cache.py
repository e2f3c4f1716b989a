"""The formatters a list page calls per row (issue 15): the date-time filter parses its
pattern once per locale and the enum labels are translated once per language, yet both write
exactly what Flask-Babel writes, in the reader's zone and language, and follow force_locale."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import pytz
from babel.numbers import format_currency
from flask import g
from flask_babel import force_locale, format_date, format_datetime

from app.escalations.models import Severity, Status
from app.formatting import (
    NAMED_FORMATS,
    from_minor_units,
    label,
    local_date,
    local_datetime,
    money,
)

MOMENTS = [
    datetime(2026, 1, 1, 0, 0, tzinfo=ZoneInfo("UTC")),
    datetime(2026, 3, 8, 9, 5, 7, tzinfo=ZoneInfo("UTC")),  # a US daylight-saving morning
    datetime(2026, 7, 31, 23, 59, 59, tzinfo=ZoneInfo("UTC")),  # the next day in Tokyo
    datetime(2026, 12, 2, 13, 30),  # naive: stored UTC
]


@pytest.mark.parametrize("locale", ["en", "ja"])
@pytest.mark.parametrize("zone", ["Asia/Tokyo", "America/New_York", "UTC"])
def test_datetime_filter_writes_what_flask_babel_writes(app, locale, zone):
    with app.test_request_context():
        with force_locale(locale):
            g._flask_babel.babel_tzinfo = pytz.timezone(zone)
            for moment in MOMENTS:
                for fmt in NAMED_FORMATS:
                    assert local_datetime(moment, fmt) == format_datetime(moment, fmt)
                # A pattern of the caller's own goes to Babel as it is.
                assert local_datetime(moment, "yyyy-MM-dd HH:mm") == format_datetime(
                    moment, "yyyy-MM-dd HH:mm"
                )
    assert "" == local_datetime(None)


@pytest.mark.parametrize("locale", ["en", "ja"])
def test_date_filter_writes_what_flask_babel_writes(app, locale):
    days = [date(2026, 1, 1), date(2026, 2, 28), date(2027, 12, 31)]
    with app.test_request_context():
        with force_locale(locale):
            g._flask_babel.babel_tzinfo = pytz.timezone("Asia/Tokyo")
            for day in days:
                for fmt in NAMED_FORMATS:
                    assert local_date(day, fmt) == format_date(day, fmt)
                assert local_date(day, "yyyy/MM/dd") == format_date(day, "yyyy/MM/dd")
            # A date-time is the date in the reader's zone: 31 July 23:59 UTC is 1 August.
            assert local_date(MOMENTS[2]) == format_date(MOMENTS[2])
            assert local_date(MOMENTS[2]) == format_date(date(2026, 8, 1))
        with force_locale("en"):
            assert local_date(days[0], "long") == "January 1, 2026"
        with force_locale("ja"):
            assert local_date(days[0], "long") == "2026年1月1日"
    assert local_date(None) == ""


def test_datetime_filter_shows_the_readers_zone(app):
    with app.test_request_context():
        with force_locale("en"):
            g._flask_babel.babel_tzinfo = pytz.timezone("Asia/Tokyo")
            # 23:59 UTC on 31 July is 08:59 on 1 August in Tokyo.
            assert local_datetime(MOMENTS[2], "medium") == "Aug 1, 2026, 8:59:59\u202fAM"
            g._flask_babel.babel_tzinfo = pytz.timezone("America/New_York")
            # 00:59 UTC on 1 August is still 31 July, 20:59, in New York.
            later = MOMENTS[2] + timedelta(hours=1)
            assert local_datetime(later, "short") == "7/31/26, 8:59\u202fPM"


def test_labels_follow_the_language_even_when_cached(app):
    with app.test_request_context():
        with force_locale("en"):
            assert label(Severity.CRITICAL) == "Critical"
            assert label(Status.WAITING_ON_CUSTOMER) == "Waiting on customer"
        with force_locale("ja"):
            japanese = label(Severity.CRITICAL)
            assert japanese != "Critical" and japanese == label(Severity.CRITICAL)
        with force_locale("en"):
            assert label(Severity.CRITICAL) == "Critical"  # not the Japanese text cached above
    assert label(None) == ""


def test_a_template_follows_force_locale_inside_a_request(app):
    """The templates' gettext keeps its translations per request, but per locale too: a
    message rendered for another reader (force_locale) is in that reader's language."""
    from flask import render_template_string

    with app.test_request_context():
        with force_locale("en"):
            assert render_template_string("{{ _('Escalations') }}") == "Escalations"
            with force_locale("ja"):
                assert render_template_string("{{ _('Escalations') }}") != "Escalations"
            assert render_template_string("{{ _('Escalations') }}") == "Escalations"


@pytest.mark.parametrize("currency", ["JPY", "USD", "EUR", "GBP"])
def test_money_writes_what_babel_writes_in_each_readers_language(app, currency):
    amounts = [0, 1, 99, 150_000_000, -2_500_050, 30_000_000_000]
    with app.test_request_context():
        for locale in ("en", "ja", "en", "ja"):  # the second round reads what the first kept
            with force_locale(locale):
                for minor in amounts:
                    expected = format_currency(
                        from_minor_units(minor, currency), currency, locale=locale
                    )
                    assert money(minor, currency) == expected
    assert money(None, "JPY") == ""
