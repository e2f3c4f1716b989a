"""What the jobs page and the Today block read: every job with its schedule and latest run,
the runs newest first, the failures of the last days. A fixed number of queries each, however
many runs there are."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from app.extensions import db
from app.scheduler.jobs import JOBS, interval
from app.scheduler.labels import job_description, job_label
from app.scheduler.models import JobLease, JobRun, JobRunStatus

PER_PAGE = 25
WEEK = timedelta(days=7)
MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class JobState:
    """A job as the jobs page lists it."""

    name: str
    label: str
    description: str
    every: timedelta
    last_run: JobRun | None
    running_now: bool  # its lease is held: a scheduler runs it at this moment
    next_run_at: datetime | None  # about when it runs next; None: when a scheduler starts
    late: bool  # it should have run again by now: is a scheduler running?
    failures: int  # failed runs in the last seven days


def job_states(now: datetime) -> list[JobState]:
    """Every job the scheduler runs, in the order it lists them (three queries)."""
    # Each job's latest run: one index probe per job (job, started_at), in one statement.
    latest = sa.union_all(
        *(
            sa.select(newest.c.id)
            for newest in (
                sa.select(JobRun.id)
                .where(JobRun.job == name)
                .order_by(JobRun.started_at.desc(), JobRun.id.desc())
                .limit(1)
                .subquery()
                for name in JOBS
            )
        )
    )
    last_runs = {
        run.job: run for run in db.session.scalars(sa.select(JobRun).where(JobRun.id.in_(latest)))
    }
    leases = {lease.name: lease for lease in db.session.scalars(sa.select(JobLease))}
    failures = dict(
        db.session.execute(
            sa.select(JobRun.job, sa.func.count())
            .where(JobRun.status == JobRunStatus.FAILED, JobRun.started_at >= now - WEEK)
            .group_by(JobRun.job)
        ).all()
    )
    states = []
    for name in JOBS:
        every = interval(name)
        last, lease = last_runs.get(name), leases.get(name)
        held = lease is not None and lease.expires_at is not None and lease.expires_at >= now
        last_start = last.started_at if last else (lease.last_run_at if lease else None)
        next_run_at = last_start + every if last_start else None
        states.append(
            JobState(
                name=name,
                label=job_label(name),
                description=job_description(name),
                every=every,
                last_run=last,
                running_now=held,
                next_run_at=next_run_at,
                # A run is late once a whole further interval (and a minute) has passed.
                late=bool(next_run_at and not held and now > next_run_at + every + MINUTE),
                failures=failures.get(name, 0),
            )
        )
    return states


def run_list(page: int, *, status: JobRunStatus | None = None, job: str | None = None):
    """A page of runs, the latest first, of one status and one job when given (two queries)."""
    stmt = sa.select(JobRun)
    if status is not None:
        stmt = stmt.where(JobRun.status == status)
    if job is not None:
        stmt = stmt.where(JobRun.job == job)
    stmt = stmt.order_by(JobRun.started_at.desc(), JobRun.id.desc())
    return db.paginate(stmt, page=page, per_page=PER_PAGE, error_out=False)


def failed_since(since: datetime) -> sa.Select:
    """The failed runs started since `since`, the latest first."""
    return (
        sa.select(JobRun)
        .where(JobRun.status == JobRunStatus.FAILED, JobRun.started_at >= since)
        .order_by(JobRun.started_at.desc(), JobRun.id.desc())
    )
