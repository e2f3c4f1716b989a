"""`flask scheduler run` (the scheduler process) and `flask scheduler run-once JOB`.

Several copies of the scheduler may run, on several hosts: each job takes its database
lease first (app/scheduler/lease.py), so a second copy does no harm. A copy that finds a job's
lease held tries again as soon as the lease would expire (when that comes before the job's
next run): if the holder was killed mid-job, the job is taken over about one lease length
after the holder's last renewal, whatever the job's interval (a daily job included).

At its start the scheduler marks failed the export runs left running by a process that died
(app/exports/runner.py, recover_dead_runs): none stays "running" for ever.
"""

import logging
import signal
from datetime import UTC, datetime, timedelta

import click
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask, current_app
from flask.cli import AppGroup

from app.scheduler.jobs import JOBS, interval, lease_timing, run_job
from app.scheduler.lease import held_until

log = logging.getLogger(__name__)

# A retry waits this long past the lease's expiry, so that it finds the lease expired.
RETRY_MARGIN = timedelta(milliseconds=500)

scheduler_cli = AppGroup("scheduler", help="Run the background jobs.")


@scheduler_cli.command("run")
def run_command():
    """Run every job at its interval until stopped (SIGTERM or Ctrl-C)."""
    app = current_app._get_current_object()
    lease, renew = lease_timing()  # a wrong setting stops the start, not every job run
    _recover_dead_exports()
    # The jobs log one line per run; APScheduler would add two more (its warnings stay).
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    scheduler = BlockingScheduler(
        timezone=UTC, executors={"default": ThreadPoolExecutor(max_workers=len(JOBS))}
    )
    started = datetime.now(UTC)
    for name in JOBS:
        seconds = int(interval(name).total_seconds())
        scheduler.add_job(
            _run_scheduled,
            IntervalTrigger(seconds=seconds, timezone=UTC),
            args=(app, scheduler, name),
            id=name,
            name=name,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=seconds,
            next_run_time=started,
        )

    def stop(signum, _frame):
        if scheduler.running:
            log.info("scheduler stopping (%s)", signal.Signals(signum).name)
            scheduler.shutdown(wait=False)  # a job still running finishes before the exit

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info(
        "scheduler started: %s; leases of %gs renewed every %gs",
        ", ".join(f"{n} every {interval(n)}" for n in JOBS),
        lease.total_seconds(),
        renew.total_seconds(),
    )
    scheduler.start()
    log.info("scheduler stopped")


def _recover_dead_exports() -> None:
    """Export runs whose process died (this host's, or silent too long) are marked failed."""
    from app.exports.runner import recover_dead_runs
    from app.extensions import db

    try:
        recovered = recover_dead_runs()
    except Exception:  # the database is away: the exports job recovers them on its first run
        db.session.rollback()
        log.exception("export runs left running could not be checked")
        return
    if recovered:
        log.warning("%s export run(s) left running by a stopped process marked failed", recovered)


def _run_scheduled(app: Flask, scheduler: BlockingScheduler, name: str) -> None:
    with app.app_context():
        try:
            if run_job(name, scheduled=True):
                return
            expires = held_until(name)  # None: skipped because it ran just now, not held
        except Exception:
            log.exception("job %s failed", name)
            return
    if expires is not None:
        _retry_when_free(app, scheduler, name, expires + RETRY_MARGIN)


def _retry_when_free(app: Flask, scheduler: BlockingScheduler, name: str, at: datetime) -> None:
    """Try the job again at `at` (when its lease expires) if that is before its next run."""
    regular = scheduler.get_job(name)
    if regular is None or not scheduler.running:
        return
    if regular.next_run_time is not None and regular.next_run_time <= at:
        return
    scheduler.add_job(
        _run_scheduled,
        "date",
        run_date=at,
        args=(app, scheduler, name),
        id=f"{name}:retry",
        name=f"{name} (lease retry)",
        replace_existing=True,
        misfire_grace_time=None,
    )


@scheduler_cli.command("run-once")
@click.argument("job", required=False, type=click.Choice(sorted(JOBS)))
@click.option("--all", "run_all", is_flag=True, help="Run every job, one after the other.")
def run_once_command(job, run_all):
    """Run one job (or --all) now, unless another process is running it."""
    if bool(job) == run_all:
        raise click.UsageError("name one job, or give --all")
    for name in sorted(JOBS) if run_all else [job]:
        if run_job(name):
            click.echo(f"{name}: done")
        else:
            click.echo(f"{name}: skipped, another process is running it")
