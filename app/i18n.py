"""Lazy translations that are plain text, never trusted HTML.

Flask-Babel's LazyString declares itself safe HTML (`__html__` returns the text as is), so a
lazy message that carries user data, `_l("%(name)s lacks training", name=user.name)`, would
reach the page unescaped. These wrappers are the same lazy strings, escaped like any other
text when a template shows them. Import lazy translations from here, never from flask_babel
(tests/test_hostile_render.py keeps it so).
"""

from flask_babel.speaklater import LazyString
from markupsafe import escape

from app.formatting import request_translations


class LazyText(LazyString):
    """A lazy translation that Jinja and WTForms escape like a plain string."""

    def __html__(self):
        return str(escape(str(self)))


# Flask-Babel's gettext, ngettext and pgettext, to the letter (formatted only when given
# variables; ngettext always has `num`), with the request's translations looked up once: a
# page shows dozens of lazy labels, and Flask-Babel looks the translations up for each.
def gettext(string: str, /, **variables) -> str:
    text = request_translations().ugettext(string)
    return text % variables if variables else text


def pgettext(context: str, string: str, /, **variables) -> str:
    text = request_translations().upgettext(context, string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, /, **variables) -> str:
    variables.setdefault("num", num)
    return request_translations().ungettext(singular, plural, num) % variables


def lazy_gettext(string: str, **variables) -> LazyText:
    """`gettext` evaluated when shown, in the reader's language."""
    return LazyText(gettext, string, **variables)


def lazy_pgettext(context: str, string: str, **variables) -> LazyText:
    """`pgettext` evaluated when shown."""
    return LazyText(pgettext, context, string, **variables)


def lazy_ngettext(singular: str, plural: str, num: int, **variables) -> LazyText:
    """`ngettext` evaluated when shown."""
    return LazyText(ngettext, singular, plural, num, **variables)


def with_params(message: LazyString, **variables) -> LazyText:
    """The same lazy translation with its parameters filled in (they may be lazy too)."""
    return LazyText(message._func, *message._args, **(message._kwargs | variables))
