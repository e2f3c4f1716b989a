"""The audit event table."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models import UTCDateTime, utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_events"
    __table_args__ = (
        sa.Index("ix_audit_events_entity", "entity_type", "entity_id", "id"),
        sa.Index("ix_audit_events_account", "account_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    entity_type: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    entity_id: Mapped[int] = mapped_column(nullable=False)
    # The account a change belongs to (the account itself or one of its contacts), so the
    # account page shows both histories with one indexed query.
    account_id: Mapped[int | None] = mapped_column()
    action: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    summary: Mapped[str] = mapped_column(sa.String(300), nullable=False, default="")
    changes: Mapped[dict] = mapped_column(sa.JSON, nullable=False, default=dict)

    actor = relationship("User", lazy="joined")
