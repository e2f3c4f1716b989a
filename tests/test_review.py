"""The executive review: an executive's page of the accounts they sponsor (only theirs, in the
program), what needs them first and why, the same number of queries for 2 or 12 accounts,
who may record a review, and what a review does (propose exit, continue, history)."""

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import HealthScoreEntry
from app.audit.models import AuditEvent
from app.escalations.models import Handoff, Level
from app.extensions import db
from app.models import utcnow
from app.sponsorship.models import Objective, ObjectiveStatus, Sponsorship, SponsorshipStatus
from app.touchpoints.models import (
    ExecutiveReview,
    ReviewDecision,
    Touchpoint,
    TouchpointKind,
    TouchpointStatus,
)
from tests.conftest import app_today, csrf_token, login

BASELINE = {
    "health": 70,
    "nps": 20,
    "arr_minor": 1_000_000,
    "currency": "JPY",
    "open_escalations": 0,
    "escalations_90d": 1,
}


def sponsoring(make_account, make_sponsorship):
    """make(executive_id, status=ACTIVE, baseline=None, **account values): an account sponsored
    by the executive; returns (account_id, sponsorship_id)."""

    def make(executive_id, status=SponsorshipStatus.ACTIVE, baseline=None, **values):
        account_id = make_account(**values)
        sponsorship_id = make_sponsorship(
            account_id,
            status=status,
            sponsor_id=executive_id,
            started_on=date.today() - timedelta(days=30),
            baseline=BASELINE if baseline is None else baseline,
        )
        return account_id, sponsorship_id

    return make


@pytest.fixture
def sponsor_account(make_account, make_sponsorship):
    return sponsoring(make_account, make_sponsorship)


def add_rich_facts(app, account_id, sponsorship_id, executive_id, make_escalation, n=0):
    """Health history, an executive escalation with a handoff, touchpoints, objectives and a
    review: every kind of fact the page reads."""
    now = utcnow()
    escalation_id = make_escalation(account_id, title=f"Cancel threat {n}", executive=True)
    make_escalation(account_id, title=f"Slow invoices {n}")
    with app.app_context():
        db.session.add_all(
            HealthScoreEntry(account_id=account_id, score=50 + i, recorded_at=now - timedelta(i))
            for i in range(15)
        )
        db.session.add(
            Handoff(
                escalation_id=escalation_id,
                from_level=Level.L2,
                to_level=Level.EXECUTIVE,
                to_owner_id=executive_id,
                created_by_id=executive_id,
                what_happened="a",
                what_was_tried="b",
                why_unresolved="c",
                what_is_needed=f"Call their CEO {n}",
            )
        )
        for status, days in ((TouchpointStatus.COMPLETED, -20), (TouchpointStatus.PLANNED, 10)):
            db.session.add(
                Touchpoint(
                    account_id=account_id,
                    sponsorship_id=sponsorship_id,
                    kind=TouchpointKind.EXECUTIVE_CALL,
                    status=status,
                    starts_at=now + timedelta(days=days),
                    title=f"Call {status.value} {n}",
                )
            )
        db.session.add_all(
            [
                Objective(
                    sponsorship_id=sponsorship_id, text="Renew", status=ObjectiveStatus.ACHIEVED
                ),
                Objective(
                    sponsorship_id=sponsorship_id, text="Grow", status=ObjectiveStatus.AT_RISK
                ),
            ]
        )
        db.session.add(
            ExecutiveReview(
                sponsorship_id=sponsorship_id,
                reviewer_id=executive_id,
                decision=ReviewDecision.CONTINUE,
                note=f"Steady {n}",
            )
        )
        db.session.commit()


def signed_in(app, user_id):
    """A client of its own, signed in as the user."""
    return login(app.test_client(), app, user_id)


def card_order(html: str) -> list[str]:
    return re.findall(r'<h2 class="rv-name"><a href="/review/accounts/\d+">([^<]+)</a>', html)


