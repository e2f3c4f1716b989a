"""Threat detection, measured: precision and recall of the detector on a held-out set of
labelled customer sentences (issue 12).

tests/threat_eval/sentences.tsv holds sentences in English and Japanese as they reach a CSM
(call notes, e-mails, chat, keigo), written before and apart from the detector's rules. The
writer's 654 sentences were split in two halves alike in language, flags and kind:
tuning.tsv, which whoever improves the rules may read, and sentences.tsv, held out, which the
rules are never tuned on (its figures are the ones that count). Each
row names its language, the flags a person would set (cancellation, legal, safety) and its
kind: a `threat`, a `hard_negative` (the words a word list fires on, about something else or
negated) or `plain` text. Half of each language is hard negatives on purpose.

A sentence is predicted positive for a flag when any finding of `detect(text)` has that flag.
The targets for each language and flag: recall at least 0.95 and precision at least 0.90. The
figures are printed at the end of the run (tests/conftest.py, pytest_terminal_summary), each
row marked "ok" or "BELOW TARGET".

The detector does not meet the targets yet (issue 12's note has the figures). Until it does,
the test holds the line instead: no figure may fall below the one measured when issue 12
landed (FLOOR), so a change to the rules that loses a threat or raises a false alarm here
fails. Raise a floor when the detector improves; the targets stay what they are.
"""

from collections import Counter
from pathlib import Path
from typing import NamedTuple

import pytest

from app.escalations.models import ThreatFlag
from app.escalations.threats import detect

SET_PATH = Path(__file__).parent / "threat_eval" / "sentences.tsv"
HEADER = ["lang", "flags", "kind", "text"]
LANGS = ("en", "ja")
FLAGS = tuple(flag.value for flag in ThreatFlag)
KINDS = ("threat", "hard_negative", "plain")

MIN_PER_LANG = 150
MIN_TOTAL = 300
MIN_PER_FLAG = 25
MIN_RECALL = 0.95
MIN_PRECISION = 0.90
# (precision, recall) per language and flag when issue 12 landed: the figures may not drop.
FLOOR = {
    ("en", "cancellation"): (0.80, 0.72),
    ("en", "legal"): (0.91, 0.77),
    ("en", "safety"): (0.73, 0.68),
    ("ja", "cancellation"): (0.77, 0.72),
    ("ja", "legal"): (0.84, 0.77),
    ("ja", "safety"): (0.95, 0.73),
}


class Sentence(NamedTuple):
    line: int
    lang: str
    flags: frozenset[str]
    kind: str
    text: str


def load_sentences(path: Path = SET_PATH) -> list[Sentence]:
    """The labelled set; a malformed row raises ValueError naming its line."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or lines[0].split("\t") != HEADER:
        raise ValueError(f"{path.name}: the first line must be {'<TAB>'.join(HEADER)}")
    sentences, seen = [], {}
    for number, row in enumerate(lines[1:], start=2):
        fields = row.split("\t")
        if len(fields) != 4:
            raise ValueError(f"line {number}: {len(fields)} fields, expected 4: {row!r}")
        lang, flags_field, kind, text = fields
        flags = frozenset() if flags_field == "-" else frozenset(flags_field.split(","))
        if lang not in LANGS:
            raise ValueError(f"line {number}: language {lang!r} is not one of {LANGS}")
        if kind not in KINDS:
            raise ValueError(f"line {number}: kind {kind!r} is not one of {KINDS}")
        if flags_field != "-" and (
            not flags <= set(FLAGS) or len(flags) != len(flags_field.split(","))
        ):
            raise ValueError(f"line {number}: flags {flags_field!r} are not a set of {FLAGS}")
        if (kind == "threat") != bool(flags):
            raise ValueError(f"line {number}: a {kind} with flags {flags_field!r}")
        if not text or text != text.strip():
            raise ValueError(f"line {number}: empty text or text with outer spaces")
        if text in seen:
            raise ValueError(f"line {number}: the same text as line {seen[text]}")
        seen[text] = number
        sentences.append(Sentence(number, lang, flags, kind, text))
    return sentences


class Score(NamedTuple):
    lang: str
    flag: str
    missed: list[Sentence]  # false negatives
    false: list[Sentence]  # false positives
    true_positives: int

    @property
    def precision(self) -> float | None:
        predicted = self.true_positives + len(self.false)
        return self.true_positives / predicted if predicted else None

    @property
    def recall(self) -> float | None:
        positives = self.true_positives + len(self.missed)
        return self.true_positives / positives if positives else None


def predicted_flags(text: str) -> frozenset[str]:
    """The flags of the detector's findings on one sentence."""
    return frozenset(ThreatFlag(finding.flag).value for finding in detect(text))


