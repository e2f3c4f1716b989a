"""Keeping the report rollups (models.py) up to date: `refresh(now)`, run by the scheduler
and by the admins' "Refresh now".

Incremental: the escalations changed since the last watermark (their own row, an SLA clock
stopped or breached, a survey answered, a post-mortem completed, the account's tier changed)
name the local days they were created on; those days are recounted from the escalations with
INSERT ... SELECT ... GROUP BY, then their months are summed again from the day rows, and the
repeat spans of their accounts are laid out again. Everything is counted in SQL; only the
per-account day counts of the changed accounts are read back, to find their repeat spans.
The first run, or a change of the app's timezone, rebuilds everything.
"""

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from itertools import groupby
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.reports.models import (
    ALL_OWNERS,
    ALL_TIERS,
    DAY,
    MONTH,
    ReportAccountCount,
    ReportFigure,
    ReportRepeatSpan,
    ReportState,
)
from app.reports.timing import BUCKET_SEGMENTS, REPEAT_COUNT, REPEAT_DAYS

# Changes are looked for this far before the watermark too: a transaction that stamped its
# rows before the last run but committed after it is still seen.
OVERLAP = timedelta(minutes=10)
# Days to recount whose gap is at most this are recounted in one go (one set of statements).
MERGE_GAP_DAYS = 7
CHUNK = 500

