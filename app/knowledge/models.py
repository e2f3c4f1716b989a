"""Knowledge notes and their tags.

A note keeps its own text and, beside it, the terms it is searched by (analysis.py):
`title_terms` (title and tags, ranked higher) and `body_terms` (symptoms and resolution). The
database indexes those terms: on PostgreSQL a generated tsvector column `search_vector` with a
GIN index, on SQLite the FTS5 table `knowledge_fts` kept in step by triggers (migration 0013).
Neither is mapped here: search.py queries them by name.
"""

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models import TimestampMixin


class KnowledgeNote(TimestampMixin, db.Model):
    __tablename__ = "knowledge_notes"
    __table_args__ = (sa.Index("ix_knowledge_notes_updated", "updated_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    symptoms: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    resolution: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    language: Mapped[str | None] = mapped_column(sa.String(8))  # "ja" or "en", a guess
    escalation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("escalations.id", ondelete="SET NULL"), index=True
    )
    post_mortem_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("post_mortems.id", ondelete="SET NULL"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    title_terms: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    body_terms: Mapped[str] = mapped_column(sa.Text, nullable=False, default="")
    version: Mapped[int] = mapped_column(nullable=False, default=1)

    author = relationship("User")
    escalation = relationship("Escalation")
    post_mortem = relationship("PostMortem")
    tag_rows: Mapped[list["KnowledgeTag"]] = relationship(
        cascade="all, delete-orphan", order_by="KnowledgeTag.name"
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def tags(self) -> list[str]:
        return [row.name for row in self.tag_rows]


class KnowledgeTag(db.Model):
    __tablename__ = "knowledge_tags"

    note_id: Mapped[int] = mapped_column(
        sa.ForeignKey("knowledge_notes.id", ondelete="CASCADE"), primary_key=True
    )
    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True, index=True)
