"""Train the threat detector's learned second opinion (app/escalations/threats/model.py) and write
app/escalations/threats/model.json. Offline; deterministic (sorted inputs, fixed seed).

Training data: every labelled case of tests/test_threats.py (ENGLISH, JAPANESE) and
tests/threat_eval/tuning.tsv. Never the held-out set.

- One L2-regularised logistic regression per flag, trained by SGD over binary sparse features
  (model.features: words, bigrams, the rule families that fired, the language).
- Each flag's threshold per language by K-fold cross-validation: the out-of-fold probabilities
  give, per flag and language, the threshold with the highest recall at a precision of at least
  PRECISION_FLOOR (the model alone); no such threshold gives 1.01 (the model never fires).
- Printed: the out-of-fold figures per flag and language for the rules alone, the model alone
  and the rules OR the model.

    .venv/bin/python scripts/train_threat_model.py          # train, print, write the file
    .venv/bin/python scripts/train_threat_model.py --check  # train, print, compare with the file
"""

import csv
import json
import math
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from app.escalations.threats import FLAGS, JAPANESE_LETTER, detect, model  # noqa: E402

TUNING = ROOT / "tests" / "threat_eval" / "tuning.tsv"
SEED = 12
EPOCHS = 20
LEARNING_RATE = 0.2
L2 = 1e-4
FOLDS = 5
PRECISION_FLOOR = 0.90
KEEP = 1e-3  # weights smaller than this are dropped from the file
DIGITS = 4
NEVER = 1.01


def cases() -> list[tuple[str, frozenset[str]]]:
    """(text, flags) of every training case, sorted, duplicates joined."""
    import test_threats  # tests/test_threats.py

    found: dict[str, frozenset[str]] = {}
    for text, flags in test_threats.ENGLISH + test_threats.JAPANESE:
        found[text] = frozenset(flags)
    with TUNING.open(encoding="utf-8", newline="") as rows:
        for row in csv.DictReader(rows, delimiter="\t"):
            flags = row["flags"].strip()
            found[row["text"]] = frozenset() if flags in ("", "-") else frozenset(flags.split(","))
    return sorted(found.items())


def example(text: str) -> tuple[str, dict, frozenset[str]]:
    """(language, features, flags the rules found) of one case, read as one sentence."""
    language = "ja" if JAPANESE_LETTER.search(text) else "en"
    findings = [f for f in detect(text) if not f.rule.startswith("model.")]
    words = model.words_of(text, language)
    found = model.features(words, [finding.rule for finding in findings], language)
    return language, found, frozenset(finding.flag for finding in findings)


def train(samples: list[dict], flag: str) -> dict:
    """{"bias": b, "weights": {feature: w}} for one flag, by SGD (fixed seed)."""
    order = list(range(len(samples)))
    weights: dict[str, float] = {}
    bias = 0.0
    rng = random.Random(SEED)
    for epoch in range(EPOCHS):
        rng.shuffle(order)
        rate = LEARNING_RATE / (1 + epoch)
        for index in order:
            sample = samples[index]
            score = bias + sum(weights.get(feature, 0.0) for feature in sample["features"])
            predicted = 1 / (1 + math.exp(-max(-30.0, min(30.0, score))))
            error = (1.0 if flag in sample["flags"] else 0.0) - predicted
            bias += rate * error
            for feature in sample["features"]:
                weight = weights.get(feature, 0.0)
                weights[feature] = weight + rate * (error - L2 * weight)
    return {"bias": bias, "weights": weights}


def compact(flag_model: dict) -> dict:
    return {
        "bias": round(flag_model["bias"], DIGITS),
        "weights": {
            feature: round(weight, DIGITS)
            for feature, weight in sorted(flag_model["weights"].items())
            if abs(weight) >= KEEP
        },
    }


def figures(rows, predict) -> tuple[float, float]:
    """(precision, recall) of `predict(row)` against row["truth"]."""
    tp = sum(1 for row in rows if predict(row) and row["truth"])
    fp = sum(1 for row in rows if predict(row) and not row["truth"])
    fn = sum(1 for row in rows if not predict(row) and row["truth"])
    return (tp / (tp + fp) if tp + fp else 1.0), (tp / (tp + fn) if tp + fn else 1.0)


def threshold(rows) -> float:
    """The threshold with the highest out-of-fold recall at PRECISION_FLOOR precision (the
    higher threshold on a tie); NEVER when none reaches it."""
    best = (0.0, NEVER)
    for candidate in sorted({row["p"] for row in rows if row["truth"]}, reverse=True):
        precision, recall = figures(rows, lambda row, t=candidate: row["p"] >= t)
        if precision >= PRECISION_FLOOR and recall > best[0]:
            best = (recall, candidate)
    return best[1]


def cross_validate(samples: list[dict]) -> dict:
    """Out-of-fold probabilities per flag: {flag: [p per sample]}."""
    out = {flag: [0.0] * len(samples) for flag in FLAGS}
    for fold in range(FOLDS):
        inside = [s for i, s in enumerate(samples) if i % FOLDS != fold]
        for flag in FLAGS:
            flag_model = compact(train(inside, flag))
            for index, sample in enumerate(samples):
                if index % FOLDS == fold:
                    out[flag][index] = model.probability(flag_model, sample["features"])
    return out


def build() -> tuple[dict, list[str]]:
    """The model file's content and the report lines."""
    samples = []
    for text, flags in cases():
        language, found, by_rules = example(text)
        samples.append(
            {"language": language, "features": found, "flags": flags, "rules": by_rules}
        )
    out_of_fold = cross_validate(samples)
    lines = [
        f"{len(samples)} cases, {FOLDS}-fold cross-validation, precision floor "
        f"{PRECISION_FLOOR:.2f}",
        f"{'':2} {'flag':13} {'threshold':>9}  {'rules P/R':>11}  {'model P/R':>11}  "
        f"{'rules|model P/R':>15}",
    ]
    thresholds: dict[str, dict[str, float]] = {flag: {} for flag in FLAGS}
    for flag in FLAGS:
        for language in ("en", "ja"):
            rows = [
                {"p": out_of_fold[flag][i], "truth": flag in s["flags"], "rule": flag in s["rules"]}
                for i, s in enumerate(samples)
                if s["language"] == language
            ]
            t = thresholds[flag][language] = round(threshold(rows), DIGITS)
            rules = figures(rows, lambda row: row["rule"])
            alone = figures(rows, lambda row, t=t: row["p"] >= t)
            either = figures(rows, lambda row, t=t: row["rule"] or row["p"] >= t)
            lines.append(
                f"{language} {flag:13} {t:>9.4f}  {rules[0]:.2f}/{rules[1]:.2f}    "
                f"{alone[0]:.2f}/{alone[1]:.2f}    {either[0]:.2f}/{either[1]:.2f}"
            )
    content = {
        "about": "Threat flags, learned second opinion: see scripts/train_threat_model.py.",
        "flags": {
            flag: {**compact(train(samples, flag)), "thresholds": thresholds[flag]}
            for flag in FLAGS
        },
    }
    return content, lines


def serialised(content: dict) -> str:
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"


def main() -> int:
    content, lines = build()
    print("\n".join(lines))
    text = serialised(content)
    if "--check" in sys.argv:
        same = model.MODEL_PATH.read_text(encoding="utf-8") == text
        print("model.json is " + ("up to date" if same else "OUT OF DATE"))
        return 0 if same else 1
    model.MODEL_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {model.MODEL_PATH} ({len(text.encode()):,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
