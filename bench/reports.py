"""The reports page over the bench book (`make bench`, bench/run.py).

Before the pages are loaded, the report rollups (app/reports/rollup.py) are built in a child
process with the app's environment, as the scheduler's first run would: a full rebuild over
the whole book (committed: the page reads it), then an incremental run with nothing changed,
then one after 1,000 escalations were touched (in a transaction rolled back, so the bench can
be repeated on the same data). Reported: seconds, SQL statements and rollup rows.

The pages are loaded by run.py like the others (wrk, 2 threads, 8 connections, p95 and the
ratio to /healthz): the default page (the last 12 months), a range with partial months at both
ends filtered by tier, and a figure's CSV.

    measure(kind, env, BenchError) -> {"full": {...}, "idle": {...}, "touched": {...}, ...}
    pages() -> the page dicts run.py loads (inserted before its last baseline)
    report_lines(facts) -> the rows of the bench report
"""

from datetime import date, timedelta
from urllib.parse import urlencode

from child import run_json  # bench/child.py, beside this script

TIMEOUT = 1800
TOUCHED = 1_000

# Prints one line "REPORTS_JSON {...}".
SCRIPT = """
import json, sys, time

import sqlalchemy as sa

from wsgi import app  # first: the app imports every model

from app.extensions import db
from app.models import utcnow
from app.reports import rollup

touched = int(sys.argv[1])
statements = 0


def count_statement(*_args, **_kwargs):
    global statements
    statements += 1


def timed(full=False):
    global statements
    statements = 0
    began = time.perf_counter()
    outcome = rollup.refresh(utcnow(), full=full)
    db.session.flush()
    return {"seconds": time.perf_counter() - began, "statements": statements, **outcome}


with app.app_context():
    out = {"escalations": db.session.scalar(sa.text("SELECT count(*) FROM escalations"))}
    sa.event.listen(db.engine, "before_cursor_execute", count_statement)
    out["full"] = timed(full=True)
    db.session.commit()
    for table in ("report_figures", "report_account_counts", "report_repeat_spans"):
        out[table] = db.session.scalar(sa.text(f"SELECT count(*) FROM {table}"))
    out["idle"] = timed()
    db.session.commit()
    ids = db.session.scalars(
        sa.text("SELECT id FROM escalations ORDER BY id DESC LIMIT :n"), {"n": touched}
    ).all()
    db.session.execute(
        sa.text("UPDATE escalations SET updated_at = :now WHERE id >= :low"),
        {"now": utcnow(), "low": min(ids)},
    )
    out["touched"] = timed()
    db.session.rollback()
    sa.event.remove(db.engine, "before_cursor_execute", count_statement)
print("REPORTS_JSON " + json.dumps(out, default=str))
"""


def measure(kind: str, env: dict, error: type[Exception] = RuntimeError) -> dict:
    """Build the rollups (committed) and time the refreshes; raises `error` on failure."""
    return run_json(
        SCRIPT,
        [str(TOUCHED)],
        env={**env, "SQL_QUERY_HEADER": "0"},
        kind=kind,
        name="reports",
        marker="REPORTS_JSON",
        timeout=TIMEOUT,
        error=error,
        too_long="the report rollups did not finish",
        failed="building the report rollups failed",
    )


def pages(today: date | None = None) -> list[dict]:
    """The reports pages to load: the default page, a filtered range with partial months at
    both ends, and one figure's CSV."""
    today = today or date.today()
    ranged = {
        "start": (today - timedelta(days=400)).isoformat(),
        "end": (today - timedelta(days=20)).isoformat(),
        "tier": "strategic",
    }
    return [
        {"page": "reports", "path": "/reports/", "login": True, "kind": "reports"},
        {
            "page": "reports tier",
            "path": "/reports/?" + urlencode(ranged),
            "login": True,
            "kind": "reports",
        },
        {
            "page": "reports csv",
            "path": "/reports/by_category.csv",
            "login": True,
            "kind": "reports",
        },
    ]


def report_lines(facts: dict) -> list[str]:
    """The rollups' rows of the bench report."""
    lines = [
        f"Report rollups over {facts['escalations']:,} escalations "
        f"({facts['report_figures']:,} figure rows, {facts['report_account_counts']:,} "
        f"account rows, {facts['report_repeat_spans']:,} repeat spans):",
        f"  {'refresh':<34} {'seconds':>8} {'SQL':>6} {'days':>6} {'accounts':>9}",
    ]
    names = {
        "full": "full rebuild (first run)",
        "idle": "incremental, nothing changed",
        "touched": f"incremental, {TOUCHED:,} escalations changed",
    }
    for key, name in names.items():
        run = facts[key]
        days = "all" if run.get("days") is None else run["days"]
        accounts = "all" if run.get("accounts") is None else run["accounts"]
        lines.append(
            f"  {name:<34} {run['seconds']:>8.2f} {run['statements']:>6} {days!s:>6} "
            f"{accounts!s:>9}"
        )
    return lines
