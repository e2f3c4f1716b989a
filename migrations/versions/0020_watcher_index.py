"""the escalations a user watches, found by the user

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02

The watchers' primary key starts with the escalation, so "escalations I own or watch" (the
list's "Mine" view, the CSM's Today page) read the whole watcher table for one user's rows:
2,804 of 11,368 rows on the bench book, 0.5-2 ms per request on PostgreSQL. This index holds
both columns, so the lookup reads the user's rows alone and no table row.
"""

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_escalation_watchers_user", "escalation_watchers", ["user_id", "escalation_id"]
    )


def downgrade():
    op.drop_index("ix_escalation_watchers_user", table_name="escalation_watchers")
