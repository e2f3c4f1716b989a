"""The eligibility review page reads the candidates the last review stored: it says when that
was, pages them 25 at a time with the same queries on every page and for any size of book,
leaves out the accounts nominated, sponsored or churned since (so it never offers a nomination
that no longer applies), and reviews again when the entry rules change."""

import re
from datetime import UTC, datetime

import sqlalchemy as sa

from app.accounts.models import Account, LifecycleStatus
from app.auth.models import User
from app.extensions import db
from app.scheduler.jobs import run_job
from app.sponsorship import snapshots
from app.sponsorship.models import (
    Criterion,
    CriterionKind,
    CriterionSide,
    ProgramSettings,
    Sponsorship,
    SponsorshipStatus,
)
from tests.conftest import csrf_token, login

REVIEWED = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)


def post(client, url, **data):
    data["csrf_token"] = csrf_token(client, "/profile")
    return client.post(url, data=data)


def only_low_health_enters(app) -> int:
    """The entry side becomes the one rule "Health ≤ 30"; its id."""
    with app.app_context():
        db.session.execute(
            sa.update(Criterion).where(Criterion.side == CriterionSide.ENTRY).values(active=False)
        )
        rule = Criterion(
            side=CriterionSide.ENTRY,
            kind=CriterionKind.HEALTH_AT_MOST,
            params={"score": 30},
        )
        db.session.add(rule)
        db.session.scalar(sa.select(ProgramSettings)).entry_combination = "any"
        db.session.commit()
        return rule.id


def review(app, when=REVIEWED) -> list:
    with app.app_context():
        matches = snapshots.store_entry_review(today=when.date(), now=when)
        db.session.commit()
        return [m.account_id for m in matches]


def candidate_names(html: str) -> list[str]:
    section = html.split('id="candidates"')[1].split("</section>")[0]
    return re.findall(r'<a href="/accounts/\d+">([^<]+)</a>', section)


def total_of(html: str) -> int:
    return int(re.search(r"Candidates <span class=\"count\">(\d+)</span>", html).group(1))


def test_the_page_shows_the_stored_review_and_when_it_ran(app, client, make_user, make_account):
    only_low_health_enters(app)
    low = make_account(name="Low KK", health_score=20)
    make_account(name="Fine KK", health_score=80)
    assert review(app) == [low]
    make_account(name="Later KK", health_score=10)  # after the review: not in it yet
    reader = make_user("manager")
    with app.app_context():
        db.session.get(User, reader).timezone = "Asia/Tokyo"
        db.session.commit()
    login(client, app, reader)

    html = client.get("/sponsorships/eligibility").get_data(as_text=True)

    assert candidate_names(html) == ["Low KK"]
    assert total_of(html) == 1
    assert "Last reviewed at 11/20/26, 12:00" in html  # 03:00 UTC in Tokyo
    assert "Health ≤ 30" in html


def test_an_admin_runs_the_review_and_the_page_shows_the_new_candidates(
    app, client, make_user, make_account
):
    only_low_health_enters(app)
    make_account(name="Low KK", health_score=20)
    review(app)
    make_account(name="Later KK", health_score=10)
    login(client, app, make_user("admin"))
    assert post(client, "/sponsorships/eligibility/run").status_code == 302
    html = client.get("/sponsorships/eligibility").get_data(as_text=True)
    assert candidate_names(html) == ["Later KK", "Low KK"]
    assert "Last reviewed at 11/20/26" not in html  # now, not the earlier review


def test_the_daily_job_stores_the_candidates(app, make_account):
    rule = only_low_health_enters(app)
    low = make_account(name="Low KK", health_score=20)
    with app.app_context():
        assert run_job("eligibility_review", REVIEWED)
        db.session.remove()
        stored = db.session.scalars(sa.select(snapshots.EligibilityCandidate)).all()
        assert [(c.account_id, c.criteria, c.position) for c in stored] == [(low, [rule], 0)]
        assert db.session.get(snapshots.ProgramSnapshot, "eligibility").computed_at == REVIEWED


def test_an_account_nominated_or_churned_after_the_review_is_not_offered_again(
    app, client, make_user, make_account
):
    only_low_health_enters(app)
    csm = make_user("csm")
    mine = make_account(name="A Mine KK", health_score=20, csm_owner_id=csm)
    churning = make_account(name="B Churning KK", health_score=20, csm_owner_id=csm)
    make_account(name="C Other KK", health_score=20, csm_owner_id=csm)
    review(app)
    login(client, app, csm)
    before = client.get("/sponsorships/eligibility").get_data(as_text=True)
    assert candidate_names(before) == ["A Mine KK", "B Churning KK", "C Other KK"]
    assert before.count(">Nominate</button>") == 3
    reason = re.search(r'name="reason" value="([^"]+)"', before).group(1)

    assert post(client, f"/sponsorships/nominate/{mine}", reason=reason).status_code == 302
    with app.app_context():
        db.session.get(Account, churning).status = LifecycleStatus.CHURNED
        db.session.commit()

    after = client.get("/sponsorships/eligibility").get_data(as_text=True)
    # Nominated since: left out. Churned since: shown as it is now, not offered.
    assert candidate_names(after) == ["B Churning KK", "C Other KK"]
    assert total_of(after) == 2
    assert f"/sponsorships/nominate/{mine}" not in after
    assert f"/sponsorships/nominate/{churning}" not in after
    assert after.count(">Nominate</button>") == 1
    assert "Churned since the review" in after
    # The form of the page loaded before is refused: the server checks again.
    again = post(client, f"/sponsorships/nominate/{mine}", reason=reason)
    assert again.status_code == 422
    assert "is already nominated or sponsored." in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Sponsorship.id))) == 1


