"""`flask seed-demo` (believable demo book) and `flask seed-bench` (a large one)."""

import random
from datetime import UTC, date, datetime, timedelta

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from app.accounts import services
from app.accounts.models import (
    Account,
    ArrEntry,
    Channel,
    Contact,
    ContactRole,
    HealthScoreEntry,
    LifecycleStatus,
    Tier,
    TimelineEvent,
    TimelineKind,
)
from app.auth import services as user_services
from app.auth.models import User
from app.extensions import db

DEMO_PASSWORD = "demo12345"
DEMO_USERS = [
    ("admin@demo.test", "Aiko Admin", ["admin"], "en"),
    ("exec@demo.test", "Kenji Watanabe", ["executive"], "ja"),
    ("manager@demo.test", "Maria Gomez", ["manager"], "en"),
    ("csm@demo.test", "Sakura Tanaka", ["csm"], "ja"),
    ("ae@demo.test", "David Chen", ["ae"], "en"),
    ("csm2@demo.test", "Hiroshi Sato", ["csm"], "ja"),
    ("ae2@demo.test", "Emily Clark", ["ae"], "en"),
    ("exec2@demo.test", "Laura Becker", ["executive"], "en"),
]
DEMO_ACCOUNTS = [
    ("株式会社さくら物流", "sakura-logistics.co.jp", "Logistics", "JPY"),
    ("富士精密工業株式会社", "fuji-seimitsu.co.jp", "Manufacturing", "JPY"),
    ("みなと銀行", "minato-bank.jp", "Banking", "JPY"),
    ("東海メディカル株式会社", "tokai-medical.co.jp", "Healthcare", "JPY"),
    ("株式会社青葉システムズ", "aoba-systems.co.jp", "Software", "JPY"),
    ("北斗エネルギー株式会社", "hokuto-energy.co.jp", "Energy", "JPY"),
    ("株式会社やまと食品", "yamato-foods.co.jp", "Food & beverage", "JPY"),
    ("関西テレコム株式会社", "kansai-telecom.co.jp", "Telecommunications", "JPY"),
    ("株式会社ひかり不動産", "hikari-realestate.co.jp", "Real estate", "JPY"),
    ("日本橋証券株式会社", "nihonbashi-sec.co.jp", "Financial services", "JPY"),
    ("株式会社つばさ航空サービス", "tsubasa-air.co.jp", "Aviation", "JPY"),
    ("瀬戸内化学株式会社", "setouchi-chem.co.jp", "Chemicals", "JPY"),
    ("株式会社みどり保険", "midori-ins.co.jp", "Insurance", "JPY"),
    ("信州リテール株式会社", "shinshu-retail.co.jp", "Retail", "JPY"),
    ("株式会社あおぞら教育", "aozora-edu.co.jp", "Education", "JPY"),
    ("九州オートパーツ株式会社", "kyushu-autoparts.co.jp", "Automotive", "JPY"),
    ("Northwind Traders", "northwind.example.com", "Wholesale", "USD"),
    ("Contoso Pharmaceuticals", "contoso-pharma.com", "Pharmaceuticals", "USD"),
    ("Globex Corporation", "globex.com", "Manufacturing", "USD"),
    ("Initech Software", "initech.io", "Software", "USD"),
    ("Umbrella Health", "umbrella-health.com", "Healthcare", "USD"),
    ("Stark Logistics", "stark-logistics.com", "Logistics", "USD"),
    ("Wayne Financial Group", "waynefinancial.com", "Financial services", "USD"),
    ("Acme Retail Holdings", "acme-retail.com", "Retail", "USD"),
    ("Blue Harbor Insurance", "blueharbor-ins.com", "Insurance", "USD"),
    ("Pinecrest Energy", "pinecrest-energy.com", "Energy", "USD"),
    ("Helix Biotech", "helixbio.com", "Biotechnology", "USD"),
    ("Sterling Media", "sterlingmedia.co.uk", "Media", "GBP"),
    ("Nordlicht Maschinenbau GmbH", "nordlicht-mb.de", "Manufacturing", "EUR"),
    ("Soleil Télécom SA", "soleil-telecom.fr", "Telecommunications", "EUR"),
    ("Bergmann Automotive AG", "bergmann-auto.de", "Automotive", "EUR"),
    ("Lumen Analytics BV", "lumen-analytics.nl", "Software", "EUR"),
    ("Aurora Airlines", "aurora-air.com", "Aviation", "USD"),
    ("Cedar Education Group", "cedar-edu.com", "Education", "USD"),
    ("株式会社はやぶさネットワークス", "hayabusa-net.co.jp", "Telecommunications", "JPY"),
    ("浪速ホールディングス株式会社", "naniwa-hd.co.jp", "Holding company", "JPY"),
]
JA_PEOPLE = [
    "佐藤 一郎",
    "鈴木 花子",
    "高橋 健太",
    "田中 美咲",
    "伊藤 大輔",
    "山本 由美",
    "中村 翔",
    "小林 直子",
    "加藤 誠",
    "吉田 彩",
]
EN_PEOPLE = [
    "John Miller",
    "Sarah Johnson",
    "Michael Brown",
    "Jessica Davis",
    "Robert Wilson",
    "Linda Martinez",
    "James Anderson",
    "Karen Thomas",
    "Thomas Müller",
    "Claire Dubois",
]
JA_TITLES = ["代表取締役社長", "情報システム部長", "購買部 課長", "CS推進室 室長", "経営企画部長"]
EN_TITLES = [
    "Chief Executive Officer",
    "VP Operations",
    "Head of Procurement",
    "IT Director",
    "Customer Success Lead",
]
ARR_RANGES = {
    "JPY": (20_000_000, 400_000_000),
    "USD": (150_000_00, 3_000_000_00),
    "EUR": (120_000_00, 2_500_000_00),
    "GBP": (100_000_00, 2_000_000_00),
}


