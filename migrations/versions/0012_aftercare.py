"""escalations after resolution: follow-up, close, reopen, survey, post-mortem

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01

escalations: two more statuses (follow_up, closed), closed_at, follow_up_days (default 7),
reopened_count, and the business minutes to first response and to resolution that reports
read. New tables escalation_follow_ups, escalation_surveys, post_mortems and
post_mortem_actions. On SQLite the status check is changed by rebuilding the table (batch
mode); the existing rows keep their values, and the new minute columns stay NULL (the reports
rollup fills them in on its first run).
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

OLD_STATUSES = ("new", "investigating", "waiting_on_customer", "resolved")
NEW_STATUSES = (*OLD_STATUSES, "follow_up", "closed")


def _enum(name, values):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def _status_check(values):
    listed = ", ".join(f"'{value}'" for value in values)
    return f"status IN ({listed})"


def upgrade():
    with op.batch_alter_table("escalations") as batch:
        batch.drop_constraint(op.f("ck_escalations_escalation_status"), type_="check")
        batch.create_check_constraint("escalation_status", _status_check(NEW_STATUSES))
        batch.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(
            sa.Column("follow_up_days", sa.Integer(), nullable=False, server_default="7")
        )
        batch.add_column(
            sa.Column("reopened_count", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("first_response_minutes", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("resolution_minutes", sa.Integer(), nullable=True))
        batch.create_check_constraint("follow_up_days_range", "follow_up_days BETWEEN 1 AND 365")

    op.create_table(
        "escalation_follow_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", _enum("follow_up_outcome", ("held", "failed")), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_escalation_follow_ups_escalation_id_escalations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_escalation_follow_ups_owner_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_escalation_follow_ups_recorded_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_follow_ups")),
    )
    op.create_index(
        op.f("ix_escalation_follow_ups_escalation_id"),
        "escalation_follow_ups",
        ["escalation_id"],
    )
    op.create_index(
        op.f("ix_escalation_follow_ups_owner_id"), "escalation_follow_ups", ["owner_id"]
    )
    op.create_index(
        "ix_follow_ups_pending",
        "escalation_follow_ups",
        ["due_at"],
        postgresql_where=sa.text("outcome IS NULL AND cancelled_at IS NULL"),
        sqlite_where=sa.text("outcome IS NULL AND cancelled_at IS NULL"),
    )

    op.create_table(
        "escalation_surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_by_id", sa.Integer(), nullable=True),
        sa.Column("times_sent", sa.Integer(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("reason_text", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "score IS NULL OR (score >= 1 AND score <= 5)",
            name=op.f("ck_escalation_surveys_score_1_to_5"),
        ),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_escalation_surveys_escalation_id_escalations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_escalation_surveys_contact_id_contacts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["sent_by_id"], ["users.id"], name=op.f("fk_escalation_surveys_sent_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_surveys")),
        sa.UniqueConstraint("escalation_id", name=op.f("uq_escalation_surveys_escalation_id")),
        sa.UniqueConstraint("nonce", name=op.f("uq_escalation_surveys_nonce")),
    )

    answer = ("yes", "no", "unsure")
    op.create_table(
        "post_mortems",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column(
            "root_cause_category",
            _enum(
                "root_cause",
                (
                    "product_defect",
                    "process",
                    "communication",
                    "expectation_mismatch",
                    "third_party",
                    "other",
                ),
            ),
            nullable=True,
        ),
        sa.Column("root_cause", sa.Text(), nullable=False),
        sa.Column("went_well", sa.Text(), nullable=False),
        sa.Column("to_improve", sa.Text(), nullable=False),
        sa.Column("preventable", _enum("pm_preventable", answer), nullable=True),
        sa.Column("lower_level", _enum("pm_lower_level", answer), nullable=True),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_by_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_post_mortems_escalation_id_escalations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["completed_by_id"], ["users.id"], name=op.f("fk_post_mortems_completed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_post_mortems_author_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_mortems")),
        sa.UniqueConstraint("escalation_id", name=op.f("uq_post_mortems_escalation_id")),
    )

    op.create_table(
        "post_mortem_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_mortem_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("overdue_notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_mortem_id"],
            ["post_mortems.id"],
            name=op.f("fk_post_mortem_actions_post_mortem_id_post_mortems"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_post_mortem_actions_owner_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["done_by_id"], ["users.id"], name=op.f("fk_post_mortem_actions_done_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_mortem_actions")),
    )
    op.create_index(
        op.f("ix_post_mortem_actions_post_mortem_id"), "post_mortem_actions", ["post_mortem_id"]
    )
    op.create_index(
        "ix_post_mortem_actions_open",
        "post_mortem_actions",
        ["owner_id", "due_on"],
        postgresql_where=sa.text("done_at IS NULL"),
        sqlite_where=sa.text("done_at IS NULL"),
    )


def downgrade():
    op.drop_index("ix_post_mortem_actions_open", table_name="post_mortem_actions")
    op.drop_index(op.f("ix_post_mortem_actions_post_mortem_id"), table_name="post_mortem_actions")
    op.drop_table("post_mortem_actions")
    op.drop_table("post_mortems")
    op.drop_table("escalation_surveys")
    op.drop_index("ix_follow_ups_pending", table_name="escalation_follow_ups")
    op.drop_index(op.f("ix_escalation_follow_ups_owner_id"), table_name="escalation_follow_ups")
    op.drop_index(
        op.f("ix_escalation_follow_ups_escalation_id"), table_name="escalation_follow_ups"
    )
    op.drop_table("escalation_follow_ups")
    # Rows past "resolved" go back to it: the old check knows no later status.
    op.execute("UPDATE escalations SET status = 'resolved' WHERE status IN ('follow_up', 'closed')")
    with op.batch_alter_table("escalations") as batch:
        batch.drop_constraint(op.f("ck_escalations_follow_up_days_range"), type_="check")
        batch.drop_column("resolution_minutes")
        batch.drop_column("first_response_minutes")
        batch.drop_column("reopened_count")
        batch.drop_column("follow_up_days")
        batch.drop_column("closed_at")
        batch.drop_constraint(op.f("ck_escalations_escalation_status"), type_="check")
        batch.create_check_constraint("escalation_status", _status_check(OLD_STATUSES))
