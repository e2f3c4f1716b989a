"""Request input checked once, before any view sees it.

- Control characters (NUL and the other C0 codes but tab, newline and carriage return) are
  removed from every query and form value: PostgreSQL refuses NUL in text, and none of them
  belongs in a name, a note or a search.
- An integer read with `request.args.get(name, type=int)` (or from a form) that no id column
  can hold reads as absent, like any other value that is not a number.
- Path ids (`<int:...>`) outside 1..MAX_ID do not match the route: 404, not a database error.
"""

import re

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter, ValidationError

# The smaller of the two databases' integer id columns (PostgreSQL `integer`).
MAX_ID = 2**31 - 1
MIN_INT = -(2**31)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value: str) -> str:
    """The text without control characters (tab, newline and carriage return stay)."""
    return _CONTROL.sub("", value)


def bounded_int(value) -> int:
    """int(value) when a database integer can hold it; ValueError otherwise."""
    number = int(value)
    if not MIN_INT <= number <= MAX_ID:
        raise ValueError(f"{number} is out of range")
    return number


def as_id(value) -> int | None:
    """A record id written as digits, or None (for filters that take an id or a keyword)."""
    text = str(value or "").strip()
    if not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def page_number(args) -> int:
    """The `page` query parameter: a positive number no larger than MAX_ID, else 1."""
    return as_id(args.get("page")) or 1


class CleanMultiDict(ImmutableMultiDict):
    """Query and form values without control characters; `type=int` bounded to MAX_ID."""

    def __init__(self, mapping=None):
        if mapping is None:
            super().__init__()
            return
        if isinstance(mapping, dict) and not isinstance(mapping, ImmutableMultiDict):
            mapping = mapping.items()
        elif hasattr(mapping, "items") and hasattr(mapping, "getlist"):
            mapping = mapping.items(multi=True)
        super().__init__([(key, clean_text(v) if isinstance(v, str) else v) for key, v in mapping])

    def get(self, key, default=None, type=None):
        if type is int:
            type = bounded_int
        return super().get(key, default=default, type=type)


class CleanRequest(Request):
    parameter_storage_class = CleanMultiDict


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: a positive id a database column can hold, else no match."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if not 0 <= number <= MAX_ID:
            raise ValidationError()
        return number


def register(app) -> None:
    """Install the checks; before the blueprints, so every route's `int` uses IdConverter."""
    app.request_class = CleanRequest
    app.url_map.converters["int"] = IdConverter
