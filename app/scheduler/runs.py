"""The record of each run of a scheduler job (`job_runs`): a row written when the run starts
and again when it ends, each in a short transaction on a connection of its own (as the lease
is), so a failed job's rollback does not take its failure record with it.

A run of the job still marked running when the job starts again was left by a process that
died mid-run (the lease, free again, says nobody runs it): it is marked failed, with no
finish time. Runs older than KEEP (succeeded ones: KEEP_SUCCEEDED) are deleted as their job
starts again. Recording never stops a job: when the record cannot be written (the database
is away, the table not yet migrated), the job runs all the same and the problem is logged.
"""

import logging
import os
import socket
import traceback
from datetime import datetime, timedelta

import sqlalchemy as sa

from app.extensions import db
from app.scheduler.models import JobRun, JobRunStatus

log = logging.getLogger(__name__)

KEEP = timedelta(days=30)  # failed runs
KEEP_SUCCEEDED = timedelta(days=2)  # the outbox alone runs every 15 s: 11,520 rows in two days
HEAD_CHARS = 300  # the error's first line: the exception and its message
ERROR_CHARS = 8000  # the whole error text, the traceback's end kept when it is longer
OUTCOME_CHARS = 500

runs = JobRun.__table__


def start(job: str, now: datetime, *, scheduled: bool) -> int | None:
    """Record that `job` starts at `now`; its run id (None: not recorded, logged)."""
    try:
        with db.engine.begin() as conn:
            conn.execute(
                sa.update(runs)
                .where(runs.c.job == job, runs.c.status == JobRunStatus.RUNNING)
                .values(status=JobRunStatus.FAILED)
            )
            conn.execute(
                sa.delete(runs).where(
                    runs.c.job == job,
                    sa.or_(
                        runs.c.started_at < now - KEEP,
                        sa.and_(
                            runs.c.status == JobRunStatus.SUCCEEDED,
                            runs.c.started_at < now - KEEP_SUCCEEDED,
                        ),
                    ),
                )
            )
            inserted = conn.execute(
                sa.insert(runs).values(
                    job=job,
                    status=JobRunStatus.RUNNING,
                    scheduled=scheduled,
                    started_at=now,
                    host=socket.gethostname()[:120],
                    pid=os.getpid(),
                    outcome="",
                    error="",
                )
            )
            return inserted.inserted_primary_key[0]
    except Exception:
        log.exception("job %s: its run could not be recorded; it runs all the same", job)
        return None


def succeeded(run_id: int | None, now: datetime, result: object) -> None:
    """Record that the run ended well at `now`, with what the job returned."""
    _finish(run_id, JobRunStatus.SUCCEEDED, now, outcome=outcome_text(result)[:OUTCOME_CHARS])


def failed(run_id: int | None, now: datetime, error: BaseException) -> None:
    """Record that the run failed at `now` with `error`. The caller rolls the job's own
    session back first: on SQLite its unfinished writes would hold the write lock."""
    _finish(run_id, JobRunStatus.FAILED, now, error=error_text(error))


def outcome_text(result: object) -> str:
    """What a job returned, as the runs page shows it: "sent: 2, failed: 0" for a dict."""
    if result is None:
        return ""
    if isinstance(result, dict):
        return ", ".join(f"{key}: {value}" for key, value in result.items())
    return str(result)


def error_text(error: BaseException) -> str:
    """The error as the runs page shows it: the exception on the first line, then the
    traceback (its end kept when it is long: that is where it failed)."""
    message = " ".join(str(error).split())
    head = f"{type(error).__name__}: {message}" if message else type(error).__name__
    head = head[:HEAD_CHARS]
    trace = "".join(traceback.format_exception(error)).rstrip()
    room = ERROR_CHARS - len(head) - 2
    if len(trace) > room:
        trace = "…" + trace[-(room - 1) :]
    return f"{head}\n\n{trace}"


def _finish(run_id: int | None, status: JobRunStatus, now: datetime, **values) -> None:
    if run_id is None:
        return
    try:
        with db.engine.begin() as conn:
            conn.execute(
                sa.update(runs)
                .where(runs.c.id == run_id)
                .values(status=status, finished_at=now, **values)
            )
    except Exception:
        log.exception("run %s: its end (%s) could not be recorded", run_id, status.value)
