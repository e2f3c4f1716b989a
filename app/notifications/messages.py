"""Notification texts kept as what they say, shown in each reader's language.

A notification stores its message as data: the English source text (the msgid) and its
parameters, where a parameter may itself be a translated text (a severity, a clock). The
text is rendered when it is shown or sent, in the reader's language, so a manager who
switches to Japanese reads every notification in Japanese, old ones included.

Notifications written before messages were stored as data hold only their rendered subject.
Each domain registers the message of each kind it sends (`register`); an old subject is
matched against that message in every language, and its parts are translated back through
the catalogs (`legacy_text`).
"""

import re
from functools import cache

import flask_babel
from flask import current_app
from flask_babel import force_locale, get_translations
from flask_babel.speaklater import LazyString

from app.i18n import LazyText, gettext, ngettext, pgettext

_FUNCS = {"gettext": gettext, "pgettext": pgettext, "ngettext": ngettext}
# A lazy text names its function: app.i18n's (what the app makes) or Flask-Babel's own, which
# say the same.
_NAMES = {func: name for name, func in _FUNCS.items()} | {
    getattr(flask_babel, name): name for name in _FUNCS
}
_KINDS: dict[str, tuple[LazyString, frozenset[str]]] = {}
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def register(kind: str, message: LazyString, translated: tuple[str, ...] = ()) -> None:
    """The message (without parameters) that notifications of `kind` carry; `translated`
    names the parameters that are themselves translated texts (a severity, a level)."""
    _KINDS[kind] = (message, frozenset(translated))


def as_data(value):
    """A text, translated or plain, as JSON-ready data that `render` turns back into text."""
    if isinstance(value, LazyString):
        name = _NAMES.get(value._func)
        if name is None:
            return str(value)
        return {
            "t": name,
            "a": list(value._args),
            "k": {key: as_data(param) for key, param in value._kwargs.items()},
        }
    if value is None or isinstance(value, str | int | float):
        return value
    return str(value)


def render(data, catalog=None) -> str:
    """The text of `as_data(...)` in the current language. `catalog`, that language's
    `get_translations()`, spares looking it up for every text when rendering many (a sweep's
    burst renders thousands)."""
    return str(_value(data, catalog))


def _value(data, catalog):
    if isinstance(data, dict) and data.get("t") in _FUNCS:
        params = {key: _value(param, catalog) for key, param in data.get("k", {}).items()}
        if catalog is None:
            return str(_FUNCS[data["t"]](*data["a"], **params))
        return _from_catalog(catalog, data["t"], data["a"], params)
    return "" if data is None else data  # numbers stay numbers for %d


def _from_catalog(catalog, func: str, args: list, params: dict) -> str:
    """What flask_babel's gettext, pgettext or ngettext returns, read from `catalog`."""
    if func == "gettext":
        text = catalog.ugettext(*args)
    elif func == "pgettext":
        text = catalog.upgettext(*args)
    else:
        params.setdefault("num", args[2])
        text = catalog.ungettext(*args)
    return text % params if params else text


def lazy(data) -> LazyText:
    """`render(data)`, evaluated when shown."""
    return LazyText(render, data)


def text_of(notification) -> str:
    """What a notification says, in the current language."""
    if notification.message is not None:
        return render(notification.message)
    return legacy_text(notification.kind, notification.subject)


def legacy_text(kind: str, subject: str) -> str:
    """An old notification's subject in the current language, when its kind's message
    recognises it (in any language); otherwise the subject as it was stored."""
    message, translated = _KINDS.get(kind, (None, ()))
    if message is None or message._func not in _NAMES:
        return subject
    for pattern in _patterns(_NAMES[message._func], tuple(message._args)):
        found = pattern.fullmatch(subject)
        if found:
            params = {
                key: _translated_back(value) if key in translated else _number_or_text(value)
                for key, value in found.groupdict().items()
            }
            try:
                return str(message._func(*message._args, **params))
            except (TypeError, ValueError):  # a %d parameter that was not a number
                return subject
    return subject


@cache
def _patterns(func_name: str, args: tuple) -> list[re.Pattern]:
    """The message as a pattern in each language the app speaks, parameters captured."""
    patterns = []
    for locale in current_app.config["LANGUAGES"]:
        with force_locale(locale):
            template = str(_FUNCS[func_name](*args))
        parts = _PLACEHOLDER.split(template)
        regex = ""
        for i, part in enumerate(parts):
            regex += re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)"
        patterns.append(re.compile(regex, re.DOTALL))
    return patterns


def _number_or_text(value: str):
    return int(value) if value.isdigit() else value


def _translated_back(value: str):
    """A captured translation (a severity, a clock) as a lazy text in the reader's language."""
    source = _sources().get(value)
    if source is None:
        return value
    context, _, msgid = source.rpartition("\x04")
    return LazyText(pgettext, context, msgid) if context else LazyText(gettext, msgid)


@cache
def _sources() -> dict[str, str]:
    """Translated text → its catalog key, over every language (English maps to itself)."""
    found: dict[str, str] = {}
    for locale in current_app.config["LANGUAGES"]:
        with force_locale(locale):
            catalog = getattr(get_translations(), "_catalog", {})
        for key, text in catalog.items():
            if isinstance(key, str) and key and isinstance(text, str) and text:
                found.setdefault(text, key)
                found.setdefault(key.rpartition("\x04")[2], key)
    return found