def score(predictions: list[tuple[Sentence, frozenset[str]]], lang: str, flag: str) -> Score:
    """True positives, missed and false sentences of one language and flag."""
    missed, false, true_positives = [], [], 0
    for sentence, predicted in predictions:
        if sentence.lang != lang:
            continue
        expected, found = flag in sentence.flags, flag in predicted
        if expected and found:
            true_positives += 1
        elif expected:
            missed.append(sentence)
        elif found:
            false.append(sentence)
    return Score(lang, flag, missed, false, true_positives)


def _figure(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def figures_table(scores: list[Score]) -> list[str]:
    """The printed figures: one row per language and flag, then the errors by kind."""
    lines = [
        f"Threat detection on {SET_PATH.relative_to(Path(__file__).parent.parent)}"
        f" (targets: precision >= {MIN_PRECISION:.2f}, recall >= {MIN_RECALL:.2f})",
        f"{'lang':<5}{'flag':<14}{'TP':>5}{'FP':>5}{'FN':>5}{'precision':>11}{'recall':>8}",
    ]
    for s in scores:
        met = (s.precision or 0) >= MIN_PRECISION and (s.recall or 0) >= MIN_RECALL
        lines.append(
            f"{s.lang:<5}{s.flag:<14}{s.true_positives:>5}{len(s.false):>5}{len(s.missed):>5}"
            f"{_figure(s.precision):>11}{_figure(s.recall):>8}  {'ok' if met else 'BELOW TARGET'}"
        )
    lines.append("Errors by kind of sentence (FP from a threat: a sentence with other flags)")
    lines.append(
        f"{'lang':<5}{'flag':<14}{'FP hard_negative':>17}{'FP plain':>10}{'FP threat':>11}"
        f"{'FN threat':>11}"
    )
    for s in scores:
        false_by_kind = Counter(sentence.kind for sentence in s.false)
        lines.append(
            f"{s.lang:<5}{s.flag:<14}{false_by_kind['hard_negative']:>17}"
            f"{false_by_kind['plain']:>10}{false_by_kind['threat']:>11}{len(s.missed):>11}"
        )
    return lines


@pytest.fixture(scope="module")
def sentences() -> list[Sentence]:
    return load_sentences()


@pytest.fixture(scope="module")
def scores(sentences) -> dict[tuple[str, str], Score]:
    """The detector run once over the whole set, scored per language and flag."""
    predictions = [(sentence, predicted_flags(sentence.text)) for sentence in sentences]
    return {(lang, flag): score(predictions, lang, flag) for lang in LANGS for flag in FLAGS}


def test_the_set_is_big_and_hard_enough(sentences):
    assert len(sentences) >= MIN_TOTAL
    for lang in LANGS:
        of_lang = [s for s in sentences if s.lang == lang]
        kinds = Counter(s.kind for s in of_lang)
        flags = Counter(flag for s in of_lang for flag in s.flags)
        assert len(of_lang) >= MIN_PER_LANG, (lang, len(of_lang))
        assert 2 * kinds["hard_negative"] >= len(of_lang), (lang, kinds)
        for flag in FLAGS:
            assert flags[flag] >= MIN_PER_FLAG, (lang, flag, flags[flag])


@pytest.mark.parametrize("flag", FLAGS)
@pytest.mark.parametrize("lang", LANGS)
def test_precision_and_recall_do_not_fall(scores, record_property, lang, flag):
    # Every parametrization records the whole table, so a run of any one of them prints it.
    table = "\n".join(figures_table(list(scores.values())))
    record_property("threat_eval_figures", table)
    result = scores[lang, flag]
    # Counts only: the held-out sentences are not printed, so nobody tunes the rules on them.
    message = (
        f"{lang} {flag}: precision {_figure(result.precision)}, recall {_figure(result.recall)}"
        f" ({len(result.missed)} missed, {len(result.false)} false; floor {FLOOR[lang, flag]})"
    )
    floor_precision, floor_recall = FLOOR[lang, flag]
    assert (result.recall or 0) >= floor_recall, message
    assert (result.precision or 0) >= floor_precision, message
