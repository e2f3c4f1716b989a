"""Threat flags suggested from what customers write (English and Japanese): cancellation, legal
and safety/security threats.

A suggestion only: the person who owns the escalation confirms or dismisses it. The detector
reads intent rather than words: a finding needs a threatening act on the relationship (end or
not renew the contract, move to another vendor, take legal steps, go to a regulator, harm
people, break into systems) by the customer, and the same words about something else (cancel
an invoice, the churn report, the lawyer portal), negated ("we are not thinking of leaving"),
asked about (how do I cancel an order) or already settled do not count.

- The text is cut into sentences (。！？.!? and line ends); each sentence is Japanese when it
  holds kana or kanji, else English, and is read by that language's rules
  (`english.py`: patterns over the folded text; `japanese.py`: patterns over SudachiPy lemmas,
  so polite, humble and desiderative forms of a verb are one verb).
- Each finding names its sentence as written, the words it came from (offsets into that
  sentence, for highlighting) and its rule, a stable key such as
  "ja.cancellation.not_continue"; `explain(rule)` says why that rule fires, in the reader's
  language (stored suggestions keep only the key).

`detect` is pure: no database and no application context.
"""

import re
from dataclasses import dataclass

from app.escalations.threats import english, japanese
from app.escalations.threats.explanations import explain
from app.escalations.threats.vocabulary import CANCELLATION, FLAGS, LEGAL, SAFETY

__all__ = ["CANCELLATION", "FLAGS", "LEGAL", "SAFETY", "Finding", "detect", "explain"]


@dataclass(frozen=True)
class Finding:
    """One suggested flag: the sentence it was read in, the words it came from (offsets into
    `sentence`), the rule that fired (a stable key; `explain(rule)` says why) and the
    sentence's language ("en" or "ja")."""

    flag: str
    sentence: str
    spans: tuple[tuple[int, int], ...]
    rule: str
    language: str


SENTENCE = re.compile(r"[^.!?。！？\n]*(?:[.!?。！？]+|\n|$)")
JAPANESE_LETTER = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")


def sentences(text: str):
    """The sentences of `text` as written (surrounding spaces trimmed), in order."""
    for match in SENTENCE.finditer(text or ""):
        sentence = match.group(0).strip()
        if sentence and any(c.isalnum() for c in sentence):
            yield sentence


def detect(text: str) -> list[Finding]:
    """Every suggested flag in `text`, at most one per flag and sentence, in text order."""
    findings = []
    found = [(s, "ja" if JAPANESE_LETTER.search(s) else "en") for s in sentences(text)]
    morphemes = iter(japanese.analyse_many([s for s, language in found if language == "ja"]))
    for sentence, language in found:
        if language == "ja":
            hits = japanese.read(sentence, next(morphemes))
        else:
            hits = english.read(sentence)
        for flag in FLAGS:
            if flag in hits:
                rule, spans = hits[flag]
                findings.append(Finding(flag, sentence, spans, rule, language))
    return findings
