"""A sponsorship's touchpoint cadence: the planned touchpoints it generates over 90 days (once,
however often the job runs), moved when the program's or the sponsorship's cadence changes
(never the completed, cancelled or hand-edited ones), the "behind" flag, and the reminders
before touchpoints and of overdue next steps. The clock is fixed: NOW is 09:00 in Tokyo."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from app.accounts.models import Tier
from app.audit.models import AuditEvent
from app.auth.models import User
from app.extensions import db
from app.notifications.models import Notification, OutboxEmail
from app.scheduler.jobs import run_job
from app.sponsorship import services as sponsorship_services
from app.sponsorship.models import ProgramSettings, Sponsorship, SponsorshipStatus
from app.touchpoints import services
from app.touchpoints.cadence import _insert, cadence_status, generate, replan, slots
from app.touchpoints.models import (
    ActionItem,
    Touchpoint,
    TouchpointKind,
    TouchpointStatus,
    touchpoint_executives,
)
from app.touchpoints.reminders import send_reminders
from tests.conftest import csrf_token, login

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = datetime(2026, 6, 8, 0, 0, tzinfo=UTC)  # 09:00 on June 8 in Tokyo
TODAY = date(2026, 6, 8)
STARTED = date(2026, 5, 29)  # slots: Jun 29, Jul 29, Aug 29 (the horizon ends Sep 6)
MONTHLY_CALL_QUARTERLY_REVIEW = {"executive_call": 1, "business_review": 3}


def set_program_cadence(app, **by_tier):
    with app.app_context():
        db.session.get(ProgramSettings, 1).cadence_by_tier = by_tier
        db.session.commit()


@pytest.fixture
def people(make_user):
    return {
        "executive": make_user("executive", email="kenji@example.test", name="Kenji Exec"),
        "csm": make_user("csm", email="aiko@example.test", name="Aiko CSM"),
    }


@pytest.fixture
def sponsored(app, people, make_account, make_sponsorship):
    """sponsored(**values): an active sponsorship (strategic account, started May 29)."""

    def make(tier=Tier.STRATEGIC, started_on=STARTED, **values):
        account_id = make_account(tier=tier, csm_owner_id=people["csm"])
        defaults = dict(
            status=SponsorshipStatus.ACTIVE, sponsor_id=people["executive"], started_on=started_on
        )
        return make_sponsorship(account_id, **(defaults | values))

    return make


def touchpoints_of(app, sponsorship_id) -> list[tuple]:
    """(kind, slot, status, hand edited) of the sponsorship's touchpoints, by slot."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(
                Touchpoint.cadence_key,
                Touchpoint.cadence_slot,
                Touchpoint.status,
                Touchpoint.hand_edited,
            )
            .where(Touchpoint.sponsorship_id == sponsorship_id)
            .order_by(Touchpoint.cadence_slot, Touchpoint.cadence_key)
        )
        return [(k, s, st.value, h) for k, s, st, h in rows]


def job(app, name, now) -> bool:
    """The scheduler's job, under its lease, as `flask scheduler` runs it (it commits)."""
    with app.app_context():
        return run_job(name, now)


def run_generate(app, **kwargs) -> dict:
    with app.test_request_context():
        outcome = generate(TODAY, now=NOW, **kwargs)
        db.session.commit()
        return outcome


# Generating ---------------------------------------------------------------------------------


def test_a_monthly_call_and_a_quarterly_review_make_four_touchpoints_in_90_days(
    app, people, sponsored
):
    set_program_cadence(app, strategic=MONTHLY_CALL_QUARTERLY_REVIEW)
    sponsorship_id = sponsored()

    assert run_generate(app)["created"] == 4

    assert touchpoints_of(app, sponsorship_id) == [
        ("executive_call", date(2026, 6, 29), "planned", False),
        ("executive_call", date(2026, 7, 29), "planned", False),
        ("business_review", date(2026, 8, 29), "planned", False),
        ("executive_call", date(2026, 8, 29), "planned", False),
    ]
    with app.app_context():
        review = db.session.scalar(
            sa.select(Touchpoint).where(Touchpoint.kind == TouchpointKind.BUSINESS_REVIEW)
        )
        assert review.starts_at == datetime(2026, 8, 29, 10, 0, tzinfo=TOKYO)
        assert review.timezone == "Asia/Tokyo"
        assert review.duration_minutes == 90
        assert review.created_by_id is None and review.title == ""
        assert {u.id for u in review.executives} == {people["executive"], people["csm"]}


