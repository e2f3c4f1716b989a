"""Export schedules and their runs.

A schedule says what to export (kind, format, the list page's filters), when (a preset or a
cron expression, at a local time in a time zone; `next_run_at` is what the scheduler reads)
and where (the export folder, and recipients who are users of the app). A run is one
execution: one file, its checksum, its row count, or its error.
"""

import enum
from datetime import datetime, time

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models import TimestampMixin, UTCDateTime, enum_column, utcnow


class ExportKind(enum.Enum):
    ESCALATIONS = "escalations"  # the escalation register
    ACCOUNTS = "accounts"  # the account book
    SPONSORSHIPS = "sponsorships"  # the sponsorship report
    TOUCHPOINTS = "touchpoints"  # the touchpoint log
    PORTFOLIO = "portfolio"  # one executive's portfolio brief (PDF)


class ExportFormat(enum.Enum):
    CSV = "csv"
    XLSX = "xlsx"
    PDF = "pdf"


class CsvEncoding(enum.Enum):
    UTF8_BOM = "utf8_bom"  # Excel opens it anywhere
    CP932 = "cp932"  # "Japanese Excel": Windows' Shift_JIS


class Frequency(enum.Enum):
    DAILY = "daily"
    WEEKLY = "weekly"  # on `weekday`
    MONTHLY = "monthly"  # on `month_day` (the month's last day when it is shorter)
    CRON = "cron"  # `cron`, read in `timezone`


class RunStatus(enum.Enum):
    RUNNING = "running"
    RETRYING = "retrying"  # failed; tried again at `next_attempt_at`
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class RunTrigger(enum.Enum):
    SCHEDULED = "scheduled"
    MANUAL = "manual"  # "Run now" on the page
    COMMAND = "command"  # `flask exports run`


export_recipients = sa.Table(
    "export_recipients",
    db.metadata,
    sa.Column(
        "schedule_id", sa.ForeignKey("export_schedules.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("user_id", sa.ForeignKey("users.id"), primary_key=True, index=True),
)


class ExportSchedule(TimestampMixin, db.Model):
    __tablename__ = "export_schedules"
    __table_args__ = (
        sa.CheckConstraint("weekday IS NULL OR weekday BETWEEN 0 AND 6", name="weekday_range"),
        sa.CheckConstraint(
            "month_day IS NULL OR month_day BETWEEN 1 AND 31", name="month_day_range"
        ),
        sa.CheckConstraint("keep_files BETWEEN 1 AND 1000", name="keep_files_range"),
        sa.Index("ix_export_schedules_due", "enabled", "next_run_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False, index=True)
    kind: Mapped[ExportKind] = enum_column(ExportKind, "export_kind", nullable=False)
    file_format: Mapped[ExportFormat] = enum_column(ExportFormat, "export_format", nullable=False)
    encoding: Mapped[CsvEncoding] = enum_column(
        CsvEncoding, "csv_encoding", nullable=False, default=CsvEncoding.UTF8_BOM
    )
    # The list page's query arguments (its own `as_args()`), applied with the owner's rights.
    filters: Mapped[dict] = mapped_column(sa.JSON, nullable=False, default=dict)
    # The portfolio brief's executive (an executive owner: always themself).
    executive_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    frequency: Mapped[Frequency] = enum_column(Frequency, "export_frequency", nullable=False)
    weekday: Mapped[int | None] = mapped_column()  # 0 Monday .. 6 Sunday
    month_day: Mapped[int | None] = mapped_column()
    cron: Mapped[str | None] = mapped_column(sa.String(120))
    run_time: Mapped[time] = mapped_column(sa.Time, nullable=False, default=time(7, 0))
    timezone: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    keep_files: Mapped[int] = mapped_column(nullable=False, default=10)
    enabled: Mapped[bool] = mapped_column(nullable=False, default=True)
    # Why the scheduler stopped it (its owner was deactivated or lost the role); None: it did not.
    stopped_reason: Mapped[str | None] = mapped_column(sa.String(40))
    next_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None while disabled
    last_run_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(nullable=False, default=1)

    owner = relationship("User", foreign_keys=[owner_id])
    executive = relationship("User", foreign_keys=[executive_id])
    recipients = relationship("User", secondary=export_recipients, order_by="User.name")

    __mapper_args__ = {"version_id_col": version}


class ExportRun(db.Model):
    __tablename__ = "export_runs"
    __table_args__ = (
        # One run per due time, whatever number of scheduler processes are up.
        sa.UniqueConstraint("schedule_id", "due_at", name="uq_export_runs_schedule_due"),
        sa.Index("ix_export_runs_schedule", "schedule_id", "id"),
        sa.Index("ix_export_runs_status", "status", "next_attempt_at"),
        # One run by hand at a time per schedule: two clicks on Run now start one export.
        sa.Index(
            "uq_export_runs_one_by_hand",
            "schedule_id",
            unique=True,
            postgresql_where=sa.text("due_at IS NULL AND status IN ('running', 'retrying')"),
            sqlite_where=sa.text("due_at IS NULL AND status IN ('running', 'retrying')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(
        sa.ForeignKey("export_schedules.id", ondelete="CASCADE"), nullable=False
    )
    trigger: Mapped[RunTrigger] = enum_column(RunTrigger, "export_trigger", nullable=False)
    triggered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # scheduled runs only
    status: Mapped[RunStatus] = enum_column(
        RunStatus, "export_run_status", nullable=False, default=RunStatus.RUNNING
    )
    attempts: Mapped[int] = mapped_column(nullable=False, default=1)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Which process runs it ("host:pid:random") and when it last said so: a run whose process
    # died is found and marked failed, never left running.
    holder: Mapped[str] = mapped_column(sa.String(120), nullable=False, default="")
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rows: Mapped[int] = mapped_column(nullable=False, default=0)  # so far, while running
    pages: Mapped[int | None] = mapped_column()  # PDF exports
    file_name: Mapped[str | None] = mapped_column(sa.String(200))
    file_size: Mapped[int | None] = mapped_column(sa.BigInteger)
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    # Characters the chosen encoding cannot hold, written as "?" ({"①": 3}).
    replaced: Mapped[dict | None] = mapped_column(sa.JSON)
    error: Mapped[str] = mapped_column(sa.String(2000), nullable=False, default="")
    expired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # file deleted (retention)

    schedule = relationship("ExportSchedule")
    triggered_by = relationship("User")
