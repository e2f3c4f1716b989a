"""Escalations end to end through the web: intake with threat suggestion, executive escalations,
statuses with pauses, handoffs, customer updates, resolution, lists, and what people are told."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.audit.models import AuditEvent
from app.escalations import clocks
from app.escalations.models import (
    ClockKind,
    CustomerUpdate,
    Escalation,
    Handoff,
    Level,
    Pause,
    SlaClock,
    Status,
)
from app.escalations.sweep import flag_overdue_handoffs, sweep_sla
from app.extensions import db
from app.notifications.models import Notification, OutboxEmail
from app.sponsorship.models import SponsorshipStatus
from tests.conftest import csrf_token, escalation_form, login, raise_at


@pytest.fixture
def people(app, make_user):
    return {
        "csm": make_user("csm", name="Sakura CSM", email="csm@example.test"),
        "ae": make_user("ae", name="David AE", email="ae@example.test"),
        "manager": make_user("manager", name="Maria Manager", email="manager@example.test"),
        "exec": make_user("executive", name="Kenji Exec", email="exec@example.test"),
        "l2": make_user("csm", name="Hiroshi L2", email="l2@example.test"),
    }


@pytest.fixture
def account(make_account, people):
    return make_account(
        name="株式会社さくら物流",
        csm_owner_id=people["csm"],
        ae_owner_id=people["ae"],
        arr_minor=120_000_000,
        currency="JPY",
    )


def raise_one(client, account_id, **values):
    token = csrf_token(client, f"/escalations/new?account_id={account_id}")
    response = client.post(
        "/escalations/new", data=escalation_form(account_id, token, confirmed="1", **values)
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_japanese_threat_words_are_suggested_and_confirmed(app, client, people, account):
    login(client, app, people["csm"])
    token = csrf_token(client, f"/escalations/new?account_id={account}")
    data = escalation_form(
        account,
        token,
        severity="high",
        description="障害が続くなら解約を検討する。弁護士にも相談している。",
    )
    first = client.post("/escalations/new", data=data)
    html = first.get_data(as_text=True)
    assert first.status_code == 200
    assert "Possible threat found" in html
    marked = re.findall(r"<mark>([^<]+)</mark>", html)
    assert "解約" in marked and "弁護士" in marked  # with the verbs they go with
    assert re.search(r'<input[^>]*checked[^>]*id="threat_cancellation"', html)
    assert re.search(r'<input[^>]*checked[^>]*id="threat_legal"', html)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Escalation.id))) == 0
    # The person confirms (keeps cancellation, unticks legal).
    shown = re.search(r'name="confirmed" type="hidden" value="([^"]*)"', html).group(1)
    data |= {"confirmed": shown, "threat_cancellation": "y"}
    second = client.post("/escalations/new", data=data)
    assert second.status_code == 302
    with app.app_context():
        escalation = db.session.scalars(sa.select(Escalation)).one()
        assert escalation.threat_cancellation and not escalation.threat_legal
        assert escalation.executive
        assert escalation.arr_at_risk_minor == 120_000_000  # the account's ARR by default
        assert sorted(escalation.tags) == ["invoicing", "outage"]
        kinds = {c.kind for c in escalation.clocks}
        assert kinds == {ClockKind.FIRST_RESPONSE, ClockKind.RESOLUTION}
    page = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "Executive escalation" in page and "ARR at risk" in page and "¥120,000,000" in page


def test_executive_escalation_notifies_every_executive_by_mail_and_in_app(
    app, client, people, account
):
    login(client, app, people["csm"])
    raise_one(client, account, threat_legal="y", description="Our lawyer will call you.")
    with app.app_context():
        to = set(db.session.scalars(sa.select(OutboxEmail.to_address)))
        notified = set(db.session.scalars(sa.select(Notification.user_id)))
    assert to == {"csm@example.test", "ae@example.test", "exec@example.test"}
    assert people["exec"] in notified and people["manager"] not in notified


def test_low_severity_ordinary_escalation_notifies_nobody(app, client, people, account):
    login(client, app, people["csm"])
    raise_one(client, account, severity="low")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(OutboxEmail.id))) == 0


def test_intake_errors_are_shown_per_field_and_nothing_saved(app, client, people, account):
    login(client, app, people["csm"])
    token = csrf_token(client, "/escalations/new")
    response = client.post(
        "/escalations/new",
        data=escalation_form(
            account, token, title="", description="", severity="urgent", arr_at_risk="-1"
        ),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert html.count("This field is required.") == 2
    assert "Not a valid choice" in html
    assert "The ARR cannot be negative." in html
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Escalation.id))) == 0


def test_csm_cannot_raise_on_an_account_they_do_not_own(app, client, people, account, make_account):
    other = make_account()
    login(client, app, people["csm"])
    token = csrf_token(client, "/escalations/new")
    response = client.post("/escalations/new", data=escalation_form(other, token, confirmed="1"))
    assert response.status_code == 422  # not in their list of accounts
    assert "Not a valid choice" in response.get_data(as_text=True)


def post(client, url, **data):
    data["csrf_token"] = csrf_token(client, "/profile")
    return client.post(url, data=data)


def test_waiting_on_customer_pauses_the_clocks_and_illegal_moves_are_refused(
    app, client, people, account
):
    login(client, app, people["csm"])
    eid = raise_one(client, account)
    no_reason = post(client, f"/escalations/{eid}/status", status="waiting_on_customer")
    assert "Say what you are waiting for" in no_reason.get_data(as_text=True)
    assert (
        post(
            client,
            f"/escalations/{eid}/status",
            status="waiting_on_customer",
            reason="Logs from the customer",
        ).status_code
        == 302
    )
    with app.app_context():
        escalation = db.session.get(Escalation, eid)
        assert all(c.due_at is None for c in clocks.running(escalation))  # stopped
        assert escalation.next_update_due_at is None
    assert "Paused" in client.get(f"/escalations/{eid}").get_data(as_text=True)
    assert (
        post(
            client, f"/escalations/{eid}/status", status="investigating", reason="Logs received"
        ).status_code
        == 302
    )
    with app.app_context():
        pause = db.session.scalars(sa.select(Pause)).one()
        assert pause.reason == "Logs from the customer" and pause.resume_reason == "Logs received"
        assert pause.paused_by_id == pause.resumed_by_id == people["csm"]
        assert all(c.due_at is not None for c in clocks.running(db.session.get(Escalation, eid)))
    back = post(client, f"/escalations/{eid}/status", status="new")
    assert back.status_code == 422
    assert "cannot go from “Investigating” to “New”" in back.get_data(as_text=True)
    resolved = post(client, f"/escalations/{eid}/resolve", kind="fix", summary="done")
    assert resolved.status_code == 302
    again = post(client, f"/escalations/{eid}/resolve", kind="fix", summary="done")
    assert again.status_code == 422
    assert "Only an open escalation can be resolved (it is “Resolved”)" in again.get_data(
        as_text=True
    )


def test_customer_update_is_the_first_response_and_sets_the_next_update(
    app, client, people, account
):
    login(client, app, people["csm"])
    eid = raise_one(client, account, severity="critical")
    post(client, f"/escalations/{eid}/notes", body="internal only")
    with app.app_context():
        assert db.session.get(Escalation, eid).first_response_at is None  # a note is not one
    # The template fills the summary (no-script path), then the person edits and saves.
    filled = post(
        client,
        f"/escalations/{eid}/updates",
        template_key="acknowledged",
        channel="email",
        summary="",
        fill="1",
    )
    assert "Thank you for contacting us about &#34;Outage on invoicing&#34;" in filled.get_data(
        as_text=True
    ) or "Thank you for contacting us about &quot;Outage on invoicing&quot;" in filled.get_data(
        as_text=True
    )
    assert (
        post(
            client,
            f"/escalations/{eid}/updates",
            template_key="acknowledged",
            channel="email",
            summary="We are on it.",
            submit="1",
        ).status_code
        == 302
    )
    with app.app_context():
        escalation = db.session.get(Escalation, eid)
        first = [c for c in escalation.clocks if c.kind == ClockKind.FIRST_RESPONSE][0]
        assert first.stopped_at is not None and first.met
        update_clock = clocks.running(escalation, ClockKind.CUSTOMER_UPDATE)[0]
        # Critical policy: 24x7, an update every 2 hours.
        assert update_clock.due_at - update_clock.started_at == timedelta(hours=2)
        assert escalation.next_update_due_at == update_clock.due_at
        assert db.session.scalars(sa.select(CustomerUpdate.template_key)).one() == "acknowledged"


def test_handoff_needs_every_field_then_the_new_owner_acknowledges(app, client, people, account):
    login(client, app, people["csm"])
    eid = raise_one(client, account, severity="high")
    empty = post(client, f"/escalations/{eid}/level", to_level="2", new_owner_id="")
    assert empty.status_code == 422
    assert empty.get_data(as_text=True).count("This field is required.") == 4
    to_exec = post(
        client,
        f"/escalations/{eid}/level",
        to_level="executive",
        new_owner_id=str(people["l2"]),
        what_happened="a",
        what_was_tried="b",
        why_unresolved="c",
        what_is_needed="d",
    )
    assert to_exec.status_code == 422  # a CSM cannot pick the executive level
    ok = post(
        client,
        f"/escalations/{eid}/level",
        to_level="2",
        new_owner_id=str(people["l2"]),
        contact_id="",
        what_happened="Invoices fail",
        what_was_tried="Restarted workers",
        why_unresolved="Root cause in the tax module",
        what_is_needed="Billing team",
    )
    assert ok.status_code == 302
    with app.app_context():
        handoff = db.session.scalars(sa.select(Handoff)).one()
        escalation = db.session.get(Escalation, eid)
        assert escalation.level == Level.L2 and escalation.owner_id == people["l2"]
        assert handoff.from_owner_id == people["csm"] and handoff.acknowledged_at is None
        told = set(
            db.session.scalars(
                sa.select(Notification.user_id).where(Notification.kind == "handoff")
            )
        )
        assert told == {people["l2"]}
    assert "Hiroshi L2" in client.get("/escalations/?view=handoffs").get_data(as_text=True)
    # Only the receiver acknowledges.
    refused = post(client, f"/escalations/{eid}/handoffs/{handoff.id}/ack")
    assert refused.status_code == 403
    receiver = app.test_client()
    login(receiver, app, people["l2"])
    assert post(receiver, f"/escalations/{eid}/handoffs/{handoff.id}/ack").status_code == 302
    with app.app_context():
        assert db.session.get(Handoff, handoff.id).acknowledged_by_id == people["l2"]
    assert "No escalations in this view." in client.get("/escalations/?view=handoffs").get_data(
        as_text=True
    )


def test_manager_raises_to_executive_level_which_makes_it_executive(app, client, people, account):
    login(client, app, people["manager"])
    eid = raise_one(client, account, severity="low")
    post(
        client,
        f"/escalations/{eid}/level",
        to_level="executive",
        new_owner_id=str(people["exec"]),
        contact_id="",
        what_happened="a",
        what_was_tried="b",
        why_unresolved="c",
        what_is_needed="authority for a refund",
    )
    with app.app_context():
        escalation = db.session.get(Escalation, eid)
        assert escalation.executive and escalation.level == Level.EXECUTIVE
    assert f"/escalations/{eid}" in client.get("/escalations/?view=executive").get_data(
        as_text=True
    )


def test_severity_change_retargets_clocks_and_is_audited(app, client, people, account):
    login(client, app, people["csm"])
    eid = raise_one(client, account, severity="low")
    page = client.get(f"/escalations/{eid}/edit").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    response = post(
        client,
        f"/escalations/{eid}/edit",
        version=version,
        confirmed="1",
        title="Outage on invoicing",
        description="x",
        channel="email",
        category="technical",
        severity="critical",
        tags="",
    )
    assert response.status_code == 302
    with app.app_context():
        escalation = db.session.get(Escalation, eid)
        resolution = clocks.running(escalation, ClockKind.RESOLUTION)[0]
        assert resolution.target_minutes == 240
        assert resolution.due_at == resolution.started_at + timedelta(hours=4)
        change = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "update")
        ).one()
        assert change.changes["severity"] == ["low", "critical"]


def test_resolution_stops_every_clock(app, client, people, account):
    login(client, app, people["csm"])
    eid = raise_one(client, account)
    post(client, f"/escalations/{eid}/status", status="investigating")
    missing = post(client, f"/escalations/{eid}/resolve", kind="concession", summary="credit")
    assert "Enter the value of the concession." in missing.get_data(as_text=True)
    assert (
        post(
            client,
            f"/escalations/{eid}/resolve",
            kind="concession",
            summary="credit",
            concession="50000",
        ).status_code
        == 302
    )
    with app.app_context():
        escalation = db.session.get(Escalation, eid)
        assert escalation.status == Status.RESOLVED and escalation.concession_minor == 50000
        assert not clocks.running(escalation)


def make_due(app, eid, kind, minutes_ago):
    with app.app_context():
        clock = db.session.scalars(
            sa.select(SlaClock).where(SlaClock.escalation_id == eid, SlaClock.kind == kind)
        ).one()
        clock.due_at = datetime.now(UTC) - timedelta(minutes=minutes_ago)
        clock.warn_at = clock.due_at - timedelta(minutes=30)
        db.session.commit()
        return clock.due_at


def test_sweep_records_a_breach_once_at_the_moment_it_happened(app, client, people, account):
    login(client, app, people["csm"])
    eid = raise_one(client, account, severity="high")
    due = make_due(app, eid, ClockKind.FIRST_RESPONSE, minutes_ago=5)
    with app.app_context():
        first = sweep_sla(datetime.now(UTC))
        second = sweep_sla(datetime.now(UTC))
        clock = db.session.scalars(
            sa.select(SlaClock).where(SlaClock.kind == ClockKind.FIRST_RESPONSE)
        ).one()
        breaches = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "sla_breach")
        ).all()
        mails = db.session.scalars(
            sa.select(OutboxEmail.subject).where(OutboxEmail.subject.contains("SLA breached"))
        ).all()
    assert first["breached"] == 1 and second == {"breached": 0, "warned": 0, "promises": 0}
    assert clock.breached_at == due
    assert len(breaches) == 1
    assert len(mails) == 2  # the account's CSM and AE (the CSM is also the owner)
    page = client.get(f"/escalations/{eid}").get_data(as_text=True)
    assert "Breached" in page
    assert f"/escalations/{eid}" in client.get("/escalations/?view=breached").get_data(as_text=True)


def test_a_burst_of_breaches_is_swept_in_a_set_with_everyone_told(
    app, people, make_user, make_account, make_sponsorship
):
    """However many breaches fall due at once, the sweep reads and writes them in sets (the
    same statements for two as for six), and each one's people hear of it: the CSM and AE,
    the account's sponsor, and every executive for an executive escalation."""
    second_exec = make_user("executive", name="Aiko Exec", email="exec2@example.test", locale="ja")
    sponsor = make_user("executive", name="Ren Sponsor", email="sponsor@example.test")

    def burst(n, start):
        """n escalations on accounts of their own whose first response is overdue; the
        sweep's statement count, and {title: sorted addresses e-mailed about it}."""
        accounts = {}
        for i in range(start, start + n):
            accounts[i] = make_account(
                name=f"Burst {i}", csm_owner_id=people["csm"], ae_owner_id=people["ae"]
            )
            if i % 2:
                make_sponsorship(accounts[i], status=SponsorshipStatus.ACTIVE, sponsor_id=sponsor)
        with app.app_context():
            for i, account_id in accounts.items():
                escalation = raise_at(
                    account_id, people["csm"], datetime.now(UTC), title=f"Burst case {i}"
                )
                escalation.executive = i % 3 == 0
                clock = clocks.running(escalation)[0]
                clock.due_at = datetime.now(UTC) - timedelta(minutes=1)
            db.session.commit()
            before = db.session.scalar(sa.select(sa.func.max(OutboxEmail.id))) or 0
            seen = []
            record = lambda *args: seen.append(args[2])  # noqa: E731
            sa.event.listen(db.engine, "before_cursor_execute", record)
            try:
                assert sweep_sla(datetime.now(UTC))["breached"] == n
            finally:
                sa.event.remove(db.engine, "before_cursor_execute", record)
            told = {}
            for address, subject, created_at in db.session.execute(
                sa.select(
                    OutboxEmail.to_address, OutboxEmail.subject, OutboxEmail.created_at
                ).where(OutboxEmail.id > before)
            ):
                assert created_at is not None
                title = re.search(r"Burst case \d+", subject).group()
                told.setdefault(title, []).append(address)
            # SQLite cannot return the ids of a multi-row INSERT in order, so the ORM writes
            # each audit row and timeline event with an INSERT of its own there (in-process);
            # everything else is one statement for the whole burst.
            row_by_row = ("INSERT INTO audit_events", "INSERT INTO timeline_events")
            if db.engine.dialect.name == "sqlite":
                seen = [s for s in seen if not s.startswith(row_by_row)]
            return len(seen), {title: sorted(addresses) for title, addresses in told.items()}

    two, told_two = burst(2, 0)
    six, told_six = burst(6, 2)
    assert two == six, (two, six)
    told = told_two | told_six
    everyone = ["ae@example.test", "csm@example.test"]
    executives = ["exec2@example.test", "exec@example.test", "sponsor@example.test"]
    assert told["Burst case 1"] == ["ae@example.test", "csm@example.test", "sponsor@example.test"]
    assert told["Burst case 2"] == everyone
    assert told["Burst case 3"] == sorted(everyone + executives)  # the sponsor told once
    assert told["Burst case 6"] == sorted(everyone + executives)
    assert len(told) == 8
    with app.app_context():
        # In-app too, in each reader's language (Aiko reads Japanese).
        texts = (
            db.session.execute(
                sa.select(Notification.subject).where(Notification.user_id == second_exec)
            )
            .scalars()
            .all()
        )
    assert len(texts) == 3 and all("SLA違反" in text for text in texts), texts


