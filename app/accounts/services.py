"""Changing the account book: accounts, contacts, health scores, notes; the list query."""

from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased, joinedload

from app import signals
from app.accounts.labels import HEALTH_BANDS
from app.accounts.models import (
    Account,
    ArrEntry,
    Contact,
    Departure,
    HealthScoreEntry,
    LifecycleStatus,
    Tier,
    TimelineEvent,
    TimelineKind,
)
from app.audit import services as audit
from app.auth.models import User
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.inputs import as_id
from app.models import DomainError, contains, utcnow

ACCOUNT_FIELDS = (
    "name",
    "domain",
    "industry",
    "tier",
    "arr_minor",
    "currency",
    "renewal_date",
    "status",
    "health_score",
    "nps",
    "csm_owner_id",
    "ae_owner_id",
    "notes",
)
CONTACT_FIELDS = ("name", "title", "email", "phone", "role", "preferred_channel")


class DomainTaken(DomainError):
    def __init__(self, domain: str):
        super().__init__(_l("Another account already uses the domain %(domain)s.", domain=domain))


def domain_taken(domain: str, except_id: int | None = None) -> bool:
    stmt = sa.select(Account.id).where(Account.domain == domain)
    if except_id is not None:
        stmt = stmt.where(Account.id != except_id)
    return db.session.scalar(stmt.limit(1)) is not None


def add_timeline(
    account_id: int, kind, summary: str, actor=None, body: str = "", at=None, data=None
):
    """Append an event to an account's timeline."""
    event = TimelineEvent(
        account_id=account_id,
        kind=getattr(kind, "value", kind),
        summary=summary[:300],
        body=body,
        data=data or {},
        actor_id=actor.id if actor is not None else None,
        occurred_at=at or utcnow(),
    )
    db.session.add(event)
    return event


def _health_recorded(account: Account, old: int | None, actor) -> None:
    if account.health_score is None or account.health_score == old:
        return
    db.session.add(
        HealthScoreEntry(
            account_id=account.id,
            score=account.health_score,
            recorded_by_id=actor.id if actor else None,
        )
    )
    summary = (
        f"Health score set to {account.health_score}"
        if old is None
        else f"Health score {old} → {account.health_score}"
    )
    add_timeline(
        account.id,
        TimelineKind.HEALTH_CHANGE,
        summary,
        actor,
        data={"old": old, "new": account.health_score},
    )


def _owners_by_name(changes: dict) -> dict:
    return audit.name_users(changes, ("csm_owner_id", "ae_owner_id"))


def _arr_recorded(account: Account, old: tuple | None) -> None:
    if old != (account.arr_minor, account.currency):
        db.session.add(
            ArrEntry(account_id=account.id, arr_minor=account.arr_minor, currency=account.currency)
        )


def create_account(actor, values: dict) -> Account:
    """A new account with its first health entry and timeline event; audited."""
    if domain_taken(values["domain"]):
        raise DomainTaken(values["domain"])
    account = Account(**values)
    db.session.add(account)
    db.session.flush()
    audit.record(
        actor,
        "account",
        account.id,
        "create",
        account_id=account.id,
        changes=_owners_by_name(audit.snapshot(account, ACCOUNT_FIELDS)),
        summary=account.name,
    )
    add_timeline(account.id, TimelineKind.CREATED, f"Account created: {account.name}", actor)
    _health_recorded(account, None, actor)
    _arr_recorded(account, None)
    db.session.flush()
    return account


def update_account(actor, account: Account, values: dict) -> Account:
    """Apply edited values; health and status changes also go to the timeline."""
    if "domain" in values and domain_taken(values["domain"], except_id=account.id):
        raise DomainTaken(values["domain"])
    old_health, old_status = account.health_score, account.status
    old_arr = (account.arr_minor, account.currency)
    for name, value in values.items():
        setattr(account, name, value)
    changes = _owners_by_name(audit.pending_changes(account, ACCOUNT_FIELDS))
    if not changes:
        return account
    audit.record(
        actor,
        "account",
        account.id,
        "update",
        account_id=account.id,
        changes=changes,
        summary=account.name,
    )
    _health_recorded(account, old_health, actor)
    _arr_recorded(account, old_arr)
    if account.status != old_status:
        add_timeline(
            account.id,
            TimelineKind.STATUS_CHANGE,
            f"Status {old_status.value} → {account.status.value}",
            actor,
            data={"old": old_status.value, "new": account.status.value},
        )
    db.session.flush()
    return account