def test_running_it_again_creates_nothing(app, sponsored):
    set_program_cadence(app, strategic=MONTHLY_CALL_QUARTERLY_REVIEW)
    sponsorship_id = sponsored()
    run_generate(app)

    assert run_generate(app)["created"] == 0
    assert job(app, "touchpoint_cadence", NOW)  # the scheduler's job, committed
    assert len(touchpoints_of(app, sponsorship_id)) == 4
    with app.app_context():
        attendees = db.session.scalar(sa.select(sa.func.count()).select_from(touchpoint_executives))
        assert attendees == 8


def test_the_database_refuses_a_second_touchpoint_for_the_same_slot(app, sponsored):
    set_program_cadence(app, strategic={"executive_call": 1})
    sponsorship_id = sponsored()
    run_generate(app)
    with app.app_context():
        first = db.session.scalars(sa.select(Touchpoint).order_by(Touchpoint.id)).first()
        db.session.add(
            Touchpoint(
                account_id=first.account_id,
                sponsorship_id=sponsorship_id,
                kind=TouchpointKind.EXECUTIVE_CALL,
                starts_at=first.starts_at,
                cadence_key=first.cadence_key,
                cadence_slot=first.cadence_slot,
            )
        )
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_the_generator_s_insert_skips_a_slot_another_run_took_meanwhile(app, sponsored):
    """Two runs at once: the one that reads the slot free and inserts second inserts nothing
    (ON CONFLICT DO NOTHING), and gives no attendees to a row it did not make."""
    set_program_cadence(app, strategic={"executive_call": 1})
    sponsorship_id = sponsored()
    run_generate(app)
    with app.app_context():
        first = db.session.scalars(sa.select(Touchpoint).order_by(Touchpoint.id)).first()
        row = {
            column.name: getattr(first, column.key)
            for column in Touchpoint.__table__.columns
            if column.name not in ("id", "uid")
        }
        row["uid"] = "another-run@example.test"
        assert _insert([row]) == []
    assert len(touchpoints_of(app, sponsorship_id)) == 3


def test_only_sponsorships_in_the_program_with_a_cadence_get_touchpoints(app, sponsored):
    set_program_cadence(app, strategic={"executive_call": 1})
    for status in (SponsorshipStatus.NOMINATED, SponsorshipStatus.EXITED):
        sponsored(status=status)
    sponsored(tier=Tier.GROWTH)  # the program gives growth accounts no cadence
    sponsored(cadence={})  # its own cadence: none
    in_review = sponsored(status=SponsorshipStatus.EXIT_REVIEW)  # sponsored until it ends

    assert run_generate(app) == {"sponsorships": 3, "created": 3}
    assert len(touchpoints_of(app, in_review)) == 3


def test_slots_keep_the_day_of_the_start_clamped_to_the_month_end():
    assert slots(date(2026, 1, 31), 1, date(2026, 2, 1), date(2026, 5, 31)) == [
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
        date(2026, 5, 31),
    ]
    assert slots(date(2027, 11, 30), 3, date(2028, 1, 1), date(2028, 12, 31)) == [
        date(2028, 2, 29),
        date(2028, 5, 30),
        date(2028, 8, 30),
        date(2028, 11, 30),
    ]
    # The start is the kick-off, not a slot.
    assert slots(date(2026, 6, 8), 1, date(2026, 6, 8), date(2026, 7, 8)) == [date(2026, 7, 8)]


def statements_of_generate(app) -> int:
    statements = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    with app.test_request_context():
        db.session.remove()
        sa.event.listen(db.engine, "before_cursor_execute", record)
        try:
            generate(TODAY, now=NOW)
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)
        db.session.rollback()
    return len(statements)


