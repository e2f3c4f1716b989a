"""scheduled exports: schedules, recipients, runs; e-mail attachments

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01

New tables export_schedules, export_recipients and export_runs. outbox_emails gains an
optional attachment (a file path read when the e-mail is sent, its name and type).
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _enum(name, values):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade():
    op.create_table(
        "export_schedules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            _enum(
                "export_kind",
                ("escalations", "accounts", "sponsorships", "touchpoints", "portfolio"),
            ),
            nullable=False,
        ),
        sa.Column("file_format", _enum("export_format", ("csv", "xlsx", "pdf")), nullable=False),
        sa.Column("encoding", _enum("csv_encoding", ("utf8_bom", "cp932")), nullable=False),
        sa.Column("filters", sa.JSON(), nullable=False),
        sa.Column("executive_id", sa.Integer(), nullable=True),
        sa.Column(
            "frequency",
            _enum("export_frequency", ("daily", "weekly", "monthly", "cron")),
            nullable=False,
        ),
        sa.Column("weekday", sa.Integer(), nullable=True),
        sa.Column("month_day", sa.Integer(), nullable=True),
        sa.Column("cron", sa.String(length=120), nullable=True),
        sa.Column("run_time", sa.Time(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("keep_files", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("stopped_reason", sa.String(length=40), nullable=True),
        sa.Column("next_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "weekday IS NULL OR weekday BETWEEN 0 AND 6",
            name=op.f("ck_export_schedules_weekday_range"),
        ),
        sa.CheckConstraint(
            "month_day IS NULL OR month_day BETWEEN 1 AND 31",
            name=op.f("ck_export_schedules_month_day_range"),
        ),
        sa.CheckConstraint(
            "keep_files BETWEEN 1 AND 1000", name=op.f("ck_export_schedules_keep_files_range")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_export_schedules_owner_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["executive_id"], ["users.id"], name=op.f("fk_export_schedules_executive_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_schedules")),
    )
    op.create_index(
        "ix_export_schedules_due", "export_schedules", ["enabled", "next_run_at"], unique=False
    )
    op.create_index(
        op.f("ix_export_schedules_owner_id"), "export_schedules", ["owner_id"], unique=False
    )
    op.create_table(
        "export_recipients",
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["export_schedules.id"],
            name=op.f("fk_export_recipients_schedule_id_export_schedules"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_export_recipients_user_id_users")
        ),
        sa.PrimaryKeyConstraint("schedule_id", "user_id", name=op.f("pk_export_recipients")),
    )
    op.create_index(
        op.f("ix_export_recipients_user_id"), "export_recipients", ["user_id"], unique=False
    )
    op.create_table(
        "export_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule_id", sa.Integer(), nullable=False),
        sa.Column(
            "trigger", _enum("export_trigger", ("scheduled", "manual", "command")), nullable=False
        ),
        sa.Column("triggered_by_id", sa.Integer(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "status",
            _enum("export_run_status", ("running", "retrying", "succeeded", "failed")),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("holder", sa.String(length=120), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("file_name", sa.String(length=200), nullable=True),
        sa.Column("file_size", sa.BigInteger(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("replaced", sa.JSON(), nullable=True),
        sa.Column("error", sa.String(length=2000), nullable=False),
        sa.Column("expired_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["schedule_id"],
            ["export_schedules.id"],
            name=op.f("fk_export_runs_schedule_id_export_schedules"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["triggered_by_id"], ["users.id"], name=op.f("fk_export_runs_triggered_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_runs")),
        sa.UniqueConstraint("schedule_id", "due_at", name="uq_export_runs_schedule_due"),
    )
    op.create_index("ix_export_runs_schedule", "export_runs", ["schedule_id", "id"], unique=False)
    op.create_index(
        "ix_export_runs_status", "export_runs", ["status", "next_attempt_at"], unique=False
    )
    op.create_index(
        "uq_export_runs_one_by_hand",
        "export_runs",
        ["schedule_id"],
        unique=True,
        postgresql_where=sa.text("due_at IS NULL AND status IN ('running', 'retrying')"),
        sqlite_where=sa.text("due_at IS NULL AND status IN ('running', 'retrying')"),
    )
    with op.batch_alter_table("outbox_emails") as batch:
        batch.add_column(sa.Column("attachment_path", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("attachment_name", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("attachment_type", sa.String(length=100), nullable=True))


def downgrade():
    with op.batch_alter_table("outbox_emails") as batch:
        batch.drop_column("attachment_type")
        batch.drop_column("attachment_name")
        batch.drop_column("attachment_path")
    op.drop_index("uq_export_runs_one_by_hand", table_name="export_runs")
    op.drop_index("ix_export_runs_status", table_name="export_runs")
    op.drop_index("ix_export_runs_schedule", table_name="export_runs")
    op.drop_table("export_runs")
    op.drop_index(op.f("ix_export_recipients_user_id"), table_name="export_recipients")
    op.drop_table("export_recipients")
    op.drop_index(op.f("ix_export_schedules_owner_id"), table_name="export_schedules")
    op.drop_index("ix_export_schedules_due", table_name="export_schedules")
    op.drop_table("export_schedules")