def delete_account(actor, account: Account) -> None:
    """Remove an account with its contacts and timeline; its audit history stays.

    Refused when a domain above objects (an account with escalations: they are records the
    business keeps)."""
    signals.account_deleting.send(account)
    audit.record(
        actor,
        "account",
        account.id,
        "delete",
        account_id=account.id,
        changes=_owners_by_name(audit.removal(account, ACCOUNT_FIELDS)),
        summary=account.name,
    )
    db.session.delete(account)
    db.session.flush()


def add_contact(actor, account: Account, values: dict) -> Contact:
    contact = Contact(account=account, **values)
    db.session.add(contact)
    db.session.flush()
    audit.record(
        actor,
        "contact",
        contact.id,
        "create",
        account_id=account.id,
        changes=audit.snapshot(contact, CONTACT_FIELDS),
        summary=contact.name,
    )
    return contact


def update_contact(actor, contact: Contact, values: dict) -> Contact:
    for name, value in values.items():
        setattr(contact, name, value)
    changes = audit.pending_changes(contact, CONTACT_FIELDS)
    if changes:
        audit.record(
            actor,
            "contact",
            contact.id,
            "update",
            account_id=contact.account_id,
            changes=changes,
            summary=contact.name,
        )
        db.session.flush()
    return contact


def remove_contact(actor, contact: Contact) -> None:
    audit.record(
        actor,
        "contact",
        contact.id,
        "delete",
        account_id=contact.account_id,
        changes=audit.removal(contact, CONTACT_FIELDS),
        summary=contact.name,
    )
    db.session.delete(contact)
    db.session.flush()


DEPARTURE_FIELDS = ("departure", "departed_on")


def mark_departed(
    actor, contact: Contact, departure: Departure, departed_on: date, note: str, now
) -> Contact:
    """The contact left the company or changed role on that date: audited, in the account's
    timeline, and told to the domains above (a sponsorship may need a new customer sponsor)."""
    contact.departure, contact.departed_on = departure, departed_on
    changes = audit.pending_changes(contact, DEPARTURE_FIELDS)
    if not changes:
        return contact
    if note.strip():
        changes["note"] = [None, note.strip()]
    audit.record(
        actor,
        "contact",
        contact.id,
        "departure",
        account_id=contact.account_id,
        changes=changes,
        summary=contact.name,
    )
    verb = "left the company" if departure is Departure.LEFT else "changed role"
    add_timeline(
        contact.account_id,
        "contact_departed",
        f"{contact.name} {verb} on {departed_on.isoformat()}",
        actor,
        body=note.strip(),
        data={
            "contact": contact.name,
            "departure": departure.value,
            "departed_on": departed_on.isoformat(),
        },
    )
    db.session.flush()
    signals.contact_departed.send(contact, actor=actor, now=now)
    return contact


def undo_departure(actor, contact: Contact) -> Contact:
    """The contact is still there after all (a mistake undone): audited and in the timeline."""
    contact.departure, contact.departed_on = None, None
    changes = audit.pending_changes(contact, DEPARTURE_FIELDS)
    if not changes:
        return contact
    audit.record(
        actor,
        "contact",
        contact.id,
        "departure_undone",
        account_id=contact.account_id,
        changes=changes,
        summary=contact.name,
    )
    add_timeline(
        contact.account_id,
        "contact_returned",
        f"{contact.name} is still here",
        actor,
        data={"contact": contact.name},
    )
    db.session.flush()
    signals.contact_returned.send(contact, actor=actor)
    return contact


def add_note(actor, account: Account, body: str) -> TimelineEvent:
    first_line = body.strip().splitlines()[0] if body.strip() else ""
    event = add_timeline(account.id, TimelineKind.NOTE, first_line, actor, body=body.strip())
    db.session.flush()
    audit.record(
        actor,
        "account",
        account.id,
        "note",
        account_id=account.id,
        changes={"note": [None, body.strip()]},
        summary=account.name,
    )
    return event


# ---- reading -----------------------------------------------------------------------------

# Approximate rates used only to sort ARR across currencies (amounts are never converted).
SORT_RATES_TO_USD_CENTS = {"JPY": 0.67, "USD": 1.0, "EUR": 1.08, "GBP": 1.27}


