"""Escalations and what hangs off them: watchers, tags, handoffs, customer updates, pauses,
SLA policies and clocks, reply templates, widespread issues, internal notes."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models import TimestampMixin, UTCDateTime, enum_column, utcnow


class Severity(enum.Enum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class IntakeChannel(enum.Enum):
    PHONE = "phone"
    EMAIL = "email"
    CHAT = "chat"
    SOCIAL = "social"
    IN_PERSON = "in_person"
    INTERNAL = "internal"


class Category(enum.Enum):
    TECHNICAL = "technical"
    BILLING = "billing"
    SERVICE_QUALITY = "service_quality"
    POLICY = "policy"
    OTHER = "other"


class Level(enum.Enum):
    L1 = "1"
    L2 = "2"
    L3 = "3"
    EXECUTIVE = "executive"

    @property
    def rank(self) -> int:
        return list(Level).index(self)


class Status(enum.Enum):
    NEW = "new"
    INVESTIGATING = "investigating"
    WAITING_ON_CUSTOMER = "waiting_on_customer"
    RESOLVED = "resolved"
    FOLLOW_UP = "follow_up"  # resolved, the follow-up check-in confirmed it held
    CLOSED = "closed"


OPEN_STATUSES = (Status.NEW, Status.INVESTIGATING, Status.WAITING_ON_CUSTOMER)
DONE_STATUSES = (Status.RESOLVED, Status.FOLLOW_UP, Status.CLOSED)


class ResolutionKind(enum.Enum):
    FIX = "fix"
    WORKAROUND = "workaround"
    EXPLAINED = "explained"
    CONCESSION = "concession"


class ClockKind(enum.Enum):
    FIRST_RESPONSE = "first_response"
    CUSTOMER_UPDATE = "customer_update"
    RESOLUTION = "resolution"
    # The update cadence the team's health asks for (red/amber), on top of the SLA's interval.
    HEALTH_UPDATE = "health_update"


class EscalationReason(enum.Enum):
    """Why it was escalated (the case file's reason code)."""

    LACK_OF_PROGRESS = "lack_of_progress"
    CUSTOMER_DEADLINE = "customer_deadline"
    REPEATED_FAILURES = "repeated_failures"
    BUSINESS_IMPACT = "business_impact"
    RELATIONSHIP_RISK = "relationship_risk"
    OTHER = "other"


class Requester(enum.Enum):
    """Who asked for the escalation."""

    CUSTOMER = "customer"
    INTERNAL = "internal"


class Health(enum.Enum):
    """The overall status the team sets; red and amber set how often the customer hears."""

    RED = "red"
    AMBER = "amber"
    GREEN = "green"


class Trend(enum.Enum):
    IMPROVING = "improving"
    UNCHANGED = "unchanged"
    WORSENING = "worsening"


class ThreatFlag(enum.Enum):
    CANCELLATION = "cancellation"
    LEGAL = "legal"
    SAFETY = "safety"


class ThreatSource(enum.Enum):
    """Where a suggested threat was read."""

    INTAKE = "intake"  # the title and description when the escalation is raised
    EDIT = "edit"  # the title and description when they are edited
    CUSTOMER_UPDATE = "customer_update"
    NOTE = "note"


class SuggestionStatus(enum.Enum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"


escalation_watchers = sa.Table(
    "escalation_watchers",
    db.metadata,
    sa.Column(
        "escalation_id", sa.ForeignKey("escalations.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    # "Mine" (owned or watched) finds a user's rows without reading the table (0020).
    sa.Index("ix_escalation_watchers_user", "user_id", "escalation_id"),
)


# Resolved, not yet closed, and closing needs a post-mortem (critical, high or executive).
AWAITING_POST_MORTEM = (
    "status IN ('resolved', 'follow_up')"
    " AND (executive IS TRUE OR severity IN ('critical', 'high'))"
)
# Answered or resolved before the minute columns existed (migration 0012): the scheduler fills
# them in (aftercare.fill_missing_minutes); the partial index holds only these rows.
MINUTES_MISSING = (
    "(first_response_at IS NOT NULL AND first_response_minutes IS NULL)"
    " OR (resolved_at IS NOT NULL AND resolution_minutes IS NULL)"
)


class Escalation(TimestampMixin, db.Model):
    __tablename__ = "escalations"
    __table_args__ = (
        # An account's escalations by time; with the status, counted from the index (0026).
        sa.Index("ix_escalations_account", "account_id", "created_at", "status"),
        sa.Index("ix_escalations_owner_status", "owner_id", "status"),
        sa.Index("ix_escalations_status_created", "status", "created_at"),
        sa.Index("ix_escalations_created", "created_at", "id"),
        sa.Index(
            "ix_escalations_promise_due",
            "promise_warn_at",
            postgresql_where=sa.text("promise_warned_at IS NULL AND resolved_at IS NULL"),
            sqlite_where=sa.text("promise_warned_at IS NULL AND resolved_at IS NULL"),
        ),
        # The executive view and Today's executive blocks: which of the open ones are on an
        # account, and their ARR at risk, read from the index alone (0024).
        sa.Index(
            "ix_escalations_executive",
            "executive",
            "status",
            "account_id",
            "arr_at_risk_minor",
            "created_at",
            "id",
        ),
        sa.Index("ix_escalations_updated", "updated_at"),  # the reports rollup's changes
        # Those whose post-mortem may be due, by resolution time (Today; 0019).
        sa.Index(
            "ix_escalations_awaiting_post_mortem",
            "resolved_at",
            "id",
            postgresql_where=sa.text(AWAITING_POST_MORTEM),
            sqlite_where=sa.text(AWAITING_POST_MORTEM),
        ),
        sa.Index(
            "ix_escalations_minutes_missing",
            "id",
            postgresql_where=sa.text(MINUTES_MISSING),
            sqlite_where=sa.text(MINUTES_MISSING),
        ),
        sa.CheckConstraint(
            "arr_at_risk_minor IS NULL OR arr_at_risk_minor >= 0", name="arr_at_risk_not_negative"
        ),
        sa.CheckConstraint(
            "concession_minor IS NULL OR concession_minor >= 0", name="concession_not_negative"
        ),
        sa.CheckConstraint("follow_up_days BETWEEN 1 AND 365", name="follow_up_days_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), nullable=False)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    description: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    channel: Mapped[IntakeChannel] = enum_column(IntakeChannel, "intake_channel", nullable=False)
    category: Mapped[Category] = enum_column(Category, "category", nullable=False)
    severity: Mapped[Severity] = enum_column(Severity, "severity", nullable=False)
    status: Mapped[Status] = enum_column(
        Status, "escalation_status", nullable=False, default=Status.NEW
    )
    level: Mapped[Level] = enum_column(Level, "escalation_level", nullable=False, default=Level.L1)
    threat_cancellation: Mapped[bool] = mapped_column(nullable=False, default=False)
    threat_legal: Mapped[bool] = mapped_column(nullable=False, default=False)
    threat_safety: Mapped[bool] = mapped_column(nullable=False, default=False)
    # Kept in step by the services (threats or executive level), so lists filter on an index.
    executive: Mapped[bool] = mapped_column(nullable=False, default=False)
    arr_at_risk_minor: Mapped[int | None] = mapped_column(sa.BigInteger)
    arr_at_risk_currency: Mapped[str | None] = mapped_column(sa.String(3))
    legal_hold: Mapped[bool] = mapped_column(nullable=False, default=False)
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    raised_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_update_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_kind: Mapped[ResolutionKind | None] = enum_column(ResolutionKind, "resolution_kind")
    resolution_summary: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    concession_minor: Mapped[int | None] = mapped_column(sa.BigInteger)
    promised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # One business day before the promise (per the SLA calendar), so the sweep compares times.
    promise_warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    promise_warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    widespread_issue_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("widespread_issues.id"), index=True
    )
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Days from resolution to the follow-up check-in; the owner may change it per escalation.
    follow_up_days: Mapped[int] = mapped_column(nullable=False, default=7)
    reopened_count: Mapped[int] = mapped_column(nullable=False, default=0)
    # Business minutes (the severity's SLA calendar, waiting-on-customer pauses left out) from
    # intake to the first response and to the latest resolution; kept for reports.
    first_response_minutes: Mapped[int | None] = mapped_column()
    resolution_minutes: Mapped[int | None] = mapped_column()
    # The case file (migration 0015): why it was escalated and who asked, the team's overall
    # health and its trend, what the account's executive sponsor is asked to do, and why it
    # was resolved with exit criteria still unmet.
    reason: Mapped[EscalationReason | None] = enum_column(EscalationReason, "escalation_reason")
    requested_by: Mapped[Requester | None] = enum_column(Requester, "escalation_requester")
    requester_contact_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("contacts.id", ondelete="SET NULL")
    )
    health: Mapped[Health | None] = enum_column(Health, "escalation_health")
    trend: Mapped[Trend | None] = enum_column(Trend, "escalation_trend")
    sponsor_ask: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    unmet_criteria_reason: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    version: Mapped[int] = mapped_column(nullable=False, default=1)

    account = relationship("Account", lazy="joined")
    requester_contact = relationship("Contact")
    owner = relationship("User", foreign_keys=[owner_id])
    raised_by = relationship("User", foreign_keys=[raised_by_id])
    watchers = relationship("User", secondary=escalation_watchers, order_by="User.name")
    tag_rows: Mapped[list["EscalationTag"]] = relationship(
        cascade="all, delete-orphan", order_by="EscalationTag.name"
    )
    clocks: Mapped[list["SlaClock"]] = relationship(
        back_populates="escalation", cascade="all, delete-orphan", order_by="SlaClock.id"
    )
    widespread_issue = relationship("WidespreadIssue")

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def tags(self) -> list[str]:
        return [row.name for row in self.tag_rows]


class EscalationTag(db.Model):
    __tablename__ = "escalation_tags"

    escalation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("escalations.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True, index=True)


class Handoff(db.Model):
    """A structured handoff when an escalation moves up a level; the receiver acknowledges it."""

    __tablename__ = "handoffs"
    __table_args__ = (
        sa.Index("ix_handoffs_unacknowledged", "acknowledged_at", "created_at"),
        # The escalations with a handoff waiting: the list's "Unacknowledged handoffs" view
        # and one receiver's handoffs waiting for them, oldest first (Today; migration 0019).
        sa.Index(
            "ix_handoffs_waiting",
            "escalation_id",
            postgresql_where=sa.text("acknowledged_at IS NULL"),
            sqlite_where=sa.text("acknowledged_at IS NULL"),
        ),
        sa.Index(
            "ix_handoffs_waiting_for",
            "to_owner_id",
            "created_at",
            postgresql_where=sa.text("acknowledged_at IS NULL"),
            sqlite_where=sa.text("acknowledged_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("escalations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    from_level: Mapped[Level] = enum_column(Level, "handoff_from_level", nullable=False)
    to_level: Mapped[Level] = enum_column(Level, "handoff_to_level", nullable=False)
    from_owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    to_owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    contact_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("contacts.id", ondelete="SET NULL")
    )
    what_happened: Mapped[str] = mapped_column(sa.Text, nullable=False)
    what_was_tried: Mapped[str] = mapped_column(sa.Text, nullable=False)
    why_unresolved: Mapped[str] = mapped_column(sa.Text, nullable=False)
    what_is_needed: Mapped[str] = mapped_column(sa.Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    overdue_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    escalation = relationship("Escalation")
    from_owner = relationship("User", foreign_keys=[from_owner_id])
    to_owner = relationship("User", foreign_keys=[to_owner_id])
    created_by = relationship("User", foreign_keys=[created_by_id])
    contact = relationship("Contact")


class CustomerUpdate(db.Model):
    """One communication with the customer; the first one is the first response."""

    __tablename__ = "customer_updates"

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("escalations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    channel: Mapped[IntakeChannel] = enum_column(IntakeChannel, "update_channel", nullable=False)
    summary: Mapped[str] = mapped_column(sa.Text, nullable=False)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    template_key: Mapped[str | None] = mapped_column(sa.String(40))

    author = relationship("User")


class EscalationNote(db.Model):
    """An internal note (not a customer update: it does not stop the first-response clock)."""

    __tablename__ = "escalation_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("escalations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    body: Mapped[str] = mapped_column(sa.Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)

    author = relationship("User")


class Pause(db.Model):
    """A span in which the SLA clocks stood still (waiting on the customer)."""

    __tablename__ = "escalation_pauses"

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("escalations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    paused_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    paused_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    reason: Mapped[str] = mapped_column(sa.String(500), nullable=False)
    resumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resumed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    resume_reason: Mapped[str] = mapped_column(sa.String(500), nullable=False, default="")

    paused_by = relationship("User", foreign_keys=[paused_by_id])
    resumed_by = relationship("User", foreign_keys=[resumed_by_id])


class CalendarDayKind(enum.Enum):
    CLOSURE = "closure"  # a company closure: closed on every date of the range
    WORKED = "worked"  # a public holiday the company works: open as a normal weekday


class WorkCalendar(TimestampMixin, db.Model):
    """A business calendar that SLA policies count in: a timezone, opening intervals per
    weekday, a country's public holidays (the `holidays` package) and the company's own days.

    `week` holds seven entries, Monday first, each a list of ["09:00", "12:00"] intervals in
    order (empty: closed; ["00:00", "00:00"]: the whole day). `version` counts every change,
    closures included: a running clock records the version it was planned with.
    """

    __tablename__ = "business_calendars"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), nullable=False, unique=True)
    timezone: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    week: Mapped[list] = mapped_column(sa.JSON, nullable=False)
    country: Mapped[str | None] = mapped_column(sa.String(8))  # ISO 3166 code, None: none
    subdivision: Mapped[str | None] = mapped_column(sa.String(16))
    version: Mapped[int] = mapped_column(nullable=False, default=1)

    days: Mapped[list["CalendarDay"]] = relationship(
        back_populates="calendar",
        cascade="all, delete-orphan",
        order_by="CalendarDay.starts_on",
    )

    __mapper_args__ = {"version_id_col": version}


class CalendarDay(db.Model):
    """A company closure (a date or a range) or a public holiday marked as worked."""

    __tablename__ = "business_calendar_days"
    __table_args__ = (
        sa.CheckConstraint("ends_on >= starts_on", name="range_order"),
        sa.Index("ix_business_calendar_days_calendar", "calendar_id", "starts_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_id: Mapped[int] = mapped_column(
        sa.ForeignKey("business_calendars.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[CalendarDayKind] = enum_column(
        CalendarDayKind, "calendar_day_kind", nullable=False
    )
    starts_on: Mapped[date] = mapped_column(nullable=False)
    ends_on: Mapped[date] = mapped_column(nullable=False)
    name: Mapped[str] = mapped_column(sa.String(120), nullable=False, default="")

    calendar = relationship("WorkCalendar", back_populates="days")


class SlaPolicy(db.Model):
    """Targets for one severity, in minutes of business time, counted in its calendar."""

    __tablename__ = "sla_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    severity: Mapped[Severity] = enum_column(
        Severity, "policy_severity", nullable=False, unique=True
    )
    first_response_minutes: Mapped[int] = mapped_column(nullable=False)
    update_interval_minutes: Mapped[int] = mapped_column(nullable=False)
    resolution_minutes: Mapped[int] = mapped_column(nullable=False)
    calendar_id: Mapped[int] = mapped_column(
        sa.ForeignKey("business_calendars.id"), nullable=False, index=True
    )
    version: Mapped[int] = mapped_column(nullable=False, default=1)

    calendar = relationship("WorkCalendar", lazy="joined")

    __mapper_args__ = {"version_id_col": version}


class SlaClock(db.Model):
    """One running SLA target of an escalation; the sweep looks only at due and warn times."""

    __tablename__ = "sla_clocks"
    __table_args__ = (
        # The sweep's three questions, each answered by a partial index holding only the
        # clocks still to be stamped (migration 0007), so history does not slow it down.
        sa.Index(
            "ix_sla_clocks_due",
            "due_at",
            postgresql_where=sa.text("stopped_at IS NULL AND breached_at IS NULL"),
            sqlite_where=sa.text("stopped_at IS NULL AND breached_at IS NULL"),
        ),
        sa.Index(
            "ix_sla_clocks_warn",
            "warn_at",
            postgresql_where=sa.text(
                "stopped_at IS NULL AND breached_at IS NULL AND warned_at IS NULL"
            ),
            sqlite_where=sa.text(
                "stopped_at IS NULL AND breached_at IS NULL AND warned_at IS NULL"
            ),
        ),
        sa.Index("ix_sla_clocks_escalation", "escalation_id", "kind"),
        # Breached clocks still running, by due time: the Today page's "breached first"
        # walk (migration 0019).
        sa.Index(
            "ix_sla_clocks_breached",
            "due_at",
            "escalation_id",
            postgresql_where=sa.text("stopped_at IS NULL AND breached_at IS NOT NULL"),
            sqlite_where=sa.text("stopped_at IS NULL AND breached_at IS NOT NULL"),
        ),
        # An escalation's breached clock still running: the "Breached" list walks the newest
        # open escalations and asks each (migration 0022).
        sa.Index(
            "ix_sla_clocks_breached_escalation",
            "escalation_id",
            postgresql_where=sa.text("stopped_at IS NULL AND breached_at IS NOT NULL"),
            sqlite_where=sa.text("stopped_at IS NULL AND breached_at IS NOT NULL"),
        ),
        # Running clocks by warning time: the list's "SLA at risk" view (migration 0019).
        sa.Index(
            "ix_sla_clocks_at_risk",
            "warn_at",
            "escalation_id",
            postgresql_where=sa.text("stopped_at IS NULL AND breached_at IS NULL"),
            sqlite_where=sa.text("stopped_at IS NULL AND breached_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("escalations.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[ClockKind] = enum_column(ClockKind, "clock_kind", nullable=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    target_minutes: Mapped[int] = mapped_column(nullable=False)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None while paused
    warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # met, or no longer needed
    met: Mapped[bool | None] = mapped_column()
    # The calendar (and its version) the due time was last planned with.
    calendar_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("business_calendars.id", ondelete="SET NULL")
    )
    calendar_version: Mapped[int | None] = mapped_column()
    # A re-plan (the calendar or the policy changed) keeps the business time counted so far:
    # `counted_seconds` ran before `counted_until`; the rest is planned from that moment on.
    counted_seconds: Mapped[int] = mapped_column(nullable=False, default=0)
    counted_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    escalation = relationship("Escalation", back_populates="clocks")


class ReplyTemplate(db.Model):
    """A standard customer message (macro) in one language, edited by admins."""

    __tablename__ = "reply_templates"
    __table_args__ = (sa.UniqueConstraint("key", "language", name="uq_reply_templates_key_lang"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    language: Mapped[str] = mapped_column(sa.String(8), nullable=False)
    name: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    body: Mapped[str] = mapped_column(sa.Text, nullable=False)
    version: Mapped[int] = mapped_column(nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


widespread_accounts = sa.Table(
    "widespread_issue_accounts",
    db.metadata,
    sa.Column(
        "issue_id", sa.ForeignKey("widespread_issues.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column(
        "account_id", sa.ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)


class WidespreadIssue(TimestampMixin, db.Model):
    """One problem affecting several accounts, with one approved message for all of them."""

    __tablename__ = "widespread_issues"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    approved_message: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)

    accounts = relationship("Account", secondary=widespread_accounts, order_by="Account.name")
    approved_by = relationship("User", foreign_keys=[approved_by_id])


class FollowUpOutcome(enum.Enum):
    HELD = "held"
    FAILED = "failed"


class FollowUp(db.Model):
    """The check-in after a resolution: did the solution hold? One per resolution."""

    __tablename__ = "escalation_follow_ups"
    __table_args__ = (
        sa.Index(
            "ix_follow_ups_pending",
            "due_at",
            postgresql_where=sa.text("outcome IS NULL AND cancelled_at IS NULL"),
            sqlite_where=sa.text("outcome IS NULL AND cancelled_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("escalations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    outcome: Mapped[FollowUpOutcome | None] = enum_column(FollowUpOutcome, "follow_up_outcome")
    note: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # A reopen before the check-in makes it moot.
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    escalation = relationship("Escalation")
    owner = relationship("User", foreign_keys=[owner_id])
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])

    @property
    def pending(self) -> bool:
        return self.outcome is None and self.cancelled_at is None


class Survey(db.Model):
    """The satisfaction survey of an escalation: one per escalation, answered once through a
    signed one-time link (the nonce is what the link carries; used = answered_at set)."""

    __tablename__ = "escalation_surveys"
    __table_args__ = (
        sa.CheckConstraint("score IS NULL OR (score >= 1 AND score <= 5)", name="score_1_to_5"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("escalations.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    contact_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("contacts.id", ondelete="SET NULL")
    )
    email: Mapped[str] = mapped_column(sa.String(254), nullable=False)
    language: Mapped[str] = mapped_column(sa.String(8), nullable=False, default="en")
    nonce: Mapped[str] = mapped_column(sa.String(64), nullable=False, unique=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    sent_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    times_sent: Mapped[int] = mapped_column(nullable=False, default=1)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    score: Mapped[int | None] = mapped_column()
    comment: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    # After a low score: what went wrong (reason keys) and in the customer's words.
    reasons: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    reason_text: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")

    escalation = relationship("Escalation")
    contact = relationship("Contact")
    sent_by = relationship("User")

    @property
    def satisfied(self) -> bool | None:
        return None if self.score is None else self.score >= 4


class RootCause(enum.Enum):
    PRODUCT_DEFECT = "product_defect"
    PROCESS = "process"
    COMMUNICATION = "communication"
    EXPECTATION_MISMATCH = "expectation_mismatch"
    THIRD_PARTY = "third_party"
    OTHER = "other"


class Answer(enum.Enum):
    YES = "yes"
    NO = "no"
    UNSURE = "unsure"


class PostMortem(TimestampMixin, db.Model):
    """The look back at an escalation; complete once its required parts are written."""

    __tablename__ = "post_mortems"

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("escalations.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    root_cause_category: Mapped[RootCause | None] = enum_column(RootCause, "root_cause")
    root_cause: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    went_well: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    to_improve: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    preventable: Mapped[Answer | None] = enum_column(Answer, "pm_preventable")
    lower_level: Mapped[Answer | None] = enum_column(Answer, "pm_lower_level")
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    version: Mapped[int] = mapped_column(nullable=False, default=1)

    escalation = relationship("Escalation")
    author = relationship("User", foreign_keys=[author_id])
    completed_by = relationship("User", foreign_keys=[completed_by_id])
    actions: Mapped[list["PostMortemAction"]] = relationship(
        back_populates="post_mortem",
        cascade="all, delete-orphan",
        order_by="(PostMortemAction.due_on, PostMortemAction.id)",
    )

    __mapper_args__ = {"version_id_col": version}


class PostMortemAction(db.Model):
    """Something to change after a post-mortem, with an owner and a due date."""

    __tablename__ = "post_mortem_actions"
    __table_args__ = (
        sa.Index(
            "ix_post_mortem_actions_open",
            "owner_id",
            "due_on",
            postgresql_where=sa.text("done_at IS NULL"),
            sqlite_where=sa.text("done_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_mortem_id: Mapped[int] = mapped_column(
        sa.ForeignKey("post_mortems.id", ondelete="CASCADE"), nullable=False, index=True
    )
    text: Mapped[str] = mapped_column(sa.String(500), nullable=False)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    due_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    overdue_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    version: Mapped[int] = mapped_column(nullable=False, default=1)

    post_mortem = relationship("PostMortem", back_populates="actions")
    owner = relationship("User", foreign_keys=[owner_id])
    done_by = relationship("User", foreign_keys=[done_by_id])

    __mapper_args__ = {"version_id_col": version}


class HealthCadence(db.Model):
    """How often the customer must hear while the escalation's health is red, amber or green
    (hours of wall-clock time, paused while waiting on the customer; none = no extra cadence).
    Admins edit it; migration 0015 starts it at red 24, amber 48, green none."""

    __tablename__ = "escalation_health_cadences"
    __table_args__ = (
        sa.CheckConstraint(
            "update_hours IS NULL OR update_hours BETWEEN 1 AND 720", name="update_hours_range"
        ),
    )

    health: Mapped[Health] = enum_column(Health, "cadence_health", primary_key=True)
    update_hours: Mapped[int | None] = mapped_column()
    version: Mapped[int] = mapped_column(nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class HealthEntry(db.Model):
    """One dated check of an escalation's health and trend, with what the team saw."""

    __tablename__ = "escalation_health_entries"
    __table_args__ = (sa.Index("ix_health_entries_escalation", "escalation_id", "recorded_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("escalations.id", ondelete="CASCADE"), nullable=False
    )
    health: Mapped[Health | None] = enum_column(Health, "entry_health")
    trend: Mapped[Trend | None] = enum_column(Trend, "entry_trend")
    note: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)

    recorded_by = relationship("User")


class ExitCriterion(db.Model):
    """Something the customer agreed must be true for them to consider the escalation over."""

    __tablename__ = "escalation_exit_criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("escalations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    text: Mapped[str] = mapped_column(sa.String(500), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    met_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    met_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(nullable=False, default=1)

    created_by = relationship("User", foreign_keys=[created_by_id])
    met_by = relationship("User", foreign_keys=[met_by_id])

    __mapper_args__ = {"version_id_col": version}


class Decision(db.Model):
    """One entry of the escalation's decision log."""

    __tablename__ = "escalation_decisions"
    __table_args__ = (sa.Index("ix_decisions_escalation", "escalation_id", "decided_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("escalations.id", ondelete="CASCADE"), nullable=False
    )
    decision: Mapped[str] = mapped_column(sa.String(500), nullable=False)
    # Who decided, as said (a customer's CFO is not a user); the recorder is a user.
    decided_by: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    rationale: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)

    recorded_by = relationship("User")


class RosterEntry(db.Model):
    """Someone working the escalation: when they joined, in what role, and when they left."""

    __tablename__ = "escalation_roster"
    __table_args__ = (
        # One current membership per person; leaving and joining again makes a new row.
        sa.Index(
            "uq_roster_current",
            "escalation_id",
            "user_id",
            unique=True,
            postgresql_where=sa.text("left_at IS NULL"),
            sqlite_where=sa.text("left_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("escalations.id", ondelete="CASCADE"), nullable=False, index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False, index=True)
    role: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    added_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    user = relationship("User", foreign_keys=[user_id])
    added_by = relationship("User", foreign_keys=[added_by_id])
    removed_by = relationship("User", foreign_keys=[removed_by_id])


class ThreatSuggestion(db.Model):
    """A threat flag the detector suggested, with the sentence and words it came from and
    why; a person confirms it (the flag is set) or dismisses it (kept to improve the rules)."""

    __tablename__ = "threat_suggestions"
    __table_args__ = (
        sa.Index("ix_threat_suggestions_escalation", "escalation_id", "status"),
        sa.Index("ix_threat_suggestions_status", "status", "decided_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    escalation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("escalations.id", ondelete="CASCADE"), nullable=False
    )
    flag: Mapped[ThreatFlag] = enum_column(ThreatFlag, "threat_flag", nullable=False)
    source: Mapped[ThreatSource] = enum_column(ThreatSource, "threat_source", nullable=False)
    source_id: Mapped[int | None] = mapped_column()  # the customer update's or note's id
    sentence: Mapped[str] = mapped_column(sa.Text, nullable=False)
    # [[start, end], ...]: the words in `sentence` the suggestion came from.
    spans: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    rule: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    language: Mapped[str] = mapped_column(sa.String(8), nullable=False, default="en")
    status: Mapped[SuggestionStatus] = enum_column(
        SuggestionStatus, "suggestion_status", nullable=False, default=SuggestionStatus.PENDING
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    dismiss_reason: Mapped[str] = mapped_column(sa.String(500), nullable=False, default="")
    version: Mapped[int] = mapped_column(nullable=False, default=1)

    escalation = relationship("Escalation")
    decided_by = relationship("User")

    __mapper_args__ = {"version_id_col": version}
