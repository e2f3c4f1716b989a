"""The executive review: what an executive's page shows of each account they sponsor (health
trend, ARR and renewal, open escalations with the executive ones first, last and next
touchpoint, cadence, relationship coverage, success-plan progress, baseline against now, the
latest reviews), sorted so that what needs the executive comes first, each account saying
why; and the review an executive records (a note and a decision).

The page data is read in a constant number of queries whatever the number of accounts: one
per kind of fact, over all the accounts at once (window functions pick the latest rows per
account), never one per account.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, lazyload

from app.accounts.models import Account, HealthScoreEntry, TimelineEvent
from app.audit import services as audit
from app.auth.models import Role, User, UserRole
from app.escalations.models import (
    OPEN_STATUSES,
    Escalation,
    Handoff,
    Level,
    Severity,
    Status,
)
from app.extensions import db
from app.i18n import lazy_gettext as _l
from app.i18n import lazy_ngettext
from app.models import DomainError
from app.sponsorship import services as sponsorship_services
from app.sponsorship.models import (
    IN_PROGRAM,
    Objective,
    ObjectiveStatus,
    Sponsorship,
    SponsorshipStatus,
)
from app.touchpoints.cadence import CadenceStatus, cadence_status
from app.touchpoints.coverage import coverage_for
from app.touchpoints.models import ExecutiveReview, ReviewDecision, Touchpoint, TouchpointStatus

HEALTH_POINTS = 12  # health entries drawn in the trend line
REVIEWS_SHOWN = 3  # latest reviews per account on the executive's page
TIMELINE_SHOWN = 15
RENEWAL_SOON_DAYS = 90
HEALTH_DROP_POINTS = 5  # a drop since entry smaller than this is noise
NOTE_MAX = 5000
SEVERITY_ORDER = {s: i for i, s in enumerate(Severity)}


@dataclass
class OpenEscalation:
    id: int
    title: str
    executive: bool
    severity: Severity
    level: Level
    created_at: datetime
    asked: str | None  # what the last handoff to the executive level asks of them


@dataclass
class Reason:
    """Why an account needs the executive: a weight for the sort and the words shown."""

    weight: int
    text: object  # a lazy translated text


@dataclass
class AccountReview:
    """One account as the executive review shows it."""

    account: Account
    sponsorship: Sponsorship | None  # in the program (active or exit review), else None
    health: list[int] = field(default_factory=list)  # oldest first
    escalations: list[OpenEscalation] = field(default_factory=list)  # executive first
    escalations_90d: int = 0
    last_touchpoint: Touchpoint | None = None
    next_touchpoint: Touchpoint | None = None
    cadence: CadenceStatus | None = None
    coverage: object = None  # app.touchpoints.coverage.Coverage
    objectives_total: int = 0
    objectives_achieved: int = 0
    objectives_at_risk: int = 0
    reviews: list[ExecutiveReview] = field(default_factory=list)  # newest first
    days_to_renewal: int | None = None
    reasons: list[Reason] = field(default_factory=list)  # heaviest first

    @property
    def score(self) -> int:
        return sum(r.weight for r in self.reasons)

    @property
    def attention(self) -> str:
        """ "urgent", "watch" or "calm": how the card is marked."""
        return "urgent" if self.score >= 100 else "watch" if self.score >= 30 else "calm"

    @property
    def executive_escalations(self) -> int:
        return sum(1 for e in self.escalations if e.executive)

    @property
    def latest_review(self) -> ExecutiveReview | None:
        return self.reviews[0] if self.reviews else None

    @property
    def sponsor_change(self) -> bool:
        return self.sponsorship is not None and self.sponsorship.sponsor_change_on is not None

    @property
    def baseline(self) -> dict:
        return (self.sponsorship.baseline or {}) if self.sponsorship else {}

    @property
    def now(self) -> dict:
        """Today's figures, in the baseline's terms."""
        account = self.account
        return {
            "health": account.health_score,
            "nps": account.nps,
            "arr_minor": account.arr_minor,
            "currency": account.currency,
            "open_escalations": len(self.escalations),
            "escalations_90d": self.escalations_90d,
        }

    @property
    def health_drop(self) -> int:
        """Points of health lost since the sponsorship began (0 when none or unknown)."""
        then, now = self.baseline.get("health"), self.account.health_score
        if then is None or now is None:
            return 0
        return max(0, then - now)

    @property
    def coverage_strength(self) -> str:
        return getattr(self.coverage, "strength", "none") if self.coverage else "none"


# Reading -------------------------------------------------------------------------------------


def executives_with_counts() -> list[tuple[User, int]]:
    """Every executive (active first, by name) with the number of accounts they sponsor."""
    count = sa.func.count(Sponsorship.id)
    stmt = (
        sa.select(User, count)
        .outerjoin(
            Sponsorship,
            sa.and_(Sponsorship.sponsor_id == User.id, Sponsorship.status.in_(IN_PROGRAM)),
        )
        .where(User.role_rows.any(UserRole.role == Role.EXECUTIVE))
        .group_by(User.id)
        .order_by(User.active.desc(), User.name, User.id)
    )
    return [(user, n) for user, n in db.session.execute(stmt)]


def is_executive(user: User) -> bool:
    return Role.EXECUTIVE in user.roles


def portfolio(executive: User, today: date, now: datetime) -> list[AccountReview]:
    """The accounts the executive sponsors (active or in exit review), what needs them first."""
    stmt = (
        sa.select(Sponsorship)
        .where(Sponsorship.sponsor_id == executive.id, Sponsorship.status.in_(IN_PROGRAM))
        .options(joinedload(Sponsorship.sponsor_change_contact))
    )
    sponsorships = list(db.session.scalars(stmt))
    reviews = _assemble([(s.account, s) for s in sponsorships], today, now, REVIEWS_SHOWN)
    return sorted(reviews, key=_attention_order)


def account_review(account: Account, today: date, now: datetime) -> AccountReview:
    """One account's review, with its whole review history (of every sponsorship it had)."""
    sponsorship = db.session.scalar(
        sa.select(Sponsorship)
        .where(Sponsorship.account_id == account.id, Sponsorship.status.in_(IN_PROGRAM))
        .options(joinedload(Sponsorship.sponsor), joinedload(Sponsorship.sponsor_change_contact))
    )
    (review,) = _assemble([(account, sponsorship)], today, now, None)
    review.reviews = review_history(account.id)
    return review


