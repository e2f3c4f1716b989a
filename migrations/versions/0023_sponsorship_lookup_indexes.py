"""sponsorships found by their escalation and by who nominated them

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03

Two foreign keys that pages look up by had no index (bench book, 3,000 sponsorships):
- the escalation page asks whether the escalation led to a nomination
  (sponsorship.services, by escalation_id): a scan of every sponsorship, 1.07 -> 0.11 ms;
- a CSM's Today page lists their nominations, undecided first, then the latest: the scan
  and sort of the 896 rows of the bench CSM, 1.64 ms. With (nominated_by_id, status,
  nominated_at, id) the sort reads the index alone and only the six rows shown are fetched
  (app/sponsorship/today.py): 0.34 ms, with a generic plan too.
"""

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_sponsorships_escalation", "sponsorships", ["escalation_id"])
    op.create_index(
        "ix_sponsorships_nominated_by",
        "sponsorships",
        ["nominated_by_id", "status", "nominated_at", "id"],
    )


def downgrade():
    op.drop_index("ix_sponsorships_nominated_by", table_name="sponsorships")
    op.drop_index("ix_sponsorships_escalation", table_name="sponsorships")
