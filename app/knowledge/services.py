"""Writing, changing and deleting knowledge notes (audited), listing and suggesting them.

Every save analyses the note's text again (analysis.py) into the terms the database indexes,
so the index never lags behind what the note says. Services flush, never commit.
"""

from collections import OrderedDict
from threading import Lock

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from app.audit import services as audit
from app.escalations.labels import ROOT_CAUSE_LABELS
from app.escalations.models import Escalation, PostMortem
from app.extensions import db
from app.knowledge import analysis, rights, search
from app.knowledge.models import KnowledgeNote, KnowledgeTag
from app.models import DomainError
from app.pagination import LIST_COUNT_CAP, paginate_by_ids, paginate_counted

ENTITY = "knowledge_note"
NOTE_FIELDS = ("title", "symptoms", "resolution")
PER_PAGE = 20
SUGGESTIONS = 5
SNIPPET_CHARS = 160
# Of a long escalation description, the start is what the suggestions search by.
SUGGEST_TEXT_CHARS = 2000


class NotAllowed(DomainError):
    """The user may not make this change."""


def normal_tags(values) -> list[str]:
    """Tags as escalations keep them: trimmed, lower case, at most 40 characters, no repeats."""
    wanted: list[str] = []
    for tag in values:
        tag = tag.strip().lower()[:40]
        if tag and tag not in wanted:
            wanted.append(tag)
    return wanted


def _index(note: KnowledgeNote) -> None:
    """The note's search terms from its current text and tags."""
    note.title_terms = analysis.index_terms("\n".join([note.title, *note.tags]))
    note.body_terms = analysis.index_terms(f"{note.symptoms}\n{note.resolution}")
    note.language = analysis.guess_language(f"{note.title}\n{note.symptoms}")


def _set_tags(note: KnowledgeNote, tags) -> None:
    note.tag_rows = [KnowledgeTag(name=t) for t in normal_tags(tags)]


def create_note(
    actor, values: dict, tags=(), *, post_mortem: PostMortem | None = None
) -> KnowledgeNote:
    """A new note by the actor, linked to the post-mortem (and its escalation) it was written
    from, if any; audited."""
    if not rights.can_write(actor):
        raise NotAllowed(_("Admins, managers, CSMs and AEs write knowledge notes."))
    note = KnowledgeNote(author_id=actor.id, **{f: values[f] for f in NOTE_FIELDS})
    if post_mortem is not None:
        note.post_mortem_id = post_mortem.id
        note.escalation_id = post_mortem.escalation_id
    _set_tags(note, tags)
    _index(note)
    db.session.add(note)
    db.session.flush()
    changes = audit.snapshot(note, (*NOTE_FIELDS, "escalation_id", "post_mortem_id"))
    if note.tags:
        changes["tags"] = [None, note.tags]
    audit.record(actor, ENTITY, note.id, "create", changes=changes, summary=note.title)
    return note


def update_note(actor, note: KnowledgeNote, values: dict, tags) -> dict:
    """Change a note's text and tags; returns the changes, empty when none."""
    if not rights.can_write(actor):
        raise NotAllowed(_("Admins, managers, CSMs and AEs change knowledge notes."))
    old_tags = note.tags
    for field in NOTE_FIELDS:
        setattr(note, field, values[field])
    changes = audit.pending_changes(note, NOTE_FIELDS)
    new_tags = normal_tags(tags)
    if new_tags != old_tags:
        _set_tags(note, new_tags)
        changes["tags"] = [old_tags, new_tags]
    if not changes:
        return {}
    _index(note)
    audit.record(actor, ENTITY, note.id, "update", changes=changes, summary=note.title)
    db.session.flush()
    return changes


def delete_note(actor, note: KnowledgeNote) -> None:
    """Delete a note (its author or an admin); the audit row keeps what it said."""
    if not rights.can_delete(actor, note):
        raise NotAllowed(_("Only the note's author or an admin deletes it."))
    changes = audit.removal(note, NOTE_FIELDS)
    if note.tags:
        changes["tags"] = [note.tags, None]
    audit.record(actor, ENTITY, note.id, "delete", changes=changes, summary=note.title)
    db.session.delete(note)
    db.session.flush()


# Reading ---------------------------------------------------------------------------------------


def load_note(note_id: int) -> KnowledgeNote | None:
    """One note with what its page shows."""
    stmt = (
        sa.select(KnowledgeNote)
        .where(KnowledgeNote.id == note_id)
        .options(
            joinedload(KnowledgeNote.author),
            joinedload(KnowledgeNote.escalation),
            selectinload(KnowledgeNote.tag_rows),
        )
    )
    return db.session.scalars(stmt).first()


LIST_OPTIONS = (joinedload(KnowledgeNote.author), selectinload(KnowledgeNote.tag_rows))


def note_list(q: str, page: int):
    """(page of notes, how they matched): "all" when every word of the search is in them,
    "any" when no note has them all and those with some are shown, "latest" without a
    search, "unsearchable" (the latest too) for a search with nothing to search by: only
    particles, punctuation or symbols."""
    if q:
        ids = search.matching(q, search.ALL)
        if ids is not None:
            found = _paginate_ranked(ids, page)
            if found.total:
                return found, "all"
            return _paginate_ranked(search.matching(q, search.ANY), page), "any"
    newest = sa.select(KnowledgeNote).order_by(
        KnowledgeNote.updated_at.desc(), KnowledgeNote.id.desc()
    )
    # Counted up to the lists' cap: counting every note cost 2.7 ms on 10,000 of them.
    found = paginate_by_ids(
        newest, KnowledgeNote, page, *LIST_OPTIONS, per_page=PER_PAGE, count_cap=LIST_COUNT_CAP
    )
    return found, "unsearchable" if q else "latest"


