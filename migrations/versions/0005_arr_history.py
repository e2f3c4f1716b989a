"""ARR history

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22

Program results compare ARR change of sponsored and other accounts, which needs the ARR of
a date in the past. Existing accounts get one entry with their current ARR as of their
creation.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "arr_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("arr_minor", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_arr_entries_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_arr_entries")),
    )
    op.create_index("ix_arr_entries_account", "arr_entries", ["account_id", "recorded_at"])
    op.execute(
        "INSERT INTO arr_entries (account_id, arr_minor, currency, recorded_at) "
        "SELECT id, arr_minor, currency, created_at FROM accounts"
    )


def downgrade():
    op.drop_index("ix_arr_entries_account", table_name="arr_entries")
    op.drop_table("arr_entries")
