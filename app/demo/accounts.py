"""The demo account book: 36 accounts in Japan, America and Europe, each with two or three
contacts, six months of health history and a year-old ARR and health entry (for the program
results). Made through the account services; only the history before today is written as
rows, since no service records a score in the past."""

import random
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from app.accounts import services
from app.accounts.models import (
    Account,
    ArrEntry,
    Channel,
    ContactRole,
    HealthScoreEntry,
    LifecycleStatus,
    Tier,
    TimelineKind,
)
from app.auth.models import User
from app.extensions import db

ACCOUNTS = [
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


def seed(users: dict[str, User]) -> int:
    """Create the demo accounts that are not there yet (matched by domain); returns how many."""
    rng = random.Random(20261122)
    csms = [users["csm@demo.test"], users["csm2@demo.test"]]
    aes = [users["ae@demo.test"], users["ae2@demo.test"]]
    now = datetime.now(UTC)
    existing = set(db.session.scalars(sa.select(Account.domain)))
    created = 0
    for index, (name, domain, industry, currency) in enumerate(ACCOUNTS):
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
        score = _history(rng, account, now, csm)
        # Today's score, as the CSM records it: a health entry, a timeline event, an audit row.
        score = max(5, min(100, score + rng.randint(-6, 6)))
        services.update_account(csm, account, {"health_score": score})
        _contacts(rng, csm, account, index)
        created += 1
    db.session.flush()
    return created


def _history(rng: random.Random, account: Account, now: datetime, csm: User) -> int:
    """Monthly health scores over the last six months, and the ARR and health of a year and a
    month ago (so that the program results show a year's change); returns the latest score."""
    score, previous = rng.randint(35, 90), None
    for months_ago in range(6, 0, -1):
        score = max(5, min(100, score + rng.randint(-12, 10)))
        at = now - timedelta(days=30 * months_ago + rng.randint(0, 5))
        db.session.add(
            HealthScoreEntry(
                account_id=account.id, score=score, recorded_at=at, recorded_by_id=csm.id
            )
        )
        services.add_timeline(
            account.id,
            TimelineKind.HEALTH_CHANGE,
            f"Health score recorded: {score}",
            csm,
            at=at,
            data={"old": previous, "new": score},
        )
        previous = score
    year_ago = now - timedelta(days=395)
    db.session.add(
        ArrEntry(
            account_id=account.id,
            currency=account.currency,
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
    # The score the history ends on is the account's own until today's is recorded.
    account.health_score = score
    db.session.flush()
    return score


def _contacts(rng: random.Random, csm: User, account: Account, index: int) -> None:
    """Two or three contacts: the executive, the economic buyer and sometimes a champion."""
    japanese = account.currency == "JPY"
    people, titles = (JA_PEOPLE, JA_TITLES) if japanese else (EN_PEOPLE, EN_TITLES)
    roles = [ContactRole.EXECUTIVE, ContactRole.ECONOMIC_BUYER, ContactRole.CHAMPION]
    for n, role in enumerate(roles[: rng.randint(2, 3)]):
        services.add_contact(
            csm,
            account,
            {
                "name": people[(index + n * 3) % len(people)],
                "title": titles[(index + n) % len(titles)],
                "email": f"contact{n + 1}@{account.domain}",
                "phone": f"+81-3-{5000 + index:04d}-{1000 + n:04d}"
                if japanese
                else f"+1-555-{100 + index:03d}-{1000 + n:04d}",
                "role": role,
                "preferred_channel": Channel.PHONE if n == 0 else Channel.EMAIL,
            },
        )