def test_the_queries_of_generating_do_not_grow_with_the_number_of_sponsorships(app, sponsored):
    set_program_cadence(app, strategic=MONTHLY_CALL_QUARTERLY_REVIEW)
    sponsored()
    sponsored()
    few = statements_of_generate(app)
    for _ in range(18):
        sponsored()
    assert statements_of_generate(app) == few
    assert few <= 6  # settings, sponsorships, touchpoints, attendees, audit


# Moving with the cadence ----------------------------------------------------------------------


def post(client, url, **data):
    data.setdefault("csrf_token", csrf_token(client, "/profile"))
    return client.post(url, data=data)


def test_a_cadence_change_moves_untouched_touchpoints_and_keeps_the_rest(
    app, client, people, sponsored, make_user, monkeypatch
):
    monkeypatch.setattr(sponsorship_services, "utcnow", lambda: NOW)  # the pages' clock
    set_program_cadence(app, strategic=MONTHLY_CALL_QUARTERLY_REVIEW)
    sponsorship_id = sponsored()
    run_generate(app)
    with app.test_request_context():
        rows = {
            (t.cadence_key, t.cadence_slot.month): t
            for t in db.session.scalars(sa.select(Touchpoint))
        }
        executive = db.session.get(User, people["executive"])
        services.update(executive, rows["executive_call", 6], {"agenda": "Renewal terms"})
        services.complete(
            executive,
            rows["executive_call", 7],
            "Agreed the plan",
            [services.NextStep("Send the plan", executive, date(2026, 8, 5))],
        )
        services.cancel(executive, rows["business_review", 8], "Customer asked to skip it")
        db.session.commit()

    # The admin makes the strategic call every two months and drops the review.
    admin = make_user("admin")
    login(client, app, admin)
    with app.app_context():
        version = db.session.get(ProgramSettings, 1).version
    form = program_form(version, strategic_executive_call="2", strategic_business_review="")
    response = post(client, "/sponsorships/program", **form)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]

    # Jul 29 (the new slot) is taken by the completed call; the untouched Aug 29 call is gone.
    assert touchpoints_of(app, sponsorship_id) == [
        ("executive_call", date(2026, 6, 29), "planned", True),
        ("executive_call", date(2026, 7, 29), "completed", False),
        ("business_review", date(2026, 8, 29), "cancelled", False),
    ]

    # The sponsorship's own cadence, monthly again: Aug 29 comes back.
    page = client.get(f"/sponsorships/{sponsorship_id}").get_data(as_text=True)
    assert "Follows the program for Strategic accounts:" in page
    assert "Executive call every 2 months" in page
    with app.app_context():
        version = db.session.get(Sponsorship, sponsorship_id).version
    response = post(
        client,
        f"/sponsorships/{sponsorship_id}/cadence",
        follow="own",
        executive_call="1",
        business_review="0",
        version=str(version),
    )
    assert response.status_code == 302
    assert touchpoints_of(app, sponsorship_id)[-1] == (
        "executive_call",
        date(2026, 8, 29),
        "planned",
        False,
    )
    page = client.get(f"/sponsorships/{sponsorship_id}").get_data(as_text=True)
    assert "Its own cadence:" in page and "Executive call every month" in page
    with app.app_context():
        changed = db.session.scalar(
            sa.select(AuditEvent).where(
                AuditEvent.entity_type == "sponsorship", AuditEvent.action == "cadence"
            )
        )
        assert changed.changes == {"cadence": [None, {"executive_call": 1}]}


def program_form(version, **cadence) -> dict:
    form = {
        "version": str(version),
        "purpose": "Keep strategic accounts",
        "responsibilities": "Meet the customer",
        "default_term_months": "12",
        "coverage_strong_days": "90",
        "coverage_fading_days": "180",
        "max_active_per_executive": "5",
        "entry_combination": "any",
        "exit_combination": "any",
    }
    # A browser sends every field, blank ones too.
    for tier in ("strategic", "enterprise", "growth"):
        for kind in ("executive_call", "business_review"):
            form[f"cadence_{tier}_{kind}"] = cadence.get(f"{tier}_{kind}", "")
    return form


