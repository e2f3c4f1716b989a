"""What the account pages draw as charts: one account's health score over time, and how the
accounts a list filter selects spread over health bands and ARR bands. Each is one SQL
statement; ARR is banded per currency, amounts of different currencies never added up.
The templates draw them with templates/_macros/charts.html."""

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache

import sqlalchemy as sa
from babel.dates import format_skeleton
from babel.numbers import format_compact_currency
from flask_babel import force_locale, format_date, get_locale, gettext, to_user_timezone
from sqlalchemy.orm import Session

from app.accounts.labels import HEALTH_BANDS
from app.accounts.models import Account, HealthScoreEntry
from app.extensions import db
from app.formatting import CURRENCIES, minor_units_exponent

TREND_DAYS = 365  # the trend shows the last twelve months...
TREND_POINTS = 60  # ...and at most this many scores of them
EDGE = 0.06  # month labels closer than this to either end of the time axis are left out

# Where ARR bands start, in major units of each currency: a book's accounts spread over
# them (¥20M to ¥400M, $150K to $3M in the demo and bench books).
ARR_THRESHOLDS = {
    "JPY": (10_000_000, 50_000_000, 100_000_000, 300_000_000),
    "USD": (100_000, 500_000, 1_000_000, 2_000_000),
    "EUR": (100_000, 500_000, 1_000_000, 2_000_000),
    "GBP": (100_000, 500_000, 1_000_000, 2_000_000),
}


# ---- one account's health over time ----------------------------------------------------


@dataclass
class TrendPoint:
    at: datetime  # when the score was recorded (UTC)
    score: int
    x: float  # where on the time axis, 0 (start) to 1 (now)


@dataclass
class HealthTrend:
    """The scores of the window, oldest first, on a time axis from `start` to `end` (now).

    `carried` is the score in effect when the window opens (an entry older than the window):
    the line starts from it at the left edge. The score holds until the next one, so the
    line is drawn in steps and runs on to today."""

    start: datetime
    end: datetime
    points: list[TrendPoint] = field(default_factory=list)
    carried: int | None = None

    @property
    def drawable(self) -> bool:
        """Two scores at least (fewer make no trend)."""
        return len(self.points) + (self.carried is not None) >= 2

    @property
    def latest(self) -> TrendPoint | None:
        return self.points[-1] if self.points else None

    def path(self) -> list[tuple[float, int]]:
        """(x, score) corners of the stepped line, from the left edge to today."""
        corners: list[tuple[float, int]] = []
        if self.carried is not None:
            corners.append((0.0, self.carried))
        for point in self.points:
            if corners:
                corners.append((point.x, corners[-1][1]))
            corners.append((point.x, point.score))
        if corners and corners[-1][0] < 1:
            corners.append((1.0, corners[-1][1]))
        return corners

    def ticks(self) -> list[tuple[float, str]]:
        """Dates written under the axis, in the reader's language and timezone: month starts
        for a long span, evenly spaced days for a short one."""
        start, end = to_user_timezone(self.start), to_user_timezone(self.end)
        span = (end - start).total_seconds()
        if span <= 0:
            return [(1.0, _short_date(end))]
        locale = get_locale()
        if span > 120 * 86400:
            # Month starts, not too close to either end (a label would run out of the
            # chart), four at most, the latest always among them.
            starts, year, month = [], start.year, start.month
            while True:
                year, month = (year + 1, 1) if month == 12 else (year, month + 1)
                tick = start.replace(year=year, month=month, day=1, hour=0, minute=0, second=0)
                tick = tick.replace(microsecond=0)
                x = (tick - start).total_seconds() / span
                if x > 1 - EDGE:
                    break
                if x >= EDGE:
                    starts.append((x, tick))
            step = max(1, math.ceil(len(starts) / 4))
            chosen = starts[::-1][::step][::-1]
            # The year on the first label and where it changes, the month alone elsewhere.
            return [
                (
                    x,
                    format_skeleton(
                        "MMM" if n and tick.year == year else "yMMM", tick, locale=locale
                    ),
                )
                for n, ((x, tick), year) in enumerate(
                    zip(chosen, [None] + [t.year for _x, t in chosen], strict=False)
                )
            ]
        ticks, seen = [], set()
        for n in range(4):
            tick = start + (end - start) * n / 3
            text = _short_date(tick)
            if text not in seen:
                seen.add(text)
                ticks.append((n / 3, text))
        return ticks

    def marks(self) -> list[tuple[float, int, str]]:
        """(x, score, tooltip) of each recorded score."""
        return [
            (p.x, p.score, gettext("%(date)s: %(score)d", date=format_date(p.at), score=p.score))
            for p in self.points
        ]

    def title(self) -> str:
        """What the chart says in words (its accessible name)."""
        first = self.carried if self.carried is not None else self.points[0].score
        return gettext(
            "Health score from %(start)s to %(end)s: %(first)d, now %(last)d",
            start=format_date(self.start),
            end=format_date(self.end),
            first=first,
            last=self.points[-1].score if self.points else first,
        )

    def rows(self) -> list[tuple[str, int]]:
        """(date, score) of every score shown, newest first: the chart's numbers."""
        return [(format_date(p.at, "medium"), p.score) for p in reversed(self.points)]


