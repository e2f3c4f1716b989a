"""The Today page (`/`): each role sees its blocks with the right rows, a useful empty state
and a link to the list with the same filter; nobody sees another person's own rows; it reads
in Japanese; and its number of SQL statements does not grow with the records it counts."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import LifecycleStatus
from app.auth.models import LoginAttempt, User
from app.escalations.models import (
    ClockKind,
    FollowUp,
    Handoff,
    Level,
    SlaClock,
    Status,
)
from app.exports.models import (
    CsvEncoding,
    ExportFormat,
    ExportKind,
    ExportRun,
    ExportSchedule,
    Frequency,
    RunStatus,
    RunTrigger,
)
from app.extensions import db
from app.main.today import count_text, first_rows
from app.models import utcnow
from app.sponsorship.models import SponsorshipStatus
from app.touchpoints.models import Touchpoint, TouchpointKind
from tests.conftest import app_today, login


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def block(html: str, key: str) -> str:
    """The HTML of one block of the page, by its id ("" when the page has no such block)."""
    start = html.find(f'id="today-{key}"')
    if start < 0:
        return ""
    return html[start : html.find("</section>", start)]


def add(app, *rows):
    with app.app_context():
        db.session.add_all(rows)
        db.session.commit()


def clock(escalation_id, *, due_in=None, breached=False, warn=False, kind=ClockKind.RESOLUTION):
    now = utcnow()
    due = now + due_in if due_in is not None else None
    return SlaClock(
        escalation_id=escalation_id,
        kind=kind,
        started_at=now - timedelta(hours=3),
        target_minutes=240,
        due_at=due,
        warn_at=now - timedelta(minutes=5) if warn or breached else now + timedelta(hours=9),
        breached_at=now - timedelta(minutes=40) if breached else None,
    )


def handoff(escalation_id, to_owner_id, by, age: timedelta):
    return Handoff(
        escalation_id=escalation_id,
        from_level=Level.L1,
        to_level=Level.L2,
        to_owner_id=to_owner_id,
        what_happened="Orders dropped.",
        what_was_tried="Restarted the queue.",
        why_unresolved="Needs the database team.",
        what_is_needed="A DBA.",
        created_by_id=by,
        created_at=utcnow() - age,
    )


@pytest.fixture
def people(make_user):
    return {
        "csm": make_user("csm", name="Sakura CSM"),
        "other": make_user("csm", name="Other CSM"),
        "manager": make_user("manager", name="Maria Manager"),
        "exec": make_user("executive", name="Kenji Exec"),
        "admin": make_user("admin", name="Ada Admin"),
    }


@pytest.fixture
def book(app, people, make_account, make_escalation, make_sponsorship):
    """A CSM's day, another CSM's private rows, and what managers, executives and admins see."""
    today = app_today(app)
    mine = make_account(
        name="Sakura Logistics",
        csm_owner_id=people["csm"],
        status=LifecycleStatus.AT_RISK,
        renewal_date=today + timedelta(days=30),
    )
    theirs = make_account(name="Other Foods", csm_owner_id=people["other"])
    sponsored = make_account(name="Kenji Motors", health_score=35)
    ids = {"mine": mine, "theirs": theirs, "sponsored": sponsored}
    ids["breached"] = make_escalation(
        mine, title="Invoices failing", owner_id=people["csm"], status=Status.INVESTIGATING
    )
    ids["running"] = make_escalation(
        mine, title="Slow reports", owner_id=people["csm"], status=Status.INVESTIGATING
    )
    ids["secret"] = make_escalation(
        theirs, title="Secret outage", owner_id=people["other"], status=Status.INVESTIGATING
    )
    ids["executive"] = make_escalation(
        sponsored,
        title="Contract cancellation",
        owner_id=people["manager"],
        status=Status.INVESTIGATING,
        executive=True,
        threat_cancellation=True,
        arr_at_risk_minor=50_000_000,
        arr_at_risk_currency="JPY",
        sponsor_ask="Call their CEO before Friday.",
    )
    ids["resolved"] = make_escalation(
        mine, title="Old crash", owner_id=people["csm"], status=Status.RESOLVED
    )
    make_sponsorship(
        sponsored, status=SponsorshipStatus.ACTIVE, sponsor_id=people["exec"], started_on=today
    )
    make_sponsorship(mine, nominated_by_id=people["csm"], nomination_reason="Renewal at risk")
    add(
        app,
        clock(ids["breached"], due_in=timedelta(minutes=-40), breached=True),
        clock(ids["running"], due_in=timedelta(hours=2, minutes=15)),
        clock(ids["secret"], due_in=timedelta(minutes=-5), breached=True),
        handoff(ids["running"], people["csm"], people["manager"], timedelta(minutes=5)),
        handoff(ids["secret"], people["other"], people["manager"], timedelta(hours=2)),
        FollowUp(
            escalation_id=ids["resolved"],
            owner_id=people["csm"],
            due_at=utcnow() + timedelta(days=1),
        ),
        Touchpoint(
            account_id=mine,
            kind=TouchpointKind.EXECUTIVE_CALL,
            title="Quarterly call with Sakura",
            starts_at=utcnow() + timedelta(days=2),
        ),
        Touchpoint(
            account_id=theirs,
            kind=TouchpointKind.EXECUTIVE_CALL,
            title="Private call with Other",
            starts_at=utcnow() + timedelta(days=2),
        ),
    )
    return ids


def page(client, app, user_id) -> str:
    login(client, app, user_id)
    return text(client.get("/"))


def test_a_csm_sees_their_day_and_not_another_csms(client, app, people, book):
    html = page(client, app, people["csm"])
    mine = block(html, "my-escalations")
    # Breached first, with how long it is overdue; then the next clock with its time left.
    assert mine.index("Invoices failing") < mine.index("Slow reports")
    assert "overdue" in mine and "2 h 1" in mine and "left" in mine
    assert "Secret outage" not in html
    assert 'href="/escalations/?view=mine&amp;sort=update_due"' in mine
    assert "Slow reports" in block(html, "my-handoffs")
    assert "Old crash" in block(html, "my-aftercare")
    touchpoints = block(html, "my-touchpoints")
    assert "Quarterly call with Sakura" in touchpoints
    assert "Private call with Other" not in html
    accounts = block(html, "my-accounts")
    assert "Sakura Logistics" in accounts and "Other Foods" not in accounts
    assert "Sakura Logistics" in block(html, "my-nominations")
    # A CSM sees no team, executive or admin blocks.
    for key in ("team-clocks", "overdue-handoffs", "capacity", "failed-exports", "locked-out"):
        assert block(html, key) == ""


def test_blocks_are_ordered_most_urgent_first(client, app, people, book):
    html = page(client, app, people["csm"])
    order = [
        html.index(f'id="today-{key}"')
        for key in ("my-escalations", "my-handoffs", "my-aftercare", "my-accounts")
    ]
    assert order == sorted(order)


def test_empty_states_say_what_empty_means(client, app, make_user):
    html = page(client, app, make_user("csm", "executive"))
    assert "No open escalations on your queue" in block(html, "my-escalations")
    assert "No touchpoint planned in the next seven days." in block(html, "my-touchpoints")
    assert "You have not nominated an account" in block(html, "my-nominations")
    assert "none at risk, in poor health or in exit review" in block(html, "sponsored-attention")
    assert "No executive escalation is open" in block(html, "executive-escalations")
    # Two roles that both see touchpoints: the block once.
    assert html.count('id="today-my-touchpoints"') == 1


def test_a_manager_sees_the_team(client, app, people, book):
    html = page(client, app, people["manager"])
    team = block(html, "team-clocks")
    assert "Invoices failing" in team and "Secret outage" in team
    assert "Slow reports" not in team  # on track
    assert 'href="/escalations/?view=breached"' in team
    assert 'href="/escalations/?view=at_risk"' in team
    overdue = block(html, "overdue-handoffs")
    assert "Secret outage" in overdue and "Slow reports" not in overdue  # 5 min: in time
    executive = block(html, "executive-escalations")
    assert "Contract cancellation" in executive and "50,000,000" in executive
    assert "Call their CEO" not in executive  # asked of the sponsor, not of the manager
    assert "Old crash" in block(html, "post-mortems")
    assert block(html, "my-escalations") == ""


def test_an_executive_sees_what_is_asked_of_them(client, app, people, book):
    html = page(client, app, people["exec"])
    executive = block(html, "executive-escalations")
    assert "Contract cancellation" in executive and "Call their CEO before Friday." in executive
    assert "Kenji Motors" in block(html, "sponsored-attention")
    assert "Sakura Logistics" in block(html, "approvals")
    capacity = block(html, "capacity")
    assert "1 / 5" in capacity and "4 more sponsorships" in capacity
    assert block(html, "team-clocks") == ""


def test_an_admin_sees_failed_exports_and_locked_out_users(client, app, people, book):
    with app.app_context():
        schedule = ExportSchedule(
            owner_id=people["admin"],
            name="Nightly register",
            kind=ExportKind.ESCALATIONS,
            file_format=ExportFormat.CSV,
            encoding=CsvEncoding.UTF8_BOM,
            filters={"view": "all"},
            frequency=Frequency.DAILY,
            timezone="Asia/Tokyo",
        )
        db.session.add(schedule)
        db.session.flush()
        db.session.add(
            ExportRun(
                schedule_id=schedule.id,
                trigger=RunTrigger.SCHEDULED,
                status=RunStatus.FAILED,
                error="disk full",
            )
        )
        locked = db.session.get(User, people["other"])
        db.session.add_all(
            LoginAttempt(email=locked.email, ip_address="10.0.0.9", succeeded=False)
            for _ in range(app.config["LOGIN_MAX_FAILURES"])
        )
        db.session.commit()
    html = page(client, app, people["admin"])
    exports = block(html, "failed-exports")
    assert "Nightly register" in exports and "disk full" in exports
    assert 'href="/exports/runs?status=failed"' in exports
    locked_out = block(html, "locked-out")
    assert "Other CSM" in locked_out and "Unlocks in" in locked_out
    assert "Sakura CSM" not in locked_out
    # What applies of the manager's view, too.
    assert "Invoices failing" in block(html, "team-clocks")


def test_see_all_links_lead_to_the_same_rows(client, app, people, book):
    html = page(client, app, people["manager"])
    listed = text(client.get("/escalations/?view=breached"))
    assert "Invoices failing" in listed and "Secret outage" in listed
    assert 'href="/escalations/?view=breached"' in block(html, "team-clocks")
    csm = login(app.test_client(), app, people["csm"])
    assert 'href="/accounts/?owner=me&amp;status=at_risk"' in block(
        text(csm.get("/")), "my-accounts"
    )
    accounts = text(csm.get("/accounts/?owner=me&status=at_risk"))
    assert "Sakura Logistics" in accounts and "Other Foods" not in accounts


def test_japanese(client, app, make_user, people, book):
    with app.app_context():
        db.session.get(User, people["exec"]).locale = "ja"
        db.session.commit()
    html = page(client, app, people["exec"])
    assert 'lang="ja"' in html
    executive = block(html, "executive-escalations")
    assert "高" in executive  # the severity's label
    assert "Call their CEO before Friday." in executive  # what people wrote stays as written
    assert "50,000,000" in executive


def test_statements_do_not_grow_with_the_records(client, app, people, make_escalation, book):
    def statements() -> int:
        seen = []

        def record(_conn, _cursor, statement, *_args):
            seen.append(statement)

        with app.app_context():
            sa.event.listen(db.engine, "before_cursor_execute", record)
            try:
                text(client.get("/"))
            finally:
                sa.event.remove(db.engine, "before_cursor_execute", record)
        return len(seen)

    def more(n):
        for i in range(n):
            escalation = make_escalation(
                book["mine"],
                title=f"Case {i}",
                owner_id=people["csm"],
                status=Status.INVESTIGATING,
                executive=True,
            )
            add(
                app,
                clock(escalation, due_in=timedelta(minutes=-i - 1), breached=True),
                handoff(escalation, people["csm"], people["manager"], timedelta(hours=3)),
                FollowUp(escalation_id=escalation, owner_id=people["csm"], due_at=utcnow()),
            )

    login(client, app, people["csm"])
    with app.app_context():
        user = db.session.get(User, people["csm"])
        user.set_roles(["csm", "manager", "executive", "admin"])
        db.session.commit()
    statements()  # the first request fills the app's caches
    few = statements()
    more(8)
    # The nearest-clock walk stops once breached clocks fill a block: more records may take
    # fewer statements, never more.
    many = statements()
    assert many <= few
    more(8)
    assert statements() == many
    assert few < 60


def test_a_block_counts_every_row_it_stands_for_not_the_six_it_shows(
    client, app, people, make_escalation, book
):
    """A block reads its first rows and its count in one statement: the heading still says
    how many wait in all (up to the cap), and a block with nothing says 0."""
    login(client, app, people["manager"])
    assert '<span class="count">0</span>' in block(text(client.get("/")), "my-handoffs")
    for i in range(8):
        escalation = make_escalation(book["mine"], title=f"Case {i}", owner_id=people["csm"])
        add(app, handoff(escalation, people["manager"], people["csm"], timedelta(hours=3)))
    handoffs = block(text(client.get("/")), "my-handoffs")
    assert '<span class="count">8</span>' in handoffs
    assert handoffs.count("Case ") == 6
    with app.test_request_context():
        stmt = sa.select(Handoff).where(Handoff.to_owner_id == people["manager"])
        rows, count = first_rows(stmt.order_by(Handoff.id), stmt, cap=3)
        assert (len(rows), count) == (6, 4)  # the cap + 1: "3+"
        assert first_rows(stmt.where(sa.false()), stmt.where(sa.false())) == ([], 0)


def test_large_counts_are_capped(app):
    with app.test_request_context():
        assert count_text(7) == "7"
        assert count_text(99) == "99"
        assert count_text(100) == "99+"
        assert count_text(25_000) == "99+"


def test_my_escalations_are_ordered_by_their_nearest_clock(
    client, app, people, make_account, make_escalation
):
    """Breached first (the longest overdue first), then the nearest due time, then those with
    no clock counting (paused or none), newest first; an escalation with two running clocks
    is listed once, by its nearest; the block shows six."""
    account = make_account(name="Order Co", csm_owner_id=people["csm"])

    def case(title, *clocks):
        escalation = make_escalation(
            account, title=title, owner_id=people["csm"], status=Status.INVESTIGATING
        )
        add(app, *(clock(escalation, **args) for args in clocks))

    case("Due in 5 h", {"due_in": timedelta(hours=5)})
    case("Paused", {"due_in": None})
    case("Breached 10 min", {"due_in": timedelta(minutes=-10), "breached": True})
    case(
        "Due in 1 h, and in 9 h",
        {"due_in": timedelta(hours=9)},
        {"due_in": timedelta(hours=1), "kind": ClockKind.CUSTOMER_UPDATE},
    )
    case("Breached 2 h", {"due_in": timedelta(hours=-2), "breached": True})
    case("No clock")
    case("Due in 3 h", {"due_in": timedelta(hours=3)})
    login(client, app, people["csm"])
    html = block(text(client.get("/")), "my-escalations")
    titles = [
        "Breached 2 h",
        "Breached 10 min",
        "Due in 1 h, and in 9 h",
        "Due in 3 h",
        "Due in 5 h",
        "No clock",  # newer than "Paused"; both count nothing now
    ]
    positions = [html.find(title) for title in titles]
    assert -1 not in positions, positions
    assert positions == sorted(positions)
    assert "Paused" not in html  # the seventh: the block shows six
    assert html.count("Due in 1 h, and in 9 h") == 1


def test_my_nominations_put_the_undecided_first_then_the_latest(
    client, app, people, make_account, make_sponsorship
):
    """The block shows six of the CSM's nominations, those still undecided first, then the
    latest decided; its count is all of them; another person's nomination is not there."""
    now = utcnow()
    made = [
        # (account name, status, nominated hours ago)
        ("Undecided old", SponsorshipStatus.NOMINATED, 90),
        ("Undecided new", SponsorshipStatus.NOMINATED, 50),
        *((f"Declined {h}", SponsorshipStatus.DECLINED, h) for h in (1, 2, 3, 4, 5, 6)),
    ]
    for name, status, hours in made:
        make_sponsorship(
            make_account(name=name),
            status=status,
            nominated_by_id=people["csm"],
            nominated_at=now - timedelta(hours=hours),
        )
    make_sponsorship(make_account(name="Someone else's"), nominated_by_id=people["other"])
    nominations = block(page(client, app, people["csm"]), "my-nominations")
    shown = sorted((name for name, *_ in made if name in nominations), key=nominations.index)
    assert shown == [
        "Undecided new",
        "Undecided old",
        "Declined 1",
        "Declined 2",
        "Declined 3",
        "Declined 4",
    ]
    assert '<span class="count">8</span>' in nominations
    assert "Someone else" not in nominations


