"""Two people edit the same record: the second save is refused with a conflict page that shows
what the first one saved beside the form, keeps the second person's input and writes nothing."""

import re

import pytest
import sqlalchemy as sa

from app.accounts.models import Account, Contact
from app.audit.models import AuditEvent
from app.auth.models import User
from app.escalations.models import Escalation
from app.extensions import db
from tests.conftest import csrf_token, login
from tests.test_accounts import account_form

CONFLICT = "Someone else changed this record while you were editing it. Nothing was saved."


@pytest.fixture
def two_sessions(app):
    """Two browsers, each signed in as its own user."""

    def sign_in(first_user, second_user):
        first, second = app.test_client(), app.test_client()
        login(first, app, first_user)
        login(second, app, second_user)
        return first, second

    return sign_in


def open_form(client, url) -> dict:
    """What the page's form sends when nothing is changed: the version and the CSRF token."""
    html = client.get(url).get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', html).group(1)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    return {"version": version, "csrf_token": token}


def saved_value_beside(html: str, field_id: str) -> str | None:
    """The "Saved value" shown in the same form field block as the input with this id."""
    for block in re.split(r'<div class="field ', html)[1:]:
        if f'id="{field_id}"' in block:
            found = re.search(r"Saved value: <strong>(.*?)</strong>", block)
            return found.group(1) if found else None
    raise AssertionError(f"no field {field_id} on the page")


def updates(app, kind: str, record_id: int) -> int:
    with app.app_context():
        return db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(
                AuditEvent.entity_type == kind,
                AuditEvent.entity_id == record_id,
                AuditEvent.action == "update",
            )
        )


def test_escalation_edited_by_two_people(app, make_user, make_account, two_sessions):
    csm = make_user("csm", name="Sakura CSM")
    manager = make_user("manager", name="Maria Manager")
    account = make_account(csm_owner_id=csm)
    first, second = two_sessions(csm, manager)
    token = csrf_token(first, f"/escalations/new?account_id={account}")
    fields = {
        "confirmed": "1",
        "title": "Invoices fail",
        "description": "Since Monday.",
        "channel": "email",
        "category": "technical",
        "severity": "medium",
        "tags": "billing, invoices",
        "promised_at": "2027-01-05T10:00",
        "reason": "repeated_failures",
        "requested_by": "internal",
    }
    raised = first.post(
        "/escalations/new", data=fields | {"account_id": str(account), "csrf_token": token}
    )
    eid = int(raised.headers["Location"].rsplit("/", 1)[1])
    url = f"/escalations/{eid}/edit"
    first_form, second_form = open_form(first, url), open_form(second, url)

    saved = first.post(url, data=fields | first_form | {"title": "First", "severity": "high"})
    assert saved.status_code == 302
    refused = second.post(
        url, data=fields | second_form | {"title": "Second", "description": "Theirs."}
    )

    html = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert CONFLICT in html
    assert saved_value_beside(html, "title") == "First"
    assert saved_value_beside(html, "severity") == "High"
    assert saved_value_beside(html, "description") == "Since Monday."
    assert saved_value_beside(html, "tags") is None  # unchanged values are not flagged
    assert saved_value_beside(html, "promised_at") is None
    assert 'value="Second"' in html  # their own input is kept to review
    with app.app_context():
        escalation = db.session.get(Escalation, eid)
        assert (escalation.title, escalation.description) == ("First", "Since Monday.")
    assert updates(app, "escalation", eid) == 1


