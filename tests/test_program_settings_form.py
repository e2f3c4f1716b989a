"""Program settings: a rule refused in "Add rule" leaves the program form filled from the saved
settings, so "Save program" afterwards saves nothing new."""

import re
from html import unescape
from urllib.parse import urljoin, urlsplit

import pytest

from app.extensions import db
from app.sponsorship.models import ProgramSettings
from tests.conftest import csrf_token, login
from tests.test_admin_conflicts import _FormValues

RESPONSIBILITIES = ["Meet the customer's executive each quarter", "Own the relationship"]
CADENCE = {"strategic": {"executive_call": 3, "business_review": 6}}


@pytest.fixture
def admin(app, client, make_user):
    user_id = make_user("admin", name="Aiko Admin")
    with app.app_context():
        settings = db.session.get(ProgramSettings, 1)
        settings.responsibilities = RESPONSIBILITIES
        settings.required_modules = ["Executive sponsor essentials"]
        settings.cadence_by_tier = CADENCE
        settings.auto_nominate = True
        db.session.commit()
    login(client, app, user_id)
    return user_id


def program_form(page_url: str, html: str) -> tuple[str, dict]:
    """Where the program form on the page posts (resolved as a browser does) and what it
    sends unchanged."""
    form = next(f for f in re.findall(r"<form.*?</form>", html, re.S) if 'name="purpose"' in f)
    action = re.match(r'<form[^>]*action="([^"]*)"', form).group(1)
    parser = _FormValues(action)
    parser.feed(form)
    values = {k: unescape(v).lstrip("\r\n") for k, v in parser.values.items()}
    return urlsplit(urljoin(page_url, unescape(action))).path, values


def test_a_refused_rule_leaves_the_program_form_as_saved(app, client, admin):
    token = csrf_token(client, "/sponsorships/program")
    refused = client.post(
        "/sponsorships/program/criteria", data={"kind": "tier_in", "csrf_token": token}
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Needed for this rule." in html

    target, shown = program_form("http://localhost/sponsorships/program/criteria", html)
    assert target == "/sponsorships/program"
    assert shown["responsibilities"] == "\n".join(RESPONSIBILITIES)
    assert shown["required_modules"] == "Executive sponsor essentials"
    assert not any(value.startswith("[") for value in shown.values())
    assert shown["cadence_strategic_executive_call"] == "3"
    assert shown["cadence_strategic_business_review"] == "6"
    assert shown.get("auto_nominate") == "y"

    # "Save program" from that page goes to the program and changes nothing.
    saved = client.post(target, data=shown)
    assert saved.status_code == 302
    with app.app_context():
        settings = db.session.get(ProgramSettings, 1)
        assert settings.responsibilities == RESPONSIBILITIES
        assert settings.required_modules == ["Executive sponsor essentials"]
        assert settings.cadence_by_tier["strategic"] == CADENCE["strategic"]
        assert settings.auto_nominate is True
