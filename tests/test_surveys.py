"""The satisfaction survey: sent after the resolution (by the resolve form or the escalation
page's button) as an e-mail through the outbox and a real SMTP server; its one-time link opens
a public page in the customer's language that records one answer. Used, replaced, expired and
tampered links get a friendly page and change nothing; bad input is told next to its field;
the page is rate-limited and leaks no Referer."""

import re
from datetime import timedelta
from html import unescape
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from app.accounts.models import Contact, ContactRole, Departure, TimelineEvent
from app.audit.models import AuditEvent
from app.auth.models import User
from app.escalations import surveys
from app.escalations.models import Escalation, Status, Survey
from app.escalations.survey_views import rate_limiter
from app.extensions import db
from app.models import utcnow
from app.notifications.models import OutboxEmail
from app.notifications.sender import send_pending
from tests.conftest import csrf_token, login
from tests.test_outbox import smtp_server

TITLE = "Invoices fail to render"


@pytest.fixture(autouse=True)
def fresh_rate_limit(app):
    """Each test starts with no requests counted against its address."""
    rate_limiter_of(app).clear()
    yield
    rate_limiter_of(app).clear()


def rate_limiter_of(app):
    with app.app_context():
        return rate_limiter()


@pytest.fixture
def mailbox(app, monkeypatch):
    with smtp_server() as (port, box):
        monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
        monkeypatch.setitem(app.config, "MAIL_PORT", port)
        yield box


@pytest.fixture
def resolved(app, make_user, make_account, make_contact, make_escalation):
    """A resolved escalation on an account a CSM owns, with two contacts: {ids}."""
    csm = make_user("csm")
    account = make_account(csm_owner_id=csm, name="Sato Trading")
    contact = make_contact(account, name="Hanako Sato", email="hanako@example.co.jp")
    other = make_contact(
        account, name="Taro Suzuki", email="taro@example.co.jp", role=ContactRole.USER
    )
    escalation = make_escalation(
        account,
        title=TITLE,
        status=Status.RESOLVED,
        resolved_at=utcnow() - timedelta(hours=1),
        owner_id=csm,
    )
    return dict(csm=csm, account=account, contact=contact, other=other, escalation=escalation)


def send(app, ids, contact="contact", language=None) -> str:
    """Send the survey through the service, committed; the path of its link."""
    with app.test_request_context():
        survey = surveys.send_survey(
            db.session.get(User, ids["csm"]),
            db.session.get(Escalation, ids["escalation"]),
            db.session.get(Contact, ids[contact]),
            utcnow(),
            language=language,
        )
        path = surveys.survey_path(survey)
        db.session.commit()
        return path


def survey_row(app, ids) -> Survey | None:
    with app.app_context():
        survey = db.session.scalars(
            sa.select(Survey).where(Survey.escalation_id == ids["escalation"])
        ).first()
        if survey is not None:
            db.session.expunge(survey)
        return survey


def counts(app) -> dict:
    with app.app_context():
        return {
            "emails": db.session.scalar(sa.select(sa.func.count(OutboxEmail.id))),
            "answered_audits": db.session.scalar(
                sa.select(sa.func.count(AuditEvent.id)).where(
                    AuditEvent.action == "survey_answered"
                )
            ),
            "timeline": db.session.scalar(
                sa.select(sa.func.count(TimelineEvent.id)).where(
                    TimelineEvent.kind == "survey_answered"
                )
            ),
        }


def page_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, "no CSRF token on the survey page"
    return match.group(1)


def answer(client, path, **fields):
    """Open the link as the customer's browser does, then send the form."""
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    data = {"csrf_token": page_token(page.get_data(as_text=True))} | fields
    return client.post(path, data=data)


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def text_raw(client, ids) -> str:
    """The escalation page as sent (markup escaped)."""
    return client.get(f"/escalations/{ids['escalation']}").get_data(as_text=True)


# Sending -------------------------------------------------------------------------------------


