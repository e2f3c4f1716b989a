"""After the resolution: the follow-up check-in, closing, reopening, the post-mortem and its
action items, and the scheduler's reminders for check-ins and action items that fall due.

Statuses: resolved (the check-in is pending) → follow-up (the check-in found the solution
held) → closed; reopen goes back to investigating from any of the three. A failed check-in
reopens. Closing a critical, high or executive escalation needs a completed post-mortem."""

import re
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from app.accounts.models import Contact, ContactRole
from app.audit import services as audit
from app.auth.models import Role, User
from app.escalations import clocks
from app.escalations.models import (
    DONE_STATUSES,
    OPEN_STATUSES,
    ClockKind,
    Escalation,
    FollowUp,
    FollowUpOutcome,
    PostMortem,
    PostMortemAction,
    Severity,
    Status,
)
from app.escalations.services import (
    TransitionNotAllowed,
    _audit,
    _status_label,
    _timeline,
    send,
)
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.i18n import with_params
from app.models import DomainError
from app.notifications import messages as notification_messages
from app.notifications.services import notify

INVISIBLE = re.compile(r"[\s\u200b-\u200d\u2060\ufeff]+")
POST_MORTEM_SEVERITIES = (Severity.CRITICAL, Severity.HIGH)
POST_MORTEM_FIELDS = (
    "root_cause_category",
    "root_cause",
    "went_well",
    "to_improve",
    "preventable",
    "lower_level",
)
ACTION_OVERDUE = _l("Post-mortem action item overdue: %(text)s")
notification_messages.register("action_overdue", ACTION_OVERDUE)


class PostMortemMissing(DomainError):
    pass


# Who may (the rest follows can_work_escalation: whoever may work the escalation now)


def can_write_post_mortem(user, escalation: Escalation) -> bool:
    """Managers and admins write post-mortems (SPEC), and so does the escalation's owner."""
    if user.has_role(Role.ADMIN, Role.MANAGER):
        return True
    return escalation.owner_id is not None and escalation.owner_id == user.id


def can_tick_action(user, action: PostMortemAction) -> bool:
    """An action item is marked done (or not) by its owner, managers and admins."""
    return user.has_role(Role.ADMIN, Role.MANAGER) or action.owner_id == user.id


def needs_post_mortem(escalation: Escalation) -> bool:
    return escalation.executive or escalation.severity in POST_MORTEM_SEVERITIES


def post_mortem_of(escalation: Escalation) -> PostMortem | None:
    return db.session.scalars(
        sa.select(PostMortem).where(PostMortem.escalation_id == escalation.id)
    ).first()


def pending_follow_up(escalation: Escalation) -> FollowUp | None:
    return db.session.scalars(
        sa.select(FollowUp)
        .where(
            FollowUp.escalation_id == escalation.id,
            FollowUp.outcome.is_(None),
            FollowUp.cancelled_at.is_(None),
        )
        .order_by(FollowUp.id.desc())
    ).first()


def close_blockers(escalation: Escalation) -> list:
    """Why the escalation cannot be closed now, in words the close button shows; [] = it can."""
    if escalation.status == Status.CLOSED:
        return [_l("It is already closed.")]
    if escalation.status == Status.RESOLVED:
        return [_l("Record the follow-up check-in first (did the solution hold?).")]
    if escalation.status != Status.FOLLOW_UP:
        return [_l("Resolve it and record the follow-up check-in first.")]
    if needs_post_mortem(escalation):
        post_mortem = post_mortem_of(escalation)
        if post_mortem is None:
            return [_l("A completed post-mortem is required (critical, high or executive).")]
        if post_mortem.completed_at is None:
            return [_l("The post-mortem is not completed yet.")]
    return []


def set_follow_up_days(actor, escalation: Escalation, days: int, now: datetime) -> None:
    """Change the days to the check-in; a pending check-in moves with it."""
    if escalation.status not in (*OPEN_STATUSES, Status.RESOLVED):
        raise TransitionNotAllowed(
            _l(
                "The check-in can be moved only while the escalation is open or resolved "
                "(it is “%(status)s”).",
                status=_status_label(escalation.status),
            )
        )
    if not 1 <= days <= 365:
        raise DomainError(_l("Enter a number of days from 1 to 365."))
    old = escalation.follow_up_days
    if old == days:
        return
    escalation.follow_up_days = days
    changes = {"follow_up_days": [old, days]}
    follow_up = pending_follow_up(escalation)
    if follow_up is not None:
        resolved_at = escalation.resolved_at or follow_up.created_at
        old_due = follow_up.due_at
        follow_up.due_at = resolved_at + timedelta(days=days)
        follow_up.reminded_at = None
        changes["follow_up_due_at"] = [old_due.isoformat(), follow_up.due_at.isoformat()]
    _audit(actor, escalation, "update", changes)
    db.session.flush()


