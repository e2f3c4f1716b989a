"""Shared model pieces: the declarative base with a naming convention, UTC time, enums."""

import enum
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def clock_from(now: datetime) -> Callable[[], datetime]:
    """A clock that reads `now` at first and advances with the monotonic clock: work given an
    explicit time (a job's, a test's) keeps its own time line as it goes on."""
    started = time.monotonic()
    return lambda: now + timedelta(seconds=time.monotonic() - started)


class UTCDateTime(sa.types.TypeDecorator):
    """Stores aware datetimes as UTC and always returns them aware (SQLite forgets the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given where UTC was expected")
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False
    )


def enum_column(enum_cls: type[enum.Enum], name: str, **kwargs):
    """A string column holding an enum's value, guarded by a check constraint."""
    return mapped_column(
        sa.Enum(
            enum_cls,
            name=name,
            native_enum=False,
            create_constraint=True,
            length=32,
            values_callable=lambda members: [m.value for m in members],
            validate_strings=True,
        ),
        **kwargs,
    )


class DomainError(Exception):
    """A rule of the domain refused a change; the message is shown to the user."""


def contains(column, text: str):
    """Case-insensitive "column contains text", with % and _ in the text taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")


def insert_rows(session, table: sa.Table, rows: list[dict]) -> None:
    """Write many rows of one shape in the session's transaction, no ids read back.

    PostgreSQL gets them by COPY, one stream: an executemany sends an INSERT per row, and
    multi-row INSERTs cost psycopg more to parse than they save (a burst of 33,000
    notifications and as many e-mails: 4.5 s by the ORM's bulk insert, 9 s as 1,000-row
    INSERTs). Elsewhere a Core executemany. Columns the rows leave out take their Python-side
    default, and every value goes through its column's type, as in an INSERT."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name != "postgresql":
        connection.execute(table.insert(), rows)
        return
    names = list(rows[0])
    defaulted = [
        c
        for c in table.columns
        if c.name not in names and c.default is not None and not c.default.is_sequence
    ]
    # Rows written together share their defaults (one created_at for the set).
    defaults = [_default_value(c) for c in defaulted]
    columns = [table.c[name] for name in names] + defaulted
    processors = [_copy_processor(c.type, dialect) for c in columns]
    defaults = [p(v) if p else v for p, v in zip(processors[len(names) :], defaults, strict=True)]
    processed = [(i, p) for i, p in enumerate(processors[: len(names)]) if p is not None]
    quote = dialect.identifier_preparer.quote
    copy_sql = (
        f"COPY {dialect.identifier_preparer.format_table(table)} "
        f"({', '.join(quote(c.name) for c in columns)}) FROM STDIN"
    )
    cursor = connection.connection.driver_connection.cursor()
    with cursor, cursor.copy(copy_sql) as copy:
        for row in rows:
            values = [row[name] for name in names]
            for i, process in processed:
                values[i] = process(values[i])
            copy.write_row(values + defaults)


def _copy_processor(column_type, dialect) -> Callable | None:
    """A value as COPY takes it: through the type's bind processing; JSON as its text."""
    if isinstance(column_type, sa.JSON):
        return _json_text()
    return column_type.bind_processor(dialect)


def _json_text() -> Callable:
    """JSON text of a value, written once for a value the rows share (one notification's
    message goes to each of its recipients): kept by identity, the value held alongside."""
    written: dict[int, tuple] = {}

    def text(value):
        if value is None:
            return None
        kept = written.get(id(value))
        if kept is None or kept[0] is not value:
            kept = written[id(value)] = (value, json.dumps(value))
        return kept[1]

    return text


def _default_value(column: sa.Column):
    default = column.default
    return default.arg(None) if default.is_callable else default.arg
