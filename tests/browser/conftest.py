"""Browser fixtures: the app served on a real port, headless Chromium, a page per test.

The session `app` fixture and the per-test database cleaning come from tests/conftest.py.
Playwright's sync API is used directly (no pytest-playwright plugin).
"""

import re
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright
from werkzeug.serving import make_server

from app.auth.models import User
from app.extensions import db
from tests.conftest import PASSWORD

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

expect.set_options(timeout=10_000)


@pytest.fixture(scope="session")
def live_server(app):
    """The app served by werkzeug on a free local port; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def playwright_driver():
    driver = sync_playwright().start()
    yield driver
    driver.stop()


@pytest.fixture(scope="session")
def browser(playwright_driver):
    browser = playwright_driver.chromium.launch(
        executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, so fixtures can tell a failed test."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def new_page(browser, live_server, request):
    """new_page() opens a page in a fresh browser context (its own cookies: another person).

    Every context is closed after the test; on failure each page is saved as a screenshot
    in test-artifacts/.
    """
    contexts = []

    def open_page():
        context = browser.new_context(
            base_url=live_server, locale="en-US", viewport={"width": 1300, "height": 900}
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page

    failed = any(
        getattr(request.node, f"rep_{when}", None) is not None
        and getattr(request.node, f"rep_{when}").failed
        for when in ("setup", "call")
    )
    for n, context in enumerate(contexts, start=1):
        if failed:
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
            ARTIFACTS.mkdir(exist_ok=True)
            for m, page in enumerate(context.pages, start=1):
                try:
                    page.screenshot(path=str(ARTIFACTS / f"{name}-{n}-{m}.png"), full_page=True)
                except Exception as error:  # a screenshot must not hide the real failure
                    print(f"screenshot failed: {error}")
        context.close()


@pytest.fixture
def page(new_page):
    """One person's page: a new context (locale en-US, 1300x900) per test."""
    return new_page()


@pytest.fixture
def sign_in(app):
    """sign_in(page, user_id) signs the user in through the sign-in form."""

    def do(page, user_id, password=PASSWORD):
        with app.app_context():
            email = db.session.get(User, user_id).email
        page.goto("/login")
        page.get_by_label("E-mail", exact=True).fill(email)
        page.get_by_label("Password", exact=True).fill(password)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    return do


def main_nav(page, name, menu="Main"):
    """Follow a link of the main navigation as a user would: on a phone the navigation is
    folded behind the menu button, which is tapped first."""
    button = page.locator("label.menu-button")
    if button.is_visible():
        button.click()
    page.get_by_role("navigation", name=menu).get_by_role("link", name=name, exact=True).click()
