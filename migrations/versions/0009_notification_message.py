"""notification message

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

A notification keeps what it says as data (the source text and its parameters), so it is
shown in the language of whoever reads it. Older rows have none: they are matched against
their kind's message when shown (app/notifications/messages.py).
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notifications") as batch_op:
        batch_op.add_column(sa.Column("message", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("notifications") as batch_op:
        batch_op.drop_column("message")