def record_follow_up(
    actor, escalation: Escalation, *, outcome: FollowUpOutcome, note: str, now: datetime
) -> FollowUp:
    """The check-in's outcome: held moves on (ready to close), failed reopens with the note."""
    follow_up = pending_follow_up(escalation)
    if escalation.status != Status.RESOLVED or follow_up is None:
        raise TransitionNotAllowed(
            _l(
                "There is no follow-up check-in waiting on this escalation (it is “%(status)s”).",
                status=_status_label(escalation.status),
            )
        )
    note = note.strip()
    if outcome == FollowUpOutcome.FAILED and not note:
        raise DomainError(_l("Say why the solution did not hold."))
    follow_up.outcome, follow_up.note = outcome, note
    follow_up.recorded_at, follow_up.recorded_by_id = now, actor.id
    _audit(
        actor,
        escalation,
        "follow_up",
        {"outcome": [None, outcome.value], **({"note": [None, note[:200]]} if note else {})},
    )
    _timeline(escalation, "escalation_follow_up", actor, at=now, outcome=outcome.value)
    if outcome == FollowUpOutcome.HELD:
        old = escalation.status
        escalation.status = Status.FOLLOW_UP
        _audit(actor, escalation, "status", {"status": [old.value, Status.FOLLOW_UP.value]})
        db.session.flush()
    else:
        reopen(actor, escalation, reason=note, now=now, follow_up_failed=True)
    return follow_up


def close(actor, escalation: Escalation, now: datetime) -> None:
    blockers = close_blockers(escalation)
    if blockers:
        raise PostMortemMissing(blockers[0])
    old = escalation.status
    escalation.status, escalation.closed_at = Status.CLOSED, now
    _audit(actor, escalation, "close", {"status": [old.value, Status.CLOSED.value]})
    _timeline(escalation, "escalation_closed", actor, at=now, old=old.value)
    db.session.flush()


def reopen(
    actor, escalation: Escalation, *, reason: str, now: datetime, follow_up_failed: bool = False
) -> None:
    """Back to investigating from resolved, follow-up or closed, with a reason; a pending
    check-in is cancelled and the customer-update and resolution clocks run again."""
    reason = reason.strip()
    if escalation.status not in DONE_STATUSES:
        raise TransitionNotAllowed(
            _l(
                "Only a resolved, followed-up or closed escalation can be reopened "
                "(it is “%(status)s”).",
                status=_status_label(escalation.status),
            )
        )
    if not reason:
        raise DomainError(_l("Say why the escalation is reopened."))
    follow_up = pending_follow_up(escalation)
    if follow_up is not None:
        follow_up.cancelled_at = now
    old = escalation.status
    escalation.status = Status.INVESTIGATING
    escalation.resolved_at, escalation.closed_at = None, None
    escalation.reopened_count += 1
    # The customer is owed updates and a resolution again: both clocks run anew.
    clocks.start(escalation, ClockKind.CUSTOMER_UPDATE, now)
    clocks.start(escalation, ClockKind.RESOLUTION, now)
    clocks.restart_health(escalation, now)  # a health with a cadence: it runs again
    _audit(
        actor,
        escalation,
        "reopened",
        {"status": [old.value, Status.INVESTIGATING.value], "reason": [None, reason[:500]]},
    )
    _timeline(
        escalation,
        "escalation_reopened",
        actor,
        at=now,
        old=old.value,
        reason=reason[:200],
        follow_up_failed=follow_up_failed,
    )
    db.session.flush()


# Post-mortem


def start_post_mortem(actor, escalation: Escalation) -> PostMortem:
    post_mortem = post_mortem_of(escalation)
    if post_mortem is None:
        post_mortem = PostMortem(escalation_id=escalation.id, author_id=actor.id)
        db.session.add(post_mortem)
        db.session.flush()
    return post_mortem


