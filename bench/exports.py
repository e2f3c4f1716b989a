"""Scheduled exports over the bench book (`make bench`, bench/run.py): what a schedule's run
writes, through the code the runner calls (app/exports/kinds.py and writers.py), with the
rights of the demo admin (the whole book).

Each measurement runs in a child process of its own with the app's environment, so that its
peak memory is its own: the peak resident set size (ru_maxrss, MB) of the whole process,
which includes the interpreter and the app (shown as "before", read once the app is loaded
and before the export starts). ru_maxrss rather than tracemalloc: the database drivers'
buffers and xlsxwriter's temporary files are outside Python's allocator, and tracemalloc
would slow the export it measures.

- baselines: the escalation register's rows, and the account book's, read from the database
  and dropped (the same queries, batches of 1,000, nothing formatted or written). Ratios are an
  export's rows/s over its baseline's, measured in the same run: how much of the database's
  pace the file writing keeps.
- CSV: the escalation register of the whole book (500,000 escalations on the default book),
  UTF-8 with BOM, to a file; also the first 10% of it alone, whose peak memory must be the
  same (streamed: memory does not grow with the rows). Targets: >= CSV_ROWS_PER_SECOND rows/s,
  peak < MAX_MB.
- XLSX: the account book (50,000 accounts), xlsxwriter in constant-memory mode. Target: peak
  < MAX_MB.
- PDF: the portfolio brief of the bench review executive (bench/review.py), as an export of
  that executive's own schedule renders it, in a transaction rolled back. Targets: those of the
  review bench's portfolio brief.

    measure(kind, env, review_facts, BenchError) -> {"baseline": {...}, "csv": {...}, ...}
    report_lines(facts) -> the rows of the bench report

Alone, on a database already seeded by `make bench` (or `bench/run.py --accounts N`):

    .venv/bin/python bench/exports.py sqlite:///.bench/bench-2000.sqlite
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
OUT = ROOT / ".bench"
TIMEOUT = 1200
CSV_ROWS_PER_SECOND = 50_000
MAX_MB = 150.0
ADMIN = "admin@demo.test"

# Run as `python -c SCRIPT what [executive_id]`; prints one line "EXPORT_JSON {...}".
SCRIPT = """
import json, logging, os, resource, sys, tempfile, time
from types import SimpleNamespace

from wsgi import app  # first: the app imports every model

import sqlalchemy as sa
from flask_babel import force_locale
from flask_login import login_user

from app.auth.models import User
from app.exports import kinds, writers
from app.exports.models import CsvEncoding, ExportKind
from app.extensions import db
from app.formatting import zone_or_default
from app.models import utcnow

logging.getLogger("weasyprint").setLevel(logging.ERROR)
what = sys.argv[1]


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rows_of(kind, owner, limit=None, **filters):
    rows = kinds.KINDS[kind].rows(SimpleNamespace(filters=filters), owner, utcnow())
    if limit is None:
        return rows
    return (row for n, row in zip(range(limit), rows))


