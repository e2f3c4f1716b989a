"""Program results: sponsored and not-sponsored accounts side by side, aggregated in SQL.

Over the whole book this takes about half a second on PostgreSQL (50,000 accounts, 500,000
escalations; with JIT on, as POSTGRES_SETTINGS turns it off, compiling its plan alone took
2.5 s), so the page reads a stored snapshot of it (snapshots.py), recomputed by the
scheduler and on an admin's request."""

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from app.accounts.models import Account, ArrEntry, HealthScoreEntry, LifecycleStatus
from app.escalations.models import Escalation
from app.extensions import db
from app.sponsorship.models import IN_PROGRAM, Sponsorship, SponsorshipStatus

YEAR = timedelta(days=365)


def _health_a_year_ago(now: datetime):
    """The account's health score in effect a year ago (latest entry on or before then)."""
    return (
        sa.select(HealthScoreEntry.score)
        .where(
            HealthScoreEntry.account_id == Account.id, HealthScoreEntry.recorded_at <= now - YEAR
        )
        .order_by(HealthScoreEntry.recorded_at.desc())
        .limit(1)
        .scalar_subquery()
    )


def _arr_a_year_ago(now: datetime):
    """The account's ARR a year ago, when the currency was the same as today's."""
    return (
        sa.select(ArrEntry.arr_minor)
        .where(
            ArrEntry.account_id == Account.id,
            ArrEntry.recorded_at <= now - YEAR,
            ArrEntry.currency == Account.currency,
        )
        .order_by(ArrEntry.recorded_at.desc())
        .limit(1)
        .scalar_subquery()
    )


def program_results(now: datetime, today: date) -> dict:
    """Renewal rate, health change over a year, escalations per account, per group; change
    since entry for sponsored accounts; counts by status; average time in the program."""
    # IN, not a correlated EXISTS: SQLite cannot use the partial index per account (10 s).
    sponsored = Account.id.in_(
        sa.select(Sponsorship.account_id).where(Sponsorship.status.in_(IN_PROGRAM))
    )
    group = sa.case((sponsored, "sponsored"), else_="not_sponsored")
    # Counted per account from the (account_id, created_at) index alone: joining a count
    # grouped over the escalations read the whole table (300 MB), twice in parallel plans.
    escalations_year = (
        sa.select(sa.func.count())
        .select_from(Escalation)
        .where(Escalation.account_id == Account.id, Escalation.created_at >= now - YEAR)
        .scalar_subquery()
    )
    renewal_due = Account.renewal_date.between(today - YEAR, today)
    health_then = _health_a_year_ago(now)
    # Relative change, so accounts in different currencies can be averaged together; written
    # as now / then - 1 so that the ARR a year ago is looked up once per account, not twice.
    arr_change = Account.arr_minor * 1.0 / sa.func.nullif(_arr_a_year_ago(now), 0) - 1
    rows = db.session.execute(
        sa.select(
            group.label("grp"),
            sa.func.count(Account.id),
            sa.func.count(Account.id).filter(renewal_due),
            sa.func.count(Account.id).filter(
                renewal_due, Account.status != LifecycleStatus.CHURNED
            ),
            sa.func.avg(Account.health_score - health_then),
            sa.func.avg(escalations_year),
            sa.func.count(Account.id).filter(Account.status == LifecycleStatus.CHURNED),
            sa.func.avg(arr_change),
        ).group_by(group)
    ).all()
    groups = {}
    for grp, accounts, due, renewed, health_change, escalations, churned, arr in rows:
        groups[grp] = {
            "accounts": accounts,
            "renewal_rate": (renewed / due) if due else None,
            "health_change": float(health_change) if health_change is not None else None,
            "escalations_per_account": float(escalations or 0),
            "churned": churned,
            "arr_change": float(arr) if arr is not None else None,
        }
    return {
        "groups": groups,
        "since_entry": _since_entry(),
        "by_status": _by_status(),
        "average_days": _average_days(today),
    }


def _since_entry() -> dict:
    """Health and ARR now against the baseline taken at activation, for accounts in the
    program (ARR per currency: amounts are never converted)."""
    baseline_health = sa.cast(Sponsorship.baseline["health"].as_string(), sa.Integer)
    baseline_arr = sa.cast(Sponsorship.baseline["arr_minor"].as_string(), sa.BigInteger)
    health = db.session.execute(
        sa.select(
            sa.func.count(Sponsorship.id), sa.func.avg(Account.health_score - baseline_health)
        )
        .join(Account, Account.id == Sponsorship.account_id)
        .where(Sponsorship.status.in_(IN_PROGRAM))
    ).one()
    arr = db.session.execute(
        sa.select(Account.currency, sa.func.sum(baseline_arr), sa.func.sum(Account.arr_minor))
        .join(Account, Account.id == Sponsorship.account_id)
        .where(Sponsorship.status.in_(IN_PROGRAM))
        .group_by(Account.currency)
        .order_by(Account.currency)
    ).all()
    return {
        "accounts": health[0],
        "health_change": float(health[1]) if health[1] is not None else None,
        "arr": [{"currency": c, "baseline": int(b or 0), "now": int(n or 0)} for c, b, n in arr],
    }


def _by_status() -> dict:
    rows = db.session.execute(
        sa.select(Sponsorship.status, sa.func.count(Sponsorship.id)).group_by(Sponsorship.status)
    ).all()
    counts = {status: 0 for status in SponsorshipStatus}
    counts.update(dict(rows))
    return counts


def _average_days(today: date) -> float | None:
    """Average days from start to exit (or to today for those still in)."""
    rows = db.session.execute(
        sa.select(Sponsorship.started_on, Sponsorship.exit_on).where(
            Sponsorship.started_on.is_not(None)
        )
    ).all()
    if not rows:
        return None
    # Date arithmetic differs between SQLite and PostgreSQL; summing over the program's
    # sponsorships (hundreds, not the account book) in Python keeps it portable.
    days = [((end or today) - start).days for start, end in rows]
    return sum(days) / len(days)
