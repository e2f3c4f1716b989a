"""notification link

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22

Notifications about sponsorships (and later touchpoints and exports) point to pages other
than an escalation; the link the e-mail carries is kept for the in-app list too.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notifications") as batch_op:
        batch_op.add_column(sa.Column("link", sa.String(length=300), nullable=True))


def downgrade():
    with op.batch_alter_table("notifications") as batch_op:
        batch_op.drop_column("link")
