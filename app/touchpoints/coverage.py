"""Relationship coverage: the customer's decision makers paired with the people on our side who
cover them, when each pair last met and how strong that leaves the relationship.

Definitions (shown on the account page, the executive review and the PDF briefs):

- **Decision makers**: the account's contacts whose role is executive or economic buyer and who
  have not left or changed role.
- **Our side**: the executive sponsor of the account's sponsorship in the program (active or
  in exit review), the AE owner and the CSM owner. A side nobody fills is still paired (with
  `person=None`), so the page shows the gap.
- **Last met**: the start of the latest completed touchpoint of the account that both the
  contact (a customer attendee) and our person (one of our attendees) attended.
- **Strength** of a pair: strong when last met within the program's `coverage_strong_days`,
  fading within `coverage_fading_days`, cold when older, never met or the side is unfilled.
  The account's strength is its best pair's, or "none" when no decision maker is known.
- **Uncovered**: decision makers who never attended a completed touchpoint with anyone of our
  side.
- **Single-threaded**: the completed touchpoints of the last `coverage_fading_days` days were
  all attended by one and the same customer contact (whatever their role), so the whole
  relationship hangs on that one person. An account with no completed touchpoint in that
  window is not single-threaded: its pairs are cold, which says more.

`coverage_for` answers for any number of accounts in a constant number of queries.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import to_user_timezone
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.util import identity_key

from app import signals
from app.accounts.models import Account, Contact, ContactRole
from app.auth.models import User
from app.extensions import db
from app.formatting import local_today
from app.sponsorship.models import IN_PROGRAM, Sponsorship
from app.sponsorship.services import program
from app.touchpoints.models import (
    Touchpoint,
    TouchpointStatus,
    touchpoint_contacts,
    touchpoint_executives,
)

DECISION_ROLES = (ContactRole.EXECUTIVE, ContactRole.ECONOMIC_BUYER)
SIDES = ("sponsor", "ae", "csm")
STRENGTHS = ("strong", "fading", "cold")  # best first
DEFAULT_STRONG_DAYS, DEFAULT_FADING_DAYS = 90, 180


@dataclass
class Pair:
    """One decision maker of the customer and one person of ours who covers them."""

    contact: Contact
    person: User | None  # None: nobody fills that side
    side: str  # "sponsor" | "ae" | "csm"
    last_met: datetime | None
    strength: str  # "strong" | "fading" | "cold"


@dataclass
class Coverage:
    """How well one account's decision makers are covered."""

    account_id: int
    pairs: list[Pair] = field(default_factory=list)
    single_threaded: bool = False
    # The one customer contact the account hangs on, when single-threaded.
    single_thread_contact: Contact | None = None
    strength: str = "none"  # the best pair's strength; "none": no decision maker known
    uncovered: list[Contact] = field(default_factory=list)
    # Decision makers who left or changed role, most recent first (shown struck through).
    departed: list[Contact] = field(default_factory=list)
    strong_days: int = DEFAULT_STRONG_DAYS
    fading_days: int = DEFAULT_FADING_DAYS

    @property
    def rows(self) -> list[tuple[Contact, list[Pair]]]:
        """The pairs grouped by decision maker, in the order of `pairs`."""
        grouped: dict[int, tuple[Contact, list[Pair]]] = {}
        for pair in self.pairs:
            grouped.setdefault(pair.contact.id, (pair.contact, []))[1].append(pair)
        return list(grouped.values())


def strength_of(last_met: datetime | None, today: date, strong_days: int, fading_days: int) -> str:
    """strong / fading / cold for a pair last met then (None: never)."""
    if last_met is None:
        return "cold"
    days = (today - to_user_timezone(last_met).date()).days
    if days <= strong_days:
        return "strong"
    if days <= fading_days:
        return "fading"
    return "cold"


def _thresholds() -> tuple[int, int]:
    settings = program()  # the session's copy when the page has read it already: no statement
    if settings is None:
        return DEFAULT_STRONG_DAYS, DEFAULT_FADING_DAYS
    return settings.coverage_strong_days, settings.coverage_fading_days


def _loaded_with_owners(account_ids: list[int]) -> dict[int, Account]:
    """The accounts the session already holds with both owners loaded and nothing expired
    (the account page's own account): no statement for them."""
    session = db.session()
    held = {}
    for account_id in account_ids:
        account = session.identity_map.get(identity_key(Account, account_id))
        if account is not None and not sa.inspect(account).unloaded & _OWNERS:
            held[account_id] = account
    return held


_OWNERS = {"csm_owner", "ae_owner"}


