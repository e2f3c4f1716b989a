"""In-app notifications: queued with the change that caused them, counted in the header,
listed for their owner only, and marked read one at a time or all at once."""

import re

import pytest
import sqlalchemy as sa
from flask import render_template_string
from flask_login import login_user

from app.auth.models import User
from app.auth.services import load_user, start_session
from app.extensions import db
from app.notifications.models import Notification, OutboxEmail
from app.notifications.services import mark_read, notify, unread_count
from tests.conftest import csrf_token, login


def send(app, user_ids, subject="SLA warning", **kwargs) -> int:
    """Notify the users (ids; None stays None) and commit, as a service's caller would."""
    with app.app_context():
        users = [db.session.get(User, uid) if uid else None for uid in user_ids]
        count = notify(users, kind="sla_warning", subject=subject, body="Please look.", **kwargs)
        db.session.commit()
        return count


def notifications_of(app, user_id) -> list[Notification]:
    with app.app_context():
        stmt = sa.select(Notification).where(Notification.user_id == user_id)
        return list(db.session.scalars(stmt.order_by(Notification.id)))


def test_notify_skips_nobody_duplicates_and_deactivated_users(
    app, make_user, make_account, make_escalation
):
    alice = make_user(email="alice@example.test")
    bob = make_user(email="bob@example.test")
    gone = make_user(email="gone@example.test", active=False)
    escalation_id = make_escalation(make_account())

    count = send(
        app,
        [alice, None, alice, bob, gone, bob],
        subject="Handoff to you:\nCheckout down",
        escalation_id=escalation_id,
        link=f"/escalations/{escalation_id}",
    )

    assert count == 2
    with app.app_context():
        rows = db.session.scalars(sa.select(Notification)).all()
        assert sorted((n.user_id, n.kind, n.escalation_id, n.subject, n.read_at) for n in rows) == [
            (uid, "sla_warning", escalation_id, "Handoff to you: Checkout down", None)
            for uid in sorted((alice, bob))
        ]
        emails = db.session.scalars(sa.select(OutboxEmail).order_by(OutboxEmail.to_address)).all()
        assert [e.to_address for e in emails] == ["alice@example.test", "bob@example.test"]
        link = app.config["APP_BASE_URL"].rstrip("/") + f"/escalations/{escalation_id}"
        assert emails[0].body == f"Please look.\n\n{link}\n"
        assert emails[0].subject == "Handoff to you: Checkout down"
        assert emails[0].sent_at is None and emails[0].attempts == 0


def test_notify_belongs_to_the_callers_transaction(app, make_user):
    alice = make_user()
    with app.app_context():
        assert notify([db.session.get(User, alice)], kind="k", subject="s", body="b") == 1
        db.session.rollback()  # the change that caused it failed: no notification, no e-mail
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxEmail)) == 0


def test_header_shows_the_unread_count(app, client, login_as):
    me = login_as("csm")
    html = client.get("/profile").get_data(as_text=True)
    assert re.search(r">Notifications</a>", html)
    assert "unread notification" not in html

    for subject in ("One", "Two", "Three"):
        send(app, [me], subject=subject)
    html = client.get("/profile").get_data(as_text=True)
    assert re.search(
        r'aria-label="3 unread notifications">Notifications <span class="badge">3</span></a>', html
    )


def test_list_shows_my_notifications_newest_first_with_the_escalation(
    app, client, login_as, make_user, make_account, make_escalation
):
    me = login_as("ae")
    someone = make_user()
    escalation_id = make_escalation(make_account())
    send(app, [me], subject="Older news")
    send(app, [me], subject="Handoff waiting", escalation_id=escalation_id)
    send(app, [someone], subject="Not for you")

    html = client.get("/notifications/").get_data(as_text=True)

    assert html.index("Handoff waiting") < html.index("Older news")
    assert "Not for you" not in html
    assert f'href="/escalations/{escalation_id}"' in html
    assert html.count(">Unread</span>") == 2
    assert "Mark all as read" in html


def test_empty_list_says_so(client, login_as):
    login_as("executive")
    html = client.get("/notifications/").get_data(as_text=True)
    assert "No notifications yet." in html
    assert "Mark all as read" not in html


