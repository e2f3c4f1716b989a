"""The message catalogs stay complete: every entry of messages.pot is translated, not fuzzy,
in both ja and en, and the Japanese texts keep the placeholders of their English source."""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parent.parent / "app" / "translations"
LOCALES = ("ja", "en")
# Python %-format placeholders with a name: %(name)s, %(n)d, %(amount).2f ...
PLACEHOLDER = re.compile(r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")


def _read(path: Path):
    with path.open("rb") as f:
        return read_po(f)


def _entries(catalog) -> dict:
    """msgid (the singular for a plural entry) -> message, header left out."""
    return {_key(m): m for m in catalog if m.id}


def _key(message) -> str:
    return message.id[0] if message.pluralizable else message.id


def _ids(message) -> tuple[str, ...]:
    return tuple(message.id) if message.pluralizable else (message.id,)


def _strings(message) -> tuple[str, ...]:
    if message.pluralizable:
        return tuple(message.string or ())
    return (message.string or "",)


def _placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def _listing(items) -> str:
    return "\n  " + "\n  ".join(repr(i) for i in items)


@pytest.fixture(scope="module")
def template() -> dict:
    return _entries(_read(TRANSLATIONS / "messages.pot"))


@pytest.fixture(scope="module", params=LOCALES)
def locale_catalog(request):
    path = TRANSLATIONS / request.param / "LC_MESSAGES" / "messages.po"
    return request.param, _read(path)


def test_template_has_entries(template):
    assert len(template) > 0, "messages.pot has no entries"


def test_every_template_entry_is_in_the_catalog(template, locale_catalog):
    locale, catalog = locale_catalog
    entries = _entries(catalog)
    missing = sorted(set(template) - set(entries))
    assert not missing, f"{locale}: {len(missing)} msgid(s) of messages.pot missing:" + _listing(
        missing
    )


def test_every_template_entry_is_translated(template, locale_catalog):
    locale, catalog = locale_catalog
    entries = _entries(catalog)
    untranslated = []
    for key in sorted(template):
        message = entries.get(key)
        if message is None:
            continue  # reported by test_every_template_entry_is_in_the_catalog
        strings = _strings(message)
        forms = catalog.num_plurals if message.pluralizable else 1
        if len(strings) < forms or not all(s.strip() for s in strings):
            untranslated.append(key)
    assert not untranslated, f"{locale}: {len(untranslated)} msgid(s) untranslated:" + _listing(
        untranslated
    )


def test_no_entry_is_fuzzy(template, locale_catalog):
    locale, catalog = locale_catalog
    entries = _entries(catalog)
    fuzzy = sorted(key for key in template if key in entries and entries[key].fuzzy)
    assert not catalog.fuzzy, f"{locale}: the catalog header is marked fuzzy"
    assert not fuzzy, f"{locale}: {len(fuzzy)} msgid(s) marked fuzzy:" + _listing(fuzzy)


def test_japanese_has_one_plural_form():
    catalog = _read(TRANSLATIONS / "ja" / "LC_MESSAGES" / "messages.po")
    assert catalog.num_plurals == 1, f"ja Plural-Forms should be nplurals=1: {catalog.plural_forms}"
    wrong = sorted(_key(m) for m in catalog if m.id and m.pluralizable and len(_strings(m)) != 1)
    assert not wrong, "ja: plural msgid(s) without exactly one msgstr[0]:" + _listing(wrong)


def test_japanese_keeps_the_placeholders():
    catalog = _read(TRANSLATIONS / "ja" / "LC_MESSAGES" / "messages.po")
    mismatched = []
    for message in catalog:
        if not message.id:
            continue
        expected = set().union(*(_placeholders(i) for i in _ids(message)))
        for string in _strings(message):
            if string and _placeholders(string) != expected:
                found = sorted(_placeholders(string))
                mismatched.append(f"{_key(message)!r}: expected {sorted(expected)}, got {found}")
    assert not mismatched, "ja: placeholders differ from the msgid:\n  " + "\n  ".join(mismatched)
