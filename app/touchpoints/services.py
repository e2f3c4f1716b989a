"""Touchpoints: schedule, change, complete (outcome and next steps), cancel, mark missed; the
next steps as action items. Services change the session, audit, write the account timeline
and flush; they never commit."""

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from app.accounts.models import Account, Contact
from app.accounts.services import add_timeline
from app.audit import services as audit
from app.auth.models import Role, User
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.models import DomainError, utcnow
from app.notifications import messages as notification_messages
from app.sponsorship.models import Sponsorship
from app.touchpoints.models import ActionItem, Touchpoint, TouchpointKind, TouchpointStatus

TOUCHPOINT_FIELDS = (
    "kind",
    "status",
    "starts_at",
    "timezone",
    "duration_minutes",
    "title",
    "agenda",
    "outcome",
    "cancel_reason",
    "sponsorship_id",
)
ACTION_ITEM_FIELDS = ("text", "owner_id", "due_on", "done_at")
ENTITY = "touchpoint"

# What each notice of the touchpoints domain says; shown in each reader's language.
NOTICES = {
    "touchpoint_reminder": _l("%(kind)s with %(account)s on %(when)s"),
    "action_item_overdue": _l("Next step overdue since %(due)s: %(text)s"),
    "sponsor_change": _l("%(contact)s of %(account)s left or changed role: meet the successor"),
}
TRANSLATED = {"touchpoint_reminder": ("kind",)}
for _kind, _notice in NOTICES.items():
    notification_messages.register(_kind, _notice, TRANSLATED.get(_kind, ()))


# Rights ---------------------------------------------------------------------------------------


def can_schedule(user, account: Account) -> bool:
    """Admins and executives on any account; CSMs and AEs on the accounts they own."""
    if user.has_role(Role.ADMIN, Role.EXECUTIVE):
        return True
    return user.has_role(Role.CSM, Role.AE) and account.is_owned_by(user)


def can_change(user, touchpoint: Touchpoint) -> bool:
    """Admins; the CSM/AE who own the account; an executive who scheduled it, attends it or
    sponsors its sponsorship ("their touchpoints")."""
    if user.has_role(Role.ADMIN):
        return True
    if user.has_role(Role.CSM, Role.AE) and touchpoint.account.is_owned_by(user):
        return True
    if not user.has_role(Role.EXECUTIVE):
        return False
    sponsorship = touchpoint.sponsorship
    return (
        touchpoint.created_by_id == user.id
        or any(e.id == user.id for e in touchpoint.executives)
        or (sponsorship is not None and sponsorship.sponsor_id == user.id)
    )


def can_finish_item(user, item: ActionItem) -> bool:
    """An action item is ticked by its owner or by whoever may change its touchpoint."""
    return item.owner_id == user.id or can_change(user, item.touchpoint)


# Values ---------------------------------------------------------------------------------------


@dataclass
class NextStep:
    text: str
    owner: User
    due_on: date


def _timeline(touchpoint: Touchpoint, kind: str, actor, **data) -> None:
    data.update(
        touchpoint_id=touchpoint.id,
        touchpoint_kind=touchpoint.kind.value,
        starts_at=touchpoint.starts_at.isoformat(),
    )
    summary = f"{kind.replace('_', ' ')}: {touchpoint.kind.value.replace('_', ' ')}"
    add_timeline(touchpoint.account_id, kind, summary, actor, data=data)


def _check_sponsorship(account: Account, sponsorship: Sponsorship | None) -> None:
    if sponsorship is not None and sponsorship.account_id != account.id:
        raise DomainError(_l("That sponsorship belongs to another account."))


def _check_contacts(account: Account, contacts: list[Contact]) -> None:
    if any(c.account_id != account.id for c in contacts):
        raise DomainError(_l("Choose contacts of this account only."))


def can_attend(user, account: Account) -> bool:
    """Our side of a touchpoint: active executives, and the account's own CSM and AE."""
    return user.active and (user.has_role(Role.EXECUTIVE) or account.is_owned_by(user))


def _check_attendees(account: Account, users: list[User]) -> None:
    for user in users:
        if not can_attend(user, account):
            raise DomainError(
                _l(
                    "%(name)s cannot attend: choose active executives or this account's "
                    "CSM and AE.",
                    name=user.name,
                )
            )