def test_the_emailed_link_works_once_through_the_real_smtp_server(app, resolved, mailbox):
    send(app, resolved)
    with app.app_context():
        assert send_pending(utcnow()) == {"sent": 1, "failed": 0, "retry": 0}

    [(recipients, message)] = mailbox.received
    assert recipients == ["hanako@example.co.jp"]
    assert TITLE in message["Subject"]
    body = message.get_content()
    assert "Dear Hanako Sato" in body
    [link] = re.findall(r"http\S+", body)
    assert link.startswith(app.config["APP_BASE_URL"] + "/survey/")
    path = urlsplit(link).path

    browser = app.test_client()  # a fresh browser: no cookie yet, the page gives the session
    page = browser.get(path)
    assert page.status_code == 200
    assert TITLE in text(page)
    done = browser.post(
        path,
        data={"csrf_token": page_token(text(page)), "score": "4", "comment": "Quick and kind."},
    )
    assert done.status_code == 302
    assert "Thank you" in text(browser.get(done.headers["Location"]))

    survey = survey_row(app, resolved)
    assert (survey.score, survey.comment, survey.satisfied) == (4, "Quick and kind.", True)
    assert survey.answered_at is not None
    before = counts(app)
    assert before["answered_audits"] == 1 and before["timeline"] == 1

    again = browser.get(path)
    assert again.status_code == 410
    assert "already answered" in text(again)
    resent = browser.post(
        path, data={"csrf_token": page_token(text(page)), "score": "1", "comment": "Changed"}
    )
    assert resent.status_code == 410
    assert survey_row(app, resolved).score == 4
    assert counts(app) == before


def test_owner_sends_from_the_escalation_page_and_sees_the_answer(app, client, resolved):
    login(client, app, resolved["csm"])
    page = text(client.get(f"/escalations/{resolved['escalation']}"))
    assert "Satisfaction survey" in page and "No survey sent." in page
    assert "Hanako Sato &lt;hanako@example.co.jp&gt;" in text_raw(client, resolved)
    assert ">Send survey</button>" in page
    response = client.post(
        f"/escalations/{resolved['escalation']}/survey/send",
        data={
            "csrf_token": csrf_token(client, "/profile"),
            "contact_id": str(resolved["contact"]),
            "language": "ja",
            "sent_times": "0",
        },
    )
    assert response.status_code == 302
    page = text(client.get(response.headers["Location"]))
    assert "Survey sent to hanako@example.co.jp." in page
    assert "Sent to hanako@example.co.jp on" in page and "not answered yet" in page
    assert ">Send again</button>" in page
    survey = survey_row(app, resolved)
    assert (survey.email, survey.language, survey.times_sent) == ("hanako@example.co.jp", "ja", 1)
    with app.app_context():
        email = db.session.scalars(sa.select(OutboxEmail)).one()
        assert email.to_address == "hanako@example.co.jp"
        path = urlsplit(re.search(r"http\S+", email.body).group()).path
        audit = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "survey_sent")
        ).one()
        assert audit.entity_id == resolved["escalation"]

    customer = app.test_client()
    page = customer.get(path)
    assert '<html lang="ja">' in text(page)  # the language chosen when it was sent
    answer(
        customer,
        path,
        score="2",
        reasons=["slow_response", "had_to_repeat"],
        reason_text="Three people asked me the same.",
        comment="Fixed in the end.",
    )

    shown = text(client.get(f"/escalations/{resolved['escalation']}"))
    assert "Score 2/5" in shown
    assert ">Send again</button>" not in shown
    assert "The response was slow" in shown and "I had to repeat myself" in shown
    assert "Three people asked me the same." in shown and "Fixed in the end." in shown
    timeline = text(client.get(f"/accounts/{resolved['account']}"))
    assert "2/5" in timeline


