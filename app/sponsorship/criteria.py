"""Entry and exit criteria of the sponsorship program, evaluated in SQL.

Each rule kind is a condition on `accounts`: correlated EXISTS / NOT EXISTS on escalations and
health entries (served by their (account_id, time) indexes), IN on sponsorships (served by the
status index). One side of the program is evaluated by one statement, with one CTE per active
rule, whatever the size of the book.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext, ngettext

from app.accounts.models import Account, HealthScoreEntry, LifecycleStatus, Tier
from app.escalations.models import OPEN_STATUSES, Escalation
from app.extensions import db
from app.formatting import CURRENCIES, label, money
from app.sponsorship.models import (
    OPEN_SPONSORSHIP,
    Criterion,
    CriterionKind,
    CriterionSide,
    ProgramSettings,
    Sponsorship,
    SponsorshipStatus,
)


@dataclass
class Match:
    """An account that meets one side's rules, with the active rules it met (in id order)."""

    account_id: int
    criteria: list[Criterion]


def matching_account_ids(criterion: Criterion, *, today: date, now: datetime) -> sa.Select:
    """SELECT of account ids meeting this one rule (no candidate restriction)."""
    return sa.select(Account.id).where(_condition(criterion, today=today, now=now))


def evaluate(side: CriterionSide, *, today: date, now: datetime) -> list[Match]:
    """Accounts meeting the side's active rules under the program's all/any combination,
    ordered by account name: entry among accounts not churned and not in the program, exit
    among accounts with an active sponsorship."""
    rules = list(
        db.session.scalars(
            sa.select(Criterion)
            .where(Criterion.side == side, Criterion.active)
            .order_by(Criterion.id)
        )
    )
    if not rules:
        return []
    settings = db.session.scalar(sa.select(ProgramSettings).order_by(ProgramSettings.id).limit(1))
    combination = (
        settings.entry_combination if side is CriterionSide.ENTRY else settings.exit_combination
    )
    candidate = _candidates(side)
    # One CTE per rule, each evaluated once; the account list checks membership in each.
    met = [
        Account.id.in_(
            sa.select(
                matching_account_ids(rule, today=today, now=now)
                .where(candidate)
                .cte(f"met_{position}")
            )
        )
        for position, rule in enumerate(rules)
    ]
    combine = sa.and_ if combination == "all" else sa.or_
    rows = db.session.execute(
        sa.select(Account.id, *met).where(combine(*met)).order_by(Account.name, Account.id)
    )
    return [
        Match(row[0], [rule for rule, flag in zip(rules, row[1:], strict=True) if flag])
        for row in rows
    ]


def describe(criterion: Criterion) -> str:
    """The rule in words, e.g. "ARR ≥ ¥300,000,000 / $2,000,000.00"."""
    params = criterion.params or {}
    kind = criterion.kind
    if kind is CriterionKind.ARR_AT_LEAST:
        return gettext("ARR ≥ %(amounts)s", amounts=_amounts_text(params))
    if kind is CriterionKind.ARR_BELOW:
        return gettext("ARR < %(amounts)s", amounts=_amounts_text(params))
    if kind is CriterionKind.TIER_IN:
        tiers = ", ".join(label(tier) for tier in _tiers(params))
        return gettext("Tier in %(tiers)s", tiers=tiers)
    if kind is CriterionKind.EXECUTIVE_ESCALATION_WITHIN:
        return ngettext(
            "Executive escalation in the last day",
            "Executive escalation in the last %(num)d days",
            int(params["days"]),
        )
    if kind is CriterionKind.HEALTH_AT_MOST:
        return gettext("Health ≤ %(score)d", score=int(params["score"]))
    if kind is CriterionKind.RENEWAL_WITHIN:
        return ngettext(
            "Renewal within %(num)d day", "Renewal within %(num)d days", int(params["days"])
        )
    if kind is CriterionKind.TERM_ENDED:
        return gettext("Sponsorship term ended")
    if kind is CriterionKind.HEALTH_AT_LEAST_FOR:
        return ngettext(
            "Health ≥ %(score)d for %(num)d day",
            "Health ≥ %(score)d for %(num)d days",
            int(params["days"]),
            score=int(params["score"]),
        )
    if kind is CriterionKind.NO_OPEN_EXECUTIVE_ESCALATION_FOR:
        return ngettext(
            "No open executive escalation for %(num)d day",
            "No open executive escalation for %(num)d days",
            int(params["days"]),
        )
    if kind is CriterionKind.CHURNED:
        return gettext("Account churned")
    raise ValueError(f"unknown criterion kind {kind!r}")