# The tables, by their columns only: the rollups read the escalation domain's storage.
escalations = sa.table(
    "escalations",
    sa.column("id", sa.Integer),
    sa.column("account_id", sa.Integer),
    sa.column("owner_id", sa.Integer),
    sa.column("created_at", sa.DateTime),
    sa.column("updated_at", sa.DateTime),
    sa.column("category", sa.String),
    sa.column("severity", sa.String),
    sa.column("level", sa.String),
    sa.column("first_response_minutes", sa.Integer),
    sa.column("resolution_minutes", sa.Integer),
)
accounts = sa.table("accounts", sa.column("id", sa.Integer), sa.column("tier", sa.String))
tags = sa.table("escalation_tags", sa.column("escalation_id"), sa.column("name", sa.String))
clocks = sa.table(
    "sla_clocks",
    sa.column("escalation_id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("met", sa.Boolean),
    sa.column("stopped_at", sa.DateTime),
    sa.column("breached_at", sa.DateTime),
)
surveys = sa.table(
    "escalation_surveys",
    sa.column("escalation_id", sa.Integer),
    sa.column("score", sa.Integer),
    sa.column("answered_at", sa.DateTime),
)
post_mortems = sa.table(
    "post_mortems",
    sa.column("escalation_id", sa.Integer),
    sa.column("root_cause_category", sa.String),
    sa.column("completed_at", sa.DateTime),
)
figures_table = ReportFigure.__table__
counts_table = ReportAccountCount.__table__
spans_table = ReportRepeatSpan.__table__


def _utc(moment: datetime):
    """A bound UTC time as the escalation tables store it (naive UTC on SQLite)."""
    from app.models import UTCDateTime

    return sa.literal(moment, UTCDateTime())


# ---- local days in SQL ---------------------------------------------------------------------


def _offsets(zone: ZoneInfo, start: datetime, end: datetime) -> list[tuple[datetime, int]]:
    """[(from UTC moment, offset seconds)] of the zone between two moments (hour by hour, so
    every daylight-saving change inside is found)."""
    moment = start.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    found = [(moment, int(moment.astimezone(zone).utcoffset().total_seconds()))]
    while moment < end:
        moment += timedelta(hours=1)
        offset = int(moment.astimezone(zone).utcoffset().total_seconds())
        if offset != found[-1][1]:
            # The change happened within the last hour: find its minute.
            probe = moment - timedelta(hours=1)
            while int(probe.astimezone(zone).utcoffset().total_seconds()) != offset:
                probe += timedelta(minutes=1)
            found.append((probe, offset))
    return found


class LocalDays:
    """SQL expressions for the local day and month of a UTC column, in the app's zone."""

    def __init__(self, zone_name: str, dialect: str, span: tuple[datetime, datetime] | None):
        self.zone_name, self.zone, self.dialect = zone_name, ZoneInfo(zone_name), dialect
        self.span = span

    def day(self, column):
        if self.dialect == "postgresql":
            return sa.cast(sa.func.timezone(self.zone_name, column), sa.Date)
        # SQLite has no zones: the offset in force at each moment, as a CASE over the changes.
        start, end = self.span or (datetime(2000, 1, 1, tzinfo=UTC), datetime.now(UTC))
        changes = _offsets(self.zone, start, end + timedelta(days=1))
        if len(changes) == 1:
            modifier = sa.literal(f"{changes[0][1]:+d} seconds")
        else:
            modifier = sa.case(
                *[
                    (column < _utc(until), f"{offset:+d} seconds")
                    for (_since, offset), (until, _next) in zip(changes, changes[1:], strict=False)
                ],
                else_=f"{changes[-1][1]:+d} seconds",
            )
        return sa.func.date(column, modifier)

    def month(self, day):
        if self.dialect == "postgresql":
            return sa.cast(sa.func.date_trunc("month", day), sa.Date)
        return sa.func.date(day, "start of month")

    def start(self, day: date) -> datetime:
        """The UTC moment the local day begins."""
        return datetime.combine(day, time(0), tzinfo=self.zone).astimezone(UTC)


def bucket_of(minutes):
    """The histogram bucket (timing.BUCKET_SEGMENTS) of a number of business minutes, in SQL."""
    whens, first = [(minutes < 0, 0)], 0
    for low, high, width in BUCKET_SEGMENTS:
        whens.append((minutes < high, first + (minutes - low) // width))
        first += (high - low) // width
    return sa.cast(sa.case(*whens, else_=first), sa.String)


# ---- recounting ------------------------------------------------------------------------------


def _combos(owners_only: bool = False):
    """The keys each escalation counts under: (per tier?, per owner?)."""
    pairs = [(0, 0), (0, 1)] if owners_only else [(0, 0), (0, 1), (1, 0), (1, 1)]
    selects = [sa.select(sa.literal(t).label("t"), sa.literal(o).label("o")) for t, o in pairs]
    return sa.union_all(*selects).subquery("combos")


def _figure_rows(days: LocalDays, where):
    """SELECT of (day, tier_key, owner_key, figure, key, value) for the escalations matching
    `where`, once per key they count under. The escalations are summed per day, tier and
    owner first and those sums counted under each key, rather than each escalation joined
    and sorted once per key (four times)."""
    e, a = escalations, accounts
    day = days.day(e.c.created_at)

    def rows(figure: str, key, value=1, join=None, *conditions):
        base = e.join(a, a.c.id == e.c.account_id)
        if join is not None:
            base = base.join(*join)
        return (
            sa.select(
                day.label("day"),
                a.c.tier.label("tier"),
                e.c.owner_id.label("owner_id"),
                sa.literal(figure).label("figure"),
                sa.cast(key, sa.String).label("key"),
                sa.cast(value, sa.BigInteger).label("value"),
            )
            .select_from(base)
            .where(where, *conditions)
        )

    settled = sa.or_(clocks.c.stopped_at.is_not(None), clocks.c.breached_at.is_not(None))
    by_clock = (clocks, clocks.c.escalation_id == e.c.id)
    by_survey = (surveys, surveys.c.escalation_id == e.c.id)
    answered = surveys.c.score.is_not(None)
    parts = [
        rows("total", sa.literal("")),
        rows("category", e.c.category),
        rows("severity", e.c.severity),
        rows("level", e.c.level),
        rows(
            "first_response",
            bucket_of(e.c.first_response_minutes),
            1,
            None,
            e.c.first_response_minutes.is_not(None),
        ),
        rows(
            "resolution",
            bucket_of(e.c.resolution_minutes),
            1,
            None,
            e.c.resolution_minutes.is_not(None),
        ),
        rows("tag", tags.c.name, 1, (tags, tags.c.escalation_id == e.c.id)),
        rows(
            "root_cause",
            post_mortems.c.root_cause_category,
            1,
            (post_mortems, post_mortems.c.escalation_id == e.c.id),
            post_mortems.c.completed_at.is_not(None),
        ),
        rows("csat", sa.literal("answered"), 1, by_survey, answered),
        rows("csat", sa.literal("score_sum"), surveys.c.score, by_survey, answered),
        rows("csat", sa.literal("satisfied"), 1, by_survey, answered, surveys.c.score >= 4),
    ]
    for kind in ("first_response", "resolution"):
        parts.append(
            rows(f"sla_{kind}", sa.literal("settled"), 1, by_clock, clocks.c.kind == kind, settled)
        )
        parts.append(
            rows(
                f"sla_{kind}",
                sa.literal("met"),
                1,
                by_clock,
                clocks.c.kind == kind,
                settled,
                clocks.c.met.is_(True),
            )
        )
    rows_of = sa.union_all(*parts).subquery("figure_rows")
    grouped = (rows_of.c.day, rows_of.c.tier, rows_of.c.owner_id, rows_of.c.figure, rows_of.c.key)
    summed = (
        sa.select(*grouped, sa.func.sum(rows_of.c.value).label("value"))
        .group_by(*grouped)
        .subquery("per_owner")
    )
    return _under_each_key(summed, _combos())


def _under_each_key(summed, combos):
    """`summed` (day, tier, owner_id, ..., value) once per key of `combos`: all tiers or the
    row's, all owners or the row's (a row without an owner counts under all owners only)."""
    tier_key = sa.case((combos.c.t == 1, summed.c.tier), else_=ALL_TIERS)
    owner_key = sa.case((combos.c.o == 1, summed.c.owner_id), else_=ALL_OWNERS)
    rest = [column for column in summed.c if column.key not in ("tier", "owner_id")]
    return (
        sa.select(tier_key.label("tier_key"), owner_key.label("owner_key"), *rest)
        .select_from(summed.join(combos, sa.true()))
        .where(sa.or_(combos.c.o == 0, summed.c.owner_id.is_not(None)))
        .subquery("keyed")
    )


def _recount_days(days: LocalDays, first: date | None, last: date | None) -> None:
    """Day rows of the days first..last (None, None: all days) counted again."""
    if first is None:
        where = sa.true()
        db.session.execute(sa.delete(figures_table).where(figures_table.c.grain == DAY))
        db.session.execute(sa.delete(counts_table).where(counts_table.c.grain == DAY))
    else:
        where = sa.and_(
            escalations.c.created_at >= _utc(days.start(first)),
            escalations.c.created_at < _utc(days.start(last + timedelta(days=1))),
        )
        for table in (figures_table, counts_table):
            db.session.execute(
                sa.delete(table).where(
                    table.c.grain == DAY, table.c.period >= first, table.c.period <= last
                )
            )
    source = _figure_rows(days, where)
    grouped = sa.select(
        source.c.tier_key,
        source.c.owner_key,
        sa.literal(DAY),
        source.c.day,
        days.month(source.c.day),
        source.c.figure,
        source.c.key,
        sa.func.sum(source.c.value),
    ).group_by(source.c.day, source.c.tier_key, source.c.owner_key, source.c.figure, source.c.key)
    db.session.execute(
        sa.insert(figures_table).from_select(
            ["tier_key", "owner_key", "grain", "period", "month", "figure", "key", "n"], grouped
        )
    )
    e, a = escalations, accounts
    day = days.day(e.c.created_at).label("day")
    counted = (day, e.c.account_id, a.c.tier, e.c.owner_id)
    per_owner = (  # each escalation read once, then counted under all owners and its own
        sa.select(*counted, sa.func.count().label("n"))
        .select_from(e.join(a, a.c.id == e.c.account_id))
        .where(where)
        .group_by(*counted)
        .subquery("per_owner")
    )
    combos = _combos(owners_only=True)
    owner_key = sa.case((combos.c.o == 1, per_owner.c.owner_id), else_=ALL_OWNERS)
    account_day = (per_owner.c.day, per_owner.c.account_id, per_owner.c.tier)
    per_account = (
        sa.select(owner_key, sa.literal(DAY), *account_day, sa.func.sum(per_owner.c.n))
        .select_from(per_owner.join(combos, sa.true()))
        .where(sa.or_(combos.c.o == 0, per_owner.c.owner_id.is_not(None)))
        .group_by(owner_key, *account_day)
    )
    db.session.execute(
        sa.insert(counts_table).from_select(
            ["owner_key", "grain", "period", "account_id", "tier", "n"], per_account
        )
    )


def _resum_months(days: LocalDays, months: list[date] | None) -> None:
    """Month rows of these months (None: all) summed again from their day rows, with the
    accounts' ranks in each month."""
    f, c = figures_table, counts_table
    if months is None:
        f_where = c_where = sa.true()
        db.session.execute(sa.delete(f).where(f.c.grain == MONTH))
        db.session.execute(sa.delete(c).where(c.c.grain == MONTH))
    else:
        # By period, which the (grain, period) index serves.
        f_where = sa.or_(*[sa.and_(f.c.period >= m, f.c.period < _next_month(m)) for m in months])
        c_where = sa.or_(*[sa.and_(c.c.period >= m, c.c.period < _next_month(m)) for m in months])
        db.session.execute(sa.delete(f).where(f.c.grain == MONTH, f.c.period.in_(months)))
        db.session.execute(sa.delete(c).where(c.c.grain == MONTH, c.c.period.in_(months)))
    summed = (
        sa.select(
            f.c.tier_key,
            f.c.owner_key,
            sa.literal(MONTH),
            f.c.month,
            f.c.month,
            f.c.figure,
            f.c.key,
            sa.func.sum(f.c.n),
        )
        .where(f.c.grain == DAY, f_where)
        .group_by(f.c.month, f.c.tier_key, f.c.owner_key, f.c.figure, f.c.key)
    )
    db.session.execute(
        sa.insert(f).from_select(
            ["tier_key", "owner_key", "grain", "period", "month", "figure", "key", "n"], summed
        )
    )
    month = days.month(c.c.period)
    per_month = (
        sa.select(
            c.c.owner_key,
            month.label("month"),
            c.c.account_id,
            c.c.tier,
            sa.func.sum(c.c.n).label("n"),
        )
        .where(c.c.grain == DAY, c_where)
        .group_by(c.c.owner_key, month, c.c.account_id, c.c.tier)
        .subquery("per_month")
    )
    p = per_month.c
    ranked = sa.select(
        p.owner_key,
        sa.literal(MONTH),
        p.month,
        p.account_id,
        p.tier,
        p.n,
        sa.func.row_number().over(
            partition_by=(p.owner_key, p.month), order_by=(p.n.desc(), p.account_id)
        ),
        sa.func.row_number().over(
            partition_by=(p.owner_key, p.month, p.tier), order_by=(p.n.desc(), p.account_id)
        ),
    )
    db.session.execute(
        sa.insert(c).from_select(
            ["owner_key", "grain", "period", "account_id", "tier", "n", "rank_all", "rank_tier"],
            ranked,
        )
    )


def _next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def repeat_spans(day_counts: list[tuple[date, int]]) -> list[tuple[date, date]]:
    """The runs of days on which the escalations of the REPEAT_DAYS days ending that day
    number REPEAT_COUNT or more, from (day, escalations that day) sorted by day."""
    changes: dict[date, int] = defaultdict(int)
    for day, n in day_counts:
        changes[day] += n
        changes[day + timedelta(days=REPEAT_DAYS)] -= n
    spans, running, opened = [], 0, None
    for day in sorted(changes):
        running += changes[day]
        if running >= REPEAT_COUNT and opened is None:
            opened = day
        elif running < REPEAT_COUNT and opened is not None:
            spans.append((opened, day - timedelta(days=1)))
            opened = None
    return spans


def _respan(account_ids: list[int] | None) -> None:
    """The repeat spans of these accounts (None: all) laid out again from their day rows."""
    c, s = counts_table, spans_table
    chunks = [None] if account_ids is None else _chunks(sorted(account_ids))
    for chunk in chunks:
        if chunk is None:
            db.session.execute(sa.delete(s))
            where = c.c.grain == DAY
        else:
            db.session.execute(sa.delete(s).where(s.c.account_id.in_(chunk)))
            where = sa.and_(c.c.grain == DAY, c.c.account_id.in_(chunk))
        rows = db.session.execute(
            sa.select(c.c.owner_key, c.c.account_id, c.c.tier, c.c.period, c.c.n)
            .where(where)
            .order_by(c.c.owner_key, c.c.account_id, c.c.period)
            .execution_options(yield_per=10_000)
        )
        spans = []
        for (owner_key, account_id, tier), group in groupby(rows, key=lambda row: row[:3]):
            spans.extend(
                {
                    "owner_key": owner_key,
                    "account_id": account_id,
                    "tier": tier,
                    "first_day": first,
                    "last_day": last,
                }
                for first, last in repeat_spans([(_as_date(row[3]), row[4]) for row in group])
            )
        for part in range(0, len(spans), 5_000):
            db.session.execute(sa.insert(s), spans[part : part + 5_000])


def _chunks(values: list) -> list[list]:
    return [values[i : i + CHUNK] for i in range(0, len(values), CHUNK)]


# ---- what changed ------------------------------------------------------------------------------


def _changed_escalations(since: datetime):
    """SELECT of the ids of escalations whose figures may have changed since `since`."""
    e, moment = escalations, _utc(since)
    parts = [
        sa.select(e.c.id).where(e.c.updated_at > moment),
        sa.select(clocks.c.escalation_id).where(
            sa.or_(clocks.c.stopped_at > moment, clocks.c.breached_at > moment)
        ),
        sa.select(surveys.c.escalation_id).where(surveys.c.answered_at > moment),
        sa.select(post_mortems.c.escalation_id).where(post_mortems.c.completed_at > moment),
    ]
    # The accounts whose tier changed are read first, then their escalations by account: as
    # one IN (subquery), PostgreSQL's planner once tested each of the 500,000 escalations of
    # the bench book against the rollups (a nested-loop semi join, 12 s for no change at
    # all); read apart, 0.3 s.
    parts += [sa.select(e.c.id).where(e.c.account_id.in_(chunk)) for chunk in _chunks(_retiered())]
    return sa.union(*parts)


def _retiered() -> list[int]:
    """The accounts whose tier is not the one their rollups were counted under."""
    return db.session.scalars(
        sa.select(counts_table.c.account_id)
        .distinct()
        .join(accounts, accounts.c.id == counts_table.c.account_id)
        .where(
            counts_table.c.grain == MONTH,
            counts_table.c.owner_key == ALL_OWNERS,
            counts_table.c.tier != accounts.c.tier,
        )
    ).all()


def _runs(days: list[date]) -> list[tuple[date, date]]:
    """Sorted days as (first, last) runs, runs closer than MERGE_GAP_DAYS merged."""
    runs: list[list[date]] = []
    for day in sorted(days):
        if runs and (day - runs[-1][1]).days <= MERGE_GAP_DAYS:
            runs[-1][1] = day
        else:
            runs.append([day, day])
    return [(first, last) for first, last in runs]


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


# ---- the refresh -------------------------------------------------------------------------------


def state() -> ReportState:
    """The rollups' state row (made on first use)."""
    found = db.session.get(ReportState, 1)
    if found is None:
        found = ReportState(id=1, timezone="")
        db.session.add(found)
    return found


def refresh(now: datetime, *, full: bool = False) -> dict:
    """Bring the rollups up to date with the escalations as of `now`; flushes, never commits.
    Returns what was recounted."""
    current = state()
    zone_name = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    dialect = db.engine.dialect.name
    full = full or current.watermark_at is None or current.timezone != zone_name
    e = escalations
    span = db.session.execute(
        sa.select(sa.func.min(e.c.created_at), sa.func.max(e.c.created_at))
    ).one()
    span = tuple(_aware(moment) for moment in span) if span[0] is not None else None
    days = LocalDays(zone_name, dialect, span)
    if full:
        _recount_days(days, None, None)
        _resum_months(days, None)
        _respan(None)
        if dialect == "postgresql":  # the planner's statistics of tables just filled
            for table in (figures_table, counts_table, spans_table):
                db.session.execute(sa.text(f"ANALYZE {table.name}"))
        outcome = {"full": True, "days": None, "accounts": None}
    else:
        changed = _changed_escalations(current.watermark_at - OVERLAP).subquery("changed")
        day = days.day(e.c.created_at)
        touched = db.session.execute(
            sa.select(day, e.c.account_id).distinct().where(e.c.id.in_(sa.select(changed.c.id)))
        ).all()
        touched_days = sorted({_as_date(d) for d, _account in touched})
        for first, last in _runs(touched_days):
            _recount_days(days, first, last)
        months = sorted({d.replace(day=1) for d in touched_days})
        if months:
            _resum_months(days, months)
        account_ids = sorted({account for _day, account in touched})
        if account_ids:
            _respan(account_ids)
        outcome = {"full": False, "days": len(touched_days), "accounts": len(account_ids)}
    current.watermark_at = now
    current.refreshed_at = now
    current.timezone = zone_name
    db.session.flush()
    return outcome


def _aware(moment):
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
