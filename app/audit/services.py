"""Recording audit events from services."""

import enum
from datetime import date, datetime

import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.extensions import db

REDACTED = "••••••"


def _plain(value):
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def pending_changes(obj, fields, redact=()) -> dict:
    """{field: [old, new]} for the fields of obj changed in this session and not yet flushed."""
    state = sa.inspect(obj)
    changes = {}
    for field in fields:
        history = state.attrs[field].history
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if _plain(old) == _plain(new):
            continue
        if field in redact:
            changes[field] = [REDACTED, REDACTED]
        else:
            changes[field] = [_plain(old), _plain(new)]
    return changes


def snapshot(obj, fields, redact=()) -> dict:
    """{field: [None, value]} for the filled-in fields of a new record."""
    return {
        f: [None, REDACTED if f in redact else _plain(getattr(obj, f))]
        for f in fields
        if getattr(obj, f) not in (None, "")
    }


def removal(obj, fields) -> dict:
    """{field: [value, None]} for the filled-in fields of a record being deleted."""
    return {f: [new, None] for f, (_old, new) in snapshot(obj, fields).items()}


def name_users(changes: dict, fields) -> dict:
    """Replace user ids in `fields` by e-mails (key without _id), so rows read well for years."""
    from app.auth.models import User

    ids = {v for f in fields for v in changes.get(f, ()) if v}
    if not ids:
        return changes
    emails = dict(db.session.execute(sa.select(User.id, User.email).where(User.id.in_(ids))).all())
    for field in fields:
        if field in changes:
            old, new = changes.pop(field)
            changes[field.removesuffix("_id")] = [emails.get(old, old), emails.get(new, new)]
    return changes


def record(
    actor,
    entity_type: str,
    entity_id: int,
    action: str,
    *,
    changes=None,
    summary: str = "",
    account_id: int | None = None,
) -> AuditEvent:
    """Add one audit event to the session (the caller's transaction commits it)."""
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        entity_type=entity_type,
        entity_id=entity_id,
        account_id=account_id,
        action=action,
        summary=summary[:300],
        changes=changes or {},
    )
    db.session.add(event)
    return event


def history_for(entity_type: str, entity_id: int, limit: int = 100) -> list[AuditEvent]:
    """The latest audit events of one record, newest first."""
    stmt = (
        sa.select(AuditEvent)
        .where(AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id)
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def history_for_account(account_id: int, limit: int = 100) -> list[AuditEvent]:
    """The account's own audit events and those of its contacts, newest first."""
    stmt = (
        sa.select(AuditEvent)
        .where(AuditEvent.account_id == account_id)
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))