def test_sweep_warns_at_75_percent(app, client, people, account):
    login(client, app, people["csm"])
    eid = raise_one(client, account, severity="high")
    with app.app_context():
        clock = db.session.scalars(
            sa.select(SlaClock).where(
                SlaClock.escalation_id == eid, SlaClock.kind == ClockKind.RESOLUTION
            )
        ).one()
        clock.warn_at = datetime.now(UTC) - timedelta(minutes=1)
        clock.due_at = datetime.now(UTC) + timedelta(hours=1)
        db.session.commit()
        assert sweep_sla(datetime.now(UTC))["warned"] == 1
        assert sweep_sla(datetime.now(UTC))["warned"] == 0
    assert f"/escalations/{eid}" in client.get("/escalations/?view=at_risk").get_data(as_text=True)


def test_unacknowledged_handoff_is_flagged_after_30_minutes(app, client, people, account):
    login(client, app, people["csm"])
    eid = raise_one(client, account)
    post(
        client,
        f"/escalations/{eid}/level",
        to_level="2",
        new_owner_id=str(people["l2"]),
        contact_id="",
        what_happened="a",
        what_was_tried="b",
        why_unresolved="c",
        what_is_needed="d",
    )
    with app.app_context():
        assert flag_overdue_handoffs(datetime.now(UTC) + timedelta(minutes=29)) == 0
        assert flag_overdue_handoffs(datetime.now(UTC) + timedelta(minutes=31)) == 1
        assert flag_overdue_handoffs(datetime.now(UTC) + timedelta(minutes=60)) == 0
        assert (
            db.session.scalar(
                sa.select(sa.func.count(Notification.id)).where(
                    Notification.kind == "handoff_overdue"
                )
            )
            == 2
        )


