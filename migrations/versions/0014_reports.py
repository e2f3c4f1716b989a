"""reports: rollup tables for the reports page

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01

New tables report_state, report_figures, report_account_counts and report_repeat_spans
(app/reports/models.py), filled by the reports rollup job; an index on escalations.updated_at,
by which the job finds the escalations changed since its last run; and a partial index holding
only the escalations answered or resolved before 0012 added their business minutes, which the
aftercare job fills in a batch per run.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

MINUTES_MISSING = (
    "(first_response_at IS NOT NULL AND first_response_minutes IS NULL)"
    " OR (resolved_at IS NOT NULL AND resolution_minutes IS NULL)"
)


def upgrade():
    op.create_table(
        "report_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("watermark_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_state")),
    )
    op.create_table(
        "report_figures",
        sa.Column("tier_key", sa.String(length=16), nullable=False),
        sa.Column("owner_key", sa.Integer(), nullable=False),
        sa.Column("grain", sa.String(length=1), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("figure", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "tier_key",
            "owner_key",
            "grain",
            "period",
            "figure",
            "key",
            name=op.f("pk_report_figures"),
        ),
    )
    op.create_index("ix_report_figures_period", "report_figures", ["grain", "period"])
    op.create_table(
        "report_account_counts",
        sa.Column("owner_key", sa.Integer(), nullable=False),
        sa.Column("grain", sa.String(length=1), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("tier", sa.String(length=16), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("rank_all", sa.Integer(), nullable=True),
        sa.Column("rank_tier", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint(
            "owner_key", "grain", "period", "account_id", name=op.f("pk_report_account_counts")
        ),
    )
    op.create_index("ix_report_account_counts_period", "report_account_counts", ["grain", "period"])
    op.create_index(
        "ix_report_account_counts_account",
        "report_account_counts",
        ["account_id", "owner_key", "grain", "period"],
    )
    op.create_index(
        "ix_report_account_counts_rank",
        "report_account_counts",
        ["owner_key", "grain", "rank_all", "period"],
    )
    op.create_index(
        "ix_report_account_counts_tier_rank",
        "report_account_counts",
        ["owner_key", "grain", "tier", "rank_tier"],
    )
    op.create_table(
        "report_repeat_spans",
        sa.Column("owner_key", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("tier", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint(
            "owner_key", "account_id", "first_day", name=op.f("pk_report_repeat_spans")
        ),
    )
    op.create_index("ix_report_repeat_spans_last", "report_repeat_spans", ["owner_key", "last_day"])
    op.create_index("ix_escalations_updated", "escalations", ["updated_at"])
    op.create_index(
        "ix_escalations_minutes_missing",
        "escalations",
        ["id"],
        postgresql_where=sa.text(MINUTES_MISSING),
        sqlite_where=sa.text(MINUTES_MISSING),
    )


def downgrade():
    op.drop_index("ix_escalations_minutes_missing", table_name="escalations")
    op.drop_index("ix_escalations_updated", table_name="escalations")
    op.drop_table("report_repeat_spans")
    op.drop_table("report_account_counts")
    op.drop_table("report_figures")
    op.drop_table("report_state")
