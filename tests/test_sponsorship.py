"""The sponsorship program through the web: nominate, approve with an eligible sponsor,
checklist and plan, exit review and exit, reassignment, settings, results, training."""

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import LifecycleStatus
from app.audit.models import AuditEvent
from app.extensions import db
from app.notifications.models import Notification
from app.sponsorship.models import (
    Criterion,
    ProgramSettings,
    Sponsorship,
    SponsorshipStatus,
    TrainingRecord,
)
from tests.conftest import csrf_token, escalation_form, login, train

MODULES = ["Executive sponsor essentials", "Escalation handling"]


@pytest.fixture
def people(make_user):
    return {
        "admin": make_user("admin", name="Aiko Admin"),
        "csm": make_user("csm", name="Sakura CSM"),
        "exec": make_user("executive", name="Kenji Exec"),
        "rookie": make_user("executive", name="Rookie Exec"),
        "manager": make_user("manager", name="Maria Manager"),
    }


@pytest.fixture
def account(make_account, people):
    return make_account(
        name="株式会社みなと物流",
        csm_owner_id=people["csm"],
        health_score=40,
        nps=10,
        arr_minor=500_000_000,
        tier="strategic",
    )


def post(client, url, **data):
    data["csrf_token"] = csrf_token(client, "/profile")
    return client.post(url, data=data)


def nominate(client, account_id, reason="Renewal at risk after outages"):
    response = post(client, f"/sponsorships/nominate/{account_id}", reason=reason)
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_csm_nominates_with_a_reason_once(app, client, people, account):
    login(client, app, people["csm"])
    empty = post(client, f"/sponsorships/nominate/{account}", reason="")
    assert empty.status_code == 422 and "This field is required." in empty.get_data(as_text=True)
    sid = nominate(client, account)
    again = post(client, f"/sponsorships/nominate/{account}", reason="again")
    assert "already nominated or sponsored" in again.get_data(as_text=True)
    with app.app_context():
        sponsorship = db.session.get(Sponsorship, sid)
        assert sponsorship.status == SponsorshipStatus.NOMINATED
        assert sponsorship.nominated_by_id == people["csm"]
        told = set(db.session.scalars(sa.select(Notification.user_id)))
    assert told == {people["admin"]}
    page = client.get(f"/accounts/{account}").get_data(as_text=True)
    assert "Nominated for executive sponsorship" in page and "Sponsorship: Nominated" in page


def test_executive_escalation_nominates_the_account_automatically(app, client, people, account):
    login(client, app, people["csm"])
    token = csrf_token(client, f"/escalations/new?account_id={account}")
    response = client.post(
        "/escalations/new",
        data=escalation_form(
            account,
            token,
            title="解約の申し出",
            description="来月で解約したい",
            channel="phone",
            category="service_quality",
            severity="high",
            tags="",
            confirmed="1",
            threat_cancellation="y",
        ),
    )
    assert response.status_code == 302
    with app.app_context():
        sponsorship = db.session.scalars(sa.select(Sponsorship)).one()
        assert sponsorship.escalation_id is not None and sponsorship.nominated_by_id is None
        assert "Executive escalation #" in sponsorship.nomination_reason


def test_no_automatic_nomination_when_the_program_turns_it_off(app, client, people, account):
    with app.app_context():
        db.session.get(ProgramSettings, 1).auto_nominate = False
        db.session.commit()
    login(client, app, people["csm"])
    token = csrf_token(client, f"/escalations/new?account_id={account}")
    client.post(
        "/escalations/new",
        data=escalation_form(
            account,
            token,
            title="Lawyer letter",
            description="x",
            category="policy",
            severity="high",
            tags="",
            confirmed="1",
            threat_legal="y",
        ),
    )
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Sponsorship.id))) == 0


