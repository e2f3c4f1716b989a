"""Working hours and leave on one's profile: day names in the reader's language, a sentence
saying when e-mail arrives, validation next to the field (422, nothing saved), the audit
history, the admin's user page; and the cover a handoff suggests for someone on leave."""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.auth.models import User
from app.escalations.cover import suggest_cover
from app.escalations.models import Escalation, Handoff, Status
from app.extensions import db
from app.notifications.working_hours import Defaults
from tests.conftest import csrf_token, login

OFFICE = {"timezone": "Asia/Tokyo", "work_days": [0, 1, 2, 3, 4]}
OFFICE |= {"work_start": "09:00", "work_end": "18:00"}


def set_fields(app, user_id, **values):
    with app.app_context():
        db.session.execute(sa.update(User).where(User.id == user_id).values(values))
        db.session.commit()


def saved(app, user_id) -> dict:
    with app.app_context():
        user = db.session.get(User, user_id)
        names = ("work_days", "work_start", "work_end", "leave_starts", "leave_ends")
        return {name: getattr(user, name) for name in names}


def user_audits(app, user_id) -> list[dict]:
    with app.app_context():
        stmt = sa.select(AuditEvent.changes).where(
            AuditEvent.entity_type == "user", AuditEvent.entity_id == user_id
        )
        return list(db.session.scalars(stmt.order_by(AuditEvent.id)))


def save_profile(client, app, user_id, **values):
    """The profile form as a browser sends it: every field, the days ticked."""
    with app.app_context():
        user = db.session.get(User, user_id)
        data = {"version": user.version, "name": user.name, "locale": user.locale or ""}
    data |= {
        "timezone": "",
        "working_days": ["0", "1", "2", "3", "4"],
        "working_days_shown": "1",
        "work_start": "09:00",
        "work_end": "18:00",
        "leave_starts": "",
        "leave_ends": "",
        "csrf_token": csrf_token(client, "/profile"),
    }
    return client.post("/profile", data=data | values)


def field_block(html: str, field_id: str) -> str:
    """The form field block (label, input, errors) that holds the input with this id."""
    for block in re.split(r'<div class="field ', html)[1:]:
        if f'id="{field_id}"' in block:
            return block
    raise AssertionError(f"no field {field_id} on the page")


def errors_in(html: str, field_id: str) -> list[str]:
    return re.findall(r'<p class="error" role="alert">(.*?)</p>', field_block(html, field_id))


def test_profile_shows_the_hours_in_force_and_when_email_arrives(app, client, make_user):
    sato = make_user("csm", locale="en")
    set_fields(app, sato, **OFFICE)
    login(client, app, sato)
    html = client.get("/profile").get_data(as_text=True)
    assert "Non-urgent e-mail arrives Mon–Fri 09:00–18:00 Asia/Tokyo." in html
    days = field_block(html, "working_days")
    assert re.findall(r'<label for="working_days-\d">(\w+)</label>', days)[:2] == [
        "Monday",
        "Tuesday",
    ]
    ticked = re.findall(r'checked[^>]*value="(\d)"|value="(\d)"[^>]*checked', days)
    assert sorted(a or b for a, b in ticked) == ["0", "1", "2", "3", "4"]
    assert 'type="time"' in field_block(html, "work_start") and 'value="09:00"' in html


def test_day_names_and_the_sentence_in_japanese(app, client, make_user):
    sato = make_user("csm", locale="ja")
    set_fields(app, sato, **(OFFICE | {"work_days": [0, 2, 4]}))
    login(client, app, sato)
    html = client.get("/profile").get_data(as_text=True)
    assert "月曜日" in field_block(html, "working_days")
    assert "月、水、金" in html and "09:00〜18:00" in html


