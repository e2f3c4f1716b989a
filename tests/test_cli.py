"""The flask commands: users create, seed-demo, seed-bench."""

import sqlalchemy as sa

from app.accounts.models import Account, Contact, HealthScoreEntry
from app.auth.models import User
from app.extensions import db


def test_users_create_asks_for_the_password(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "create", "Boss@Example.test", "--role", "admin", "--role", "executive"],
        input="s3cret-pass\ns3cret-pass\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalars(sa.select(User)).one()
        assert user.email == "boss@example.test"
        assert {r.value for r in user.roles} == {"admin", "executive"}
        assert user.check_password("s3cret-pass")
    again = runner.invoke(
        args=["users", "create", "boss@example.test", "--role", "csm"],
        input="s3cret-pass\ns3cret-pass\n",
    )
    assert again.exit_code != 0 and "already exists" in again.output


def test_users_create_refuses_an_unknown_role(app):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "a@b.test", "--role", "king"], input="s3cret-pass\ns3cret-pass\n"
    )
    assert result.exit_code != 0 and "king" in result.output


def counts(app):
    with app.app_context():
        return tuple(
            db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (User, Account, Contact, HealthScoreEntry)
        )


def test_seed_demo_is_believable_and_idempotent(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    first = counts(app)
    users, accounts, contacts, health = first
    assert users >= 5 and accounts >= 30 and contacts >= 2 * accounts and health >= 5 * accounts
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert counts(app) == first
    with app.app_context():
        names = db.session.scalars(sa.select(Account.name)).all()
        emails = set(db.session.scalars(sa.select(User.email)))
        demo = db.session.scalars(sa.select(User).where(User.email == "exec@demo.test")).one()
        assert demo.check_password("demo12345")
    assert any("株式会社" in n for n in names) and any(n.isascii() for n in names)
    assert {
        "admin@demo.test",
        "exec@demo.test",
        "manager@demo.test",
        "csm@demo.test",
        "ae@demo.test",
    } <= emails


def test_seed_bench_loads_the_requested_number(app):
    result = app.test_cli_runner().invoke(
        args=["seed-bench", "--accounts", "30", "--escalations", "40"]
    )
    assert result.exit_code == 0, result.output
    _users, accounts, contacts, health = counts(app)
    assert (accounts, contacts, health) == (30, 60, 180)  # 5 recent + 1 a year ago
