"""Security fixes found by trying the product as an attacker would (issue 7): escaping of
translated messages, sessions ended on sign-out, throttling behind proxies, cache and HSTS
headers, refused requests logged, out-of-range ids and control characters in input."""

import ast
import logging
import re
from pathlib import Path

import sqlalchemy as sa

from app import create_app
from app.accounts.models import Account
from app.auth.models import LoginAttempt, User
from app.extensions import db
from config import ProductionConfig, TestingConfig
from tests.conftest import PASSWORD, csrf_token, login

HOSTILE_NAME = '<a href="//evil.test/login">re-enter your password</a>'


def sign_in(client, email, password=PASSWORD, remember=False, **kwargs):
    data = {"email": email, "password": password, "csrf_token": csrf_token(client)}
    if remember:
        data["remember"] = "y"
    return client.post("/login", data=data, **kwargs)


def test_an_executives_own_name_is_shown_as_text_on_their_training_page(app, client, make_user):
    executive = make_user("executive", name=HOSTILE_NAME)
    login(client, app, make_user("admin"))
    html = client.get(f"/sponsorships/executives/{executive}").get_data(as_text=True)
    assert "re-enter your password" in html  # the message naming them is there …
    assert '<a href="//evil.test' not in html  # … as text, not as a link
    assert "&lt;a href=&#34;//evil.test/login&#34;&gt;" in html


def test_no_module_takes_lazy_translations_from_flask_babel():
    """Flask-Babel's lazy strings are trusted HTML; app.i18n's are escaped like text."""
    offenders = []
    for path in Path("app").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "flask_babel":
                names = {alias.name for alias in node.names}
                if names & {"lazy_gettext", "lazy_pgettext", "lazy_ngettext"}:
                    offenders.append(str(path))
    assert offenders == []


def test_a_cookie_copied_before_sign_out_is_worthless_after(app, client, make_user):
    make_user("csm", email="leaving@example.test")
    assert sign_in(client, "leaving@example.test").status_code == 302
    stolen = client.get_cookie("session").value
    client.post("/logout", data={"csrf_token": csrf_token(client, "/profile")})
    client.set_cookie("session", stolen)
    response = client.get("/accounts/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_remember_me_cookie_alone_is_worthless_after_sign_out(app, client, make_user):
    make_user("csm", email="remembered@example.test")
    assert sign_in(client, "remembered@example.test", remember=True).status_code == 302
    remember = client.get_cookie("remember_token").value
    replay = app.test_client()
    replay.set_cookie("remember_token", remember)
    assert replay.get("/accounts/").status_code == 200  # it works while signed in
    client.post("/logout", data={"csrf_token": csrf_token(client, "/profile")})
    replay = app.test_client()
    replay.set_cookie("remember_token", remember)
    assert replay.get("/accounts/").status_code == 302


def test_signing_out_on_one_device_keeps_the_other_signed_in(app, client, make_user):
    make_user("csm", email="two@example.test")
    laptop, phone = client, app.test_client()
    sign_in(laptop, "two@example.test")
    sign_in(phone, "two@example.test")
    laptop.post("/logout", data={"csrf_token": csrf_token(laptop, "/profile")})
    assert phone.get("/accounts/").status_code == 200
    assert laptop.get("/accounts/").status_code == 302


def test_behind_a_trusted_proxy_each_client_address_is_throttled_apart(database_url, make_user):
    proxied = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=database_url, TRUSTED_PROXIES=1)
    make_user("admin", email="boss@example.test")
    attacker = proxied.test_client()
    for n in range(12):
        sign_in(
            attacker,
            f"guess{n}@example.test",
            "nope-nope",
            headers={"X-Forwarded-For": "203.0.113.9"},
            environ_base={"REMOTE_ADDR": "10.0.0.1"},
        )
    admin = proxied.test_client()
    response = sign_in(
        admin,
        "boss@example.test",
        headers={"X-Forwarded-For": "198.51.100.4"},
        environ_base={"REMOTE_ADDR": "10.0.0.1"},
    )
    assert response.status_code == 302
    with proxied.app_context():
        addresses = set(db.session.scalars(sa.select(LoginAttempt.ip_address)))
        db.session.remove()
    assert addresses == {"203.0.113.9", "198.51.100.4"}


def test_without_trusted_proxies_a_forwarded_address_is_ignored(app, client, make_user):
    make_user("csm", email="x@example.test")
    sign_in(client, "x@example.test", "wrong-1", headers={"X-Forwarded-For": "203.0.113.9"})
    with app.app_context():
        assert db.session.scalar(sa.select(LoginAttempt.ip_address)) == "127.0.0.1"


