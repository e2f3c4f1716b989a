"""In-app notifications and the e-mail outbox."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models import UTCDateTime, utcnow


class Notification(db.Model):
    """One message for one user, shown in the app until read."""

    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_user_unread", "user_id", "read_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    escalation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("escalations.id", ondelete="CASCADE")
    )
    subject: Mapped[str] = mapped_column(sa.String(300), nullable=False)  # as first sent
    # What it says, as data (app/notifications/messages.py): shown in the reader's language.
    message: Mapped[dict | str | None] = mapped_column(sa.JSON)
    link: Mapped[str | None] = mapped_column(sa.String(300))  # a path in the app
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    escalation = relationship("Escalation")


class OutboxEmail(db.Model):
    """An e-mail written in the same transaction as its cause; the scheduler sends it once."""

    __tablename__ = "outbox_emails"
    __table_args__ = (
        sa.Index(
            "ix_outbox_emails_pending",
            "next_attempt_at",
            postgresql_where=sa.text("sent_at IS NULL AND failed_at IS NULL"),
            sqlite_where=sa.text("sent_at IS NULL AND failed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(sa.String(254), nullable=False)
    subject: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    body: Mapped[str] = mapped_column(sa.Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    attempts: Mapped[int] = mapped_column(nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # gave up after retries
    last_error: Mapped[str] = mapped_column(sa.String(500), nullable=False, default="")
    # A file sent along (an export): read from disk when the e-mail is sent.
    attachment_path: Mapped[str | None] = mapped_column(sa.String(500))
    attachment_name: Mapped[str | None] = mapped_column(sa.String(200))
    attachment_type: Mapped[str | None] = mapped_column(sa.String(100))
