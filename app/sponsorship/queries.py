"""Reading the sponsorship program: the list by status and sponsor, one sponsorship for its
page, the sponsorships in exit review, an executive's training. Read only, so pages, jobs and
reports share them. (The eligibility review's candidates are stored: snapshots.py.)"""

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from app.accounts.models import Account
from app.extensions import db
from app.sponsorship.models import (
    OPEN_SPONSORSHIP,
    Criterion,
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


def list_total(stmt: sa.Select) -> int:
    """How many sponsorships a sponsorship_list select holds, counted without its join to the
    accounts (there only to sort by name; every sponsorship has its account): 0.7 ms rather
    than 5.6 ms for the 2,500 open ones of the bench book on PostgreSQL."""
    counted = sa.select(sa.func.count()).select_from(Sponsorship).where(stmt.whereclause)
    return db.session.scalar(counted) or 0


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


def in_exit_review(limit: int = PER_PAGE) -> tuple[list[Sponsorship], int]:
    """The first `limit` sponsorships (by account name) that met the exit criteria and wait
    for the sponsor's review, and how many there are in all (counted in the same statement)."""
    stmt = (
        sa.select(Sponsorship, sa.func.count().over())
        .join(Sponsorship.account)
        .where(Sponsorship.status == SponsorshipStatus.EXIT_REVIEW)
        .options(contains_eager(Sponsorship.account), joinedload(Sponsorship.sponsor))
        .order_by(Account.name, Sponsorship.id)
        .limit(limit)
    )
    rows = db.session.execute(stmt).all()
    return [sponsorship for sponsorship, _total in rows], rows[0][1] if rows else 0


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
