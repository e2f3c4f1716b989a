"""`flask seed-bench` (FLASK_APP=bench.cli): the large book `make bench` loads.

The accounts are bulk-inserted here (50,000 by default, with two contacts each and five months
of health history and timeline); then the escalation book (seed_escalations.py) and the
sponsorship program (seed_sponsorship.py) go on them. The demo users own and work the book,
so the bench signs in as the demo CSM. Each part is skipped when already loaded, so a second
run on the same database adds nothing.

Bulk inserts rather than the services, for a book of hundreds of thousands of rows; they are
shaped as the services would have left them.
"""

import random
from datetime import UTC, date, datetime, timedelta

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from app.accounts.models import (
    Account,
    Channel,
    Contact,
    ContactRole,
    HealthScoreEntry,
    LifecycleStatus,
    Tier,
    TimelineEvent,
)
from app.auth.models import User
from app.demo.accounts import ARR_RANGES
from app.demo.users import ensure_users
from app.extensions import db
from bench import seed_escalations, seed_sponsorship

BATCH = 2000


@click.command("seed-bench")
@with_appcontext
@click.option("--accounts", "count", default=50_000, show_default=True, type=int)
@click.option(
    "--escalations",
    default=500_000,
    show_default=True,
    type=int,
    help="escalations on those accounts (bench/seed_escalations.py)",
)
def seed_bench_command(count: int, escalations: int):
    """Bulk-load a large account book and escalation book for `make bench` (skipped when
    already loaded)."""
    users = ensure_users()
    db.session.commit()
    seed_accounts(users, count)
    seed_escalations.seed(users, escalations)
    seed_sponsorship.seed(users)


def seed_accounts(users: dict[str, User], count: int) -> None:
    """Bring the account book up to `count` accounts, a committed batch at a time."""
    have = db.session.scalar(sa.select(sa.func.count(Account.id)))
    if have >= count:
        click.echo(f"bench data: {have} accounts already present")
        return
    rng = random.Random(7)
    owners = [u.id for u in users.values()]
    now = datetime.now(UTC)
    currencies = list(ARR_RANGES)
    for start in range(have, count, BATCH):
        stop = min(start + BATCH, count)
        rows = []
        for i in range(start, stop):
            currency = currencies[i % 4]
            low, high = ARR_RANGES[currency]
            rows.append(
                {
                    "name": f"{'株式会社' if currency == 'JPY' else ''}Bench Account {i:06d}",
                    "domain": f"bench-{i:06d}.example.com",
                    "industry": "Software",
                    "tier": list(Tier)[i % 3],
                    "arr_minor": rng.randrange(low, high),
                    "currency": currency,
                    "renewal_date": date.today() + timedelta(days=i % 500 - 50),
                    "status": list(LifecycleStatus)[i % 3],
                    "health_score": rng.randint(0, 100),
                    "nps": rng.randint(-100, 100),
                    "csm_owner_id": owners[i % len(owners)],
                    "ae_owner_id": owners[(i + 1) % len(owners)],
                    "notes": "",
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        db.session.execute(sa.insert(Account), rows)
        ids = db.session.scalars(
            sa.select(Account.id).where(Account.domain.in_([r["domain"] for r in rows]))
        ).all()
        contacts, health, events = [], [], []
        for account_id in ids:
            for n in range(2):
                contacts.append(
                    {
                        "account_id": account_id,
                        "name": f"Contact {n}",
                        "title": "",
                        "email": f"c{n}@acct{account_id}.example.com",
                        "phone": "",
                        "role": ContactRole.CHAMPION,
                        "preferred_channel": Channel.EMAIL,
                        "version": 1,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            for months in range(5):
                at = now - timedelta(days=30 * months)
                score = rng.randint(0, 100)
                health.append({"account_id": account_id, "score": score, "recorded_at": at})
                events.append(
                    {
                        "account_id": account_id,
                        "occurred_at": at,
                        "kind": "health_change",
                        "summary": f"Health score recorded: {score}",
                        "body": "",
                        "data": {"new": score},
                    }
                )
        db.session.execute(sa.insert(Contact), contacts)
        db.session.execute(sa.insert(HealthScoreEntry), health)
        db.session.execute(sa.insert(TimelineEvent), events)
        db.session.commit()
    click.echo(f"bench data: {count} accounts")
