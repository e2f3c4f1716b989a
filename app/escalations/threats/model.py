"""A learned second opinion next to the rules: one logistic regression per flag over the words of
a sentence, read when no rule fired for that flag, so that phrasings the rules were not written
for can still be suggested.

- Features: English, lower-cased words after a light suffix strip, and their bigrams, with a
  "NOT_" mark on words after not/never/no/n't up to the end of the clause; Japanese, SudachiPy's
  normalised lemmas (the analyser of `japanese.py`) and their bigrams, with the mark on the few
  words before ない/ず/ません; for both, the rule families that fired, so the model learns when
  to trust them. Each feature is present or not (no counts).
- The weights and each flag's threshold per language live in `model.json`, written offline by
  `scripts/train_threat_model.py` (thresholds chosen by cross-validation on the training data);
  the file is read once, when first needed. Nothing is trained at run time.
- A finding of the model names rule "model.<flag>" and highlights the (up to three) words that
  pushed hardest towards the flag.

`ENABLED` switches the hook in `detect` on or off (see the training script's figures).
"""

import json
import math
import re
import threading
import unicodedata
from pathlib import Path

from app.escalations.threats import japanese
from app.escalations.threats.vocabulary import FLAGS, merged

ENABLED = False  # cross-validated "rules OR model" was not better than the rules alone
MODEL_PATH = Path(__file__).with_name("model.json")
MAX_SPANS = 3

WORD = re.compile(r"[^\W_]+(?:['\u2019\u02bc\uff07][^\W_]+)*")
ENGLISH_NEGATION = re.compile(r"^(?:not|never|no|nothing|none|nobody|neither|nor|cannot|wont|dont|"
                              r"doesnt|didnt|isnt|arent|wasnt|werent|havent|hasnt|wouldnt)$|n't$")
CLAUSE_BREAK = re.compile(r"[,;:()\-\u2013\u2014]|\bbut\b|\bhowever\b")
SUFFIXES = ("ing", "ed", "es", "s")
JAPANESE_NEGATIONS = frozenset(japanese.NEGATIONS)
JAPANESE_CLAUSE_END = frozenset(japanese.CLAUSE_END)
JAPANESE_NEGATION_REACH = 5  # morphemes before ない/ず that it negates

_weights: dict | None = None
_lock = threading.Lock()


def stem(word: str) -> str:
    """A light suffix strip: possessive, -ing, -ed, -es, -s (words of five letters or more)."""
    word = word.replace("\u2019", "'").replace("\u02bc", "'").replace("\uff07", "'")
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) >= 5 and not word.endswith(("ss", "us", "is")):
        for suffix in SUFFIXES:
            if word.endswith(suffix):
                return word[: -len(suffix)]
    return word


def english_words(sentence: str) -> list[tuple[str, int, int]]:
    """(word, start, end) for each word of an English sentence as written; a word inside a
    negation's scope (after not/never/no/n't, up to the end of its clause) is marked "NOT_"."""
    words = []
    negated = False
    last = 0
    for match in WORD.finditer(sentence):
        if negated and CLAUSE_BREAK.search(sentence, last, match.start()):
            negated = False
        last = match.end()
        word = unicodedata.normalize("NFKC", match.group(0)).lower().replace("\u2019", "'")
        if ENGLISH_NEGATION.search(word):
            words.append((word, match.start(), match.end()))
            negated = True
            continue
        word = stem(word)
        words.append((("NOT_" + word) if negated else word, match.start(), match.end()))
    return words


def japanese_words(tokens: list[japanese.Token]) -> list[tuple[str, int, int]]:
    """(lemma, begin, end) for each morpheme that is not punctuation; a lemma within a few
    morphemes before a negation (ない, ず, ません) in the same clause is marked "NOT_"."""
    negated = [False] * len(tokens)
    for index, token in enumerate(tokens):
        if token.lemma in JAPANESE_NEGATIONS and token.pos in "XA":
            for before in range(index - 1, max(-1, index - 1 - JAPANESE_NEGATION_REACH), -1):
                if tokens[before].lemma in JAPANESE_CLAUSE_END:
                    break
                negated[before] = True
    return [
        (("NOT_" + token.lemma) if negated[index] else token.lemma, token.begin, token.end)
        for index, token in enumerate(tokens)
        if token.pos != "S"
    ]


def features(
    words: list[tuple[str, int, int]], rules: list[str], language: str
) -> dict[str, tuple[int, ...]]:
    """{feature: indexes of the words it came from}: unigrams, bigrams, the rule families that
    fired ("rule:cancellation.end_contract", "rule:cancellation") and the language."""
    found: dict[str, tuple[int, ...]] = {f"lang:{language}": ()}
    for index, (word, _start, _end) in enumerate(words):
        found.setdefault(f"{language}:{word}", (index,))
        if index:
            found.setdefault(f"{language}:{words[index - 1][0]} {word}", (index - 1, index))
    for rule in rules:
        _language, _, family = rule.partition(".")
        found[f"rule:{family}"] = ()
        found[f"rule:{family.partition('.')[0]}"] = ()
    return found


def weights() -> dict:
    """The trained model (read from MODEL_PATH once)."""
    global _weights
    if _weights is None:
        with _lock:
            if _weights is None:
                _weights = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    return _weights


def probability(flag_model: dict, found: dict[str, tuple[int, ...]]) -> float:
    """The model's probability that the flag holds, for one sentence's features."""
    table = flag_model["weights"]
    score = flag_model["bias"] + sum(table.get(feature, 0.0) for feature in found)
    return 1 / (1 + math.exp(-max(-30.0, min(30.0, score))))


def strongest(
    flag_model: dict, found: dict[str, tuple[int, ...]], words: list[tuple[str, int, int]]
) -> tuple[tuple[int, int], ...]:
    """The spans of the (up to MAX_SPANS) words with the largest positive contribution (a
    bigram's weight is shared by its two words)."""
    table = flag_model["weights"]
    share = [0.0] * len(words)
    for feature, indexes in found.items():
        weight = table.get(feature, 0.0)
        for index in indexes:
            share[index] += weight / len(indexes)
    ranked = sorted((i for i, value in enumerate(share) if value > 0), key=lambda i: -share[i])
    return merged((words[i][1], words[i][2]) for i in ranked[:MAX_SPANS])


def words_of(sentence: str, language: str, tokens=None) -> list[tuple[str, int, int]]:
    """The sentence's words as the model reads them."""
    if language == "ja":
        return japanese_words(japanese.analyse(sentence) if tokens is None else tokens)
    return english_words(sentence)


def read(sentence: str, language: str, hits: dict, tokens=None) -> dict:
    """The rules' hits ({flag: (rule, spans)}) with the model's added for each flag no rule
    found and the model is confident of: ("model.<flag>", spans of its strongest words)."""
    model = weights()
    if all(flag in hits for flag in FLAGS):
        return hits
    words = words_of(sentence, language, tokens)
    found = features(words, [rule for rule, _spans in hits.values()], language)
    added = dict(hits)
    for flag in FLAGS:
        flag_model = model["flags"][flag]
        if flag in hits or probability(flag_model, found) < flag_model["thresholds"][language]:
            continue
        spans = strongest(flag_model, found, words)
        added[flag] = (f"model.{flag}", spans)
    return added