def test_an_executives_blocks_show_their_own_first_then_the_largest(
    client, app, people, make_account, make_escalation, make_sponsorship
):
    """Executive escalations: those on the accounts the executive sponsors first, then by ARR
    at risk (none last), six in all, counted in full. Nominations waiting for approval: the
    oldest first, six, counted in full; one proposed to another executive is not there."""
    now = utcnow()
    sponsored = make_account(name="Sponsored Co")
    make_sponsorship(
        sponsored, status=SponsorshipStatus.ACTIVE, sponsor_id=people["exec"], started_on=now
    )
    other = make_account(name="Other Co")
    for title, account, arr in [
        ("Own small", sponsored, 1_000),
        ("Large", other, 90_000),
        ("Middle", other, 50_000),
        ("No figure", other, None),
        ("Small", other, 5_000),
        ("Smaller", other, 2_000),
        ("Smallest", other, 1_500),
    ]:
        make_escalation(
            account,
            title=title,
            status=Status.INVESTIGATING,
            executive=True,
            arr_at_risk_minor=arr,
            arr_at_risk_currency="JPY",
        )
    for hours in (5, 1, 9, 3, 7, 2, 8):
        make_sponsorship(
            make_account(name=f"Waiting {hours} h"), nominated_at=now - timedelta(hours=hours)
        )
    make_sponsorship(make_account(name="Proposed to another"), sponsor_id=people["manager"])
    html = page(client, app, people["exec"])

    def shown(key, names):
        part = block(html, key)
        return sorted((n for n in names if n in part), key=part.index), part

    titles, executive = shown(
        "executive-escalations",
        ["Own small", "Large", "Middle", "No figure", "Small", "Smaller", "Smallest"],
    )
    assert titles == ["Own small", "Large", "Middle", "Small", "Smaller", "Smallest"]
    assert '<span class="count">7</span>' in executive
    names, approvals = shown("approvals", [f"Waiting {h} h" for h in range(1, 10)])
    assert names == [f"Waiting {h} h" for h in (9, 8, 7, 5, 3, 2)]
    assert '<span class="count">7</span>' in approvals
    assert "Proposed to another" not in approvals
