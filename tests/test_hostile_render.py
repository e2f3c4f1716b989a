"""No markup from user data reaches a page: every text a person can type is filled with a link
and an image, and no page, error message, flash or notification shows them as markup.

Each piece of text carries its own label (`<a href="//evil.test/contact-name">`), so a
failure names the data that leaked and the page it leaked on. The escaped form (`&lt;a href=`)
is what a page should show.
"""

import ast
import io
import re
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from app.auth.models import User
from app.extensions import db
from tests.conftest import csrf_token, login
from tests.seed_book import route_urls, seed_book

LEAKS = re.compile(r'<a href="//evil\.test/([\w-]+)|<img src=x alt="?([\w-]+)|<svg/onload=([\w-]+)')
APP = Path(__file__).resolve().parent.parent / "app"


def hostile(label: str) -> str:
    """A phishing link and an image, labelled with what the text is."""
    slug = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
    return f'<a href="//evil.test/{slug}">re-enter your password</a><img src=x alt="{slug}">'


SHOWN = re.compile(r"evil\.test/([\w-]+)|alt=(?:&#34;|&quot;|\")?([\w-]+)|onload=([\w-]+)")


def leaks(html: str) -> set[str]:
    return {next(g for g in m.groups() if g) for m in LEAKS.finditer(html)}


class Pages:
    """Fetches pages as one user and records every page that shows hostile markup."""

    def __init__(self, app, user_id, who):
        self.app, self.who = app, who
        self.client = app.test_client()
        login(self.client, app, user_id)
        self.token = csrf_token(self.client, "/profile")
        self.found: list[tuple[str, str, int, set[str]]] = []
        self.visited = 0
        self.shown: set[str] = set()  # labels on some page, escaped or not

    def check(self, method, url, response):
        self.visited += 1
        if "html" not in (response.content_type or ""):
            return response
        html = response.get_data(as_text=True)
        self.shown.update(next(g for g in m.groups() if g) for m in SHOWN.finditer(html))
        labels = leaks(html)
        if labels:
            self.found.append((self.who, f"{method} {url}", response.status_code, labels))
        return response

    def get(self, url, **kwargs):
        return self.check("GET", url, self.client.get(url, **kwargs))

    def post(self, url, data, **kwargs):
        data = {"csrf_token": self.token} | data
        return self.check("POST", url, self.client.post(url, data=data, **kwargs))


def report(found) -> str:
    by_label = defaultdict(set)
    for who, request, status, labels in found:
        for label in labels:
            by_label[label].add(f"{request} ({status}, as {who})")
    lines = [f"hostile markup shown unescaped on {len(found)} page views:"]
    for label, pages in sorted(by_label.items()):
        lines.append(f"  {label}:")
        lines += [f"      {page}" for page in sorted(pages)[:12]]
        if len(pages) > 12:
            lines.append(f"      … and {len(pages) - 12} more")
    return "\n".join(lines)


@pytest.fixture
def book(app):
    labels = set()

    def text(label):
        value = hostile(label)
        labels.add(re.search(r"evil\.test/([\w-]+)", value)[1])
        return value

    ids = seed_book(app, text)
    ids["labels"] = labels
    return ids


# Seeded text no page shows: an import row refused for its domain lists its errors only.
NOT_SHOWN = {"industry-x"}
QUERY = {
    name: hostile(f"query {name}")
    for name in ("q", "account_q", "reason", "status", "sort", "view", "tier", "owner", "page")
}