def test_turnaround_promise_warns_a_business_day_before(app, client, people, account):
    login(client, app, people["csm"])
    eid = raise_one(client, account, promised_at="2030-06-04T15:00")  # a Tuesday, Tokyo
    with app.app_context():
        escalation = db.session.get(Escalation, eid)
        # Promised Tuesday 15:00 JST: warned Monday 15:00 JST (06:00 UTC), set on intake.
        assert escalation.promise_warn_at == datetime(2030, 6, 3, 6, 0, tzinfo=UTC)
        assert sweep_sla(datetime(2030, 6, 3, 5, 59, tzinfo=UTC))["promises"] == 0
        assert sweep_sla(datetime(2030, 6, 3, 6, 1, tzinfo=UTC))["promises"] == 1


def test_promise_before_a_weekend_is_warned_on_the_last_business_day(app, client, people, account):
    login(client, app, people["csm"])
    eid = raise_one(client, account, promised_at="2030-06-10T10:00")  # Monday, Tokyo
    with app.app_context():
        # One day before is Sunday: moved back to Friday 10:00 JST.
        assert db.session.get(Escalation, eid).promise_warn_at == datetime(
            2030, 6, 7, 1, 0, tzinfo=UTC
        )


def test_list_views_filters_and_query_count(app, client, people, account, make_account):
    login(client, app, people["manager"])
    for n in range(3):
        raise_one(client, account, title=f"Issue {n}", severity=["low", "high", "critical"][n])
    few = client.get("/escalations/?view=all").headers["X-SQL-Queries"]
    other = make_account()
    for n in range(6):
        raise_one(client, other, title=f"Other {n}")
    many = client.get("/escalations/?view=all")
    assert many.headers["X-SQL-Queries"] == few
    html = client.get(f"/escalations/?view=all&account_id={account}&sort=severity").get_data(
        as_text=True
    )
    titles = re.findall(r'<a href="/escalations/\d+">([^<]+)</a>', html)
    assert titles == ["Issue 2", "Issue 1", "Issue 0"]
    assert re.findall(
        r'<a href="/escalations/\d+">([^<]+)</a>',
        client.get("/escalations/?view=all&q=other+5").get_data(as_text=True),
    ) == ["Other 5"]


