"""The program results page reads a stored snapshot: the same figures as the live computation,
said when they were computed (in the reader's zone), recomputed by the scheduler and by an
admin's "Recompute now" (CSRF, admins only, audited), with as many queries on a big book as on
a small one."""

import re
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from app.accounts.models import ArrEntry, HealthScoreEntry, LifecycleStatus
from app.audit.models import AuditEvent
from app.auth.models import User
from app.extensions import db
from app.scheduler.jobs import run_job
from app.sponsorship import results, snapshots
from app.sponsorship.models import SponsorshipStatus
from tests.conftest import csrf_token, login

NOW = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
TODAY = date(2026, 11, 20)
YEAR_AGO = NOW - timedelta(days=400)


def post(client, url, **data):
    data["csrf_token"] = csrf_token(client, "/profile")
    return client.post(url, data=data)


def small_book(app, make_account, make_sponsorship, make_escalation) -> None:
    """Sponsored and not sponsored accounts, with history a year back and escalations."""
    sponsored = make_account(name="Sponsored KK", arr_minor=1_200_000, health_score=80)
    exiting = make_account(name="Exiting KK", arr_minor=500_000, currency="USD", health_score=40)
    plain = make_account(name="Plain KK", arr_minor=900_000, health_score=50)
    churned = make_account(
        name="Churned KK", status=LifecycleStatus.CHURNED, renewal_date=TODAY - timedelta(days=30)
    )
    make_account(name="Renewed KK", renewal_date=TODAY - timedelta(days=10))
    make_sponsorship(
        sponsored,
        status=SponsorshipStatus.ACTIVE,
        started_on=date(2026, 1, 10),
        baseline={"health": 60, "arr_minor": 1_000_000, "currency": "JPY"},
    )
    make_sponsorship(
        exiting,
        status=SponsorshipStatus.EXIT_REVIEW,
        started_on=date(2025, 6, 1),
        baseline={"health": 50, "arr_minor": 600_000, "currency": "USD"},
    )
    make_sponsorship(plain, status=SponsorshipStatus.DECLINED)
    make_sponsorship(
        churned, status=SponsorshipStatus.EXITED, started_on=date(2025, 1, 1), exit_on=TODAY
    )
    for account_id, days_ago in ((sponsored, 10), (sponsored, 100), (plain, 5), (plain, 500)):
        make_escalation(account_id, created_at=NOW - timedelta(days=days_ago))
    with app.app_context():
        for account_id, arr, currency, health in (
            (sponsored, 1_000_000, "JPY", 60),
            (exiting, 400_000, "USD", 55),
            (plain, 1_000_000, "JPY", 70),
        ):
            db.session.add(
                ArrEntry(
                    account_id=account_id, arr_minor=arr, currency=currency, recorded_at=YEAR_AGO
                )
            )
            db.session.add(
                HealthScoreEntry(account_id=account_id, score=health, recorded_at=YEAR_AGO)
            )
        db.session.commit()


def test_the_snapshot_holds_the_figures_the_live_computation_gives(
    app, make_account, make_sponsorship, make_escalation
):
    small_book(app, make_account, make_sponsorship, make_escalation)
    with app.app_context():
        live = results.program_results(NOW, TODAY)
        db.session.rollback()
        snapshots.refresh_results(NOW, TODAY)
        db.session.commit()
        db.session.remove()
        stored, computed_at = snapshots.figures_of(
            db.session.get(snapshots.ProgramSnapshot, "results")
        )
    assert stored == live
    assert computed_at == NOW
    # The small book's figures, so that "the same" is not "the same nothing".
    assert stored["groups"]["sponsored"]["accounts"] == 2
    assert stored["groups"]["not_sponsored"]["accounts"] == 3
    assert stored["groups"]["sponsored"]["escalations_per_account"] == 1.0
    assert stored["by_status"][SponsorshipStatus.DECLINED] == 1
    assert stored["since_entry"]["accounts"] == 2


