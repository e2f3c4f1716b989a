"""The reports page's figures, summed in SQL from the rollups (models.py): whole months from
month rows, the days at the edges of the range from day rows, so that a year's figures read a
few thousand rows however many escalations there are."""

from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from app.accounts.models import Account
from app.escalations.models import Category, Level, Severity
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
from app.reports.timing import REPEAT_DAYS, percentile

TOP = 10
# Candidates per month for the top accounts: enough that the exact answer is nearly always
# found among them (checked on every query; otherwise all accounts are summed).
CANDIDATES_PER_MONTH = 25
ROOT_CAUSES = (
    "product_defect",
    "process",
    "communication",
    "expectation_mismatch",
    "third_party",
    "other",
)


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    tier: str | None = None
    owner_id: int | None = None

    @property
    def tier_key(self) -> str:
        return self.tier or ALL_TIERS

    @property
    def owner_key(self) -> int:
        return self.owner_id or ALL_OWNERS

    @property
    def repeat_window(self) -> tuple[date, date]:
        return self.end - timedelta(days=REPEAT_DAYS - 1), self.end


@dataclass
class Share:
    part: int
    whole: int

    @property
    def value(self) -> float | None:
        return self.part / self.whole if self.whole else None


@dataclass
class Times:
    counted: int
    median: float | None
    p90: float | None


@dataclass
class Report:
    filters: Filters
    as_of: datetime | None
    total: int = 0
    by_month: list[tuple[date, int]] = field(default_factory=list)
    by_category: list[tuple[str, int]] = field(default_factory=list)
    by_severity: list[tuple[str, int]] = field(default_factory=list)
    by_level: list[tuple[str, int]] = field(default_factory=list)
    by_tag: list[tuple[str, int]] = field(default_factory=list)
    root_causes: list[tuple[str, int]] = field(default_factory=list)
    executive: Share = field(default_factory=lambda: Share(0, 0))
    sla: dict[str, Share] = field(default_factory=dict)
    times: dict[str, Times] = field(default_factory=dict)
    csat_answered: int = 0
    csat_average: float | None = None
    csat_satisfied: Share = field(default_factory=lambda: Share(0, 0))
    top_accounts: list[tuple[int, str, str, int]] = field(default_factory=list)
    repeat_accounts: int = 0


def months_between(start: date, end: date) -> list[date]:
    """The first day of every month the range touches."""
    found, month = [], start.replace(day=1)
    while month <= end:
        found.append(month)
        month = _next_month(month)
    return found


def _next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def periods(start: date, end: date) -> tuple[list[date], list[tuple[date, date]]]:
    """(whole months inside the range, day ranges at its edges)."""
    whole = [
        m
        for m in months_between(start, end)
        if m >= start and _next_month(m) - timedelta(days=1) <= end
    ]
    if not whole:
        return [], [(start, end)]
    edges = []
    if start < whole[0]:
        edges.append((start, whole[0] - timedelta(days=1)))
    after = _next_month(whole[-1])
    if after <= end:
        edges.append((after, end))
    return whole, edges


def _in_range(table, filters: Filters):
    months, edges = periods(filters.start, filters.end)
    parts = [sa.and_(table.c.grain == DAY, table.c.period.between(a, b)) for a, b in edges]
    if months:
        parts.append(sa.and_(table.c.grain == MONTH, table.c.period.in_(months)))
    return sa.or_(*parts)


def as_of() -> datetime | None:
    """Until when the rollups hold the changes (None: never built)."""
    return db.session.scalar(sa.select(ReportState.watermark_at).where(ReportState.id == 1))


# The figures change only when the rollups are refreshed: the reports built from them are kept
# per process, by filters and watermark (the watermark moves on with every refresh).
CACHE_SIZE = 64
_built: OrderedDict[tuple, Report] = OrderedDict()


def cache_key(filters: Filters, moment: datetime | None) -> tuple:
    """What a built report (and its drawing) is kept under: the database, filters, rollup time."""
    return (db.engine.url.render_as_string(), filters, moment)


def build(filters: Filters) -> Report:
    """Every figure of the page for these filters (the same figures again until the rollups
    are refreshed)."""
    moment = as_of()
    key = cache_key(filters, moment)
    if moment is not None and key in _built:
        _built.move_to_end(key)
        return _built[key]
    report = _computed(filters, moment)
    if moment is not None:
        _built[key] = report
        while len(_built) > CACHE_SIZE:
            _built.popitem(last=False)
    return report


def _computed(filters: Filters, moment: datetime | None) -> Report:
    report = Report(filters=filters, as_of=moment)
    _fill_figures(report, figure_counts(filters))
    report.top_accounts = top_accounts(filters)
    report.repeat_accounts = repeat_count(filters)
    return report


def figure_counts(filters: Filters) -> dict[str, dict]:
    """{figure: {key: n}} over the range, and {"by_month": {month: n}}."""
    f = ReportFigure.__table__
    rows = db.session.execute(
        sa.select(f.c.figure, f.c.key, f.c.month, sa.func.sum(f.c.n))
        .where(
            f.c.tier_key == filters.tier_key,
            f.c.owner_key == filters.owner_key,
            _in_range(f, filters),
        )
        .group_by(f.c.figure, f.c.key, f.c.month)
    ).all()
    found: dict[str, dict] = defaultdict(lambda: defaultdict(int))
    for figure, key, month, n in rows:
        found[figure][key] += int(n)
        if figure == "total":
            found["by_month"][_as_date(month)] += int(n)
    return found


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _ordered(counts: dict, order) -> list[tuple[str, int]]:
    return [(key, counts.get(key, 0)) for key in order]


