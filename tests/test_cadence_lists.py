"""Cadences are chosen from lists (issue 14): the program's touchpoint cadence per tier, a
sponsorship's own, and the health update cadence. A stored number the list lacks stays on
offer, so saving the page unchanged keeps it; any other value is refused next to its field,
never with a server error."""

import re

import pytest
import sqlalchemy as sa

from app.escalations.models import Health, HealthCadence
from app.extensions import db
from app.sponsorship.models import ProgramSettings, Sponsorship, SponsorshipStatus
from tests.conftest import csrf_token, login
from tests.test_program_settings_form import program_form

MONTHS = [
    ("", "None"),
    ("1", "Every month"),
    ("2", "Every 2 months"),
    ("3", "Every quarter"),
    ("4", "Every 4 months"),
    ("6", "Every 6 months"),
    ("12", "Every year"),
]
HOURS = [
    ("", "None"),
    ("4", "Every 4 hours"),
    ("8", "Every 8 hours"),
    ("12", "Every 12 hours"),
    ("24", "Every day (24 hours)"),
    ("48", "Every 2 days (48 hours)"),
    ("72", "Every 3 days (72 hours)"),
    ("168", "Every week (168 hours)"),
]


def options(html: str, name: str) -> list[tuple[str, str]]:
    """The (value, label) options of the select `name`."""
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no select {name}"
    return re.findall(r'<option(?: selected)? value="([^"]*)">([^<]*)</option>', select.group(1))


def selected(html: str, name: str) -> str:
    select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    found = re.findall(r'<option selected value="([^"]*)">', select)
    assert len(found) == 1, select
    return found[0]


def error_of(html: str, field_id: str) -> str:
    """The error shown next to the field (its aria-describedby target), "" when none."""
    found = re.search(
        rf'<div id="{field_id}-error"><p class="error" role="alert">([^<]*)</p>', html
    )
    return found.group(1) if found else ""


def set_program(app, cadence_by_tier):
    with app.app_context():
        db.session.get(ProgramSettings, 1).cadence_by_tier = cadence_by_tier
        db.session.commit()


def program(app) -> dict:
    with app.app_context():
        return db.session.get(ProgramSettings, 1).cadence_by_tier


# The program's cadence per tier ----------------------------------------------------------


def test_the_program_offers_the_usual_cadences_and_keeps_an_unusual_stored_one(
    app, client, make_user
):
    set_program(app, {"strategic": {"executive_call": 5, "business_review": 3}})
    login(client, app, make_user("admin"))
    html = client.get("/sponsorships/program").get_data(as_text=True)
    assert options(html, "cadence_growth_executive_call") == MONTHS
    unusual = options(html, "cadence_strategic_executive_call")
    assert unusual == MONTHS[:5] + [("5", "Every 5 months")] + MONTHS[5:]
    assert selected(html, "cadence_strategic_executive_call") == "5"
    assert selected(html, "cadence_strategic_business_review") == "3"
    assert selected(html, "cadence_growth_business_review") == ""
    assert 'class="field field-numberchoicefield' in html  # drawn by the forms macro

    # Saved unchanged: the 5 months stay.
    target, values = program_form("http://localhost/sponsorships/program", html)
    values["csrf_token"] = csrf_token(client, "/sponsorships/program")
    assert client.post(target, data=values).status_code == 302
    assert program(app)["strategic"] == {"executive_call": 5, "business_review": 3}

    # Once changed to a usual cadence, 5 months is no longer on offer.
    values["cadence_strategic_executive_call"] = "6"
    values["version"] = str(int(values["version"]) + 1)
    assert client.post(target, data=values).status_code == 302
    values["cadence_strategic_executive_call"] = "5"
    values["version"] = str(int(values["version"]) + 1)
    refused = client.post(target, data=values)
    assert refused.status_code == 422
    assert "Pick a cadence from the list." in refused.get_data(as_text=True)
    assert program(app)["strategic"] == {"executive_call": 6, "business_review": 3}


@pytest.mark.parametrize("sent", ["5", "13", "-1", "abc", "1e3", "99999999999999", "<b>"])
def test_the_program_refuses_a_cadence_not_on_the_list(app, client, make_user, sent):
    login(client, app, make_user("admin"))
    html = client.get("/sponsorships/program").get_data(as_text=True)
    target, values = program_form("http://localhost/sponsorships/program", html)
    values.update(cadence_growth_business_review=sent, csrf_token=csrf_token(client, target))
    refused = client.post(target, data=values)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert error_of(page, "cadence_growth_business_review") == "Pick a cadence from the list."
    assert "<b>" not in page.partition("<main")[2]