def test_a_sponsorship_declined_after_the_review_makes_the_account_a_candidate_again(
    app, client, make_user, make_account, make_sponsorship
):
    only_low_health_enters(app)
    account = make_account(name="Declined KK", health_score=20)
    sponsorship = make_sponsorship(account, status=SponsorshipStatus.NOMINATED)
    review(app)
    login(client, app, make_user("manager"))
    assert candidate_names(client.get("/sponsorships/eligibility").get_data(as_text=True)) == []
    with app.app_context():
        db.session.get(Sponsorship, sponsorship).status = SponsorshipStatus.DECLINED
        db.session.commit()
    # Not in the stored review (it was nominated then): shown after the next review.
    assert candidate_names(client.get("/sponsorships/eligibility").get_data(as_text=True)) == []
    review(app)
    html = client.get("/sponsorships/eligibility").get_data(as_text=True)
    assert candidate_names(html) == ["Declined KK"]


def test_a_change_of_the_entry_rules_reviews_again_on_the_next_visit(
    app, client, make_user, make_account
):
    only_low_health_enters(app)
    make_account(name="Low KK", health_score=20)
    make_account(name="Strategic KK", tier="strategic", health_score=90)
    review(app)
    login(client, app, make_user("admin"))
    assert candidate_names(client.get("/sponsorships/eligibility").get_data(as_text=True)) == [
        "Low KK"
    ]
    assert (
        post(
            client, "/sponsorships/program/criteria", kind="tier_in", tiers="strategic"
        ).status_code
        == 302
    )
    html = client.get("/sponsorships/eligibility").get_data(as_text=True)
    assert candidate_names(html) == ["Low KK", "Strategic KK"]
    assert "Tier in Strategic" in html
    assert "Last reviewed at 11/20/26" not in html


def test_pages_of_candidates_run_the_same_queries_whatever_the_page_and_the_book(
    app, client, make_user, make_account
):
    only_low_health_enters(app)
    login(client, app, make_user("manager"))

    def page(n: int):
        response = client.get(f"/sponsorships/eligibility?page={n}")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        return candidate_names(html), total_of(html), response.headers["X-SQL-Queries"]

    for n in range(3):
        make_account(name=f"Low {n:02d}", health_score=20)
    review(app)
    client.get("/sponsorships/eligibility")  # the first request fills the app's caches
    names, total, few = page(1)
    assert (names, total) == (["Low 00", "Low 01", "Low 02"], 3)

    for n in range(3, 30):
        make_account(name=f"Low {n:02d}", health_score=20)
    review(app)
    first, total, many = page(1)
    second, _total, deep = page(2)
    assert total == 30
    assert first == [f"Low {n:02d}" for n in range(25)]
    assert second == [f"Low {n:02d}" for n in range(25, 30)]
    assert few == many == deep


def test_pages_keep_their_places_when_candidates_are_nominated_since_the_review(
    app, client, make_user, make_account, make_sponsorship
):
    only_low_health_enters(app)
    ids = [make_account(name=f"Low {n:02d}", health_score=20) for n in range(60)]
    review(app)
    for n in (0, 3, 24, 25, 26, 49, 59):  # around the page boundaries, and the last
        make_sponsorship(ids[n], status=SponsorshipStatus.NOMINATED)
    login(client, app, make_user("manager"))
    shown = []
    for page in (1, 2, 3):
        html = client.get(f"/sponsorships/eligibility?page={page}").get_data(as_text=True)
        assert total_of(html) == 53
        shown.append(candidate_names(html))
    expected = [f"Low {n:02d}" for n in range(60) if n not in (0, 3, 24, 25, 26, 49, 59)]
    assert shown == [expected[:25], expected[25:50], expected[50:]]
    assert 'rel="next"' not in html


def test_the_first_position_of_a_page_skips_the_candidates_taken_before_it():
    first = snapshots._first_position
    assert first(0, []) == 0
    assert first(0, [0, 1]) == 2
    assert first(5, [5]) == 6
    assert first(5, [1, 7]) == 6
    assert first(25, [0, 3, 24, 25, 26, 49]) == 30