def test_escalation_page_query_count_does_not_grow(app, client, people, account):
    login(client, app, people["csm"])
    eid = raise_one(client, account)
    post(client, f"/escalations/{eid}/updates", channel="email", summary="first", submit="1")
    post(client, f"/escalations/{eid}/notes", body="first")
    client.get(f"/escalations/{eid}")  # the first view fills the app's caches (related notes)
    before = client.get(f"/escalations/{eid}").headers["X-SQL-Queries"]
    for n in range(5):
        post(client, f"/escalations/{eid}/updates", channel="email", summary=f"u{n}", submit="1")
        post(client, f"/escalations/{eid}/notes", body=f"n{n}")
    assert client.get(f"/escalations/{eid}").headers["X-SQL-Queries"] == before


def test_events_appear_on_the_account_timeline(app, client, people, account):
    login(client, app, people["csm"])
    eid = raise_one(client, account, title="Tax module broken")
    post(client, f"/escalations/{eid}/updates", channel="phone", summary="Called", submit="1")
    page = client.get(f"/accounts/{account}").get_data(as_text=True)
    assert "Escalation raised: Tax module broken" in page
    assert "Customer update (Phone): Tax module broken" in page
    assert "Open escalations" in page


def test_account_with_escalations_cannot_be_deleted(app, client, people, account, make_user):
    login(client, app, people["csm"])
    raise_one(client, account)
    admin = app.test_client()
    login(admin, app, make_user("admin"))
    response = post(admin, f"/accounts/{account}/delete")
    assert response.status_code == 302
    assert "cannot be deleted" in admin.get(response.headers["Location"]).get_data(as_text=True)


