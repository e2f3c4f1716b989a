"""Paginating long lists in SQL."""

import sqlalchemy as sa

from app.extensions import db


def paginate_by_ids(stmt, entity, page: int, *options, per_page: int = 25):
    """A page of `stmt` (a filtered, ordered select of `entity`): the page's ids first, an
    index walk without joins however deep the page, then those rows with their `options`
    (eager loads). The page's items keep the list's order."""
    ids_page = db.paginate(
        stmt.with_only_columns(entity.id), page=page, per_page=per_page, error_out=False
    )
    ids = list(ids_page.items)
    if ids:
        rows = db.session.scalars(sa.select(entity).where(entity.id.in_(ids)).options(*options))
        by_id = {row.id: row for row in rows.unique()}
        ids_page.items = [by_id[i] for i in ids]
    return ids_page
