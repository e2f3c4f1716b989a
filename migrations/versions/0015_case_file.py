"""the escalation case file and measured threat suggestions

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01

escalations: reason code, who asked (customer or internal, and the contact), the team's health
(red/amber/green) and trend, the ask of the account's executive sponsor, and the reason given
for resolving with exit criteria unmet; existing rows get NULL (not recorded) and empty texts.
sla_clocks.kind gains health_update (the red/amber update cadence, counted like SLA clocks).
New tables: escalation_health_cadences (seeded red 24 h, amber 48 h, green none),
escalation_health_entries (the dated health/trend history), escalation_exit_criteria,
escalation_decisions, escalation_roster (one current membership per person: a partial unique
index) and threat_suggestions (what the detector suggested, confirmed or dismissed).
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

OLD_KINDS = ("first_response", "customer_update", "resolution")
NEW_KINDS = (*OLD_KINDS, "health_update")


def _kind_check(values):
    listed = ", ".join(f"'{value}'" for value in values)
    return f"kind IN ({listed})"


def upgrade():
    op.create_table(
        "escalation_health_cadences",
        sa.Column(
            "health",
            sa.Enum(
                "red",
                "amber",
                "green",
                name="cadence_health",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("update_hours", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "update_hours IS NULL OR update_hours BETWEEN 1 AND 720",
            name=op.f("ck_escalation_health_cadences_update_hours_range"),
        ),
        sa.PrimaryKeyConstraint("health", name=op.f("pk_escalation_health_cadences")),
    )
    op.create_table(
        "escalation_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.String(length=500), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rationale", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_escalation_decisions_escalation_id_escalations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_escalation_decisions_recorded_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_decisions")),
    )
    with op.batch_alter_table("escalation_decisions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_decisions_escalation", ["escalation_id", "decided_at"], unique=False
        )

    op.create_table(
        "escalation_exit_criteria",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("met_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("met_by_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_escalation_exit_criteria_created_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_escalation_exit_criteria_escalation_id_escalations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["met_by_id"], ["users.id"], name=op.f("fk_escalation_exit_criteria_met_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_exit_criteria")),
    )
    with op.batch_alter_table("escalation_exit_criteria", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_escalation_exit_criteria_escalation_id"), ["escalation_id"], unique=False
        )

    op.create_table(
        "escalation_health_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column(
            "health",
            sa.Enum(
                "red",
                "amber",
                "green",
                name="entry_health",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "trend",
            sa.Enum(
                "improving",
                "unchanged",
                "worsening",
                name="entry_trend",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_escalation_health_entries_escalation_id_escalations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_escalation_health_entries_recorded_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_health_entries")),
    )
    with op.batch_alter_table("escalation_health_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_health_entries_escalation", ["escalation_id", "recorded_at"], unique=False
        )

    op.create_table(
        "escalation_roster",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=80), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["added_by_id"], ["users.id"], name=op.f("fk_escalation_roster_added_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_escalation_roster_escalation_id_escalations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["removed_by_id"], ["users.id"], name=op.f("fk_escalation_roster_removed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_escalation_roster_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_roster")),
    )
    with op.batch_alter_table("escalation_roster", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_escalation_roster_escalation_id"), ["escalation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_escalation_roster_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            "uq_roster_current",
            ["escalation_id", "user_id"],
            unique=True,
            postgresql_where=sa.text("left_at IS NULL"),
            sqlite_where=sa.text("left_at IS NULL"),
        )

    op.create_table(
        "threat_suggestions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("escalation_id", sa.Integer(), nullable=False),
        sa.Column(
            "flag",
            sa.Enum(
                "cancellation",
                "legal",
                "safety",
                name="threat_flag",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "source",
            sa.Enum(
                "intake",
                "edit",
                "customer_update",
                "note",
                name="threat_source",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("source_id", sa.Integer(), nullable=True),
        sa.Column("sentence", sa.Text(), nullable=False),
        sa.Column("spans", sa.JSON(), nullable=False),
        sa.Column("rule", sa.String(length=80), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "confirmed",
                "dismissed",
                name="suggestion_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("dismiss_reason", sa.String(length=500), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_threat_suggestions_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["escalation_id"],
            ["escalations.id"],
            name=op.f("fk_threat_suggestions_escalation_id_escalations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_threat_suggestions")),
    )
    with op.batch_alter_table("threat_suggestions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_threat_suggestions_escalation", ["escalation_id", "status"], unique=False
        )
        batch_op.create_index(
            "ix_threat_suggestions_status", ["status", "decided_at"], unique=False
        )

    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "reason",
                sa.Enum(
                    "lack_of_progress",
                    "customer_deadline",
                    "repeated_failures",
                    "business_impact",
                    "relationship_risk",
                    "other",
                    name="escalation_reason",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column(
                "requested_by",
                sa.Enum(
                    "customer",
                    "internal",
                    name="escalation_requester",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("requester_contact_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "health",
                sa.Enum(
                    "red",
                    "amber",
                    "green",
                    name="escalation_health",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column(
                "trend",
                sa.Enum(
                    "improving",
                    "unchanged",
                    "worsening",
                    name="escalation_trend",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("sponsor_ask", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column("unmet_criteria_reason", sa.Text(), nullable=False, server_default="")
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_escalations_requester_contact_id_contacts"),
            "contacts",
            ["requester_contact_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("sla_clocks") as batch:
        batch.drop_constraint(op.f("ck_sla_clocks_clock_kind"), type_="check")
        batch.create_check_constraint("clock_kind", _kind_check(NEW_KINDS))
    cadences = sa.table(
        "escalation_health_cadences",
        sa.column("health", sa.String),
        sa.column("update_hours", sa.Integer),
        sa.column("version", sa.Integer),
    )
    op.bulk_insert(
        cadences,
        [
            {"health": "red", "update_hours": 24, "version": 1},
            {"health": "amber", "update_hours": 48, "version": 1},
            {"health": "green", "update_hours": None, "version": 1},
        ],
    )


def downgrade():
    op.execute("DELETE FROM sla_clocks WHERE kind = 'health_update'")
    with op.batch_alter_table("sla_clocks") as batch:
        batch.drop_constraint(op.f("ck_sla_clocks_clock_kind"), type_="check")
        batch.create_check_constraint("clock_kind", _kind_check(OLD_KINDS))
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_escalations_requester_contact_id_contacts"), type_="foreignkey"
        )
        for name in (
            "escalation_reason",
            "escalation_requester",
            "escalation_health",
            "escalation_trend",
        ):
            batch_op.drop_constraint(op.f(f"ck_escalations_{name}"), type_="check")
        batch_op.drop_column("unmet_criteria_reason")
        batch_op.drop_column("sponsor_ask")
        batch_op.drop_column("trend")
        batch_op.drop_column("health")
        batch_op.drop_column("requester_contact_id")
        batch_op.drop_column("requested_by")
        batch_op.drop_column("reason")

    with op.batch_alter_table("threat_suggestions", schema=None) as batch_op:
        batch_op.drop_index("ix_threat_suggestions_status")
        batch_op.drop_index("ix_threat_suggestions_escalation")

    op.drop_table("threat_suggestions")
    with op.batch_alter_table("escalation_roster", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_roster_current",
            postgresql_where=sa.text("left_at IS NULL"),
            sqlite_where=sa.text("left_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_escalation_roster_user_id"))
        batch_op.drop_index(batch_op.f("ix_escalation_roster_escalation_id"))

    op.drop_table("escalation_roster")
    with op.batch_alter_table("escalation_health_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_health_entries_escalation")

    op.drop_table("escalation_health_entries")
    with op.batch_alter_table("escalation_exit_criteria", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escalation_exit_criteria_escalation_id"))

    op.drop_table("escalation_exit_criteria")
    with op.batch_alter_table("escalation_decisions", schema=None) as batch_op:
        batch_op.drop_index("ix_decisions_escalation")

    op.drop_table("escalation_decisions")
    op.drop_table("escalation_health_cadences")
