"""The executive sponsorship program: settings, entry and exit criteria, sponsorships with
their checklist, objectives and baseline, and executive training records."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models import TimestampMixin, UTCDateTime, enum_column, utcnow


class ProgramSettings(db.Model):
    """One row: the program's rules an admin edits."""

    __tablename__ = "program_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    responsibilities: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    success_metrics: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    default_term_months: Mapped[int] = mapped_column(nullable=False, default=12)
    # {tier: {"executive_call": months, "business_review": months}}; 0 or missing: none.
    cadence_by_tier: Mapped[dict] = mapped_column(sa.JSON, nullable=False, default=dict)
    # Relationship coverage: a pair last met within `strong` days is strong, within `fading`
    # days fading, else cold.
    coverage_strong_days: Mapped[int] = mapped_column(nullable=False, default=90)
    coverage_fading_days: Mapped[int] = mapped_column(nullable=False, default=180)
    required_modules: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    max_active_per_executive: Mapped[int] = mapped_column(nullable=False, default=5)
    auto_nominate: Mapped[bool] = mapped_column(nullable=False, default=True)
    entry_combination: Mapped[str] = mapped_column(sa.String(3), nullable=False, default="any")
    exit_combination: Mapped[str] = mapped_column(sa.String(3), nullable=False, default="any")
    version: Mapped[int] = mapped_column(nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class CriterionSide(enum.Enum):
    ENTRY = "entry"
    EXIT = "exit"


class CriterionKind(enum.Enum):
    # entry
    ARR_AT_LEAST = "arr_at_least"
    TIER_IN = "tier_in"
    EXECUTIVE_ESCALATION_WITHIN = "executive_escalation_within"
    HEALTH_AT_MOST = "health_at_most"
    RENEWAL_WITHIN = "renewal_within"
    # exit
    TERM_ENDED = "term_ended"
    HEALTH_AT_LEAST_FOR = "health_at_least_for"
    NO_OPEN_EXECUTIVE_ESCALATION_FOR = "no_open_executive_escalation_for"
    CHURNED = "churned"
    ARR_BELOW = "arr_below"


class Criterion(db.Model):
    """One rule of the entry or exit side: a kind and its parameters."""

    __tablename__ = "program_criteria"

    id: Mapped[int] = mapped_column(primary_key=True)
    side: Mapped[CriterionSide] = enum_column(CriterionSide, "criterion_side", nullable=False)
    kind: Mapped[CriterionKind] = enum_column(CriterionKind, "criterion_kind", nullable=False)
    params: Mapped[dict] = mapped_column(sa.JSON, nullable=False, default=dict)
    active: Mapped[bool] = mapped_column(nullable=False, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class SponsorshipStatus(enum.Enum):
    NOMINATED = "nominated"
    ACTIVE = "active"
    EXIT_REVIEW = "exit_review"
    EXITED = "exited"
    DECLINED = "declined"


OPEN_SPONSORSHIP = (
    SponsorshipStatus.NOMINATED,
    SponsorshipStatus.ACTIVE,
    SponsorshipStatus.EXIT_REVIEW,
)
IN_PROGRAM = (SponsorshipStatus.ACTIVE, SponsorshipStatus.EXIT_REVIEW)


class ExitReason(enum.Enum):
    CRITERIA_MET = "criteria_met"
    TERM_ENDED = "term_ended"
    CHURNED = "churned"
    OTHER = "other"


class Sponsorship(TimestampMixin, db.Model):
    __tablename__ = "sponsorships"
    __table_args__ = (
        # At most one nomination or sponsorship in progress per account.
        sa.Index(
            "uq_sponsorships_open_account",
            "account_id",
            unique=True,
            postgresql_where=sa.text("status IN ('nominated', 'active', 'exit_review')"),
            sqlite_where=sa.text("status IN ('nominated', 'active', 'exit_review')"),
        ),
        sa.Index("ix_sponsorships_status", "status"),
        sa.Index("ix_sponsorships_sponsor", "sponsor_id", "status"),
        # The escalation page's "nominated from this escalation", and a CSM's nominations
        # (Today) sorted from the index alone before their rows are read.
        sa.Index("ix_sponsorships_escalation", "escalation_id"),
        # Those created since the last eligibility review (its pages; 0025).
        sa.Index("ix_sponsorships_created", "created_at"),
        sa.Index("ix_sponsorships_nominated_by", "nominated_by_id", "status", "nominated_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), nullable=False)
    status: Mapped[SponsorshipStatus] = enum_column(
        SponsorshipStatus, "sponsorship_status", nullable=False
    )
    sponsor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    nominated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    nomination_reason: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    nominated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    escalation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("escalations.id"))
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    decline_reason: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    started_on: Mapped[date | None] = mapped_column(sa.Date)
    planned_end_on: Mapped[date | None] = mapped_column(sa.Date)
    exit_on: Mapped[date | None] = mapped_column(sa.Date)
    exit_reason: Mapped[ExitReason | None] = enum_column(ExitReason, "exit_reason")
    exit_note: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    # Rules the account met when it was moved to exit review: [{"id":..,"kind":..,"params":..}]
    exit_rules: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    # Metrics at activation: health, nps, arr_minor, currency, open_escalations,
    # escalations_90d, taken_at.
    baseline: Mapped[dict] = mapped_column(sa.JSON, nullable=False, default=dict)
    # This sponsorship's own touchpoint cadence (same shape as one tier of the program's);
    # None follows the program's default for the account's tier.
    cadence: Mapped[dict | None] = mapped_column(sa.JSON)
    # The customer's sponsor or economic buyer left or changed role: flagged until cleared.
    sponsor_change_on: Mapped[date | None] = mapped_column(sa.Date)
    sponsor_change_contact_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("contacts.id", ondelete="SET NULL")
    )
    version: Mapped[int] = mapped_column(nullable=False, default=1)

    account = relationship("Account", lazy="joined")
    sponsor_change_contact = relationship("Contact")
    sponsor = relationship("User", foreign_keys=[sponsor_id])
    nominated_by = relationship("User", foreign_keys=[nominated_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
    tasks: Mapped[list["SponsorshipTask"]] = relationship(
        cascade="all, delete-orphan", order_by="SponsorshipTask.position"
    )
    objectives: Mapped[list["Objective"]] = relationship(
        cascade="all, delete-orphan", order_by="Objective.id"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_SPONSORSHIP

    @property
    def automatic_escalation_title(self) -> str | None:
        """The escalation's title when the account was nominated automatically by it (the
        stored reason is "Executive escalation #N: title"; the page says it in the reader's
        language), else None."""
        if self.escalation_id is None or self.nominated_by_id is not None:
            return None
        prefix = f"Executive escalation #{self.escalation_id}: "
        reason = self.nomination_reason
        return reason[len(prefix) :] if reason.startswith(prefix) else reason


class SponsorshipTask(db.Model):
    """One sponsor responsibility of the program's checklist, ticked by the sponsor."""

    __tablename__ = "sponsorship_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    sponsorship_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sponsorships.id", ondelete="CASCADE"), nullable=False, index=True
    )
    position: Mapped[int] = mapped_column(nullable=False)
    text: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    done_by = relationship("User")


class ObjectiveStatus(enum.Enum):
    OPEN = "open"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    ACHIEVED = "achieved"
    MISSED = "missed"


class Objective(db.Model):
    """A success-plan objective of a sponsorship."""

    __tablename__ = "sponsorship_objectives"

    id: Mapped[int] = mapped_column(primary_key=True)
    sponsorship_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sponsorships.id", ondelete="CASCADE"), nullable=False, index=True
    )
    text: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    metric: Mapped[str] = mapped_column(sa.String(120), nullable=False, default="")
    target: Mapped[str] = mapped_column(sa.String(120), nullable=False, default="")
    due_on: Mapped[date | None] = mapped_column(sa.Date)
    status: Mapped[ObjectiveStatus] = enum_column(
        ObjectiveStatus, "objective_status", nullable=False, default=ObjectiveStatus.OPEN
    )
    version: Mapped[int] = mapped_column(nullable=False, default=1)

    __mapper_args__ = {"version_id_col": version}


class TrainingRecord(db.Model):
    """An executive completed a training module the program requires of sponsors."""

    __tablename__ = "training_records"
    __table_args__ = (sa.UniqueConstraint("user_id", "module", name="uq_training_user_module"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    module: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    completed_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    user = relationship("User", foreign_keys=[user_id])
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
