"""The sponsorship blocks of the Today page (signals.today_page_sections): the executive
escalations open now with their ARR at risk (for an executive, those on the accounts they
sponsor first, with what is asked of them), an executive's sponsored accounts needing
attention, the nominations waiting for their approval and their capacity; the nominations a
CSM or AE made and where they stand. A count and one query for the rows per block."""

from datetime import date, datetime

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app.accounts.models import Account, LifecycleStatus
from app.auth.models import Role
from app.escalations.models import OPEN_STATUSES, Escalation
from app.extensions import db
from app.main.today import (
    ROWS,
    SOON,
    THIS_WEEK,
    URGENT,
    WATCH,
    Block,
    Link,
    capped_count,
    first_rows,
    section,
    shown_first,
)
from app.sponsorship.models import IN_PROGRAM, Sponsorship, SponsorshipStatus
from app.sponsorship.services import program

TEMPLATE = "today/sponsorship.html"
ATTENTION_HEALTH = 50  # a sponsored account at or below this health needs its sponsor


def _sponsored_accounts(viewer) -> sa.Select:
    return sa.select(Sponsorship.account_id).where(
        Sponsorship.sponsor_id == viewer.id, Sponsorship.status.in_(IN_PROGRAM)
    )


def _executive_escalations(viewer) -> Block:
    """Open executive escalations, the viewer's sponsored accounts first, then by ARR at risk."""
    base = sa.select(Escalation).where(
        Escalation.status.in_(OPEN_STATUSES), Escalation.executive.is_(True)
    )
    mine = Escalation.account_id.in_(_sponsored_accounts(viewer))
    order = (
        mine.desc(),
        Escalation.arr_at_risk_minor.desc().nulls_last(),
        Escalation.created_at.desc(),
        Escalation.id.desc(),
    )
    # The ids sorted from ix_escalations_executive alone (2,510 open on the bench book: 10.3
    # ms sorting whole rows), then the six shown read with their accounts.
    stmt = shown_first(
        Escalation, [base.whereclause], order, selectinload(Escalation.account)
    ).add_columns(mine.label("mine"))
    return Block(
        "executive-escalations",
        _("Executive escalations open now"),
        capped_count(base),
        [(escalation, bool(is_mine)) for escalation, is_mine in db.session.execute(stmt)],
        [Link(_("See executive escalations"), url_for("escalations.index", view="executive"))],
        _("No executive escalation is open: no cancellation or legal threat waits on anyone."),
    )


def _mine(viewer, *statuses) -> sa.Select:
    return (
        sa.select(Sponsorship)
        .join(Account, Account.id == Sponsorship.account_id)
        .where(Sponsorship.sponsor_id == viewer.id, Sponsorship.status.in_(statuses))
    )


def _needing_attention(viewer) -> Block:
    """The viewer's sponsored accounts in exit review, at risk, in poor health or with an open
    executive escalation."""
    executive_open = sa.exists().where(
        Escalation.account_id == Sponsorship.account_id,
        Escalation.executive.is_(True),
        Escalation.status.in_(OPEN_STATUSES),
    )
    stmt = _mine(viewer, *IN_PROGRAM).where(
        sa.or_(
            Sponsorship.status == SponsorshipStatus.EXIT_REVIEW,
            Account.status == LifecycleStatus.AT_RISK,
            Account.health_score <= ATTENTION_HEALTH,
            executive_open,
        )
    )
    rows = db.session.execute(
        stmt.add_columns(executive_open.label("executive_open"))
        .order_by(executive_open.desc(), Account.health_score.asc().nulls_last(), Account.name)
        .limit(ROWS)
    )
    return Block(
        "sponsored-attention",
        _("My sponsored accounts needing attention"),
        capped_count(stmt),
        [(sponsorship, bool(executive)) for sponsorship, executive in rows],
        [
            Link(
                _("See my sponsorships"),
                url_for("sponsorship.index", status="open", sponsor=viewer.id),
            )
        ],
        _("Your sponsored accounts are steady: none at risk, in poor health or in exit review."),
    )


def _approvals(viewer) -> Block:
    """Nominations an executive may approve as the sponsor (unassigned, or proposed to them)."""
    waiting = [
        Sponsorship.status == SponsorshipStatus.NOMINATED,
        sa.or_(Sponsorship.sponsor_id.is_(None), Sponsorship.sponsor_id == viewer.id),
    ]
    # The six shown joined to their accounts, not the 300 waiting on the bench book.
    rows = shown_first(Sponsorship, waiting, (Sponsorship.nominated_at, Sponsorship.id))
    rows, count = first_rows(rows, sa.select(Sponsorship).where(*waiting))
    return Block(
        "approvals",
        _("Nominations waiting for approval"),
        count,
        rows,
        [Link(_("See nominations"), url_for("sponsorship.index", status="nominated"))],
        _("No nomination waits for a decision."),
    )


def _capacity(viewer) -> Block:
    active = db.session.scalar(
        sa.select(sa.func.count(Sponsorship.id)).where(
            Sponsorship.sponsor_id == viewer.id, Sponsorship.status.in_(IN_PROGRAM)
        )
    )
    limit = program().max_active_per_executive
    return Block(
        "capacity",
        _("My capacity"),
        active,
        [(active, limit)],
        [
            Link(
                _("See my sponsorships"),
                url_for("sponsorship.index", status="open", sponsor=viewer.id),
            )
        ],
        "",
        counted=False,
    )


def _my_nominations(viewer) -> Block:
    """Nominations the viewer made, the undecided ones first, then the latest."""
    mine = Sponsorship.nominated_by_id == viewer.id
    undecided = Sponsorship.status == SponsorshipStatus.NOMINATED
    order = (undecided.desc(), Sponsorship.nominated_at.desc(), Sponsorship.id.desc())
    # Sorted from ix_sponsorships_nominated_by alone: the bench CSM has 896 nominations.
    rows = shown_first(Sponsorship, [mine], order, selectinload(Sponsorship.account))
    rows, count = first_rows(rows, sa.select(Sponsorship).where(mine))
    return Block(
        "my-nominations",
        _("Nominations I made"),
        count,
        rows,
        [Link(_("See nominations"), url_for("sponsorship.index", status="nominated"))],
        _("You have not nominated an account for the program yet."),
    )


def today_sections(viewer, *, now: datetime, today: date, **_kwargs) -> list:
    """The sponsorship blocks for the viewer's roles, each once however many roles they hold."""
    sections = []
    if viewer.has_role(Role.EXECUTIVE, Role.MANAGER, Role.ADMIN):
        sections.append(section(TEMPLATE, _executive_escalations(viewer), URGENT + 5))
    if viewer.has_role(Role.EXECUTIVE):
        sections.append(section(TEMPLATE, _needing_attention(viewer), SOON + 1))
        sections.append(section(TEMPLATE, _approvals(viewer), SOON + 2))
    if viewer.has_role(Role.CSM, Role.AE):
        sections.append(section(TEMPLATE, _my_nominations(viewer), WATCH + 1))
    if viewer.has_role(Role.EXECUTIVE):
        sections.append(section(TEMPLATE, _capacity(viewer), THIS_WEEK + 9))
    return sections
