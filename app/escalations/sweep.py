"""Scheduler work on escalations: SLA warnings and breaches, overdue handoffs, promises.

Set-based: each step is one UPDATE ... RETURNING over an indexed time column, so a sweep
touches only what fell due, however many escalations are open. A breach is stamped with the
moment it happened (the due time) exactly once: the UPDATE only matches unstamped clocks,
and the job runs under a database lease, so a second scheduler cannot repeat it.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import selectinload

from app.accounts.models import Account
from app.escalations.models import Escalation, Handoff, SlaClock
from app.escalations.services import _audit, _timeline, send, stakeholders_of
from app.extensions import db
from app.notifications import services as notifications


def _escalations(ids) -> dict[int, Escalation]:
    if not ids:
        return {}
    stmt = (
        sa.select(Escalation)
        .where(Escalation.id.in_(ids))
        .options(
            selectinload(Escalation.account).joinedload(Account.csm_owner),
            selectinload(Escalation.account).joinedload(Account.ae_owner),
            selectinload(Escalation.owner),
            selectinload(Escalation.watchers),
        )
    )
    return {e.id: e for e in db.session.scalars(stmt)}


def sweep_sla(now: datetime) -> dict:
    """Record breaches and 75% warnings that have come due; notify; commit."""
    breached = db.session.execute(
        sa.update(SlaClock)
        .where(
            SlaClock.stopped_at.is_(None), SlaClock.breached_at.is_(None), SlaClock.due_at <= now
        )
        .values(breached_at=SlaClock.due_at)
        .returning(SlaClock.escalation_id, SlaClock.kind, SlaClock.due_at)
        .execution_options(synchronize_session=False)
    ).all()
    warned = db.session.execute(
        sa.update(SlaClock)
        .where(
            SlaClock.stopped_at.is_(None),
            SlaClock.breached_at.is_(None),
            SlaClock.warned_at.is_(None),
            SlaClock.warn_at <= now,
        )
        .values(warned_at=now)
        .returning(SlaClock.escalation_id, SlaClock.kind, SlaClock.warn_at)
        .execution_options(synchronize_session=False)
    ).all()
    promised = (
        db.session.execute(
            sa.update(Escalation)
            .where(
                Escalation.promise_warn_at <= now,
                Escalation.promise_warned_at.is_(None),
                Escalation.resolved_at.is_(None),
            )
            .values(promise_warned_at=now)
            .returning(Escalation.id)
            .execution_options(synchronize_session=False)
        )
        .scalars()
        .all()
    )
    escalations = _escalations({r[0] for r in breached} | {r[0] for r in warned} | set(promised))
    # A burst of breaches notifies thousands: their rows are written in one set, and the
    # audit rows and timeline events at the commit, not flushed one escalation at a time by
    # the stakeholder queries between them.
    with notifications.batched(), db.session.no_autoflush:
        _record(breached, warned, promised, escalations, now)
    db.session.commit()
    return {"breached": len(breached), "warned": len(warned), "promises": len(promised)}


def _record(breached, warned, promised, escalations: dict, now: datetime) -> None:
    """The audit rows, timeline events and notifications of what the sweep stamped."""
    people = stakeholders_of(escalations.values())
    for escalation_id, kind, due_at in breached:
        escalation = escalations[escalation_id]
        _audit(
            None,
            escalation,
            "sla_breach",
            {"clock": [None, kind.value], "breached_at": [None, due_at.isoformat()]},
        )
        _timeline(escalation, "sla_breach", None, at=due_at, clock=kind.value)
        send("sla_breach", escalation, people[escalation_id], clock=kind)
    for escalation_id, kind, warn_at in warned:
        escalation = escalations[escalation_id]
        _timeline(escalation, "sla_warning", None, at=warn_at, clock=kind.value)
        send("sla_warning", escalation, people[escalation_id], clock=kind)
    for escalation_id in promised:
        escalation = escalations[escalation_id]
        _timeline(escalation, "promise_warning", None, at=now)
        send("promise", escalation, people[escalation_id])


def flag_overdue_handoffs(now: datetime) -> int:
    """Flag handoffs left unacknowledged past HANDOFF_ACK_MINUTES; tell the receiver and the
    person who handed over; commit."""
    minutes = current_app.config["HANDOFF_ACK_MINUTES"]
    rows = db.session.execute(
        sa.update(Handoff)
        .where(
            Handoff.acknowledged_at.is_(None),
            Handoff.overdue_notified_at.is_(None),
            Handoff.created_at <= now - timedelta(minutes=minutes),
        )
        .values(overdue_notified_at=now)
        .returning(Handoff.id, Handoff.escalation_id)
        .execution_options(synchronize_session=False)
    ).all()
    if rows:
        handoffs = db.session.scalars(
            sa.select(Handoff)
            .where(Handoff.id.in_([r[0] for r in rows]))
            .options(selectinload(Handoff.to_owner), selectinload(Handoff.created_by))
        ).all()
        escalations = _escalations({r[1] for r in rows})
        for handoff in handoffs:
            send(
                "handoff_overdue",
                escalations[handoff.escalation_id],
                [handoff.to_owner, handoff.created_by],
                minutes=minutes,
            )
    db.session.commit()
    return len(rows)
