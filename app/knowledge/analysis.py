"""Text analysis for knowledge search: Japanese and English text into normalised search terms.

Japanese has no spaces and many key words are two characters (解約, 請求, 障害), so text goes
through a morphological analyser (SudachiPy with its core dictionary) rather than n-grams:

- NFKC first (full-width Latin and digits become ASCII, half-width kana full-width), then
  lower case.
- Each morpheme of split mode C (the longest units: 請求書, 二重請求) is kept in its
  normalised form (申し込み, 申込み and 申込 are one form; 繋がらない and つながらない are
  繋がる). A compound noun also gives its mode A parts (請求書 → 請求), so a search for 請求
  finds a note about 請求書: the index holds both, a query asks for the long unit or all its
  short ones.
- Particles, auxiliaries, punctuation, prefixes, suffixes, pronouns and a few words that only
  carry grammar (する, いる, ある, こと, ため) are dropped.
- Latin words are lower-cased and lightly stemmed by a small suffix stripper, so cancel,
  cancels, cancelled, canceled, cancelling and cancellation are one term; English stop words
  are dropped.
- A few katakana loanwords are the same word as an English one and are indexed as it
  (キャンセル is cancel, エラー is error). Only transliterations are merged: 解約 (ending a
  contract) and 取り消し are other words and stay themselves, so a search for キャンセル does
  not bring every note about churn.

Terms are plain strings without spaces: either ASCII letters and digits only, or no ASCII at
all. The index stores them space-joined (SQLite FTS5 with the `ascii` tokenizer, PostgreSQL
`array_to_tsvector`), so neither database parses the text again.

One Dictionary per process and a tokenizer per thread (app/sudachi.py), shared with the other
domain that reads Japanese.
"""

import re
import unicodedata
from dataclasses import dataclass

from sudachipy import SplitMode

from app import sudachi

# Sudachi refuses input over 49,149 bytes: text is analysed in pieces well below that.
CHUNK_CHARS = 4000
MAX_QUERY_GROUPS = 32


DROPPED_POS = {
    "助詞",
    "助動詞",
    "補助記号",
    "記号",
    "空白",
    "接頭辞",
    "接尾辞",
    "代名詞",
    "連体詞",
    "接続詞",
    "感動詞",
    "副詞",
}
# Normalised forms that carry grammar rather than meaning.
JAPANESE_STOP = {
    "為る",
    "する",
    "居る",
    "いる",
    "有る",
    "ある",
    "成る",
    "なる",
    "出来る",
    "来る",
    "行く",
    "見る",
    "置く",
    "仕舞う",
    "頂く",
    "下さる",
    "呉れる",
    "貰う",
    "致す",
    "申す",
    "願う",
    "御座る",
    "無い",
    "ない",
    "良い",
    "こと",
    "事",
    "物",
    "もの",
    "為",
    "ため",
    "時",
    "様",
    "よう",
    "そう",
    "所",
    "ところ",
    "方",
    "件",
    "中",
    "際",
    "等",
    "旨",
    "場合",
    "今回",
    "今日",
    "本日",
}
ENGLISH_STOP = set(
    """a about after again all also am an and any are as at be been before being but by can
    could did do does doing done for from had has have having he her here him his how i if in
    into is it its itself just me more most my no nor not now of off on once only or other our
    out over own same she should so some such than that the their them then there these they
    this those through to too under until up very was we were what when where which while who
    whom why will with would you your""".split()
)
# Katakana loanwords that are the English word itself: indexed and searched as it.
LOANWORDS = {
    "キャンセル": "cancel",
    "エラー": "error",
    "ログイン": "login",
    "パスワード": "password",
    "インボイス": "invoice",
    "タイムアウト": "timeout",
    "アップデート": "update",
    "ダウンロード": "download",
    "アップロード": "upload",
    "エクスポート": "export",
    "インポート": "import",
}
# Irregular English forms the suffix stripper does not join.
ENGLISH_FORMS = {"failure": "fail", "failures": "fail", "paid": "pay"}

LATIN_WORD = re.compile(r"[a-z0-9]+")
ASCII = re.compile(r"[\x00-\x7f]")
PIECE_END = re.compile(r"(?<=[\n。！？!?])")
HIRAGANA_ONLY = re.compile(r"^[\u3040-\u309f]+$")