def _changes(touchpoint: Touchpoint, executives=None, contacts=None) -> dict:
    changes = audit.pending_changes(touchpoint, TOUCHPOINT_FIELDS)
    if executives is not None:
        old = sorted(u.email for u in touchpoint.executives)
        new = sorted(u.email for u in executives)
        if old != new:
            changes["executives"] = [old, new]
    if contacts is not None:
        old = sorted(c.name for c in touchpoint.contacts)
        new = sorted(c.name for c in contacts)
        if old != new:
            changes["contacts"] = [old, new]
    return changes


# Changes --------------------------------------------------------------------------------------


def schedule(
    actor,
    account: Account,
    *,
    kind: TouchpointKind,
    starts_at: datetime,
    timezone: str,
    duration_minutes: int = 60,
    title: str = "",
    agenda: str = "",
    executives: list[User] = (),
    contacts: list[Contact] = (),
    sponsorship: Sponsorship | None = None,
    successor_of: Contact | None = None,
) -> Touchpoint:
    """A planned touchpoint on the account, in the account's timeline and the audit history."""
    _check_sponsorship(account, sponsorship)
    _check_contacts(account, list(contacts))
    _check_attendees(account, list(executives))
    touchpoint = Touchpoint(
        account=account,
        account_id=account.id,
        sponsorship=sponsorship,
        kind=kind,
        status=TouchpointStatus.PLANNED,
        starts_at=starts_at,
        timezone=timezone,
        duration_minutes=duration_minutes,
        title=title.strip(),
        agenda=agenda.strip(),
        created_by_id=actor.id if actor is not None else None,
        successor_of_id=successor_of.id if successor_of is not None else None,
    )
    touchpoint.executives = list(executives)
    touchpoint.contacts = list(contacts)
    db.session.add(touchpoint)
    db.session.flush()
    changes = audit.snapshot(touchpoint, TOUCHPOINT_FIELDS)
    changes["executives"] = [None, sorted(u.email for u in executives)]
    changes["contacts"] = [None, sorted(c.name for c in contacts)]
    audit.record(actor, ENTITY, touchpoint.id, "create", changes=changes, account_id=account.id)
    _timeline(touchpoint, "touchpoint_planned", actor)
    return touchpoint


def update(
    actor,
    touchpoint: Touchpoint,
    values: dict,
    *,
    executives: list[User] | None = None,
    contacts: list[Contact] | None = None,
) -> dict:
    """Change a planned touchpoint's details; returns the changes (empty: nothing changed).

    A generated touchpoint a person changed is `hand_edited`: a later cadence change leaves
    it where the person put it. Every change bumps the calendar SEQUENCE.
    """
    if touchpoint.status is not TouchpointStatus.PLANNED:
        raise DomainError(_l("Only a planned touchpoint can be changed."))
    if contacts is not None:
        _check_contacts(touchpoint.account, contacts)
    if executives is not None:
        _check_attendees(
            touchpoint.account, [u for u in executives if u not in touchpoint.executives]
        )
    if "sponsorship" in values:
        _check_sponsorship(touchpoint.account, values["sponsorship"])
    for field, value in values.items():
        setattr(touchpoint, field, value)
    changes = _changes(touchpoint, executives, contacts)
    if not changes:
        return changes
    if executives is not None:
        touchpoint.executives = list(executives)
    if contacts is not None:
        touchpoint.contacts = list(contacts)
    if touchpoint.cadence_key is not None:
        touchpoint.hand_edited = True
    if "starts_at" in changes:  # the reminders are due again, for the new time
        touchpoint.reminded_3d_at = touchpoint.reminded_1d_at = None
    touchpoint.sequence += 1
    audit.record(
        actor, ENTITY, touchpoint.id, "update", changes=changes, account_id=touchpoint.account_id
    )
    db.session.flush()
    return changes


