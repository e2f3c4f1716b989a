"""The threat detector on a long escalation description (`make bench`, bench/run.py): detect()
of app/escalations/threats over 2,000 characters of mixed English and Japanese, as customers
write them (a complaint, a threat or two, ordinary requests), in a child process.

Reported: the median and p95 of REPEAT runs in milliseconds (time.perf_counter), and their
ratio to a baseline measured in the same run on the same text: the Japanese analyser alone
(one SudachiPy pass over the text, split mode C, the morphemes' normalised forms read), the
part of the work no rule can avoid. Target: a median under MAX_MS.

No database: the detector is pure. Alone:

    .venv/bin/python bench/threats.py
"""

import os
import sys

from child import run_json  # bench/child.py, beside this script

TIMEOUT = 300
REPEAT = 200
CHARS = 2000
MAX_MS = 5.0

# Prints one line "THREATS_JSON {...}".
SCRIPT = """
import json, statistics, sys, time

from sudachipy import Dictionary, SplitMode

from app.escalations.threats import detect

repeat, chars = int(sys.argv[1]), int(sys.argv[2])
PARTS = [
    "Hi team, following up on yesterday's call. The CSV export keeps timing out for our finance "
    "users and the October invoices were sent twice. ",
    "Our CFO said that if this isn't fixed by Friday we'll be looking elsewhere at renewal. ",
    "Please also cancel the duplicate invoice and send a corrected one. ",
    "先月から請求書が二重に届いているとのご連絡。経理担当の方がかなりお怒りです。",
    "今回の件で、契約の継続は難しいと考えているとのこと。至急ご確認をお願いします。",
    "解約率のレポートも表示されません。弊社法務より書面でご連絡いたします。",
    "The lawyer portal login page is slow again and the churn report shows the wrong numbers. ",
    "担当者の方には丁寧にご対応いただいており、感謝しております。\\n",
]
text = ""
while len(text) < chars:
    text += "".join(PARTS)
text = text[:chars]


def timed(work):
    work()
    runs = []
    for _ in range(repeat):
        began = time.perf_counter()
        work()
        runs.append((time.perf_counter() - began) * 1000)
    runs.sort()
    return {"median_ms": statistics.median(runs), "p95_ms": runs[int(len(runs) * 0.95) - 1]}


tokenizer = Dictionary(dict="core").tokenizer(mode=SplitMode.C)
baseline = timed(lambda: [m.normalized_form() for m in tokenizer.tokenize(text)])
detector = timed(lambda: detect(text))
findings = [f"{f.language}:{f.flag}" for f in detect(text)]
print("THREATS_JSON " + json.dumps(
    {"chars": len(text), "repeat": repeat, "baseline": baseline, "detect": detector,
     "findings": findings}
))
"""


def measure(kind: str, env: dict, error: type[Exception] = RuntimeError) -> dict:
    """Time detect() on CHARS characters in a child process with the app's environment; the
    facts with a "target" of PASS or MISS."""
    facts = run_json(
        SCRIPT,
        [str(REPEAT), str(CHARS)],
        env=env,
        kind=kind,
        name="threats",
        marker="THREATS_JSON",
        timeout=TIMEOUT,
        error=error,
        too_long="timing the threat detector did not finish",
        failed="timing the threat detector failed",
    )
    median = facts["detect"]["median_ms"]
    facts["ratio"] = median / facts["baseline"]["median_ms"]
    facts["target"] = "PASS" if median < MAX_MS else f"MISS: median over {MAX_MS:.0f} ms"
    return facts


def report_lines(facts: dict) -> list[str]:
    """The threat detector's rows of the bench report."""
    return [
        f"Threat detector on {facts['chars']:,} characters (EN + JA), {facts['repeat']} runs; "
        "baseline: the Japanese analyser alone on the same text:",
        f"  {'step':<32} {'median ms':>10} {'p95 ms':>8} {'ratio':>6}  target",
        f"  {'analyser alone (baseline)':<32} {facts['baseline']['median_ms']:>10.2f} "
        f"{facts['baseline']['p95_ms']:>8.2f} {1:>6.2f}",
        f"  {'detect()':<32} {facts['detect']['median_ms']:>10.2f} "
        f"{facts['detect']['p95_ms']:>8.2f} {facts['ratio']:>6.2f}  {facts['target']}",
    ]


def main() -> int:
    env = {**os.environ, "APP_ENV": os.environ.get("APP_ENV", "development")}
    facts = measure("alone", env)
    print("\n".join(report_lines(facts)))
    return 0 if facts["target"] == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
