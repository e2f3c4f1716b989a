"""The reports page: figures from the rollups against a hand-made book and against live SQL on a
random one (also after incremental refreshes), filters, CSV downloads, Refresh now, the
scheduler job and the page's query count."""

import csv
import io
import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app.accounts.models import Account, Tier
from app.audit.models import AuditEvent
from app.escalations.models import (
    Category,
    ClockKind,
    Escalation,
    EscalationTag,
    Level,
    PostMortem,
    RootCause,
    Severity,
    SlaClock,
    Survey,
)
from app.extensions import db
from app.reports import queries, rollup
from app.reports.queries import Filters
from app.scheduler.jobs import run_job
from tests.conftest import csrf_token

TOKYO = ZoneInfo("Asia/Tokyo")


def at(day: date, hour: int = 12) -> datetime:
    """Noon (or the hour) of a Tokyo day, in UTC."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=TOKYO).astimezone(UTC)


def refresh(app, now=None, full=False):
    with app.app_context():
        outcome = rollup.refresh(now or datetime.now(UTC), full=full)
        db.session.commit()
        return outcome


def build(app, filters: Filters):
    with app.test_request_context():
        return queries.build(filters)


@pytest.fixture
def book(app, make_account, make_escalation, make_user):
    """Two accounts, two owners, seven escalations in January-March 2025 (Tokyo days)."""
    alice, bob = make_user("csm", name="Alice"), make_user("manager", name="Bob")
    big = make_account(name="Big KK", tier=Tier.STRATEGIC)
    small = make_account(name="Small KK", tier=Tier.GROWTH)
    made = []
    rows = [
        # account, day, owner, category, level, fr minutes, res minutes
        (big, date(2025, 1, 5), alice, Category.TECHNICAL, Level.L1, 10, 100),
        (big, date(2025, 1, 20), alice, Category.TECHNICAL, Level.L2, 20, 200),
        (big, date(2025, 2, 3), bob, Category.BILLING, Level.EXECUTIVE, 30, 300),
        (big, date(2025, 3, 31), bob, Category.BILLING, Level.L3, 40, None),
        (small, date(2025, 1, 31), alice, Category.POLICY, Level.L1, None, None),
        (small, date(2025, 2, 28), None, Category.TECHNICAL, Level.EXECUTIVE, 50, 500),
        # In Tokyo this is 1 April (23:30 UTC on 31 March): outside a range ending 31 March.
        (small, None, bob, Category.OTHER, Level.L1, None, None),
    ]
    for account, day, owner, category, level, fr, res in rows:
        created = at(day) if day else datetime(2025, 3, 31, 23, 30, tzinfo=UTC)
        made.append(
            make_escalation(
                account,
                owner_id=owner,
                category=category,
                level=level,
                executive=level == Level.EXECUTIVE,
                severity=Severity.HIGH,
                created_at=created,
                updated_at=created,
                first_response_minutes=fr,
                resolution_minutes=res,
            )
        )
    with app.app_context():
        db.session.add_all(
            [
                EscalationTag(escalation_id=made[0], name="outage"),
                EscalationTag(escalation_id=made[1], name="outage"),
                EscalationTag(escalation_id=made[2], name="invoice"),
            ]
        )
        clock = dict(started_at=at(date(2025, 1, 5)), target_minutes=60)
        db.session.add_all(
            [
                SlaClock(
                    escalation_id=made[0],
                    kind=ClockKind.FIRST_RESPONSE,
                    met=True,
                    stopped_at=at(date(2025, 1, 5)),
                    **clock,
                ),
                SlaClock(
                    escalation_id=made[1],
                    kind=ClockKind.FIRST_RESPONSE,
                    met=False,
                    breached_at=at(date(2025, 1, 21)),
                    **clock,
                ),
                SlaClock(
                    escalation_id=made[2],
                    kind=ClockKind.FIRST_RESPONSE,
                    met=True,
                    stopped_at=at(date(2025, 2, 3)),
                    **clock,
                ),
                # Running: not counted.
                SlaClock(escalation_id=made[3], kind=ClockKind.FIRST_RESPONSE, **clock),
                SlaClock(
                    escalation_id=made[0],
                    kind=ClockKind.RESOLUTION,
                    met=True,
                    stopped_at=at(date(2025, 1, 6)),
                    **clock,
                ),
            ]
        )
        now = at(date(2025, 4, 1))
        for escalation_id, score in ((made[0], 5), (made[1], 2), (made[2], 4)):
            db.session.add(
                Survey(
                    escalation_id=escalation_id,
                    email="c@example.test",
                    language="en",
                    nonce=f"n{escalation_id}",
                    sent_at=now,
                    expires_at=now,
                    answered_at=now,
                    score=score,
                )
            )
        db.session.add(
            PostMortem(
                escalation_id=made[2],
                root_cause_category=RootCause.PROCESS,
                completed_at=now,
                author_id=alice,
            )
        )
        db.session.commit()
    return {"ids": made, "alice": alice, "bob": bob, "big": big, "small": small}


def test_figures_of_a_hand_made_book(app, book):
    refresh(app, full=True)
    report = build(app, Filters(date(2025, 1, 1), date(2025, 3, 31)))
    assert report.total == 6
    assert report.by_month == [(date(2025, 1, 1), 3), (date(2025, 2, 1), 2), (date(2025, 3, 1), 1)]
    assert dict(report.by_category) == {
        "technical": 3,
        "billing": 2,
        "service_quality": 0,
        "policy": 1,
        "other": 0,
    }
    assert dict(report.by_level) == {"1": 2, "2": 1, "3": 1, "executive": 2}
    assert report.executive.part == 2 and report.executive.whole == 6
    assert report.by_tag == [("outage", 2), ("invoice", 1)]
    assert (report.sla["first_response"].part, report.sla["first_response"].whole) == (2, 3)
    assert (report.sla["resolution"].part, report.sla["resolution"].whole) == (1, 1)
    assert report.csat_answered == 3
    assert report.csat_average == pytest.approx(11 / 3)
    assert report.csat_satisfied.part == 2
    assert dict(report.root_causes)["process"] == 1
    first = report.times["first_response"]
    assert first.counted == 5
    # 10, 20, 30, 40, 50 minutes: the median falls in the 30-35 bucket, the p90 in 50-55.
    assert 30 <= first.median <= 35 and 50 <= first.p90 <= 55
    assert report.times["resolution"].counted == 4
    assert [(name, n) for _id, name, _tier, n in report.top_accounts] == [
        ("Big KK", 4),
        ("Small KK", 2),
    ]
    # Big KK: 4 escalations within 90 days up to 31 March; Small KK only 2 (the third is 1 April).
    assert report.repeat_accounts == 1

    # Filters: a tier, an owner, a range inside a month (day rows only).
    growth = build(app, Filters(date(2025, 1, 1), date(2025, 3, 31), tier="growth"))
    assert growth.total == 2 and [n for *_x, n in growth.top_accounts] == [2]
    bobs = build(app, Filters(date(2025, 1, 1), date(2025, 4, 30), owner_id=book["bob"]))
    assert bobs.total == 3 and bobs.executive.part == 1
    assert [(m.month, n) for m, n in bobs.by_month] == [(1, 0), (2, 1), (3, 1), (4, 1)]
    days = build(app, Filters(date(2025, 1, 6), date(2025, 1, 31)))
    assert days.total == 2 and dict(days.by_category)["policy"] == 1


def test_incremental_refresh_sees_changes_since_the_watermark(app, book, make_escalation):
    refresh(app, now=datetime.now(UTC) - timedelta(hours=1), full=True)
    # A new escalation, a changed one (its level and owner), a survey answered later.
    make_escalation(book["big"], created_at=at(date(2025, 3, 2)), level=Level.EXECUTIVE)
    with app.app_context():
        changed = db.session.get(Escalation, book["ids"][4])
        changed.level, changed.owner_id = Level.L2, book["bob"]
        survey = db.session.scalar(sa.select(Survey).where(Survey.escalation_id == book["ids"][1]))
        survey.score = 4
        db.session.commit()
    outcome = refresh(app)
    assert outcome["full"] is False and outcome["days"] >= 2
    report = build(app, Filters(date(2025, 1, 1), date(2025, 3, 31)))
    assert report.total == 7
    assert dict(report.by_level) == {"1": 1, "2": 2, "3": 1, "executive": 3}
    bobs = build(app, Filters(date(2025, 1, 1), date(2025, 3, 31), owner_id=book["bob"]))
    assert bobs.total == 3


def test_account_tier_change_moves_its_figures(app, book):
    refresh(app, full=True)
    with app.app_context():
        db.session.get(Account, book["small"]).tier = Tier.STRATEGIC
        db.session.commit()
    refresh(app)
    strategic = build(app, Filters(date(2025, 1, 1), date(2025, 3, 31), tier="strategic"))
    assert strategic.total == 6


# ---- the rollups equal live SQL on a random book ------------------------------------------


def live_counts(app, filters: Filters) -> dict:
    """The same figures counted straight from the escalations, in SQL."""
    e, a = Escalation.__table__, Account.__table__
    start = datetime(filters.start.year, filters.start.month, filters.start.day, tzinfo=TOKYO)
    end = datetime(filters.end.year, filters.end.month, filters.end.day, tzinfo=TOKYO)
    where = [e.c.created_at >= start, e.c.created_at < end + timedelta(days=1)]
    if filters.tier:
        where.append(a.c.tier == filters.tier)
    if filters.owner_id:
        where.append(e.c.owner_id == filters.owner_id)
    base = sa.select(sa.func.count()).select_from(e.join(a, a.c.id == e.c.account_id))
    with app.app_context():
        found = {"total": db.session.scalar(base.where(*where))}
        found["category"] = dict(
            (category.value, n)
            for category, n in db.session.execute(
                sa.select(e.c.category, sa.func.count())
                .select_from(e.join(a, a.c.id == e.c.account_id))
                .where(*where)
                .group_by(e.c.category)
            )
        )
        found["accounts"] = db.session.execute(
            sa.select(a.c.name, sa.func.count().label("n"))
            .select_from(e.join(a, a.c.id == e.c.account_id))
            .where(*where)
            .group_by(a.c.id, a.c.name)
            .order_by(sa.desc("n"), a.c.name, a.c.id)
            .limit(10)
        ).all()
        first = end - timedelta(days=89)
        window = [
            e.c.created_at >= first,
            e.c.created_at < end + timedelta(days=1),
            *where[2:],
        ]
        found["repeat"] = db.session.scalar(
            sa.select(sa.func.count()).select_from(
                sa.select(e.c.account_id)
                .select_from(e.join(a, a.c.id == e.c.account_id))
                .where(*window)
                .group_by(e.c.account_id)
                .having(sa.func.count() >= 3)
                .subquery()
            )
        )
    return found


def test_rollups_equal_live_sql_on_a_random_book(app, make_account, make_user, monkeypatch):
    rng = random.Random(11)
    owners = [make_user("csm"), make_user("ae"), None]
    tiers = list(Tier)
    accounts = [make_account(name=f"Acct {n:02d}", tier=tiers[n % 3]) for n in range(12)]
    first_day = date(2024, 11, 1)

    def add(count):
        with app.app_context():
            for _ in range(count):
                created = at(first_day + timedelta(days=rng.randrange(200)), rng.randrange(24))
                db.session.add(
                    Escalation(
                        account_id=accounts[int(len(accounts) * rng.random() ** 2)],
                        title="x",
                        channel="email",
                        category=rng.choice(list(Category)),
                        severity=rng.choice(list(Severity)),
                        level=rng.choice(list(Level)),
                        owner_id=rng.choice(owners),
                        created_at=created,
                    )
                )
            db.session.commit()

    def check():
        # Few candidates per month, so the exact fallback is taken too.
        for candidates in (2, 25):
            monkeypatch.setattr(queries, "CANDIDATES_PER_MONTH", candidates)
            queries._built.clear()  # the same filters and watermark: computed again
            for start, end in [
                (date(2024, 11, 1), date(2025, 5, 31)),
                (date(2024, 11, 17), date(2025, 4, 3)),
                (date(2025, 2, 2), date(2025, 2, 20)),
            ]:
                for tier in (None, "strategic"):
                    for owner in (None, owners[0]):
                        filters = Filters(start, end, tier, owner)
                        report, live = build(app, filters), live_counts(app, filters)
                        assert report.total == live["total"], filters
                        assert {k: v for k, v in report.by_category if v} == live["category"]
                        assert [(n, c) for _i, n, _t, c in report.top_accounts] == [
                            tuple(row) for row in live["accounts"]
                        ], filters
                        assert report.repeat_accounts == live["repeat"], filters

    add(400)
    refresh(app, now=datetime.now(UTC) - timedelta(hours=1), full=True)
    check()
    add(60)
    with app.app_context():  # some change owner (the new owner's rows and the old one's)
        for escalation in db.session.scalars(sa.select(Escalation).limit(30)):
            escalation.owner_id = rng.choice(owners)
        db.session.commit()
    refresh(app)
    check()


# ---- the page ------------------------------------------------------------------------------


def count_queries(app):
    statements = []
    with app.app_context():
        engine = db.engine

    def listener(*_args, **_kwargs):
        statements.append(1)

    sa.event.listen(engine, "before_cursor_execute", listener)
    return statements, lambda: sa.event.remove(engine, "before_cursor_execute", listener)


def test_page_shows_charts_tables_and_csv_links(app, client, book, login_as):
    refresh(app, full=True)
    login_as("csm")
    args = "?start=2025-01-01&end=2025-03-31"
    statements, stop = count_queries(app)
    response = client.get("/reports/" + args)
    stop()
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Escalations by month" in html and "<svg" in html and 'role="img"' in html
    assert '<title id="chart-month-title">Escalations by month</title>' in html
    assert 'href="/reports/by_category.csv?start=2025-01-01&amp;end=2025-03-31"' in html
    assert "Big KK" in html and "Figures as of" in html
    assert "Refresh now" not in html  # admins only
    # Sign-in, owners, state, figures, top account candidates and sums, repeat count, badge.
    assert len(statements) <= 12


def test_page_query_count_does_not_grow_with_the_book(app, client, book, login_as, make_escalation):
    refresh(app, full=True)
    login_as("manager")
    client.get("/reports/")
    statements, stop = count_queries(app)
    client.get("/reports/?start=2024-06-01&end=2025-05-31")
    first = len(statements)
    stop()
    for n in range(30):
        make_escalation(book["big"], created_at=at(date(2025, 1, 1) + timedelta(days=n)))
    refresh(app)
    statements, stop = count_queries(app)
    client.get("/reports/?start=2024-06-01&end=2025-05-31")
    stop()
    assert len(statements) == first


def test_figure_csv(app, client, book, login_as):
    refresh(app, full=True)
    login_as("ae")
    response = client.get("/reports/by_category.csv?start=2025-01-01&end=2025-03-31")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["Category", "Escalations"]
    assert ["Technical", "3"] in rows and ["Billing", "2"] in rows
    accounts = client.get("/reports/repeat_accounts.csv?start=2025-01-01&end=2025-03-31")
    assert "Big KK" in accounts.get_data(as_text=True)
    assert client.get("/reports/nothing.csv").status_code == 404
    assert client.get("/reports/by_month.csv?start=nonsense").status_code == 400


@pytest.mark.parametrize(
    "query, message",
    [
        ("start=2025-13-45", "Not a valid date value"),
        ("start=2025-03-01&end=2025-01-01", "The end date must be on or after the start date."),
        ("start=2001-01-01&end=2025-01-01", "Enter a date between"),
        ("tier=platinum", "Not a valid choice"),
        ("owner=999999", "Not a valid choice"),
        ("owner=abc%00", "Not a valid choice"),
        ("start=2017-01-01&end=2025-01-01", "Choose a range of at most 5 years."),
    ],
)
def test_bad_filters_are_told_next_to_the_field(app, client, login_as, query, message):
    login_as("executive")
    response = client.get("/reports/?" + query)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html and 'role="alert"' in html
    assert "Escalations by month" not in html


def test_refresh_now_is_for_admins_and_audited(app, client, book, login_as):
    login_as("manager")
    token = csrf_token(client, "/profile")
    assert client.post("/reports/refresh", data={"csrf_token": token}).status_code == 403
    client.post("/logout", data={"csrf_token": token})
    login_as("admin")
    assert "Refresh now" in client.get("/reports/").get_data(as_text=True)
    assert client.get("/reports/refresh").status_code == 405
    token = csrf_token(client, "/reports/")
    response = client.post("/reports/refresh", data={"csrf_token": token})
    assert response.status_code == 302
    page = client.get("/reports/?start=2025-01-01&end=2025-03-31").get_data(as_text=True)
    assert "The report figures are up to date." in page and "Big KK" in page
    with app.app_context():
        event = db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.entity_type == "report_rollup")
        )
        assert event.action == "refresh"


def test_scheduler_job_builds_then_updates(app, book, make_escalation):
    with app.app_context():
        assert run_job("reports_rollup")
    make_escalation(book["big"], created_at=at(date(2025, 2, 10)))
    with app.app_context():
        assert run_job("reports_rollup")
    assert build(app, Filters(date(2025, 1, 1), date(2025, 3, 31))).total == 7
