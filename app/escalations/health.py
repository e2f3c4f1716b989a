"""The escalation's health (red/amber/green) and trend, set by the team with a dated history,
and the customer-update cadence the health asks for: while the health has hours set (by default
red and amber), a HEALTH_UPDATE clock runs for that many hours of wall-clock time (paused while
waiting on the customer); each customer update stops it and starts the next. Admins edit the
cadence hours per health."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.audit import services as audit
from app.escalations import clocks
from app.escalations.models import (
    Escalation,
    Health,
    HealthCadence,
    HealthEntry,
    Trend,
)
from app.escalations.services import _audit, _timeline
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import DomainError


class HealthError(DomainError):
    pass


class NothingChanged(HealthError):
    pass


class HealthLocked(HealthError):
    pass


# The cadence settings are one record in the audit history.
CADENCE_ENTITY_ID = 1


def cadences() -> dict[Health, HealthCadence]:
    """The cadence row of each health (seeded by migration 0015)."""
    return {row.health: row for row in db.session.scalars(sa.select(HealthCadence))}


def history(escalation: Escalation) -> list[HealthEntry]:
    """The dated health checks, newest first, with who recorded them (one query)."""
    return list(
        db.session.scalars(
            sa.select(HealthEntry)
            .where(HealthEntry.escalation_id == escalation.id)
            .options(selectinload(HealthEntry.recorded_by))
            .order_by(HealthEntry.recorded_at.desc(), HealthEntry.id.desc())
        )
    )


def set_health(
    actor, escalation: Escalation, *, health: Health, trend: Trend, note: str, now: datetime
) -> HealthEntry:
    """Record a health check: a history entry, the escalation's health and trend (audited,
    on the account timeline); a changed health restarts the cadence clock."""
    if not escalation.is_open:
        raise HealthLocked(_l("The health of a resolved escalation can no longer change."))
    note = (note or "").strip()
    if health == escalation.health and trend == escalation.trend and not note:
        raise NothingChanged(
            _l("Nothing changed: the health and trend are the same and there is no note.")
        )
    entry = HealthEntry(
        escalation_id=escalation.id,
        health=health,
        trend=trend,
        note=note,
        recorded_at=now,
        recorded_by_id=actor.id,
    )
    db.session.add(entry)
    health_changed = health != escalation.health
    escalation.health, escalation.trend = health, trend
    changes = audit.pending_changes(escalation, ("health", "trend"))
    if note:
        changes["note"] = [None, note[:200]]
    if health_changed:
        clocks.restart_health(escalation, now)
    db.session.flush()
    _audit(actor, escalation, "health", changes)
    _timeline(
        escalation, "escalation_health", actor, at=now, health=health.value, trend=trend.value
    )
    return entry


def save_cadences(actor, hours: dict[Health, int | None]) -> None:
    """An admin's change to the cadence hours per health (one audit event). Running health
    clocks keep their target until they restart."""
    changes = {}
    for health, row in cadences().items():
        value = hours.get(health, row.update_hours)
        if value != row.update_hours:
            changes[f"{health.value}_hours"] = [row.update_hours, value]
            row.update_hours = value
    if changes:
        audit.record(actor, "health_cadence", CADENCE_ENTITY_ID, "update", changes=changes)
    db.session.flush()