def test_saving_hours_and_leave_is_audited(app, client, make_user):
    sato = make_user("csm")
    login(client, app, sato)
    response = save_profile(
        client,
        app,
        sato,
        working_days=["1", "2", "3", "4", "5"],
        work_start="08:30",
        work_end="17:00",
        leave_starts="2026-12-21",
        leave_ends="2027-01-04",
    )
    assert response.status_code == 302
    assert saved(app, sato) == {
        "work_days": [1, 2, 3, 4, 5],
        "work_start": "08:30",
        "work_end": "17:00",
        "leave_starts": date(2026, 12, 21),
        "leave_ends": date(2027, 1, 4),
    }
    (changes,) = user_audits(app, sato)
    assert changes["work_days"] == [None, [1, 2, 3, 4, 5]]
    assert changes["work_start"] == [None, "08:30"] and changes["work_end"] == [None, "17:00"]
    assert changes["leave_starts"] == [None, "2026-12-21"]
    assert changes["leave_ends"] == [None, "2027-01-04"]
    html = client.get("/profile").get_data(as_text=True)
    assert "Non-urgent e-mail arrives Tue–Sat 08:30–17:00 Asia/Tokyo." in html  # the default
    assert "On leave from Dec 21, 2026 until Jan 4, 2027" in html

    # Leave cleared: both dates emptied.
    assert (
        save_profile(
            client,
            app,
            sato,
            working_days=["1", "2", "3", "4", "5"],
            work_start="08:30",
            work_end="17:00",
        ).status_code
        == 302
    )
    assert saved(app, sato)["leave_starts"] is None and saved(app, sato)["leave_ends"] is None
    assert user_audits(app, sato)[-1]["leave_ends"] == ["2027-01-04", None]


def test_the_form_saved_as_shown_keeps_the_app_defaults(app, client, make_user, monkeypatch):
    """Hours equal to the defaults are not copied into the profile: a later change of the
    defaults still reaches the user, and saving changes nothing."""
    monkeypatch.setitem(app.config, "WORK_DAYS", (0, 1, 2, 3, 4))
    monkeypatch.setitem(app.config, "WORK_START", "09:00")
    monkeypatch.setitem(app.config, "WORK_END", "18:00")
    sato = make_user("csm")
    login(client, app, sato)
    html = client.get("/profile").get_data(as_text=True)
    assert 'value="09:00"' in field_block(html, "work_start")
    assert 'value="18:00"' in field_block(html, "work_end")
    assert save_profile(client, app, sato).status_code == 302
    assert set(saved(app, sato).values()) == {None}
    assert user_audits(app, sato) == []


def test_a_form_without_the_hours_keeps_them(app, client, make_user):
    sato = make_user("csm")
    set_fields(app, sato, **OFFICE, leave_starts=date(2027, 1, 5), leave_ends=date(2027, 1, 6))
    login(client, app, sato)
    with app.app_context():
        version = db.session.get(User, sato).version
    response = client.post(
        "/profile",
        data={
            "version": version,
            "name": "Renamed",
            "locale": "en",
            "csrf_token": csrf_token(client, "/profile"),
        },
    )
    assert response.status_code == 302
    assert saved(app, sato) == {
        "work_days": [0, 1, 2, 3, 4],
        "work_start": "09:00",
        "work_end": "18:00",
        "leave_starts": date(2027, 1, 5),
        "leave_ends": date(2027, 1, 6),
    }


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"working_days": []}, "working_days", "Tick at least one working day."),
        ({"work_start": "25:00"}, "work_start", "Enter the time as HH:MM, e.g. 07:30."),
        ({"work_end": "soon"}, "work_end", "Enter the time as HH:MM, e.g. 07:30."),
        (
            {"work_start": "18:00", "work_end": "09:00"},
            "work_end",
            "The working day must end after it starts (18:00).",
        ),
        ({"working_days": ["0", "9"]}, "working_days", "&#39;9&#39; is not a valid choice"),
        ({"leave_starts": "2027-01-10"}, "leave_ends", "Enter the last day of leave too."),
        ({"leave_ends": "2027-01-10"}, "leave_starts", "Enter the first day of leave too."),
        (
            {"leave_starts": "2027-01-10", "leave_ends": "2027-01-09"},
            "leave_ends",
            "The leave cannot end before it starts.",
        ),
        ({"leave_starts": "2027-13-01", "leave_ends": "2027-01-09"}, "leave_starts", "date"),
    ],
)
def test_bad_hours_or_leave_are_refused_next_to_the_field(
    app, client, make_user, values, field, message
):
    sato = make_user("csm")
    login(client, app, sato)
    response = save_profile(client, app, sato, **values)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert any(message in error for error in errors_in(html, field)), errors_in(html, field)
    assert set(saved(app, sato).values()) == {None}
    assert user_audits(app, sato) == []


def test_admin_sees_a_users_hours_and_leave(app, client, make_user):
    admin = make_user("admin")
    sato = make_user("csm")
    set_fields(app, sato, **OFFICE, leave_starts=date(2027, 1, 5), leave_ends=date(2027, 1, 6))
    login(client, app, admin)
    html = client.get(f"/admin/users/{sato}").get_data(as_text=True)
    assert "Non-urgent e-mail arrives Mon–Fri 09:00–18:00 Asia/Tokyo." in html
    assert "On leave from Jan 5, 2027 until Jan 6, 2027" in html