def test_the_page_lists_only_the_executives_accounts_in_the_program(
    app, client, make_user, sponsor_account
):
    me, other = make_user("executive"), make_user("executive")
    sponsor_account(me, name="Active One")
    sponsor_account(me, SponsorshipStatus.EXIT_REVIEW, name="Leaving Two")
    sponsor_account(me, SponsorshipStatus.EXITED, name="Gone Three")
    sponsor_account(me, SponsorshipStatus.DECLINED, name="Declined Four")
    sponsor_account(other, name="Not Mine")
    login(client, app, me)
    html = client.get("/review/").get_data(as_text=True)
    assert sorted(card_order(html)) == ["Active One", "Leaving Two"]
    assert "My sponsored accounts" in html
    assert "In exit review" in html
    # Anyone signed in reads another executive's page.
    other_page = client.get(f"/review/{other}").get_data(as_text=True)
    assert card_order(other_page) == ["Not Mine"]


def test_what_needs_the_executive_comes_first_with_the_reason(
    app, client, make_user, sponsor_account, make_escalation
):
    me = make_user("executive")
    today = app_today(app)
    sponsor_account(me, name="Calm Co", renewal_date=today + timedelta(days=400))
    sponsor_account(me, name="Renewing Co", renewal_date=today + timedelta(days=45))
    burning, _s = sponsor_account(me, name="Burning Co", renewal_date=today + timedelta(days=300))
    make_escalation(burning, title="Legal threat", executive=True, threat_legal=True)
    make_escalation(burning, title="Minor glitch")
    dropping, _s = sponsor_account(
        me, name="Dropping Co", health_score=50, renewal_date=today + timedelta(days=300)
    )
    login(client, app, me)
    html = client.get("/review/").get_data(as_text=True)
    assert card_order(html) == ["Burning Co", "Renewing Co", "Dropping Co", "Calm Co"]
    assert "Executive escalation open" in html
    assert "Renewal in 45 days" in html
    assert "Health down 20 points since entry" in html
    # The executive escalation is listed before the other one.
    burning_card = html.split(f'id="account-{burning}"')[1].split("</article>")[0]
    assert burning_card.index("Legal threat") < burning_card.index("Minor glitch")


def test_queries_do_not_grow_with_the_number_of_accounts(
    app, client, make_user, sponsor_account, make_escalation
):
    counts = {}
    for size in (2, 12):
        me = make_user("executive")
        for n in range(size):
            account_id, sponsorship_id = sponsor_account(me)
            add_rich_facts(app, account_id, sponsorship_id, me, make_escalation, n)
        response = signed_in(app, me).get("/review/")
        html = response.get_data(as_text=True)
        assert len(card_order(html)) == size
        assert f"Call their CEO {size - 1}" in html and "Steady 0" in html
        counts[size] = int(response.headers["X-SQL-Queries"])
    assert counts[2] == counts[12], counts


def test_a_user_who_is_not_an_executive_has_no_page(app, client, make_user, sponsor_account):
    csm, executive = make_user("csm"), make_user("executive", name="Kenji Exec")
    sponsor_account(executive)
    login(client, app, csm)
    assert client.get(f"/review/{csm}").status_code == 404
    assert client.get(f"/review/{csm}/portfolio.pdf").status_code == 404
    listing = client.get("/review/").get_data(as_text=True)
    assert f'href="/review/{executive}">Kenji Exec</a>' in listing


def _review(client, sponsorship_id, path, **values):
    data = {
        "csrf_token": csrf_token(client, "/profile"),
        "decision": "continue",
        "note": "All good",
    }
    return client.post(f"/review/sponsorships/{sponsorship_id}/reviews", data=data | values)


def test_only_the_sponsor_or_an_admin_records_a_review(app, make_user, sponsor_account):
    me, other, admin = make_user("executive"), make_user("executive"), make_user("admin")
    account_id, sponsorship_id = sponsor_account(me)
    page = f"/review/accounts/{account_id}"
    client = signed_in(app, other)
    assert "Record a review" not in client.get(page).get_data(as_text=True)
    assert _review(client, sponsorship_id, page).status_code == 403
    assert (
        _review(signed_in(app, admin), sponsorship_id, page, note="Admin looked").status_code == 302
    )
    client = signed_in(app, me)
    response = _review(client, sponsorship_id, page, note="Sponsor looked")
    assert response.status_code == 302
    history = client.get(page).get_data(as_text=True)
    assert history.index("Sponsor looked") < history.index("Admin looked")


