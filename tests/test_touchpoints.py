"""Executive touchpoints through the web: scheduling in the user's timezone, rights, the
outcome with next steps that land on their owners' lists, cancel and missed, edit conflicts,
the recap e-mail, the prep brief, the account page's section, and query counts."""

import html
import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app.accounts.models import Account, ArrEntry, ContactRole, Departure, HealthScoreEntry
from app.auth.models import User
from app.escalations.models import Handoff, Level
from app.extensions import db
from app.models import utcnow
from app.sponsorship.models import Objective, SponsorshipStatus
from app.touchpoints import services
from app.touchpoints.models import ActionItem, Touchpoint, TouchpointKind, TouchpointStatus
from tests.conftest import app_today, csrf_token, login


@pytest.fixture
def people(make_user):
    return {
        "admin": make_user("admin", name="Aiko Admin", email="aiko@example.test"),
        "csm": make_user("csm", name="Sakura CSM", email="sakura@example.test"),
        "ae": make_user("ae", name="Taro AE", email="taro@example.test"),
        "other_csm": make_user("csm", name="Other CSM", email="other@example.test"),
        "exec": make_user("executive", name="Kenji Exec", email="kenji@example.test"),
        "exec2": make_user("executive", name="Emi Exec", email="emi@example.test"),
        "manager": make_user("manager", name="Maria Manager", email="maria@example.test"),
    }


@pytest.fixture
def account(make_account, people):
    return make_account(
        name="株式会社みなと物流", csm_owner_id=people["csm"], ae_owner_id=people["ae"]
    )


@pytest.fixture
def contact(make_contact, account):
    return make_contact(account, name="Hanako Sato", title="CIO", role=ContactRole.EXECUTIVE)


def set_timezone(app, user_id, zone):
    with app.app_context():
        db.session.get(User, user_id).timezone = zone
        db.session.commit()


def post(client, url, **data):
    data["csrf_token"] = csrf_token(client, "/profile")
    return client.post(url, data=data)


def schedule(app, actor_id, account_id, *, starts_at=None, executives=(), contacts=(), **values):
    """A planned touchpoint made through the service; its id."""
    from app.accounts.models import Account, Contact

    with app.test_request_context():
        actor = db.session.get(User, actor_id)
        touchpoint = services.schedule(
            actor,
            db.session.get(Account, account_id),
            kind=values.pop("kind", TouchpointKind.EXECUTIVE_CALL),
            starts_at=starts_at or utcnow() + timedelta(days=3),
            timezone="Asia/Tokyo",
            executives=[db.session.get(User, i) for i in executives],
            contacts=[db.session.get(Contact, i) for i in contacts],
            **values,
        )
        db.session.commit()
        return touchpoint.id


def complete(app, actor_id, touchpoint_id, outcome="Agreed on the plan", steps=()):
    """Complete through the service; steps are (text, owner id, due date)."""
    with app.test_request_context():
        touchpoint = db.session.get(Touchpoint, touchpoint_id)
        next_steps = [
            services.NextStep(text, db.session.get(User, owner), due) for text, owner, due in steps
        ]
        services.complete(db.session.get(User, actor_id), touchpoint, outcome, next_steps)
        db.session.commit()


def touchpoint_row(app, touchpoint_id):
    with app.app_context():
        touchpoint = db.session.get(Touchpoint, touchpoint_id)
        db.session.expunge(touchpoint)
        return touchpoint


def new_form(token, **values):
    start = (date.today() + timedelta(days=10)).isoformat() + "T10:00"
    data = {
        "kind": "executive_call",
        "starts_at": start,
        "duration_minutes": "45",
        "title": "Quarterly check-in",
        "agenda": "Roadmap\nRenewal",
        "sponsorship_id": "",
        "csrf_token": token,
    }
    return data | values


