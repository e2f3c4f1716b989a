"""The touchpoint cadence job over the bench book: `flask scheduler run-once touchpoint_cadence`
as the scheduler runs it daily (app/touchpoints/cadence.run: the ended sponsorships' untouched
touchpoints removed, then the next 90 days of the cadence of every sponsorship in the program
planned).

It runs twice in one transaction, in a subprocess with the app's environment: the first run
plans the book (thousands of touchpoints), the second must create nothing (the unique key on
sponsorship, kind and slot). Both are rolled back, so the bench can be repeated on the same data.
Reported: seconds, SQL statements and touchpoints created per run; a second run that creates
anything fails the bench.

    measure(kind, env, BenchError) -> {"today", "in_program", "first": {...}, "second": {...}}
    report_lines(facts) -> the rows of the bench report
"""

from child import run_json  # bench/child.py, beside this script

TIMEOUT = 900

# Prints one line "CADENCE_JSON {...}".
SCRIPT = """
import json, time

import sqlalchemy as sa

from app.extensions import db
from app.formatting import local_today
from app.models import utcnow
from app.sponsorship.models import IN_PROGRAM, Sponsorship
from app.touchpoints.cadence import run
from app.touchpoints.models import Touchpoint
from wsgi import app

statements = 0


def count_statement(*_args, **_kwargs):
    global statements
    statements += 1


def touchpoints():
    return db.session.scalar(sa.select(sa.func.count(Touchpoint.id)))


with app.app_context():
    now, today = utcnow(), local_today()
    in_program = db.session.scalar(
        sa.select(sa.func.count(Sponsorship.id)).where(Sponsorship.status.in_(IN_PROGRAM))
    )
    before = touchpoints()
    out = {"today": today.isoformat(), "in_program": in_program}
    sa.event.listen(db.engine, "before_cursor_execute", count_statement)
    for name in ("first", "second"):
        statements = 0
        began = time.perf_counter()
        result = run(now, today)
        seconds = time.perf_counter() - began
        out[name] = {"seconds": seconds, "statements": statements, **result}
    sa.event.remove(db.engine, "before_cursor_execute", count_statement)
    db.session.rollback()
    out["restored"] = touchpoints() == before
print("CADENCE_JSON " + json.dumps(out))
"""


def measure(kind: str, env: dict, error: type[Exception] = RuntimeError) -> dict:
    """Time the cadence job twice over the book of `env`'s database (rolled back); raises
    `error` (run.py's BenchError) when it fails or the second run creates anything."""
    env = {**env, "SQL_QUERY_HEADER": "0"}
    facts = run_json(
        SCRIPT,
        [],
        env=env,
        kind=kind,
        name="cadence",
        marker="CADENCE_JSON",
        timeout=TIMEOUT,
        error=error,
        too_long="the cadence job did not finish",
        failed="timing the cadence job failed",
    )
    if not facts["restored"]:
        raise error(f"[{kind}] the cadence job's touchpoints were not rolled back")
    if facts["second"]["created"]:
        raise error(
            f"[{kind}] the second cadence run created {facts['second']['created']} touchpoints"
        )
    return facts


def report_lines(facts: dict) -> list[str]:
    """The cadence job's rows of the bench report."""
    lines = [
        f"Touchpoint cadence job over {facts['in_program']:,} sponsorships in the program "
        "(twice, rolled back):",
        f"  {'run':<32} {'seconds':>8} {'SQL':>5} {'created':>8} {'removed':>8}",
    ]
    for name in ("first", "second"):
        run = facts[name]
        lines.append(
            f"  {name:<32} {run['seconds']:>8.3f} {run['statements']:>5} "
            f"{run['created']:>8,} {run['removed']:>8,}"
        )
    return lines
