"""Reading touchpoints for their pages: the list by scope and status (in SQL, paginated), one
touchpoint with what its page shows, an owner's open next steps, an account's touchpoints,
the people and contacts a form offers. Read only."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, lazyload, selectinload

from app.accounts.models import Account, Contact
from app.audit.models import AuditEvent
from app.auth.models import Role, User, UserRole
from app.extensions import db
from app.models import contains
from app.sponsorship.models import IN_PROGRAM, OPEN_SPONSORSHIP, Sponsorship
from app.touchpoints.models import (
    ActionItem,
    Touchpoint,
    TouchpointStatus,
    touchpoint_executives,
)

PER_PAGE = 25
SCOPES = ("mine", "accounts", "all")
# "planned" is upcoming and overdue together; "overdue" the planned ones already begun.
STATUSES = ("planned", "overdue", "completed", "cancelled", "missed", "all")
# The name of a meeting with a successor shows the contact who left (templates/touchpoints/
# _badges.html tp_name): loaded with the list, one query only when there are such meetings.
LIST_OPTIONS = (
    joinedload(Touchpoint.account),
    joinedload(Touchpoint.sponsorship),
    selectinload(Touchpoint.successor_of),
)
ITEM_OPTIONS = (
    joinedload(ActionItem.owner),
    joinedload(ActionItem.touchpoint).joinedload(Touchpoint.sponsorship),
)


def default_scope(user) -> str:
    """Those who attend touchpoints or own accounts start on their own; the others on all."""
    return "mine" if user.has_role(Role.EXECUTIVE, Role.CSM, Role.AE) else "all"


def _owned_accounts(user):
    return sa.select(Account.id).where(
        sa.or_(Account.csm_owner_id == user.id, Account.ae_owner_id == user.id)
    )


def _sponsored(user):
    return sa.select(Sponsorship.id).where(Sponsorship.sponsor_id == user.id)


def touchpoint_list(scope: str, status: str, user, now: datetime) -> sa.Select:
    """The list's select: "mine" (I attend, I own the account, I sponsor the sponsorship),
    "accounts" (on accounts I own or sponsor) or "all"; by status. Planned ones soonest first
    (the overdue ones lead), the others latest first."""
    stmt = sa.select(Touchpoint)
    if scope == "mine":
        attending = sa.select(touchpoint_executives.c.touchpoint_id).where(
            touchpoint_executives.c.user_id == user.id
        )
        stmt = stmt.where(
            sa.or_(
                Touchpoint.id.in_(attending),
                Touchpoint.account_id.in_(_owned_accounts(user)),
                Touchpoint.sponsorship_id.in_(_sponsored(user)),
            )
        )
    elif scope == "accounts":
        sponsored_accounts = sa.select(Sponsorship.account_id).where(
            Sponsorship.sponsor_id == user.id, Sponsorship.status.in_(IN_PROGRAM)
        )
        stmt = stmt.where(
            sa.or_(
                Touchpoint.account_id.in_(_owned_accounts(user)),
                Touchpoint.account_id.in_(sponsored_accounts),
            )
        )
    if status in ("planned", "overdue"):
        stmt = stmt.where(Touchpoint.status == TouchpointStatus.PLANNED)
        if status == "overdue":
            stmt = stmt.where(Touchpoint.starts_at < now)
        return stmt.order_by(Touchpoint.starts_at, Touchpoint.id)
    if status in {s.value for s in TouchpointStatus}:
        stmt = stmt.where(Touchpoint.status == TouchpointStatus(status))
    return stmt.order_by(Touchpoint.starts_at.desc(), Touchpoint.id.desc())


def load(touchpoint_id: int) -> Touchpoint | None:
    """One touchpoint with its sponsorship, attendees and next steps with their owners."""
    stmt = (
        sa.select(Touchpoint)
        .where(Touchpoint.id == touchpoint_id)
        .options(
            joinedload(Touchpoint.account).joinedload(Account.csm_owner),
            joinedload(Touchpoint.account).joinedload(Account.ae_owner),
            joinedload(Touchpoint.sponsorship).joinedload(Sponsorship.sponsor),
            selectinload(Touchpoint.action_items).joinedload(ActionItem.owner),
        )
    )
    return db.session.scalar(stmt)


def load_item(item_id: int) -> ActionItem | None:
    """One next step with its touchpoint (for the rights check)."""
    stmt = (
        sa.select(ActionItem)
        .where(ActionItem.id == item_id)
        .options(joinedload(ActionItem.touchpoint).joinedload(Touchpoint.sponsorship))
    )
    return db.session.scalar(stmt)


def open_items(owner_id: int) -> sa.Select:
    """An owner's open next steps by due date: the overdue ones come first."""
    return (
        sa.select(ActionItem)
        .where(ActionItem.owner_id == owner_id, ActionItem.done_at.is_(None))
        .order_by(ActionItem.due_on, ActionItem.id)
    )