def test_the_program_form_refuses_a_bad_cadence_or_coverage(app, client, make_user):
    login(client, app, make_user("admin"))
    with app.app_context():
        version = db.session.get(ProgramSettings, 1).version
    form = program_form(version, growth_executive_call="13")
    form.update(coverage_strong_days="200", coverage_fading_days="180")
    response = post(client, "/sponsorships/program", **form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Pick a cadence from the list." in html  # 13 months is not on the list
    form["cadence_growth_executive_call"] = "6"
    html = post(client, "/sponsorships/program", **form).get_data(as_text=True)
    assert "Must be more days than “strong” (200)." in html

    form.update(coverage_strong_days="60")
    assert post(client, "/sponsorships/program", **form).status_code == 302
    with app.app_context():
        settings = db.session.get(ProgramSettings, 1)
        assert settings.cadence_by_tier["growth"] == {"executive_call": 6}
        assert (settings.coverage_strong_days, settings.coverage_fading_days) == (60, 180)
    html = client.get("/sponsorships/program").get_data(as_text=True)
    assert '<option selected value="6">Every 6 months</option>' in html


def test_the_cadence_form_is_for_those_who_plan_the_sponsorship(app, client, sponsored, make_user):
    sponsorship_id = sponsored()
    login(client, app, make_user("csm"))  # not the account's CSM
    response = post(client, f"/sponsorships/{sponsorship_id}/cadence", follow="program")
    assert response.status_code == 403
    assert f'action="/sponsorships/{sponsorship_id}/cadence' not in client.get(
        f"/sponsorships/{sponsorship_id}"
    ).get_data(as_text=True)


def test_an_ended_sponsorship_loses_its_untouched_future_touchpoints(app, sponsored):
    set_program_cadence(app, strategic={"executive_call": 1})
    sponsorship_id = sponsored()
    run_generate(app)
    with app.app_context():
        db.session.get(Sponsorship, sponsorship_id).status = SponsorshipStatus.EXITED
        db.session.commit()

    assert job(app, "touchpoint_cadence", NOW)
    assert touchpoints_of(app, sponsorship_id) == []


def test_replan_of_an_unchanged_cadence_changes_nothing(app, sponsored):
    set_program_cadence(app, strategic=MONTHLY_CALL_QUARTERLY_REVIEW)
    sponsorship_id = sponsored()
    run_generate(app)
    before = touchpoints_of(app, sponsorship_id)
    with app.test_request_context():
        assert replan([sponsorship_id], TODAY, now=NOW) == {"removed": 0, "created": 0}
    assert touchpoints_of(app, sponsorship_id) == before


# Behind the cadence ---------------------------------------------------------------------------


def completed_touchpoint(app, sponsorship_id, on: date) -> None:
    with app.app_context():
        sponsorship = db.session.get(Sponsorship, sponsorship_id)
        db.session.add(
            Touchpoint(
                account_id=sponsorship.account_id,
                kind=TouchpointKind.EXECUTIVE_CALL,
                status=TouchpointStatus.COMPLETED,
                starts_at=datetime.combine(on, time(15), TOKYO),
            )
        )
        db.session.commit()


def test_cadence_status_tells_behind_from_on_track(app, sponsored):
    set_program_cadence(app, strategic={"executive_call": 1, "business_review": 3})
    long_ago = date(2026, 1, 10)
    met = sponsored(started_on=long_ago)
    completed_touchpoint(app, met, date(2026, 5, 20))
    lapsed = sponsored(started_on=long_ago)
    completed_touchpoint(app, lapsed, date(2026, 4, 20))
    silent = sponsored(started_on=long_ago)
    young = sponsored(started_on=date(2026, 5, 20))
    none = sponsored(tier=Tier.GROWTH, started_on=long_ago)
    ended = sponsored(status=SponsorshipStatus.EXITED, started_on=long_ago)

    with app.test_request_context():
        shown = list(db.session.scalars(sa.select(Sponsorship)))
        found = cadence_status(shown, TODAY)
    states = {sid: found[sid].state for sid in (met, lapsed, silent, young, none, ended)}
    assert states == {
        met: "on_track",
        lapsed: "behind",
        silent: "behind",
        young: "on_track",
        none: "none",
        ended: "none",
    }
    assert found[lapsed].interval_months == 1
    assert found[lapsed].last_completed == datetime(2026, 4, 20, 15, 0, tzinfo=TOKYO)
    assert found[silent].last_completed is None


def test_the_exit_review_flags_a_sponsorship_behind_its_cadence(app, client, sponsored, make_user):
    set_program_cadence(app, strategic={"executive_call": 1})
    behind = sponsored(status=SponsorshipStatus.EXIT_REVIEW, started_on=date(2025, 1, 10))
    kept = sponsored(status=SponsorshipStatus.EXIT_REVIEW, started_on=date(2025, 1, 10))
    completed_touchpoint(app, kept, date.today() - timedelta(days=3))
    login(client, app, make_user("manager"))

    html = client.get("/sponsorships/eligibility").get_data(as_text=True)

    rows = {
        sid: html.split(f'href="/sponsorships/{sid}"')[1].split("</tr>")[0]
        for sid in (behind, kept)
    }
    assert "Cadence behind" in rows[behind]
    assert "Cadence behind" not in rows[kept]


# Reminders --------------------------------------------------------------------------------------


def planned(app, account_id, starts_at, attendees) -> int:
    with app.app_context():
        touchpoint = Touchpoint(
            account_id=account_id,
            kind=TouchpointKind.EXECUTIVE_CALL,
            starts_at=starts_at,
            timezone="Asia/Tokyo",
        )
        touchpoint.executives = [db.session.get(User, u) for u in attendees]
        db.session.add(touchpoint)
        db.session.commit()
        return touchpoint.id


def reminders(app, now) -> dict:
    with app.app_context():
        outcome = send_reminders(now)
        db.session.commit()
        return outcome


def notices(app, kind) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(User.email, Notification.subject)
            .join(User, User.id == Notification.user_id)
            .where(Notification.kind == kind)
            .order_by(Notification.id)
        )
        return [tuple(row) for row in rows]