def _ensure_demo_users() -> dict[str, User]:
    by_email = {}
    for email, name, roles, locale in DEMO_USERS:
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is None:
            user = user_services.create_user(
                None, email=email, name=name, password=DEMO_PASSWORD, roles=roles, locale=locale
            )
        by_email[email] = user
    return by_email


def _health_history(rng: random.Random, account: Account, today: datetime, actor) -> None:
    score, previous = rng.randint(35, 90), None
    for months_ago in range(6, 0, -1):
        score = max(5, min(100, score + rng.randint(-12, 10)))
        at = today - timedelta(days=30 * months_ago + rng.randint(0, 5))
        db.session.add(
            HealthScoreEntry(
                account_id=account.id, score=score, recorded_at=at, recorded_by_id=actor.id
            )
        )
        services.add_timeline(
            account.id,
            TimelineKind.HEALTH_CHANGE,
            f"Health score recorded: {score}",
            actor,
            at=at,
            data={"old": previous, "new": score},
        )
        previous = score
    account.health_score = score


@click.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Load the demo users and account book (running it twice changes nothing)."""
    rng = random.Random(20261122)
    users = _ensure_demo_users()
    csms = [users["csm@demo.test"], users["csm2@demo.test"]]
    aes = [users["ae@demo.test"], users["ae2@demo.test"]]
    now = datetime.now(UTC)
    existing = set(db.session.scalars(sa.select(Account.domain)))
    created = 0
    for index, (name, domain, industry, currency) in enumerate(DEMO_ACCOUNTS):
        if domain in existing:
            continue
        low, high = ARR_RANGES[currency]
        csm, ae = csms[index % 2], aes[(index // 2) % 2]
        account = services.create_account(
            csm,
            {
                "name": name,
                "domain": domain,
                "industry": industry,
                "tier": [Tier.STRATEGIC, Tier.ENTERPRISE, Tier.ENTERPRISE, Tier.GROWTH][index % 4],
                "arr_minor": rng.randrange(low, high, 1000),
                "currency": currency,
                "renewal_date": date.today() + timedelta(days=rng.randint(-20, 400)),
                "status": LifecycleStatus.AT_RISK if index % 7 == 3 else LifecycleStatus.ACTIVE,
                "nps": rng.randint(-40, 70),
                "csm_owner_id": csm.id,
                "ae_owner_id": ae.id,
                "notes": "",
            },
        )
        _health_history(rng, account, now, csm)
        # A year and a month ago, so that the program results can show a year's change.
        year_ago = now - timedelta(days=395)
        db.session.add(
            ArrEntry(
                account_id=account.id,
                currency=currency,
                recorded_at=year_ago,
                arr_minor=int(account.arr_minor * rng.uniform(0.8, 1.1)),
            )
        )
        db.session.add(
            HealthScoreEntry(
                account_id=account.id,
                score=rng.randint(40, 85),
                recorded_at=year_ago,
                recorded_by_id=csm.id,
            )
        )
        japanese = currency == "JPY"
        people, titles = (JA_PEOPLE, JA_TITLES) if japanese else (EN_PEOPLE, EN_TITLES)
        for n, role in enumerate(
            [ContactRole.EXECUTIVE, ContactRole.ECONOMIC_BUYER, ContactRole.CHAMPION][
                : rng.randint(2, 3)
            ]
        ):
            person = people[(index + n * 3) % len(people)]
            local = f"contact{n + 1}"
            services.add_contact(
                csm,
                account,
                {
                    "name": person,
                    "title": titles[(index + n) % len(titles)],
                    "email": f"{local}@{domain}",
                    "phone": f"+81-3-{5000 + index:04d}-{1000 + n:04d}"
                    if japanese
                    else f"+1-555-{100 + index:03d}-{1000 + n:04d}",
                    "role": role,
                    "preferred_channel": Channel.PHONE if n == 0 else Channel.EMAIL,
                },
            )
        created += 1
    db.session.flush()
    from app.escalations.demo import seed as seed_escalations

    escalations = seed_escalations(users)
    from app.sponsorship.demo import seed as seed_sponsorship

    seed_sponsorship(users)
    db.session.commit()
    click.echo(
        f"demo data: {len(users)} users, {created} new accounts, {escalations} new escalations "
        f"(password for every demo user: {DEMO_PASSWORD})"
    )


@click.command("seed-bench")
@with_appcontext
@click.option("--accounts", "count", default=50_000, show_default=True, type=int)
@click.option(
    "--escalations",
    default=500_000,
    show_default=True,
    type=int,
    help="escalations on those accounts (app/escalations/bench_seed.py)",
)
def seed_bench_command(count: int, escalations: int):
    """Bulk-load a large account book and escalation book for `make bench` (skipped when
    already loaded)."""
    users = _ensure_demo_users()
    db.session.commit()
    have = db.session.scalar(sa.select(sa.func.count(Account.id)))
    if have >= count:
        click.echo(f"bench data: {have} accounts already present")
    else:
        rng = random.Random(7)
        owners = [u.id for u in users.values()]
        now = datetime.now(UTC)
        currencies = list(ARR_RANGES)
        batch = 2000
        for start in range(have, count, batch):
            stop = min(start + batch, count)
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
    from app.escalations import bench_seed

    bench_seed.seed(users, escalations)
    from app.sponsorship import bench_seed as sponsorship_bench_seed

    sponsorship_bench_seed.seed(users)
