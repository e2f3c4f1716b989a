"""indexes for Today and the escalation list: clocks breached or at risk, waiting handoffs

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02

All are partial indexes (running clocks breached or not yet breached; unacknowledged
handoffs), so they stay small however much history the book holds: the Today page walks
them in order and stops after a few rows instead of sorting every running clock or waiting
handoff of the book, and the list's "SLA at risk" and "Breached" views start from the few
clocks concerned instead of testing every open escalation (the clock indexes hold the
escalation id: the views read no clock row). Escalations resolved and not yet
closed whose closing needs a post-mortem (critical, high, executive), by resolution time:
the post-mortems due, found without reading the whole table.
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

BREACHED = "stopped_at IS NULL AND breached_at IS NOT NULL"
RUNNING = "stopped_at IS NULL AND breached_at IS NULL"
WAITING = "acknowledged_at IS NULL"
AWAITING_POST_MORTEM = (
    "status IN ('resolved', 'follow_up')"
    " AND (executive IS TRUE OR severity IN ('critical', 'high'))"
)


def upgrade():
    op.create_index(
        "ix_escalations_awaiting_post_mortem",
        "escalations",
        ["resolved_at", "id"],
        postgresql_where=sa.text(AWAITING_POST_MORTEM),
        sqlite_where=sa.text(AWAITING_POST_MORTEM),
    )
    op.create_index(
        "ix_sla_clocks_breached",
        "sla_clocks",
        ["due_at", "escalation_id"],
        postgresql_where=sa.text(BREACHED),
        sqlite_where=sa.text(BREACHED),
    )
    op.create_index(
        "ix_sla_clocks_at_risk",
        "sla_clocks",
        ["warn_at", "escalation_id"],
        postgresql_where=sa.text(RUNNING),
        sqlite_where=sa.text(RUNNING),
    )
    op.create_index(
        "ix_handoffs_waiting",
        "handoffs",
        ["escalation_id"],
        postgresql_where=sa.text(WAITING),
        sqlite_where=sa.text(WAITING),
    )
    op.create_index(
        "ix_handoffs_waiting_for",
        "handoffs",
        ["to_owner_id", "created_at"],
        postgresql_where=sa.text(WAITING),
        sqlite_where=sa.text(WAITING),
    )


def downgrade():
    op.drop_index("ix_handoffs_waiting_for", table_name="handoffs")
    op.drop_index("ix_handoffs_waiting", table_name="handoffs")
    op.drop_index("ix_sla_clocks_at_risk", table_name="sla_clocks")
    op.drop_index("ix_sla_clocks_breached", table_name="sla_clocks")
    op.drop_index("ix_escalations_awaiting_post_mortem", table_name="escalations")
