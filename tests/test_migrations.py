"""Upgrading a database that holds data keeps the data: SQLite rebuilds tables in batch mode,
and a rebuild with foreign keys on would cascade deletes into the rows that reference them."""

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app import create_app
from config import TestingConfig

NOW = "2026-11-01 09:00:00"


def _book(connection) -> None:
    run = connection.exec_driver_sql
    run(
        "INSERT INTO accounts (id, name, domain, industry, tier, arr_minor, currency, status,"
        " notes, version, created_at, updated_at) VALUES (1, 'Kept KK', 'kept.example.com', '',"
        " 'strategic', 100, 'JPY', 'active', '', 1, ?, ?)",
        (NOW, NOW),
    )
    run(
        "INSERT INTO contacts (id, account_id, name, title, email, phone, role,"
        " preferred_channel, version, created_at, updated_at) VALUES (1, 1, '髙橋', '', '', '',"
        " 'economic_buyer', 'email', 1, ?, ?)",
        (NOW, NOW),
    )
    run(
        "INSERT INTO sponsorships (id, account_id, status, nomination_reason, nominated_at,"
        " decline_reason, exit_note, exit_rules, baseline, version, created_at, updated_at)"
        " VALUES (1, 1, 'active', '', ?, '', '', '[]', '{}', 1, ?, ?)",
        (NOW, NOW, NOW),
    )
    run(
        "INSERT INTO sponsorship_objectives (id, sponsorship_id, text, metric, target, status,"
        " version) VALUES (1, 1, 'Renew', '', '', 'open', 1)"
    )
    connection.commit()


def _count(connection, table: str) -> int:
    return connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()  # noqa: S608


def test_upgrading_and_downgrading_a_filled_sqlite_database_keeps_its_rows(tmp_path):
    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/old.sqlite")
    with app.app_context():
        upgrade(revision="0009")
        engine = sa.create_engine(f"sqlite:///{tmp_path}/old.sqlite")
        with engine.connect() as connection:
            _book(connection)
        upgrade()  # 0010 rebuilds contacts and sponsorships
        with engine.connect() as connection:
            assert _count(connection, "sponsorship_objectives") == 1
            assert _count(connection, "contacts") == 1
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
        downgrade(revision="0009")
        with engine.connect() as connection:
            assert _count(connection, "sponsorship_objectives") == 1
            assert _count(connection, "contacts") == 1
        engine.dispose()
