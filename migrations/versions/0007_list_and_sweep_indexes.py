"""list and sweep indexes

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22

Measured with `make bench` on 500,000 escalations: lists sorted by creation read every
matching row without an index on created_at; the SLA sweep's partial indexes still held
every clock already warned or breached (and the promise index every past promise), so the
sweep slowed down as history grew. The new partial indexes hold only what is still to be
stamped. ANALYZE gives SQLite the statistics it needs to pick these indexes.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

DUE = "stopped_at IS NULL AND breached_at IS NULL"
WARN = "stopped_at IS NULL AND breached_at IS NULL AND warned_at IS NULL"
PROMISE = "promise_warned_at IS NULL AND resolved_at IS NULL"


def _where(condition: str) -> dict:
    return {"postgresql_where": sa.text(condition), "sqlite_where": sa.text(condition)}


def upgrade():
    op.create_index("ix_escalations_created", "escalations", ["created_at", "id"])
    op.drop_index("ix_escalations_promise_warn_at", table_name="escalations")
    op.create_index(
        "ix_escalations_promise_due", "escalations", ["promise_warn_at"], **_where(PROMISE)
    )
    op.drop_index("ix_sla_clocks_due", table_name="sla_clocks")
    op.create_index("ix_sla_clocks_due", "sla_clocks", ["due_at"], **_where(DUE))
    op.drop_index("ix_sla_clocks_warn", table_name="sla_clocks")
    op.create_index("ix_sla_clocks_warn", "sla_clocks", ["warn_at"], **_where(WARN))
    op.execute("ANALYZE")


def downgrade():
    op.drop_index("ix_sla_clocks_warn", table_name="sla_clocks")
    op.create_index("ix_sla_clocks_warn", "sla_clocks", ["warn_at"], **_where("stopped_at IS NULL"))
    op.drop_index("ix_sla_clocks_due", table_name="sla_clocks")
    op.create_index("ix_sla_clocks_due", "sla_clocks", ["due_at"], **_where("stopped_at IS NULL"))
    op.drop_index("ix_escalations_promise_due", table_name="escalations")
    op.create_index("ix_escalations_promise_warn_at", "escalations", ["promise_warn_at"])
    op.drop_index("ix_escalations_created", table_name="escalations")
