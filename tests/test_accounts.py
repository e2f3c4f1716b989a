"""The account book: create, validate, edit with optimistic locking, contacts, audit, list."""

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import Account, Contact, HealthScoreEntry, TimelineEvent
from app.audit.models import AuditEvent
from app.extensions import db
from tests.conftest import csrf_token, login


def account_form(token, **values):
    data = {
        "name": "株式会社テスト商事",
        "domain": "test-shoji.co.jp",
        "industry": "Trading",
        "tier": "strategic",
        "arr": "120,000,000",
        "currency": "JPY",
        "renewal_date": "2027-03-31",
        "status": "active",
        "health_score": "64",
        "nps": "12",
        "csm_owner_id": "",
        "ae_owner_id": "",
        "notes": "",
        "csrf_token": token,
    }
    return data | values


@pytest.fixture
def csm(app, client, make_user):
    user_id = make_user("csm", name="Sakura CSM")
    login(client, app, user_id)
    return user_id


def test_csm_creates_an_account_they_own(app, client, csm):
    token = csrf_token(client, "/accounts/new")
    response = client.post("/accounts/new", data=account_form(token, csm_owner_id=str(csm)))
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "株式会社テスト商事" in page
    assert "￥120,000,000" in page or "¥120,000,000" in page
    with app.app_context():
        account = db.session.scalars(sa.select(Account)).one()
        assert account.arr_minor == 120_000_000 and account.csm_owner_id == csm
        assert db.session.scalars(sa.select(HealthScoreEntry.score)).all() == [64]
        created = db.session.scalars(sa.select(AuditEvent)).one()
        assert created.action == "create" and created.changes["name"] == [
            None,
            "株式会社テスト商事",
        ]


def test_usd_arr_keeps_cents(app, client, csm):
    token = csrf_token(client, "/accounts/new")
    client.post(
        "/accounts/new",
        data=account_form(
            token, csm_owner_id=str(csm), currency="USD", arr="250000.50", domain="acme.com"
        ),
    )
    with app.app_context():
        assert db.session.scalars(sa.select(Account.arr_minor)).one() == 25_000_050
    assert "$250,000.50" in client.get("/accounts/").get_data(as_text=True)


def test_every_wrong_field_gets_its_own_message_and_nothing_is_saved(app, client, csm):
    token = csrf_token(client, "/accounts/new")
    response = client.post(
        "/accounts/new",
        data=account_form(
            token,
            name="",
            domain="not a domain",
            arr="-5",
            health_score="140",
            nps="abc",
            renewal_date="31/03/2027",
            currency="JPY",
            csm_owner_id=str(csm),
        ),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for message in (
        "This field is required.",
        "Enter a domain such as example.co.jp.",
        "The ARR cannot be negative.",
        "Between 0 and 100.",
        "Enter a whole number such as 80.",
        "Use a date like 2026-04-01 or 2026/04/01.",
    ):
        assert message in html, message
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Account.id))) == 0
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == 0


def test_jpy_refuses_decimals(client, csm):
    token = csrf_token(client, "/accounts/new")
    html = client.post(
        "/accounts/new", data=account_form(token, arr="100.5", csm_owner_id=str(csm))
    ).get_data(as_text=True)
    assert "JPY amounts have no decimals." in html


def test_duplicate_domain_is_refused(client, csm, make_account):
    make_account(domain="taken.co.jp")
    token = csrf_token(client, "/accounts/new")
    response = client.post(
        "/accounts/new",
        data=account_form(token, domain="https://www.TAKEN.co.jp/about", csm_owner_id=str(csm)),
    )
    assert response.status_code == 422
    assert "Another account already uses the domain taken.co.jp." in response.get_data(as_text=True)


def test_csm_must_own_what_they_create(client, csm):
    token = csrf_token(client, "/accounts/new")
    response = client.post("/accounts/new", data=account_form(token, csm_owner_id=""))
    assert response.status_code == 422
    assert "Make yourself the CSM or AE owner" in response.get_data(as_text=True)


def edit(client, account_id, **values):
    page = client.get(f"/accounts/{account_id}/edit").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    token = csrf_token(client, f"/accounts/{account_id}/edit")
    return version, lambda v=None: client.post(
        f"/accounts/{account_id}/edit", data=account_form(token, version=v or version, **values)
    )


