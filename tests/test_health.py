"""The escalation case file's intake fields (why, who asked) and the team's health and trend:
the dated history, the red/amber customer-update cadence on wall-clock time with its clock
(met by a customer update, paused while waiting on the customer, breached by the sweep,
stopped by green), and the admins' cadence settings."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import Account, TimelineEvent
from app.audit.models import AuditEvent
from app.auth.models import User
from app.escalations import aftercare, clocks, health, services
from app.escalations.models import (
    Category,
    ClockKind,
    Escalation,
    EscalationReason,
    Health,
    HealthCadence,
    HealthEntry,
    IntakeChannel,
    Requester,
    ResolutionKind,
    Severity,
    SlaClock,
    SlaPolicy,
    Status,
    Trend,
)
from app.escalations.sweep import sweep_sla
from app.extensions import db
from app.notifications.models import Notification
from tests.conftest import csrf_token, escalation_form, login

# A Friday at 17:00 in Tokyo: an hour before a 9-18 weekday calendar closes for the weekend.
FRIDAY_5PM = datetime(2026, 3, 6, 8, 0, tzinfo=UTC)


@pytest.fixture
def csm(make_user):
    return make_user("csm", name="Sakura CSM")


@pytest.fixture
def account(make_account, csm):
    return make_account(name="Sakura Logistics", csm_owner_id=csm)


def text(response) -> str:
    return response.get_data(as_text=True)


def post(client, url, **data):
    data["csrf_token"] = csrf_token(client, "/profile")
    return client.post(url, data=data)


def raise_one(app, account_id, user_id, now=FRIDAY_5PM) -> int:
    """An escalation raised through the intake service at `now`, on a 9-18 weekday calendar."""
    with app.app_context():
        policy = db.session.scalars(
            sa.select(SlaPolicy).where(SlaPolicy.severity == Severity.HIGH)
        ).one()
        policy.calendar.timezone = "Asia/Tokyo"
        policy.calendar.week = [[["09:00", "18:00"]]] * 5 + [[], []]
        policy.calendar.country = None
        escalation = services.raise_escalation(
            db.session.get(User, user_id),
            db.session.get(Account, account_id),
            {
                "title": "Orders dropped",
                "description": "Orders vanish after checkout.",
                "channel": IntakeChannel.EMAIL,
                "category": Category.TECHNICAL,
                "severity": Severity.HIGH,
                "reason": EscalationReason.LACK_OF_PROGRESS,
                "requested_by": Requester.INTERNAL,
            },
            now=now,
        )
        db.session.commit()
        return escalation.id


def act(app, escalation_id, user_id, do):
    """Run `do(actor, escalation)` in a transaction of its own and commit."""
    with app.app_context():
        escalation = db.session.get(Escalation, escalation_id)
        result = do(db.session.get(User, user_id), escalation)
        db.session.commit()
        return result


def health_clocks(app, escalation_id) -> list[SlaClock]:
    with app.app_context():
        rows = db.session.scalars(
            sa.select(SlaClock)
            .where(
                SlaClock.escalation_id == escalation_id, SlaClock.kind == ClockKind.HEALTH_UPDATE
            )
            .order_by(SlaClock.id)
        ).all()
        db.session.expunge_all()
        return rows


def set_red(app, escalation_id, user_id, now, health_=Health.RED, trend=Trend.WORSENING):
    act(
        app,
        escalation_id,
        user_id,
        lambda actor, e: health.set_health(actor, e, health=health_, trend=trend, note="", now=now),
    )


# Intake: why it was escalated and who asked


def test_a_new_escalation_needs_the_reason_and_who_asked(client, app, account, csm):
    login(client, app, csm)
    token = csrf_token(client, "/escalations/new")
    data = escalation_form(account, token)
    del data["reason"], data["requested_by"]  # the intake form's defaults fill them in
    response = client.post("/escalations/new", data=data)
    assert response.status_code == 422
    page = text(response)
    assert "Choose why the escalation is raised." in page
    assert "Say whether the customer or someone internal asked." in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Escalation.id))) == 0


def test_the_reason_and_the_customer_contact_are_shown_and_audited(
    client, app, account, make_contact, csm
):
    login(client, app, csm)
    contact = make_contact(account, name="Hanako Sato", title="CIO")
    token = csrf_token(client, "/escalations/new")
    form = escalation_form(
        account,
        token,
        reason="customer_deadline",
        requested_by="customer",
        requester_contact_id=str(contact),
    )
    response = client.post("/escalations/new", data=form)
    assert response.status_code == 302, text(response)[:2000]
    page = text(client.get(response.headers["Location"]))
    assert "Customer-imposed deadline" in page
    assert "Customer · Hanako Sato (CIO)" in page
    with app.app_context():
        created = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "create")
        ).one()
        assert created.changes["reason"] == [None, "customer_deadline"]
        assert created.changes["requester_contact_id"] == [None, contact]


def test_a_contact_of_another_account_is_refused(
    client, app, account, make_account, make_contact, csm
):
    login(client, app, csm)
    stranger = make_contact(make_account(name="Other Corp"), name="Taro Other")
    token = csrf_token(client, "/escalations/new")
    form = escalation_form(
        account,
        token,
        reason="business_impact",
        requested_by="customer",
        requester_contact_id=str(stranger),
    )
    response = client.post("/escalations/new", data=form)
    assert response.status_code == 422
    assert "Choose one of the account&#39;s contacts." in text(response)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Escalation.id))) == 0


def test_an_internal_request_keeps_no_contact_and_old_escalations_may_stay_unrecorded(
    client, app, account, make_contact, make_escalation, csm
):
    login(client, app, csm)
    contact = make_contact(account)
    old = make_escalation(account, owner_id=csm, status=Status.INVESTIGATING)
    page = text(client.get(f"/escalations/{old}"))
    assert "Not recorded" in page

    def edit(**values):
        token = csrf_token(client, f"/escalations/{old}/edit")
        with app.app_context():
            version = db.session.get(Escalation, old).version
        data = escalation_form(account, token, confirmed="1", version=str(version), **values)
        data.pop("account_id")
        return client.post(f"/escalations/{old}/edit", data=data)

    assert edit(title="Checkout down again").status_code == 302  # nothing recorded: fine
    assert edit(requested_by="internal", requester_contact_id=str(contact)).status_code == 302
    with app.app_context():
        row = db.session.get(Escalation, old)
        assert row.requested_by == Requester.INTERNAL and row.requester_contact_id is None
    response = edit(requested_by="")  # once recorded, it cannot be blanked
    assert response.status_code == 422
    assert "Say whether the customer or someone internal asked." in text(response)


# Health and trend


def test_a_health_check_makes_history_audit_and_timeline_and_starts_the_cadence(
    client, app, account, csm
):
    escalation_id = raise_one(app, account, csm, now=datetime.now(UTC))
    login(client, app, csm)
    with app.app_context():
        version = db.session.get(Escalation, escalation_id).version
    response = post(
        client,
        f"/escalations/{escalation_id}/health",
        health="red",
        trend="worsening",
        note="Customer's CFO is furious.",
        version=str(version),
    )
    assert response.status_code == 302, text(response)[:2000]
    page = text(client.get(f"/escalations/{escalation_id}"))
    assert "Health recorded." in page
    assert "Next update due (health red):" in page
    assert "every 24 hours" in page
    assert "Customer&#39;s CFO is furious." in page
    assert "Sakura CSM" in page
    with app.app_context():
        audit = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "health")).one()
        assert audit.changes["health"] == [None, "red"]
        assert audit.changes["trend"] == [None, "worsening"]
        kinds = db.session.scalars(
            sa.select(TimelineEvent.kind).where(TimelineEvent.account_id == account)
        ).all()
        assert "escalation_health" in kinds
    (clock,) = health_clocks(app, escalation_id)
    assert clock.target_minutes == 24 * 60 and clock.stopped_at is None

    # The same health and trend again, with no note: nothing to record.
    with app.app_context():
        version = db.session.get(Escalation, escalation_id).version
    response = post(
        client,
        f"/escalations/{escalation_id}/health",
        health="red",
        trend="worsening",
        version=str(version),
    )
    assert response.status_code == 422
    assert "Nothing changed" in text(response)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(HealthEntry.id))) == 1


def test_a_health_check_on_a_stale_version_is_refused(client, app, account, csm):
    escalation_id = raise_one(app, account, csm, now=datetime.now(UTC))
    login(client, app, csm)
    with app.app_context():
        version = db.session.get(Escalation, escalation_id).version
    set_red(app, escalation_id, csm, datetime.now(UTC), Health.AMBER, Trend.UNCHANGED)
    response = post(
        client,
        f"/escalations/{escalation_id}/health",
        health="green",
        trend="improving",
        version=str(version),
    )
    assert response.status_code == 409
    assert "Nothing was saved" in text(response)
    with app.app_context():
        assert db.session.get(Escalation, escalation_id).health == Health.AMBER


def test_red_runs_on_wall_clock_time_and_a_customer_update_meets_it(app, account, csm):
    escalation_id = raise_one(app, account, csm)
    set_red(app, escalation_id, csm, FRIDAY_5PM)
    (clock,) = health_clocks(app, escalation_id)
    # 24 hours later, on Saturday, although the SLA's calendar is closed all weekend.
    assert clock.due_at == FRIDAY_5PM + timedelta(hours=24)

    saturday = FRIDAY_5PM + timedelta(hours=20)
    act(
        app,
        escalation_id,
        csm,
        lambda actor, e: services.add_customer_update(
            actor,
            e,
            channel=IntakeChannel.PHONE,
            summary="Called.",
            template_key=None,
            now=saturday,
        ),
    )
    first, second = health_clocks(app, escalation_id)
    assert first.met is True and first.stopped_at == saturday
    assert second.stopped_at is None and second.due_at == saturday + timedelta(hours=24)


def test_waiting_on_the_customer_pauses_the_health_clock(app, account, csm):
    escalation_id = raise_one(app, account, csm)
    set_red(app, escalation_id, csm, FRIDAY_5PM)
    paused, resumed = FRIDAY_5PM + timedelta(hours=2), FRIDAY_5PM + timedelta(hours=10)
    act(
        app,
        escalation_id,
        csm,
        lambda actor, e: services.change_status(
            actor, e, Status.WAITING_ON_CUSTOMER, "Logs", paused
        ),
    )
    (clock,) = health_clocks(app, escalation_id)
    assert clock.due_at is None
    act(
        app,
        escalation_id,
        csm,
        lambda actor, e: services.change_status(actor, e, Status.INVESTIGATING, "", resumed),
    )
    (clock,) = health_clocks(app, escalation_id)
    assert clock.due_at == FRIDAY_5PM + timedelta(hours=24 + 8)


def test_the_sweep_breaches_the_health_clock_and_tells_the_owner(app, account, csm):
    escalation_id = raise_one(app, account, csm)
    set_red(app, escalation_id, csm, FRIDAY_5PM)
    with app.app_context():
        sweep_sla(FRIDAY_5PM + timedelta(hours=25))
        (clock,) = db.session.scalars(
            sa.select(SlaClock).where(SlaClock.kind == ClockKind.HEALTH_UPDATE)
        ).all()
        assert clock.breached_at == FRIDAY_5PM + timedelta(hours=24)
        breaches = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "sla_breach")
        ).all()
        assert ["health_update"] in [[b.changes["clock"][1]] for b in breaches]
        subjects = db.session.scalars(
            sa.select(Notification.subject).where(
                Notification.user_id == csm, Notification.kind == "sla_breach"
            )
        ).all()
        assert any("Health update cadence" in s for s in subjects)
        escalation = db.session.get(Escalation, escalation_id)
        shown = {
            v.kind: v.state
            for v in clocks.views(
                escalation, FRIDAY_5PM + timedelta(hours=25), clocks.pauses_of(escalation)
            )
        }
        assert shown[ClockKind.HEALTH_UPDATE] == "breached"
        # Counted like the SLA's breaches: one breached clock of this kind.
        counted = db.session.scalar(
            sa.select(sa.func.count(SlaClock.id)).where(
                SlaClock.kind == ClockKind.HEALTH_UPDATE, SlaClock.breached_at.is_not(None)
            )
        )
        assert counted == 1


def test_green_stops_the_cadence_resolve_stops_it_and_reopen_restarts_it(app, account, csm):
    escalation_id = raise_one(app, account, csm)
    set_red(app, escalation_id, csm, FRIDAY_5PM, Health.AMBER)
    (amber,) = health_clocks(app, escalation_id)
    assert amber.target_minutes == 48 * 60
    set_red(app, escalation_id, csm, FRIDAY_5PM + timedelta(hours=1), Health.GREEN)
    (amber,) = health_clocks(app, escalation_id)
    assert amber.stopped_at is not None

    set_red(app, escalation_id, csm, FRIDAY_5PM + timedelta(hours=2), Health.RED)
    resolved_at = FRIDAY_5PM + timedelta(hours=3)
    act(
        app,
        escalation_id,
        csm,
        lambda actor, e: services.resolve(
            actor,
            e,
            kind=ResolutionKind.FIX,
            summary="Fixed.",
            concession_minor=None,
            now=resolved_at,
        ),
    )
    assert all(c.stopped_at is not None for c in health_clocks(app, escalation_id))
    reopened_at = FRIDAY_5PM + timedelta(hours=5)
    act(
        app,
        escalation_id,
        csm,
        lambda actor, e: aftercare.reopen(actor, e, reason="Broke again.", now=reopened_at),
    )
    running = [c for c in health_clocks(app, escalation_id) if c.stopped_at is None]
    assert [c.started_at for c in running] == [reopened_at]


def test_a_closed_escalation_shows_its_health_history_read_only(client, app, account, csm):
    escalation_id = raise_one(app, account, csm)
    set_red(app, escalation_id, csm, FRIDAY_5PM)
    act(
        app,
        escalation_id,
        csm,
        lambda actor, e: services.resolve(
            actor,
            e,
            kind=ResolutionKind.FIX,
            summary="Fixed.",
            concession_minor=None,
            now=FRIDAY_5PM + timedelta(hours=1),
        ),
    )
    login(client, app, csm)
    page = text(client.get(f"/escalations/{escalation_id}"))
    assert "health history is read-only" in page
    assert "Record health" not in page
    with app.app_context():
        version = db.session.get(Escalation, escalation_id).version
    response = post(
        client,
        f"/escalations/{escalation_id}/health",
        health="green",
        trend="improving",
        version=str(version),
    )
    assert response.status_code == 422
    assert "can no longer change" in text(response)


# The cadence settings


def cadence_version(app) -> str:
    with app.app_context():
        rows = {r.health: r.version for r in db.session.scalars(sa.select(HealthCadence))}
        return "-".join(str(rows[h]) for h in Health)


def test_an_admin_changes_the_cadence_and_a_csm_may_only_read_it(client, app, login_as):
    login_as("csm")
    assert client.get("/admin/escalations/health-cadence").status_code == 200
    version = cadence_version(app)
    denied = post(client, "/admin/escalations/health-cadence", red_hours="12", version=version)
    assert denied.status_code == 403

    client.post("/logout", data={"csrf_token": csrf_token(client, "/profile")})
    login_as("admin")
    too_long = post(
        client,
        "/admin/escalations/health-cadence",
        red_hours="721",
        amber_hours="48",
        version=version,
    )
    assert too_long.status_code == 422
    assert "Pick a cadence from the list." in text(too_long)  # 721 h is not on the list
    saved = post(
        client,
        "/admin/escalations/health-cadence",
        red_hours="12",
        amber_hours="48",
        green_hours="",
        version=version,
    )
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.get(HealthCadence, Health.RED).update_hours == 12
        audit = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.entity_type == "health_cadence")
        ).one()
        assert audit.changes == {"red_hours": [24, 12]}
    page = text(client.get("/admin/sla-policies"))
    assert "every 12 hours" in page
    stale = post(
        client,
        "/admin/escalations/health-cadence",
        red_hours="8",
        amber_hours="48",
        version=version,
    )
    assert stale.status_code == 409
    with app.app_context():
        assert db.session.get(HealthCadence, Health.RED).update_hours == 12


def test_the_page_makes_the_same_queries_however_long_the_health_history(client, app, account, csm):
    escalation_id = raise_one(app, account, csm)
    login(client, app, csm)

    def count_queries() -> int:
        statements = []

        def record(*_args):
            statements.append(1)

        with app.app_context():
            engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            assert client.get(f"/escalations/{escalation_id}").status_code == 200
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)
        return len(statements)

    set_red(app, escalation_id, csm, FRIDAY_5PM)
    count_queries()  # the first view fills the app's caches (the notes that may help)
    once = count_queries()
    for hour, state in enumerate((Health.AMBER, Health.GREEN, Health.RED, Health.AMBER), 1):
        set_red(app, escalation_id, csm, FRIDAY_5PM + timedelta(hours=hour), state)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(HealthEntry.id))) == 5
    assert count_queries() == once


def test_green_runs_a_cadence_once_an_admin_gives_it_hours(app, account, csm):
    with app.app_context():
        db.session.get(HealthCadence, Health.GREEN).update_hours = 72
        db.session.commit()
    escalation_id = raise_one(app, account, csm)
    set_red(app, escalation_id, csm, FRIDAY_5PM, Health.GREEN)
    (green,) = health_clocks(app, escalation_id)
    assert green.target_minutes == 72 * 60
    assert green.due_at == FRIDAY_5PM + timedelta(hours=72)


def test_the_list_shows_the_red_cadence_when_it_falls_due_before_the_sla_update(app, account, csm):
    escalation_id = raise_one(app, account, csm)
    with app.app_context():
        first_response_due = db.session.get(Escalation, escalation_id).next_update_due_at
    set_red(app, escalation_id, csm, FRIDAY_5PM)
    (red,) = health_clocks(app, escalation_id)
    with app.app_context():
        due = db.session.get(Escalation, escalation_id).next_update_due_at
    assert due == min(first_response_due, red.due_at)
    assert due == red.due_at  # Saturday 17:00 comes before Monday morning's first response