def test_sending_again_replaces_the_link_and_a_double_click_sends_once(app, client, resolved):
    old_path = send(app, resolved)
    login(client, app, resolved["csm"])
    token = csrf_token(client, "/profile")
    form = {"csrf_token": token, "contact_id": str(resolved["other"]), "language": "en"}

    first = client.post(
        f"/escalations/{resolved['escalation']}/survey/send", data=form | {"sent_times": "1"}
    )
    assert first.status_code == 302
    survey = survey_row(app, resolved)
    assert (survey.email, survey.times_sent) == ("taro@example.co.jp", 2)
    assert counts(app)["emails"] == 2

    # The same form sent a second time (a double click): refused, nothing sent.
    second = client.post(
        f"/escalations/{resolved['escalation']}/survey/send", data=form | {"sent_times": "1"}
    )
    assert second.status_code == 409
    assert "Someone else sent the survey meanwhile" in text(second)
    assert counts(app)["emails"] == 2
    assert survey_row(app, resolved).times_sent == 2

    customer = app.test_client()
    refused = customer.get(old_path)
    assert refused.status_code == 410
    assert "no longer valid" in text(refused)
    with app.app_context():
        new_path = urlsplit(
            re.search(
                r"http\S+",
                db.session.scalars(sa.select(OutboxEmail).order_by(OutboxEmail.id.desc()))
                .first()
                .body,
            ).group()
        ).path
    assert answer(customer, new_path, score="5").status_code == 302


def test_an_answered_survey_is_not_sent_again(app, client, resolved):
    path = send(app, resolved)
    answer(app.test_client(), path, score="3")
    login(client, app, resolved["csm"])
    response = client.post(
        f"/escalations/{resolved['escalation']}/survey/send",
        data={
            "csrf_token": csrf_token(client, "/profile"),
            "contact_id": str(resolved["contact"]),
            "language": "en",
            "sent_times": "1",
        },
    )
    assert response.status_code == 302  # no form any more: said, and back to the page
    assert "There is no survey to send" in text(client.get(response.headers["Location"]))
    with app.test_request_context():
        with pytest.raises(surveys.SurveyNotAllowed, match="already answered"):
            surveys.send_survey(
                db.session.get(User, resolved["csm"]),
                db.session.get(Escalation, resolved["escalation"]),
                db.session.get(Contact, resolved["contact"]),
                utcnow(),
            )
    assert counts(app)["emails"] == 1


def test_one_survey_per_escalation_a_second_resolution_sends_none_unless_asked(
    app, client, resolved
):
    send(app, resolved)
    login(client, app, resolved["csm"])
    token = csrf_token(client, "/profile")
    escalation = resolved["escalation"]
    reopened = client.post(
        f"/escalations/{escalation}/reopen", data={"csrf_token": token, "reason": "Back again"}
    )
    assert reopened.status_code == 302
    form = client.get(f"/escalations/{escalation}/resolve")
    # The resolve form offers the survey again but does not pick anyone.
    assert re.search(r'<option selected value="">', text(form)), "Do not send is not the default"
    resolved_again = client.post(
        f"/escalations/{escalation}/resolve",
        data={"csrf_token": token, "kind": "fix", "summary": "Patched", "survey_contact_id": ""},
    )
    assert resolved_again.status_code == 302
    assert survey_row(app, resolved).times_sent == 1
    assert counts(app)["emails"] == 1


def test_resolving_with_a_contact_sends_the_survey(app, client, resolved, make_escalation):
    escalation = make_escalation(
        resolved["account"], title="Export stuck", status=Status.INVESTIGATING
    )
    login(client, app, resolved["csm"])
    response = client.post(
        f"/escalations/{escalation}/resolve",
        data={
            "csrf_token": csrf_token(client, "/profile"),
            "kind": "fix",
            "summary": "Restarted the worker",
            "survey_contact_id": str(resolved["other"]),
        },
    )
    assert response.status_code == 302
    survey = survey_row(app, {"escalation": escalation})
    assert survey.email == "taro@example.co.jp"
    assert counts(app)["emails"] == 1