@pytest.mark.parametrize("who", ["admin", "executive", "csm"])
def test_no_page_shows_markup_from_user_data(app, book, who):
    if who == "csm":  # in Japanese: other catalogs, the same names in them
        with app.app_context():
            db.session.get(User, book["csm"]).locale = "ja"
            db.session.commit()
    pages = Pages(app, book[who], who)
    if who == "executive":  # their own name, changed on their own profile
        form = pages.client.get("/profile").get_data(as_text=True)
        version = re.search(r'name="version" type="hidden" value="(\d+)"', form)[1]
        response = pages.post(
            "/profile",
            {
                "version": version,
                "name": hostile("executive own profile name")[:120],
                "locale": "en",
            },
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    urls = [url for _endpoint, url in route_urls(app, book)]
    urls += [f"/accounts/{book[key]}" for key in book if key.endswith("_account")]
    urls += [
        f"/escalations/new?account_id={book['account']}",
        f"/escalations/?account_id={book['account']}",
        f"/sponsorships/?sponsor={book['executive']}",
        f"/sponsorships/executives/{book['executive']}",
        f"/sponsorships/executives/{book['rookie']}",
    ]
    for url in urls:
        pages.get(url)
        if "?" not in url:
            pages.get(url, query_string=QUERY)  # what a page echoes from its query
    assert pages.visited > 100
    if who == "admin":  # the check means something only if the seeded text is on the pages
        assert book["labels"] - pages.shown == NOT_SHOWN
    if pages.found:
        pytest.fail(report(pages.found), pytrace=False)


def test_error_messages_do_not_show_markup_from_the_input(app, book):
    """Refused input quoted back in the error (a region code, an amount, a domain), and
    refusals that name people, accounts, modules and company closures."""
    pages = Pages(app, book["admin"], "admin")
    calendar = f"/admin/calendars/{book['calendar']}"
    year = date.today().year
    refused = [
        # Not a region of the United States: the code typed is quoted back.
        pages.post(
            calendar,
            {
                "version": "1",
                "name": "Tokyo office",
                "timezone": "Asia/Tokyo",
                "monday-start_1": "09:00",
                "monday-end_1": "18:00",
                "country": "US",
                "subdivision": hostile("region code"),
            },
        ),
        # Overlaps the seeded year-end closure: names it.
        pages.post(
            f"{calendar}/closures",
            {"name": "Stocktaking", "starts_on": f"{year}-12-30", "ends_on": ""},
        ),
        pages.post(
            "/sponsorships/program/criteria",
            {"kind": "arr_at_least", "amounts": hostile("amount line")},
        ),
        pages.post(
            "/sponsorships/program/criteria",
            {"kind": "arr_below", "amounts": "JPY " + hostile("amount value")},
        ),
        pages.post(
            f"/escalations/{book['escalation']}/widespread",
            {
                "title": "Outage",
                "message": "We are on it.",
                "domains": "other-book.example.com\n<svg/onload=widespread-domain>",
            },
        ),
        # Already recorded: names the module and the executive.
        pages.post(
            f"/sponsorships/executives/{book['executive']}/training",
            {"module": hostile("training module")[:120], "completed_on": "2026-01-05"},
        ),
        # Already sponsored: names the account.
        pages.post(f"/sponsorships/nominate/{book['account']}", {"reason": "Again"}),
        # The untrained executive cannot sponsor: names them and their missing module.
        pages.post(
            f"/sponsorships/{book['nominated_sponsorship']}/approve",
            {"sponsor_id": str(book["rookie"]), "start_on": "2026-01-05"},
        ),
        pages.post(
            f"/sponsorships/{book['sponsorship']}/sponsor", {"sponsor_id": str(book["rookie"])}
        ),
        # A conflict: the saved (hostile) values beside the user's own.
        pages.post(
            f"/accounts/{book['account']}/edit",
            {
                "version": "0",
                "name": hostile("conflicting account name"),
                "domain": "own-book.example.com",
                "tier": "strategic",
                "arr": "1",
                "currency": "JPY",
                "status": "active",
                "csm_owner_id": "",
                "ae_owner_id": "",
            },
        ),
    ]
    upload = (
        "name,domain,industry,notes\n"
        f'"{hostile("uploaded name")}",uploaded.example.com,"{hostile("uploaded industry")}",x\n'
        f'"{hostile("uploaded bad row")}",not a domain,,\n'
    )
    response = pages.post(
        "/accounts/import",
        {"file": (io.BytesIO(upload.encode()), "<img src=x alt=upload-filename>.csv")},
        follow_redirects=True,
    )
    # Pages shown again with what was typed: the threat words found, a template filled in
    # with the escalation's title.
    shown_again = [
        pages.post(
            f"/escalations/new?account_id={book['account']}",
            {
                "account_id": str(book["account"]),
                "title": hostile("threatening title") + " our lawyer will call",
                "description": hostile("threatening description") + " we will cancel",
                "channel": "email",
                "category": "billing",
                "severity": "high",
                "reason": "relationship_risk",
                "requested_by": "internal",
            },
        ),
        pages.post(
            f"/escalations/{book['escalation']}/updates",
            {"template_key": "acknowledged", "channel": "email", "summary": "", "fill": "1"},
        ),
    ]
    statuses = [r.status_code for r in refused + shown_again]
    assert statuses == [422] * 9 + [409, 200, 200], [
        (r.status_code, r.request.path) for r in refused + shown_again
    ]
    assert "threatening-title" in pages.shown
    assert response.status_code == 200
    if pages.found:
        pytest.fail(report(pages.found), pytrace=False)


def test_flashes_and_notifications_do_not_show_markup_from_names(app, book):
    pages = Pages(app, book["admin"], "admin")
    with app.app_context():  # the one who is handed the escalation is named in the flash
        user = db.session.get(User, book["csm2"])
        user.name = hostile("handoff receiver name")[:120]
        db.session.commit()
    actions = [
        (
            "/accounts/new",
            {
                "name": hostile("new account name"),
                "domain": "flash-book.example.com",
                "tier": "growth",
                "arr": "0",
                "currency": "JPY",
                "status": "active",
                "csm_owner_id": "",
                "ae_owner_id": "",
            },
        ),
        (
            f"/accounts/{book['account']}/contacts/new",
            {"name": hostile("new contact name"), "role": "champion", "preferred_channel": "chat"},
        ),
        (f"/accounts/{book['account']}/contacts/{book['contact']}/delete", {}),
        (f"/accounts/{book['spare_account']}/delete", {}),
        (
            f"/escalations/{book['escalation']}/level",
            {
                "to_level": "3",
                "new_owner_id": str(book["csm2"]),
                "contact_id": "",
                "what_happened": "a",
                "what_was_tried": "b",
                "why_unresolved": "c",
                "what_is_needed": "d",
            },
        ),
        (f"/sponsorships/nominate/{book['declined_account']}", {"reason": "Big"}),
        (
            f"/sponsorships/{book['nominated_sponsorship']}/approve",
            {"sponsor_id": str(book["executive"]), "start_on": "2026-01-05"},
        ),
        # A sponsor leaves: the flash, the list it leads to and the admins' notification name
        # them and their accounts.
        (f"/admin/users/{book['executive']}/active", {"active": "0"}),
    ]
    for url, data in actions:
        response = pages.post(url, data, follow_redirects=True)
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and 'class="flash flash-' in html, (url, html[:3000])
    pages.get("/notifications/")
    if pages.found:
        pytest.fail(report(pages.found), pytrace=False)


def test_lazy_translations_come_from_app_i18n():
    """Flask-Babel's lazy strings pass as safe HTML; app.i18n's are escaped like text."""
    offenders = []
    for path in sorted(APP.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module == "flask_babel":
                names = [a.name for a in node.names if a.name.startswith("lazy_")]
            elif isinstance(node, ast.Attribute) and node.attr.startswith("lazy_"):
                names = [node.attr] if getattr(node.value, "id", "") == "flask_babel" else []
            else:
                continue
            offenders += [f"{path.relative_to(APP.parent)}:{node.lineno} {n}" for n in names]
    assert not offenders, "import lazy translations from app.i18n:\n" + "\n".join(offenders)
