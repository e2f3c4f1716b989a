"""`flask scheduler run` (the scheduler process) and `flask scheduler run-once JOB`.

Several copies of the scheduler may run, on several hosts: each job takes its database
lease first (app/scheduler/lease.py), so a second copy does no harm.
"""

import logging
import signal
from datetime import UTC, datetime

import click
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask, current_app
from flask.cli import AppGroup

from app.scheduler.jobs import JOBS, interval, run_job

log = logging.getLogger(__name__)

scheduler_cli = AppGroup("scheduler", help="Run the background jobs.")


@scheduler_cli.command("run")
def run_command():
    """Run every job at its interval until stopped (SIGTERM or Ctrl-C)."""
    app = current_app._get_current_object()
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
            args=(app, name),
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
    log.info("scheduler started: %s", ", ".join(f"{n} every {interval(n)}" for n in JOBS))
    scheduler.start()
    log.info("scheduler stopped")


def _run_scheduled(app: Flask, name: str) -> None:
    with app.app_context():
        try:
            run_job(name, scheduled=True)
        except Exception:
            log.exception("job %s failed", name)


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