def _written(text: str) -> bool:
    """Some visible text: spaces and zero-width characters alone do not count."""
    return bool(INVISIBLE.sub("", text or ""))


def missing_for_completion(post_mortem: PostMortem) -> list:
    """The parts a completed post-mortem must have, in words; [] = it can be completed."""
    missing = []
    if post_mortem.root_cause_category is None:
        missing.append(_l("the root cause category"))
    if not _written(post_mortem.root_cause):
        missing.append(_l("the root cause"))
    if not _written(post_mortem.to_improve):
        missing.append(_l("what to improve"))
    if post_mortem.preventable is None:
        missing.append(_l("whether it could have been prevented"))
    if post_mortem.lower_level is None:
        missing.append(_l("whether it could have been resolved at a lower level"))
    return missing


def save_post_mortem(
    actor, escalation: Escalation, values: dict, *, complete: bool, now: datetime
) -> PostMortem:
    """Write the post-mortem's parts; `complete` marks it done once nothing required is
    missing. A completed one may still be corrected, but keeps every required part."""
    post_mortem = start_post_mortem(actor, escalation)
    for name in POST_MORTEM_FIELDS:
        if name in values:
            setattr(post_mortem, name, values[name])
    changes = audit.pending_changes(post_mortem, POST_MORTEM_FIELDS)
    missing = ", ".join(str(m) for m in missing_for_completion(post_mortem))
    if post_mortem.completed_at is not None and missing:
        raise DomainError(
            _l("A completed post-mortem keeps every part: fill in %(missing)s.", missing=missing)
        )
    if complete and post_mortem.completed_at is None:
        if missing:
            raise DomainError(
                _l("To complete the post-mortem, fill in: %(missing)s.", missing=missing)
            )
        post_mortem.completed_at, post_mortem.completed_by_id = now, actor.id
        changes["completed"] = [None, True]
    if changes:
        _audit(actor, escalation, "post_mortem", changes)
    if "completed" in changes:
        _timeline(escalation, "post_mortem_completed", actor, at=now)
    db.session.flush()
    return post_mortem


def add_action(
    actor, post_mortem: PostMortem, *, text: str, owner, due_on: date, now: datetime
) -> PostMortemAction:
    action = PostMortemAction(
        post_mortem_id=post_mortem.id, text=text.strip(), owner_id=owner.id, due_on=due_on
    )
    db.session.add(action)
    db.session.flush()
    _audit(
        actor,
        post_mortem.escalation,
        "action_item",
        {"action_item": [None, action.text[:200]], "owner": [None, owner.name]}
        | {"due_on": [None, due_on.isoformat()]},
    )
    return action


def set_action_done(actor, action: PostMortemAction, done: bool, now: datetime) -> None:
    if done == (action.done_at is not None):
        return
    action.done_at, action.done_by_id = (now, actor.id) if done else (None, None)
    _audit(
        actor,
        action.post_mortem.escalation,
        "action_item",
        {"action_item": [action.text[:200], action.text[:200]], "done": [not done, done]},
    )
    db.session.flush()


# Scheduler

MINUTES_BATCH = 500


def fill_missing_minutes(limit: int = MINUTES_BATCH) -> int:
    """Business minutes to first response and to resolution for escalations that have the
    moment but not the minutes (those answered or resolved before the columns existed), a
    batch per run; a partial index holds only those rows, so a finished backfill costs nothing."""
    missing = sa.or_(
        sa.and_(
            Escalation.first_response_at.is_not(None),
            Escalation.first_response_minutes.is_(None),
        ),
        sa.and_(Escalation.resolved_at.is_not(None), Escalation.resolution_minutes.is_(None)),
    )
    rows = db.session.scalars(sa.select(Escalation).where(missing).limit(limit)).all()
    for escalation in rows:
        start = escalation.created_at
        if escalation.first_response_at and escalation.first_response_minutes is None:
            escalation.first_response_minutes = clocks.business_minutes(
                escalation, start, escalation.first_response_at
            )
        if escalation.resolved_at and escalation.resolution_minutes is None:
            escalation.resolution_minutes = clocks.business_minutes(
                escalation, start, escalation.resolved_at
            )
    db.session.flush()
    return len(rows)


