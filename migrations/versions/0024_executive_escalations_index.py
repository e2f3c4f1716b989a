"""open executive escalations read from their index alone

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03

ix_escalations_executive (executive, status) now also holds account_id, arr_at_risk_minor,
created_at and id. An executive's Today page (bench book: 2,510 open executive
escalations, 40 sponsored accounts) asked two things of them that read every row:
- "Executive escalations open now", the sponsored accounts' first, then by ARR at risk:
  the ids are sorted from the index alone (app/main/today.py, shown_first): 10.3 ms -> see
  the commit;
- "My sponsored accounts needing attention" asks, per account, whether an executive
  escalation is open on it: PostgreSQL combined the account index with the 2,516 entries of
  this one on each of 41 loops (8.0 ms; the block's count 1.96 ms); with account_id in this
  index each question is one index probe: 1.8 ms and 0.40 ms.
"""

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

WIDE = ["executive", "status", "account_id", "arr_at_risk_minor", "created_at", "id"]


def upgrade():
    op.drop_index("ix_escalations_executive", table_name="escalations")
    op.create_index("ix_escalations_executive", "escalations", WIDE)


def downgrade():
    op.drop_index("ix_escalations_executive", table_name="escalations")
    op.create_index("ix_escalations_executive", "escalations", ["executive", "status"])