def test_blank_zero_and_full_width_digits_are_read_as_people_mean_them(app, client, make_user):
    login(client, app, make_user("admin"))
    html = client.get("/sponsorships/program").get_data(as_text=True)
    target, values = program_form("http://localhost/sponsorships/program", html)
    values.update(
        cadence_strategic_executive_call="１２",  # typed with a Japanese IME by a script
        cadence_strategic_business_review="0",  # the old forms' "none"
        cadence_growth_executive_call="",
        cadence_growth_business_review="",  # the migration's quarterly review, now none
        csrf_token=csrf_token(client, target),
    )
    assert client.post(target, data=values).status_code == 302
    assert program(app)["strategic"] == {"executive_call": 12}
    assert program(app)["growth"] == {}


def test_readers_see_the_cadences_by_their_names(app, client, make_user):
    set_program(app, {"strategic": {"executive_call": 3, "business_review": 12}})
    login(client, app, make_user("csm"))
    html = client.get("/sponsorships/program").get_data(as_text=True)
    table = html.partition('<table class="table cadence-table">')[2].partition("</table>")[0]
    assert '<th scope="col">Executive calls</th>' in table
    assert "<td>Every quarter</td><td>Every year</td>" in table
    assert "<select" not in html.partition("<main")[2].partition('id="criteria"')[0]


# A sponsorship's own cadence --------------------------------------------------------------


@pytest.fixture
def sponsorship(app, make_user, make_account, make_sponsorship):
    executive = make_user("executive")
    sponsorship_id = make_sponsorship(
        make_account(), status=SponsorshipStatus.ACTIVE, sponsor_id=executive
    )
    with app.app_context():
        db.session.get(Sponsorship, sponsorship_id).cadence = {"executive_call": 5}
        db.session.commit()
    return sponsorship_id


def version_of(app, sponsorship_id) -> str:
    with app.app_context():
        return str(db.session.get(Sponsorship, sponsorship_id).version)


def test_a_sponsorship_keeps_its_unusual_cadence_when_saved_unchanged(
    app, client, make_user, sponsorship
):
    login(client, app, make_user("admin"))
    html = client.get(f"/sponsorships/{sponsorship}").get_data(as_text=True)
    assert ("5", "Every 5 months") in options(html, "executive_call")
    assert selected(html, "executive_call") == "5" and selected(html, "business_review") == ""
    assert options(html, "business_review") == MONTHS
    url = f"/sponsorships/{sponsorship}/cadence"
    data = dict(
        follow="own", executive_call="5", business_review="", version=version_of(app, sponsorship)
    )
    data["csrf_token"] = csrf_token(client, "/profile")
    assert client.post(url, data=data).status_code == 302
    with app.app_context():
        assert db.session.get(Sponsorship, sponsorship).cadence == {"executive_call": 5}

    # 5 months for the review, which never had it: refused next to its field.
    data.update(business_review="5", version=version_of(app, sponsorship))
    refused = client.post(url, data=data)
    assert refused.status_code == 422
    assert error_of(refused.get_data(as_text=True), "business_review") == (
        "Pick a cadence from the list."
    )


# The health update cadence ----------------------------------------------------------------


def cadence_version(app) -> str:
    with app.app_context():
        rows = {r.health: r for r in db.session.scalars(sa.select(HealthCadence))}
        return "-".join(str(rows[h].version) for h in Health)


def test_the_health_cadence_is_chosen_from_a_list_and_keeps_unusual_stored_hours(
    app, client, make_user
):
    with app.app_context():
        db.session.get(HealthCadence, Health.AMBER).update_hours = 36
        db.session.commit()
        red = db.session.get(HealthCadence, Health.RED).update_hours
    login(client, app, make_user("admin"))
    html = client.get("/admin/escalations/health-cadence").get_data(as_text=True)
    assert options(html, "green_hours") == HOURS
    assert ("36", "Every 36 hours") in options(html, "amber_hours")
    assert selected(html, "amber_hours") == "36" and selected(html, "red_hours") == str(red)
    url = "/admin/escalations/health-cadence"
    data = dict(
        red_hours=str(red),
        amber_hours="36",
        green_hours="",
        version=cadence_version(app),
        csrf_token=csrf_token(client, "/profile"),
    )
    assert client.post(url, data=data).status_code == 302
    with app.app_context():
        assert db.session.get(HealthCadence, Health.AMBER).update_hours == 36

    data.update(red_hours="36", version=cadence_version(app))  # 36 h was amber's, not red's
    refused = client.post(url, data=data)
    assert refused.status_code == 422
    assert "Pick a cadence from the list." in refused.get_data(as_text=True)
    data.update(red_hours="168", amber_hours="8")
    assert client.post(url, data=data).status_code == 302
    with app.app_context():
        assert db.session.get(HealthCadence, Health.RED).update_hours == 168
        assert db.session.get(HealthCadence, Health.AMBER).update_hours == 8


def test_readers_see_the_health_cadence_by_its_name(app, client, make_user):
    with app.app_context():
        db.session.get(HealthCadence, Health.RED).update_hours = 24
        db.session.commit()
    login(client, app, make_user("csm"))
    html = client.get("/admin/escalations/health-cadence").get_data(as_text=True)
    assert "Every day (24 hours)" in html and "<select" not in html.partition("<main")[2]
