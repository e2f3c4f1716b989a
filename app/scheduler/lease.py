"""Run a job only where its database lease is taken: one scheduler process at a time.

The lease is a row in `job_leases`. Taking it is one conditional UPDATE (free, or expired),
committed at once in a transaction of its own, so every other process sees it; the database
lets exactly one of two concurrent UPDATEs through. The lease is given back when the job
ends. A process that dies while holding it blocks the job only until the lease expires.
"""

import logging
import os
import socket
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import utcnow
from app.scheduler.models import JobLease

log = logging.getLogger(__name__)

leases = JobLease.__table__


def holder_id() -> str:
    """Who holds a lease: host, process and a random part (pids repeat across hosts)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"[:120]


def run_guarded(
    name: str,
    ttl: timedelta,
    job: Callable[[datetime], object],
    *,
    now: datetime | None = None,
    holder: str | None = None,
    min_gap: timedelta | None = None,
) -> bool:
    """Run `job(now)` if this process can take the lease `name`; False when it could not.

    `ttl` must outlast the job: after it, another process may take the lease. With
    `min_gap`, the job is also skipped when its last run started less than that long ago,
    so two schedulers firing a moment apart run it once per interval, not twice.
    """
    now = now or utcnow()
    holder = holder or holder_id()
    if not _take(name, holder, now, ttl, min_gap):
        log.info("job %s skipped: another process holds its lease or ran it just now", name)
        return False
    try:
        job(now)
    except BaseException:
        db.session.rollback()  # let go of anything the job left half-done before releasing
        raise
    finally:
        _release(name, holder, now)
    return True


def _take(name: str, holder: str, now: datetime, ttl: timedelta, min_gap: timedelta | None) -> bool:
    free = sa.or_(leases.c.expires_at.is_(None), leases.c.expires_at < now)
    if min_gap is not None:
        free = sa.and_(
            free, sa.or_(leases.c.last_run_at.is_(None), leases.c.last_run_at <= now - min_gap)
        )
    take = (
        sa.update(leases)
        .where(leases.c.name == name, free)
        .values(holder=holder, expires_at=now + ttl)
    )
    for _attempt in range(2):
        with db.engine.begin() as conn:
            if conn.execute(take).rowcount == 1:
                return True
            if conn.scalar(sa.select(leases.c.name).where(leases.c.name == name)) is not None:
                return False
        try:
            with db.engine.begin() as conn:
                conn.execute(sa.insert(leases).values(name=name, holder="", expires_at=None))
        except IntegrityError:
            pass  # another process created the row at the same moment; try to take it again
    return False


def _release(name: str, holder: str, now: datetime) -> None:
    """Free the lease and note the run, unless it expired and someone else took it."""
    with db.engine.begin() as conn:
        conn.execute(
            sa.update(leases)
            .where(leases.c.name == name, leases.c.holder == holder)
            .values(expires_at=None, last_run_at=now)
        )
