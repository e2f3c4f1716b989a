"""The PDF briefs: the account and portfolio briefs carry the review (Japanese too, in the CJK
font's Regular and Bold faces), say what changed since the previous brief, are recorded with
their figures, and WeasyPrint loads nothing but the app's own static files."""

import subprocess
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from app.accounts.models import Account
from app.extensions import db
from app.touchpoints import pdf
from app.touchpoints.models import Brief, BriefKind
from tests.test_review import signed_in, sponsoring

JAPANESE_NAME = "株式会社髙橋製作所"


def pdf_text(data: bytes, tmp_path, name="brief.pdf") -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def pdf_fonts(data: bytes, tmp_path) -> str:
    path = tmp_path / "fonts.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture
def sponsor_account(make_account, make_sponsorship):
    return sponsoring(make_account, make_sponsorship)


@pytest.fixture
def japanese_book(app, make_user, sponsor_account, make_escalation):
    """An executive (Japanese UI) sponsoring a Japanese account with an executive escalation
    about cancellation (解約), and an English one."""
    executive = make_user("executive", name="高橋 一郎", locale="ja")
    account_id, _sponsorship = sponsor_account(executive, name=JAPANESE_NAME, health_score=62)
    make_escalation(account_id, title="解約の申し入れ", executive=True, threat_cancellation=True)
    other_id, _sponsorship = sponsor_account(executive, name="Globex Ltd", health_score=80)
    return {"executive": executive, "account": account_id, "other": other_id}


def test_account_brief_shows_the_japanese_review_and_is_recorded(app, japanese_book, tmp_path):
    client = signed_in(app, japanese_book["executive"])
    response = client.get(f"/review/accounts/{japanese_book['account']}/brief.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    disposition = response.headers["Content-Disposition"]
    account = japanese_book["account"]
    assert disposition.startswith(f'attachment; filename="account-brief-{account}-')
    assert f"filename*=UTF-8''{quote(JAPANESE_NAME)}" in disposition
    text = pdf_text(response.data, tmp_path)
    assert JAPANESE_NAME in text
    assert "解約の申し入れ" in text
    fonts = pdf_fonts(response.data, tmp_path)
    faces = {line.split()[0].partition("+")[2] for line in fonts.splitlines()[2:]}
    assert {"Noto-Sans-CJK-JP", "Noto-Sans-CJK-JP-Bold"} <= faces, fonts
    with app.app_context():
        brief = db.session.scalar(sa.select(Brief))
        assert brief.kind is BriefKind.ACCOUNT
        assert brief.executive_id == japanese_book["executive"]  # the account's sponsor
        assert brief.account_id == account
        assert brief.pages >= 1 and brief.size_bytes == len(response.data)
        assert brief.snapshot[str(account)]["health"] == 62
        assert brief.snapshot[str(account)]["executive_escalations"] == 1


def test_the_next_brief_says_what_changed(app, make_user, sponsor_account, tmp_path):
    executive = make_user("executive")
    account_id, _s = sponsor_account(executive, name="Initech", health_score=62)
    client = signed_in(app, executive)
    first = pdf_text(client.get(f"/review/accounts/{account_id}/brief.pdf").data, tmp_path)
    assert "First brief: nothing to compare with yet." in first
    again = pdf_text(client.get(f"/review/accounts/{account_id}/brief.pdf").data, tmp_path)
    assert "No changes since" in again
    with app.app_context():
        db.session.get(Account, account_id).health_score = 48
        db.session.commit()
    changed = pdf_text(client.get(f"/review/accounts/{account_id}/brief.pdf").data, tmp_path)
    assert "Changed since the last brief" in changed
    assert "Health 62 → 48" in changed


def test_portfolio_brief_has_every_account_and_what_changed(
    app, japanese_book, make_user, tmp_path
):
    executive = japanese_book["executive"]
    own = signed_in(app, executive)
    url = f"/review/{executive}/portfolio.pdf"
    response = own.get(url)
    assert response.status_code == 200
    text = pdf_text(response.data, tmp_path)
    assert JAPANESE_NAME in text and "Globex Ltd" in text and "解約の申し入れ" in text
    # The account with the executive escalation comes first in the summary.
    assert text.index(JAPANESE_NAME) < text.index("Globex Ltd")
    with app.app_context():
        db.session.get(Account, japanese_book["other"]).health_score = 55
        db.session.commit()
    second = pdf_text(own.get(url).data, tmp_path)
    assert "ヘルス 80 → 55" in second  # in the executive's language
    with app.app_context():
        briefs = db.session.scalars(sa.select(Brief).order_by(Brief.id)).all()
        assert [(b.kind, b.executive_id, b.account_id) for b in briefs] == [
            (BriefKind.PORTFOLIO, executive, None)
        ] * 2
        assert set(briefs[1].snapshot) == {
            str(japanese_book["account"]),
            str(japanese_book["other"]),
        }
    admin = signed_in(app, make_user("admin"))
    history = admin.get(f"/review/{executive}/briefs").get_data(as_text=True)
    assert history.count("Portfolio brief") >= 2


def test_an_account_brief_compares_with_the_last_portfolio_brief(app, japanese_book, tmp_path):
    client = signed_in(app, japanese_book["executive"])
    client.get(f"/review/{japanese_book['executive']}/portfolio.pdf")
    with app.app_context():
        db.session.get(Account, japanese_book["other"]).health_score = 30
        db.session.commit()
    text = pdf_text(
        client.get(f"/review/accounts/{japanese_book['other']}/brief.pdf").data, tmp_path
    )
    assert "80 → 30" in text


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://example.com/static/css/app.css",
        "https://localhost/static/css/app.css",
        "http://localhost/static/../../../../etc/passwd",
        "http://localhost/static/%2e%2e/%2e%2e/config.py",
        "http://localhost/elsewhere/app.css",
        "data:text/css,body{}",
        "ftp://localhost/static/css/app.css",
    ],
)
def test_the_fetcher_refuses_anything_but_static_files(app, url):
    with app.test_request_context(base_url="http://localhost/"):
        with pytest.raises(ValueError):
            pdf.fetch(url)