def _paginate_ranked(ids_stmt, page: int):
    """A page of notes in the order of a ranked select of their ids."""
    if db.engine.dialect.name == "postgresql":  # ranked and counted in one statement
        ids_page = paginate_counted(ids_stmt, page, PER_PAGE)
    else:  # SQLite: FTS5's bm25() cannot share its statement with a window function
        ids_page = db.paginate(ids_stmt, page=page, per_page=PER_PAGE, error_out=False)
    ids = list(ids_page.items)
    if ids:
        rows = db.session.scalars(
            sa.select(KnowledgeNote).where(KnowledgeNote.id.in_(ids)).options(*LIST_OPTIONS)
        )
        by_id = {row.id: row for row in rows.unique()}
        ids_page.items = [by_id[i] for i in ids if i in by_id]
    return ids_page


def snippet(note: KnowledgeNote, chars: int = SNIPPET_CHARS) -> str:
    """The start of the note's symptoms (else its resolution), on one line."""
    text = " ".join((note.symptoms or note.resolution or "").split())
    return text if len(text) <= chars else text[: chars - 1].rstrip() + "…"


def best_notes(text: str, limit: int = SUGGESTIONS, exclude=()) -> list[KnowledgeNote]:
    """The notes that match some words of `text` best, best first."""
    ids = search.best(text[:SUGGEST_TEXT_CHARS], limit, search.ANY, exclude)
    rows = _notes_by_id(ids)
    return [rows[i] for i in ids if i in rows]


# (escalation, its text, the notes' mark, limit) -> the ids found: see notes_for_escalation.
_FOUND_FOR_ESCALATION: OrderedDict[tuple, list[int]] = OrderedDict()
_FOUND_KEPT = 2048
_FOUND_LOCK = Lock()


def notes_for_escalation(escalation: Escalation, limit: int = 3) -> list[KnowledgeNote]:
    """Notes that may help with an escalation: similar in title, tags and description (not the
    notes written from it).

    Ranking every note that shares a word with the escalation took 25-30 ms of PostgreSQL
    time on the bench book (3,000-4,700 of 10,000 notes match some word), on every view of
    the escalation page. The ids found are kept per process for the escalation's text and
    the notes' mark (search.notes_mark): a note written or edited since searches again, and so
    does a found note deleted since (deleting any other note leaves the best ones as they
    were). The page never shows a result older than the notes and the escalation it shows.
    Notes are readable by everyone signed in: nothing kept depends on the reader."""
    text = "\n".join([escalation.title, *escalation.tags, escalation.description])
    text = text[:SUGGEST_TEXT_CHARS]
    mark = search.notes_mark()
    key = (escalation.id, text, mark, limit)
    with _FOUND_LOCK:
        found = _FOUND_FOR_ESCALATION.get(key)
        if found is not None:
            _FOUND_FOR_ESCALATION.move_to_end(key)
    rows = _notes_by_id(found) if found is not None else None
    if rows is None or len(rows) < len(found):  # not kept, or a found note was deleted
        found = _search_for_escalation(escalation, text, limit, mark)
        rows = _notes_by_id(found)
        with _FOUND_LOCK:
            _FOUND_FOR_ESCALATION[key] = found
            while len(_FOUND_FOR_ESCALATION) > _FOUND_KEPT:
                _FOUND_FOR_ESCALATION.popitem(last=False)
    return [rows[i] for i in found if i in rows]


def _notes_by_id(ids: list[int]) -> dict[int, KnowledgeNote]:
    if not ids:
        return {}
    rows = db.session.scalars(sa.select(KnowledgeNote).where(KnowledgeNote.id.in_(ids)))
    return {row.id: row for row in rows}


def _search_for_escalation(escalation: Escalation, text: str, limit: int, mark) -> list[int]:
    own = sa.select(KnowledgeNote.id).where(KnowledgeNote.escalation_id == escalation.id)
    return search.best(text, limit, search.ANY, own, mark)


# Written from a post-mortem --------------------------------------------------------------------


def load_post_mortem(post_mortem_id: int) -> PostMortem | None:
    stmt = (
        sa.select(PostMortem)
        .where(PostMortem.id == post_mortem_id)
        .options(joinedload(PostMortem.escalation).selectinload(Escalation.tag_rows))
    )
    return db.session.scalars(stmt).first()


def from_post_mortem(post_mortem: PostMortem) -> dict:
    """A note's first draft from a post-mortem and its escalation: the escalation's title and
    description, how it was resolved and why it happened, its tags."""
    escalation = post_mortem.escalation
    resolution = [escalation.resolution_summary.strip()]
    if post_mortem.root_cause_category is not None or post_mortem.root_cause.strip():
        category = post_mortem.root_cause_category
        cause = str(ROOT_CAUSE_LABELS[category]) if category is not None else ""
        detail = post_mortem.root_cause.strip()
        resolution.append(
            _("Root cause: %(cause)s", cause=" — ".join(t for t in (cause, detail) if t))
        )
    if post_mortem.to_improve.strip():
        resolution.append(_("What to improve: %(text)s", text=post_mortem.to_improve.strip()))
    return {
        "title": escalation.title[:200],
        "symptoms": escalation.description,
        "resolution": "\n\n".join(part for part in resolution if part),
        "tags": ", ".join(escalation.tags),
    }


def notes_from_post_mortem(post_mortem_id: int) -> list[KnowledgeNote]:
    """The notes already written from a post-mortem."""
    stmt = sa.select(KnowledgeNote).where(KnowledgeNote.post_mortem_id == post_mortem_id)
    return list(db.session.scalars(stmt.order_by(KnowledgeNote.id)))
