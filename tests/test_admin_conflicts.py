"""Two admins edit the same SLA policy, business calendar, reply template or program
settings: the second save is refused with the conflict page showing what the first saved, and
writes nothing."""

from html import unescape
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from app.escalations.models import ReplyTemplate, Severity, SlaPolicy, WorkCalendar
from app.extensions import db
from app.sponsorship.models import ProgramSettings
from tests.conftest import login


class _FormValues(HTMLParser):
    """What a browser would send from the page's first form posting to `action`."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside, self.values = action, False, {}
        self._textarea = self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("method") == "post" and attrs.get("action", "") in (
                "",
                self.action,
            )
        elif not self.inside or (tag not in ("input", "textarea", "select", "option")):
            return
        elif tag == "input" and attrs.get("name"):
            if attrs.get("type") != "checkbox" or "checked" in attrs:
                self.values.setdefault(attrs["name"], attrs.get("value", ""))
        elif tag == "textarea":
            self._textarea = attrs["name"]
            self.values[self._textarea] = ""
        elif tag == "select":
            self._select = attrs["name"]
        elif tag == "option" and self._select and "selected" in attrs:
            self.values[self._select] = attrs.get("value", "")

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


def open_form(client, url: str) -> dict:
    """GET the edit page and return the form as it would be sent unchanged."""
    response = client.get(url)
    assert response.status_code == 200
    parser = _FormValues(url)
    parser.feed(response.get_data(as_text=True))
    assert "csrf_token" in parser.values and "version" in parser.values
    return {k: unescape(v).lstrip("\r\n") for k, v in parser.values.items()}


@pytest.fixture
def two_admins(app, make_user):
    first, second = app.test_client(), app.test_client()
    login(first, app, make_user("admin", name="First Admin"))
    login(second, app, make_user("admin", name="Second Admin"))
    return first, second


def saved_value(html: str, value: str) -> bool:
    return f"Saved value: <strong>{value}</strong>" in html


def test_second_save_of_an_sla_policy_shows_the_first_and_writes_nothing(app, two_admins):
    first, second = two_admins
    with app.app_context():
        policy_id = db.session.scalar(
            sa.select(SlaPolicy.id).where(SlaPolicy.severity == Severity.HIGH)
        )
        calendar_id = db.session.get(SlaPolicy, policy_id).calendar_id
        other_calendar = db.session.scalar(
            sa.select(WorkCalendar.id).where(WorkCalendar.id != calendar_id)
        )
    url = f"/admin/sla-policies/{policy_id}"
    mine, theirs = open_form(first, url), open_form(second, url)
    assert (mine["first_response-hours"], mine["first_response-minutes"]) == ("4", "0")
    mine.update({"first_response-hours": "0", "first_response-minutes": "45"})
    assert first.post(url, data=mine).status_code == 302
    theirs.update({"first_response-hours": "1", "first_response-minutes": "30"})
    theirs["calendar_id"] = str(other_calendar)
    response = second.post(url, data=theirs)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Someone else changed this record while you were editing it." in html
    assert saved_value(html, "45 min")  # the saved target as people read it
    assert saved_value(html, "Office hours (Asia/Tokyo)")  # the saved calendar, by name
    assert "Saved value: <strong>{" not in html  # values as the form shows them, not dicts
    with app.app_context():
        policy = db.session.get(SlaPolicy, policy_id)
        assert (policy.first_response_minutes, policy.calendar_id) == (45, calendar_id)


def test_second_save_of_a_reply_template_shows_the_first_and_writes_nothing(app, two_admins):
    first, second = two_admins
    with app.app_context():
        template_id = db.session.scalars(sa.select(ReplyTemplate.id)).first()
    url = f"/admin/reply-templates/{template_id}"
    mine, theirs = open_form(first, url), open_form(second, url)
    mine.update(name="Apology, first version")
    assert first.post(url, data=mine).status_code == 302
    theirs.update(name="Apology, second version", body="Second body about {title}")
    response = second.post(url, data=theirs)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert saved_value(html, "Apology, first version")
    with app.app_context():
        template = db.session.get(ReplyTemplate, template_id)
        assert template.name == "Apology, first version"
        assert template.body != "Second body about {title}"


def test_second_save_of_the_program_settings_shows_the_first_and_writes_nothing(app, two_admins):
    first, second = two_admins
    url = "/sponsorships/program"
    mine, theirs = open_form(first, url), open_form(second, url)
    mine.update(default_term_months="24", required_modules="Essentials\nListening")
    assert first.post(url, data=mine).status_code == 302
    theirs.update(default_term_months="6", required_modules="Other module")
    response = second.post(url, data=theirs)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert saved_value(html, "24")
    assert "Essentials" in html and "Listening" in html
    assert "Saved value: <strong>[" not in html
    with app.app_context():
        settings = db.session.get(ProgramSettings, 1)
        assert settings.default_term_months == 24
        assert settings.required_modules == ["Essentials", "Listening"]


def test_second_save_of_a_business_calendar_shows_the_first_and_writes_nothing(app, two_admins):
    first, second = two_admins
    with app.app_context():
        calendar_id = db.session.scalar(
            sa.select(WorkCalendar.id).where(WorkCalendar.name == "Office hours (Asia/Tokyo)")
        )
    url = f"/admin/calendars/{calendar_id}"
    mine, theirs = open_form(first, url), open_form(second, url)
    assert (mine["monday-start_1"], mine["monday-end_1"]) == ("09:00", "18:00")
    mine.update({"monday-end_1": "12:00", "monday-start_2": "13:00", "monday-end_2": "18:00"})
    assert first.post(url, data=mine).status_code == 302
    theirs.update({"name": "Head office", "tuesday-start_1": "10:00", "country": "JP"})
    response = second.post(url, data=theirs)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert saved_value(html, "Office hours (Asia/Tokyo)")
    assert saved_value(html, "09:00–12:00, 13:00–18:00")  # Monday as the first saved it
    assert saved_value(html, "09:00–18:00")  # Tuesday, left as it was
    assert saved_value(html, "No public holidays")
    with app.app_context():
        calendar = db.session.get(WorkCalendar, calendar_id)
        assert calendar.name == "Office hours (Asia/Tokyo)" and calendar.country is None
        assert calendar.week[0] == [["09:00", "12:00"], ["13:00", "18:00"]]
        assert calendar.week[1] == [["09:00", "18:00"]]


def test_an_sla_policy_sent_unchanged_saves_and_moves_no_clock(app, two_admins):
    admin, _other = two_admins
    with app.app_context():
        policy_id = db.session.scalars(sa.select(SlaPolicy.id)).first()
    url = f"/admin/sla-policies/{policy_id}"
    response = admin.post(url, data=open_form(admin, url))
    assert response.status_code == 302
    html = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "SLA policy saved. No running clock needed re-planning." in html
    with app.app_context():
        assert db.session.get(SlaPolicy, policy_id).version == 1  # nothing changed