def test_the_fetcher_loads_static_files(app):
    with app.test_request_context(base_url="http://localhost/"):
        response = pdf.fetch("http://localhost/static/css/print.css")
        assert b"@page" in response.read()
        inside = f"file://{app.static_folder}/css/app.css"
        assert b"font-family" in pdf.fetch(inside).read()
        outside = f"file://{app.static_folder}/../__init__.py"
        with pytest.raises(ValueError):
            pdf.fetch(outside)


def test_a_template_cannot_make_the_pdf_load_other_files(app, tmp_path):
    html = (
        '<p>x</p><img src="file:///etc/passwd"><img src="http://example.com/a.png">'
        '<link rel="stylesheet" href="file:///etc/passwd">'
    )
    with app.test_request_context(base_url="http://localhost/"):
        rendered = pdf.render(html)
    path = tmp_path / "probe.pdf"
    path.write_bytes(rendered.data)
    images = subprocess.run(
        ["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True
    ).stdout
    assert len(images.strip().splitlines()) == 2  # the header lines only: no image loaded


def test_changes_are_counted_from_the_executives_own_last_brief(
    app, make_user, sponsor_account, tmp_path
):
    """A brief an admin downloaded is not one the executive read: the executive's next brief
    still shows what changed since their own last one."""
    executive = make_user("executive")
    account_id, _s = sponsor_account(executive, name="Initech", health_score=62)
    mine = signed_in(app, executive)
    mine.get(f"/review/accounts/{account_id}/brief.pdf")
    with app.app_context():
        db.session.get(Account, account_id).health_score = 48
        db.session.commit()
    admin = signed_in(app, make_user("admin"))
    seen_by_admin = pdf_text(admin.get(f"/review/accounts/{account_id}/brief.pdf").data, tmp_path)
    assert "Health 62 → 48" in seen_by_admin
    again = pdf_text(mine.get(f"/review/accounts/{account_id}/brief.pdf").data, tmp_path)
    assert "Health 62 → 48" in again