def test_a_user_in_tokyo_schedules_at_ten_stored_at_one_utc_shown_at_ten(
    app, client, people, account, contact
):
    set_timezone(app, people["csm"], "Asia/Tokyo")
    login(client, app, people["csm"])
    url = f"/touchpoints/new?account_id={account}"
    page = client.get(url).get_data(as_text=True)
    assert "Asia/Tokyo" in page
    day = date.today() + timedelta(days=10)
    response = client.post(
        url,
        data=new_form(
            csrf_token(client, url),
            starts_at=f"{day.isoformat()}T10:00",
            executive_ids=[str(people["exec"]), str(people["csm"])],
            contact_ids=[str(contact)],
        ),
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app.app_context():
        touchpoint = db.session.scalars(sa.select(Touchpoint)).one()
        assert touchpoint.starts_at == datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC)
        assert touchpoint.timezone == "Asia/Tokyo"
        assert touchpoint.duration_minutes == 45
        assert {u.id for u in touchpoint.executives} == {people["exec"], people["csm"]}
        assert [c.id for c in touchpoint.contacts] == [contact]
        touchpoint_id = touchpoint.id
    shown = client.get(f"/touchpoints/{touchpoint_id}").get_data(as_text=True)
    assert re.search(r"<time [^>]*>[^<]*\b10:00", shown)
    assert not re.search(r"<time [^>]*>[^<]*\b1:00", shown)
    assert "Hanako Sato" in shown and "Kenji Exec" in shown
    edit = client.get(f"/touchpoints/{touchpoint_id}/edit").get_data(as_text=True)
    assert f'value="{day.isoformat()}T10:00"' in edit


def test_each_reader_sees_the_time_in_their_own_timezone(app, client, people, account):
    set_timezone(app, people["csm"], "America/New_York")
    set_timezone(app, people["exec"], "Asia/Tokyo")
    login(client, app, people["csm"])
    url = f"/touchpoints/new?account_id={account}"
    day = date.today() + timedelta(days=20)
    response = client.post(
        url, data=new_form(csrf_token(client, url), starts_at=f"{day.isoformat()}T10:00")
    )
    assert response.status_code == 302
    typed = datetime(day.year, day.month, day.day, 10, 0, tzinfo=ZoneInfo("America/New_York"))
    with app.app_context():
        touchpoint = db.session.scalars(sa.select(Touchpoint)).one()
        assert touchpoint.starts_at == typed.astimezone(UTC)
        assert touchpoint.timezone == "America/New_York"
        touchpoint_id = touchpoint.id
    client.post("/logout", data={"csrf_token": csrf_token(client, "/profile")})
    login(client, app, people["exec"])
    in_tokyo = typed.astimezone(ZoneInfo("Asia/Tokyo"))
    shown = client.get(f"/touchpoints/{touchpoint_id}").get_data(as_text=True)
    hour = in_tokyo.hour % 12 or 12
    assert re.search(rf"<time [^>]*>[^<]*\b{hour}:00", shown)
    assert "(entered in America/New_York)" in shown


def test_the_form_offers_executives_and_the_account_team_and_only_current_contacts(
    app, client, people, account, contact, make_contact, make_sponsorship
):
    make_contact(account, name="Gone Person", departure=Departure.LEFT, departed_on=date.today())
    sponsorship = make_sponsorship(
        account, status=SponsorshipStatus.ACTIVE, sponsor_id=people["exec2"]
    )
    login(client, app, people["csm"])
    page = client.get(f"/touchpoints/new?account_id={account}").get_data(as_text=True)
    for name in ("Kenji Exec", "Emi Exec", "Sakura CSM", "Taro AE", "Hanako Sato"):
        assert name in page
    assert "Other CSM" not in page and "Maria Manager" not in page
    assert "Gone Person" not in page
    # The sponsor and the user are ticked; the open sponsorship is chosen.
    ticked = set(re.findall(r'<input checked id="executive_ids-\d+" [^>]*value="(\d+)"', page))
    assert ticked == {str(people["exec2"]), str(people["csm"])}
    assert re.search(rf'<option selected value="{sponsorship}"', page)


def test_invalid_input_is_refused_next_to_the_fields_and_nothing_is_saved(
    app, client, people, account
):
    login(client, app, people["csm"])
    url = f"/touchpoints/new?account_id={account}"
    token = csrf_token(client, url)
    for values in (
        {"starts_at": "", "duration_minutes": "3"},
        {"starts_at": "2026-02-30T10:00"},
        {"starts_at": "9999-12-31T23:59"},
        {"duration_minutes": "1441"},
        {"kind": "party"},
        {"executive_ids": [str(people["other_csm"])]},
        {"title": "x" * 201},
    ):
        response = client.post(url, data=new_form(token, **values))
        assert response.status_code == 422, values
        assert 'class="error"' in response.get_data(as_text=True)
    page = client.post(url, data=new_form(token, starts_at="", duration_minutes="3"))
    text = page.get_data(as_text=True)
    assert "Enter the date and time." in text and "Between 5 and 1440 minutes." in text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Touchpoint.id))) == 0


