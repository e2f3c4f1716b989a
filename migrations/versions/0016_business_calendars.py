"""business calendars, re-planned clocks, users' working hours and leave

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02

New tables: business_calendars (timezone, opening intervals per weekday, a country's public
holidays) and business_calendar_days (company closures, public holidays worked).
sla_policies: the timezone, hours and holidays move into a calendar each policy names; the
upgrade makes one calendar per distinct (timezone, hours, holidays) found, so every clock
counts exactly as before (no country: no public holidays until an admin picks one), and the
holidays typed on a policy become one-day closures.
sla_clocks: the calendar and version a clock was planned with, and the business time counted
before a re-plan (existing clocks: none, counted from their start as before).
users: working days and hours, and leave dates (NULL: the app's defaults, not on leave).
The downgrade writes each policy's calendar back into its columns (the first interval of each
weekday; closures as holiday dates, public holidays and worked days are lost).
"""

import json
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

from app.models import UTCDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

ALWAYS = ["00:00", "00:00"]


def _json(value):
    return value if not isinstance(value, str) else json.loads(value)


def _calendar_name(timezone: str, hours: list) -> str:
    if all(day == ALWAYS for day in hours):
        return f"Around the clock ({timezone})"
    return f"Office hours ({timezone})"


def upgrade():
    op.create_table(
        "business_calendars",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("week", sa.JSON(), nullable=False),
        sa.Column("country", sa.String(length=8), nullable=True),
        sa.Column("subdivision", sa.String(length=16), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_calendars")),
        sa.UniqueConstraint("name", name=op.f("uq_business_calendars_name")),
    )
    op.create_table(
        "business_calendar_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("calendar_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "closure",
                "worked",
                name="calendar_day_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.CheckConstraint(
            "ends_on >= starts_on", name=op.f("ck_business_calendar_days_range_order")
        ),
        sa.ForeignKeyConstraint(
            ["calendar_id"],
            ["business_calendars.id"],
            name=op.f("fk_business_calendar_days_calendar_id_business_calendars"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_business_calendar_days")),
    )
    with op.batch_alter_table("business_calendar_days", schema=None) as batch_op:
        batch_op.create_index(
            "ix_business_calendar_days_calendar", ["calendar_id", "starts_on"], unique=False
        )

    with op.batch_alter_table("sla_policies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("calendar_id", sa.Integer(), nullable=True))
    _policies_to_calendars()
    with op.batch_alter_table("sla_policies", schema=None) as batch_op:
        batch_op.alter_column("calendar_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(
            batch_op.f("ix_sla_policies_calendar_id"), ["calendar_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_sla_policies_calendar_id_business_calendars"),
            "business_calendars",
            ["calendar_id"],
            ["id"],
        )
        batch_op.drop_column("holidays")
        batch_op.drop_column("timezone")
        batch_op.drop_column("hours")

    with op.batch_alter_table("sla_clocks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("calendar_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("calendar_version", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("counted_seconds", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("counted_until", UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_sla_clocks_calendar_id_business_calendars"),
            "business_calendars",
            ["calendar_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("work_days", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("work_start", sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column("work_end", sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column("leave_starts", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("leave_ends", sa.Date(), nullable=True))


def _policies_to_calendars():
    """One calendar per distinct (timezone, hours, holidays) of the policies, named by it."""
    bind = op.get_bind()
    calendars = sa.table(
        "business_calendars",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("timezone", sa.String),
        sa.column("week", sa.JSON),
        sa.column("version", sa.Integer),
        sa.column("created_at", UTCDateTime(timezone=True)),
        sa.column("updated_at", UTCDateTime(timezone=True)),
    )
    days = sa.table(
        "business_calendar_days",
        sa.column("calendar_id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("starts_on", sa.Date),
        sa.column("ends_on", sa.Date),
        sa.column("name", sa.String),
    )
    policies = bind.execute(
        sa.text("SELECT id, timezone, hours, holidays FROM sla_policies ORDER BY id")
    ).all()
    made: dict[str, int] = {}
    names: set[str] = set()
    now = datetime.now(UTC)
    for policy_id, timezone, hours, holidays in policies:
        hours, holidays = _json(hours), sorted(_json(holidays) or [])
        key = json.dumps([timezone, hours, holidays])
        if key not in made:
            name = _calendar_name(timezone, hours)
            while name in names:
                name = f"{name} {len(names) + 1}"
            names.add(name)
            week = [[day] if day else [] for day in hours]
            calendar_id = bind.execute(
                calendars.insert()
                .values(
                    name=name,
                    timezone=timezone,
                    week=week,
                    version=1,
                    created_at=now,
                    updated_at=now,
                )
                .returning(calendars.c.id)
            ).scalar_one()
            for day in holidays:
                on = date.fromisoformat(day)
                bind.execute(
                    days.insert().values(
                        calendar_id=calendar_id, kind="closure", starts_on=on, ends_on=on, name=""
                    )
                )
            made[key] = calendar_id
        bind.execute(
            sa.text("UPDATE sla_policies SET calendar_id = :calendar WHERE id = :id"),
            {"calendar": made[key], "id": policy_id},
        )


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("leave_ends")
        batch_op.drop_column("leave_starts")
        batch_op.drop_column("work_end")
        batch_op.drop_column("work_start")
        batch_op.drop_column("work_days")

    with op.batch_alter_table("sla_clocks", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_sla_clocks_calendar_id_business_calendars"), type_="foreignkey"
        )
        batch_op.drop_column("counted_until")
        batch_op.drop_column("counted_seconds")
        batch_op.drop_column("calendar_version")
        batch_op.drop_column("calendar_id")

    with op.batch_alter_table("sla_policies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hours", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("timezone", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("holidays", sa.JSON(), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT p.id, c.id, c.timezone, c.week FROM sla_policies p "
            "JOIN business_calendars c ON c.id = p.calendar_id"
        )
    ).all()
    for policy_id, calendar_id, timezone, week in rows:
        hours = [day[0] if day else None for day in _json(week)]
        closed = bind.execute(
            sa.text(
                "SELECT starts_on, ends_on FROM business_calendar_days "
                "WHERE calendar_id = :id AND kind = 'closure' ORDER BY starts_on"
            ),
            {"id": calendar_id},
        ).all()
        holidays = []
        for starts, ends in closed:
            starts, ends = _as_date(starts), _as_date(ends)
            while starts <= ends:
                holidays.append(starts.isoformat())
                starts = starts.fromordinal(starts.toordinal() + 1)
        bind.execute(
            sa.text(
                "UPDATE sla_policies SET timezone = :tz, hours = :hours, holidays = :holidays "
                "WHERE id = :id"
            ),
            {"tz": timezone, "hours": json.dumps(hours), "holidays": json.dumps(holidays),
             "id": policy_id},
        )
    with op.batch_alter_table("sla_policies", schema=None) as batch_op:
        batch_op.alter_column("hours", existing_type=sa.JSON(), nullable=False)
        batch_op.alter_column("timezone", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("holidays", existing_type=sa.JSON(), nullable=False)
        batch_op.drop_constraint(
            batch_op.f("fk_sla_policies_calendar_id_business_calendars"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_sla_policies_calendar_id"))
        batch_op.drop_column("calendar_id")

    with op.batch_alter_table("business_calendar_days", schema=None) as batch_op:
        batch_op.drop_index("ix_business_calendar_days_calendar")
    op.drop_table("business_calendar_days")
    op.drop_table("business_calendars")


def _as_date(value):
    return value if isinstance(value, date) else date.fromisoformat(str(value))