TOMORROW_5AM = "2026-06-09 05:00 Asia/Tokyo"
IN_2_DAYS_9PM = "2026-06-10 21:00 Asia/Tokyo"


def test_reminders_go_3_days_and_1_day_before_once_each(app, people, make_account, make_user):
    other_exec = make_user("executive", email="mia@example.test")
    with app.app_context():
        db.session.get(User, other_exec).timezone = "America/New_York"
        db.session.commit()
    account = make_account(name="Sakura Logistics", csm_owner_id=people["csm"])
    soon = planned(app, account, NOW + timedelta(hours=20), [people["executive"], other_exec])
    later = planned(app, account, NOW + timedelta(days=2, hours=12), [people["executive"]])
    planned(app, account, NOW + timedelta(days=5), [people["executive"]])  # not yet

    assert reminders(app, NOW)["touchpoints_1d"] == 1
    assert sorted(notices(app, "touchpoint_reminder")) == [
        ("aiko@example.test", f"Executive call with Sakura Logistics on {TOMORROW_5AM}"),
        ("aiko@example.test", f"Executive call with Sakura Logistics on {IN_2_DAYS_9PM}"),
        ("kenji@example.test", f"Executive call with Sakura Logistics on {TOMORROW_5AM}"),
        ("kenji@example.test", f"Executive call with Sakura Logistics on {IN_2_DAYS_9PM}"),
        # Each reads the time in their own time zone.
        (
            "mia@example.test",
            "Executive call with Sakura Logistics on 2026-06-08 16:00 America/New_York",
        ),
    ]
    with app.app_context():
        mails = db.session.scalars(sa.select(OutboxEmail.to_address)).all()
        assert sorted(mails) == sorted(e for e, _ in notices(app, "touchpoint_reminder"))
        body = db.session.scalars(sa.select(OutboxEmail.body)).first()
        assert "/touchpoints/" in body
        assert db.session.get(Touchpoint, soon).reminded_3d_at is None  # 1-day reminder only

    assert reminders(app, NOW + timedelta(minutes=15))["notifications"] == 0
    # Two days later the second touchpoint is a day away: its 1-day reminder, once.
    outcome = reminders(app, NOW + timedelta(days=1, hours=13))
    assert (outcome["touchpoints_1d"], outcome["touchpoints_3d"]) == (1, 0)
    assert len(notices(app, "touchpoint_reminder")) == 7
    with app.app_context():
        assert db.session.get(Touchpoint, later).reminded_1d_at is not None