def test_rights_csm_not_owning_is_refused_and_an_attending_executive_completes(
    app, client, people, account, contact
):
    login(client, app, people["other_csm"])
    assert client.get(f"/touchpoints/new?account_id={account}").status_code == 403
    response = post(client, f"/touchpoints/new?account_id={account}", kind="executive_call")
    assert response.status_code == 403
    touchpoint = schedule(app, people["csm"], account, executives=[people["exec"]])
    assert client.get(f"/touchpoints/{touchpoint}").status_code == 200  # everyone reads
    assert client.get(f"/touchpoints/{touchpoint}/complete").status_code == 403
    assert post(client, f"/touchpoints/{touchpoint}/cancel", reason="x").status_code == 403
    assert "Record outcome" not in client.get(f"/touchpoints/{touchpoint}").get_data(as_text=True)

    # An executive who does not attend may not; the one who attends may.
    client.post("/logout", data={"csrf_token": csrf_token(client, "/profile")})
    login(client, app, people["exec2"])
    assert client.get(f"/touchpoints/{touchpoint}/complete").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/profile")})
    login(client, app, people["exec"])
    due = (date.today() + timedelta(days=14)).isoformat()
    response = post(
        client,
        f"/touchpoints/{touchpoint}/complete",
        outcome="They will renew if the API ships.",
        **{
            "steps-0-text": "Send the API plan",
            "steps-0-owner_id": people["csm"],
            "steps-0-due_on": due,
        },
    )
    assert response.status_code == 302, re.findall(
        r'class="error"[^>]*>([^<]*)', response.get_data(as_text=True)
    )
    assert touchpoint_row(app, touchpoint).status is TouchpointStatus.COMPLETED


def test_completing_needs_an_outcome_and_a_whole_next_step(app, client, people, account):
    touchpoint = schedule(app, people["csm"], account)
    login(client, app, people["csm"])
    url = f"/touchpoints/{touchpoint}/complete"
    page = client.get(url).get_data(as_text=True)
    assert page.count('name="steps-') >= 15  # five rows of text, owner and due date
    # Each row starts with the user as owner and a due date a week out.
    assert page.count(f'<option selected value="{people["csm"]}"') == 5
    due = (app_today(app) + timedelta(days=7)).isoformat()
    assert page.count(f'value="{due}"') == 5
    cases = [
        ({"outcome": ""}, "Write what came out of it."),
        ({"outcome": "   "}, None),
        ({"outcome": "Good call"}, "Add at least one next step with its owner and due date."),
        ({"outcome": "Good call", "steps-0-text": "Send notes"}, "Choose who owns this next step."),
        (
            {
                "outcome": "Good call",
                "steps-1-text": "Send notes",
                "steps-1-owner_id": people["csm"],
            },
            "Enter the due date.",
        ),
        (
            {"outcome": "Good call", "steps-0-owner_id": people["csm"], "steps-0-due_on": due},
            "Add at least one next step with its owner and due date.",
        ),
        # A row number that is a digit to Python but not to int() (a superscript two).
        ({"outcome": "Good call", "steps-²-text": "Send notes"}, None),
    ]
    for values, message in cases:
        response = post(client, url, **values)
        assert response.status_code == 422, values
        if message:
            assert message in response.get_data(as_text=True), values
    row = touchpoint_row(app, touchpoint)
    assert row.status is TouchpointStatus.PLANNED and row.outcome == ""
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ActionItem.id))) == 0


