"""Suggesting threat flags from an escalation's description (English and Japanese).

A suggestion only: the person raising the escalation confirms the flags. English words are
matched on word boundaries with their common inflections; Japanese has no spaces, so its
phrases are matched as substrings (with the usual verb endings covered by the stem).
"""

import re
from dataclasses import dataclass, field

# STAND-IN (foundation commit): the interface the rest of the app uses; the measured detector
# replaces the word lists below.


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


def explain(rule: str) -> str:
    """Why a rule fires, for people (stored suggestions keep only the key)."""
    return rule


def detect(text: str) -> list[Finding]:
    """Every suggested flag in `text`, at most one per flag and sentence, in text order."""
    findings = []
    for sentence in re.split(r"(?<=[.!?。！？\n])\s*", text or ""):
        if not sentence.strip():
            continue
        for flag in FLAGS:
            hits = [(m.start(), m.end()) for m in _PATTERNS[flag].finditer(sentence)]
            for phrase in _JAPANESE[flag]:
                start = sentence.find(phrase)
                if start >= 0:
                    hits.append((start, start + len(phrase)))
            if hits:
                language = "ja" if re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", sentence) else "en"
                findings.append(
                    Finding(flag, sentence, tuple(sorted(hits)), f"{flag}.word", language)
                )
    return findings


CANCELLATION = "cancellation"
LEGAL = "legal"
SAFETY = "safety"
FLAGS = (CANCELLATION, LEGAL, SAFETY)

_ENGLISH = {
    CANCELLATION: [
        r"cancel(?:s|led|ed|ling|ing|lation|ation)?",
        r"terminat(?:e|es|ed|ing|ion)",
        r"(?:switch|switching|switched|move|moving|go|going) to (?:a |another )?competitors?",
        r"(?:not|won't|will not) renew(?:ing)?",
        r"end (?:the|our) contract",
        r"churn(?:ing)?",
    ],
    LEGAL: [
        r"lawyers?",
        r"attorneys?",
        r"lawsuits?",
        r"sue(?:s|d)?",
        r"suing",
        r"legal action",
        r"litigation",
        r"(?:legal|law) (?:firm|counsel|team)",
        r"breach of contract",
    ],
}
_JAPANESE = {
    CANCELLATION: [
        "解約",
        "契約解除",
        "契約を解除",
        "他社に乗り換え",
        "他社へ乗り換え",
        "乗り換え",
        "乗換",
        "契約打ち切り",
        "契約を打ち切",
        "取引停止",
        "取引を停止",
        "更新しない",
    ],
    LEGAL: ["訴訟", "訴え", "提訴", "弁護士", "法的措置", "法的手段", "損害賠償", "裁判"],
    SAFETY: [],
}
_ENGLISH[SAFETY] = [r"threat(?:en|ened|ening)"]
_PATTERNS = {
    kind: re.compile(r"\b(?:" + "|".join(words) + r")\b", re.IGNORECASE)
    for kind, words in _ENGLISH.items()
}


@dataclass
class ThreatSuggestion:
    cancellation: list[str] = field(default_factory=list)
    legal: list[str] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.cancellation or self.legal)


def suggest(text: str) -> ThreatSuggestion:
    """The threat words found in `text`, per flag, in the order they appear (no repeats)."""
    text = text or ""
    found = ThreatSuggestion()
    for kind in (CANCELLATION, LEGAL):
        hits = [(m.start(), m.group(0)) for m in _PATTERNS[kind].finditer(text)]
        for phrase in _JAPANESE[kind]:
            start = text.find(phrase)
            if start >= 0:
                hits.append((start, phrase))
        words: list[str] = getattr(found, kind)
        for _start, word in sorted(hits):
            if word.lower() not in (w.lower() for w in words) and not any(word in w for w in words):
                words.append(word)
    return found