def test_proposing_exit_moves_to_exit_review_and_keeps_the_history(
    app, client, make_user, sponsor_account
):
    me = make_user("executive")
    account_id, sponsorship_id = sponsor_account(me, name="Exit Co")
    page = f"/review/accounts/{account_id}"
    login(client, app, me)
    assert _review(client, sponsorship_id, page, note="Quarter went well").status_code == 302
    response = _review(
        client, sponsorship_id, page, decision="propose_exit", note="Healthy for a year"
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{page}#account-{account_id}")
    with app.app_context():
        sponsorship = db.session.get(Sponsorship, sponsorship_id)
        assert sponsorship.status is SponsorshipStatus.EXIT_REVIEW
        assert [r["text"] for r in sponsorship.exit_rules] == ["Healthy for a year"]
        reviews = db.session.scalars(
            sa.select(ExecutiveReview.decision).order_by(ExecutiveReview.id)
        ).all()
        assert reviews == [ReviewDecision.CONTINUE, ReviewDecision.PROPOSE_EXIT]
        actions = db.session.scalars(
            sa.select(AuditEvent.action).where(
                AuditEvent.entity_type == "sponsorship", AuditEvent.entity_id == sponsorship_id
            )
        ).all()
        assert actions.count("review") == 2 and "exit_review" in actions
    html = client.get(page).get_data(as_text=True)
    assert "moved to exit review" in html  # the flash
    assert "Quarter went well" in html and "Healthy for a year" in html
    # Continuing from exit review keeps the account in the program.
    assert _review(client, sponsorship_id, page, note="Stay one more year").status_code == 302
    with app.app_context():
        assert db.session.get(Sponsorship, sponsorship_id).status is SponsorshipStatus.ACTIVE


def test_a_review_from_the_portfolio_returns_there(app, client, make_user, sponsor_account):
    me = make_user("executive")
    account_id, sponsorship_id = sponsor_account(me)
    login(client, app, me)
    response = _review(client, sponsorship_id, "/review/", back="portfolio")
    assert response.headers["Location"].endswith(f"/review/{me}#account-{account_id}")


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"note": "   "}, "Write what you concluded."),
        ({"note": "x" * 5001}, "5000"),
        ({"decision": "close_it"}, "Not a valid choice"),
    ],
)
def test_a_bad_review_is_refused_next_to_the_field(
    app, client, make_user, sponsor_account, values, message
):
    me = make_user("executive")
    account_id, sponsorship_id = sponsor_account(me)
    login(client, app, me)
    response = _review(client, sponsorship_id, f"/review/accounts/{account_id}", **values)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ExecutiveReview.id))) == 0
        assert db.session.get(Sponsorship, sponsorship_id).status is SponsorshipStatus.ACTIVE


def test_a_sponsorship_out_of_the_program_is_not_reviewed(app, client, make_user, sponsor_account):
    admin = make_user("admin")
    account_id, sponsorship_id = sponsor_account(make_user("executive"), SponsorshipStatus.EXITED)
    login(client, app, admin)
    response = _review(client, sponsorship_id, f"/review/accounts/{account_id}")
    assert response.status_code == 422
    assert "Only an active sponsorship or one in exit review is reviewed." in response.get_data(
        as_text=True
    )


def test_the_account_review_shows_coverage_timeline_and_prep(
    app, client, make_user, sponsor_account, make_escalation, make_contact
):
    me = make_user("executive")
    account_id, sponsorship_id = sponsor_account(me, name="Deep Co")
    make_contact(account_id, name="Hanako Sato")
    add_rich_facts(app, account_id, sponsorship_id, me, make_escalation)
    login(client, app, me)
    html = client.get(f"/review/accounts/{account_id}").get_data(as_text=True)
    assert "Relationship coverage" in html and "Hanako Sato" in html
    assert "Recent timeline" in html
    assert "Download account brief (PDF)" in html
    if "touchpoints.prep_brief" in app.view_functions:
        assert "Prep brief" in html
