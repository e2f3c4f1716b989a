"""Executive touchpoints and what hangs off them: attendees, next steps (action items), the
calendar feed token, executives' reviews of the accounts they sponsor, and the briefs they
downloaded."""

import enum
import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models import TimestampMixin, UTCDateTime, enum_column, utcnow


class TouchpointKind(enum.Enum):
    EXECUTIVE_CALL = "executive_call"
    BUSINESS_REVIEW = "business_review"
    ONSITE_VISIT = "onsite_visit"
    DINNER_EVENT = "dinner_event"
    EMAIL = "email"


class TouchpointStatus(enum.Enum):
    PLANNED = "planned"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    MISSED = "missed"


# Kinds a cadence generates, in the order a program's settings list them.
CADENCE_KINDS = (TouchpointKind.EXECUTIVE_CALL, TouchpointKind.BUSINESS_REVIEW)

touchpoint_executives = sa.Table(
    "touchpoint_executives",
    db.metadata,
    sa.Column(
        "touchpoint_id",
        sa.ForeignKey("touchpoints.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("user_id", sa.ForeignKey("users.id"), primary_key=True, index=True),
)

touchpoint_contacts = sa.Table(
    "touchpoint_contacts",
    db.metadata,
    sa.Column(
        "touchpoint_id",
        sa.ForeignKey("touchpoints.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "contact_id", sa.ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True, index=True
    ),
)


def new_uid() -> str:
    return f"{uuid.uuid4()}@escalation-crm"


class Touchpoint(TimestampMixin, db.Model):
    """A meeting (or e-mail) between our executives and the customer's people.

    A touchpoint made by a sponsorship's cadence carries the cadence kind and the slot date it
    was made for; (sponsorship, cadence_key, cadence_slot) is unique, so generating twice makes
    nothing new. `hand_edited` marks a generated touchpoint a person changed: a cadence change
    moves the untouched ones only.
    """

    __tablename__ = "touchpoints"
    __table_args__ = (
        sa.UniqueConstraint(
            "sponsorship_id", "cadence_key", "cadence_slot", name="uq_touchpoints_cadence_slot"
        ),
        sa.CheckConstraint("duration_minutes BETWEEN 5 AND 1440", name="duration_range"),
        sa.Index("ix_touchpoints_account_starts", "account_id", "starts_at"),
        sa.Index("ix_touchpoints_status_starts", "status", "starts_at"),
        sa.Index("ix_touchpoints_starts", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(sa.String(80), unique=True, nullable=False, default=new_uid)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), nullable=False)
    sponsorship_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sponsorships.id"), index=True)
    kind: Mapped[TouchpointKind] = enum_column(TouchpointKind, "touchpoint_kind", nullable=False)
    status: Mapped[TouchpointStatus] = enum_column(
        TouchpointStatus, "touchpoint_status", nullable=False, default=TouchpointStatus.PLANNED
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # The IANA zone it was entered in: the .ics event carries it (VTIMEZONE).
    timezone: Mapped[str] = mapped_column(sa.String(64), nullable=False, default="UTC")
    duration_minutes: Mapped[int] = mapped_column(nullable=False, default=60)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False, default="")
    agenda: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    outcome: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    cancel_reason: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    cadence_key: Mapped[str | None] = mapped_column(sa.String(32))
    cadence_slot: Mapped[date | None] = mapped_column(sa.Date)
    hand_edited: Mapped[bool] = mapped_column(nullable=False, default=False)
    # A touchpoint proposed to meet the successor of a contact who left.
    successor_of_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("contacts.id", ondelete="SET NULL")
    )
    reminded_3d_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_1d_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # iCalendar SEQUENCE: incremented on every change a calendar should pick up.
    sequence: Mapped[int] = mapped_column(nullable=False, default=0)
    version: Mapped[int] = mapped_column(nullable=False, default=1)

    account = relationship("Account", lazy="joined")
    sponsorship = relationship("Sponsorship")
    completed_by = relationship("User", foreign_keys=[completed_by_id])
    created_by = relationship("User", foreign_keys=[created_by_id])
    successor_of = relationship("Contact", foreign_keys=[successor_of_id])
    executives = relationship(
        "User", secondary=touchpoint_executives, order_by="User.name", lazy="selectin"
    )
    contacts = relationship(
        "Contact", secondary=touchpoint_contacts, order_by="Contact.name", lazy="selectin"
    )
    action_items: Mapped[list["ActionItem"]] = relationship(
        back_populates="touchpoint", cascade="all, delete-orphan", order_by="ActionItem.id"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def ends_at(self) -> datetime:
        from datetime import timedelta

        return self.starts_at + timedelta(minutes=self.duration_minutes)

    def is_overdue(self, now: datetime) -> bool:
        """Planned and already begun: someone must complete it, mark it missed or cancel it."""
        return self.status is TouchpointStatus.PLANNED and self.starts_at < now


class ActionItem(TimestampMixin, db.Model):
    """A next step agreed at a touchpoint: who does it by when."""

    __tablename__ = "action_items"
    __table_args__ = (sa.Index("ix_action_items_owner_open", "owner_id", "done_at", "due_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    touchpoint_id: Mapped[int] = mapped_column(
        sa.ForeignKey("touchpoints.id", ondelete="CASCADE"), nullable=False, index=True
    )
    text: Mapped[str] = mapped_column(sa.String(500), nullable=False)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    due_on: Mapped[date] = mapped_column(sa.Date, nullable=False)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(nullable=False, default=1)

    touchpoint: Mapped[Touchpoint] = relationship(back_populates="action_items")
    owner = relationship("User", foreign_keys=[owner_id])
    done_by = relationship("User", foreign_keys=[done_by_id])

    __mapper_args__ = {"version_id_col": version}


class CalendarFeed(db.Model):
    """A user's private calendar feed: only the SHA-256 of the token is kept. Revoking deletes
    the row; regenerating replaces it."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True, nullable=False
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")


class ReviewDecision(enum.Enum):
    CONTINUE = "continue"
    PROPOSE_EXIT = "propose_exit"


class ExecutiveReview(db.Model):
    """An executive's recorded review of a sponsored account: a note and a decision."""

    __tablename__ = "executive_reviews"
    __table_args__ = (sa.Index("ix_executive_reviews_sponsorship", "sponsorship_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sponsorship_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sponsorships.id", ondelete="CASCADE"), nullable=False
    )
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    decision: Mapped[ReviewDecision] = enum_column(
        ReviewDecision, "review_decision", nullable=False
    )
    note: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    reviewer = relationship("User")
    sponsorship = relationship("Sponsorship")


class BriefKind(enum.Enum):
    ACCOUNT = "account"
    PORTFOLIO = "portfolio"


class Brief(db.Model):
    """A PDF brief someone downloaded, with the figures it showed: the next brief for the same
    executive says what changed since."""

    __tablename__ = "briefs"
    __table_args__ = (sa.Index("ix_briefs_executive", "executive_id", "generated_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[BriefKind] = enum_column(BriefKind, "brief_kind", nullable=False)
    # The executive the brief is for (portfolio), or who downloaded it (account).
    executive_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    account_id: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id", ondelete="CASCADE"))
    generated_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    pages: Mapped[int] = mapped_column(nullable=False, default=0)
    size_bytes: Mapped[int] = mapped_column(nullable=False, default=0)
    # {account_id: {"health":.., "arr_minor":.., "currency":.., "open_escalations":..,
    #  "executive_escalations":.., "sponsor_change": bool}}
    snapshot: Mapped[dict] = mapped_column(sa.JSON, nullable=False, default=dict)

    executive = relationship("User", foreign_keys=[executive_id])
    generated_by = relationship("User", foreign_keys=[generated_by_id])
    account = relationship("Account")