@pytest.mark.parametrize(
    ("who", "status"),
    [("owner", 302), ("manager", 302), ("csm", 403), ("executive", 403), ("anonymous", 302)],
)
def test_who_may_send_the_survey(app, client, make_user, resolved, who, status):
    if who == "owner":
        login(client, app, resolved["csm"])
    elif who != "anonymous":
        login(client, app, make_user(who))
    token = csrf_token(client, "/profile" if who != "anonymous" else "/login")
    response = client.post(
        f"/escalations/{resolved['escalation']}/survey/send",
        data={
            "csrf_token": token,
            "contact_id": str(resolved["contact"]),
            "language": "en",
            "sent_times": "0",
        },
    )
    assert response.status_code == status
    sent = survey_row(app, resolved) is not None
    assert sent == (who in ("owner", "manager"))
    if who == "anonymous":
        assert "/login" in response.headers["Location"]


def test_send_refusals_are_told_next_to_the_field(
    app, client, resolved, make_account, make_contact, make_escalation
):
    gone = make_contact(
        resolved["account"], name="Jiro Left", email="jiro@example.co.jp", departure=Departure.LEFT
    )
    no_mail = make_contact(resolved["account"], name="No Mail", email="")
    stranger = make_contact(make_account(), name="Elsewhere", email="else@example.com")
    login(client, app, resolved["csm"])
    token = csrf_token(client, "/profile")
    url = f"/escalations/{resolved['escalation']}/survey/send"
    base = {"csrf_token": token, "language": "en", "sent_times": "0"}
    for contact_id in (str(gone), str(no_mail), str(stranger), "999999", "x", ""):
        response = client.post(url, data=base | {"contact_id": contact_id})
        assert response.status_code == 422, contact_id
        assert "Choose a contact from the list." in text(response)
    response = client.post(
        url, data=base | {"contact_id": str(resolved["contact"]), "language": "fr"}
    )
    assert response.status_code == 422
    assert "Choose a language from the list." in text(response)

    open_one = make_escalation(resolved["account"], status=Status.INVESTIGATING)
    response = client.post(
        f"/escalations/{open_one}/survey/send", data=base | {"contact_id": str(resolved["contact"])}
    )
    assert response.status_code == 302  # nothing to send before the resolution
    assert "There is no survey to send" in text(client.get(response.headers["Location"]))
    assert counts(app)["emails"] == 0
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Survey.id))) == 0


# The public page -----------------------------------------------------------------------------


def test_the_page_reveals_nothing_of_the_system_and_leaks_no_referer(app, resolved):
    path = send(app, resolved)
    page = app.test_client().get(path)
    html = text(page)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert TITLE in html
    for secret in ("Escalation CRM", "Sato Trading", "Sign out", "/escalations/", "css/app.css"):
        assert secret not in html
    assert not re.search(r"(src|href)=\"https?://", html)  # nothing from elsewhere


def test_low_scores_ask_what_went_wrong_and_higher_ones_keep_no_reasons(app, resolved):
    path = send(app, resolved)
    customer = app.test_client()
    html = text(customer.get(path))
    assert "What went wrong?" in html and "(only if you chose 1 or 2)" in html
    for label in surveys.REASONS.values():
        with app.test_request_context():
            assert str(label) in html
    answer(customer, path, score="4", reasons=["slow_response"], reason_text="Slow at first")
    survey = survey_row(app, resolved)
    assert (survey.score, survey.reasons, survey.reason_text) == (4, [], "")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"score": "0"}, "Choose a score from 1 to 5."),
        ({"score": "6"}, "Choose a score from 1 to 5."),
        ({"score": "x"}, "Choose a score from 1 to 5."),
        ({}, "Choose a score from 1 to 5."),
        ({"score": "3", "comment": "x" * 2001}, "Please keep this under 2000 characters."),
        ({"score": "1", "reason_text": "y" * 1001}, "Please keep this under 1000 characters."),
        ({"score": "1", "reasons": ["slow_response", "rude"]}, "Choose from the reasons listed."),
    ],
)
def test_bad_answers_are_told_next_to_the_field_and_nothing_is_saved(
    app, resolved, fields, message
):
    path = send(app, resolved)
    customer = app.test_client()
    before = counts(app)
    response = answer(customer, path, **fields)
    assert response.status_code == 422
    html = text(response)
    assert f'<p class="error">{message}</p>' in html
    assert 'aria-invalid="true"' in html
    assert survey_row(app, resolved).answered_at is None
    assert counts(app) == before
    if "comment" in fields:  # what was typed is kept
        assert "x" * 2001 in html