def test_approval_needs_an_executive_with_training_and_capacity(
    app, client, people, account, make_account, make_sponsorship
):
    login(client, app, people["csm"])
    sid = nominate(client, account)
    admin = app.test_client()
    login(admin, app, people["admin"])
    today = date.today().isoformat()
    untrained = post(
        admin, f"/sponsorships/{sid}/approve", sponsor_id=str(people["rookie"]), start_on=today
    )
    html = untrained.get_data(as_text=True)
    assert untrained.status_code == 422
    assert (
        "Rookie Exec has not completed the required training: Executive sponsor essentials, "
        "Escalation handling." in html
    )
    not_exec = post(
        admin, f"/sponsorships/{sid}/approve", sponsor_id=str(people["manager"]), start_on=today
    )
    assert not_exec.status_code == 422  # not in the list of executives
    decider = app.test_client()
    login(decider, app, people["exec"])
    train(app, people["exec"])
    make_sponsorship(make_account(), status=SponsorshipStatus.ACTIVE, sponsor_id=people["exec"])
    with app.app_context():
        db.session.get(ProgramSettings, 1).max_active_per_executive = 1
        db.session.commit()
    full = post(
        decider, f"/sponsorships/{sid}/approve", sponsor_id=str(people["exec"]), start_on=today
    )
    assert (
        "Kenji Exec has reached the program&#39;s limit of active sponsorships (1)."
        in full.get_data(as_text=True)
    )
    with app.app_context():
        db.session.get(ProgramSettings, 1).max_active_per_executive = 5
        db.session.commit()
    ok = post(
        decider,
        f"/sponsorships/{sid}/approve",
        sponsor_id=str(people["exec"]),
        start_on="2026-11-22",
    )
    assert ok.status_code == 302
    with app.app_context():
        sponsorship = db.session.get(Sponsorship, sid)
        assert sponsorship.status == SponsorshipStatus.ACTIVE
        assert sponsorship.planned_end_on == date(2027, 11, 22)
        assert sponsorship.baseline["health"] == 40
        assert sponsorship.baseline["arr_minor"] == 500_000_000
        assert len(sponsorship.tasks) == 4
        approval = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "approve")
        ).one()
        assert approval.changes["status"] == ["nominated", "active"]
        assert approval.changes["planned_end_on"] == [None, "2027-11-22"]
    page = client.get(f"/sponsorships/{sid}").get_data(as_text=True)
    assert "Baseline and today" in page and "Kenji Exec" in page


def active_sponsorship(app, client, people, account):
    login(client, app, people["csm"])
    sid = nominate(client, account)
    train(app, people["exec"])
    decider = app.test_client()
    login(decider, app, people["exec"])
    assert (
        post(
            decider,
            f"/sponsorships/{sid}/approve",
            sponsor_id=str(people["exec"]),
            start_on=date.today().isoformat(),
        ).status_code
        == 302
    )
    return sid, decider


def test_sponsor_ticks_the_checklist_and_csm_plans_objectives(app, client, people, account):
    sid, sponsor = active_sponsorship(app, client, people, account)
    with app.app_context():
        task_id = db.session.get(Sponsorship, sid).tasks[0].id
    assert post(client, f"/sponsorships/{sid}/tasks/{task_id}", done="1").status_code == 403
    assert post(sponsor, f"/sponsorships/{sid}/tasks/{task_id}", done="1").status_code == 302
    assert (
        post(
            client,
            f"/sponsorships/{sid}/objectives",
            text="Renew for 3 years",
            metric="Contract term",
            target="36 months",
            due_on="2027-03-31",
        ).status_code
        == 302
    )
    page = client.get(f"/sponsorships/{sid}").get_data(as_text=True)
    assert "Renew for 3 years" in page and re.search(r"done .* by Kenji Exec", page)


def test_review_moves_a_churned_account_to_exit_review_and_the_sponsor_exits_it(
    app, client, people, account
):
    sid, sponsor = active_sponsorship(app, client, people, account)
    with app.app_context():
        from app.accounts.models import Account

        db.session.get(Account, account).status = LifecycleStatus.CHURNED
        db.session.commit()
    admin = app.test_client()
    login(admin, app, people["admin"])
    assert post(admin, "/sponsorships/eligibility/run").status_code == 302
    with app.app_context():
        sponsorship = db.session.get(Sponsorship, sid)
        assert sponsorship.status == SponsorshipStatus.EXIT_REVIEW
        assert [r["kind"] for r in sponsorship.exit_rules] == ["churned"]
    assert "Account churned" in admin.get("/sponsorships/eligibility").get_data(as_text=True)
    no_note = post(
        sponsor,
        f"/sponsorships/{sid}/exit",
        exit_reason="other",
        exit_note="",
        exit_on=date.today().isoformat(),
    )
    assert "Say why the sponsorship ends." in no_note.get_data(as_text=True)
    assert (
        post(
            sponsor,
            f"/sponsorships/{sid}/exit",
            exit_reason="criteria_met",
            exit_on=date.today().isoformat(),
        ).status_code
        == 302
    )
    with app.app_context():
        sponsorship = db.session.get(Sponsorship, sid)
        assert sponsorship.status == SponsorshipStatus.EXITED
        actions = db.session.scalars(
            sa.select(AuditEvent.action)
            .where(AuditEvent.entity_type == "sponsorship")
            .order_by(AuditEvent.id)
        ).all()
    assert actions == ["nominate", "approve", "exit_review", "exit"]
    assert "Sponsorship ended (Exit criteria met)" in client.get(f"/accounts/{account}").get_data(
        as_text=True
    )


