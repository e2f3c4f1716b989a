"""Reading the sponsorship program: the list by status and sponsor, one sponsorship for its
page, the eligibility review's candidates and the sponsorships in exit review, an executive's
training. Read only, so pages, jobs and reports share them."""

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from app.accounts.models import Account
from app.extensions import db
from app.sponsorship.criteria import Match, evaluate
from app.sponsorship.models import (
    OPEN_SPONSORSHIP,
    Criterion,
    CriterionSide,
    Sponsorship,
    SponsorshipStatus,
    TrainingRecord,
)

PER_PAGE = 25


def sponsorship_list(status: str, sponsor_id: int | None = None) -> sa.Select:
    """Sponsorships by account name: the open ones ("open"), those in one status, or all (any
    other value); only one sponsor's when `sponsor_id` is given."""
    stmt = (
        sa.select(Sponsorship)
        .join(Account, Account.id == Sponsorship.account_id)
        .options(joinedload(Sponsorship.sponsor))
        .order_by(Account.name, Sponsorship.id)
    )
    if status == "open":
        stmt = stmt.where(Sponsorship.status.in_(OPEN_SPONSORSHIP))
    elif status in {s.value for s in SponsorshipStatus}:
        stmt = stmt.where(Sponsorship.status == SponsorshipStatus(status))
    if sponsor_id:
        stmt = stmt.where(Sponsorship.sponsor_id == sponsor_id)
    return stmt


def load(sponsorship_id: int) -> Sponsorship | None:
    """One sponsorship with its sponsor, checklist and objectives, or None."""
    stmt = (
        sa.select(Sponsorship)
        .where(Sponsorship.id == sponsorship_id)
        .options(
            joinedload(Sponsorship.sponsor),
            selectinload(Sponsorship.tasks),
            selectinload(Sponsorship.objectives),
        )
    )
    return db.session.scalar(stmt)


@dataclass
class Candidates:
    """One page of the accounts that meet the entry criteria."""

    matches: list[Match]  # this page's, each with the rules it met
    total: int  # on every page
    accounts: dict[int, Account]  # this page's accounts by id


def entry_candidates(page_no: int, *, today: date, now: datetime) -> Candidates:
    """The eligibility review's candidates, page `page_no` (from 1) of PER_PAGE."""
    matches = evaluate(CriterionSide.ENTRY, today=today, now=now)
    shown = matches[(page_no - 1) * PER_PAGE : page_no * PER_PAGE]
    accounts = {}
    if shown:
        ids = [m.account_id for m in shown]
        accounts = {
            a.id: a for a in db.session.scalars(sa.select(Account).where(Account.id.in_(ids)))
        }
    return Candidates(shown, len(matches), accounts)


def in_exit_review() -> list[Sponsorship]:
    """The sponsorships that met the exit criteria and wait for the sponsor's review."""
    stmt = (
        sa.select(Sponsorship)
        .where(Sponsorship.status == SponsorshipStatus.EXIT_REVIEW)
        .options(joinedload(Sponsorship.sponsor))
    )
    return list(db.session.scalars(stmt))


def active_criteria() -> list[Criterion]:
    """The program's rules in force, entry first."""
    stmt = (
        sa.select(Criterion)
        .where(Criterion.active.is_(True))
        .order_by(Criterion.side, Criterion.id)
    )
    return list(db.session.scalars(stmt))


def training_records(user) -> list[TrainingRecord]:
    """The training modules an executive completed, oldest first."""
    stmt = (
        sa.select(TrainingRecord)
        .where(TrainingRecord.user_id == user.id)
        .order_by(TrainingRecord.completed_on)
    )
    return list(db.session.scalars(stmt))