def test_an_answer_without_the_page_token_is_refused_and_the_form_kept(app, resolved):
    path = send(app, resolved)
    customer = app.test_client()
    customer.get(path)
    response = customer.post(path, data={"score": "5", "comment": "Kept for you"})
    assert response.status_code == 422
    html = text(response)
    assert "Please check your answers and send them again." in html
    assert "Kept for you" in html
    assert survey_row(app, resolved).answered_at is None


def test_two_tabs_cannot_both_answer(app, resolved):
    path = send(app, resolved)
    customer = app.test_client()
    first_tab = page_token(text(customer.get(path)))
    second_tab = page_token(text(customer.get(path)))
    assert customer.post(path, data={"csrf_token": first_tab, "score": "5"}).status_code == 302
    late = customer.post(path, data={"csrf_token": second_tab, "score": "1"})
    assert late.status_code == 410
    assert survey_row(app, resolved).score == 5
    assert counts(app)["answered_audits"] == 1


def test_the_answer_is_recorded_once_even_when_the_check_raced(app, resolved):
    """Two requests both passed the page's check; the UPDATE lets only the first answer in."""
    token = send(app, resolved).rsplit("/", 1)[1]
    with app.test_request_context():
        first_tab = surveys.open_link(token, utcnow())
        with app.test_request_context():  # another request (its own session) answers first
            surveys.answer(surveys.open_link(token, utcnow()), 5, "", [], "", utcnow())
            db.session.commit()
        with pytest.raises(surveys.LinkRefused) as refusal:
            surveys.answer(first_tab, 1, "late", [], "", utcnow())
        assert refusal.value.state == surveys.LinkState.USED
        db.session.rollback()
    assert survey_row(app, resolved).score == 5
    assert counts(app)["answered_audits"] == 1


def test_a_link_replaced_while_the_customer_had_it_open_says_so(app, resolved):
    """Sent again while the customer's page was open: their answer is refused as replaced by a
    newer link (not as expired), and nothing is recorded."""
    token = send(app, resolved).rsplit("/", 1)[1]
    with app.test_request_context():
        open_tab = surveys.open_link(token, utcnow())
        with app.app_context():  # the owner sends it again meanwhile (their own session)
            row = db.session.get(Survey, open_tab.id)
            surveys.resend(row.sent_by, row, utcnow())
            db.session.commit()
        with pytest.raises(surveys.LinkRefused) as refusal:
            surveys.answer(open_tab, 4, "fine", [], "", utcnow())
        assert refusal.value.state == surveys.LinkState.REPLACED
        db.session.rollback()
    assert survey_row(app, resolved).answered_at is None


def test_a_tampered_link_is_not_found_and_changes_nothing(app, resolved):
    path = send(app, resolved)
    customer = app.test_client()
    token = path.rsplit("/", 1)[1]
    broken = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    for bad in (broken, "nonsense", "x" * 5000, token + "."):
        response = customer.get(f"/survey/{bad}")
        assert response.status_code == 404, bad
        assert "This link does not work" in text(response)
        assert customer.post(f"/survey/{bad}", data={"score": "5"}).status_code == 404
    forged = URLSafeTimedSerializer("not-our-secret", salt="survey").dumps(
        survey_row(app, resolved).nonce
    )
    assert customer.get(f"/survey/{forged}").status_code == 404
    assert survey_row(app, resolved).answered_at is None