def _short_date(moment: datetime) -> str:
    return format_skeleton("MMMd", moment, locale=get_locale())


def health_trend(account_id: int, now: datetime) -> HealthTrend:
    """The account's health scores of the last TREND_DAYS (TREND_POINTS at most), and the one
    in effect before them; one statement."""
    entries = db.session.execute(
        sa.select(HealthScoreEntry.recorded_at, HealthScoreEntry.score)
        .where(HealthScoreEntry.account_id == account_id)
        .order_by(HealthScoreEntry.recorded_at.desc(), HealthScoreEntry.id.desc())
        .limit(TREND_POINTS + 1)
    ).all()
    window_start = now - timedelta(days=TREND_DAYS)
    inside = [row for row in entries if row.recorded_at >= window_start][:TREND_POINTS]
    before = next((row for row in entries if row.recorded_at < window_start), None)
    carried = before.score if before is not None and len(inside) < TREND_POINTS else None
    if carried is not None:
        start = window_start
    elif inside:
        start = inside[-1].recorded_at
    else:
        return HealthTrend(start=now, end=now)
    end = max(now, inside[0].recorded_at) if inside else now
    span = (end - start).total_seconds() or 1.0
    points = [
        TrendPoint(row.recorded_at, row.score, (row.recorded_at - start).total_seconds() / span)
        for row in reversed(inside)
    ]
    return HealthTrend(start=start, end=end, points=points, carried=carried)


# ---- how a list's accounts spread ------------------------------------------------------


@dataclass
class Band:
    key: str | int | None  # the health band's key ("good"), or the ARR band's index
    label: str
    count: int


@dataclass
class CurrencyBands:
    currency: str
    total: int
    bands: list[Band]


@dataclass
class BookDistribution:
    total: int
    health: list[Band]  # poor, fair, good, then "no score" when some have none
    arr: list[CurrencyBands]  # the currency with the most accounts first
    counted_at: datetime | None = None  # when the counts were read (UTC), if said

    @property
    def dominant(self) -> CurrencyBands | None:
        return self.arr[0] if self.arr else None


def _minor_thresholds(currency: str) -> list[int]:
    return [t * 10 ** minor_units_exponent(currency) for t in ARR_THRESHOLDS[currency]]


def arr_band_labels(currency: str) -> list[str]:
    """The currency's ARR bands as the reader says them: "Under ¥10M", "¥10M–¥50M", ...,
    "¥300M and over" (compact amounts in the reader's language)."""
    return list(_band_labels(currency, str(get_locale())))


@cache
def _band_labels(currency: str, locale: str) -> tuple[str, ...]:
    """Worked out once per currency and language in each process: Babel's compact formatting
    of the thresholds was 3 ms of each account list request (profiled)."""
    amounts = [
        format_compact_currency(t, currency, locale=locale, fraction_digits=0)
        for t in ARR_THRESHOLDS[currency]
    ]
    with force_locale(locale):
        labels = [gettext("Under %(amount)s", amount=amounts[0])]
        labels += [
            gettext("%(low)s–%(high)s", low=a, high=b)
            for a, b in zip(amounts, amounts[1:], strict=False)
        ]
        labels.append(gettext("%(amount)s and over", amount=amounts[-1]))
    return tuple(labels)


def _edges() -> tuple[list[int], list[int]]:
    health_edges = sorted({low for _label, low, _high in HEALTH_BANDS.values()})
    arr_edges = sorted({t for currency in ARR_THRESHOLDS for t in _minor_thresholds(currency)})
    return health_edges, arr_edges


