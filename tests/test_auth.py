"""Sign-in, throttling, sessions, deactivation, security headers, user administration."""

import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.auth.models import LoginAttempt, User
from app.extensions import db
from tests.conftest import PASSWORD, csrf_token, login

WRONG = "The e-mail or password is incorrect."


def sign_in(client, email, password):
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf_token(client)}
    )


def test_unknown_email_and_wrong_password_get_the_same_message(client, make_user):
    make_user("csm", email="known@example.test")
    unknown = sign_in(client, "nobody@example.test", PASSWORD).get_data(as_text=True)
    wrong = sign_in(client, "known@example.test", "not-the-password").get_data(as_text=True)
    assert WRONG in unknown and WRONG in wrong


def test_sign_in_renews_the_session_and_remember_me_is_off(client, make_user):
    make_user("csm", email="a@example.test")
    client.get("/login")
    before = client.get_cookie("session").value
    response = sign_in(client, "a@example.test", PASSWORD)
    assert response.status_code == 302
    assert client.get_cookie("session").value != before
    assert client.get_cookie("remember_token") is None
    assert "HttpOnly" in response.headers["Set-Cookie"]
    assert "SameSite=Lax" in response.headers["Set-Cookie"]


def test_ten_failures_lock_the_email_even_with_the_right_password(app, client, make_user):
    make_user("csm", email="locked@example.test")
    for _ in range(10):
        sign_in(client, "locked@example.test", "wrong-password")
    response = sign_in(client, "locked@example.test", PASSWORD)
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.get_data(as_text=True)
    with app.app_context():
        failures = db.session.scalar(
            sa.select(sa.func.count()).where(LoginAttempt.succeeded.is_(False))
        )
    assert failures == 10


def test_guessing_random_emails_from_one_address_locks_no_one_else(client, make_user):
    make_user("csm", email="colleague@example.test")
    for n in range(10):
        sign_in(client, f"guess{n}@example.test", "whatever-1")
    assert sign_in(client, "colleague@example.test", PASSWORD).status_code == 302


def test_many_failures_from_one_address_lock_that_address(app, client, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES_PER_ADDRESS", 12)
    make_user("csm", email="victim@example.test")
    for n in range(12):
        sign_in(client, f"guess{n}@example.test", "whatever-1")
    assert sign_in(client, "victim@example.test", PASSWORD).status_code == 429
    other_address = client.post(
        "/login",
        data={
            "email": "victim@example.test",
            "password": PASSWORD,
            "csrf_token": csrf_token(client),
        },
        environ_base={"REMOTE_ADDR": "192.0.2.7"},
    )
    assert other_address.status_code == 302


def test_deactivated_user_cannot_sign_in_and_open_sessions_end(app, client, make_user):
    admin = app.test_client()
    login(admin, app, make_user("admin"))
    user_id = make_user("csm", email="leaver@example.test")
    login(client, app, user_id)
    assert client.get("/accounts/").status_code == 200
    response = admin.post(
        f"/admin/users/{user_id}/active",
        data={"active": "0", "csrf_token": csrf_token(admin, "/profile")},
    )
    assert response.status_code == 302
    assert client.get("/accounts/").status_code == 302  # sent back to sign-in
    assert WRONG in sign_in(client, "leaver@example.test", PASSWORD).get_data(as_text=True)
    with app.app_context():
        event = db.session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.entity_type == "user", AuditEvent.entity_id == user_id
            )
        ).one()
        assert event.changes == {"active": [True, False]}


def test_admin_cannot_deactivate_themselves(app, client, make_user):
    me = make_user("admin")
    login(client, app, me)
    response = client.post(
        f"/admin/users/{me}/active",
        data={"active": "0", "csrf_token": csrf_token(client, "/profile")},
        follow_redirects=True,
    )
    assert "You cannot deactivate yourself." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, me).active


def test_security_headers(client):
    headers = client.get("/login").headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_post_without_csrf_token_is_refused(app, client, make_user):
    login(client, app, make_user("csm"))
    response = client.post("/logout")
    assert response.status_code == 400
    assert "form expired" in response.get_data(as_text=True).lower()


def test_next_parameter_cannot_send_the_user_elsewhere(client, make_user):
    make_user("csm", email="n@example.test")
    client.get("/login?next=https://evil.example.com/")
    response = client.post(
        "/login?next=https://evil.example.com/",
        data={"email": "n@example.test", "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.headers["Location"] == "/"


def test_admin_creates_a_user_with_roles_and_it_is_audited(app, client, make_user):
    login(client, app, make_user("admin"))
    token = csrf_token(client, "/admin/users/new")
    response = client.post(
        "/admin/users/new",
        data={
            "email": "New.Person@Example.test",
            "name": "New Person",
            "roles": ["csm", "ae"],
            "locale": "ja",
            "password": "long-enough-1",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    with app.app_context():
        user = db.session.scalars(
            sa.select(User).where(User.email == "new.person@example.test")
        ).one()
        assert {r.value for r in user.roles} == {"csm", "ae"}
        event = db.session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.entity_id == user.id, AuditEvent.entity_type == "user"
            )
        ).one()
        assert event.changes["roles"] == [None, ["ae", "csm"]]
        assert "password_hash" not in event.changes


def test_user_form_errors_are_shown_per_field(app, client, make_user):
    login(client, app, make_user("admin", email="taken@example.test"))
    response = client.post(
        "/admin/users/new",
        data={
            "email": "taken@example.test",
            "name": "",
            "password": "short",
            "csrf_token": csrf_token(client, "/admin/users/new"),
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Pick at least one role." in html
    assert "This field is required." in html  # name
    assert "at least 8 characters" in html.lower()


def test_changing_roles_ends_that_users_sessions(app, client, make_user):
    admin = app.test_client()
    login(admin, app, make_user("admin"))
    user_id = make_user("csm", email="moved@example.test", name="Moved")
    login(client, app, user_id)
    with app.app_context():
        version = db.session.get(User, user_id).version
    response = admin.post(
        f"/admin/users/{user_id}",
        data={
            "version": version,
            "email": "moved@example.test",
            "name": "Moved",
            "roles": ["ae"],
            "locale": "",
            "csrf_token": csrf_token(admin, "/profile"),
        },
    )
    assert response.status_code == 302
    assert client.get("/accounts/").status_code == 302


def test_profile_language_switches_the_interface(app, client, make_user):
    user_id = make_user("csm", locale=None)
    login(client, app, user_id)
    with app.app_context():
        version = db.session.get(User, user_id).version
    client.post(
        "/profile",
        data={
            "version": version,
            "name": "Me",
            "locale": "ja",
            "csrf_token": csrf_token(client, "/profile"),
        },
    )
    assert "アカウント" in client.get("/accounts/").get_data(as_text=True)


def test_language_defaults_from_the_browser(client):
    html = client.get("/login", headers={"Accept-Language": "ja,en;q=0.5"}).get_data(as_text=True)
    assert "ログイン" in html


def test_production_refuses_to_start_without_secrets(monkeypatch):
    import pytest

    from app import create_app
    from config import ProductionConfig

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY, DATABASE_URL"):
        create_app(ProductionConfig)