def _our_side(account_ids: list[int]) -> dict[int, dict[str, User | None]]:
    """{account_id: {"sponsor": user, "ae": user, "csm": user}} (None where unfilled)."""
    accounts = _loaded_with_owners(account_ids)
    missing = [i for i in account_ids if i not in accounts]
    if missing:
        found = db.session.scalars(
            sa.select(Account)
            .where(Account.id.in_(missing))
            .options(joinedload(Account.csm_owner), joinedload(Account.ae_owner))
        ).unique()
        accounts.update((a.id, a) for a in found)
    sides = {
        i: {"sponsor": None, "ae": a.ae_owner, "csm": a.csm_owner} for i, a in accounts.items()
    }
    sponsors = db.session.execute(
        sa.select(Sponsorship.account_id, User)
        .join(User, User.id == Sponsorship.sponsor_id)
        .where(Sponsorship.account_id.in_(account_ids), Sponsorship.status.in_(IN_PROGRAM))
    )
    for account_id, sponsor in sponsors:
        if account_id in sides:
            sides[account_id]["sponsor"] = sponsor
    return sides


def _last_met(account_ids: list[int]) -> dict[tuple[int, int], datetime]:
    """{(contact_id, user_id): start of their latest completed touchpoint together}."""
    tc, te = touchpoint_contacts.c, touchpoint_executives.c
    rows = db.session.execute(
        sa.select(tc.contact_id, te.user_id, sa.func.max(Touchpoint.starts_at))
        .select_from(Touchpoint)
        .join(touchpoint_contacts, tc.touchpoint_id == Touchpoint.id)
        .join(touchpoint_executives, te.touchpoint_id == Touchpoint.id)
        .where(
            Touchpoint.account_id.in_(account_ids),
            Touchpoint.status == TouchpointStatus.COMPLETED,
        )
        .group_by(tc.contact_id, te.user_id)
    )
    return {(contact_id, user_id): met for contact_id, user_id, met in rows}


def _threads(account_ids: list[int], since: datetime) -> dict[int, set[int]]:
    """{account_id: ids of the customer contacts at its completed touchpoints since then}."""
    tc = touchpoint_contacts.c
    rows = db.session.execute(
        sa.select(Touchpoint.account_id, tc.contact_id)
        .join(touchpoint_contacts, tc.touchpoint_id == Touchpoint.id)
        .where(
            Touchpoint.account_id.in_(account_ids),
            Touchpoint.status == TouchpointStatus.COMPLETED,
            Touchpoint.starts_at >= since,
        )
        .distinct()
    )
    threads: dict[int, set[int]] = {}
    for account_id, contact_id in rows:
        threads.setdefault(account_id, set()).add(contact_id)
    return threads


def coverage_for(
    account_ids: list[int], today: date, contacts: list[Contact] | None = None
) -> dict[int, Coverage]:
    """The coverage of each account (ids not found are left out), in six queries however many
    accounts are asked for; five when the caller has the accounts' `contacts` already (by
    name, as Account.contacts is)."""
    account_ids = sorted(set(account_ids))
    if not account_ids:
        return {}
    strong_days, fading_days = _thresholds()
    sides = _our_side(account_ids)
    if contacts is None:
        contacts = db.session.scalars(
            sa.select(Contact)
            .where(Contact.account_id.in_(account_ids))
            .order_by(Contact.name, Contact.id)
        ).all()
    last_met = _last_met(account_ids)
    since = datetime.combine(today - timedelta(days=fading_days), time.min, tzinfo=UTC)
    threads = _threads(account_ids, since)

    result = {
        account_id: Coverage(account_id, strong_days=strong_days, fading_days=fading_days)
        for account_id in sides
    }
    by_id = {c.id: c for c in contacts}
    for contact in contacts:
        coverage = result.get(contact.account_id)
        if coverage is None or contact.role not in DECISION_ROLES:
            continue
        if contact.departure is not None:
            coverage.departed.append(contact)
            continue
        met_anyone = False
        for side in SIDES:
            person = sides[contact.account_id][side]
            met = last_met.get((contact.id, person.id)) if person is not None else None
            met_anyone = met_anyone or met is not None
            strength = strength_of(met, today, strong_days, fading_days)
            coverage.pairs.append(Pair(contact, person, side, met, strength))
        if not met_anyone:
            coverage.uncovered.append(contact)

    for account_id, coverage in result.items():
        if coverage.pairs:
            coverage.strength = min(
                (p.strength for p in coverage.pairs), key=STRENGTHS.index, default="none"
            )
        coverage.departed.sort(key=lambda c: (c.departed_on or date.min, c.id), reverse=True)
        attended = threads.get(account_id, set())
        if len(attended) == 1:
            coverage.single_threaded = True
            coverage.single_thread_contact = by_id.get(next(iter(attended)))
    return result


def account_section(account: Account, **_) -> signals.Section:
    """The account page's "Relationship coverage" card."""
    # The account page loaded its contacts already.
    coverage = coverage_for([account.id], local_today(), account.contacts)[account.id]
    return signals.Section("relationships", "touchpoints/_coverage.html", {"coverage": coverage})