out = {"what": what}
with app.test_request_context(base_url="http://localhost/"):
    owner = db.session.scalar(sa.select(User).where(User.email == sys.argv[2]))
    if what == "pdf":
        owner = db.session.get(User, int(sys.argv[3]))
    login_user(owner)
    zone = zone_or_default(owner.timezone)
    with force_locale(owner.locale or "en"), tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "export")
        out["rss_before_mb"] = peak_mb()
        began, cpu = time.perf_counter(), time.process_time()
        if what == "baseline":
            out["rows"] = sum(1 for _row in rows_of(ExportKind.ESCALATIONS, owner, view="all"))
        elif what == "baseline_accounts":
            out["rows"] = sum(1 for _row in rows_of(ExportKind.ACCOUNTS, owner))
        elif what in ("csv", "csv_tenth"):
            limit = None
            if what == "csv_tenth":
                total = db.session.scalar(sa.text("SELECT count(*) FROM escalations"))
                limit = max(1, total // 10)
                began, cpu = time.perf_counter(), time.process_time()
            with open(path, "wb") as file:
                written = writers.write_csv(
                    file,
                    kinds.KINDS[ExportKind.ESCALATIONS].columns,
                    rows_of(ExportKind.ESCALATIONS, owner, limit, view="all"),
                    CsvEncoding.UTF8_BOM,
                    zone=zone,
                )
            out["rows"], out["replaced"] = written.rows, written.replaced
        elif what == "xlsx":
            written = writers.write_xlsx(
                path,
                kinds.KINDS[ExportKind.ACCOUNTS].columns,
                rows_of(ExportKind.ACCOUNTS, owner),
                zone=zone,
            )
            out["rows"] = written.rows
        elif what == "pdf":
            session = db.session()
            session.commit = session.flush
            data, pages = kinds.render_portfolio(owner, owner, utcnow())
            with open(path, "wb") as file:
                file.write(data)
            out["pages"] = pages
            db.session.rollback()
        out["seconds"] = time.perf_counter() - began
        out["cpu_seconds"] = time.process_time() - cpu
        out["bytes"] = os.path.getsize(path) if os.path.exists(path) else 0
        out["peak_rss_mb"] = peak_mb()
print("EXPORT_JSON " + json.dumps(out))
"""

STEPS = ("baseline", "csv", "csv_tenth", "baseline_accounts", "xlsx", "pdf")
BASELINES = {"csv": "baseline", "csv_tenth": "baseline", "xlsx": "baseline_accounts"}


def _run(what: str, env: dict, review_facts: dict, error) -> dict:
    args = [str(PYTHON), "-c", SCRIPT, what, ADMIN]
    if what == "pdf":
        args.append(str(review_facts["executive_id"]))
    try:
        done = subprocess.run(
            args,
            cwd=ROOT,
            env={**env, "SQL_QUERY_HEADER": "0"},
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as timeout:
        raise error(f"the {what} export did not finish in {TIMEOUT} s") from timeout
    line = next((x for x in done.stdout.splitlines() if x.startswith("EXPORT_JSON ")), None)
    if done.returncode != 0 or line is None:
        tail = "\n".join((done.stderr or done.stdout).splitlines()[-20:])
        raise error(f"the {what} export failed ({done.returncode}):\n{tail}")
    found = json.loads(line.removeprefix("EXPORT_JSON "))
    if "rows" in found:
        found["rows_per_second"] = found["rows"] / found["seconds"] if found["seconds"] else 0.0
    return found


def measure(kind: str, env: dict, review_facts: dict, error: type[Exception] = RuntimeError):
    """Each step in a child process (see the module docstring), with targets; raises `error`
    (run.py's BenchError) when one fails."""
    from review import PORTFOLIO_MB, PORTFOLIO_SECONDS  # bench/review.py, beside this script

    facts = {}
    for what in STEPS:
        try:
            facts[what] = _run(what, env, review_facts, error)
        except error as failed:
            raise error(f"[{kind}] {failed}") from failed
    OUT.mkdir(exist_ok=True)
    (OUT / f"{kind}-exports.json").write_text(json.dumps(facts, indent=2) + "\n")
    for what, baseline_step in BASELINES.items():
        baseline = facts[baseline_step]["rows_per_second"]
        facts[what]["ratio"] = facts[what]["rows_per_second"] / baseline if baseline else 0.0
    checks = {
        "csv": [
            (
                facts["csv"]["rows_per_second"] >= CSV_ROWS_PER_SECOND,
                f"< {CSV_ROWS_PER_SECOND:,} rows/s",
            ),
            (facts["csv"]["peak_rss_mb"] < MAX_MB, f">= {MAX_MB:.0f} MB"),
        ],
        "csv_tenth": [],
        "xlsx": [(facts["xlsx"]["peak_rss_mb"] < MAX_MB, f">= {MAX_MB:.0f} MB")],
        "pdf": [
            (facts["pdf"]["seconds"] < PORTFOLIO_SECONDS, f">= {PORTFOLIO_SECONDS:.0f} s"),
            (facts["pdf"]["peak_rss_mb"] < PORTFOLIO_MB, f">= {PORTFOLIO_MB:.0f} MB"),
        ],
    }
    # Streamed: the whole register takes no more memory than a tenth of it (a few MB of slack
    # for the allocator).
    grew = facts["csv"]["peak_rss_mb"] - facts["csv_tenth"]["peak_rss_mb"]
    facts["csv"]["grew_mb"] = grew
    checks["csv"].append((grew < 10, f"memory grew {grew:.0f} MB with the rows"))
    for what, tests in checks.items():
        misses = [text for ok, text in tests if not ok]
        facts[what]["target"] = (
            None
            if what == "csv_tenth"
            else ("PASS" if not misses else "MISS: " + ", ".join(misses))
        )
    return facts


def report_lines(facts: dict) -> list[str]:
    """The exports' rows of the bench report."""
    from review import PORTFOLIO_MB, PORTFOLIO_SECONDS

    lines = [
        "Scheduled exports (each in a child process; peak = the process's ru_maxrss, app "
        f"included; targets: CSV >= {CSV_ROWS_PER_SECOND:,} rows/s and < {MAX_MB:.0f} MB, "
        f"XLSX < {MAX_MB:.0f} MB, PDF < {PORTFOLIO_SECONDS:.0f} s and {PORTFOLIO_MB:.0f} MB):",
        f"  {'export':<28} {'rows':>9} {'seconds':>8} {'CPU s':>6} {'rows/s':>9} {'ratio':>6} "
        f"{'before MB':>9} {'peak MB':>8} {'file MB':>8}  target",
    ]
    names = {
        "baseline": "baseline: register read only",
        "csv": "escalation register CSV",
        "csv_tenth": "  its first 10% alone",
        "baseline_accounts": "baseline: book read only",
        "xlsx": "account book XLSX",
        "pdf": "portfolio brief PDF",
    }
    for what in STEPS:
        run = facts[what]
        rows = f"{run['rows']:,}" if "rows" in run else f"{run.get('pages', 0)} pp."
        rate = f"{run['rows_per_second']:,.0f}" if "rows_per_second" in run else ""
        ratio = f"{run['ratio']:.2f}" if "ratio" in run else ""
        target = run.get("target") or ("(baseline)" if what.startswith("baseline") else "")
        lines.append(
            f"  {names[what]:<28} {rows:>9} {run['seconds']:>8.2f} {run['cpu_seconds']:>6.2f} "
            f"{rate:>9} {ratio:>6} {run['rss_before_mb']:>9.0f} {run['peak_rss_mb']:>8.0f} "
            f"{run['bytes'] / 1e6:>8.1f}  {target}"
        )
    return lines


def main(argv: list[str]) -> int:
    """Measure the exports on the database at argv[0] (see the module docstring)."""
    if len(argv) != 1:
        print("usage: bench/exports.py DATABASE_URL", file=sys.stderr)
        return 2
    env = {
        **os.environ,
        "DATABASE_URL": argv[0],
        "APP_ENV": "production",
        "SECRET_KEY": "bench",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    prepared = subprocess.run(
        [str(PYTHON), "-c", "from bench.review import main; main()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(x for x in prepared.stdout.splitlines() if x.startswith("REVIEW_BENCH_JSON "))
    facts = measure("alone", env, json.loads(line.removeprefix("REVIEW_BENCH_JSON ")))
    print("\n".join(report_lines(facts)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
