"""Notifications are read in the reader's language: new ones, and those stored before."""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from app.auth.models import User
from app.escalations.sweep import sweep_sla
from app.extensions import db
from app.notifications.models import Notification, OutboxEmail
from tests.conftest import csrf_token, login


def _set_locale(app, user_id, locale):
    with app.app_context():
        db.session.get(User, user_id).locale = locale
        db.session.commit()


def _notification_texts(client) -> str:
    return client.get("/notifications/").get_data(as_text=True)


def test_a_manager_who_switches_to_japanese_reads_breaches_in_japanese(
    app, client, make_user, make_account
):
    csm = make_user("csm", name="Sakura CSM", locale="en")
    account = make_account(name="Minato KK", csm_owner_id=csm)
    login(client, app, csm)
    token = csrf_token(client, f"/escalations/new?account_id={account}")
    response = client.post(
        "/escalations/new",
        data={
            "account_id": str(account),
            "title": "Invoices fail",
            "description": "Since Monday.",
            "channel": "email",
            "category": "technical",
            "severity": "critical",
            "tags": "",
            "reason": "lack_of_progress",
            "requested_by": "internal",
            "confirmed": "1",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    with app.app_context():
        sweep_sla(datetime.now(UTC) + timedelta(days=3))
        db.session.commit()
        mail = db.session.scalars(
            sa.select(OutboxEmail).where(OutboxEmail.subject.like("SLA breached%"))
        ).first()
        assert mail is not None  # the e-mail went out in English, the CSM's language then
    assert "SLA breached (First response) on Minato KK: Invoices fail" in _notification_texts(
        client
    )
    _set_locale(app, csm, "ja")
    html = _notification_texts(client)
    assert "Minato KKでSLA違反（初回応答）：Invoices fail" in html
    assert "SLA breached" not in html


def test_notifications_stored_before_are_shown_in_the_readers_language(app, client, make_user):
    reader = make_user("manager", locale="ja")
    with app.app_context():
        db.session.add_all(
            [
                Notification(
                    user_id=reader,
                    kind="sla_breach",
                    subject="SLA breached (First response) on Minato KK: Invoices fail",
                ),
                Notification(user_id=reader, kind="unknown_kind", subject="Kept as it was"),
            ]
        )
        db.session.commit()
    login(client, app, reader)
    html = _notification_texts(client)
    assert "Minato KKでSLA違反（初回応答）：Invoices fail" in html
    assert "Kept as it was" in html


def test_a_nomination_notice_is_written_in_each_admins_language(
    app, client, make_user, make_account
):
    csm = make_user("csm", locale="en")
    make_user("admin", locale="ja", email="ja-admin@example.test")
    make_user("admin", locale="en", email="en-admin@example.test")
    account = make_account(name="Minato KK", csm_owner_id=csm)
    login(client, app, csm)
    response = client.post(
        f"/sponsorships/nominate/{account}",
        data={"reason": "Renewal at risk", "csrf_token": csrf_token(client, "/profile")},
    )
    assert response.status_code == 302
    with app.app_context():
        subjects = dict(
            db.session.execute(sa.select(OutboxEmail.to_address, OutboxEmail.subject)).all()
        )
    assert subjects["en-admin@example.test"] == "Sponsorship nomination: Minato KK"
    assert subjects["ja-admin@example.test"] == "スポンサーシップの推薦：Minato KK"


def test_an_automatic_nomination_reason_reads_in_the_readers_language(
    app, client, make_user, make_account
):
    from app.sponsorship.models import Sponsorship

    csm = make_user("csm", locale="en")
    account = make_account(name="Minato KK", csm_owner_id=csm)
    login(client, app, csm)
    token = csrf_token(client, f"/escalations/new?account_id={account}")
    client.post(
        "/escalations/new",
        data={
            "account_id": str(account),
            "title": "Cancellation threatened",
            "description": "They will cancel.",
            "channel": "phone",
            "category": "service_quality",
            "severity": "high",
            "threat_cancellation": "y",
            "reason": "relationship_risk",
            "requested_by": "customer",
            "confirmed": "1",
            "csrf_token": token,
        },
    )
    with app.app_context():
        sponsorship = db.session.scalars(sa.select(Sponsorship)).one()
        sid, eid = sponsorship.id, sponsorship.escalation_id
    english = client.get(f"/sponsorships/{sid}").get_data(as_text=True)
    assert f"Executive escalation #{eid}: Cancellation threatened" in english
    _set_locale(app, csm, "ja")
    japanese = client.get(f"/sponsorships/{sid}").get_data(as_text=True)
    assert f"役員エスカレーション#{eid}：Cancellation threatened" in japanese


def test_a_message_is_kept_as_what_it_says_whichever_lazy_text_made_it(app):
    """The app's lazy texts (app.i18n) and Flask-Babel's own are stored as their source text
    and parameters, then shown in each reader's language, not frozen in the writer's."""
    import flask_babel
    from flask_babel import force_locale

    from app.i18n import lazy_gettext, lazy_ngettext, lazy_pgettext
    from app.notifications import messages

    made = [
        lazy_gettext("Escalations"),
        flask_babel.lazy_gettext("Escalations"),
        lazy_pgettext("label separator", ": "),
        lazy_ngettext("%(num)d unread notification", "%(num)d unread notifications", 2),
    ]
    with app.test_request_context():
        for text in made:
            data = messages.as_data(text)
            assert isinstance(data, dict) and data["a"] == list(text._args)
            with force_locale("ja"):
                japanese = messages.render(data)
                assert japanese == str(text)
            with force_locale("en"):
                assert messages.render(data) == str(text)
        with force_locale("ja"):
            assert messages.render(messages.as_data(made[0])) != "Escalations"