def test_deactivating_a_sponsor_lists_their_sponsorships_and_tells_admins(
    app, client, people, account
):
    sid, _sponsor = active_sponsorship(app, client, people, account)
    admin = app.test_client()
    login(admin, app, people["admin"])
    response = post(admin, f"/admin/users/{people['exec']}/active", active="0")
    assert response.headers["Location"].endswith(f"/sponsorships/?sponsor={people['exec']}")
    page = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "Deactivated: reassign" in page and "株式会社みなと物流" in page
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count(Notification.id)).where(
                    Notification.kind == "sponsor_deactivated",
                    Notification.user_id == people["admin"],
                )
            )
            == 1
        )
    train(app, people["rookie"])
    assert (
        post(admin, f"/sponsorships/{sid}/sponsor", sponsor_id=str(people["rookie"])).status_code
        == 302
    )
    with app.app_context():
        assert db.session.get(Sponsorship, sid).sponsor_id == people["rookie"]


def test_admin_edits_criteria_and_the_review_lists_candidates_by_rule(
    app, client, people, account, make_account
):
    make_account(name="Growth Co", tier="growth", health_score=90)
    login(client, app, people["admin"])
    bad = post(client, "/sponsorships/program/criteria", kind="tier_in")
    assert "Needed for this rule." in bad.get_data(as_text=True)
    with app.app_context():
        for criterion in db.session.scalars(sa.select(Criterion)):
            criterion.active = False
        db.session.commit()
    assert (
        post(
            client, "/sponsorships/program/criteria", kind="tier_in", tiers="strategic"
        ).status_code
        == 302
    )
    html = client.get("/sponsorships/eligibility").get_data(as_text=True)
    assert "株式会社みなと物流" in html and "Growth Co" not in html
    assert "Tier" in html


def test_program_results_compare_sponsored_and_not(app, client, people, account, make_account):
    make_account(name="Plain KK")
    active_sponsorship(app, client, people, account)
    html = client.get("/sponsorships/results").get_data(as_text=True)
    assert "Sponsored and not sponsored accounts" in html
    assert re.search(r"<td>Accounts</td><td>1</td><td>1</td>", html)


def test_executive_page_shows_missing_training_and_records_it(app, client, people):
    login(client, app, people["rookie"])
    page = client.get(f"/sponsorships/executives/{people['rookie']}").get_data(as_text=True)
    assert "has not completed the required training" in page
    assert (
        post(
            client,
            f"/sponsorships/executives/{people['rookie']}/training",
            module=MODULES[0],
            completed_on="2026-11-01",
        ).status_code
        == 302
    )
    other = post(
        client,
        f"/sponsorships/executives/{people['exec']}/training",
        module=MODULES[0],
        completed_on="2026-11-01",
    )
    assert other.status_code == 403
    with app.app_context():
        assert db.session.scalars(
            sa.select(TrainingRecord.module).where(TrainingRecord.user_id == people["rookie"])
        ).all() == [MODULES[0]]


def test_sponsorship_page_query_count_does_not_grow(app, client, people, account):
    sid, sponsor = active_sponsorship(app, client, people, account)
    post(client, f"/sponsorships/{sid}/objectives", text="first")
    before = client.get(f"/sponsorships/{sid}").headers["X-SQL-Queries"]
    for n in range(5):
        post(
            client,
            f"/sponsorships/{sid}/objectives",
            text=f"objective {n}",
            due_on=(date.today() + timedelta(days=n)).isoformat(),
        )
    assert client.get(f"/sponsorships/{sid}").headers["X-SQL-Queries"] == before