def test_widespread_issue_message_shows_on_every_linked_account_once_approved(
    app, client, people, account, make_account
):
    other = make_account(name="Other KK", domain="other-kk.co.jp")
    login(client, app, people["csm"])
    eid = raise_one(client, account, title="Region outage")
    unknown = post(
        client,
        f"/escalations/{eid}/widespread",
        title="Tokyo region outage",
        domains="other-kk.co.jp\nnope.example.com",
        message="We are restoring service.",
    )
    assert "nope.example.com" in unknown.get_data(as_text=True)
    refused = post(
        client,
        f"/escalations/{eid}/widespread",
        title="Tokyo region outage",
        domains="other-kk.co.jp",
        message="We are restoring service.",
        approve="y",
    )
    assert "Only a manager or an admin can approve the message." in refused.get_data(as_text=True)
    assert (
        post(
            client,
            f"/escalations/{eid}/widespread",
            title="Tokyo region outage",
            domains="other-kk.co.jp",
            message="We are restoring service.",
        ).status_code
        == 302
    )
    assert "We are restoring service." not in client.get(f"/accounts/{other}").get_data(
        as_text=True
    )  # not approved yet
    manager = app.test_client()
    login(manager, app, people["manager"])
    assert (
        post(
            manager,
            f"/escalations/{eid}/widespread",
            title="Tokyo region outage",
            domains="other-kk.co.jp",
            message="We are restoring service.",
            approve="y",
        ).status_code
        == 302
    )
    for url in (f"/accounts/{other}", f"/accounts/{account}", f"/escalations/{eid}"):
        assert "We are restoring service." in client.get(url).get_data(as_text=True), url


