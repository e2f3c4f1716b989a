"""The scheduler's jobs: what runs, how often (a config key in seconds), and `run_job`, which
runs one under its lease and records the run (app/scheduler/runs.py)."""

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import NamedTuple

from flask import current_app

from app.extensions import db
from app.formatting import local_today
from app.models import clock_from
from app.notifications import clock
from app.notifications.sender import send_pending
from app.scheduler import runs
from app.scheduler.lease import run_guarded

log = logging.getLogger(__name__)

# Two schedulers fire a moment apart: the later one skips a job that ran this recently,
# measured as a share of the job's interval.
SPACING = 0.9


class Job(NamedTuple):
    interval_key: str
    run: Callable[[datetime], object]


# The escalation jobs are imported when they run: the scheduler's module loads without them.


def sla_sweep(now: datetime) -> dict:
    """Warn about and record SLA breaches and broken promises."""
    from app.escalations.sweep import sweep_sla

    return sweep_sla(now)


def outbox(now: datetime) -> dict:
    """Send the e-mails that are due."""
    return send_pending(now)


def handoff_check(now: datetime) -> int:
    """Flag handoffs nobody acknowledged in time."""
    from app.escalations.sweep import flag_overdue_handoffs

    return flag_overdue_handoffs(now)


def eligibility_review(now: datetime) -> dict:
    """Daily: move sponsorships meeting the exit rules to exit review; tell the admins."""
    from app.extensions import db
    from app.sponsorship.services import run_review

    outcome = run_review(now, local_today(now))
    db.session.commit()
    return outcome


def touchpoint_cadence(now: datetime) -> dict:
    """Daily: plan the next 90 days of touchpoints of every active sponsorship's cadence;
    remove the untouched future ones of sponsorships that ended."""
    from app.extensions import db
    from app.touchpoints.cadence import run

    outcome = run(now, local_today(now))
    db.session.commit()
    return outcome


def touchpoint_reminders(now: datetime) -> dict:
    """Remind of touchpoints 3 days and 1 day ahead, and of overdue next steps."""
    from app.extensions import db
    from app.touchpoints.reminders import send_reminders

    outcome = send_reminders(now)
    db.session.commit()
    return outcome


def aftercare(now: datetime) -> dict:
    """Remind owners of follow-up check-ins that fell due and of overdue post-mortem action
    items, once each; fill in the business minutes older escalations lack (for reports)."""
    from app.escalations.aftercare import fill_missing_minutes, remind_due
    from app.extensions import db

    outcome = remind_due(now, local_today(now))
    outcome["minutes_filled"] = fill_missing_minutes()
    db.session.commit()
    return outcome


def exports(now: datetime) -> dict:
    """Run the export schedules that are due, and retry the failed runs whose time came."""
    from app.exports.runner import run_due

    return run_due(now)


def reports_rollup(now: datetime) -> dict:
    """Bring the report figures up to date with the escalations changed since the last run."""
    from app.extensions import db
    from app.reports.rollup import refresh

    outcome = refresh(now)
    db.session.commit()
    return outcome


# --- analytics: program results snapshot ---
def program_results(now: datetime) -> dict:
    """Recompute the sponsorship program results the results page shows."""
    from app.extensions import db
    from app.sponsorship.snapshots import refresh_results

    refresh_results(now, local_today(now))
    db.session.commit()
    return {"computed_at": now.isoformat()}


# --- end analytics ---


def planner_statistics(now: datetime) -> dict:
    """Daily on SQLite: refresh the query planner's statistics (ANALYZE), which SQLite keeps
    only when asked; without them its planner takes the first index it finds, and the Today
    page of a busy manager took seconds instead of milliseconds on the bench book.
    PostgreSQL's autovacuum keeps its own statistics: nothing to do there."""
    if db.engine.dialect.name != "sqlite":
        return {"skipped": db.engine.dialect.name}
    with db.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    return {"analyzed": True}


JOBS: dict[str, Job] = {
    "sla_sweep": Job("SCHEDULER_SLA_SWEEP_SECONDS", sla_sweep),
    "outbox": Job("SCHEDULER_OUTBOX_SECONDS", outbox),
    "handoff_check": Job("SCHEDULER_HANDOFF_SECONDS", handoff_check),
    "eligibility_review": Job("SCHEDULER_ELIGIBILITY_SECONDS", eligibility_review),
    "touchpoint_cadence": Job("SCHEDULER_CADENCE_SECONDS", touchpoint_cadence),
    "touchpoint_reminders": Job("SCHEDULER_REMINDER_SECONDS", touchpoint_reminders),
    "exports": Job("SCHEDULER_EXPORTS_SECONDS", exports),
    "aftercare": Job("SCHEDULER_AFTERCARE_SECONDS", aftercare),
    "reports_rollup": Job("SCHEDULER_REPORTS_SECONDS", reports_rollup),
    "planner_statistics": Job("SCHEDULER_STATISTICS_SECONDS", planner_statistics),
    # --- analytics: program results snapshot ---
    "program_results": Job("SCHEDULER_PROGRAM_RESULTS_SECONDS", program_results),
    # --- end analytics ---
}


def interval(name: str) -> timedelta:
    """How often the scheduler runs the job, from the app's configuration."""
    return timedelta(seconds=int(current_app.config[JOBS[name].interval_key]))


def lease_timing() -> tuple[timedelta, timedelta]:
    """(how long a job's lease lasts, how often it is renewed while the job runs).

    The lease length bounds how long a crashed scheduler blocks a job. It is renewed well
    within its length (by default every third), so a beat missed while the database is busy
    does not lose it; renewing less often than every half is refused.
    """
    config = current_app.config
    ttl = timedelta(seconds=float(config["SCHEDULER_LEASE_SECONDS"]))
    every = timedelta(seconds=float(config["SCHEDULER_LEASE_RENEW_SECONDS"]))
    if not timedelta(0) < every <= ttl / 2:
        raise ValueError(
            "SCHEDULER_LEASE_RENEW_SECONDS must be more than 0 and at most half of "
            "SCHEDULER_LEASE_SECONDS"
        )
    return ttl, every


def run_job(name: str, now: datetime | None = None, *, scheduled: bool = False) -> bool:
    """Run one job under its lease; False when another process holds it.

    `scheduled` (the scheduler's own runs) also skips the job when another scheduler ran it
    less than an interval ago; a run from the command line does not wait for that. A run that
    takes place is recorded in `job_runs`, succeeded or failed (a skipped one is not).
    """
    job = JOBS[name]
    now = now or clock.now()  # the current time (a test may set it: see clock.py)

    def recorded(at: datetime) -> None:
        run_id = runs.start(name, at, scheduled=scheduled)
        elapsed = clock_from(at)  # the job's own time line: `at`, then as time goes by
        started = time.monotonic()
        try:
            result = job.run(at)
        except BaseException as error:
            db.session.rollback()  # the job's unfinished work goes before its failure is noted
            runs.failed(run_id, elapsed(), error)
            raise
        runs.succeeded(run_id, elapsed(), result)
        log.info("job %s done in %.2fs: %s", name, time.monotonic() - started, result)

    ttl, every = lease_timing()
    min_gap = interval(name) * SPACING if scheduled else None
    return run_guarded(name, ttl, recorded, now=now, min_gap=min_gap, renew_every=every)
