"""Input a user can type or send that used to end in a server error (issue 7)."""

import sqlalchemy as sa

from app.escalations.models import Escalation
from app.extensions import db
from app.sponsorship.models import Sponsorship, SponsorshipStatus
from tests.conftest import csrf_token, escalation_form, login, train


def _intake(account_id, token, **values):
    """An executive escalation (a cancellation threat, confirmed)."""
    return escalation_form(
        account_id,
        token,
        title="Cancellation threatened",
        description="They will cancel the contract.",
        severity="high",
        tags="renewal",
        threat_cancellation="y",
        confirmed="1",
        **values,
    )


def test_arr_at_risk_of_only_spaces_means_the_accounts_arr(app, client, make_user, make_account):
    csm = make_user("csm")
    account = make_account(csm_owner_id=csm, arr_minor=50_000_000, currency="JPY")
    login(client, app, csm)
    token = csrf_token(client, f"/escalations/new?account_id={account}")
    response = client.post("/escalations/new", data=_intake(account, token, arr_at_risk="   "))
    assert response.status_code == 302
    with app.app_context():
        escalation = db.session.scalars(sa.select(Escalation)).one()
        assert escalation.arr_at_risk_minor == 50_000_000


def test_an_intake_without_a_tags_field_is_saved_without_tags(app, client, make_user, make_account):
    csm = make_user("csm")
    account = make_account(csm_owner_id=csm)
    login(client, app, csm)
    token = csrf_token(client, f"/escalations/new?account_id={account}")
    data = _intake(account, token)
    del data["tags"]
    response = client.post("/escalations/new", data=data)
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalars(sa.select(Escalation)).one().tags == []


def test_an_approval_starting_in_year_9999_is_refused_next_to_the_date(
    app, client, make_user, make_account, make_sponsorship
):
    csm, admin, executive = make_user("csm"), make_user("admin"), make_user("executive")
    account = make_account(csm_owner_id=csm)
    train(app, executive, by=admin)
    sid = make_sponsorship(
        account, status=SponsorshipStatus.NOMINATED, nominated_by_id=csm, nomination_reason="x"
    )
    login(client, app, admin)
    response = client.post(
        f"/sponsorships/{sid}/approve",
        data={
            "sponsor_id": str(executive),
            "start_on": "9999-12-31",
            "csrf_token": csrf_token(client, "/profile"),
        },
    )
    assert response.status_code == 422
    assert "Enter a date between" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Sponsorship, sid).status == SponsorshipStatus.NOMINATED
