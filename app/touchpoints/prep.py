"""What an executive reads five minutes before a touchpoint, assembled from the data with no
typing (the prep brief), and the recap after it: its text and a mailto: link to the account
team. The brief takes the same few queries however much history the account has."""

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import quote

import sqlalchemy as sa
from flask_babel import format_date, format_time, get_timezone
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, lazyload

from app.accounts.models import Account, ArrEntry, Contact, HealthScoreEntry
from app.escalations.models import Escalation, Handoff, Level
from app.escalations.queries import open_escalations
from app.extensions import db
from app.formatting import label
from app.sponsorship.models import Objective, Sponsorship
from app.touchpoints.models import (
    ActionItem,
    Touchpoint,
    TouchpointStatus,
    touchpoint_contacts,
)
from app.touchpoints.queries import open_sponsorship

TREND_POINTS = 12  # the last entries a trend line draws
OPEN_STEPS_SHOWN = 20


@dataclass
class EscalationBrief:
    escalation: Escalation
    # What the executive is asked for: the latest handoff to the executive level says what is
    # needed (knowledge, authority, resources); None when there was no such handoff.
    ask: str | None = None


@dataclass
class AttendingContact:
    contact: Contact
    last_met_at: object = None  # the start of the last completed touchpoint they attended


@dataclass
class PrepBrief:
    touchpoint: Touchpoint
    account: Account
    health: list[int] = field(default_factory=list)  # oldest first
    arr: list[int] = field(default_factory=list)  # minor units, the account's currency
    renewal_days: int | None = None
    escalations: list[EscalationBrief] = field(default_factory=list)
    last: Touchpoint | None = None
    open_steps: list[ActionItem] = field(default_factory=list)
    sponsorship: Sponsorship | None = None
    objectives: list[Objective] = field(default_factory=list)
    contacts: list[AttendingContact] = field(default_factory=list)


def _health(account_id: int) -> list[int]:
    stmt = (
        sa.select(HealthScoreEntry.score)
        .where(HealthScoreEntry.account_id == account_id)
        .order_by(HealthScoreEntry.recorded_at.desc(), HealthScoreEntry.id.desc())
        .limit(TREND_POINTS)
    )
    return list(reversed(db.session.scalars(stmt).all()))


def _arr(account: Account) -> list[int]:
    stmt = (
        sa.select(ArrEntry.arr_minor)
        .where(ArrEntry.account_id == account.id, ArrEntry.currency == account.currency)
        .order_by(ArrEntry.recorded_at.desc(), ArrEntry.id.desc())
        .limit(TREND_POINTS)
    )
    return list(reversed(db.session.scalars(stmt).all()))


def _escalations(account_id: int) -> list[EscalationBrief]:
    """Open escalations, executive ones first, each with what is asked of the executive."""
    found = [EscalationBrief(e) for e in open_escalations(account_id)]
    executive_ids = [b.escalation.id for b in found if b.escalation.executive]
    if executive_ids:
        stmt = (
            sa.select(Handoff.escalation_id, Handoff.what_is_needed)
            .where(Handoff.escalation_id.in_(executive_ids), Handoff.to_level == Level.EXECUTIVE)
            .order_by(Handoff.created_at.desc(), Handoff.id.desc())
        )
        asks = {}
        for escalation_id, needed in db.session.execute(stmt):
            asks.setdefault(escalation_id, needed)
        for brief in found:
            brief.ask = asks.get(brief.escalation.id)
    return found


def _last_completed(touchpoint: Touchpoint) -> Touchpoint | None:
    stmt = (
        sa.select(Touchpoint)
        .where(
            Touchpoint.account_id == touchpoint.account_id,
            Touchpoint.status == TouchpointStatus.COMPLETED,
            Touchpoint.id != touchpoint.id,
        )
        .order_by(Touchpoint.starts_at.desc(), Touchpoint.id.desc())
        .options(lazyload(Touchpoint.executives), lazyload(Touchpoint.contacts))
        .limit(1)
    )
    return db.session.scalar(stmt)


def _open_steps(account_id: int) -> list[ActionItem]:
    """The account's open next steps from any touchpoint, soonest due first."""
    stmt = (
        sa.select(ActionItem)
        .join(Touchpoint, Touchpoint.id == ActionItem.touchpoint_id)
        .where(Touchpoint.account_id == account_id, ActionItem.done_at.is_(None))
        .options(joinedload(ActionItem.owner))
        .order_by(ActionItem.due_on, ActionItem.id)
        .limit(OPEN_STEPS_SHOWN)
    )
    return list(db.session.scalars(stmt))


