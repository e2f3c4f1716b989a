"""The high-value account book: accounts, contacts, health history, timeline, imports."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models import TimestampMixin, UTCDateTime, enum_column, utcnow


class Tier(enum.Enum):
    STRATEGIC = "strategic"
    ENTERPRISE = "enterprise"
    GROWTH = "growth"


class LifecycleStatus(enum.Enum):
    ACTIVE = "active"
    AT_RISK = "at_risk"
    CHURNED = "churned"


class ContactRole(enum.Enum):
    EXECUTIVE = "executive"
    ECONOMIC_BUYER = "economic_buyer"
    CHAMPION = "champion"
    USER = "user"


class Departure(enum.Enum):
    LEFT = "left"
    ROLE_CHANGED = "role_changed"


class Channel(enum.Enum):
    EMAIL = "email"
    PHONE = "phone"
    CHAT = "chat"
    IN_PERSON = "in_person"


class Account(TimestampMixin, db.Model):
    __tablename__ = "accounts"
    __table_args__ = (
        sa.CheckConstraint("health_score BETWEEN 0 AND 100", name="health_range"),
        sa.CheckConstraint("nps BETWEEN -100 AND 100", name="nps_range"),
        sa.CheckConstraint("arr_minor >= 0", name="arr_not_negative"),
        sa.Index("ix_accounts_name_id", "name", "id"),
        sa.Index("ix_accounts_renewal_date", "renewal_date"),
        sa.Index("ix_accounts_health_score", "health_score"),
        sa.Index("ix_accounts_tier_status_health", "tier", "status", "health_score"),
        # An owner's accounts by status and renewal (0021): Today's "at risk or renewing"
        # block reads its six rows in order.
        sa.Index("ix_accounts_csm_status_renewal", "csm_owner_id", "status", "renewal_date", "id"),
        sa.Index("ix_accounts_ae_status_renewal", "ae_owner_id", "status", "renewal_date", "id"),
        # Trigram indexes for substring search exist on PostgreSQL only (migration 0003).
        sa.Index(
            "ix_accounts_name_trgm",
            "name",
            postgresql_using="gin",
            postgresql_ops={"name": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
        sa.Index(
            "ix_accounts_domain_trgm",
            "domain",
            postgresql_using="gin",
            postgresql_ops={"domain": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    domain: Mapped[str] = mapped_column(sa.String(253), unique=True, nullable=False)
    industry: Mapped[str] = mapped_column(sa.String(100), nullable=False, default="")
    tier: Mapped[Tier] = enum_column(Tier, "tier", nullable=False, index=True)
    arr_minor: Mapped[int] = mapped_column(sa.BigInteger, nullable=False, default=0)
    currency: Mapped[str] = mapped_column(sa.String(3), nullable=False, default="JPY")
    renewal_date: Mapped[date | None] = mapped_column(sa.Date)
    status: Mapped[LifecycleStatus] = enum_column(
        LifecycleStatus,
        "lifecycle_status",
        nullable=False,
        default=LifecycleStatus.ACTIVE,
        index=True,
    )
    health_score: Mapped[int | None] = mapped_column()
    nps: Mapped[int | None] = mapped_column()
    csm_owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    ae_owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    notes: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    version: Mapped[int] = mapped_column(nullable=False, default=1)

    csm_owner = relationship("User", foreign_keys=[csm_owner_id])
    ae_owner = relationship("User", foreign_keys=[ae_owner_id])
    contacts: Mapped[list["Contact"]] = relationship(
        back_populates="account", order_by="Contact.name", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}

    def is_owned_by(self, user) -> bool:
        return user.id in (self.csm_owner_id, self.ae_owner_id)

    def __repr__(self) -> str:
        return f"<Account {self.domain}>"


class Contact(TimestampMixin, db.Model):
    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False, index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False, default="")
    email: Mapped[str] = mapped_column(sa.String(254), nullable=False, default="")
    phone: Mapped[str] = mapped_column(sa.String(40), nullable=False, default="")
    role: Mapped[ContactRole] = enum_column(ContactRole, "contact_role", nullable=False)
    preferred_channel: Mapped[Channel] = enum_column(
        Channel, "contact_channel", nullable=False, default=Channel.EMAIL
    )
    # The contact left the company or changed role on that date (kept for history).
    departure: Mapped[Departure | None] = enum_column(Departure, "contact_departure")
    departed_on: Mapped[date | None] = mapped_column(sa.Date)
    version: Mapped[int] = mapped_column(nullable=False, default=1)

    account: Mapped[Account] = relationship(back_populates="contacts")

    __mapper_args__ = {"version_id_col": version}


class HealthScoreEntry(db.Model):
    """One dated health score of an account; the series draws the trend line."""

    __tablename__ = "health_score_entries"
    __table_args__ = (
        sa.CheckConstraint("score BETWEEN 0 AND 100", name="score_range"),
        sa.Index("ix_health_score_entries_account", "account_id", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )
    score: Mapped[int] = mapped_column(nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


class ArrEntry(db.Model):
    """The account's ARR from a date on; the series answers "ARR a year ago" for reports."""

    __tablename__ = "arr_entries"
    __table_args__ = (sa.Index("ix_arr_entries_account", "account_id", "recorded_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )
    arr_minor: Mapped[int] = mapped_column(sa.BigInteger, nullable=False)
    currency: Mapped[str] = mapped_column(sa.String(3), nullable=False)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class TimelineKind(enum.Enum):
    CREATED = "created"
    HEALTH_CHANGE = "health_change"
    STATUS_CHANGE = "status_change"
    NOTE = "note"


class TimelineEvent(db.Model):
    """One entry of an account's timeline; later domains add their own kinds."""

    __tablename__ = "timeline_events"
    __table_args__ = (sa.Index("ix_timeline_events_account", "account_id", "occurred_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        sa.ForeignKey("accounts.id", ondelete="CASCADE"), nullable=False
    )
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    kind: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    summary: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    body: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    # What the page needs to word the event in the reader's language (summary is the fallback).
    data: Mapped[dict] = mapped_column(sa.JSON, nullable=False, default=dict)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    actor = relationship("User", lazy="joined")


class ImportBatch(db.Model):
    """An uploaded CSV kept between its preview and the user's decision."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), nullable=False)
    filename: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    encoding: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    content: Mapped[str] = mapped_column(sa.Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    imported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    imported_count: Mapped[int | None] = mapped_column()