def test_edit_records_health_history_timeline_and_audit(app, client, csm, make_account):
    account_id = make_account(csm_owner_id=csm, health_score=70, domain="edit.co.jp")
    _version, save = edit(
        client,
        account_id,
        domain="edit.co.jp",
        health_score="45",
        status="at_risk",
        csm_owner_id=str(csm),
    )
    assert save().status_code == 302
    with app.app_context():
        update = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "update")
        ).one()
        assert update.changes["health_score"] == [70, 45]
        assert update.changes["status"] == ["active", "at_risk"]
        kinds = db.session.scalars(sa.select(TimelineEvent.kind)).all()
        assert sorted(kinds) == ["health_change", "status_change"]
    page = client.get(f"/accounts/{account_id}").get_data(as_text=True)
    assert "Health score 70 → 45" in page
    assert "<del>70</del>" in page and "<ins>45</ins>" in page


def test_second_save_of_the_same_version_is_refused_with_current_values(
    app, client, csm, make_account, make_user
):
    account_id = make_account(csm_owner_id=csm, name="Original", domain="race.co.jp")
    version, mine = edit(
        client, account_id, name="Mine", domain="race.co.jp", csm_owner_id=str(csm)
    )
    other = app.test_client()
    login(other, app, make_user("admin"))
    _v, theirs = edit(other, account_id, name="Theirs", domain="race.co.jp", csm_owner_id=str(csm))
    assert theirs().status_code == 302
    response = mine()
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else changed this record" in html
    assert "Saved value:" in html and "<strong>Theirs</strong>" in html
    assert 'value="Mine"' in html  # the user's own input is kept for them to review
    with app.app_context():
        assert db.session.get(Account, account_id).name == "Theirs"


def test_csm_cannot_edit_an_account_they_do_not_own(client, csm, make_account):
    account_id = make_account()
    assert client.get(f"/accounts/{account_id}/edit").status_code == 403
    assert client.get(f"/accounts/{account_id}").status_code == 200


def test_contacts_add_edit_remove_are_audited(app, client, csm, make_account):
    account_id = make_account(csm_owner_id=csm)
    token = csrf_token(client, f"/accounts/{account_id}/contacts/new")
    response = client.post(
        f"/accounts/{account_id}/contacts/new",
        data={
            "name": "山田 太郎",
            "title": "CIO",
            "email": "yamada@example.co.jp",
            "phone": "",
            "role": "executive",
            "preferred_channel": "email",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    with app.app_context():
        contact = db.session.scalars(sa.select(Contact)).one()
    page = client.get(f"/accounts/{account_id}/contacts/{contact.id}").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    client.post(
        f"/accounts/{account_id}/contacts/{contact.id}",
        data={
            "version": version,
            "name": "山田 太郎",
            "title": "CTO",
            "email": "yamada@example.co.jp",
            "phone": "",
            "role": "executive",
            "preferred_channel": "email",
            "csrf_token": token,
        },
    )
    client.post(f"/accounts/{account_id}/contacts/{contact.id}/delete", data={"csrf_token": token})
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Contact.id))) == 0
        actions = db.session.execute(
            sa.select(AuditEvent.action, AuditEvent.changes)
            .where(AuditEvent.entity_type == "contact")
            .order_by(AuditEvent.id)
        ).all()
    assert [a for a, _c in actions] == ["create", "update", "delete"]
    assert actions[1][1] == {"title": ["CIO", "CTO"]}
    assert "山田 太郎" in client.get(f"/accounts/{account_id}").get_data(as_text=True)  # history


def test_contact_channel_needs_its_detail(client, csm, make_account):
    account_id = make_account(csm_owner_id=csm)
    token = csrf_token(client, f"/accounts/{account_id}/contacts/new")
    html = client.post(
        f"/accounts/{account_id}/contacts/new",
        data={
            "name": "A",
            "email": "bad@",
            "phone": "",
            "role": "user",
            "preferred_channel": "phone",
            "csrf_token": token,
        },
    ).get_data(as_text=True)
    assert "Enter an e-mail address such as name@example.com." in html
    assert "A phone number is needed when the preferred channel is phone." in html


def test_note_goes_to_the_timeline(client, csm, make_account):
    account_id = make_account(csm_owner_id=csm)
    token = csrf_token(client, f"/accounts/{account_id}")
    client.post(
        f"/accounts/{account_id}/notes", data={"body": "QBR went well", "csrf_token": token}
    )
    assert "QBR went well" in client.get(f"/accounts/{account_id}").get_data(as_text=True)


