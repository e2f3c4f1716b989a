"""Lazy translations that are plain text, never trusted HTML.

Flask-Babel's LazyString declares itself safe HTML (`__html__` returns the text as is), so a
lazy message that carries user data, `_l("%(name)s lacks training", name=user.name)`, would
reach the page unescaped. These wrappers are the same lazy strings, escaped like any other
text when a template shows them. Import lazy translations from here, never from flask_babel
(tests/test_hostile_render.py keeps it so).
"""

from flask_babel import gettext, ngettext, pgettext
from flask_babel.speaklater import LazyString
from markupsafe import escape


class LazyText(LazyString):
    """A lazy translation that Jinja and WTForms escape like a plain string."""

    def __html__(self):
        return str(escape(str(self)))


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