def _fill_figures(report: Report, counts: dict[str, dict]) -> None:
    filters = report.filters
    report.total = counts["total"].get("", 0)
    by_month = counts["by_month"]
    report.by_month = [(m, by_month.get(m, 0)) for m in months_between(filters.start, filters.end)]
    report.by_category = _ordered(counts["category"], [c.value for c in Category])
    report.by_severity = _ordered(counts["severity"], [s.value for s in Severity])
    report.by_level = _ordered(counts["level"], [level.value for level in Level])
    report.by_tag = sorted(counts["tag"].items(), key=lambda item: (-item[1], item[0]))[:TOP]
    report.root_causes = _ordered(counts["root_cause"], ROOT_CAUSES)
    report.executive = Share(counts["level"].get(Level.EXECUTIVE.value, 0), report.total)
    for kind in ("first_response", "resolution"):
        sla = counts[f"sla_{kind}"]
        report.sla[kind] = Share(sla.get("met", 0), sla.get("settled", 0))
        histogram = {int(key): n for key, n in counts[kind].items()}
        report.times[kind] = Times(
            sum(histogram.values()), percentile(histogram, 0.5), percentile(histogram, 0.9)
        )
    csat = counts["csat"]
    report.csat_answered = csat.get("answered", 0)
    if report.csat_answered:
        report.csat_average = csat.get("score_sum", 0) / report.csat_answered
    report.csat_satisfied = Share(csat.get("satisfied", 0), report.csat_answered)


def top_accounts(filters: Filters, limit: int = TOP) -> list[tuple[int, str, str, int]]:
    """[(account id, name, tier, escalations)] of the accounts with the most escalations.

    Candidates are the accounts among the first CANDIDATES_PER_MONTH of any month the range
    touches; any other account had at most the sum of those months' last candidate counts, so
    when the candidates' tenth exceeds that bound it is the exact answer. Otherwise every
    account is summed."""
    c = ReportAccountCount.__table__
    tiered = filters.tier is not None
    rank = c.c.rank_tier if tiered else c.c.rank_all
    scope = [c.c.owner_key == filters.owner_key]
    if tiered:
        scope.append(c.c.tier == filters.tier)
    touched = months_between(filters.start, filters.end)
    candidates = db.session.execute(
        sa.select(c.c.account_id, c.c.period, c.c.n, rank).where(
            *scope, c.c.grain == MONTH, c.c.period.in_(touched), rank <= CANDIDATES_PER_MONTH
        )
    ).all()
    bound = sum(n for _id, _month, n, place in candidates if place == CANDIDATES_PER_MONTH)
    ids = sorted({account_id for account_id, *_rest in candidates})
    if not ids:
        return []
    found = _summed(filters, scope + [c.c.account_id.in_(ids)], limit)
    if bound and not (len(found) == limit and found[-1][3] > bound):
        found = _summed(filters, scope, limit)
    return found


def _summed(filters: Filters, scope, limit: int):
    c, a = ReportAccountCount.__table__, Account.__table__
    total = sa.func.sum(c.c.n).label("n")
    rows = db.session.execute(
        sa.select(c.c.account_id, a.c.name, a.c.tier, total)
        .join(a, a.c.id == c.c.account_id)
        .where(*scope, _in_range(c, filters))
        .group_by(c.c.account_id, a.c.name, a.c.tier)
        .order_by(total.desc(), a.c.name, c.c.account_id)
        .limit(limit)
    ).all()
    return [(account_id, name, tier, int(n)) for account_id, name, tier, n in rows]


def repeat_count(filters: Filters) -> int:
    """Accounts with 3 or more escalations created in the 90 days up to the range's end."""
    s = ReportRepeatSpan.__table__
    where = [s.c.owner_key == filters.owner_key, s.c.last_day >= filters.end]
    if filters.tier:
        where.append(s.c.tier == filters.tier)
    return db.session.scalar(sa.select(sa.func.count()).where(*where, s.c.first_day <= filters.end))


def repeat_accounts(filters: Filters) -> list[tuple[int, str, str, int]]:
    """[(account id, name, tier, escalations in the 90 days)] of the repeat accounts, most
    escalations first (for the CSV: every one of them)."""
    s, c, a = ReportRepeatSpan.__table__, ReportAccountCount.__table__, Account.__table__
    first, last = filters.repeat_window
    repeating = sa.select(s.c.account_id).where(
        s.c.owner_key == filters.owner_key,
        s.c.last_day >= filters.end,
        s.c.first_day <= filters.end,
        *([s.c.tier == filters.tier] if filters.tier else []),
    )
    total = sa.func.sum(c.c.n).label("n")
    rows = db.session.execute(
        sa.select(c.c.account_id, a.c.name, a.c.tier, total)
        .join(a, a.c.id == c.c.account_id)
        .where(
            c.c.owner_key == filters.owner_key,
            c.c.grain == DAY,
            c.c.period.between(first, last),
            c.c.account_id.in_(repeating),
        )
        .group_by(c.c.account_id, a.c.name, a.c.tier)
        .order_by(total.desc(), a.c.name)
    ).all()
    return [(account_id, name, tier, int(n)) for account_id, name, tier, n in rows]