def test_account_with_a_changed_domain_edited_by_two_people(
    app, make_user, make_account, two_sessions
):
    csm = make_user("csm", name="Sakura CSM")
    admin = make_user("admin", name="Ada Admin")
    account = make_account(csm_owner_id=csm, name="Old name", domain="old.co.jp")
    first, second = two_sessions(csm, admin)
    url = f"/accounts/{account}/edit"
    first_form, second_form = open_form(first, url), open_form(second, url)
    owner = {"csm_owner_id": str(csm)}

    saved = first.post(
        url,
        data=account_form("", name="Old name", domain="new.co.jp", **owner) | first_form,
    )
    assert saved.status_code == 302
    refused = second.post(
        url,
        data=account_form("", name="Second", domain="old.co.jp", nps="-50", **owner) | second_form,
    )

    html = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert CONFLICT in html
    assert saved_value_beside(html, "domain") == "new.co.jp"
    assert saved_value_beside(html, "name") == "Old name"
    assert 'value="Second"' in html
    with app.app_context():
        saved_account = db.session.get(Account, account)
        assert saved_account.domain == "new.co.jp"
        assert saved_account.name == "Old name" and saved_account.nps == 12
    assert updates(app, "account", account) == 1


def test_contact_edited_by_two_people(app, make_user, make_account, make_contact, two_sessions):
    csm = make_user("csm", name="Sakura CSM")
    ae = make_user("ae", name="David AE")
    account = make_account(csm_owner_id=csm, ae_owner_id=ae)
    contact = make_contact(account, name="Hanako Sato", title="CIO")
    first, second = two_sessions(csm, ae)
    url = f"/accounts/{account}/contacts/{contact}"
    first_form, second_form = open_form(first, url), open_form(second, url)
    fields = {
        "name": "Hanako Sato",
        "title": "CIO",
        "email": "hanako@example.co.jp",
        "phone": "",
        "role": "executive",
        "preferred_channel": "email",
    }

    saved = first.post(url, data=fields | first_form | {"title": "CTO"})
    assert saved.status_code == 302
    refused = second.post(
        url, data=fields | second_form | {"name": "Hanako Suzuki", "phone": "03-1234-5678"}
    )

    html = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert CONFLICT in html
    assert saved_value_beside(html, "title") == "CTO"
    assert saved_value_beside(html, "name") == "Hanako Sato"
    assert 'value="Hanako Suzuki"' in html
    assert "Remove contact" in html  # the page is whole, its remove button included
    with app.app_context():
        saved_contact = db.session.get(Contact, contact)
        assert (saved_contact.name, saved_contact.title, saved_contact.phone) == (
            "Hanako Sato",
            "CTO",
            "",
        )
    assert updates(app, "contact", contact) == 1


def test_user_edited_by_two_admins(app, make_user, two_sessions):
    person = make_user("csm", name="Aiko Tanaka", email="aiko@example.test")
    first, second = two_sessions(make_user("admin"), make_user("admin"))
    url = f"/admin/users/{person}"
    first_form, second_form = open_form(first, url), open_form(second, url)
    fields = {"email": "aiko@example.test", "name": "Aiko Tanaka", "locale": "en", "password": ""}

    saved = first.post(url, data=fields | first_form | {"name": "Aiko Sato", "roles": ["csm"]})
    assert saved.status_code == 302
    refused = second.post(
        url, data=fields | second_form | {"name": "Aiko T.", "roles": ["csm", "ae"]}
    )

    html = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert CONFLICT in html
    assert saved_value_beside(html, "name") == "Aiko Sato"
    with app.app_context():
        user = db.session.get(User, person)
        assert user.name == "Aiko Sato" and {r.value for r in user.roles} == {"csm"}


def test_own_profile_edited_in_two_browsers(app, make_user, two_sessions):
    person = make_user("csm", name="Aiko Tanaka")
    first, second = two_sessions(person, person)
    first_form, second_form = open_form(first, "/profile"), open_form(second, "/profile")
    fields = {"locale": "en", "current_password": "", "new_password": "", "confirm_password": ""}

    assert (
        first.post("/profile", data=fields | first_form | {"name": "Aiko Sato"}).status_code == 302
    )
    refused = second.post("/profile", data=fields | second_form | {"name": "Aiko T."})

    html = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert CONFLICT in html
    assert saved_value_beside(html, "name") == "Aiko Sato"
    with app.app_context():
        assert db.session.get(User, person).name == "Aiko Sato"