def test_the_page_says_when_the_figures_were_computed_in_the_readers_zone(
    app, client, make_user, make_account
):
    make_account(name="First KK")
    reader = make_user("manager")
    with app.app_context():
        db.session.get(User, reader).timezone = "America/New_York"
        snapshots.refresh_results(NOW, TODAY)
        db.session.commit()
    login(client, app, reader)
    html = client.get("/sponsorships/results").get_data(as_text=True)
    # 03:00 UTC is 22:00 the day before in New York.
    assert "Figures computed at 11/19/26, 10:00" in html
    assert re.search(r"<td>Accounts</td><td>0</td><td>1</td>", html)
    assert "Recompute now" not in html  # admins only

    make_account(name="Second KK")
    again = client.get("/sponsorships/results").get_data(as_text=True)
    assert re.search(r"<td>Accounts</td><td>0</td><td>1</td>", again)  # as stored, and says so
    assert "Figures computed at 11/19/26, 10:00" in again


def test_the_first_reader_computes_the_figures_when_none_are_stored(
    app, client, make_user, make_account
):
    make_account(name="Only KK")
    login(client, app, make_user("csm"))
    html = client.get("/sponsorships/results").get_data(as_text=True)
    assert re.search(r"<td>Accounts</td><td>0</td><td>1</td>", html)
    assert "Figures computed at " in html
    with app.app_context():
        stored = db.session.get(snapshots.ProgramSnapshot, snapshots.RESULTS)
        assert stored.computed_at is not None
        assert stored.figures["groups"]["not_sponsored"]["accounts"] == 1


def test_an_admin_recomputes_the_figures_now_and_it_is_audited(
    app, client, make_user, make_account
):
    make_account(name="First KK")
    with app.app_context():
        snapshots.refresh_results(NOW, TODAY)
        db.session.commit()
    make_account(name="Second KK")
    admin, csm = make_user("admin"), make_user("csm")

    other = app.test_client()
    login(other, app, csm)
    assert post(other, "/sponsorships/results/recompute").status_code == 403
    login(client, app, admin)
    assert client.post("/sponsorships/results/recompute").status_code == 400  # no CSRF token
    with app.app_context():
        assert db.session.get(snapshots.ProgramSnapshot, "results").computed_at == NOW

    response = post(client, "/sponsorships/results/recompute")
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The program results are recomputed." in html
    assert re.search(r"<td>Accounts</td><td>0</td><td>2</td>", html)
    assert "Recompute now" in html
    with app.app_context():
        assert db.session.get(snapshots.ProgramSnapshot, "results").computed_at > NOW
        events = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.entity_type == "program_results")
        ).all()
    assert [(e.actor_id, e.action) for e in events] == [(admin, "recompute")]


def test_the_scheduler_job_recomputes_the_figures(app, make_account):
    make_account(name="First KK")
    with app.app_context():
        snapshots.refresh_results(NOW, TODAY)
        db.session.commit()
    make_account(name="Second KK")
    later = NOW + timedelta(minutes=15)
    with app.app_context():
        assert run_job("program_results", later)
        db.session.remove()
        figures, computed_at = snapshots.figures_of(
            db.session.get(snapshots.ProgramSnapshot, "results")
        )
    assert computed_at == later
    assert figures["groups"]["not_sponsored"]["accounts"] == 2


def test_the_page_runs_as_many_queries_for_a_big_book_as_for_a_small_one(
    app, client, make_user, make_account, make_sponsorship, make_escalation
):
    login(client, app, make_user("admin"))

    def queries_of_the_page() -> str:
        post(client, "/sponsorships/results/recompute")
        response = client.get("/sponsorships/results")
        assert response.status_code == 200
        return response.headers["X-SQL-Queries"]

    small_book(app, make_account, make_sponsorship, make_escalation)
    few = queries_of_the_page()
    for n in range(12):
        account = make_account(name=f"More {n}")
        make_sponsorship(account, status=SponsorshipStatus.ACTIVE, started_on=date(2026, 2, n + 1))
        make_escalation(account, created_at=NOW - timedelta(days=n))
    assert queries_of_the_page() == few


def test_figures_keep_their_shape_through_storage(app):
    """by_status keeps its statuses (the template labels them); the rest is JSON as is."""
    figures = {
        "groups": {"sponsored": {"accounts": 1, "renewal_rate": None}},
        "since_entry": {"accounts": 0, "health_change": None, "arr": []},
        "by_status": {status: n for n, status in enumerate(SponsorshipStatus)},
        "average_days": 12.5,
    }
    assert snapshots._from_json(snapshots._to_json(figures)) == figures