def review_history(account_id: int) -> list[ExecutiveReview]:
    """Every review recorded on the account's sponsorships, newest first."""
    stmt = (
        sa.select(ExecutiveReview)
        .join(Sponsorship, Sponsorship.id == ExecutiveReview.sponsorship_id)
        .where(Sponsorship.account_id == account_id)
        .options(joinedload(ExecutiveReview.reviewer))
        .order_by(ExecutiveReview.created_at.desc(), ExecutiveReview.id.desc())
    )
    return list(db.session.scalars(stmt))


def recent_timeline(account_id: int, limit: int = TIMELINE_SHOWN) -> list[TimelineEvent]:
    stmt = (
        sa.select(TimelineEvent)
        .where(TimelineEvent.account_id == account_id)
        .order_by(TimelineEvent.occurred_at.desc(), TimelineEvent.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def _attention_order(review: AccountReview):
    soon = review.days_to_renewal if review.days_to_renewal is not None else 10**6
    return (-review.score, soon, review.account.name.casefold(), review.account.id)


def _assemble(pairs, today: date, now: datetime, review_limit: int | None) -> list[AccountReview]:
    """AccountReviews of (account, sponsorship or None) pairs: one query per kind of fact."""
    reviews = [AccountReview(account=a, sponsorship=s) for a, s in pairs]
    if not reviews:
        return []
    account_ids = [r.account.id for r in reviews]
    sponsorships = [r.sponsorship for r in reviews if r.sponsorship is not None]
    health = _health_series(account_ids)
    escalations = _open_escalations(account_ids)
    recent = _escalations_since(account_ids, now - timedelta(days=90))
    last, upcoming = _touchpoints(account_ids)
    cadences = cadence_status(sponsorships, today) if sponsorships else {}
    coverage = coverage_for(account_ids, today)
    sponsorship_ids = [s.id for s in sponsorships]
    objectives = _objective_counts(sponsorship_ids)
    latest_reviews = _latest_reviews(sponsorship_ids, review_limit) if review_limit else {}
    for review in reviews:
        account_id, sponsorship = review.account.id, review.sponsorship
        review.health = health.get(account_id, [])
        review.escalations = escalations.get(account_id, [])
        review.escalations_90d = recent.get(account_id, 0)
        review.last_touchpoint = last.get(account_id)
        review.next_touchpoint = upcoming.get(account_id)
        review.coverage = coverage.get(account_id)
        if review.account.renewal_date is not None:
            review.days_to_renewal = (review.account.renewal_date - today).days
        if sponsorship is not None:
            review.cadence = cadences.get(sponsorship.id)
            counts = objectives.get(sponsorship.id, (0, 0, 0))
            (
                review.objectives_total,
                review.objectives_achieved,
                review.objectives_at_risk,
            ) = counts
            review.reviews = latest_reviews.get(sponsorship.id, [])
        review.reasons = reasons(review)
    return reviews


def _latest_rows(column_partition, order_by):
    return sa.func.row_number().over(partition_by=column_partition, order_by=order_by)


def _health_series(account_ids: list[int]) -> dict[int, list[int]]:
    """The latest HEALTH_POINTS scores of each account, oldest first (one statement)."""
    rank = _latest_rows(
        HealthScoreEntry.account_id,
        (HealthScoreEntry.recorded_at.desc(), HealthScoreEntry.id.desc()),
    ).label("rank")
    ranked = (
        sa.select(
            HealthScoreEntry.account_id,
            HealthScoreEntry.score,
            HealthScoreEntry.recorded_at,
            HealthScoreEntry.id,
            rank,
        )
        .where(HealthScoreEntry.account_id.in_(account_ids))
        .subquery()
    )
    rows = db.session.execute(
        sa.select(ranked.c.account_id, ranked.c.score)
        .where(ranked.c.rank <= HEALTH_POINTS)
        .order_by(ranked.c.account_id, ranked.c.recorded_at, ranked.c.id)
    )
    series: dict[int, list[int]] = {}
    for account_id, score in rows:
        series.setdefault(account_id, []).append(score)
    return series


# "Not closed" rather than "one of the open statuses": SQLite would otherwise walk the status
# index over every open escalation of the book instead of the 40 accounts' own (64 ms vs 1 ms
# on the bench book).
NOT_OPEN = tuple(status for status in Status if status not in OPEN_STATUSES)


def _open_escalations(account_ids: list[int]) -> dict[int, list[OpenEscalation]]:
    """Open escalations per account, executive first, then by severity and age."""
    asked = (
        sa.select(Handoff.what_is_needed)
        .where(Handoff.escalation_id == Escalation.id, Handoff.to_level == Level.EXECUTIVE)
        .order_by(Handoff.id.desc())
        .limit(1)
        .correlate(Escalation)
        .scalar_subquery()
    )
    stmt = sa.select(
        Escalation.account_id,
        Escalation.id,
        Escalation.title,
        Escalation.executive,
        Escalation.severity,
        Escalation.level,
        Escalation.created_at,
        asked,
    ).where(Escalation.account_id.in_(account_ids), Escalation.status.not_in(NOT_OPEN))
    found: dict[int, list[OpenEscalation]] = {}
    for row in db.session.execute(stmt):
        found.setdefault(row[0], []).append(OpenEscalation(*row[1:]))
    for rows in found.values():
        rows.sort(key=lambda e: (not e.executive, SEVERITY_ORDER[e.severity], e.created_at))
    return found


def _escalations_since(account_ids: list[int], since: datetime) -> dict[int, int]:
    stmt = (
        sa.select(Escalation.account_id, sa.func.count(Escalation.id))
        .where(Escalation.account_id.in_(account_ids), Escalation.created_at >= since)
        .group_by(Escalation.account_id)
    )
    return dict(db.session.execute(stmt).all())


def _touchpoints(account_ids: list[int]) -> tuple[dict, dict]:
    """Each account's latest completed touchpoint and its earliest planned one (overdue or
    not): one statement."""

    def first(status: TouchpointStatus, order):
        rank = _latest_rows(Touchpoint.account_id, (order, Touchpoint.id)).label("rank")
        ranked = (
            sa.select(Touchpoint.id, rank)
            .where(Touchpoint.account_id.in_(account_ids), Touchpoint.status == status)
            .subquery()
        )
        return sa.select(ranked.c.id).where(ranked.c.rank == 1)

    wanted = sa.union_all(
        first(TouchpointStatus.COMPLETED, Touchpoint.starts_at.desc()),
        first(TouchpointStatus.PLANNED, Touchpoint.starts_at.asc()),
    ).subquery()
    stmt = (
        sa.select(Touchpoint)
        .where(Touchpoint.id.in_(sa.select(wanted.c.id)))
        .options(
            lazyload(Touchpoint.account),
            lazyload(Touchpoint.executives),
            lazyload(Touchpoint.contacts),
        )
    )
    last, upcoming = {}, {}
    for touchpoint in db.session.scalars(stmt):
        target = last if touchpoint.status is TouchpointStatus.COMPLETED else upcoming
        target[touchpoint.account_id] = touchpoint
    return last, upcoming


def _objective_counts(sponsorship_ids: list[int]) -> dict[int, tuple[int, int, int]]:
    """(total, achieved, at risk) objectives per sponsorship."""
    if not sponsorship_ids:
        return {}
    stmt = (
        sa.select(
            Objective.sponsorship_id,
            sa.func.count(Objective.id),
            sa.func.count(Objective.id).filter(Objective.status == ObjectiveStatus.ACHIEVED),
            sa.func.count(Objective.id).filter(Objective.status == ObjectiveStatus.AT_RISK),
        )
        .where(Objective.sponsorship_id.in_(sponsorship_ids))
        .group_by(Objective.sponsorship_id)
    )
    return {row[0]: tuple(row[1:]) for row in db.session.execute(stmt)}


def _latest_reviews(sponsorship_ids: list[int], limit: int) -> dict[int, list[ExecutiveReview]]:
    """The latest `limit` reviews of each sponsorship, newest first, with their reviewers."""
    if not sponsorship_ids:
        return {}
    rank = _latest_rows(
        ExecutiveReview.sponsorship_id,
        (ExecutiveReview.created_at.desc(), ExecutiveReview.id.desc()),
    ).label("rank")
    ranked = (
        sa.select(ExecutiveReview.id, rank)
        .where(ExecutiveReview.sponsorship_id.in_(sponsorship_ids))
        .subquery()
    )
    stmt = (
        sa.select(ExecutiveReview)
        .join(ranked, ranked.c.id == ExecutiveReview.id)
        .where(ranked.c.rank <= limit)
        .options(joinedload(ExecutiveReview.reviewer))
        .order_by(ExecutiveReview.created_at.desc(), ExecutiveReview.id.desc())
    )
    found: dict[int, list[ExecutiveReview]] = {}
    for review in db.session.scalars(stmt):
        found.setdefault(review.sponsorship_id, []).append(review)
    return found


# Attention ------------------------------------------------------------------------------------


def reasons(review: AccountReview) -> list[Reason]:
    """Why the account needs its executive now, heaviest first (empty: nothing pressing)."""
    found = []
    executive = review.executive_escalations
    if executive:
        found.append(
            Reason(
                100 + 10 * (executive - 1),
                lazy_ngettext(
                    "Executive escalation open", "%(num)d executive escalations open", executive
                ),
            )
        )
    if review.sponsor_change:
        found.append(Reason(60, _l("Customer sponsor left or changed role")))
    if (
        review.sponsorship is not None
        and review.sponsorship.status is SponsorshipStatus.EXIT_REVIEW
    ):
        found.append(Reason(50, _l("In exit review")))
    days = review.days_to_renewal
    if days is not None and days <= RENEWAL_SOON_DAYS:
        if days < 0:
            text = lazy_ngettext(
                "Renewal date passed %(num)d day ago", "Renewal date passed %(num)d days ago", -days
            )
        elif days == 0:
            text = _l("Renewal today")
        else:
            text = lazy_ngettext("Renewal in %(num)d day", "Renewal in %(num)d days", days)
        found.append(Reason(45 if days <= 30 else 35, text))
    if review.cadence is not None and review.cadence.behind:
        found.append(Reason(25, _l("Behind the touchpoint cadence")))
    drop = review.health_drop
    if drop >= HEALTH_DROP_POINTS:
        found.append(
            Reason(
                15 + min(drop, 30) // 2,
                lazy_ngettext(
                    "Health down %(num)d point since entry",
                    "Health down %(num)d points since entry",
                    drop,
                ),
            )
        )
    if review.coverage_strength == "cold":
        found.append(Reason(15, _l("Relationships have gone cold")))
    if review.objectives_at_risk:
        found.append(
            Reason(
                10,
                lazy_ngettext(
                    "%(num)d objective at risk",
                    "%(num)d objectives at risk",
                    review.objectives_at_risk,
                ),
            )
        )
    return sorted(found, key=lambda r: -r.weight)


# Recording a review ---------------------------------------------------------------------------


class ReviewRefused(DomainError):
    pass


def record_review(
    actor, sponsorship: Sponsorship, decision: ReviewDecision, note: str, now: datetime
) -> ExecutiveReview:
    """The executive's review of a sponsored account, kept as history (audited).

    "Propose exit" moves an active sponsorship to exit review with the note as the reason;
    one already in exit review only records it. "Continue" on a sponsorship in exit review
    keeps it in the program (as the sponsorship page's "Continue the sponsorship" does).
    The caller commits."""
    note = note.strip()
    if sponsorship.status not in IN_PROGRAM:
        raise ReviewRefused(_l("Only an active sponsorship or one in exit review is reviewed."))
    if not note:
        raise ReviewRefused(_l("Write what you concluded."))
    if len(note) > NOTE_MAX:
        raise ReviewRefused(_l("At most %(n)d characters.", n=NOTE_MAX))
    if decision is ReviewDecision.PROPOSE_EXIT and sponsorship.status is SponsorshipStatus.ACTIVE:
        rules = [{"id": None, "kind": "executive_review", "text": note[:500]}]
        sponsorship_services.to_exit_review(sponsorship, rules, now, actor)
    elif decision is ReviewDecision.CONTINUE and (
        sponsorship.status is SponsorshipStatus.EXIT_REVIEW
    ):
        sponsorship_services.keep(actor, sponsorship, now)
    review = ExecutiveReview(
        sponsorship_id=sponsorship.id,
        reviewer_id=actor.id,
        decision=decision,
        note=note,
        created_at=now,
    )
    db.session.add(review)
    audit.record(
        actor,
        "sponsorship",
        sponsorship.id,
        "review",
        changes={"decision": [None, decision.value], "note": [None, note]},
        summary=sponsorship.account.name,
        account_id=sponsorship.account_id,
    )
    db.session.flush()
    return review
