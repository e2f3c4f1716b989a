"""After the resolution, through the web: the follow-up check-in (held, or failed and
reopened) and its date, closing with the post-mortem it needs, reopening with a reason, the
post-mortem and its action items, the reminders, a person's work page, the survey choice on
the resolve form, and who may do what."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import ContactRole
from app.accounts.services import add_timeline
from app.audit.models import AuditEvent
from app.escalations.aftercare import fill_missing_minutes
from app.escalations.models import (
    Escalation,
    FollowUp,
    FollowUpOutcome,
    PostMortem,
    PostMortemAction,
    Severity,
    Status,
    Survey,
)
from app.extensions import db
from app.models import utcnow
from app.notifications.models import Notification, OutboxEmail
from app.scheduler import jobs
from tests.conftest import app_today, csrf_token, login

COMPLETE = {
    "root_cause_category": "product_defect",
    "root_cause": "A cache setting dropped orders after the release.",
    "went_well": "The L2 team found it in an hour.",
    "to_improve": "Test the cache settings before a release.",
    "preventable": "yes",
    "lower_level": "no",
}


@pytest.fixture
def people(app, make_user):
    return {
        "csm": make_user("csm", name="Sakura CSM"),
        "manager": make_user("manager", name="Maria Manager"),
        "exec": make_user("executive", name="Kenji Exec"),
        "stranger": make_user("csm", name="Other CSM"),
        "ae": make_user("ae", name="David AE"),
    }


@pytest.fixture
def account(make_account, people):
    return make_account(name="Sakura Logistics", csm_owner_id=people["csm"])


@pytest.fixture
def escalation(make_escalation, account, people):
    return make_escalation(
        account,
        title="Orders dropped",
        severity=Severity.HIGH,
        status=Status.INVESTIGATING,
        owner_id=people["csm"],
    )


def sign_in(client, app, user_id):
    """Sign out whoever is signed in, then sign the user in."""
    if client.get("/profile").status_code == 200:
        client.post("/logout", data={"csrf_token": csrf_token(client, "/profile")})
    login(client, app, user_id)


def post(client, url, **data):
    data["csrf_token"] = csrf_token(client, "/profile")
    return client.post(url, data=data)


def text(response) -> str:
    return response.get_data(as_text=True)


def load(app, escalation_id) -> Escalation:
    with app.app_context():
        row = db.session.get(Escalation, escalation_id)
        db.session.expunge(row)
        return row


def follow_ups(app, escalation_id) -> list[FollowUp]:
    with app.app_context():
        rows = db.session.scalars(
            sa.select(FollowUp).where(FollowUp.escalation_id == escalation_id).order_by(FollowUp.id)
        ).all()
        db.session.expunge_all()
        return rows


def audit_rows(app, escalation_id, action) -> list[AuditEvent]:
    with app.app_context():
        rows = db.session.scalars(
            sa.select(AuditEvent).where(
                AuditEvent.entity_id == escalation_id, AuditEvent.action == action
            )
        ).all()
        db.session.expunge_all()
        return rows


def resolve(client, escalation_id, **values):
    data = {"kind": "fix", "summary": "Cache setting corrected.", "survey_contact_id": ""}
    response = post(client, f"/escalations/{escalation_id}/resolve", **(data | values))
    assert response.status_code == 302, text(response)[:3000]
    return response


def post_mortem(app, escalation_id) -> PostMortem | None:
    with app.app_context():
        row = db.session.scalars(
            sa.select(PostMortem).where(PostMortem.escalation_id == escalation_id)
        ).first()
        if row is not None:
            db.session.expunge(row)
        return row


def test_resolve_fail_reopen_resolve_hold_post_mortem_close_and_reopen(
    app, client, people, escalation, account
):
    sign_in(client, app, people["csm"])
    url = f"/escalations/{escalation}"
    assert f'href="{url}/resolve"' in text(client.get(url))
    resolve(client, escalation)
    page = text(client.get(url))
    assert "Follow-up check-in due:" in page
    assert "Record the follow-up check-in first (did the solution hold?)." in page
    assert re.search(r"<button[^>]*disabled[^>]*>Close escalation</button>", page)

    # The check-in failed: the reason is required, then the escalation is reopened with it.
    missing = post(client, f"{url}/follow-up", outcome="failed", note="  ")
    assert missing.status_code == 422
    assert "Say why the solution did not hold." in text(missing)
    assert load(app, escalation).status == Status.RESOLVED
    failed = post(client, f"{url}/follow-up", outcome="failed", note="Orders dropped again")
    assert failed.status_code == 302
    reopened = load(app, escalation)
    assert reopened.status == Status.INVESTIGATING and reopened.reopened_count == 1
    (reopen_row,) = audit_rows(app, escalation, "reopened")
    assert reopen_row.changes["reason"] == [None, "Orders dropped again"]
    assert follow_ups(app, escalation)[0].outcome == FollowUpOutcome.FAILED

    # Resolved again; this time the solution held, and the escalation moves to follow-up.
    resolve(client, escalation)
    assert post(client, f"{url}/follow-up", outcome="held", note="").status_code == 302
    assert load(app, escalation).status == Status.FOLLOW_UP
    assert [f.outcome for f in follow_ups(app, escalation)] == [
        FollowUpOutcome.FAILED,
        FollowUpOutcome.HELD,
    ]

    # High severity: no close without a completed post-mortem; the button says what is missing.
    page = text(client.get(url))
    needed = "A completed post-mortem is required (critical, high or executive)."
    assert needed in page
    refused = post(client, f"{url}/close")
    assert refused.status_code == 422 and needed in text(refused)
    assert load(app, escalation).status == Status.FOLLOW_UP

    # Completing with parts missing lists them and saves nothing.
    incomplete = post(
        client, f"{url}/post-mortem", root_cause_category="process", version="", complete="1"
    )
    assert incomplete.status_code == 422
    assert (
        "To complete the post-mortem, fill in: the root cause, what to improve, whether it "
        "could have been prevented, whether it could have been resolved at a lower level."
    ) in text(incomplete)
    assert post_mortem(app, escalation) is None
    # A draft is saved; the page lists what completing it still needs.
    draft = post(
        client, f"{url}/post-mortem", root_cause_category="process", version="", submit="1"
    )
    assert draft.status_code == 302
    assert "fill in: the root cause, what to improve" in text(client.get(f"{url}/post-mortem"))
    assert "The post-mortem is not completed yet." in text(client.get(url))
    version = post_mortem(app, escalation).version
    done = post(client, f"{url}/post-mortem", **COMPLETE, version=version, complete="1")
    assert done.status_code == 302
    assert post_mortem(app, escalation).completed_at is not None

    closed = post(client, f"{url}/close")
    assert closed.status_code == 302
    row = load(app, escalation)
    assert row.status == Status.CLOSED and row.closed_at is not None

    # Reopen from closed: the reason is required.
    assert client.get(f"{url}/reopen").status_code == 200
    blank = post(client, f"{url}/reopen", reason="   ")
    assert blank.status_code == 422 and "Say why the escalation is reopened." in text(blank)
    assert load(app, escalation).status == Status.CLOSED
    again = post(client, f"{url}/reopen", reason="The customer reports it again")
    assert again.status_code == 302
    row = load(app, escalation)
    assert row.status == Status.INVESTIGATING and row.closed_at is None
    assert row.reopened_count == 2
    reasons = [r.changes["reason"][1] for r in audit_rows(app, escalation, "reopened")]
    assert "The customer reports it again" in reasons

    # Every step is on the account's timeline, in words.
    timeline = text(client.get(f"/accounts/{account}"))
    for words in (
        "Escalation reopened, the solution did not hold: Orders dropped (Orders dropped again)",
        "Follow-up check-in (Held): Orders dropped",
        "Post-mortem completed: Orders dropped",
        "Escalation closed: Orders dropped",
        "Escalation reopened: Orders dropped (The customer reports it again)",
    ):
        assert words in timeline


def test_a_medium_escalation_closes_without_a_post_mortem(
    app, client, people, make_escalation, account
):
    escalation = make_escalation(
        account, severity=Severity.MEDIUM, status=Status.NEW, owner_id=people["csm"]
    )
    sign_in(client, app, people["csm"])
    url = f"/escalations/{escalation}"
    assert f'href="{url}/resolve"' in text(client.get(url))  # from "new" too
    resolve(client, escalation)
    assert post(client, f"{url}/follow-up", outcome="held").status_code == 302
    assert post(client, f"{url}/close").status_code == 302
    assert load(app, escalation).status == Status.CLOSED


def test_the_follow_up_days_move_the_check_in_and_bad_numbers_are_refused(
    app, client, people, escalation
):
    sign_in(client, app, people["csm"])
    url = f"/escalations/{escalation}"
    # While open: the days before the check-in, used when it is resolved.
    assert post(client, f"{url}/follow-up-days", follow_up_days="3").status_code == 302
    resolve(client, escalation)
    (pending,) = follow_ups(app, escalation)
    resolved_at = load(app, escalation).resolved_at
    assert pending.due_at == resolved_at + timedelta(days=3)

    assert post(client, f"{url}/follow-up-days", follow_up_days="14").status_code == 302
    (pending,) = follow_ups(app, escalation)
    assert pending.due_at == resolved_at + timedelta(days=14)
    assert audit_rows(app, escalation, "update")[-1].changes["follow_up_days"] == [3, 14]

    for bad, message in (
        ("0", "Enter a number of days from 1 to 365."),
        ("400", "Enter a number of days from 1 to 365."),
        ("", "Enter a number of days from 1 to 365."),
        ("abc", "Enter a whole number such as 80."),
    ):
        response = post(client, f"{url}/follow-up-days", follow_up_days=bad)
        assert response.status_code == 422, bad
        assert message in text(response)
    assert load(app, escalation).follow_up_days == 14
    assert follow_ups(app, escalation)[0].due_at == resolved_at + timedelta(days=14)

    # Once the check-in held, the date is history: moving it is refused, with the reason.
    assert post(client, f"{url}/follow-up", outcome="held").status_code == 302
    late = post(client, f"{url}/follow-up-days", follow_up_days="5")
    assert late.status_code == 422
    assert "The check-in can be moved only while the escalation is open or resolved" in text(late)
    assert load(app, escalation).follow_up_days == 14


def test_an_outcome_is_required_and_nothing_is_recorded_without_one(
    app, client, people, escalation
):
    sign_in(client, app, people["csm"])
    resolve(client, escalation)
    response = post(client, f"/escalations/{escalation}/follow-up", outcome="", note="hm")
    assert response.status_code == 422
    assert "Choose whether the solution held." in text(response)
    assert follow_ups(app, escalation)[0].pending
    assert load(app, escalation).status == Status.RESOLVED


def test_check_in_reminders_are_sent_once(app, client, people, escalation):
    sign_in(client, app, people["csm"])
    post(client, f"/escalations/{escalation}/follow-up-days", follow_up_days="1")
    resolve(client, escalation)
    later = utcnow() + timedelta(days=1, minutes=1)
    with app.app_context():
        assert jobs.run_job("aftercare", utcnow()) is True  # not due yet
        assert jobs.run_job("aftercare", later) is True
        assert jobs.run_job("aftercare", later + timedelta(minutes=15)) is True
        sent = db.session.scalars(
            sa.select(Notification).where(Notification.kind == "follow_up_due")
        ).all()
        assert [n.user_id for n in sent] == [people["csm"]]
        assert "Follow-up check-in due" in sent[0].subject


def add_action(client, escalation_id, owner_id, due_on, text_="Add a cache test to CI"):
    return post(
        client,
        f"/escalations/{escalation_id}/post-mortem/actions",
        text=text_,
        owner_id=str(owner_id),
        due_on=due_on.isoformat(),
    )


def test_action_items_remind_once_when_overdue_and_show_in_their_owners_work(
    app, client, people, escalation
):
    today = app_today(app)
    sign_in(client, app, people["manager"])
    assert (
        add_action(client, escalation, people["ae"], today - timedelta(days=1)).status_code == 302
    )
    assert (
        add_action(client, escalation, people["ae"], today + timedelta(days=9), "Later").status_code
        == 302
    )
    page = text(client.get(f"/escalations/{escalation}/post-mortem"))
    assert page.count('class="badge badge-overdue"') == 1

    with app.app_context():
        for _ in range(2):
            assert jobs.run_job("aftercare", utcnow()) is True
        sent = db.session.scalars(
            sa.select(Notification).where(Notification.kind == "action_overdue")
        ).all()
        assert [(n.user_id, n.link) for n in sent] == [
            (people["ae"], f"/escalations/{escalation}/post-mortem")
        ]

    # The owner sees both in their work, the overdue one flagged, and ticks it off there.
    sign_in(client, app, people["ae"])
    work = text(client.get("/escalations/work"))
    assert "Add a cache test to CI" in work and "Later" in work
    assert work.count('class="badge badge-overdue"') == 1
    with app.app_context():
        first = db.session.scalars(
            sa.select(PostMortemAction.id).order_by(PostMortemAction.due_on)
        ).first()
    done = post(
        client,
        f"/escalations/{escalation}/post-mortem/actions/{first}/done",
        done="1",
        back="work",
    )
    assert done.status_code == 302 and done.headers["Location"].endswith(
        "/escalations/work#actions"
    )
    assert "Add a cache test to CI" not in text(client.get("/escalations/work"))


def test_action_items_need_text_owner_and_a_date(app, client, people, escalation):
    sign_in(client, app, people["manager"])
    response = post(
        client, f"/escalations/{escalation}/post-mortem/actions", text=" ", owner_id="", due_on="x"
    )
    assert response.status_code == 422
    page = text(response)
    assert "Write what is to be done." in page
    assert "Choose who owns the action item." in page
    assert "Use a date like 2026-04-01 or 2026/04/01." in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(PostMortemAction.id))) == 0


def test_who_may_work_after_the_resolution(app, client, people, escalation):
    sign_in(client, app, people["csm"])
    resolve(client, escalation)
    url = f"/escalations/{escalation}"

    # A CSM not on the account works nothing of it; they still read it.
    sign_in(client, app, people["stranger"])
    page = text(client.get(url))
    assert "Record the check-in" not in page and "Close escalation" not in page
    assert post(client, f"{url}/follow-up", outcome="held").status_code == 403
    assert post(client, f"{url}/follow-up-days", follow_up_days="3").status_code == 403
    assert post(client, f"{url}/close").status_code == 403
    assert post(client, f"{url}/reopen", reason="x").status_code == 403
    assert post(client, f"{url}/post-mortem", **COMPLETE, version="").status_code == 403
    assert follow_ups(app, escalation)[0].pending

    # An executive reads the post-mortem and writes none.
    sign_in(client, app, people["manager"])
    post(client, f"{url}/post-mortem", **COMPLETE, version="", submit="1")
    add_action(client, escalation, people["ae"], app_today(app))
    sign_in(client, app, people["exec"])
    page = text(client.get(f"{url}/post-mortem"))
    assert COMPLETE["root_cause"] in page and "Save and complete" not in page
    assert post(client, f"{url}/post-mortem", **COMPLETE, version="1").status_code == 403
    with app.app_context():
        action = db.session.scalars(sa.select(PostMortemAction.id)).one()
    tick = f"{url}/post-mortem/actions/{action}/done"
    assert post(client, tick, done="1").status_code == 403
    assert add_action(client, escalation, people["exec"], app_today(app)).status_code == 403

    # The action item's owner ticks it, though the escalation is not theirs to work.
    sign_in(client, app, people["ae"])
    assert post(client, tick, done="1").status_code == 302
    with app.app_context():
        assert db.session.get(PostMortemAction, action).done_at is not None


def test_a_post_mortem_saved_meanwhile_is_not_overwritten(app, client, people, escalation):
    sign_in(client, app, people["manager"])
    url = f"/escalations/{escalation}/post-mortem"
    assert post(client, url, **COMPLETE, version="", submit="1").status_code == 302
    version = post_mortem(app, escalation).version

    # The owner saves a change while the manager is still on the old version.
    sign_in(client, app, people["csm"])
    mine = COMPLETE | {"root_cause": "A third-party CDN purged the cache."}
    assert post(client, url, **mine, version=version, submit="1").status_code == 302

    sign_in(client, app, people["manager"])
    theirs = COMPLETE | {"root_cause": "Nobody knows."}
    conflict = post(client, url, **theirs, version=version, submit="1")
    assert conflict.status_code == 409
    page = text(conflict)
    assert "Someone else changed this record while you were editing it." in page
    assert "A third-party CDN purged the cache." in page  # the saved value, beside theirs
    assert post_mortem(app, escalation).root_cause == "A third-party CDN purged the cache."


def test_the_work_page_lists_check_ins_and_its_queries_do_not_grow_with_rows(
    app, client, people, make_escalation, account
):
    sign_in(client, app, people["csm"])
    empty = text(client.get("/escalations/work"))
    assert "No check-in waiting on you." in empty
    assert "No open action item of yours." in empty

    def add_rows(n):
        for i in range(n):
            escalation = make_escalation(
                account,
                title=f"Case {i}",
                severity=Severity.LOW,
                status=Status.INVESTIGATING,
                owner_id=people["csm"],
            )
            resolve(client, escalation)
            with app.app_context():
                pm = PostMortem(escalation_id=escalation, author_id=people["csm"])
                db.session.add(pm)
                db.session.flush()
                db.session.add(
                    PostMortemAction(
                        post_mortem_id=pm.id,
                        text=f"Action {i}",
                        owner_id=people["csm"],
                        due_on=app_today(app),
                    )
                )
                db.session.commit()

    def count_queries():
        statements = []

        def record(_conn, _cursor, statement, *_args):
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", record)
        try:
            response = client.get("/escalations/work")
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)
        assert response.status_code == 200
        return len(statements), text(response)

    with app.app_context():
        add_rows(2)
        few, _page = count_queries()
        add_rows(4)
        many, page = count_queries()
    assert many == few
    assert all(f"Case {i}" in page and f"Action {i}" in page for i in range(4))
    # A check-in past its date is flagged.
    with app.app_context():
        db.session.execute(sa.update(FollowUp).values(due_at=utcnow() - timedelta(hours=1)))
        db.session.commit()
    assert text(client.get("/escalations/work")).count("badge badge-overdue") == 6


def test_the_resolve_form_offers_the_survey_once(
    app, client, people, escalation, account, make_contact
):
    make_contact(account, name="Ken User", email="ken@example.test", role=ContactRole.USER)
    buyer = make_contact(
        account, name="Aiko Buyer", email="aiko@example.test", role=ContactRole.ECONOMIC_BUYER
    )
    make_contact(account, name="No Mail", email="", role=ContactRole.EXECUTIVE)
    sign_in(client, app, people["csm"])
    url = f"/escalations/{escalation}"
    form = text(client.get(f"{url}/resolve"))
    assert "Send the satisfaction survey to" in form
    assert re.search(rf'<option selected value="{buyer}">|<option value="{buyer}" selected', form)
    assert "No Mail" not in form
    resolve(client, escalation, survey_contact_id=str(buyer))
    with app.app_context():
        (survey,) = db.session.scalars(sa.select(Survey)).all()
        assert survey.email == "aiko@example.test" and survey.times_sent == 1
        assert (
            db.session.scalar(
                sa.select(sa.func.count(OutboxEmail.id)).where(
                    OutboxEmail.to_address == "aiko@example.test"
                )
            )
            == 1
        )

    # Reopened and resolved again: the form says a survey went out and sends none by default.
    post(client, f"{url}/reopen", reason="Back again")
    form = text(client.get(f"{url}/resolve"))
    assert "A survey was already sent to aiko@example.test" in form
    assert re.search(r'<option selected value="">|<option value="" selected', form)
    resolve(client, escalation)
    with app.app_context():
        assert db.session.scalars(sa.select(Survey.times_sent)).all() == [1]


def test_a_survey_answer_shows_on_the_account_timeline(app, client, people, escalation, account):
    with app.app_context():
        add_timeline(account, "survey_answered", "survey", None, data={"score": 4})
        db.session.commit()
    sign_in(client, app, people["csm"])
    assert "Satisfaction survey answered: score 4/5" in text(client.get(f"/accounts/{account}"))


def test_minutes_missing_from_older_escalations_are_filled_in_by_the_scheduler(
    app, client, people, escalation
):
    """Escalations answered and resolved before the minute columns existed get their business
    minutes from the aftercare job, a batch per run, and the reports count them from then."""
    sign_in(client, app, people["csm"])
    post(client, f"/escalations/{escalation}/updates", channel="email", summary="On it")
    resolve(client, escalation)
    with app.app_context():
        row = db.session.get(Escalation, escalation)
        expected = (row.first_response_minutes, row.resolution_minutes)
        assert None not in expected
        row.first_response_minutes = row.resolution_minutes = None  # as if from before 0012
        db.session.commit()
        assert jobs.run_job("aftercare", utcnow()) is True
        db.session.expire_all()
        row = db.session.get(Escalation, escalation)
        assert (row.first_response_minutes, row.resolution_minutes) == expected
        assert fill_missing_minutes() == 0  # nothing left to fill


def test_severity_and_threats_are_fixed_once_resolved_so_closing_still_needs_the_post_mortem(
    app, client, people, escalation
):
    sign_in(client, app, people["csm"])
    resolve(client, escalation)
    post(client, f"/escalations/{escalation}/follow-up", outcome="held", note="")
    form = client.get(f"/escalations/{escalation}/edit")
    assert form.status_code == 200
    values = {
        "version": str(load(app, escalation).version),
        "account_id": str(load(app, escalation).account_id),
        "title": "Orders dropped",
        "description": "Orders vanish after checkout.",
        "channel": "email",
        "category": "technical",
        "severity": "low",
        "confirmed": "1",
    }
    lowered = post(client, f"/escalations/{escalation}/edit", **values)
    assert lowered.status_code == 422
    assert "Reopen the escalation to change its severity or threats" in text(lowered)
    assert load(app, escalation).severity == Severity.HIGH
    refused = post(client, f"/escalations/{escalation}/close")
    assert refused.status_code == 422 and load(app, escalation).status == Status.FOLLOW_UP


def test_a_reopened_escalation_runs_a_new_resolution_clock_and_counts_only_open_time(
    app, client, people, escalation
):
    from app.escalations import clocks
    from app.escalations.models import ClockKind

    sign_in(client, app, people["csm"])
    resolve(client, escalation)
    first = load(app, escalation).resolution_minutes
    post(client, f"/escalations/{escalation}/reopen", reason="The fix did not hold.")
    with app.app_context():
        row = db.session.get(Escalation, escalation)
        running = {clock.kind for clock in clocks.running(row)}
        assert running == {ClockKind.CUSTOMER_UPDATE, ClockKind.RESOLUTION}
        # Reopened at once: resolving again adds (almost) nothing to the open time.
        later = clocks.running(row, ClockKind.RESOLUTION)[-1].started_at
    resolve(client, escalation)
    with app.app_context():
        row = db.session.get(Escalation, escalation)
        reopened_for = clocks.business_minutes(row, later, row.resolved_at)
    assert load(app, escalation).resolution_minutes == first + reopened_for


def test_a_completed_post_mortem_cannot_be_emptied(app, client, people, escalation):
    sign_in(client, app, people["manager"])
    done = post(
        client, f"/escalations/{escalation}/post-mortem", **COMPLETE, version="", complete="1"
    )
    assert done.status_code == 302
    saved = post_mortem(app, escalation)
    assert saved.completed_at is not None
    emptied = post(
        client,
        f"/escalations/{escalation}/post-mortem",
        version=str(saved.version),
        **(COMPLETE | {"root_cause": " ", "to_improve": "\u200b"}),
        submit="1",
    )
    assert emptied.status_code == 422
    assert "A completed post-mortem keeps every part" in text(emptied)
    assert post_mortem(app, escalation).root_cause == COMPLETE["root_cause"]


def test_the_resolve_row_of_the_history_keeps_what_changed(app, client, people, escalation):
    sign_in(client, app, people["csm"])
    resolve(client, escalation)
    (row,) = audit_rows(app, escalation, "resolve")
    assert row.changes["status"] == ["investigating", "resolved"]
    assert row.changes["resolution_summary"] == ["", "Cache setting corrected."]
    assert set(row.changes) >= {"resolution_kind", "follow_up_due_at"}
    page = text(client.get(f"/escalations/{escalation}"))
    assert "Follow-up due" in page and "+00:00" not in page  # a time, not a timestamp