def _candidates(side: CriterionSide) -> sa.ColumnElement[bool]:
    """Accounts a side considers: entry, not churned and no nomination or sponsorship in
    progress; exit, an active sponsorship (not one already in exit review)."""
    if side is CriterionSide.ENTRY:
        in_program = sa.select(Sponsorship.account_id).where(
            Sponsorship.status.in_(OPEN_SPONSORSHIP)
        )
        return sa.and_(Account.status != LifecycleStatus.CHURNED, Account.id.not_in(in_program))
    return _active_sponsorship()


def _active_sponsorship(*conditions) -> sa.ColumnElement[bool]:
    # IN rather than a correlated EXISTS: the only index on sponsorships.account_id is partial
    # (open statuses), which SQLite cannot match against "status = 'active'", so an EXISTS
    # there scans every active sponsorship once per account; this runs the lookup once, on the
    # status index.
    return Account.id.in_(
        sa.select(Sponsorship.account_id).where(
            Sponsorship.status == SponsorshipStatus.ACTIVE, *conditions
        )
    )


def _condition(criterion: Criterion, *, today: date, now: datetime) -> sa.ColumnElement[bool]:
    """The rule as a condition on the `accounts` row."""
    params = criterion.params or {}
    kind = criterion.kind
    if kind is CriterionKind.ARR_AT_LEAST:
        return _arr_compare(params, lambda amount: Account.arr_minor >= amount)
    if kind is CriterionKind.ARR_BELOW:
        return _arr_compare(params, lambda amount: Account.arr_minor < amount)
    if kind is CriterionKind.TIER_IN:
        tiers = _tiers(params)
        return Account.tier.in_(tiers) if tiers else sa.false()
    if kind is CriterionKind.EXECUTIVE_ESCALATION_WITHIN:
        since = now - timedelta(days=int(params["days"]))
        return sa.exists().where(
            Escalation.account_id == Account.id,
            Escalation.created_at >= since,
            Escalation.executive,
        )
    if kind is CriterionKind.HEALTH_AT_MOST:
        return Account.health_score <= int(params["score"])
    if kind is CriterionKind.RENEWAL_WITHIN:
        return Account.renewal_date.between(today, today + timedelta(days=int(params["days"])))
    if kind is CriterionKind.TERM_ENDED:
        return _active_sponsorship(Sponsorship.planned_end_on <= today)
    if kind is CriterionKind.HEALTH_AT_LEAST_FOR:
        return _health_held(int(params["score"]), now - timedelta(days=int(params["days"])), now)
    if kind is CriterionKind.NO_OPEN_EXECUTIVE_ESCALATION_FOR:
        since = now - timedelta(days=int(params["days"]))
        return ~sa.exists().where(
            Escalation.account_id == Account.id,
            Escalation.executive,
            sa.or_(Escalation.status.in_(OPEN_STATUSES), Escalation.resolved_at > since),
        )
    if kind is CriterionKind.CHURNED:
        return Account.status == LifecycleStatus.CHURNED
    raise ValueError(f"unknown criterion kind {kind!r}")


def _health_held(score: int, since: datetime, now: datetime) -> sa.ColumnElement[bool]:
    """Health at or above `score` all the way from `since` to `now`: the score in effect at
    `since` (the latest entry at or before it), every entry after it and the current one."""
    dipped = sa.exists().where(
        HealthScoreEntry.account_id == Account.id,
        HealthScoreEntry.recorded_at > since,
        HealthScoreEntry.recorded_at <= now,
        HealthScoreEntry.score < score,
    )
    score_at_start = (
        sa.select(HealthScoreEntry.score)
        .where(HealthScoreEntry.account_id == Account.id, HealthScoreEntry.recorded_at <= since)
        .order_by(HealthScoreEntry.recorded_at.desc(), HealthScoreEntry.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    # No entry before the window makes score_at_start NULL, and the comparison not true.
    return sa.and_(Account.health_score >= score, ~dipped, score_at_start >= score)


def _arr_compare(params: dict, compare) -> sa.ColumnElement[bool]:
    """ARR compared with the rule's amount in the account's own currency; an account whose
    currency the rule gives no amount for never matches."""
    amounts = params.get("amounts") or {}
    if not amounts:
        return sa.false()
    return sa.or_(
        *(
            sa.and_(Account.currency == currency, compare(int(amount)))
            for currency, amount in amounts.items()
        )
    )


def _amounts_text(params: dict) -> str:
    amounts = params.get("amounts") or {}
    order = {currency: position for position, currency in enumerate(CURRENCIES)}
    currencies = sorted(amounts, key=lambda c: (order.get(c, len(order)), c))
    return " / ".join(money(int(amounts[currency]), currency) for currency in currencies)


def _tiers(params: dict) -> list[Tier]:
    """The rule's tiers that the account book knows, in the book's order."""
    chosen = set(params.get("tiers") or ())
    return [tier for tier in Tier if tier.value in chosen]