def test_signed_in_pages_are_not_cached_and_production_sends_hsts(app, client, make_user):
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")
    login(client, app, make_user("csm"))
    assert client.get("/accounts/").headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in client.get("/accounts/").headers

    class HTTPSProduction(ProductionConfig):
        SECRET_KEY = "x" * 32

    production = create_app(HTTPSProduction, SQLALCHEMY_DATABASE_URI="sqlite://")
    headers = production.test_client().get("/login", base_url="https://crm.example").headers
    assert headers["Strict-Transport-Security"].startswith("max-age=")


def test_refused_requests_are_logged_as_security_events(app, client, make_user, caplog):
    user_id = make_user("csm")
    login(client, app, user_id)
    with caplog.at_level(logging.WARNING, logger="app.security"):
        client.get("/admin/users/new")  # admins only
        client.post("/logout")  # no CSRF token
    lines = [r.getMessage() for r in caplog.records if r.name == "app.security"]
    assert any(
        "kind=forbidden" in m and f"user={user_id}" in m and "/admin/users/new" in m for m in lines
    )
    assert any("kind=csrf" in m and "route=auth.logout" in m and "ip=127.0.0.1" in m for m in lines)


def test_a_throttled_sign_in_is_a_security_event(app, client, make_user, caplog):
    make_user("csm", email="t@example.test")
    for _ in range(10):
        sign_in(client, "t@example.test", "wrong-1")
    with caplog.at_level(logging.WARNING, logger="app.security"):
        assert sign_in(client, "t@example.test").status_code == 429
    assert any("sign-in throttled" in r.getMessage() for r in caplog.records)


def test_signing_in_is_not_an_edit_of_the_user(app, client, make_user):
    user_id = make_user("csm", email="v@example.test")
    with app.app_context():
        before = db.session.get(User, user_id).version
    sign_in(client, "v@example.test")
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user.version == before
        assert user.last_login_at is not None


def test_ids_and_numbers_out_of_range_are_not_found_or_ignored(
    app, client, make_user, make_account
):
    login(client, app, make_user("admin"))
    make_account(name="Kept")
    for huge in (2**31, 2**63, 10**30):
        assert client.get(f"/accounts/{huge}").status_code == 404
        assert client.get(f"/escalations/{huge}").status_code == 404
        listing = client.get(f"/accounts/?page={huge}&owner={huge}")
        assert listing.status_code == 200
        assert client.get(f"/escalations/?account_id={huge}&page={huge}").status_code == 200
        export = client.get(f"/accounts/export.csv?owner={huge}")
        assert export.status_code == 200
        assert "Kept" in export.get_data(as_text=True)  # an ignored filter, not a dead stream


def test_control_characters_are_removed_from_text_input(app, client, make_user, make_account):
    login(client, app, make_user("admin"))
    account_id = make_account(name="Before")
    page = client.get(f"/accounts/{account_id}/edit").get_data(as_text=True)
    fields = dict(re.findall(r'name="(\w+)" type="hidden" value="([^"]*)"', page))
    with app.app_context():
        account = db.session.get(Account, account_id)
        data = {
            "name": "Nul\x00 Corp\x07",
            "domain": account.domain,
            "industry": "Soft\x00ware",
            "tier": account.tier.value,
            "arr": "10000",
            "currency": account.currency,
            "status": account.status.value,
            "health_score": "70",
            "csm_owner_id": "",
            "ae_owner_id": "",
            "notes": "line one\nline\ttwo\x00",
        }
    data.update(fields)
    response = client.post(f"/accounts/{account_id}/edit", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    with app.app_context():
        account = db.session.get(Account, account_id)
        assert account.name == "Nul Corp"
        assert account.industry == "Software"
        assert account.notes == "line one\nline\ttwo"


def test_a_page_past_the_end_says_so_and_links_to_the_last_page(
    app, client, make_user, make_account
):
    login(client, app, make_user("admin"))
    for n in range(30):
        make_account(name=f"Account {n:02d}")
    html = client.get("/accounts/?page=9").get_data(as_text=True)
    assert "No accounts yet" not in html
    assert "Page 9 is past the end of this list: it has only 2 pages." in html
    assert 'href="/accounts/?page=2&amp;' in html
    assert "Account" in client.get("/accounts/?page=2").get_data(as_text=True)