def test_manager_finds_the_account_by_search_instead_of_a_huge_list(
    app, client, people, account, make_account
):
    for n in range(3):
        make_account(name=f"Filler {n}")
    login(client, app, people["manager"])
    page = client.get("/escalations/new").get_data(as_text=True)
    assert "Filler 0" not in page  # no list of the whole book
    found = client.get("/escalations/new?account_q=さくら").get_data(as_text=True)
    assert f'href="/escalations/new?account_id={account}"' in found
    assert "Filler" not in found
    token = csrf_token(client, "/escalations/new")
    missing = client.post("/escalations/new", data=escalation_form("", token, confirmed="1"))
    assert missing.status_code == 422
    assert "Choose the account." in missing.get_data(as_text=True)


def test_only_managers_set_a_legal_hold(app, client, people, account):
    login(client, app, people["csm"])
    token = csrf_token(client, f"/escalations/new?account_id={account}")
    response = client.post(
        "/escalations/new", data=escalation_form(account, token, confirmed="1", legal_hold="y")
    )
    assert response.status_code == 422
    assert "Only a manager or an admin can set a legal hold." in response.get_data(as_text=True)


HANDOFF = {
    "to_level": "2",
    "contact_id": "",
    "what_happened": "Invoices fail",
    "what_was_tried": "Restarted workers",
    "why_unresolved": "Root cause in the tax module",
    "what_is_needed": "Billing team",
}