def remind_due(now: datetime, today: date) -> dict:
    """Remind owners of check-ins that fell due and of action items past their date, once
    each (the stamp is set in the same UPDATE that picks the rows)."""
    due = db.session.execute(
        sa.update(FollowUp)
        .where(
            FollowUp.outcome.is_(None),
            FollowUp.cancelled_at.is_(None),
            FollowUp.reminded_at.is_(None),
            FollowUp.due_at <= now,
        )
        .values(reminded_at=now)
        .returning(FollowUp.escalation_id, FollowUp.owner_id)
        .execution_options(synchronize_session=False)
    ).all()
    for escalation_id, owner_id in due:
        escalation = db.session.get(Escalation, escalation_id)
        people = [escalation.owner] if escalation.owner is not None else []
        if owner_id and owner_id != escalation.owner_id:
            people.append(db.session.get(User, owner_id))
        send("follow_up_due", escalation, people)
    overdue = (
        db.session.execute(
            sa.update(PostMortemAction)
            .where(
                PostMortemAction.done_at.is_(None),
                PostMortemAction.overdue_notified_at.is_(None),
                PostMortemAction.due_on < today,
            )
            .values(overdue_notified_at=now)
            .returning(PostMortemAction.id)
            .execution_options(synchronize_session=False)
        )
        .scalars()
        .all()
    )
    for action_id in overdue:
        action = db.session.get(PostMortemAction, action_id)
        escalation = action.post_mortem.escalation
        notify(
            [action.owner],
            kind="action_overdue",
            subject=with_params(ACTION_OVERDUE, text=action.text[:120]),
            escalation_id=escalation.id,
            link=f"/escalations/{escalation.id}/post-mortem",
        )
    db.session.flush()
    return {"follow_ups_due": len(due), "actions_overdue": len(overdue)}


# Reading: a person's work, the post-mortem's action items, the check-in, who is surveyed


def pending_follow_ups_of(user_id: int) -> sa.Select:
    """The check-ins waiting on a person (those of the escalations they own; an escalation
    without an owner, the one who owned it when it was resolved), soonest due first."""
    owner = sa.func.coalesce(Escalation.owner_id, FollowUp.owner_id)
    return (
        sa.select(FollowUp)
        .join(Escalation, Escalation.id == FollowUp.escalation_id)
        .where(FollowUp.outcome.is_(None), FollowUp.cancelled_at.is_(None), owner == user_id)
        .order_by(FollowUp.due_at, FollowUp.id)
    )


def open_actions_of(user_id: int) -> sa.Select:
    """A person's open post-mortem action items, earliest due first (the overdue ones)."""
    return (
        sa.select(PostMortemAction)
        .where(PostMortemAction.owner_id == user_id, PostMortemAction.done_at.is_(None))
        .order_by(PostMortemAction.due_on, PostMortemAction.id)
    )


# What a row of the work page shows besides the record itself.
FOLLOW_UP_OPTIONS = (joinedload(FollowUp.escalation),)
ACTION_OPTIONS = (joinedload(PostMortemAction.post_mortem).joinedload(PostMortem.escalation),)


def actions_of(post_mortem: PostMortem | None) -> list[PostMortemAction]:
    """The post-mortem's action items with their owners, in one query."""
    if post_mortem is None:
        return []
    return list(
        db.session.scalars(
            sa.select(PostMortemAction)
            .where(PostMortemAction.post_mortem_id == post_mortem.id)
            .options(joinedload(PostMortemAction.owner))
            .order_by(PostMortemAction.due_on, PostMortemAction.id)
        )
    )


def latest_follow_up(escalation: Escalation) -> FollowUp | None:
    """The check-in of the latest resolution (pending or recorded), if not cancelled."""
    return db.session.scalars(
        sa.select(FollowUp)
        .where(FollowUp.escalation_id == escalation.id, FollowUp.cancelled_at.is_(None))
        .options(joinedload(FollowUp.recorded_by))
        .order_by(FollowUp.id.desc())
    ).first()


SURVEY_ROLES = (ContactRole.EXECUTIVE, ContactRole.ECONOMIC_BUYER)


def default_survey_contact(contacts: list[Contact]) -> Contact | None:
    """The first executive or economic buyer among the contacts, else nobody."""
    return next((c for c in contacts if c.role in SURVEY_ROLES), None)