@dataclass
class AccountFilters:
    q: str = ""
    tier: str = ""
    status: str = ""
    owner: str = ""  # "me", "none" or a user id
    health: str = ""
    renewal: str = ""
    sort: str = "name"
    direction: str = "asc"
    errors: list = field(default_factory=list)

    @classmethod
    def from_args(cls, args) -> "AccountFilters":
        f = cls(
            **{
                k: (args.get(k) or "").strip()
                for k in ("q", "tier", "status", "owner", "health", "renewal", "sort", "direction")
            }
        )
        # Unknown values are ignored rather than failing the page.
        if f.tier not in {t.value for t in Tier}:
            f.tier = ""
        if f.status not in {s.value for s in LifecycleStatus}:
            f.status = ""
        if f.health not in HEALTH_BANDS:
            f.health = ""
        if f.renewal not in ("overdue", "30", "90", "180"):
            f.renewal = ""
        if f.sort not in ("name", "arr", "health", "renewal"):
            f.sort = "name"
        if f.direction not in ("asc", "desc"):
            f.direction = "asc"
        if f.owner not in ("me", "none") and as_id(f.owner) is None:
            f.owner = ""
        f.q = f.q[:100]
        return f

    def selection_key(self, user, today: date) -> tuple:
        """What decides which accounts the filters select (not their order): the same key,
        the same rows; "mine" adds the user and a renewal window the day."""
        return (
            self.q,
            self.tier,
            self.status,
            self.owner,
            self.health,
            self.renewal,
            user.id if self.owner == "me" else None,
            today if self.renewal else None,
        )

    def as_args(self, **overrides) -> dict:
        values = {
            k: getattr(self, k)
            for k in ("q", "tier", "status", "owner", "health", "renewal", "sort", "direction")
        }
        values.update(overrides)
        return {k: v for k, v in values.items() if v}


def _arr_sort_key():
    cases = [
        (Account.currency == code, Account.arr_minor * rate)
        for code, rate in SORT_RATES_TO_USD_CENTS.items()
    ]
    return sa.case(*cases, else_=Account.arr_minor)


def filtered_accounts(filters: AccountFilters, user, today: date):
    """The select statement for the account list and its CSV export; all filtering in SQL."""
    stmt = sa.select(Account)
    if filters.q:
        stmt = stmt.where(
            sa.or_(contains(Account.name, filters.q), contains(Account.domain, filters.q))
        )
    if filters.tier:
        stmt = stmt.where(Account.tier == Tier(filters.tier))
    if filters.status:
        stmt = stmt.where(Account.status == LifecycleStatus(filters.status))
    if filters.owner == "me":
        stmt = stmt.where(sa.or_(Account.csm_owner_id == user.id, Account.ae_owner_id == user.id))
    elif filters.owner == "none":
        stmt = stmt.where(Account.csm_owner_id.is_(None), Account.ae_owner_id.is_(None))
    elif filters.owner:
        owner_id = int(filters.owner)
        stmt = stmt.where(sa.or_(Account.csm_owner_id == owner_id, Account.ae_owner_id == owner_id))
    if filters.health:
        _label, low, high = HEALTH_BANDS[filters.health]
        stmt = stmt.where(Account.health_score.between(low, high))
    if filters.renewal == "overdue":
        stmt = stmt.where(Account.renewal_date < today)
    elif filters.renewal:
        stmt = stmt.where(
            Account.renewal_date.between(today, today + timedelta(days=int(filters.renewal)))
        )
    key = {
        "name": Account.name,
        "arr": _arr_sort_key(),
        "health": Account.health_score,
        "renewal": Account.renewal_date,
    }[filters.sort]
    key = key.desc() if filters.direction == "desc" else key.asc()
    return stmt.order_by(key.nulls_last(), Account.id)


def account_page(account_id: int):
    """The account with owners and contacts loaded, or None."""
    stmt = (
        sa.select(Account)
        .where(Account.id == account_id)
        .options(
            joinedload(Account.csm_owner),
            joinedload(Account.ae_owner),
            sa.orm.selectinload(Account.contacts),
        )
    )
    return db.session.scalar(stmt)


def timeline(account_id: int, page: int, per_page: int = 20):
    stmt = (
        sa.select(TimelineEvent)
        .where(TimelineEvent.account_id == account_id)
        .order_by(TimelineEvent.occurred_at.desc(), TimelineEvent.id.desc())
    )
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def export_statement(filters: AccountFilters, user, today: date):
    """Plain columns (no ORM objects) for the CSV export, in the list's order."""
    csm, ae = aliased(User), aliased(User)
    return (
        filtered_accounts(filters, user, today)
        .with_only_columns(
            Account.name,
            Account.domain,
            Account.industry,
            Account.tier,
            Account.arr_minor,
            Account.currency,
            Account.renewal_date,
            Account.status,
            Account.health_score,
            Account.nps,
            csm.email,
            ae.email,
            Account.notes,
        )
        .outerjoin(csm, Account.csm_owner_id == csm.id)
        .outerjoin(ae, Account.ae_owner_id == ae.id)
    )