def test_next_steps_land_on_the_owners_list_overdue_first_and_are_ticked(
    app, client, people, account
):
    touchpoint = schedule(app, people["csm"], account, starts_at=utcnow() - timedelta(days=20))
    login(client, app, people["csm"])
    today = date.today()
    response = post(
        client,
        f"/touchpoints/{touchpoint}/complete",
        outcome="Renewal on track",
        **{
            "steps-0-text": "Share the roadmap",
            "steps-0-owner_id": people["ae"],
            "steps-0-due_on": (today + timedelta(days=5)).isoformat(),
            "steps-2-text": "Send the credit memo",
            "steps-2-owner_id": people["ae"],
            "steps-2-due_on": (today - timedelta(days=3)).isoformat(),
            "steps-3-text": "Book the next EBR",
            "steps-3-owner_id": people["csm"],
            "steps-3-due_on": (today + timedelta(days=30)).isoformat(),
        },
    )
    assert response.status_code == 302
    shown = client.get(f"/touchpoints/{touchpoint}").get_data(as_text=True)
    assert "Renewal on track" in shown and "Share the roadmap" in shown

    client.post("/logout", data={"csrf_token": csrf_token(client, "/profile")})
    login(client, app, people["ae"])
    page = client.get("/touchpoints/actions").get_data(as_text=True)
    assert page.index("Send the credit memo") < page.index("Share the roadmap")
    assert "Overdue" in page and "Book the next EBR" not in page
    with app.app_context():
        item = db.session.scalar(
            sa.select(ActionItem).where(ActionItem.text == "Send the credit memo")
        )
        item_id = item.id
    response = post(client, f"/touchpoints/items/{item_id}/done", done="1", back="actions")
    assert response.status_code == 302 and "/touchpoints/actions" in response.headers["Location"]
    assert "Send the credit memo" not in client.get("/touchpoints/actions").get_data(as_text=True)
    post(client, f"/touchpoints/items/{item_id}/done", done="0")
    assert "Send the credit memo" in client.get("/touchpoints/actions").get_data(as_text=True)

    # Someone who neither owns the step nor may change the touchpoint cannot tick it.
    client.post("/logout", data={"csrf_token": csrf_token(client, "/profile")})
    login(client, app, people["other_csm"])
    assert post(client, f"/touchpoints/items/{item_id}/done", done="1").status_code == 403
    # Everyone reads everything: another person's list too, without the tick forms.
    other = client.get(f"/touchpoints/actions?owner={people['ae']}").get_data(as_text=True)
    assert "Next steps of Taro AE" in other and "Send the credit memo" in other
    client.post("/logout", data={"csrf_token": csrf_token(client, "/profile")})
    login(client, app, people["manager"])
    other = client.get(f"/touchpoints/actions?owner={people['ae']}").get_data(as_text=True)
    assert "Next steps of Taro AE" in other and "Send the credit memo" in other


def test_cancel_needs_a_reason_and_missed_only_once_the_time_passed(app, client, people, account):
    ahead = schedule(app, people["csm"], account)
    past = schedule(app, people["csm"], account, starts_at=utcnow() - timedelta(hours=2))
    login(client, app, people["csm"])
    assert post(client, f"/touchpoints/{ahead}/cancel", reason="").status_code == 422
    assert touchpoint_row(app, ahead).status is TouchpointStatus.PLANNED
    assert post(client, f"/touchpoints/{ahead}/cancel", reason="Customer asked").status_code == 302
    row = touchpoint_row(app, ahead)
    assert row.status is TouchpointStatus.CANCELLED and row.cancel_reason == "Customer asked"

    other = schedule(app, people["csm"], account)
    response = post(client, f"/touchpoints/{other}/missed")
    assert response.status_code == 302
    assert touchpoint_row(app, other).status is TouchpointStatus.PLANNED
    shown = client.get(f"/touchpoints/{past}").get_data(as_text=True)
    assert "Overdue" in shown and "Mark missed" in shown
    assert post(client, f"/touchpoints/{past}/missed").status_code == 302
    assert touchpoint_row(app, past).status is TouchpointStatus.MISSED
    timeline = client.get(f"/accounts/{account}").get_data(as_text=True)
    assert "Touchpoint missed: Executive call" in timeline
    assert "Touchpoint cancelled: Executive call" in timeline


def test_two_editors_the_second_gets_a_conflict_and_nothing_of_theirs_is_saved(
    app, people, account
):
    touchpoint = schedule(app, people["csm"], account, title="First title")
    url = f"/touchpoints/{touchpoint}/edit"
    first, second = app.test_client(), app.test_client()
    login(first, app, people["csm"])
    login(second, app, people["admin"])
    forms = []
    for client in (first, second):
        page = client.get(url).get_data(as_text=True)
        version = re.search(r'name="version" type="hidden" value="(\d+)"', page)[1]
        start = re.search(r'name="starts_at"[^>]*value="([^"]+)"', page)[1]
        forms.append(
            {"version": version, "starts_at": start, "csrf_token": csrf_token(client, url)}
        )
    base = {"kind": "executive_call", "duration_minutes": "60", "sponsorship_id": ""}
    saved = first.post(url, data=base | forms[0] | {"title": "Saved by the CSM"})
    assert saved.status_code == 302
    refused = second.post(url, data=base | forms[1] | {"title": "Lost by the admin"})
    assert refused.status_code == 409
    body = refused.get_data(as_text=True)
    assert "Someone else changed this record" in body and "Saved by the CSM" in body
    assert touchpoint_row(app, touchpoint).title == "Saved by the CSM"