def test_one_click_nomination_from_the_review_carries_the_rules_as_reason(
    app, client, people, account
):
    login(client, app, people["csm"])
    html = client.get("/sponsorships/eligibility").get_data(as_text=True)
    reason = re.search(r'name="reason" value="([^"]+)"', html).group(1)
    assert reason.startswith("Meets the entry criteria: ")
    response = post(client, f"/sponsorships/nominate/{account}", reason=reason)
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalars(sa.select(Sponsorship.nomination_reason)).one() == reason


def test_results_show_arr_and_health_change_over_a_year(app, client, people, make_account):
    from datetime import UTC, datetime

    from app.accounts.models import ArrEntry, HealthScoreEntry

    grown = make_account(name="Grown KK", arr_minor=1_200_000, health_score=80)
    shrunk = make_account(name="Shrunk KK", arr_minor=900_000, health_score=50)
    then = datetime.now(UTC) - timedelta(days=400)
    with app.app_context():
        for account_id, arr, health in ((grown, 1_000_000, 60), (shrunk, 1_000_000, 70)):
            db.session.add(
                ArrEntry(account_id=account_id, arr_minor=arr, currency="JPY", recorded_at=then)
            )
            db.session.add(HealthScoreEntry(account_id=account_id, score=health, recorded_at=then))
        db.session.commit()
    login(client, app, people["manager"])
    html = client.get("/sponsorships/results").get_data(as_text=True)
    # Neither is sponsored: (+20% - 10%) / 2 = +5.0%; health (+20 - 20) / 2 = 0.0
    row = re.search(r"ARR change over the last year.*?</tr>", html, re.S).group(0)
    assert "+5.0%" in row


def test_the_sponsor_hears_about_escalations_on_their_account(app, client, people, account):
    active_sponsorship(app, client, people, account)
    token = csrf_token(client, f"/escalations/new?account_id={account}")
    client.post(
        "/escalations/new",
        data={
            "account_id": str(account),
            "title": "Outage",
            "description": "Down since noon",
            "channel": "phone",
            "category": "technical",
            "severity": "critical",
            "tags": "",
            "reason": "relationship_risk",
            "requested_by": "customer",
            "confirmed": "1",
            "csrf_token": token,
        },
    )
    with app.app_context():
        told = set(
            db.session.scalars(sa.select(Notification.user_id).where(Notification.kind == "raised"))
        )
    assert people["exec"] in told


def test_in_app_notification_about_a_nomination_opens_it(app, client, people, account):
    login(client, app, people["csm"])
    sid = nominate(client, account)
    admin = app.test_client()
    login(admin, app, people["admin"])
    html = admin.get("/notifications/").get_data(as_text=True)
    assert f'href="/sponsorships/{sid}"' in html


def sponsor_options(html: str) -> list[tuple[str, bool]]:
    """(value, selected) of each choice in the approval form's sponsor list."""
    select = re.search(r'<select[^>]*name="sponsor_id"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [
        (value, "selected" in attributes)
        for attributes, value in re.findall(r'<option([^>]*?)value="([^"]*)"', select)
    ]


def test_an_executive_approves_only_as_the_sponsor_themself(app, client, people, account):
    login(client, app, people["csm"])
    sid = nominate(client, account)
    train(app, people["exec"])
    train(app, people["rookie"])
    decider = app.test_client()
    login(decider, app, people["exec"])
    page = decider.get(f"/sponsorships/{sid}").get_data(as_text=True)
    assert sponsor_options(page) == [(str(people["exec"]), True)]
    assert "Rookie Exec" not in page
    today = date.today().isoformat()
    refused = post(
        decider, f"/sponsorships/{sid}/approve", sponsor_id=str(people["rookie"]), start_on=today
    )
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert "You approve as the sponsor yourself; only an admin can name another executive." in html
    assert sponsor_options(html) == [(str(people["exec"]), True)]
    with app.app_context():
        sponsorship = db.session.get(Sponsorship, sid)
        assert sponsorship.status == SponsorshipStatus.NOMINATED
        assert sponsorship.sponsor_id is None
    admin = app.test_client()
    login(admin, app, people["admin"])
    offered = {
        value for value, _selected in sponsor_options(admin.get(f"/sponsorships/{sid}").text)
    }
    assert {str(people["exec"]), str(people["rookie"])} <= offered
    approved = post(
        admin, f"/sponsorships/{sid}/approve", sponsor_id=str(people["rookie"]), start_on=today
    )
    assert approved.status_code == 302
    with app.app_context():
        assert db.session.get(Sponsorship, sid).sponsor_id == people["rookie"]