def test_a_cancelled_or_completed_touchpoint_is_not_reminded(app, people, make_account):
    account = make_account(csm_owner_id=people["csm"])
    touchpoint_id = planned(app, account, NOW + timedelta(hours=20), [people["executive"]])
    with app.app_context():
        db.session.get(Touchpoint, touchpoint_id).status = TouchpointStatus.CANCELLED
        db.session.commit()
    assert reminders(app, NOW)["notifications"] == 0


def test_an_overdue_next_step_reminds_its_owner_once(app, people, make_account):
    account = make_account(csm_owner_id=people["csm"])
    touchpoint_id = planned(app, account, NOW - timedelta(days=10), [people["executive"]])
    with app.app_context():
        db.session.add_all(
            [
                ActionItem(
                    touchpoint_id=touchpoint_id,
                    text="Send the plan",
                    owner_id=people["csm"],
                    due_on=TODAY - timedelta(days=1),
                ),
                ActionItem(
                    touchpoint_id=touchpoint_id,
                    text="Due today",
                    owner_id=people["csm"],
                    due_on=TODAY,
                ),
                ActionItem(
                    touchpoint_id=touchpoint_id,
                    text="Done already",
                    owner_id=people["csm"],
                    due_on=TODAY - timedelta(days=3),
                    done_at=NOW - timedelta(days=4),
                ),
            ]
        )
        db.session.commit()

    assert job(app, "touchpoint_reminders", NOW)
    assert job(app, "touchpoint_reminders", NOW + timedelta(minutes=15))

    assert notices(app, "action_item_overdue") == [
        ("aiko@example.test", "Next step overdue since 2026-06-07: Send the plan")
    ]


def test_the_account_s_csm_sets_a_cadence_and_a_stale_form_saves_nothing(
    app, client, people, sponsored
):
    sponsorship_id = sponsored()
    login(client, app, people["csm"])
    with app.app_context():
        version = str(db.session.get(Sponsorship, sponsorship_id).version)
    url = f"/sponsorships/{sponsorship_id}/cadence"
    own = dict(follow="own", executive_call="2", business_review="6", version=version)
    assert post(client, url, **own).status_code == 302

    response = post(client, url, **(own | {"executive_call": "1"}))  # the page before the save

    assert response.status_code == 409
    assert "Someone else changed this record" in response.get_data(as_text=True)
    with app.app_context():
        saved = db.session.get(Sponsorship, sponsorship_id).cadence
        assert saved == {"executive_call": 2, "business_review": 6}


def test_a_rescheduled_touchpoint_is_reminded_again_for_its_new_time(app, people, make_account):
    account = make_account(csm_owner_id=people["csm"])
    touchpoint_id = planned(app, account, NOW + timedelta(hours=20), [people["executive"]])
    assert reminders(app, NOW)["touchpoints_1d"] == 1
    with app.test_request_context():
        touchpoint = db.session.get(Touchpoint, touchpoint_id)
        services.update(
            db.session.get(User, people["csm"]),
            touchpoint,
            {"starts_at": NOW + timedelta(days=7)},
        )
        db.session.commit()
    assert reminders(app, NOW + timedelta(minutes=15))["notifications"] == 0
    # Six days later the new time is a day away: reminded again.
    assert reminders(app, NOW + timedelta(days=6, hours=1))["touchpoints_1d"] == 1
