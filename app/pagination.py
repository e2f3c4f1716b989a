"""Paginating long lists in SQL."""

import sqlalchemy as sa
from flask_babel import format_number
from flask_sqlalchemy.pagination import SelectPagination

from app.extensions import db

# Long lists count their rows up to this many, then say "1,000+" and end their pages there.
LIST_COUNT_CAP = 1000


def capped_count(stmt: sa.Select, cap: int) -> int:
    """How many rows `stmt` selects, counting at most cap + 1 (one bounded query)."""
    return db.session.scalar(capped_count_select(stmt, cap)) or 0


def capped_count_select(stmt: sa.Select, cap: int) -> sa.Select:
    """The select counting `stmt`'s rows up to cap + 1; correlated to nothing, so it may be a
    column of a statement over the same table and still count on its own."""
    # maintain_column_froms: a select with no WHERE still counts from its entity's table.
    one = stmt.with_only_columns(sa.literal(1), maintain_column_froms=True)
    limited = one.order_by(None).limit(cap + 1).subquery()
    return sa.select(sa.func.count()).select_from(limited).correlate(None)


def count_text(count: int, cap: int) -> str:
    """A count as the reader writes numbers, "1,000+" above the cap."""
    return format_number(cap) + "+" if count > cap else format_number(count)


def paginate_by_ids(
    stmt,
    entity,
    page: int,
    *options,
    per_page: int = 25,
    count_cap=None,
    count_stmt=None,
    total=None,
):
    """A page of `stmt` (a filtered, ordered select of `entity`): the page's ids first, an
    index walk without joins however deep the page, then those rows with their `options`
    (eager loads). The page's items keep the list's order.

    With `count_cap`, the total is counted only up to the cap (`page.capped` says it was
    reached, `page.total_text` reads "1,000+") and the pages end there: counting half a
    million rows exactly costs more than the page, and nobody pages that far; `count_stmt`
    counts them another way (up to the cap + 1) when the caller has a cheaper one. With `total`,
    the caller already counted the rows (a grouped query the page shows anyway)."""
    ids_page = db.paginate(
        stmt.with_only_columns(entity.id),
        page=page,
        per_page=per_page,
        error_out=False,
        count=count_cap is None and total is None,
    )
    if total is not None:
        ids_page.total = total
    ids_page.capped = False
    ids_page.total_text = None  # with count_cap: "1,000+" or the exact total
    if count_cap is not None:
        if count_stmt is not None:
            counted = db.session.scalar(count_stmt) or 0
        else:
            counted = capped_count(stmt, count_cap)
        ids_page.total, ids_page.capped = min(counted, count_cap), counted > count_cap
        ids_page.total_text = count_text(counted, count_cap)
        ids_page.count_cap = count_cap
    ids = list(ids_page.items)
    if ids:
        rows = db.session.scalars(sa.select(entity).where(entity.id.in_(ids)).options(*options))
        by_id = {row.id: row for row in rows.unique()}
        ids_page.items = [by_id[i] for i in ids]
    return ids_page


class CountedPagination(SelectPagination):
    """A page whose statement also counts all the rows (`count(*) OVER ()`): one statement
    where db.paginate runs two. The rows are counted apart only for a page past the end."""

    def _query_items(self) -> list:
        select = self._query_args["select"].add_columns(sa.func.count().over())
        select = select.limit(self.per_page).offset(self._query_offset)
        rows = self._query_args["session"].execute(select).all()
        self._counted = rows[0][-1] if rows else (0 if self.page == 1 else None)
        return [row[0] for row in rows]

    def _query_count(self) -> int:
        return self._counted if self._counted is not None else super()._query_count()


def paginate_counted(select: sa.Select, page: int, per_page: int) -> CountedPagination:
    """db.paginate(select, page=page, per_page=per_page, error_out=False) in one statement:
    for a select whose rows are dear to find (a ranked search), found once rather than once
    for the page and again for the count."""
    return CountedPagination(
        select=select, session=db.session, page=page, per_page=per_page, error_out=False
    )