def _counts(accounts) -> list[tuple]:
    """Per currency, the accounts and those at or above each band's lower edge (FILTER
    counts, no CASE to group by: a third of the time on a 50,000-account book, on PostgreSQL
    and SQLite)."""
    health_edges, arr_edges = _edges()
    rows = db.session.execute(
        accounts.order_by(None)
        .with_only_columns(
            Account.currency,
            sa.func.count(),
            *[sa.func.count().filter(Account.health_score >= low) for low in health_edges],
            *[sa.func.count().filter(Account.arr_minor >= t) for t in arr_edges],
        )
        .group_by(Account.currency)
    ).all()
    return [tuple(row) for row in rows]


def book_distribution(accounts) -> BookDistribution:
    """How the accounts of `accounts` (the list's filtered select) spread over health bands
    and, per currency, ARR bands: one statement over the filtered rows, grouped by currency;
    the bands are the differences of the counts at or above their edges."""
    return _distribution(_counts(accounts))


# The account list's chart over a large selection cost more than the rest of the page (17 of
# 36 ms on the 50,000-account bench book, PostgreSQL): each process keeps the counts it read
# per selection for ACCOUNT_CHART_SECONDS (config.py), and the chart says when they were
# counted. A change to an account flushed by this process drops them all.
_RECENT: OrderedDict[tuple, tuple[datetime, list[tuple]]] = OrderedDict()
_RECENT_MAX = 256  # selections kept per process, the least recently used dropped first
_RECENT_LOCK = threading.Lock()


def recent_book_distribution(accounts, key: tuple, now: datetime, seconds: int) -> BookDistribution:
    """book_distribution of `accounts`, as counted at most `seconds` ago for the same `key`
    (what selects the rows: the filters, and whatever else they read, such as the user for
    "mine" and the day for renewal windows); `counted_at` says when."""
    with _RECENT_LOCK:
        kept = _RECENT.get(key)
        if kept is not None and now - kept[0] < timedelta(seconds=seconds):
            _RECENT.move_to_end(key)
            counted_at, rows = kept
            return _distribution(rows, counted_at)
    rows = _counts(accounts)
    if seconds > 0:
        with _RECENT_LOCK:
            _RECENT[key] = (now, rows)
            _RECENT.move_to_end(key)
            while len(_RECENT) > _RECENT_MAX:
                _RECENT.popitem(last=False)
    return _distribution(rows, now)


def forget_recent_counts() -> None:
    with _RECENT_LOCK:
        _RECENT.clear()


@sa.event.listens_for(Session, "after_flush")
def _account_changed(session, _context) -> None:
    """An account added, changed or deleted through the ORM in this process: the kept counts
    may be wrong, so the next list counts again (other processes keep theirs until they age)."""
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Account):
            forget_recent_counts()
            return


def _distribution(rows: list[tuple], counted_at: datetime | None = None) -> BookDistribution:
    health_edges, arr_edges = _edges()
    total, at_least = 0, dict.fromkeys(health_edges, 0)
    arr: dict[str, list[int]] = {}
    for currency, count, *counts in rows:
        total += count
        for low, n in zip(health_edges, counts, strict=False):
            at_least[low] += n
        if currency not in ARR_THRESHOLDS:
            continue
        above = dict(zip(arr_edges, counts[len(health_edges) :], strict=True))
        edges = [count] + [above[t] for t in _minor_thresholds(currency)] + [0]
        arr[currency] = [edges[i] - edges[i + 1] for i in range(len(edges) - 1)]
    health_bands = []
    for key, (label, low, _high) in sorted(HEALTH_BANDS.items(), key=lambda i: i[1][1]):
        higher = [edge for edge in health_edges if edge > low]
        count = at_least[low] - (at_least[higher[0]] if higher else 0)
        health_bands.append(Band(key, str(label), count))
    unscored = total - at_least[health_edges[0]]
    if unscored:
        health_bands.append(Band(None, gettext("No score"), unscored))
    order = {currency: position for position, currency in enumerate(CURRENCIES)}
    currencies = sorted(arr, key=lambda c: (-sum(arr[c]), order.get(c, len(order)), c))
    return BookDistribution(
        counted_at=counted_at,
        total=total,
        health=health_bands,
        arr=[
            CurrencyBands(
                currency,
                sum(arr[currency]),
                [
                    Band(index, text, count)
                    for index, (text, count) in enumerate(
                        zip(arr_band_labels(currency), arr[currency], strict=True)
                    )
                ],
            )
            for currency in currencies
        ],
    )