def complete(actor, touchpoint: Touchpoint, outcome: str, steps: list[NextStep]) -> Touchpoint:
    """Record what happened: outcome notes and the next steps, which become action items."""
    if touchpoint.status not in (TouchpointStatus.PLANNED, TouchpointStatus.MISSED):
        raise DomainError(_l("This touchpoint is already completed or cancelled."))
    if not outcome.strip():
        raise DomainError(_l("Write the outcome of the touchpoint."))
    if not steps:
        raise DomainError(_l("Add at least one next step with its owner and due date."))
    touchpoint.status = TouchpointStatus.COMPLETED
    touchpoint.outcome = outcome.strip()
    touchpoint.completed_at = utcnow()
    touchpoint.completed_by_id = actor.id
    touchpoint.sequence += 1
    changes = audit.pending_changes(touchpoint, TOUCHPOINT_FIELDS)
    for step in steps:
        touchpoint.action_items.append(
            ActionItem(text=step.text.strip()[:500], owner_id=step.owner.id, due_on=step.due_on)
        )
    changes["next_steps"] = [
        None,
        [f"{s.text.strip()} — {s.owner.email} — {s.due_on.isoformat()}" for s in steps],
    ]
    db.session.flush()
    audit.record(
        actor, ENTITY, touchpoint.id, "complete", changes=changes, account_id=touchpoint.account_id
    )
    _timeline(touchpoint, "touchpoint_completed", actor, steps=len(steps))
    # Meeting the successor of the customer's sponsor who left ends the "sponsor change".
    sponsorship = touchpoint.sponsorship
    if touchpoint.successor_of_id is not None and sponsorship is not None:
        if sponsorship.sponsor_change_contact_id == touchpoint.successor_of_id:
            clear_sponsor_change(actor, sponsorship)
    return touchpoint


def clear_sponsor_change(actor, sponsorship: Sponsorship) -> None:
    """The sponsorship's "sponsor change" flag is over (successor met, or the contact is still
    there after all): cleared, audited on the sponsorship."""
    if sponsorship.sponsor_change_on is None and sponsorship.sponsor_change_contact_id is None:
        return
    contact, since = sponsorship.sponsor_change_contact, sponsorship.sponsor_change_on
    changes = {
        "sponsor_change_on": [since.isoformat() if since else None, None],
        "sponsor_change_contact": [contact.name if contact else None, None],
    }
    sponsorship.sponsor_change_on = None
    sponsorship.sponsor_change_contact = None
    sponsorship.sponsor_change_contact_id = None
    audit.record(
        actor,
        "sponsorship",
        sponsorship.id,
        "sponsor_change_end",
        changes=changes,
        account_id=sponsorship.account_id,
        summary=contact.name if contact else "",
    )
    db.session.flush()


def cancel(actor, touchpoint: Touchpoint, reason: str) -> Touchpoint:
    if touchpoint.status is not TouchpointStatus.PLANNED:
        raise DomainError(_l("Only a planned touchpoint can be cancelled."))
    touchpoint.status = TouchpointStatus.CANCELLED
    touchpoint.cancel_reason = reason.strip()
    touchpoint.sequence += 1
    changes = audit.pending_changes(touchpoint, TOUCHPOINT_FIELDS)
    audit.record(
        actor, ENTITY, touchpoint.id, "cancel", changes=changes, account_id=touchpoint.account_id
    )
    _timeline(touchpoint, "touchpoint_cancelled", actor)
    db.session.flush()
    return touchpoint


def mark_missed(actor, touchpoint: Touchpoint, now: datetime) -> Touchpoint:
    """A planned touchpoint whose time passed without it taking place."""
    if touchpoint.status is not TouchpointStatus.PLANNED:
        raise DomainError(_l("Only a planned touchpoint can be marked missed."))
    if touchpoint.starts_at > now:
        raise DomainError(_l("A touchpoint still ahead cannot be missed yet."))
    touchpoint.status = TouchpointStatus.MISSED
    touchpoint.sequence += 1
    changes = audit.pending_changes(touchpoint, TOUCHPOINT_FIELDS)
    audit.record(
        actor, ENTITY, touchpoint.id, "missed", changes=changes, account_id=touchpoint.account_id
    )
    _timeline(touchpoint, "touchpoint_missed", actor)
    db.session.flush()
    return touchpoint


def finish_item(actor, item: ActionItem, done: bool = True) -> ActionItem:
    """Tick an action item done (or open it again)."""
    item.done_at = utcnow() if done else None
    item.done_by_id = actor.id if done else None
    changes = audit.pending_changes(item, ACTION_ITEM_FIELDS)
    if changes:
        audit.record(
            actor,
            "action_item",
            item.id,
            "done" if done else "reopen",
            changes=changes,
            summary=item.text[:300],
            account_id=item.touchpoint.account_id,
        )
    db.session.flush()
    return item


# Receivers (app/subscriptions.py) --------------------------------------------------------------


def refuse_deleting_account_with_touchpoints(account: Account, **_) -> None:
    """Touchpoints are the history of the relationship: their account is kept."""
    if db.session.scalar(sa.select(Touchpoint.id).where(Touchpoint.account_id == account.id)):
        raise DomainError(
            _l(
                "This account has touchpoints, so it cannot be deleted (they are the "
                "relationship's history). Mark it churned instead."
            )
        )
