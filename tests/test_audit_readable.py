"""The audit history on record pages reads as people speak: names, formatted money and dates,
labels, criteria as the admin sees them; the latest few changes first, the rest under
"Show all"; in Japanese without italics."""

import re
from html import unescape

import pytest

from app.audit import services as audit
from app.auth.models import User
from app.extensions import db
from tests.conftest import csrf_token, login


def history_text(html: str) -> str:
    """The history section as the reader sees it (tags dropped, spaces collapsed)."""
    section = re.search(
        r'<section class="card audit-history" id="history">(.*?)</section>', html, re.S
    )
    assert section, "no audit history on the page"
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", section.group(1))))


def record(app, actor_id, entity_type, entity_id, action, changes, **extra):
    with app.app_context():
        actor = db.session.get(User, actor_id)
        audit.record(actor, entity_type, entity_id, action, changes=changes, **extra)
        db.session.commit()


@pytest.fixture
def people(make_user):
    return {
        "admin": make_user("admin", name="Aiko Admin", email="aiko@example.com"),
        "csm": make_user("csm", name="Sakura Tanaka", email="sakura@example.com"),
        "other": make_user("csm", name="Daisuke Mori", email="daisuke@example.com"),
    }


@pytest.fixture
def account(make_account, people):
    return make_account(name="株式会社みなと物流", currency="JPY", csm_owner_id=people["csm"])


def test_account_history_names_people_formats_money_and_dates(app, client, people, account):
    record(
        app,
        people["admin"],
        "account",
        account,
        "update",
        {
            "csm_owner": ["sakura@example.com", "daisuke@example.com"],
            "arr_minor": [300_000_000, 450_000_000],
            "renewal_date": ["2027-04-01", "2027-10-01"],
            "tier": ["enterprise", "strategic"],
        },
        summary="株式会社みなと物流",
        account_id=account,
    )
    login(client, app, people["admin"])
    text = history_text(client.get(f"/accounts/{account}").get_data(as_text=True))
    assert "Sakura Tanaka → Daisuke Mori" in text
    assert "¥300,000,000 → ¥450,000,000" in text
    assert "Apr 1, 2027 → Oct 1, 2027" in text
    assert "Enterprise → Strategic" in text
    for raw in ("@example.com", "minor units", "2027-04-01", "arr_minor", "enterprise"):
        assert raw not in text


def test_program_history_shows_rules_as_sentences_and_cadences_by_tier(app, client, people):
    login(client, app, people["admin"])
    token = csrf_token(client, "/sponsorships/program")
    added = client.post(
        "/sponsorships/program/criteria",
        data={"kind": "renewal_within", "days": "90", "csrf_token": token},
    )
    assert added.status_code == 302
    # A row written before rules were stored as data reads the same way.
    record(
        app,
        people["admin"],
        "program",
        1,
        "criterion",
        {"rule": ["exit: health_at_least_for {'score': 80, 'days': 60}", None]},
        summary="criteria",
    )
    record(
        app,
        people["admin"],
        "program",
        1,
        "update",
        {
            "cadence_by_tier": [{}, {"strategic": {"executive_call": 3, "business_review": 6}}],
            "responsibilities": [["Meet quarterly"], ["Meet quarterly", "Own the plan"]],
            "entry_combination": ["any", "all"],
        },
        summary="program settings",
    )
    text = history_text(client.get("/sponsorships/program").get_data(as_text=True))
    assert "Entry: Renewal within 90 days" in text
    assert "Exit: Health ≥ 80 for 60 days" in text
    assert "Strategic: Executive call every 3 months, Business review every 6 months" in text
    assert "Meet quarterly → Meet quarterly, Own the plan" in text
    assert "Any rule is enough → Every rule must be met" in text
    for raw in ("{", "[", "'", "renewal_within", "cadence_by_tier", "entry_combination"):
        assert raw not in text


def test_history_shows_the_latest_five_and_the_rest_under_show_all(app, client, people, account):
    for score in range(60, 68):
        record(
            app,
            people["csm"],
            "account",
            account,
            "update",
            {"health_score": [score, score + 1]},
            summary="株式会社みなと物流",
            account_id=account,
        )
    login(client, app, people["admin"])
    html = client.get(f"/accounts/{account}").get_data(as_text=True)
    first, _, rest = (
        re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", part))
        for part in html.partition('<details class="audit-more">')
    )
    assert rest, "no “Show all” on a long history"
    assert "Show all (8)" in rest
    assert "67 → 68" in first and "63 → 64" in first  # the latest five, newest first
    assert "62 → 63" not in first and "60 → 61" in rest


def test_japanese_history_has_no_italics_and_japanese_labels(app, client, make_user, account):
    reader = make_user("admin", name="管理 花子", locale="ja")
    record(
        app,
        reader,
        "account",
        account,
        "update",
        {"arr_minor": [300_000_000, 450_000_000], "status": ["active", "at_risk"]},
        summary="株式会社みなと物流",
        account_id=account,
    )
    login(client, app, reader)
    html = client.get(f"/accounts/{account}").get_data(as_text=True)
    section = html.partition('id="history"')[2].partition("</section>")[0]
    assert "<em>" not in section and "<i>" not in section
    text = history_text(html)
    assert "￥300,000,000 → ￥450,000,000" in text or "¥300,000,000 → ¥450,000,000" in text
    assert "ステータス" in text and "アクティブ → " in text
    assert "Status" not in text and "at_risk" not in text
