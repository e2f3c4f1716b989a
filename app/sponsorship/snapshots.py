"""Stored figures of the sponsorship program, so that its two whole-book pages read a few rows
instead of aggregating 50,000 accounts and 500,000 escalations on every request.

- **Program results** (results.program_results): one snapshot row holding the figures in the
  same shape as the live computation, recomputed by the scheduler (job "program_results",
  every SCHEDULER_PROGRAM_RESULTS_SECONDS) and by an admin's "Recompute now" (audited). The
  figures are program-wide aggregates with no per-user or per-account data, and every
  signed-in user may read the page, so one snapshot is shared by every reader.
- **Eligibility review**: the entry candidates each review found (services.run_review: the
  daily job and the admins' "Run the review now"), with the rules each met, replaced in the
  review's transaction. The page joins the accounts as they are now and leaves out those
  nominated or sponsored since the review (an account churned since is marked so, with no
  Nominate button), so it never offers an action that no longer applies; the nomination
  itself is checked again on the server. The rules met are those in force at the review, and
  a change of the rules makes the next reader's request review again. Pages are read by the
  candidates' stored order (an index range), however deep.

Each page says when its figures were computed. When there is none yet (a new database), the
first request computes and stores them; concurrent first requests wait for it on the
snapshot row's lock instead of computing too.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.accounts.models import Account
from app.audit import services as audit
from app.extensions import db
from app.formatting import ACTION_LABELS, ENTITY_LABELS
from app.i18n import lazy_gettext as _l
from app.models import UTCDateTime
from app.sponsorship import results
from app.sponsorship.criteria import Match, evaluate
from app.sponsorship.models import (
    OPEN_SPONSORSHIP,
    Criterion,
    CriterionKind,
    CriterionSide,
    ProgramSettings,
    Sponsorship,
    SponsorshipStatus,
)

RESULTS = "results"
ELIGIBILITY = "eligibility"
PER_PAGE = 25

ENTITY_LABELS["program_results"] = _l("Program results")
ACTION_LABELS.setdefault("recompute", _l("Recomputed"))


class ProgramSnapshot(db.Model):
    """One stored computation by name: "results" (the program results' figures) and
    "eligibility" (the last review: how many candidates, and the entry rules it applied)."""

    __tablename__ = "program_snapshots"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    figures: Mapped[dict] = mapped_column(sa.JSON, nullable=False, default=dict)


class EligibilityCandidate(db.Model):
    """An account the last eligibility review found meeting the entry rules."""

    __tablename__ = "eligibility_candidates"
    __table_args__ = (sa.Index("ix_eligibility_candidates_position", "position", unique=True),)

    # No foreign key, as in the report rollups: an account deleted since the review drops out
    # of the page by the join, and pages keep their places until the next review.
    account_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    # The account's place in the review's order (account name, then id): pages are read by it.
    position: Mapped[int] = mapped_column(nullable=False)
    # Ids of the rules met; the rules themselves are kept on the "eligibility" snapshot.
    criteria: Mapped[list] = mapped_column(sa.JSON, nullable=False, default=list)
    reviewed_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)


# ---- storing -------------------------------------------------------------------------------


def _locked(name: str) -> ProgramSnapshot:
    """The snapshot row, locked until the transaction ends (made when missing), so that two
    processes storing the same figures take turns. SQLite locks the whole database instead."""
    stmt = (
        sa.select(ProgramSnapshot)
        .where(ProgramSnapshot.name == name)
        .with_for_update()
        .execution_options(populate_existing=True)  # as it is once the lock is ours
    )
    snapshot = db.session.scalar(stmt)
    if snapshot is not None:
        return snapshot
    try:
        with db.session.begin_nested():
            db.session.add(ProgramSnapshot(name=name, figures={}))
    except sa.exc.IntegrityError:  # another process made it first: wait for its lock
        pass
    return db.session.scalar(stmt)


def _to_json(figures: dict) -> dict:
    stored = dict(figures)
    stored["by_status"] = {status.value: n for status, n in figures["by_status"].items()}
    return stored


def _from_json(stored: dict) -> dict:
    figures = dict(stored)
    figures["by_status"] = {
        status: stored["by_status"].get(status.value, 0) for status in SponsorshipStatus
    }
    return figures


def refresh_results(now: datetime, today: date) -> datetime:
    """Compute the program results over the whole book and store them; flushes, never
    commits. Returns when they were computed."""
    snapshot = _locked(RESULTS)
    snapshot.figures = _to_json(results.program_results(now, today))
    snapshot.computed_at = now
    db.session.flush()
    return now


def recompute_results(actor, now: datetime, today: date) -> datetime:
    """An admin's "Recompute now": the figures again, now; audited."""
    refresh_results(now, today)
    audit.record(actor, "program_results", 1, "recompute", summary="program results")
    return now


def _rules_in_force() -> dict:
    """The entry rules a review applies and how they combine (None when there are no rules,
    which match nothing either way), as the snapshot stores them; one statement."""
    combination = (
        sa.select(ProgramSettings.entry_combination)
        .order_by(ProgramSettings.id)
        .limit(1)
        .scalar_subquery()
    )
    rows = db.session.execute(
        sa.select(Criterion.id, Criterion.kind, Criterion.params, combination)
        .where(Criterion.side == CriterionSide.ENTRY, Criterion.active)
        .order_by(Criterion.id)
    ).all()
    return {
        "combination": rows[0][3] if rows else None,
        "rules": [
            {"id": id_, "kind": kind.value, "params": params or {}} for id_, kind, params, _ in rows
        ],
    }


def store_entry_review(*, today: date, now: datetime) -> list[Match]:
    """Evaluate the entry rules over the book and keep the candidates, replacing the last
    review's (in the caller's transaction); flushes, never commits."""
    snapshot = _locked(ELIGIBILITY)
    in_force = _rules_in_force()
    matches = evaluate(CriterionSide.ENTRY, today=today, now=now)
    db.session.execute(sa.delete(EligibilityCandidate))
    if matches:
        # Core INSERT in pages of 5,000 rows: 16,000 candidates took 0.6 s through the ORM
        # in pages of 1,000, 0.3-0.45 s so (PostgreSQL, bench book).
        db.session.execute(
            sa.insert(EligibilityCandidate.__table__).execution_options(
                insertmanyvalues_page_size=5000
            ),
            [
                {
                    "account_id": m.account_id,
                    "position": position,
                    "criteria": [c.id for c in m.criteria],
                    "reviewed_at": now,
                }
                for position, m in enumerate(matches)
            ],
        )
    snapshot.figures = in_force | {"candidates": len(matches)}
    snapshot.computed_at = now
    db.session.flush()
    return matches


# ---- reading -------------------------------------------------------------------------------


def _snapshot(name: str) -> ProgramSnapshot | None:
    return db.session.get(ProgramSnapshot, name)


def results_snapshot(now: datetime, today: date) -> tuple[ProgramSnapshot, bool]:
    """The stored program results, and whether they were computed just now because none
    were stored yet (a new database; the caller commits them)."""
    snapshot = _snapshot(RESULTS)
    if snapshot is not None and snapshot.computed_at is not None:
        return snapshot, False
    snapshot = _locked(RESULTS)
    if snapshot.computed_at is not None:  # stored by another request while this one waited
        return snapshot, False
    refresh_results(now, today)
    return snapshot, True


def figures_of(snapshot: ProgramSnapshot) -> tuple[dict, datetime]:
    """The program results as results.program_results gives them, and when computed."""
    return _from_json(snapshot.figures), snapshot.computed_at


@dataclass
class Candidates:
    """One page of the last eligibility review's candidates."""

    matches: list[Match]  # this page's, each with the rules it met (as they were then)
    total: int  # candidates still open to nomination, on every page
    accounts: dict[int, Account]  # this page's accounts by id, as they are now
    reviewed_at: datetime


# A sponsorship created this long before the review's time may still postdate what the
# review read (it runs for a second or so): only older ones are certainly not among the
# candidates, so only those are left unread.
REVIEW_MARGIN = timedelta(days=1)


def _nominated_since(reviewed_at: datetime) -> sa.Select:
    """Where the stored candidates nominated or sponsored since the review stand in the
    review's order (few: the review left out every account with one in progress, so only a
    sponsorship created since can be on a candidate). Read from the sponsorships created
    since, by ix_sponsorships_created: joining all 2,500 in progress to the 16,354 candidates
    of the bench book took 5.7 ms on every page of the review."""
    return (
        sa.select(EligibilityCandidate.position)
        .join(Sponsorship, Sponsorship.account_id == EligibilityCandidate.account_id)
        .where(
            Sponsorship.created_at >= reviewed_at - REVIEW_MARGIN,
            Sponsorship.status.in_(OPEN_SPONSORSHIP),
        )
        .order_by(EligibilityCandidate.position)
    )


def _first_position(skip: int, taken: list[int]) -> int:
    """The position of the candidate after the first `skip` still open, given the sorted
    positions `taken` since: so a page is read by an index range, however deep."""
    position = skip
    for taken_at in taken:
        if taken_at > position:
            break
        position += 1
    return position


def last_review(*, today: date, now: datetime) -> tuple[ProgramSnapshot, bool]:
    """The last eligibility review, and whether it was made just now because none was
    stored or the entry rules changed since (the caller commits it)."""
    snapshot = _snapshot(ELIGIBILITY)
    if snapshot is not None and snapshot.computed_at is not None and not _is_stale(snapshot):
        return snapshot, False
    snapshot = _locked(ELIGIBILITY)
    if snapshot.computed_at is not None and not _is_stale(snapshot):  # reviewed meanwhile
        return snapshot, False
    store_entry_review(today=today, now=now)
    return snapshot, True


def entry_candidates(review: ProgramSnapshot, page_no: int) -> Candidates:
    """Page `page_no` (from 1) of the review's candidates, leaving out those nominated or
    sponsored since the review (an account churned since is shown as it is now)."""
    rules = {
        rule["id"]: Criterion(
            id=rule["id"],
            side=CriterionSide.ENTRY,
            kind=CriterionKind(rule["kind"]),
            params=rule["params"],
        )
        for rule in review.figures.get("rules", [])
    }
    taken = list(db.session.scalars(_nominated_since(review.computed_at)))
    in_program = sa.select(Sponsorship.account_id).where(Sponsorship.status.in_(OPEN_SPONSORSHIP))
    rows = db.session.execute(
        sa.select(EligibilityCandidate, Account)
        .join(Account, Account.id == EligibilityCandidate.account_id)
        .where(
            EligibilityCandidate.position >= _first_position((page_no - 1) * PER_PAGE, taken),
            EligibilityCandidate.account_id.not_in(in_program),
        )
        .order_by(EligibilityCandidate.position)
        .limit(PER_PAGE)
    ).all()
    total = max(0, review.figures.get("candidates", 0) - len(taken))
    matches = [
        Match(candidate.account_id, [rules[i] for i in candidate.criteria if i in rules])
        for candidate, _account in rows
    ]
    accounts = {account.id: account for _candidate, account in rows}
    return Candidates(matches, total, accounts, review.computed_at)


def _is_stale(snapshot: ProgramSnapshot) -> bool:
    """The entry rules or their combination changed since the review."""
    stored = snapshot.figures or {}
    in_force = _rules_in_force()
    return (stored.get("combination"), stored.get("rules")) != (
        in_force["combination"],
        in_force["rules"],
    )