def test_admin_deletes_an_account_and_its_history_stays(
    app, client, make_user, make_account, make_contact
):
    login(client, app, make_user("admin"))
    account_id = make_account(name="Gone KK")
    make_contact(account_id)
    token = csrf_token(client, "/profile")
    assert (
        client.post(f"/accounts/{account_id}/delete", data={"csrf_token": token}).status_code == 302
    )
    with app.app_context():
        assert db.session.get(Account, account_id) is None
        assert db.session.scalar(sa.select(sa.func.count(Contact.id))) == 0
        deleted = db.session.scalars(sa.select(AuditEvent)).one()
        assert deleted.action == "delete" and deleted.changes["name"] == ["Gone KK", None]


def names(client, query=""):
    html = client.get(f"/accounts/?{query}").get_data(as_text=True)
    return re.findall(r'<a href="/accounts/\d+">([^<]+)</a>', html)


def test_list_filters_search_and_sorting(client, csm, make_account, make_user):
    today = date.today()
    make_account(
        name="Alpha KK",
        domain="alpha.jp",
        tier="strategic",
        health_score=20,
        csm_owner_id=csm,
        renewal_date=today + timedelta(days=10),
        arr_minor=5,
    )
    make_account(
        name="Beta Inc",
        domain="beta.com",
        tier="growth",
        health_score=90,
        renewal_date=today + timedelta(days=200),
        arr_minor=9_000_000,
        currency="USD",
    )
    make_account(
        name="Gamma GmbH",
        domain="gamma.de",
        tier="enterprise",
        health_score=55,
        status="at_risk",
        renewal_date=today - timedelta(days=3),
        arr_minor=100,
    )
    assert names(client) == ["Alpha KK", "Beta Inc", "Gamma GmbH"]
    assert names(client, "q=beta.c") == ["Beta Inc"]
    assert names(client, "tier=strategic") == ["Alpha KK"]
    assert names(client, "status=at_risk") == ["Gamma GmbH"]
    assert names(client, "owner=me") == ["Alpha KK"]
    assert names(client, "health=fair") == ["Gamma GmbH"]
    assert names(client, "renewal=30") == ["Alpha KK"]
    assert names(client, "renewal=overdue") == ["Gamma GmbH"]
    assert names(client, "sort=health&direction=desc") == ["Beta Inc", "Gamma GmbH", "Alpha KK"]
    assert names(client, "sort=arr&direction=desc")[0] == "Beta Inc"  # USD 90,000 beats ¥100
    assert names(client, "q=100%25") == []  # % is searched literally
    assert "No accounts match these filters." in client.get("/accounts/?q=zzz").get_data(
        as_text=True
    )


def test_list_is_paginated_and_query_count_does_not_grow(app, client, csm, make_user):
    owners = [make_user("csm"), make_user("ae")]

    def add(count, start):
        with app.app_context():
            db.session.add_all(
                Account(
                    name=f"Acc {i:03d}",
                    domain=f"acc{i}.example.com",
                    tier="growth",
                    arr_minor=i,
                    currency="JPY",
                    csm_owner_id=owners[i % 2],
                    ae_owner_id=owners[1],
                )
                for i in range(start, start + count)
            )
            db.session.commit()

    add(3, 0)
    few = client.get("/accounts/")
    add(60, 3)
    many = client.get("/accounts/")
    third = client.get("/accounts/?page=3")
    assert names(client, "page=3") == [f"Acc {i:03d}" for i in range(50, 63)]
    assert (
        few.headers["X-SQL-Queries"]
        == many.headers["X-SQL-Queries"]
        == third.headers["X-SQL-Queries"]
    )
    # user, ids, rows, owners, unread, the charts' grouped query (app/accounts/charts.py),
    # which gives the list's total too
    assert int(many.headers["X-SQL-Queries"]) <= 6


def test_account_page_query_count_does_not_grow_with_contacts(
    app, client, csm, make_account, make_contact
):
    account_id = make_account(csm_owner_id=csm)
    make_contact(account_id)
    one = client.get(f"/accounts/{account_id}").headers["X-SQL-Queries"]
    for n in range(10):
        make_contact(account_id, name=f"C{n}")
    assert client.get(f"/accounts/{account_id}").headers["X-SQL-Queries"] == one


def test_unknown_account_is_404(client, csm):
    assert client.get("/accounts/999999").status_code == 404


def test_healthz_reports_an_unreachable_database():
    from app import create_app
    from config import TestingConfig

    broken = create_app(
        TestingConfig, SQLALCHEMY_DATABASE_URI="sqlite:////nonexistent-dir/x/y.sqlite"
    )
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "error"
    assert response.get_json()["database"].startswith("unreachable")