def test_the_recap_mails_the_account_team_with_japanese_text_encoded(
    app, client, people, account, contact, make_sponsorship
):
    make_sponsorship(account, status=SponsorshipStatus.ACTIVE, sponsor_id=people["exec2"])
    touchpoint = schedule(
        app, people["csm"], account, executives=[people["exec"]], contacts=[contact]
    )
    complete(
        app,
        people["exec"],
        touchpoint,
        outcome="更新に前向き。API の計画を共有する。",
        steps=[("API 計画書を送る", people["csm"], date.today() + timedelta(days=7))],
    )
    login(client, app, people["manager"])
    page = client.get(f"/touchpoints/{touchpoint}").get_data(as_text=True)
    assert "E-mail the recap" in page
    href = html.unescape(re.search(r'href="(mailto:[^"]+)"', page)[1])
    assert href.isascii()  # every Japanese character percent-encoded
    parts = urlsplit(href)
    recipients = unquote(parts.path).split(",")
    assert set(recipients) == {
        "sakura@example.test",
        "taro@example.test",
        "emi@example.test",
        "kenji@example.test",
    }
    query = parse_qs(parts.query)
    assert "株式会社みなと物流" in query["subject"][0]
    body = query["body"][0]
    assert "更新に前向き。API の計画を共有する。" in body
    assert "API 計画書を送る" in body and "Sakura CSM" in body
    assert "\r\n" in body
    assert "<textarea" in page and "更新に前向き。API の計画を共有する。" in page


def test_the_prep_brief_puts_executive_escalations_first_and_says_when_we_last_met(
    app, client, people, account, contact, make_escalation, make_sponsorship
):
    make_escalation(account, title="Slow reports")
    executive = make_escalation(account, title="Cancellation threat", executive=True)
    sponsorship = make_sponsorship(
        account,
        status=SponsorshipStatus.ACTIVE,
        sponsor_id=people["exec"],
        objectives=[Objective(text="Cut ticket backlog by half")],
    )
    met_on = utcnow() - timedelta(days=40)
    earlier = schedule(app, people["csm"], account, starts_at=met_on, contacts=[contact])
    complete(
        app,
        people["csm"],
        earlier,
        outcome="Backlog plan agreed",
        steps=[("Weekly backlog report", people["csm"], date.today() + timedelta(days=3))],
    )
    with app.app_context():
        db.session.add(
            Handoff(
                escalation_id=executive,
                from_level=Level.L2,
                to_level=Level.EXECUTIVE,
                to_owner_id=people["exec"],
                created_by_id=people["csm"],
                what_happened="a",
                what_was_tried="b",
                why_unresolved="c",
                what_is_needed="Approve a service credit",
            )
        )
        for score in (70, 55, 40):
            db.session.add(HealthScoreEntry(account_id=account, score=score))
        for arr in (900_000, 1_000_000):
            db.session.add(ArrEntry(account_id=account, arr_minor=arr, currency="JPY"))
        db.session.commit()
    upcoming = schedule(
        app, people["csm"], account, contacts=[contact], executives=[people["exec"]]
    )
    login(client, app, people["exec"])
    page = client.get(f"/touchpoints/{upcoming}/prep").get_data(as_text=True)
    assert page.index("Cancellation threat") < page.index("Slow reports")
    assert "Approve a service credit" in page
    assert "Backlog plan agreed" in page and "Weekly backlog report" in page
    assert "Cut ticket backlog by half" in page
    with app.test_request_context():
        from flask_babel import format_date

        assert f"Last met {format_date(met_on)}" in page
    assert "CIO" in page and "Executive" in page
    assert page.count("<svg") >= 2 and "<title>Health trend: 70, 55, 40</title>" in page
    assert "in " in page and "days" in page  # renewal in N days
    assert f"/sponsorships/{sponsorship}" in page