def _objectives(sponsorship: Sponsorship | None) -> list[Objective]:
    if sponsorship is None:
        return []
    stmt = sa.select(Objective).where(Objective.sponsorship_id == sponsorship.id)
    return list(db.session.scalars(stmt.order_by(Objective.due_on, Objective.id)))


def _attending(touchpoint: Touchpoint) -> list[AttendingContact]:
    """The contacts attending, each with when we last met them (completed touchpoints)."""
    contacts = list(touchpoint.contacts)
    if not contacts:
        return []
    stmt = (
        sa.select(touchpoint_contacts.c.contact_id, sa.func.max(Touchpoint.starts_at))
        .join(Touchpoint, Touchpoint.id == touchpoint_contacts.c.touchpoint_id)
        .where(
            touchpoint_contacts.c.contact_id.in_([c.id for c in contacts]),
            Touchpoint.status == TouchpointStatus.COMPLETED,
            Touchpoint.id != touchpoint.id,
        )
        .group_by(touchpoint_contacts.c.contact_id)
    )
    met = dict(db.session.execute(stmt).all())
    return [AttendingContact(c, met.get(c.id)) for c in contacts]


def prep_brief(touchpoint: Touchpoint, today: date) -> PrepBrief:
    """The prep brief of a touchpoint (loaded with queries.load)."""
    account = touchpoint.account
    sponsorship = touchpoint.sponsorship or open_sponsorship(account.id)
    return PrepBrief(
        touchpoint=touchpoint,
        account=account,
        health=_health(account.id),
        arr=_arr(account),
        renewal_days=(account.renewal_date - today).days if account.renewal_date else None,
        escalations=_escalations(account.id),
        last=_last_completed(touchpoint),
        open_steps=_open_steps(account.id),
        sponsorship=sponsorship,
        objectives=_objectives(sponsorship),
        contacts=_attending(touchpoint),
    )


# The recap after the call ---------------------------------------------------------------------


@dataclass
class Recap:
    recipients: list[str]
    subject: str
    body: str

    @property
    def mailto(self) -> str:
        """A mailto: URL (RFC 6068) with the subject and body filled in, every character that
        is not plain ASCII percent-encoded as UTF-8, lines ending in CR LF."""
        to = ",".join(quote(address, safe="@+") for address in self.recipients)
        subject = quote(self.subject, safe="")
        body = quote(self.body.replace("\r\n", "\n").replace("\n", "\r\n"), safe="")
        return f"mailto:{to}?subject={subject}&body={body}"


def team_addresses(touchpoint: Touchpoint, sponsorship: Sponsorship | None) -> list[str]:
    """The account team's e-mail addresses: CSM, AE, the sponsor and our attendees, once each,
    active users only."""
    account = touchpoint.account
    sponsor = sponsorship.sponsor if sponsorship is not None else None
    people = [account.csm_owner, account.ae_owner, sponsor, *touchpoint.executives]
    addresses = []
    for person in people:
        if person is not None and person.active and person.email not in addresses:
            addresses.append(person.email)
    return addresses


def _when(touchpoint: Touchpoint) -> str:
    """The start in the reader's timezone, with the zone's name: the team may be elsewhere."""
    zone = get_timezone()
    return "{} {} ({})".format(
        format_date(touchpoint.starts_at, "medium"),
        format_time(touchpoint.starts_at, "short"),
        getattr(zone, "zone", None) or zone,
    )


def recap(touchpoint: Touchpoint, sponsorship: Sponsorship | None) -> Recap:
    """The recap of a completed touchpoint in the reader's language: outcome and next steps."""
    when = format_date(touchpoint.starts_at, "medium")
    subject = _(
        "Recap: %(kind)s with %(account)s on %(when)s",
        kind=label(touchpoint.kind),
        account=touchpoint.account.name,
        when=when,
    )
    lines = [
        subject,
        "",
        _("When: %(when)s", when=_when(touchpoint)),
    ]
    if touchpoint.executives:
        lines.append(
            _("Our attendees: %(names)s", names=", ".join(u.name for u in touchpoint.executives))
        )
    if touchpoint.contacts:
        names = ", ".join(
            f"{c.name} ({c.title})" if c.title else c.name for c in touchpoint.contacts
        )
        lines.append(_("Customer attendees: %(names)s", names=names))
    lines += ["", _("Outcome"), touchpoint.outcome, "", _("Next steps")]
    for item in touchpoint.action_items:
        lines.append(
            _(
                "- %(text)s (%(owner)s, due %(due)s)",
                text=item.text,
                owner=item.owner.name,
                due=format_date(item.due_on, "medium"),
            )
        )
    return Recap(team_addresses(touchpoint, sponsorship), subject, "\n".join(lines))