def count_open_items(owner_id: int) -> int:
    stmt = sa.select(sa.func.count(ActionItem.id)).where(
        ActionItem.owner_id == owner_id, ActionItem.done_at.is_(None)
    )
    return db.session.scalar(stmt) or 0


def account_touchpoints(account_id: int, now: datetime, limit: int = 5) -> dict:
    """An account's planned touchpoints (overdue first, then the next ones) and its latest
    others, a few of each."""
    base = (
        sa.select(Touchpoint)
        .where(Touchpoint.account_id == account_id)
        .options(
            lazyload(Touchpoint.executives),
            lazyload(Touchpoint.contacts),
            selectinload(Touchpoint.successor_of),
        )
    )
    planned = base.where(Touchpoint.status == TouchpointStatus.PLANNED)
    return dict(
        upcoming=list(
            db.session.scalars(planned.order_by(Touchpoint.starts_at, Touchpoint.id).limit(limit))
        ),
        recent=list(
            db.session.scalars(
                base.where(Touchpoint.status != TouchpointStatus.PLANNED)
                .order_by(Touchpoint.starts_at.desc(), Touchpoint.id.desc())
                .limit(limit)
            )
        ),
    )


def open_sponsorship(account_id: int) -> Sponsorship | None:
    """The account's sponsorship in progress (nominated, active or in exit review)."""
    stmt = sa.select(Sponsorship).where(
        Sponsorship.account_id == account_id, Sponsorship.status.in_(OPEN_SPONSORSHIP)
    )
    return db.session.scalar(stmt.options(joinedload(Sponsorship.sponsor)))


def attendee_choices(account: Account, keep=()) -> list[User]:
    """Who may attend for us: active executives and the account's own CSM and AE (active),
    plus `keep` (those already attending, so that an edit does not drop them silently)."""
    owners = [i for i in (account.csm_owner_id, account.ae_owner_id) if i]
    executives = sa.exists().where(UserRole.user_id == User.id, UserRole.role == Role.EXECUTIVE)
    stmt = (
        sa.select(User)
        .where(
            sa.or_(
                sa.and_(User.active.is_(True), sa.or_(executives, User.id.in_(owners))),
                User.id.in_([u.id for u in keep]),
            )
        )
        .order_by(User.name, User.id)
    )
    return list(db.session.scalars(stmt))


def contact_choices(account: Account, keep=()) -> list[Contact]:
    """The account's contacts who are still there, plus `keep` (already attending)."""
    stmt = (
        sa.select(Contact)
        .where(
            Contact.account_id == account.id,
            sa.or_(Contact.departure.is_(None), Contact.id.in_([c.id for c in keep])),
        )
        .order_by(Contact.name, Contact.id)
    )
    return list(db.session.scalars(stmt))


def sponsorship_choices(account: Account, current: Sponsorship | None) -> list[Sponsorship]:
    """The sponsorships a touchpoint may belong to: the account's open one, and its own."""
    found = []
    opened = open_sponsorship(account.id)
    if opened is not None:
        found.append(opened)
    if current is not None and current not in found:
        found.append(current)
    return found


def schedulable_accounts(q: str, user, limit: int = 20) -> list[Account]:
    """Accounts matching a name or domain fragment that the user may schedule on (admins and
    executives: any; CSMs and AEs: the ones they own)."""
    if not q:
        return []
    stmt = (
        sa.select(Account)
        .where(sa.or_(contains(Account.name, q), contains(Account.domain, q)))
        .order_by(Account.name, Account.id)
        .limit(limit)
    )
    if not user.has_role(Role.ADMIN, Role.EXECUTIVE):
        stmt = stmt.where(Account.id.in_(_owned_accounts(user)))
    return list(db.session.scalars(stmt))


def users_by_ids(ids: list[int]) -> list[User]:
    if not ids:
        return []
    return list(db.session.scalars(sa.select(User).where(User.id.in_(ids)).order_by(User.name)))


def contacts_by_ids(account: Account, ids: list[int]) -> list[Contact]:
    if not ids:
        return []
    stmt = sa.select(Contact).where(Contact.account_id == account.id, Contact.id.in_(ids))
    return list(db.session.scalars(stmt.order_by(Contact.name)))


def history(touchpoint: Touchpoint, limit: int = 100) -> list[AuditEvent]:
    """The audit events of the touchpoint and of its next steps, newest first."""
    wanted = sa.and_(AuditEvent.entity_type == "touchpoint", AuditEvent.entity_id == touchpoint.id)
    items = [i.id for i in touchpoint.action_items]
    if items:
        of_items = sa.and_(AuditEvent.entity_type == "action_item", AuditEvent.entity_id.in_(items))
        wanted = sa.or_(wanted, of_items)
    stmt = sa.select(AuditEvent).where(wanted).order_by(AuditEvent.id.desc()).limit(limit)
    return list(db.session.scalars(stmt))