def test_an_expired_link_is_gone_and_changes_nothing(app, resolved):
    path = send(app, resolved)
    survey = survey_row(app, resolved)
    # The stored expiry, checked against the clock passed in.
    with app.test_request_context():
        token = path.rsplit("/", 1)[1]
        assert surveys.open_link(token, survey.expires_at - timedelta(seconds=1)).id == survey.id
        with pytest.raises(surveys.LinkRefused) as refusal:
            surveys.open_link(token, survey.expires_at)
        assert refusal.value.state == surveys.LinkState.EXPIRED

    # A token signed 29 days ago, as itsdangerous reads its timestamp.
    class SignedLongAgo(TimestampSigner):
        def get_timestamp(self):
            return super().get_timestamp() - 29 * 24 * 3600

    old = URLSafeTimedSerializer(
        app.config["SECRET_KEY"], salt="survey", signer=SignedLongAgo
    ).dumps(survey.nonce)
    customer = app.test_client()
    response = customer.get(f"/survey/{old}")
    assert response.status_code == 410
    assert "This link has expired" in text(response)

    # The stored expiry passed: the page and the form refuse.
    with app.app_context():
        db.session.execute(sa.update(Survey).values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()
    assert customer.get(path).status_code == 410
    assert customer.post(path, data={"score": "5"}).status_code == 410
    assert survey_row(app, resolved).answered_at is None
    assert counts(app)["answered_audits"] == 0


def test_the_page_speaks_the_surveys_language_else_the_browsers(app, resolved):
    path = send(app, resolved, language="ja")
    customer = app.test_client()
    japanese = text(customer.get(path, headers={"Accept-Language": "en"}))
    assert '<html lang="ja">' in japanese
    # Every word in Japanese, the score choices too (they are put together per page).
    assert "今回のお問い合わせへの対応にどの程度ご満足いただけましたか" in japanese
    assert "1 – とても不満" in japanese and "5 – とても満足" in japanese
    assert "Very dissatisfied" not in japanese
    english = text(customer.get(path + "?lang=en"))
    assert '<html lang="en">' in english and "1 – Very dissatisfied" in english
    unknown = customer.get("/survey/nonsense", headers={"Accept-Language": "ja,en;q=0.5"})
    assert '<html lang="ja">' in text(unknown)
    unknown = customer.get("/survey/nonsense", headers={"Accept-Language": "en"})
    assert '<html lang="en">' in text(unknown)


def test_the_public_pages_are_rate_limited_per_address(app, resolved, monkeypatch):
    monkeypatch.setitem(app.config, "SURVEY_RATE_LIMIT", 3)
    path = send(app, resolved)
    customer = app.test_client()
    for _ in range(3):
        assert customer.get(path).status_code == 200
    limited = customer.get(path)
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == str(app.config.get("SURVEY_RATE_WINDOW_SECONDS", 600))
    assert "Too many requests" in text(limited)
    assert customer.post(path, data={"score": "5"}).status_code == 429
    assert customer.get("/survey/thanks").status_code == 429
    elsewhere = app.test_client()
    assert elsewhere.get(path, environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 200
    assert survey_row(app, resolved).answered_at is None


def test_markup_in_the_title_and_answer_is_shown_as_text(app, client, resolved):
    hostile = '<script>alert("x")</script> & co'
    with app.app_context():
        db.session.get(Escalation, resolved["escalation"]).title = hostile
        db.session.commit()
    path = send(app, resolved)
    customer = app.test_client()
    raw = customer.get(path).get_data(as_text=True)
    assert "<script>alert" not in raw and "&lt;script&gt;alert" in raw
    answer(customer, path, score="1", comment="<b>bold</b>", reason_text="<i>it</i>")
    login(client, app, resolved["csm"])
    page = text_raw(client, resolved)
    assert "<b>bold</b>" not in page and "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "<i>it</i>" not in page
    with app.app_context():
        email = db.session.scalars(sa.select(OutboxEmail)).one()
        assert hostile in email.subject and "\n" not in email.subject