def test_the_account_page_lists_touchpoints_with_the_overdue_flagged(app, client, people, account):
    schedule(app, people["csm"], account, title="Late call", starts_at=utcnow() - timedelta(days=1))
    schedule(app, people["csm"], account, title="Next call")
    login(client, app, people["csm"])
    page = client.get(f"/accounts/{account}").get_data(as_text=True)
    assert "Late call" in page and "Next call" in page and "Overdue" in page
    assert f"/touchpoints/new?account_id={account}" in page
    assert "Touchpoint planned: Executive call" in page
    client.post("/logout", data={"csrf_token": csrf_token(client, "/profile")})
    login(client, app, people["manager"])
    page = client.get(f"/accounts/{account}").get_data(as_text=True)
    assert "Late call" in page and f"/touchpoints/new?account_id={account}" not in page


def test_the_list_filters_by_scope_and_status(app, client, people, account, make_account):
    elsewhere = make_account(csm_owner_id=people["other_csm"])
    schedule(app, people["csm"], account, title="Mine by account")
    schedule(app, people["other_csm"], elsewhere, title="Theirs", executives=[people["exec"]])
    schedule(app, people["csm"], account, title="Gone by", starts_at=utcnow() - timedelta(days=2))
    login(client, app, people["csm"])
    mine = client.get("/touchpoints/").get_data(as_text=True)
    assert "Mine by account" in mine and "Gone by" in mine and "Theirs" not in mine
    assert mine.index("Gone by") < mine.index("Mine by account")  # overdue lead
    everyone = client.get("/touchpoints/?scope=all").get_data(as_text=True)
    assert "Theirs" in everyone
    overdue = client.get("/touchpoints/?scope=all&status=overdue").get_data(as_text=True)
    assert "Gone by" in overdue and "Mine by account" not in overdue
    assert "No touchpoints here." in client.get("/touchpoints/?status=missed").get_data(
        as_text=True
    )
    client.post("/logout", data={"csrf_token": csrf_token(client, "/profile")})
    login(client, app, people["exec"])
    attending = client.get("/touchpoints/?scope=mine").get_data(as_text=True)
    assert "Theirs" in attending and "Mine by account" not in attending
    past_end = client.get("/touchpoints/?scope=all&page=9")
    assert past_end.status_code == 200 and "past the end" in past_end.get_data(as_text=True)


def test_list_and_prep_pages_take_the_same_queries_however_many_rows(
    app, client, people, account, contact, make_contact
):
    login(client, app, people["csm"])
    first = schedule(app, people["csm"], account, executives=[people["exec"]], contacts=[contact])
    complete(app, people["csm"], first, steps=[("Step", people["csm"], date.today())])
    target = schedule(app, people["csm"], account, contacts=[contact], executives=[people["exec"]])
    few_list = client.get("/touchpoints/?scope=all").headers["X-SQL-Queries"]
    few_prep = client.get(f"/touchpoints/{target}/prep").headers["X-SQL-Queries"]
    few_actions = client.get("/touchpoints/actions").headers["X-SQL-Queries"]
    few_show = client.get(f"/touchpoints/{first}").headers["X-SQL-Queries"]
    contacts = [make_contact(account, name=f"Contact {n}") for n in range(4)]
    for n in range(8):
        done = schedule(
            app,
            people["csm"],
            account,
            starts_at=utcnow() - timedelta(days=n + 2),
            executives=[people["exec"], people["exec2"]],
            contacts=contacts,
        )
        complete(
            app,
            people["csm"],
            done,
            steps=[
                (f"Step {n}", people["csm"], date.today()),
                ("More", people["ae"], date.today()),
            ],
        )
        schedule(app, people["csm"], account, executives=[people["exec2"]], contacts=contacts)
    with app.test_request_context():
        target_row = db.session.get(Touchpoint, target)
        services.update(
            db.session.get(User, people["csm"]),
            target_row,
            {},
            contacts=[
                target_row.contacts[0],
                *(db.session.get(type(target_row.contacts[0]), c) for c in contacts),
            ],
        )
        db.session.commit()
    assert client.get("/touchpoints/?scope=all").headers["X-SQL-Queries"] == few_list
    assert client.get(f"/touchpoints/{target}/prep").headers["X-SQL-Queries"] == few_prep
    assert client.get("/touchpoints/actions").headers["X-SQL-Queries"] == few_actions
    assert client.get(f"/touchpoints/{first}").headers["X-SQL-Queries"] == few_show


def test_an_account_with_touchpoints_is_kept(app, client, people, account):
    schedule(app, people["csm"], account)
    login(client, app, people["admin"])
    response = post(client, f"/accounts/{account}/delete")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "This account has touchpoints, so it cannot be deleted" in page
    with app.app_context():
        assert db.session.get(Account, account) is not None
