"""The flask commands: users create, seed-demo (app/demo/), and the bench's seed-bench
(bench/seed.py), which only the bench's app has."""

import sqlalchemy as sa

from app.accounts.models import Account, Contact, HealthScoreEntry
from app.audit.models import AuditEvent
from app.auth.models import User
from app.escalations.models import Escalation
from app.extensions import db
from app.sponsorship.models import Objective, Sponsorship, SponsorshipStatus, TrainingRecord
from app.touchpoints.models import ActionItem, Touchpoint, TouchpointStatus
from bench.seed import seed_bench_command


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


MODELS = (User, Account, Contact, HealthScoreEntry)


def counts(app, models=MODELS):
    with app.app_context():
        return tuple(
            db.session.scalar(sa.select(sa.func.count()).select_from(model)) for model in models
        )


def test_seed_demo_is_believable_and_idempotent(app):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    everything = (
        *MODELS,
        Escalation,
        Sponsorship,
        Objective,
        TrainingRecord,
        Touchpoint,
        ActionItem,
        AuditEvent,
    )
    first = counts(app, everything)
    users, accounts, contacts, health = first[:4]
    assert users >= 5 and accounts >= 30 and contacts >= 2 * accounts and health >= 5 * accounts
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert counts(app, everything) == first
    with app.app_context():
        names = db.session.scalars(sa.select(Account.name)).all()
        emails = set(db.session.scalars(sa.select(User.email)))
        demo = db.session.scalars(sa.select(User).where(User.email == "exec@demo.test")).one()
        assert demo.check_password("demo12345")
        # Made through the services: audited, and worked as people would have.
        escalations = db.session.scalars(sa.select(Escalation)).all()
        assert len(escalations) == 9 and sum(e.executive for e in escalations) == 3
        sponsorships = db.session.scalars(
            sa.select(Sponsorship).where(Sponsorship.status == SponsorshipStatus.ACTIVE)
        ).all()
        assert len(sponsorships) >= 3 and {s.sponsor for s in sponsorships} == {demo}
        assert any(len(s.objectives) == 2 for s in sponsorships)
        # Each sponsored account has a recorded touchpoint with next steps and a planned one,
        # and the cadence planned the coming calls and reviews.
        by_status = dict(
            db.session.execute(
                sa.select(Touchpoint.status, sa.func.count()).group_by(Touchpoint.status)
            ).all()
        )
        assert by_status[TouchpointStatus.COMPLETED] == len(sponsorships)
        assert by_status[TouchpointStatus.PLANNED] > len(sponsorships)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ActionItem)) > 0
        assert db.session.scalar(
            sa.select(sa.func.count()).where(Touchpoint.cadence_key.is_not(None))
        )
        audited = set(db.session.scalars(sa.select(AuditEvent.entity_type).distinct()))
        assert {"user", "account", "contact", "escalation", "sponsorship"} <= audited
    assert any("株式会社" in n for n in names) and any(n.isascii() for n in names)
    assert {
        "admin@demo.test",
        "exec@demo.test",
        "manager@demo.test",
        "csm@demo.test",
        "ae@demo.test",
    } <= emails


def test_seed_bench_is_the_benchs_own_command(app):
    assert "seed-bench" not in app.cli.commands  # the product does not ship it
    result = app.test_cli_runner().invoke(
        seed_bench_command, args=["--accounts", "30", "--escalations", "40"]
    )
    assert result.exit_code == 0, result.output
    _users, accounts, contacts, health = counts(app)
    assert (accounts, contacts, health) == (30, 60, 180)  # 5 recent + 1 a year ago