def test_the_audit_history_names_the_days(app, client, make_user):
    admin = make_user("admin")
    sato = make_user("csm")
    login(client, app, sato)
    save_profile(client, app, sato, working_days=["0", "2"])
    admin_client = login(app.test_client(), app, admin)
    html = admin_client.get(f"/admin/users/{sato}").get_data(as_text=True)
    history = html[html.index('id="history"') :]
    assert "Working days" in history and "Monday, Wednesday" in history


# A cover for someone on leave ---------------------------------------------------------------

TOKYO = ZoneInfo("Asia/Tokyo")


def on_leave_now(app, user_id):
    """Leave around today, wide enough for any zone."""
    today = datetime.now(TOKYO).date()
    set_fields(
        app, user_id, leave_starts=today - timedelta(days=2), leave_ends=today + timedelta(days=3)
    )
    return today + timedelta(days=3)


@pytest.fixture
def team(app, make_user, make_account, make_escalation):
    """Sato (CSM, owner of an open escalation) and the people who might cover: a CSM with
    two open escalations, a CSM with one, a CSM on leave with none, a deactivated CSM and an
    executive (no shared role) with none."""
    people = {
        "sato": make_user("csm", name="Sato Owner"),
        "busy": make_user("csm", name="Busy CSM"),
        "light": make_user("csm", "ae", name="Light CSM"),
        "away": make_user("csm", name="Also Away"),
        "gone": make_user("csm", name="Gone CSM", active=False),
        "exec": make_user("executive", name="Exec Free"),
        "manager": make_user("manager", name="Mika Manager"),
    }
    account = make_account(csm_owner_id=people["sato"])
    people["account"] = account
    people["escalation"] = make_escalation(account, owner_id=people["sato"], status=Status.NEW)
    for owner in ("busy", "busy", "light"):
        make_escalation(account, owner_id=people[owner], status=Status.INVESTIGATING)
    make_escalation(account, owner_id=people["light"], status=Status.CLOSED)  # not open
    on_leave_now(app, people["away"])
    return people


def test_the_cover_shares_a_role_is_at_work_and_owns_the_fewest_open_escalations(app, team):
    with app.app_context():
        sato = db.session.get(User, team["sato"])
        statements = []

        def note(_conn, _cursor, statement, *_args):
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", note)
        try:
            cover = suggest_cover(sato, datetime.now(TOKYO), Defaults.from_config(app.config))
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", note)
        assert cover.name == "Light CSM"
        assert len(statements) == 1


def test_the_escalation_page_says_the_owner_is_on_leave_and_suggests_a_cover(app, client, team):
    until = on_leave_now(app, team["sato"])
    login(client, app, team["manager"])
    html = client.get(f"/escalations/{team['escalation']}").get_data(as_text=True)
    handoffs = html[html.index('id="handoffs"') :]
    shown = until.strftime("%b %-d, %Y")
    assert f"Sato Owner is on leave until {shown}. Suggested cover: Light CSM." in handoffs
    page = client.get(f"/escalations/{team['escalation']}/level").get_data(as_text=True)
    assert f"Sato Owner is on leave until {shown}. Suggested cover: Light CSM." in page


def test_a_handoff_to_someone_on_leave_goes_through_with_a_warning(app, client, team):
    login(client, app, team["manager"])
    response = client.post(
        f"/escalations/{team['escalation']}/level",
        data={
            "to_level": "2",
            "new_owner_id": str(team["away"]),
            "contact_id": "",
            "what_happened": "Invoices fail",
            "what_was_tried": "Restarted workers",
            "why_unresolved": "Root cause in the tax module",
            "what_is_needed": "Billing team",
            "csrf_token": csrf_token(client, f"/escalations/{team['escalation']}/level"),
        },
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Handed off to Also Away." in html
    # Sato handed the escalation over and owns none open now: the lightest load.
    assert "Also Away is on leave until" in html and "Suggested cover: Sato Owner." in html
    with app.app_context():
        assert db.session.get(Escalation, team["escalation"]).owner_id == team["away"]
        assert db.session.scalar(sa.select(sa.func.count(Handoff.id))) == 1


def test_no_warning_when_the_owner_is_at_work(app, client, team):
    login(client, app, team["manager"])
    html = client.get(f"/escalations/{team['escalation']}").get_data(as_text=True)
    assert "is on leave" not in html
