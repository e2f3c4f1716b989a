"""What a customer contact's departure does to the program: when the customer's executive or
economic buyer of a sponsored account leaves or changes role, the sponsorship is flagged
"sponsor change", its executive sponsor and the account's CSM are told, and a call to meet the
successor is proposed a week ahead. Receivers of the accounts domain's signals (listed in
app/subscriptions.py): they run in the sender's transaction, flush, never commit."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.accounts.models import Contact
from app.audit import services as audit
from app.extensions import db
from app.formatting import ACTION_LABELS, FIELD_LABELS, zone_or_default
from app.i18n import lazy_gettext as _l
from app.i18n import with_params
from app.notifications.services import notify
from app.sponsorship.models import IN_PROGRAM, Sponsorship
from app.touchpoints import services
from app.touchpoints.coverage import DECISION_ROLES
from app.touchpoints.models import Touchpoint, TouchpointKind, TouchpointStatus

# The proposed meeting with the successor: this many days ahead, at this local time.
SUCCESSOR_DAYS_AHEAD = 7
SUCCESSOR_LOCAL_TIME = time(10, 0)

FIELD_LABELS.update(
    {
        "sponsor_change_on": _l("Sponsor change since"),
        "sponsor_change_contact": _l("Customer sponsor who left"),
    }
)
ACTION_LABELS.update(
    {
        "departure": _l("Left or changed role"),
        "departure_undone": _l("Marked as still here"),
        "sponsor_change": _l("Sponsor change flagged"),
        "sponsor_change_end": _l("Sponsor change cleared"),
    }
)


def _sponsorship_in_program(account_id: int) -> Sponsorship | None:
    return db.session.scalar(
        sa.select(Sponsorship).where(
            Sponsorship.account_id == account_id, Sponsorship.status.in_(IN_PROGRAM)
        )
    )


def successor_meeting_start(now: datetime, zone: ZoneInfo) -> datetime:
    """A week from today at 10:00 in that zone, moved to Monday when it falls on a weekend."""
    day = now.astimezone(zone).date() + timedelta(days=SUCCESSOR_DAYS_AHEAD)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, SUCCESSOR_LOCAL_TIME, tzinfo=zone)


def _planned_successor_meeting(contact: Contact) -> Touchpoint | None:
    return db.session.scalar(
        sa.select(Touchpoint)
        .where(
            Touchpoint.successor_of_id == contact.id,
            Touchpoint.status == TouchpointStatus.PLANNED,
        )
        .limit(1)
    )


def _propose_successor_meeting(actor, sponsorship: Sponsorship, contact: Contact, now) -> None:
    account = contact.account
    sponsor, csm = sponsorship.sponsor, account.csm_owner
    attendees = [u for u in (sponsor, csm) if u is not None and services.can_attend(u, account)]
    zone = zone_or_default(sponsor.timezone if sponsor is not None else None)
    services.schedule(
        actor,
        account,
        kind=TouchpointKind.EXECUTIVE_CALL,
        starts_at=successor_meeting_start(now, zone),
        timezone=zone.key,
        # No title: pages word "Meet the successor of <name>" in the reader's language.
        executives=list(dict.fromkeys(attendees)),
        contacts=[],
        sponsorship=sponsorship,
        successor_of=contact,
    )


def after_contact_departed(contact: Contact, *, actor, now, **_) -> None:
    """The customer's executive or economic buyer of a sponsored account left or changed role:
    flag the sponsorship, tell its sponsor and the CSM, propose meeting the successor."""
    if contact.role not in DECISION_ROLES or contact.departed_on is None:
        return
    sponsorship = _sponsorship_in_program(contact.account_id)
    if sponsorship is None:
        return
    already = sponsorship.sponsor_change_contact_id == contact.id
    before = sponsorship.sponsor_change_on
    previous = sponsorship.sponsor_change_contact
    sponsorship.sponsor_change_on = contact.departed_on
    sponsorship.sponsor_change_contact = contact
    sponsorship.sponsor_change_contact_id = contact.id
    if already and before == contact.departed_on:
        return
    audit.record(
        actor,
        "sponsorship",
        sponsorship.id,
        "sponsor_change",
        changes={
            "sponsor_change_on": [
                before.isoformat() if before else None,
                contact.departed_on.isoformat(),
            ],
            "sponsor_change_contact": [previous.name if previous else None, contact.name],
        },
        account_id=sponsorship.account_id,
        summary=contact.name,
    )
    db.session.flush()
    if already:  # only the date was corrected: everyone was told, the meeting is proposed
        return
    notice = with_params(
        services.NOTICES["sponsor_change"], contact=contact.name, account=contact.account.name
    )
    notify(
        [sponsorship.sponsor, contact.account.csm_owner],
        kind="sponsor_change",
        subject=notice,
        body=notice,
        link=f"/sponsorships/{sponsorship.id}",
    )
    if _planned_successor_meeting(contact) is None:
        _propose_successor_meeting(actor, sponsorship, contact, now)


def after_contact_returned(contact: Contact, *, actor, **_) -> None:
    """A departure undone: the sponsor change it flagged is over. A proposed meeting with the
    successor stays planned; people cancel it on its page when it is not needed."""
    sponsorship = _sponsorship_in_program(contact.account_id)
    if sponsorship is not None and sponsorship.sponsor_change_contact_id == contact.id:
        services.clear_sponsor_change(actor, sponsorship)