def stem(word: str) -> str:
    """A light English stem: plural, -ation, -ing, -ed and a final -e removed, a final double
    consonant made single, so cancel/cancels/cancelled/cancellation are one form."""
    if word in ENGLISH_FORMS:
        return ENGLISH_FORMS[word]
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix, replacement in (("ations", ""), ("ation", ""), ("ied", "y"), ("ing", ""),
                                ("ed", ""), ("e", "")):  # fmt: skip
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + replacement
            break
    if len(word) >= 4 and word[-1] == word[-2] and word[-1] not in "aeiousy":
        word = word[:-1]
    return word


LOANWORD_TERMS = {katakana: stem(english) for katakana, english in LOANWORDS.items()}


def normalise_text(text: str) -> str:
    """NFKC and lower case, control characters as spaces."""
    text = unicodedata.normalize("NFKC", text or "").lower()
    return "".join(" " if unicodedata.category(c)[0] == "C" else c for c in text)


def _pieces(text: str):
    """The text in pieces short enough for Sudachi, cut at line or sentence ends if it can."""
    piece = ""
    for part in PIECE_END.split(text):
        while len(part) > CHUNK_CHARS:
            yield part[:CHUNK_CHARS]
            part = part[CHUNK_CHARS:]
        if len(piece) + len(part) > CHUNK_CHARS:
            yield piece
            piece = ""
        piece += part
    if piece.strip():
        yield piece


def _english(surface: str) -> list[str]:
    terms = []
    for word in LATIN_WORD.findall(surface):
        if word in ENGLISH_STOP or (word.isdigit() and len(word) < 2) or len(word) < 2:
            continue
        terms.append(stem(word))
    return terms


def _japanese_term(morpheme) -> str | None:
    """The morpheme's search term, or None when it carries no meaning of its own."""
    pos = morpheme.part_of_speech()
    if pos[0] in DROPPED_POS or pos[1] == "非自立可能" and pos[0] in ("形状詞", "形容詞"):
        return None
    form = morpheme.normalized_form()
    if form in JAPANESE_STOP or morpheme.dictionary_form() in JAPANESE_STOP:
        return None
    if pos[1] == "数詞" and len(form) < 2:
        return None
    if len(form) == 1 and HIRAGANA_ONLY.match(form):
        return None
    return LOANWORD_TERMS.get(form, form)


def _clean(term: str) -> list[str]:
    """A term as the index holds it: ASCII letters and digits only, or no ASCII at all."""
    if not ASCII.search(term):
        return [term]
    if term.isascii():
        return _english(term)
    rest = ASCII.sub("", term)
    return _english(term) + ([rest] if rest else [])


@dataclass(frozen=True)
class Group:
    """One unit of the text: its long form, and the short forms it is made of (if any). A
    note matches the unit when it holds the long form or every short one."""

    term: str
    parts: tuple[str, ...] = ()


def groups(text: str) -> list[Group]:
    """The text's units, in order (repeats kept)."""
    found: list[Group] = []
    text = normalise_text(text)
    if not text.strip():
        return found
    tokenizer = sudachi.tokenizer()
    for piece in _pieces(text):
        for morpheme in tokenizer.tokenize(piece):
            surface = morpheme.surface()
            if not surface.strip():
                continue
            if surface.isascii():
                found.extend(Group(term) for term in _english(surface))
                continue
            term = _japanese_term(morpheme)
            parts: list[str] = []
            if morpheme.part_of_speech()[0] == "名詞":
                short = morpheme.split(SplitMode.A)
                if len(short) > 1:
                    parts = [p for m in short if (t := _japanese_term(m)) for p in _clean(t)]
            if term is None:
                found.extend(Group(p) for p in parts)
                continue
            cleaned = _clean(term)
            if len(cleaned) != 1:
                found.extend(Group(t) for t in cleaned)
                continue
            parts = [p for p in parts if p != cleaned[0]]
            found.append(Group(cleaned[0], tuple(dict.fromkeys(parts))))
    return found


def index_terms(text: str) -> str:
    """The space-joined terms a note's text is indexed by: every unit and its short parts."""
    terms = []
    for group in groups(text):
        terms.append(group.term)
        terms.extend(group.parts)
    return " ".join(terms)


def query_groups(text: str) -> list[Group]:
    """The distinct units of a search, at most MAX_QUERY_GROUPS of them."""
    return list(dict.fromkeys(groups(text)))[:MAX_QUERY_GROUPS]


def guess_language(text: str) -> str:
    """ "ja" when a fair share of the letters are kana or kanji, else "en"."""
    letters = [c for c in text or "" if c.isalpha()]
    if not letters:
        return "en"
    japanese = sum(1 for c in letters if "\u3040" <= c <= "\u30ff" or "\u4e00" <= c <= "\u9fff")
    return "ja" if japanese / len(letters) >= 0.2 else "en"
