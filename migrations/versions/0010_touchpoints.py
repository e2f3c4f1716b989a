"""executive touchpoints, action items, calendar feeds, executive reviews, briefs

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01

New tables for the touchpoints domain. Existing tables gain:
- users.timezone: the zone a user reads and enters times in (NULL: the app's default);
- contacts.departure / departed_on: a customer contact who left or changed role;
- sponsorships.cadence (its own touchpoint cadence, NULL: the program's per-tier default),
  sponsor_change_on / sponsor_change_contact_id (the customer's sponsor left);
- program_settings.coverage_strong_days / coverage_fading_days (relationship strength).
program_settings.cadence_by_tier was free text per tier; it becomes months per touchpoint kind
({"executive_call": 1, "business_review": 3}). Text naming "month" becomes a monthly call and
"quarter" a quarterly business review; anything else becomes no cadence (admins set it again).
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

KINDS = ("executive_call", "business_review", "onsite_visit", "dinner_event", "email")
STATUSES = ("planned", "completed", "cancelled", "missed")


def _enum(name, values):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade():
    op.create_table(
        "touchpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=80), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("sponsorship_id", sa.Integer(), nullable=True),
        sa.Column("kind", _enum("touchpoint_kind", KINDS), nullable=False),
        sa.Column("status", _enum("touchpoint_status", STATUSES), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("agenda", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("cancel_reason", sa.Text(), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completed_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("cadence_key", sa.String(length=32), nullable=True),
        sa.Column("cadence_slot", sa.Date(), nullable=True),
        sa.Column("hand_edited", sa.Boolean(), nullable=False),
        sa.Column("successor_of_id", sa.Integer(), nullable=True),
        sa.Column("reminded_3d_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_1d_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "duration_minutes BETWEEN 5 AND 1440", name=op.f("ck_touchpoints_duration_range")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_touchpoints_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["sponsorship_id"],
            ["sponsorships.id"],
            name=op.f("fk_touchpoints_sponsorship_id_sponsorships"),
        ),
        sa.ForeignKeyConstraint(
            ["completed_by_id"], ["users.id"], name=op.f("fk_touchpoints_completed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_touchpoints_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["successor_of_id"],
            ["contacts.id"],
            name=op.f("fk_touchpoints_successor_of_id_contacts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_touchpoints")),
        sa.UniqueConstraint("uid", name=op.f("uq_touchpoints_uid")),
        sa.UniqueConstraint(
            "sponsorship_id", "cadence_key", "cadence_slot", name="uq_touchpoints_cadence_slot"
        ),
    )
    op.create_index("ix_touchpoints_account_starts", "touchpoints", ["account_id", "starts_at"])
    op.create_index("ix_touchpoints_status_starts", "touchpoints", ["status", "starts_at"])
    op.create_index("ix_touchpoints_starts", "touchpoints", ["starts_at"])
    op.create_index(op.f("ix_touchpoints_sponsorship_id"), "touchpoints", ["sponsorship_id"])

    op.create_table(
        "touchpoint_executives",
        sa.Column("touchpoint_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["touchpoint_id"],
            ["touchpoints.id"],
            name=op.f("fk_touchpoint_executives_touchpoint_id_touchpoints"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_touchpoint_executives_user_id_users")
        ),
        sa.PrimaryKeyConstraint("touchpoint_id", "user_id", name=op.f("pk_touchpoint_executives")),
    )
    op.create_index(op.f("ix_touchpoint_executives_user_id"), "touchpoint_executives", ["user_id"])
    op.create_table(
        "touchpoint_contacts",
        sa.Column("touchpoint_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["touchpoint_id"],
            ["touchpoints.id"],
            name=op.f("fk_touchpoint_contacts_touchpoint_id_touchpoints"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_touchpoint_contacts_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("touchpoint_id", "contact_id", name=op.f("pk_touchpoint_contacts")),
    )
    op.create_index(
        op.f("ix_touchpoint_contacts_contact_id"), "touchpoint_contacts", ["contact_id"]
    )

    op.create_table(
        "action_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("touchpoint_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["touchpoint_id"],
            ["touchpoints.id"],
            name=op.f("fk_action_items_touchpoint_id_touchpoints"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_action_items_owner_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["done_by_id"], ["users.id"], name=op.f("fk_action_items_done_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_action_items")),
    )
    op.create_index(op.f("ix_action_items_touchpoint_id"), "action_items", ["touchpoint_id"])
    op.create_index("ix_action_items_owner_open", "action_items", ["owner_id", "done_at", "due_on"])

    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_calendar_feeds_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("user_id", name=op.f("uq_calendar_feeds_user_id")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feeds_token_hash")),
    )

    op.create_table(
        "executive_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sponsorship_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column(
            "decision", _enum("review_decision", ("continue", "propose_exit")), nullable=False
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["sponsorship_id"],
            ["sponsorships.id"],
            name=op.f("fk_executive_reviews_sponsorship_id_sponsorships"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"], ["users.id"], name=op.f("fk_executive_reviews_reviewer_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_executive_reviews")),
    )
    op.create_index(
        "ix_executive_reviews_sponsorship", "executive_reviews", ["sponsorship_id", "id"]
    )

    op.create_table(
        "briefs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", _enum("brief_kind", ("account", "portfolio")), nullable=False),
        sa.Column("executive_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("generated_by_id", sa.Integer(), nullable=False),
        sa.Column("generated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["executive_id"], ["users.id"], name=op.f("fk_briefs_executive_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_briefs_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["generated_by_id"], ["users.id"], name=op.f("fk_briefs_generated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_briefs")),
    )
    op.create_index("ix_briefs_executive", "briefs", ["executive_id", "generated_at"])

    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("timezone", sa.String(length=64), nullable=True))
    with op.batch_alter_table("contacts") as batch:
        batch.add_column(
            sa.Column("departure", _enum("contact_departure", ("left", "role_changed")))
        )
        batch.add_column(sa.Column("departed_on", sa.Date(), nullable=True))
    with op.batch_alter_table("sponsorships") as batch:
        batch.add_column(sa.Column("cadence", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("sponsor_change_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("sponsor_change_contact_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_sponsorships_sponsor_change_contact_id_contacts"),
            "contacts",
            ["sponsor_change_contact_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("program_settings") as batch:
        batch.add_column(
            sa.Column("coverage_strong_days", sa.Integer(), nullable=False, server_default="90")
        )
        batch.add_column(
            sa.Column("coverage_fading_days", sa.Integer(), nullable=False, server_default="180")
        )

    settings = sa.table("program_settings", sa.column("id"), sa.column("cadence_by_tier", sa.JSON))
    conn = op.get_bind()
    for row_id, raw in conn.execute(sa.select(settings.c.id, settings.c.cadence_by_tier)):
        old = json.loads(raw) if isinstance(raw, str) else (raw or {})
        new = {}
        for tier, text in old.items():
            text = str(text).lower()
            months = {}
            if "month" in text or "毎月" in text or "月次" in text:
                months["executive_call"] = 1
            if "quarter" in text or "四半期" in text:
                months["business_review"] = 3
            new[tier] = months
        conn.execute(settings.update().where(settings.c.id == row_id).values(cadence_by_tier=new))


def downgrade():
    # Cadences back to the text the earlier settings form showed ("1 month call, 3 month EBR").
    settings = sa.table("program_settings", sa.column("id"), sa.column("cadence_by_tier", sa.JSON))
    conn = op.get_bind()
    for row_id, value in conn.execute(sa.select(settings.c.id, settings.c.cadence_by_tier)):
        value = json.loads(value) if isinstance(value, str) else (value or {})
        text = {
            tier: ", ".join(
                f"{months} month {'call' if kind == 'executive_call' else 'EBR'}"
                for kind, months in (months_by_kind or {}).items()
                if months
            )
            for tier, months_by_kind in value.items()
        }
        conn.execute(settings.update().where(settings.c.id == row_id).values(cadence_by_tier=text))
    with op.batch_alter_table("program_settings") as batch:
        batch.drop_column("coverage_fading_days")
        batch.drop_column("coverage_strong_days")
    with op.batch_alter_table("sponsorships") as batch:
        batch.drop_constraint(
            op.f("fk_sponsorships_sponsor_change_contact_id_contacts"), type_="foreignkey"
        )
        batch.drop_column("sponsor_change_contact_id")
        batch.drop_column("sponsor_change_on")
        batch.drop_column("cadence")
    with op.batch_alter_table("contacts") as batch:
        batch.drop_constraint(op.f("ck_contacts_contact_departure"), type_="check")
        batch.drop_column("departed_on")
        batch.drop_column("departure")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("timezone")
    op.drop_index("ix_briefs_executive", table_name="briefs")
    op.drop_table("briefs")
    op.drop_index("ix_executive_reviews_sponsorship", table_name="executive_reviews")
    op.drop_table("executive_reviews")
    op.drop_table("calendar_feeds")
    op.drop_index("ix_action_items_owner_open", table_name="action_items")
    op.drop_index(op.f("ix_action_items_touchpoint_id"), table_name="action_items")
    op.drop_table("action_items")
    op.drop_index(op.f("ix_touchpoint_contacts_contact_id"), table_name="touchpoint_contacts")
    op.drop_table("touchpoint_contacts")
    op.drop_index(op.f("ix_touchpoint_executives_user_id"), table_name="touchpoint_executives")
    op.drop_table("touchpoint_executives")
    op.drop_index(op.f("ix_touchpoints_sponsorship_id"), table_name="touchpoints")
    op.drop_index("ix_touchpoints_starts", table_name="touchpoints")
    op.drop_index("ix_touchpoints_status_starts", table_name="touchpoints")
    op.drop_index("ix_touchpoints_account_starts", table_name="touchpoints")
    op.drop_table("touchpoints")
