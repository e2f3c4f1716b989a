"""Searching knowledge notes by their analysed terms, ranked by the database's full-text index:
PostgreSQL `@@` and `ts_rank` on the generated tsvector, SQLite FTS5 `MATCH` and `bm25()`.

A search is the text's units (analysis.query_groups); a unit matches a note holding its long
form or all its short parts. "all" wants every unit (the search page), "any" at least one,
ranked by how many and how rare (suggestions from a whole description).
"""

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import TSQUERY

from app.extensions import db
from app.knowledge import analysis
from app.knowledge.models import KnowledgeNote

ALL, ANY = "all", "any"
# Title and tag terms count this many times a body term.
TITLE_WEIGHT = 3.0

_fts = sa.table("knowledge_fts", sa.column("rowid"))
_vector = sa.literal_column("knowledge_notes.search_vector")


def _sqlite_term(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _postgres_term(term: str) -> str:
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"


def _expression(groups, mode: str, quote, and_: str, or_: str) -> str:
    parts = []
    for group in groups:
        unit = quote(group.term)
        if group.parts:
            shorts = f" {and_} ".join(quote(p) for p in group.parts)
            unit = f"({unit} {or_} ({shorts}))"
        parts.append(unit)
    return f" {and_ if mode == ALL else or_} ".join(parts)


def matching(text: str, mode: str = ALL) -> sa.Select | None:
    """The select of the notes' ids that match `text`, best first; None when the text has
    nothing to search by (only particles, punctuation or stop words)."""
    groups = analysis.query_groups(text)
    if not groups:
        return None
    if db.engine.dialect.name == "postgresql":
        query = sa.cast(_expression(groups, mode, _postgres_term, "&", "|"), TSQUERY)
        rank = sa.func.ts_rank(_vector, query)
        return (
            sa.select(KnowledgeNote.id)
            .where(_vector.op("@@")(query))
            .order_by(rank.desc(), KnowledgeNote.id.desc())
        )
    expression = _expression(groups, mode, _sqlite_term, "AND", "OR")
    rank = sa.func.bm25(sa.literal_column("knowledge_fts"), TITLE_WEIGHT, 1.0)
    return (
        sa.select(KnowledgeNote.id)
        .join(_fts, _fts.c.rowid == KnowledgeNote.id)
        .where(sa.literal_column("knowledge_fts").op("MATCH")(expression))
        .order_by(rank, KnowledgeNote.id.desc())
    )


def best(text: str, limit: int = 5, mode: str = ANY, exclude=()) -> list[int]:
    """The ids of the `limit` notes that match `text` best."""
    stmt = matching(text, mode)
    if stmt is None:
        return []
    if exclude:
        stmt = stmt.where(KnowledgeNote.id.not_in(list(exclude)))
    return list(db.session.scalars(stmt.limit(limit)))
