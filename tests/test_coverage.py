"""Relationship coverage and contact departures: who of ours covers the customer's decision
makers and how recently they met, single-threaded accounts, and what a decision maker leaving
does to a sponsored account (flag, notices, a proposed meeting with the successor)."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import g

from app.accounts.models import Contact, ContactRole, Departure
from app.audit.models import AuditEvent
from app.auth.models import User
from app.extensions import db
from app.formatting import local_today
from app.models import utcnow
from app.notifications.models import Notification
from app.sponsorship.models import ProgramSettings, Sponsorship, SponsorshipStatus
from app.touchpoints import services as touchpoints
from app.touchpoints.coverage import coverage_for
from app.touchpoints.models import Touchpoint, TouchpointKind, TouchpointStatus
from tests.conftest import csrf_token, login


@pytest.fixture
def people(make_user):
    return {
        "admin": make_user("admin", name="Aiko Admin"),
        "csm": make_user("csm", name="Sakura CSM"),
        "ae": make_user("ae", name="Taro AE"),
        "exec": make_user("executive", name="Kenji Exec"),
        "other_csm": make_user("csm", name="Other CSM"),
    }


@pytest.fixture
def account(make_account, people):
    return make_account(
        name="Minato Logistics", csm_owner_id=people["csm"], ae_owner_id=people["ae"]
    )


@pytest.fixture
def sponsored(app, make_sponsorship, account, people):
    return make_sponsorship(account, status=SponsorshipStatus.ACTIVE, sponsor_id=people["exec"])


def met(app, account_id, days_ago, users, contacts, status=TouchpointStatus.COMPLETED):
    """A touchpoint of the account that many days ago, with our users and their contacts."""
    with app.app_context():
        touchpoint = Touchpoint(
            account_id=account_id,
            kind=TouchpointKind.EXECUTIVE_CALL,
            status=status,
            starts_at=utcnow() - timedelta(days=days_ago),
            timezone="Asia/Tokyo",
        )
        touchpoint.executives = [db.session.get(User, u) for u in users]
        touchpoint.contacts = [db.session.get(Contact, c) for c in contacts]
        db.session.add(touchpoint)
        db.session.commit()
        return touchpoint.id


def coverage(app, account_id):
    with app.test_request_context():
        return coverage_for([account_id], local_today())[account_id]


def strengths(cov):
    return {
        (p.contact.name, p.side): (p.person.name if p.person else None, p.strength)
        for p in cov.pairs
    }


def post(client, url, **data):
    data["csrf_token"] = csrf_token(client, "/profile")
    return client.post(url, data=data)


def test_each_pair_weakens_with_time_since_they_last_met(
    app, people, account, sponsored, make_contact
):
    cio = make_contact(account, name="Hanako Sato", role=ContactRole.EXECUTIVE)
    met(app, account, 30, [people["exec"]], [cio])
    met(app, account, 120, [people["ae"]], [cio])
    met(app, account, 400, [people["csm"]], [cio])
    # A meeting only planned, or one without the contact, does not count.
    met(app, account, 5, [people["csm"]], [cio], status=TouchpointStatus.PLANNED)
    met(app, account, 5, [people["csm"]], [])

    cov = coverage(app, account)
    assert strengths(cov) == {
        ("Hanako Sato", "sponsor"): ("Kenji Exec", "strong"),
        ("Hanako Sato", "ae"): ("Taro AE", "fading"),
        ("Hanako Sato", "csm"): ("Sakura CSM", "cold"),
    }
    assert cov.strength == "strong"
    sponsor_pair = cov.pairs[0]
    assert (utcnow() - sponsor_pair.last_met).days == 30

    with app.app_context():
        settings = db.session.get(ProgramSettings, 1)
        settings.coverage_strong_days, settings.coverage_fading_days = 20, 500
        db.session.commit()
    cov = coverage(app, account)
    assert [p.strength for p in cov.pairs] == ["fading", "fading", "fading"]
    assert cov.strength == "fading"


def test_unfilled_sides_and_decision_makers_never_met(app, make_account, make_contact, people):
    account = make_account(csm_owner_id=people["csm"])  # no AE, no sponsorship
    buyer = make_contact(account, name="Jiro Buyer", role=ContactRole.ECONOMIC_BUYER)
    make_contact(account, name="Chie Champion", role=ContactRole.CHAMPION)
    cov = coverage(app, account)
    assert strengths(cov) == {
        ("Jiro Buyer", "sponsor"): (None, "cold"),
        ("Jiro Buyer", "ae"): (None, "cold"),
        ("Jiro Buyer", "csm"): ("Sakura CSM", "cold"),
    }
    assert [c.id for c in cov.uncovered] == [buyer]
    assert cov.strength == "cold"


def test_departed_decision_makers_are_left_out(app, account, make_contact, people):
    make_contact(
        account,
        name="Gone Exec",
        departure=Departure.LEFT,
        departed_on=date(2026, 1, 15),
    )
    cov = coverage(app, account)
    assert cov.pairs == [] and cov.strength == "none"
    assert [c.name for c in cov.departed] == ["Gone Exec"]


def test_single_threaded_when_one_contact_carries_every_recent_meeting(
    app, account, make_contact, people
):
    cio = make_contact(account, name="Hanako Sato")
    champion = make_contact(account, name="Chie Champion", role=ContactRole.CHAMPION)
    assert coverage(app, account).single_threaded is False  # no meetings at all

    met(app, account, 10, [people["csm"]], [cio])
    met(app, account, 40, [people["ae"]], [cio])
    met(app, account, 300, [people["csm"]], [champion])  # outside the 180-day window
    cov = coverage(app, account)
    assert cov.single_threaded is True
    assert cov.single_thread_contact.name == "Hanako Sato"

    met(app, account, 60, [people["csm"]], [champion])
    assert coverage(app, account).single_threaded is False


def test_coverage_takes_the_same_queries_for_one_account_or_twenty(
    app, make_account, make_contact, people
):
    accounts = []
    for n in range(20):
        account = make_account(csm_owner_id=people["csm"], ae_owner_id=people["ae"])
        contact = make_contact(account, name=f"Exec {n}")
        make_contact(account, name=f"Buyer {n}", role=ContactRole.ECONOMIC_BUYER)
        met(app, account, n * 20, [people["csm"]], [contact])
        accounts.append(account)

    def queries(ids):
        with app.test_request_context():
            g.sql_queries = 0
            found = coverage_for(ids, local_today())
            assert set(found) == set(ids)
            assert all(len(c.pairs) == 6 for c in found.values())
            return g.sql_queries

    one, twenty = queries(accounts[:1]), queries(accounts)
    assert one == twenty and one <= 6


def test_a_departure_date_in_the_future_is_refused_and_nothing_saved(
    app, client, people, account, make_contact
):
    contact = make_contact(account)
    login(client, app, people["csm"])
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    response = post(
        client,
        f"/accounts/{account}/contacts/{contact}/departure",
        departure="left",
        departed_on=tomorrow,
    )
    assert response.status_code == 422
    assert "The date cannot be in the future." in response.get_data(as_text=True)
    response = post(
        client,
        f"/accounts/{account}/contacts/{contact}/departure",
        departure="left",
        departed_on="1999-12-31",
    )
    assert response.status_code == 422
    assert "Enter a date in 2000 or later." in response.get_data(as_text=True)
    response = post(
        client,
        f"/accounts/{account}/contacts/{contact}/departure",
        departure="left",
        departed_on="last week",
    )
    assert response.status_code == 422
    assert "Use a date like 2026-04-01" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Contact, contact).departure is None
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "departure")
            )
            == 0
        )


def test_the_economic_buyer_leaving_a_sponsored_account_flags_a_sponsor_change(
    app, client, people, account, sponsored, make_contact
):
    with app.app_context():
        db.session.get(User, people["exec"]).timezone = "Europe/London"
        db.session.commit()
    buyer = make_contact(account, name="Jiro Buyer", role=ContactRole.ECONOMIC_BUYER)
    login(client, app, people["csm"])
    page = client.get(f"/accounts/{account}/contacts/{buyer}").get_data(as_text=True)
    assert "Left or changed role" in page
    left_on = date.today() - timedelta(days=3)
    response = post(
        client,
        f"/accounts/{account}/contacts/{buyer}/departure",
        departure="left",
        departed_on=left_on.isoformat(),
        note="Moved to a competitor",
    )
    assert response.status_code == 302

    with app.app_context():
        contact = db.session.get(Contact, buyer)
        assert (contact.departure, contact.departed_on) == (Departure.LEFT, left_on)
        sponsorship = db.session.get(Sponsorship, sponsored)
        assert sponsorship.sponsor_change_on == left_on
        assert sponsorship.sponsor_change_contact_id == buyer
        told = db.session.scalars(
            sa.select(Notification.user_id).where(Notification.kind == "sponsor_change")
        ).all()
        assert sorted(told) == sorted([people["exec"], people["csm"]])
        assert db.session.scalar(
            sa.select(AuditEvent).where(
                AuditEvent.entity_type == "sponsorship", AuditEvent.action == "sponsor_change"
            )
        )
        proposed = db.session.scalars(sa.select(Touchpoint)).one()
        assert proposed.status is TouchpointStatus.PLANNED
        assert proposed.successor_of_id == buyer
        assert proposed.sponsorship_id == sponsored
        assert proposed.kind is TouchpointKind.EXECUTIVE_CALL
        assert {u.id for u in proposed.executives} == {people["exec"], people["csm"]}
        assert proposed.timezone == "Europe/London"
        local = proposed.starts_at.astimezone(ZoneInfo("Europe/London"))
        assert local.time() == time(10, 0) and local.weekday() < 5
        ahead = (local.date() - datetime.now(ZoneInfo("Europe/London")).date()).days
        assert 7 <= ahead <= 9

    # The sponsorship page shows the flag with the contact's name; the contact list, the date.
    page = client.get(f"/sponsorships/{sponsored}").get_data(as_text=True)
    assert "Sponsor change" in page and "Meet the successor" in page and "Jiro Buyer" in page
    page = client.get(f"/accounts/{account}").get_data(as_text=True)
    assert "Left on" in page

    # Meeting the successor clears the flag.
    with app.test_request_context():
        actor = db.session.get(User, people["exec"])
        touchpoints.complete(
            actor,
            db.session.scalars(sa.select(Touchpoint)).one(),
            "Met the new CFO",
            [touchpoints.NextStep("Send the plan", actor, date.today() + timedelta(days=7))],
        )
        db.session.commit()
        sponsorship = db.session.get(Sponsorship, sponsored)
        assert sponsorship.sponsor_change_on is None
        assert sponsorship.sponsor_change_contact_id is None
        assert db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "sponsor_change_end")
        )
    page = client.get(f"/sponsorships/{sponsored}").get_data(as_text=True)
    assert "Meet the successor" not in page


@pytest.mark.parametrize("case", ["champion", "unsponsored", "nominated"])
def test_other_departures_change_nothing_in_the_program(
    app, client, people, account, make_contact, make_sponsorship, case
):
    role = ContactRole.CHAMPION if case == "champion" else ContactRole.EXECUTIVE
    if case != "unsponsored":
        status = SponsorshipStatus.NOMINATED if case == "nominated" else SponsorshipStatus.ACTIVE
        make_sponsorship(account, status=status, sponsor_id=people["exec"])
    contact = make_contact(account, role=role)
    login(client, app, people["csm"])
    response = post(
        client,
        f"/accounts/{account}/contacts/{contact}/departure",
        departure="role_changed",
        departed_on=date.today().isoformat(),
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Contact, contact).departure is Departure.ROLE_CHANGED
        assert db.session.scalar(sa.select(Sponsorship.sponsor_change_on)) is None
        assert db.session.scalars(sa.select(Notification)).all() == []
        assert db.session.scalars(sa.select(Touchpoint)).all() == []


def test_still_here_undoes_the_departure_and_its_flag(
    app, client, people, account, sponsored, make_contact
):
    cio = make_contact(account, name="Hanako Sato")
    login(client, app, people["csm"])
    url = f"/accounts/{account}/contacts/{cio}/departure"
    assert (
        post(client, url, departure="left", departed_on=date.today().isoformat()).status_code == 302
    )
    assert post(client, url + "/undo").status_code == 302
    with app.app_context():
        contact = db.session.get(Contact, cio)
        assert contact.departure is None and contact.departed_on is None
        assert db.session.get(Sponsorship, sponsored).sponsor_change_on is None
        actions = db.session.scalars(
            sa.select(AuditEvent.action).where(AuditEvent.entity_type == "contact")
        ).all()
        assert "departure" in actions and "departure_undone" in actions
    assert coverage(app, account).pairs  # a decision maker again


def test_a_csm_who_does_not_own_the_account_cannot_mark_a_departure(
    app, client, people, account, make_contact
):
    contact = make_contact(account)
    login(client, app, people["other_csm"])
    url = f"/accounts/{account}/contacts/{contact}/departure"
    assert post(client, url, departure="left", departed_on="2026-01-05").status_code == 403
    assert post(client, url + "/undo").status_code == 403
    page = client.get(f"/accounts/{account}").get_data(as_text=True)
    assert "Relationship coverage" in page and "Left or changed role" not in page


def test_the_account_page_shows_the_coverage_card(
    app, client, people, account, sponsored, make_contact
):
    cio = make_contact(account, name="Hanako Sato", title="CIO")
    make_contact(account, name="Gone Exec", departure=Departure.LEFT, departed_on=date(2026, 1, 15))
    met(app, account, 30, [people["exec"], people["csm"]], [cio])
    login(client, app, people["csm"])
    reads = []

    def record(_conn, _cursor, statement, *_args):
        if "FROM contacts" in statement:
            reads.append(statement)

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", record)
        try:
            page = client.get(f"/accounts/{account}").get_data(as_text=True)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)
    assert len(reads) == 1  # the card uses the contacts the page loaded
    assert "Relationship coverage" in page
    assert "Hanako Sato" in page and "Kenji Exec" in page
    assert "Strong" in page and "Cold" in page
    assert "Single-threaded" in page and "Only Hanako Sato attended" in page
    assert "<s>Gone Exec</s>" in page
