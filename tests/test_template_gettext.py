"""The templates' gettext callables (app/formatting.install_cached_gettext) write what Jinja's
own newstyle gettext writes, in both languages, with and without autoescape, and follow
force_locale; the reader's locale is read where Flask-Babel keeps it."""

import pytest
from flask_babel import force_locale, get_locale, refresh
from jinja2 import Environment

from app.formatting import CATALOG_CALLABLES, reader_locale

TEMPLATES = [
    "{{ _('Accounts') }}",
    "{{ _('Escalation CRM') }}|{{ gettext('Sign out') }}",
    "{{ _('%(n)s <b>', n='<i>') }}",
    "{{ _('100%%') }}",
    "{{ _('Figures as of %(time)s.', time='<now>') }}",
    "{{ ngettext('%(num)d unread notification', '%(num)d unread notifications', 1) }}",
    "{{ ngettext('%(num)d unread notification', '%(num)d unread notifications', 7) }}",
    "{{ pgettext('label separator', ': ') }}",
    "{{ npgettext('ctx', '%(num)d thing', '%(num)d things', 2) }}",
    "{{ ngettext('%(num)s account', '%(num)s accounts', 2000, num='2,000') }}",
    "{{ _('%(string)s and %(context)s', string='<s>', context='c') }}",
    "{{ pgettext('ctx', '%(context)s: %(string)s', string='<s>') }}",
    "{% trans %}Accounts{% endtrans %}",
    "{% trans n=3 %}{{ n }} <x>{% endtrans %}",
]


def _jinja_own(autoescape: bool) -> Environment:
    """Jinja's newstyle callables around the same translations."""
    env = Environment(extensions=["jinja2.ext.i18n"], autoescape=autoescape)
    env.install_gettext_callables(**CATALOG_CALLABLES, newstyle=True)
    return env


@pytest.mark.parametrize("locale", ["en", "ja"])
@pytest.mark.parametrize("autoescape", [True, False])
def test_the_templates_gettext_writes_what_jinjas_writes(app, locale, autoescape):
    ours = app.jinja_env.overlay(autoescape=autoescape)
    theirs = _jinja_own(autoescape)
    with app.test_request_context(), force_locale(locale):
        for source in TEMPLATES:
            assert ours.from_string(source).render() == theirs.from_string(source).render()


def test_a_template_string_is_translated_and_its_values_escaped(app):
    with app.test_request_context():
        with force_locale("ja"):
            text = app.jinja_env.from_string("{{ _('Accounts') }}").render()
            assert text != "Accounts" and text
        with force_locale("en"):
            rendered = app.jinja_env.from_string("{{ _('%(n)s <b>', n='<i>') }}").render()
            assert rendered == "&lt;i&gt; <b>"


def test_the_readers_locale_is_flask_babels(app):
    with app.test_request_context():
        assert reader_locale() == get_locale()
        with force_locale("ja"):
            assert str(reader_locale()) == "ja"
        assert reader_locale() == get_locale()
        refresh()  # forgets the chosen locale: chosen again, as Flask-Babel would
        assert reader_locale() == get_locale()
    with app.app_context():
        assert reader_locale() == get_locale()


def test_lazy_texts_follow_the_readers_language_and_stay_escaped(app):
    from flask_babel import gettext as babel_gettext
    from flask_babel import ngettext as babel_ngettext
    from flask_babel import pgettext as babel_pgettext

    from app.i18n import lazy_gettext, lazy_ngettext, lazy_pgettext, with_params

    accounts = lazy_gettext("Accounts")
    hostile = lazy_gettext("Figures as of %(time)s.", time="<b>now</b>")
    unread = lazy_ngettext("%(num)d unread notification", "%(num)d unread notifications", 3)
    separator = lazy_pgettext("label separator", ": ")
    with app.test_request_context():
        for locale in ("en", "ja", "en"):
            with force_locale(locale):
                assert str(accounts) == babel_gettext("Accounts")
                assert str(hostile) == babel_gettext("Figures as of %(time)s.", time="<b>now</b>")
                assert "<b>" not in hostile.__html__()
                assert str(unread) == babel_ngettext(
                    "%(num)d unread notification", "%(num)d unread notifications", 3
                )
                assert str(separator) == babel_pgettext("label separator", ": ")
                later = with_params(lazy_gettext("Figures as of %(time)s."), time="12:00")
                assert str(later) == babel_gettext("Figures as of %(time)s.", time="12:00")
        with force_locale("ja"):
            assert str(accounts) != "Accounts"
    assert str(accounts) == "Accounts"  # no app: the text as written
