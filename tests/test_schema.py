"""The migrations build the schema the models describe: a model changed without a migration
(or a migration that differs from its model) would work in one place and fail in another."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db

# Made by the migrations on purpose, outside the models: PostgreSQL trigram indexes for
# substring search, the knowledge notes' full-text search (a generated tsvector column and its
# GIN index on PostgreSQL, an FTS5 table with its shadow tables on SQLite).
OUTSIDE_THE_MODELS = ("_trgm", "knowledge_fts", "search_vector", "ix_knowledge_notes_search")


def _name(diff) -> str:
    """The names a difference is about (a table, index or column, with its table)."""
    return " ".join(str(getattr(part, "name", part)) for part in diff[1:])


def test_the_migrated_schema_matches_the_models(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        diffs = [
            diff
            for diff in compare_metadata(context, db.metadata)
            if isinstance(diff, tuple)
            and not any(part in _name(diff) for part in OUTSIDE_THE_MODELS)
        ]
    assert diffs == []
