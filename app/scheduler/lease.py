"""Run a job only where its database lease is taken: one scheduler process at a time.

The lease is a row in `job_leases`. Taking it is one conditional UPDATE (free, or expired),
committed at once in a transaction of its own, so every other process sees it; the database
lets exactly one of two concurrent UPDATEs through. The lease is short (Config:
SCHEDULER_LEASE_SECONDS) and, while the job runs, a heartbeat thread renews it every
SCHEDULER_LEASE_RENEW_SECONDS, each renewal a conditional UPDATE of its own (still ours). The
lease is given back when the job ends. A process that dies while holding it (SIGKILL, a lost
host) stops renewing: the job is blocked only until the lease expires, one lease length at
most, and the next process to try takes it over. This works the same on SQLite and PostgreSQL.

Times are the processes' own clocks (UTC): hosts running schedulers should agree on the time
to well within a lease length (NTP).
"""

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import clock_from, utcnow
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
    renew_every: timedelta | None = None,
) -> bool:
    """Run `job(now)` if this process can take the lease `name`; False when it could not.

    The lease lasts `ttl` and is renewed every `renew_every` (default a third of `ttl`) while
    the job runs, so a job may run longer than `ttl`; after the holder dies, another process
    may take the lease once `ttl` has passed since its last renewal. With `min_gap`, the job
    is also skipped when its last run started less than that long ago, so two schedulers
    firing a moment apart run it once per interval, not twice.
    """
    now = now or utcnow()
    holder = holder or holder_id()
    renew_every = renew_every or ttl / 3
    if renew_every >= ttl:
        raise ValueError("the lease must be renewed more often than it lasts")
    if not _take(name, holder, now, ttl, min_gap):
        log.info("job %s skipped: another process holds its lease or ran it just now", name)
        return False
    heartbeat = Heartbeat(db.engine, name, holder, ttl, renew_every, clock_from(now))
    try:
        heartbeat.start()
        job(now)
    except BaseException:
        db.session.rollback()  # let go of anything the job left half-done before releasing
        raise
    finally:
        heartbeat.stop()
        _release(name, holder, now)
    return True


def held_until(name: str, now: datetime | None = None) -> datetime | None:
    """When the lease `name`, held at `now`, expires unless renewed; None when it is free
    (given back, or expired: its holder died)."""
    now = now or utcnow()
    with db.engine.connect() as conn:
        return conn.scalar(
            sa.select(leases.c.expires_at).where(leases.c.name == name, leases.c.expires_at >= now)
        )


class Heartbeat(threading.Thread):
    """Renews a held lease every `every` until stopped; stops by itself if the lease is lost."""

    def __init__(
        self,
        engine: sa.Engine,
        name: str,
        holder: str,
        ttl: timedelta,
        every: timedelta,
        clock: Callable[[], datetime],
    ):
        super().__init__(name=f"lease-heartbeat-{name}", daemon=True)
        self.engine = engine
        self.lease = name
        self.holder = holder
        self.ttl = ttl
        self.every = every
        self.clock = clock
        self.lost = False
        self._stopped = threading.Event()

    def run(self) -> None:
        while not self._stopped.wait(self.every.total_seconds()):
            try:
                renewed = self._renew()
            except Exception as error:  # the database is busy or away: try again next beat
                log.warning("job %s: lease not renewed this time: %s", self.lease, error)
                continue
            if not renewed:
                self.lost = True
                log.error(
                    "job %s: lease lost while running (not renewed in time, another process "
                    "took it over); the job finishes here regardless",
                    self.lease,
                )
                return

    def _renew(self) -> bool:
        with self.engine.begin() as conn:
            result = conn.execute(
                sa.update(leases)
                .where(
                    leases.c.name == self.lease,
                    leases.c.holder == self.holder,
                    leases.c.expires_at.is_not(None),  # never re-arm a lease given back
                )
                .values(expires_at=self.clock() + self.ttl)
            )
            return result.rowcount == 1

    def stop(self) -> None:
        """Stop renewing; waits for a renewal under way (bounded: the release is guarded)."""
        self._stopped.set()
        if self.is_alive():
            self.join(timeout=max(self.every.total_seconds(), 1.0))


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
