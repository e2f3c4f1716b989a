"""account search and filter indexes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

Searching the account book by part of a name or domain (ILIKE '%...%') reads the whole
table without these. On PostgreSQL trigram GIN indexes answer it; SQLite has no equivalent
and keeps scanning (fast enough for a local book). The composite index serves the common
tier + status filter with its health band.
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_accounts_tier_status_health", "accounts", ["tier", "status", "health_score"]
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_accounts_name_trgm ON accounts USING gin (name gin_trgm_ops)")
        op.execute(
            "CREATE INDEX ix_accounts_domain_trgm ON accounts USING gin (domain gin_trgm_ops)"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_accounts_domain_trgm")
        op.execute("DROP INDEX ix_accounts_name_trgm")
    op.drop_index("ix_accounts_tier_status_health", table_name="accounts")
