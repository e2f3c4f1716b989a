"""sponsorship program snapshots: stored program results and eligibility review candidates

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03

New tables (app/sponsorship/snapshots.py): program_snapshots, one row per stored computation
("results": the program results' figures as JSON; "eligibility": the last review's rules and
candidate count) with when it was computed; eligibility_candidates, the accounts the last
eligibility review found meeting the entry rules, with the rules met and their place in the
review's order (indexed: the page reads 25 at a time by it); no foreign key, like the report
rollups (an account deleted since the review drops out by the page's join). Both start empty:
the first request of each page, or the scheduler's first run, fills them.
"""

import sqlalchemy as sa
from alembic import op

from app.models import UTCDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "program_snapshots",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("computed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_program_snapshots")),
    )
    op.create_table(
        "eligibility_candidates",
        sa.Column("account_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("reviewed_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_eligibility_candidates")),
    )
    op.create_index(
        "ix_eligibility_candidates_position", "eligibility_candidates", ["position"], unique=True
    )


def downgrade():
    op.drop_index("ix_eligibility_candidates_position", table_name="eligibility_candidates")
    op.drop_table("eligibility_candidates")
    op.drop_table("program_snapshots")
