"""The message catalogs stay complete: messages.pot holds exactly the texts the code marks for
translation, every entry of it is translated, not fuzzy, in both ja and en, and the Japanese
texts keep the placeholders of their English source."""

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "app" / "translations"
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


def _makefile_extract_arguments() -> list[str]:
    """The arguments of the Makefile's `pybabel extract` (target `messages`), as written."""
    for line in (ROOT / "Makefile").read_text().splitlines():
        words = shlex.split(line)
        if len(words) > 1 and words[0].endswith("pybabel") and words[1] == "extract":
            return words[2:]
    raise AssertionError("the Makefile has no `pybabel extract` line (target `messages`)")


def _msgids(catalog) -> set[tuple]:
    """(context, msgid) of every entry, the msgid a (singular, plural) pair for a plural one."""
    return {(m.context, tuple(m.id) if m.pluralizable else m.id) for m in catalog if m.id}


def _described(msgid: tuple) -> str:
    context, text = msgid
    shown = " / ".join(repr(t) for t in text) if isinstance(text, tuple) else repr(text)
    return f"{shown} (context {context!r})" if context else shown


def test_template_matches_the_code(tmp_path):
    """messages.pot is what `make messages` extracts from the code today: no text added to
    (or removed from) the code without refreshing the catalogs."""
    arguments = _makefile_extract_arguments()
    output = arguments.index("-o") + 1
    assert arguments[output] == "app/translations/messages.pot", arguments
    arguments[output] = str(tmp_path / "messages.pot")
    extract = [sys.executable, "-m", "babel.messages.frontend", "extract", *arguments]
    done = subprocess.run(extract, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{shlex.join(extract)} failed:\n{done.stderr[-3000:]}"

    in_code = _msgids(_read(tmp_path / "messages.pot"))
    in_template = _msgids(_read(TRANSLATIONS / "messages.pot"))
    missing = sorted(map(_described, in_code - in_template))
    extra = sorted(map(_described, in_template - in_code))
    problems = []
    if missing:
        problems.append(f"{len(missing)} text(s) of the code missing from messages.pot:")
        problems.append("\n  " + "\n  ".join(missing))
    if extra:
        problems.append(f"\n{len(extra)} text(s) of messages.pot no longer in the code:")
        problems.append("\n  " + "\n  ".join(extra))
    assert not problems, (
        "messages.pot does not match the code; run `make messages`, then translate the new "
        "ja entries.\n" + "".join(problems)
    )


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