def field_errors(html: str, field_id: str) -> list[str]:
    block = re.search(rf'<div id="{field_id}-error">(.*?)</div>', html, re.S)
    return re.findall(r'<p class="error" role="alert">(.*?)</p>', block.group(1)) if block else []


def test_raising_the_level_without_a_new_owner_asks_who_takes_it(app, client, people, account):
    login(client, app, people["csm"])
    eid = raise_one(client, account)
    response = post(client, f"/escalations/{eid}/level", new_owner_id="", **HANDOFF)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_errors(html, "new_owner_id") == ["Choose who takes the escalation."]
    assert "Restarted workers</textarea>" in html  # what they wrote is kept
    with app.app_context():
        escalation = db.session.get(Escalation, eid)
        assert escalation.level == Level.L1 and escalation.owner_id == people["csm"]
        assert db.session.scalar(sa.select(sa.func.count(Handoff.id))) == 0


def test_handoff_to_someone_deactivated_meanwhile_says_so_and_who_can_take_it(
    app, client, people, account
):
    from app.auth.models import User

    login(client, app, people["csm"])
    eid = raise_one(client, account)
    opened = client.get(f"/escalations/{eid}/level").get_data(as_text=True)
    assert f'<option value="{people["l2"]}">Hiroshi L2</option>' in opened
    with app.app_context():  # an admin deactivates Hiroshi while the form is open
        db.session.get(User, people["l2"]).active = False
        db.session.commit()
    response = post(client, f"/escalations/{eid}/level", new_owner_id=str(people["l2"]), **HANDOFF)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert field_errors(html, "new_owner_id") == [
        "Hiroshi L2 is no longer active. Choose someone else, e.g. David AE, Maria Manager."
    ]
    assert f'<option value="{people["l2"]}">' not in html
    with app.app_context():
        assert db.session.get(Escalation, eid).level == Level.L1
        assert db.session.scalar(sa.select(sa.func.count(Handoff.id))) == 0


def test_automatic_nomination_and_its_escalation_link_to_each_other(app, client, people, account):
    login(client, app, people["csm"])
    eid = raise_one(
        client, account, title="Wants to cancel", threat_cancellation="y", severity="high"
    )
    escalation_page = client.get(f"/escalations/{eid}").get_data(as_text=True)
    link = re.search(r'<a href="(/sponsorships/\d+)">Sponsorship: Nominated</a>', escalation_page)
    assert link, "the escalation page links to the nomination"
    sponsorship_page = client.get(link.group(1))
    assert sponsorship_page.status_code == 200
    html = sponsorship_page.get_data(as_text=True)
    assert "株式会社さくら物流" in html
    back = re.search(r'<a href="(/escalations/\d+)">See executive escalation #\d+</a>', html)
    assert back and back.group(1) == f"/escalations/{eid}"
    assert f"#{eid} Wants to cancel" in client.get(back.group(1)).get_data(as_text=True)
