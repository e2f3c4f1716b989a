"""The Today page's building blocks, shared by the domains that fill it (they sit above
main and answer `signals.today_page_sections`): a block's capped count and its section."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from app import pagination, signals
from app.extensions import db
from app.formatting import zone_or_default

SLOT = "blocks"
ROWS = 6  # rows a block shows; its link leads to the rest
# Counts above this read "99+": a block says how much is waiting, its list counts further.
# Each block counts up to CAP + 1 rows; at 1,000 the CSM's Today page of the bench book spent
# 10 ms of its PostgreSQL time on counts nobody reads to the unit.
CAP = 99

# Blocks by urgency, lowest first: clocks and handoffs before plans and capacity.
URGENT, SOON, THIS_WEEK, WATCH, ADMIN = 10, 30, 50, 70, 90
EMPTY = 100  # added to an empty block's order


def capped_count(stmt: sa.Select, cap: int = CAP) -> int:
    """How many rows `stmt` selects, counting at most cap + 1 (one bounded query)."""
    return pagination.capped_count(stmt, cap)


def first_rows(rows: sa.Select, counted: sa.Select, cap: int = CAP) -> tuple[list, int]:
    """The first ROWS rows of `rows` (an ordered select of one entity, with its loader
    options) and how many rows `counted` (the same rows, unordered) selects up to cap + 1, in
    one statement rather than two: the count rides on each row as an uncorrelated scalar
    subquery, which PostgreSQL and SQLite compute once. No row: nothing to count."""
    count = pagination.capped_count_select(counted, cap).scalar_subquery()
    found = db.session.execute(rows.add_columns(count).limit(ROWS)).all()
    return [row[0] for row in found], (found[0][1] if found else 0)


def shown_first(entity, conditions, order, *options) -> sa.Select:
    """The first ROWS rows of `entity` meeting `conditions`, in `order`, with their loader
    options: their ids are sorted first (from an index alone where one holds the sort's
    columns), then only those rows are read. Sorting every matching row whole, with the
    relationships it joins eagerly, cost a busy executive's Today page 10 ms for one block."""
    ids = sa.select(entity.id).where(*conditions).order_by(*order).limit(ROWS)
    return sa.select(entity).where(entity.id.in_(ids)).order_by(*order).options(*options)


def count_text(count: int, cap: int = CAP) -> str:
    """A block's count as the reader writes numbers, "99+" above the cap."""
    return pagination.count_text(count, cap)


def week_end(today: date, viewer) -> datetime:
    """The end of the seventh day from today (today included) in the viewer's timezone."""
    zone = zone_or_default(getattr(viewer, "timezone", None))
    return datetime.combine(today + timedelta(days=7), time(0), tzinfo=zone)


@dataclass(frozen=True)
class Link:
    """A block's "see all": the list with the same filter."""

    label: str
    url: str


@dataclass
class Block:
    """One block of the Today page: a heading with how many, a few rows, links, an empty
    state. `rows` are whatever the domain's template shows."""

    key: str
    title: str
    count: int
    rows: list
    links: list[Link]
    empty: str
    extra: dict = field(default_factory=dict)
    counted: bool = True  # False: the heading shows no count (e.g. capacity, a ratio)

    @property
    def count_text(self) -> str:
        return count_text(self.count)


def section(template: str, block: Block, order: int, **context) -> signals.Section:
    """The block as a section of the Today page, drawn by the domain's template; an empty
    block goes after every block with something in it (it needs nobody now)."""
    if not block.rows:
        order += EMPTY
    return signals.Section(SLOT, template, {"block": block, **context}, order=order)
