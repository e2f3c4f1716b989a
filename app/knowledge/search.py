"""Searching knowledge notes by their analysed terms, ranked by the database's full-text index:
PostgreSQL `@@` and `ts_rank` on the generated tsvector, SQLite FTS5 `MATCH` and `bm25()`.

A search is the text's units (analysis.query_groups); a unit matches a note holding its long
form or all its short parts. "all" wants every unit (the search page), "any" at least one,
ranked by how many and how rare (suggestions from a whole description).

`ts_rank` weighs every word alike, however many notes hold it, so on PostgreSQL the best
notes for a whole description are ranked by its telling words first (`best`): the words that
at most COMMON_SHARE of the notes hold. The words are counted with `ts_stat` and the counts
kept in this process until a note is written or edited (`notes_mark`).
"""

import threading

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
    return _matching(groups, mode) if groups else None


def _matching(groups, mode: str) -> sa.Select:
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


# A word held by more than this share of the notes says little about which note helps; below
# MIN_NOTES_FOR_SHARE notes a share says nothing, and every word counts.
COMMON_SHARE = 0.2
MIN_NOTES_FOR_SHARE = 200
_term_counts: dict = {"mark": None, "notes": 0, "holding": {}}
_term_counts_lock = threading.Lock()


def notes_mark() -> tuple:
    """What moves whenever a note is written or edited: the newest note and the latest change
    (two index lookups). A deletion moves neither."""
    newest = sa.select(sa.func.max(KnowledgeNote.id)).scalar_subquery()
    changed = sa.select(sa.func.max(KnowledgeNote.updated_at)).scalar_subquery()
    return tuple(db.session.execute(sa.select(newest, changed)).one())


def term_counts(mark: tuple) -> tuple[int, dict[str, int]]:
    """(notes, {word: notes holding it}) on PostgreSQL, as counted since the notes' `mark`
    last moved (36 ms for 10,000 notes). A deletion moves no mark, so a note deleted since
    may still be counted: no word is held by more notes than counted, and a word counted in
    none is in none."""
    with _term_counts_lock:
        if _term_counts["mark"] == mark:
            return _term_counts["notes"], _term_counts["holding"]
    notes = db.session.scalar(sa.select(sa.func.count()).select_from(KnowledgeNote))
    stats = sa.func.ts_stat("SELECT search_vector FROM knowledge_notes").table_valued(
        "word", "ndoc"
    )
    holding = dict(db.session.execute(sa.select(stats.c.word, stats.c.ndoc)).all())
    with _term_counts_lock:
        _term_counts.update(mark=mark, notes=notes, holding=holding)
    return notes, holding


def forget_term_counts() -> None:
    with _term_counts_lock:
        _term_counts["mark"] = None


def _held_by(group, holding: dict[str, int]) -> int:
    """About how many notes the group matches: those holding its long form, or its rarest
    short part (at least that many; 0 exactly when it matches none)."""
    held = holding.get(group.term, 0)
    if group.parts:
        held = max(held, min(holding.get(part, 0) for part in group.parts))
    return held


def telling(groups, notes: int, holding: dict[str, int]) -> tuple[list, list]:
    """(the telling groups, every group some note holds): telling are those at most
    COMMON_SHARE of the notes hold (all held ones when the notes are too few to tell, or when
    every word is common)."""
    held = [group for group in groups if _held_by(group, holding)]
    if notes < MIN_NOTES_FOR_SHARE:
        return held, held
    most = COMMON_SHARE * notes
    rare = [group for group in held if _held_by(group, holding) <= most]
    return rare or held, held


def best(text: str, limit: int = 5, mode: str = ANY, exclude=(), mark=None) -> list[int]:
    """The ids of the `limit` notes that match `text` best; `exclude` is ids or a select of
    them; `mark` the notes' mark when the caller has read it (else read here). On PostgreSQL,
    "any" leaves out the words no note holds and ranks the notes holding the text's telling
    words first, then fills up from those holding only common ones: ranking
    the 4,356 of 10,000 notes that share some word with the bench's description took 26 ms,
    the 2,725 holding one of its 5 telling words 15 ms."""
    groups = analysis.query_groups(text)
    if not groups:
        return []
    if not isinstance(exclude, sa.Select):
        exclude = list(exclude)
    if mode != ANY or db.engine.dialect.name != "postgresql":
        return _best(groups, mode, limit, exclude)
    first, held = telling(groups, *term_counts(mark if mark is not None else notes_mark()))
    if not held:
        return []
    ids = _best(first, mode, limit, exclude)
    if len(ids) < limit and len(first) < len(held):
        ids += _best(held, mode, limit - len(ids), exclude, ids)
    return ids


def _best(groups, mode: str, limit: int, exclude, found=()) -> list[int]:
    stmt = _matching(groups, mode)
    if isinstance(exclude, sa.Select) or exclude:
        stmt = stmt.where(KnowledgeNote.id.not_in(exclude))
    if found:
        stmt = stmt.where(KnowledgeNote.id.not_in(list(found)))
    return list(db.session.scalars(stmt.limit(limit)))