def test_list_pages_and_its_queries_do_not_grow_with_rows(app, client, login_as):
    me = login_as("manager")
    send(app, [me], subject="First of many")
    few = client.get("/notifications/")
    for n in range(40):
        send(app, [me], subject=f"Update {n}")
    many = client.get("/notifications/")
    assert many.headers["X-SQL-Queries"] == few.headers["X-SQL-Queries"]
    assert "First of many" not in many.get_data(as_text=True)  # 41 rows: on page 2
    second = client.get("/notifications/?page=2").get_data(as_text=True)
    assert "First of many" in second and 'rel="prev"' in second


def test_mark_one_then_all_read(app, client, login_as):
    me = login_as("csm")
    for subject in ("One", "Two", "Three"):
        send(app, [me], subject=subject)
    first, second, third = notifications_of(app, me)
    token = csrf_token(client, "/profile")

    response = client.post(
        "/notifications/read", data={"csrf_token": token, "notification_id": second.id}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/notifications/"
    assert [n.read_at is not None for n in notifications_of(app, me)] == [False, True, False]
    html = client.get("/notifications/").get_data(as_text=True)
    assert 'aria-label="2 unread notifications"' in html

    client.post("/notifications/read", data={"csrf_token": token})
    assert all(n.read_at is not None for n in notifications_of(app, me))
    html = client.get("/notifications/").get_data(as_text=True)
    assert "unread notification" not in html and ">Unread</span>" not in html


def test_nobody_marks_someone_elses_notification(app, client, make_user):
    alice, bob = make_user(), make_user()
    send(app, [alice], subject="For Alice")
    send(app, [bob], subject="For Bob")
    (alices,) = notifications_of(app, alice)
    login(client, app, bob)
    token = csrf_token(client, "/profile")

    client.post("/notifications/read", data={"csrf_token": token, "notification_id": alices.id})

    assert notifications_of(app, alice)[0].read_at is None
    assert notifications_of(app, bob)[0].read_at is None  # naming one of Alice's marks none
    client.post("/notifications/read", data={"csrf_token": token})
    assert notifications_of(app, alice)[0].read_at is None
    assert notifications_of(app, bob)[0].read_at is not None


@pytest.mark.parametrize("bad_id", ["abc", "-1", "99999999999999999999"])
def test_a_malformed_id_marks_nothing_and_says_so(app, client, login_as, bad_id):
    me = login_as("csm")
    send(app, [me])
    token = csrf_token(client, "/profile")
    response = client.post(
        "/notifications/read",
        data={"csrf_token": token, "notification_id": bad_id},
        follow_redirects=True,
    )
    assert "could not be marked as read" in response.get_data(as_text=True)
    assert notifications_of(app, me)[0].read_at is None


def test_marking_read_needs_the_csrf_token(app, client, login_as):
    me = login_as("csm")
    send(app, [me])
    assert client.post("/notifications/read").status_code == 400
    assert notifications_of(app, me)[0].read_at is None


def test_the_count_is_queried_only_by_a_template_that_shows_it(app, make_user):
    me = make_user()
    send(app, [me])
    send(app, [me])
    statements = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with app.test_request_context():
        login_user(db.session.get(User, me))
        sa.event.listen(db.engine, "before_cursor_execute", record)
        try:
            assert render_template_string("{{ 'no count here' }}") == "no count here"
            assert statements == []
            twice = "{{ unread_notifications() }}/{{ unread_notifications() }}"
            assert render_template_string(twice) == "2/2"
            assert len(statements) == 1  # once per request, however often the page asks
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)
        assert unread_count(db.session.get(User, me)) == 2


def test_the_count_comes_with_the_user_and_follows_what_the_request_changes(app, make_user):
    me = make_user()
    send(app, [me])
    statements = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with app.test_request_context():
        user = db.session.get(User, me)
        start_session(user, remember=False, ip_address="127.0.0.1")
        cookie_id = user.get_id()
        db.session.commit()
        sa.event.listen(db.engine, "before_cursor_execute", record)
        try:
            user = load_user(cookie_id)  # as Flask-Login loads the request's user
            login_user(user)
            header = "{{ unread_notifications() }}"
            assert render_template_string(header) == "1"
            assert len(statements) == 1  # the user and the header's count in one statement
            notify([user], kind="sla_warning", subject="Breached", body="Look now.")
            assert render_template_string(header) == "2"  # written in this request: shown
            mark_read(user)
            assert render_template_string(header) == "0"
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)
