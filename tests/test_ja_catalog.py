"""The Japanese catalog reads as one voice: the glossary's terms (docs/ja-glossary.md) and its
punctuation, the way a native reader expects a Japanese business application to write.

Each test lists every entry that breaks its rule, with the msgid, so a translator can find it.
"""

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "app" / "translations" / "ja" / "LC_MESSAGES" / "messages.po"
GLOSSARY = ROOT / "docs" / "ja-glossary.md"

# Kana and kanji (a Japanese word), and the full-width punctuation that ends or opens one.
KANA_KANJI = "\u3040-\u309f\u30a0-\u30ff\u4e00-\u9fff々〜"
FULL_WIDTH = "、。，．：；？！（）「」『』【】・〜"
PLACEHOLDER = r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]"
JAPANESE = re.compile(f"[{KANA_KANJI}]")


def _entries() -> list[tuple[str, str]]:
    """(msgid, Japanese text) of every translated entry; a plural entry's one form."""
    with CATALOG.open("rb") as f:
        catalog = read_po(f)
    entries = []
    for message in catalog:
        if not message.id:
            continue
        msgid = message.id[0] if message.pluralizable else message.id
        strings = message.string if message.pluralizable else (message.string,)
        entries.extend((msgid, s) for s in strings if s and JAPANESE.search(s))
    return entries


ENTRIES = _entries()


def _offenders(pattern: str) -> list[str]:
    found = re.compile(pattern)
    return [f"{msgid!r}: {text!r}" for msgid, text in ENTRIES if found.search(text)]


def _report(what: str, offenders: list[str]) -> str:
    return f"{len(offenders)} Japanese text(s) with {what}:\n  " + "\n  ".join(offenders)


def test_the_catalog_has_japanese_entries():
    assert len(ENTRIES) > 1000


def test_no_half_width_colon_after_japanese():
    """期限： not 期限: (nor 期限（…）: ) — a half-width colon is Latin punctuation."""
    offenders = _offenders(f"[{KANA_KANJI}{FULL_WIDTH}] ?:")
    assert not offenders, _report("a half-width colon after Japanese", offenders)


def test_no_half_width_brackets_or_marks_next_to_japanese():
    """（PDF） not (PDF); ですか？ not ですか?. A placeholder's own %(…) is not a bracket, and a
    character quoted on its own, 「?」, is the character itself."""
    offenders = [
        f"{msgid!r}: {text!r}"
        for msgid, text in ENTRIES
        if re.search(
            f"[{KANA_KANJI}{FULL_WIDTH}][(?!]|\\)[{KANA_KANJI}]",
            re.sub(f"{PLACEHOLDER}|「.」", "X", text),
        )
    ]
    assert not offenders, _report("a half-width ( ) ? or ! next to Japanese", offenders)


def test_no_latin_ellipsis_quotes_or_tilde():
    """… not ...; 「」 not “ ”; 〜 (wave dash) for ranges, one form only."""
    offenders = _offenders(r"\.\.\.|[“”]|～")
    assert not offenders, _report("..., “ ” or a full-width tilde", offenders)


def test_numbers_and_names_stick_to_their_japanese_words():
    """3件, 2時間15分, %(name)sさん: no space between a number or a placeholder and the Japanese
    word after it, and none between two Japanese words."""
    offenders = _offenders(f"(?:\\d|{PLACEHOLDER}|[{KANA_KANJI}]) +[{KANA_KANJI}]")
    assert not offenders, _report("a space before a Japanese word", offenders)


def _glossary() -> list[tuple[str, list[str], list[str]]]:
    """(term, avoid words, except words) of each glossary line that has words to avoid."""
    block = re.search(r"<!--(.*?)-->", GLOSSARY.read_text(encoding="utf-8"), re.S)
    assert block, "docs/ja-glossary.md starts with the glossary in a <!-- --> block"
    terms = []
    for line in block.group(1).splitlines():
        parts = [p.strip() for p in line.split("|")]
        if len(parts) < 3 or not parts[2].startswith("avoid:"):
            continue
        avoid = [w.strip() for w in parts[2].removeprefix("avoid:").split(",") if w.strip()]
        allowed = []
        if len(parts) > 3 and parts[3].startswith("except:"):
            allowed = [w.strip() for w in parts[3].removeprefix("except:").split(",")]
        terms.append((parts[0], avoid, allowed))
    return terms


GLOSSARY_TERMS = _glossary()


def test_the_glossary_names_words_to_avoid():
    assert len(GLOSSARY_TERMS) >= 20


@pytest.mark.parametrize(
    ("term", "avoid", "allowed"), GLOSSARY_TERMS, ids=[t[0] for t in GLOSSARY_TERMS]
)
def test_the_glossary_term_is_used_everywhere(term, avoid, allowed):
    offenders = []
    for msgid, text in ENTRIES:
        for word in allowed:
            text = text.replace(word, "")
        offenders += [f"{msgid!r}: {w!r}" for w in avoid if w in text]
    assert not offenders, _report(f"a word the glossary avoids for {term!r}", offenders)


def test_markup_and_braces_are_kept():
    """A tag or a {name} of the English text is in the Japanese text too."""
    kept = re.compile(r"</?[a-zA-Z][^>]*>|\{[a-z_]+\}")
    offenders = [
        f"{msgid!r}: {text!r}"
        for msgid, text in ENTRIES
        if sorted(kept.findall(msgid)) != sorted(kept.findall(text))
    ]
    assert not offenders, _report("markup or {braces} not as in the msgid", offenders)
