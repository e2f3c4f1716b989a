"""knowledge notes, their tags and their search index

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01

New tables knowledge_notes and knowledge_tags. The notes' search terms (app/knowledge/
analysis.py, space-joined in title_terms and body_terms) are indexed per database:
- PostgreSQL: a generated tsvector column search_vector (title terms weight A, body terms B,
  with the 'simple' configuration: the terms are already normalised and space-separated, so
  it only splits at the spaces and keeps the positions that weights need) and a GIN index.
- SQLite: the FTS5 table knowledge_fts over those two columns (external content, the `ascii`
  tokenizer: every non-ASCII character is part of a term), kept in step by triggers.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

VECTOR = (
    "setweight(to_tsvector('simple', title_terms), 'A') || "
    "setweight(to_tsvector('simple', body_terms), 'B')"
)
SQLITE_INDEX = (
    "CREATE VIRTUAL TABLE knowledge_fts USING fts5(title_terms, body_terms, "
    "content='knowledge_notes', content_rowid='id', tokenize='ascii')",
    "CREATE TRIGGER knowledge_fts_insert AFTER INSERT ON knowledge_notes BEGIN "
    "INSERT INTO knowledge_fts(rowid, title_terms, body_terms) "
    "VALUES (new.id, new.title_terms, new.body_terms); END",
    "CREATE TRIGGER knowledge_fts_delete AFTER DELETE ON knowledge_notes BEGIN "
    "INSERT INTO knowledge_fts(knowledge_fts, rowid, title_terms, body_terms) "
    "VALUES ('delete', old.id, old.title_terms, old.body_terms); END",
    "CREATE TRIGGER knowledge_fts_update AFTER UPDATE OF title_terms, body_terms "
    "ON knowledge_notes BEGIN "
    "INSERT INTO knowledge_fts(knowledge_fts, rowid, title_terms, body_terms) "
    "VALUES ('delete', old.id, old.title_terms, old.body_terms); "
    "INSERT INTO knowledge_fts(rowid, title_terms, body_terms) "
    "VALUES (new.id, new.title_terms, new.body_terms); END",
)


def upgrade():
    op.create_table(
        "knowledge_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("symptoms", sa.Text(), nullable=False),
        sa.Column("resolution", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("escalation_id", sa.Integer(), nullable=True),
        sa.Column("post_mortem_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("title_terms", sa.Text(), nullable=False),
        sa.Column("body_terms", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_knowledge_notes_escalation_id_escalations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["post_mortem_id"],
            ["post_mortems.id"],
            name=op.f("fk_knowledge_notes_post_mortem_id_post_mortems"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_knowledge_notes_author_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_notes")),
    )
    op.create_index("ix_knowledge_notes_updated", "knowledge_notes", ["updated_at", "id"])
    for column in ("escalation_id", "post_mortem_id", "author_id"):
        op.create_index(f"ix_knowledge_notes_{column}", "knowledge_notes", [column])
    op.create_table(
        "knowledge_tags",
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["note_id"],
            ["knowledge_notes.id"],
            name=op.f("fk_knowledge_tags_note_id_knowledge_notes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("note_id", "name", name=op.f("pk_knowledge_tags")),
    )
    op.create_index("ix_knowledge_tags_name", "knowledge_tags", ["name"])

    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"ALTER TABLE knowledge_notes ADD COLUMN search_vector tsvector "
            f"GENERATED ALWAYS AS ({VECTOR}) STORED"
        )
        op.execute(
            "CREATE INDEX ix_knowledge_notes_search ON knowledge_notes USING gin (search_vector)"
        )
    else:
        for statement in SQLITE_INDEX:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS knowledge_fts_{name}")
        op.execute("DROP TABLE IF EXISTS knowledge_fts")
    op.drop_index("ix_knowledge_tags_name", table_name="knowledge_tags")
    op.drop_table("knowledge_tags")
    for column in ("escalation_id", "post_mortem_id", "author_id"):
        op.drop_index(f"ix_knowledge_notes_{column}", table_name="knowledge_notes")
    op.drop_index("ix_knowledge_notes_updated", table_name="knowledge_notes")
    op.drop_table("knowledge_notes")
