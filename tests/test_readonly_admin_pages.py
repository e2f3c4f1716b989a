"""Every signed-in role reads the users, SLA policies, reply templates and program settings
(SPEC: everyone reads everything), without a form to change them; admins still edit."""

import re

import pytest
import sqlalchemy as sa

from app.escalations.models import ReplyTemplate, Severity, SlaPolicy
from app.extensions import db
from app.sponsorship.models import ProgramSettings
from tests.conftest import csrf_token, login

READERS = ["csm", "ae", "manager", "executive"]


def forms_posting(html: str) -> list[str]:
    """The actions of the page's POST forms, besides signing out in the header."""
    actions = re.findall(r'<form method="post" action="([^"]*)"', html)
    return [action for action in actions if action != "/logout"]


@pytest.fixture
def reader(app, client, make_user, request):
    login(client, app, make_user(request.param))
    return client


@pytest.mark.parametrize("reader", READERS, indirect=True)
def test_a_reader_sees_the_sla_policy_they_work_to_without_a_form(app, reader):
    with app.app_context():
        policy = db.session.scalar(sa.select(SlaPolicy).where(SlaPolicy.severity == Severity.HIGH))
        policy.first_response_minutes, policy.resolution_minutes = 45, 150
        policy.calendar.week = [[["09:00", "18:00"]]] * 5 + [[], [["00:00", "00:00"]]]
        db.session.commit()
        calendar_id = policy.calendar_id
        policy_id = policy.id
    listing = reader.get("/admin/sla-policies").get_data(as_text=True)
    assert f'href="/admin/sla-policies/{policy_id}"' in listing
    page = reader.get(f"/admin/sla-policies/{policy_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "SLA policy: High" in html and "Asia/Tokyo" in html
    assert re.search(r"First response</dt><dd>45 min<", html)
    assert re.search(r"Resolution target</dt><dd>2 h 30 min<", html)
    assert f'href="/admin/calendars/{calendar_id}">Office hours (Asia/Tokyo)<' in html
    assert re.search(r"Monday</th><td>09:00–18:00", html)
    assert re.search(r"Saturday</th><td>Closed", html)
    assert re.search(r"Sunday</th><td>Open all day", html)
    assert forms_posting(html) == [] and "Save policy" not in html


@pytest.mark.parametrize("reader", READERS, indirect=True)
def test_a_reader_sees_a_reply_template_without_a_form(app, reader):
    with app.app_context():
        template = db.session.scalars(sa.select(ReplyTemplate)).first()
        template_id, body_start = template.id, template.body.split("\n")[0][:30]
    assert f'href="/admin/reply-templates/{template_id}"' in reader.get(
        "/admin/reply-templates"
    ).get_data(as_text=True)
    html = reader.get(f"/admin/reply-templates/{template_id}").get_data(as_text=True)
    assert body_start in html.replace("&#39;", "'")
    assert forms_posting(html) == [] and "<textarea" not in html and "Save template" not in html


@pytest.mark.parametrize("reader", READERS, indirect=True)
def test_a_reader_sees_the_program_and_its_criteria_without_forms(app, reader):
    with app.app_context():
        settings = db.session.get(ProgramSettings, 1)
        settings.purpose = "Keep our largest customers."
        settings.max_active_per_executive = 7
        db.session.commit()
    html = reader.get("/sponsorships/program").get_data(as_text=True)
    assert "Keep our largest customers." in html
    assert re.search(r"Maximum active sponsorships per executive</dt>\s*<dd[^>]*>7<", html)
    assert "Executive sponsor essentials" in html  # a required training module
    assert "Entry and exit criteria" in html and "<li>" in html
    assert forms_posting(html) == []
    assert "Save program" not in html and "Add a rule" not in html
    assert 'href="/sponsorships/program"' in reader.get("/sponsorships/").get_data(as_text=True)


@pytest.mark.parametrize("reader", READERS, indirect=True)
def test_a_reader_sees_users_names_roles_and_status_only(app, reader, make_user):
    someone = make_user("executive", "manager", name="Kenji Exec", email="kenji@example.test")
    make_user("ae", name="Gone Away", email="gone@example.test", active=False)
    listing = reader.get("/admin/users").get_data(as_text=True)
    assert "Kenji Exec" in listing and "Gone Away" in listing and "Deactivated" in listing
    assert "kenji@example.test" not in listing and "New user" not in listing
    assert "Kenji Exec" not in reader.get("/admin/users?q=kenji@").get_data(as_text=True)
    page = reader.get(f"/admin/users/{someone}").get_data(as_text=True)
    assert "Kenji Exec" in page and "Executive" in page and "Manager" in page and "Active" in page
    assert "kenji@example.test" not in page and 'type="password"' not in page
    assert "Audit history" not in page and forms_posting(page) == []


def test_readers_cannot_save_and_admins_still_edit(app, client, make_user):
    with app.app_context():
        policy_id = db.session.scalars(sa.select(SlaPolicy.id)).first()
    login(client, app, make_user("manager"))
    token = csrf_token(client, "/profile")
    refused = client.post(
        f"/admin/sla-policies/{policy_id}", data={"csrf_token": token, "calendar_id": "1"}
    )
    assert refused.status_code == 403
    admin = app.test_client()
    login(admin, app, make_user("admin"))
    html = admin.get(f"/admin/sla-policies/{policy_id}").get_data(as_text=True)
    assert forms_posting(html) == [""] and 'name="first_response-hours"' in html
    html = admin.get("/sponsorships/program").get_data(as_text=True)
    assert "Save program" in html and "Add a rule" in html
    assert "Audit history" in admin.get(f"/admin/users/{make_user('csm')}").get_data(as_text=True)
