"""sponsorships found by when they were created

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03

Each page of the eligibility review leaves out the candidates nominated or sponsored since
the review: only a sponsorship created since can be on one (app/sponsorship/snapshots.py,
_nominated_since). Read from this index, the statement no longer joins every sponsorship
in progress to every candidate (bench book: 2,500 and 16,354).
"""

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_sponsorships_created", "sponsorships", ["created_at"])


def downgrade():
    op.drop_index("ix_sponsorships_created", table_name="sponsorships")
