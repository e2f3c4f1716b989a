"""The scheduler's tables: job leases (one scheduler process runs a job at a time) and job
runs (what each run did, kept 30 days, shown on /admin/jobs and the admin's Today page)."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models import UTCDateTime, enum_column, utcnow


class JobLease(db.Model):
    __tablename__ = "job_leases"

    name: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    holder: Mapped[str] = mapped_column(sa.String(120), nullable=False, default="")
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class JobRunStatus(enum.Enum):
    RUNNING = "running"  # still running, or its process died (it never ended)
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class JobRun(db.Model):
    """One run of a scheduler job (app/scheduler/jobs.py: JOBS names `job`)."""

    __tablename__ = "job_runs"
    __table_args__ = (
        sa.Index("ix_job_runs_job_started", "job", "started_at"),
        sa.Index("ix_job_runs_status_started", "status", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(sa.String(60), nullable=False)
    status: Mapped[JobRunStatus] = enum_column(
        JobRunStatus, "job_run_status", nullable=False, default=JobRunStatus.RUNNING
    )
    scheduled: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    started_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, index=True
    )
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    host: Mapped[str] = mapped_column(sa.String(120), nullable=False, default="")
    pid: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)
    outcome: Mapped[str] = mapped_column(sa.String(500), nullable=False, default="")
    error: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")

    @property
    def error_summary(self) -> str:
        """The error's first line: the exception and its message (runs.error_text)."""
        return next((line.strip() for line in self.error.splitlines() if line.strip()), "")
