"""The escalation case file through the web: exit criteria (add, tick, untick, remove),
resolving with criteria unmet, the decision log, the roster, and the account's executive
sponsor with what is asked of them; who may do what, and the page's query count."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import TimelineEvent
from app.audit.models import AuditEvent
from app.escalations.models import (
    Decision,
    Escalation,
    EscalationNote,
    ExitCriterion,
    RosterEntry,
    Severity,
    Status,
)
from app.extensions import db
from app.models import utcnow
from app.notifications.models import Notification
from app.sponsorship.models import SponsorshipStatus
from tests.conftest import csrf_token, login


@pytest.fixture
def people(app, make_user):
    return {
        "csm": make_user("csm", name="Sakura CSM"),
        "manager": make_user("manager", name="Maria Manager"),
        "exec": make_user("executive", name="Kenji Exec"),
        "stranger": make_user("csm", name="Other CSM"),
        "engineer": make_user("ae", name="Eri Engineer"),
    }


@pytest.fixture
def account(make_account, people):
    return make_account(name="Sakura Logistics", csm_owner_id=people["csm"])


@pytest.fixture
def escalation(make_escalation, account, people):
    return make_escalation(
        account,
        title="Orders dropped",
        severity=Severity.MEDIUM,
        status=Status.INVESTIGATING,
        owner_id=people["csm"],
    )


def sign_in(client, app, user_id):
    if client.get("/profile").status_code == 200:
        client.post("/logout", data={"csrf_token": csrf_token(client, "/profile")})
    login(client, app, user_id)


def post(client, url, **data):
    data["csrf_token"] = csrf_token(client, "/profile")
    return client.post(url, data=data)


def text(response) -> str:
    return response.get_data(as_text=True)


def audit_actions(app, escalation_id) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(AuditEvent.action)
                .where(
                    AuditEvent.entity_type == "escalation", AuditEvent.entity_id == escalation_id
                )
                .order_by(AuditEvent.id)
            )
        )


def timeline_kinds(app, account_id) -> list[str]:
    with app.app_context():
        return list(
            db.session.scalars(
                sa.select(TimelineEvent.kind)
                .where(TimelineEvent.account_id == account_id)
                .order_by(TimelineEvent.id)
            )
        )


def criteria(app, escalation_id) -> list[ExitCriterion]:
    with app.app_context():
        rows = db.session.scalars(
            sa.select(ExitCriterion)
            .where(ExitCriterion.escalation_id == escalation_id)
            .order_by(ExitCriterion.id)
        ).all()
        db.session.expunge_all()
        return rows


def add_criterion(client, escalation, words):
    return post(client, f"/escalations/{escalation}/exit-criteria", text=words)


def test_exit_criteria_added_ticked_unticked_and_removed(app, client, people, escalation, account):
    sign_in(client, app, people["csm"])
    url = f"/escalations/{escalation}"
    assert add_criterion(client, escalation, "Invoices are correct").status_code == 302
    assert add_criterion(client, escalation, "A root cause is written").status_code == 302
    first, second = criteria(app, escalation)
    page = text(client.get(url))
    assert "0 of 2 met" in page and "Invoices are correct" in page

    response = post(client, f"{url}/exit-criteria/{first.id}/met", version=first.version)
    assert response.status_code == 302
    page = text(client.get(url))
    assert "1 of 2 met" in page
    assert re.search(r"met .* by Sakura CSM", page)

    # Ticking again with the version the page showed before is stale: 409, nothing changes.
    response = post(client, f"{url}/exit-criteria/{first.id}/unmet", version=first.version)
    assert response.status_code == 409
    assert "Someone else changed this" in text(response)
    assert criteria(app, escalation)[0].met_at is not None

    ticked = criteria(app, escalation)[0]
    response = post(client, f"{url}/exit-criteria/{first.id}/unmet", version=ticked.version)
    assert response.status_code == 302
    assert criteria(app, escalation)[0].met_at is None

    response = post(client, f"{url}/exit-criteria/{second.id}/remove", version=second.version)
    assert response.status_code == 302
    assert [c.text for c in criteria(app, escalation)] == ["Invoices are correct"]

    assert audit_actions(app, escalation) == [
        "exit_criterion_added",
        "exit_criterion_added",
        "exit_criterion_met",
        "exit_criterion_unmet",
        "criterion_removed",
    ]
    assert timeline_kinds(app, account) == [
        "exit_criterion_added",
        "exit_criterion_added",
        "exit_criterion_met",
        "exit_criterion_unmet",
        "exit_criterion_removed",
    ]
    history = text(client.get(url))
    assert "Exit criterion added" in history and "Exit criterion removed" in history


def test_a_met_criterion_is_not_removed_and_a_closed_file_is_not_changed(
    app, client, people, escalation
):
    sign_in(client, app, people["csm"])
    add_criterion(client, escalation, "Invoices are correct")
    (criterion,) = criteria(app, escalation)
    url = f"/escalations/{escalation}/exit-criteria/{criterion.id}"
    post(client, f"{url}/met", version=criterion.version)
    criterion = criteria(app, escalation)[0]
    response = post(client, f"{url}/remove", version=criterion.version)
    assert response.status_code == 422
    assert "untick it first" in text(response)
    with app.app_context():
        db.session.get(Escalation, escalation).status = Status.CLOSED
        db.session.commit()
    response = post(client, f"{url}/unmet", version=criterion.version)
    assert response.status_code == 422
    assert "can no longer be changed" in text(response)
    assert add_criterion(client, escalation, "Another").status_code == 422
    assert len(criteria(app, escalation)) == 1


def test_criterion_validation(app, client, people, escalation):
    sign_in(client, app, people["csm"])
    response = add_criterion(client, escalation, "   ")
    assert response.status_code == 422
    assert "Write what must be true for the customer." in text(response)
    response = add_criterion(client, escalation, "x" * 501)
    assert response.status_code == 422
    assert "500" in text(response)
    assert criteria(app, escalation) == []


def test_readers_and_other_escalations_records_are_refused(
    app, client, people, escalation, make_escalation, account
):
    other = make_escalation(account, title="Another one")
    sign_in(client, app, people["csm"])
    add_criterion(client, other, "Belongs to the other")
    (foreign,) = criteria(app, other)
    response = post(client, f"/escalations/{escalation}/exit-criteria/{foreign.id}/met", version=1)
    assert response.status_code == 404
    for reader in ("exec", "stranger"):
        sign_in(client, app, people[reader])
        assert add_criterion(client, escalation, "Nope").status_code == 403
        response = post(client, f"/escalations/{other}/exit-criteria/{foreign.id}/met", version=1)
        assert response.status_code == 403
        response = post(client, f"/escalations/{escalation}/decisions", decision="x")
        assert response.status_code == (422 if reader == "exec" else 403)  # executives decide
        response = post(client, f"/escalations/{escalation}/roster", role="x")
        assert response.status_code == 403
        response = post(client, f"/escalations/{escalation}/sponsor-ask", sponsor_ask="x")
        assert response.status_code == 403
    assert criteria(app, escalation) == []
    assert "Add exit criterion" not in text(client.get(f"/escalations/{escalation}"))


def test_resolve_asks_why_only_while_criteria_are_unmet(app, client, people, escalation):
    sign_in(client, app, people["csm"])
    url = f"/escalations/{escalation}/resolve"
    assert "Why resolve with criteria unmet?" not in text(client.get(url))
    add_criterion(client, escalation, "Invoices are correct")
    add_criterion(client, escalation, "A root cause is written")
    first = criteria(app, escalation)[0]
    post(client, f"/escalations/{escalation}/exit-criteria/{first.id}/met", version=1)

    page = text(client.get(url))
    assert "Why resolve with criteria unmet?" in page
    assert "1 exit criterion is not met" in page and "A root cause is written" in page
    form = {"kind": "fix", "summary": "Cache fixed.", "survey_contact_id": ""}
    response = post(client, url, **form)
    assert response.status_code == 422
    assert "Say why the escalation is resolved with criteria unmet." in text(response)
    with app.app_context():
        assert db.session.get(Escalation, escalation).status == Status.INVESTIGATING

    reason = "The customer accepted the fix; the write-up follows next week."
    response = post(client, url, **form, unmet_criteria_reason=reason)
    assert response.status_code == 302
    with app.app_context():
        saved = db.session.get(Escalation, escalation)
        assert saved.status == Status.RESOLVED and saved.unmet_criteria_reason == reason
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "resolve")
        ).one()
        assert event.changes["unmet_criteria_reason"] == [None, reason]
        assert event.changes["unmet_criteria"] == [None, "A root cause is written"]
    page = text(client.get(f"/escalations/{escalation}"))
    assert "1 of 2 met" in page and reason in page


def test_resolve_with_every_criterion_met_needs_no_reason(app, client, people, escalation):
    sign_in(client, app, people["csm"])
    add_criterion(client, escalation, "Invoices are correct")
    (criterion,) = criteria(app, escalation)
    post(client, f"/escalations/{escalation}/exit-criteria/{criterion.id}/met", version=1)
    url = f"/escalations/{escalation}/resolve"
    assert "Why resolve with criteria unmet?" not in text(client.get(url))
    response = post(client, url, kind="fix", summary="Fixed.", survey_contact_id="")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Escalation, escalation).unmet_criteria_reason == ""


def test_decision_log(app, client, people, escalation, account):
    sign_in(client, app, people["manager"])
    page = text(client.get(f"/escalations/{escalation}"))
    assert 'value="Maria Manager"' in page  # who decided: prefilled with the user
    assert "a wrong entry is corrected by a new one" in page
    url = f"/escalations/{escalation}/decisions"
    response = post(
        client,
        url,
        decision="Refund the March invoices",
        decided_by="Customer CFO",
        decided_at="2026-03-02T10:00",
        rationale="Goodwill before the renewal.",
    )
    assert response.status_code == 302
    post(client, url, decision="Weekly calls", decided_by="Maria", decided_at="2026-03-05T09:00")
    page = text(client.get(f"/escalations/{escalation}"))
    assert page.index("Weekly calls") < page.index("Refund the March invoices")  # newest first
    assert "Goodwill before the renewal." in page and "Customer CFO" in page
    with app.app_context():
        first = db.session.scalars(sa.select(Decision).order_by(Decision.id)).first()
        # Typed in the user's timezone (Asia/Tokyo, the app's), stored in UTC.
        assert first.decided_at.hour == 1
    assert audit_actions(app, escalation).count("decision_logged") == 2
    assert timeline_kinds(app, account).count("decision_logged") == 2

    future = (utcnow() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = post(client, url, decision="Later", decided_by="Me", decided_at=future)
    assert response.status_code == 422
    assert "A decision cannot be in the future." in text(response)
    response = post(client, url, decision="", decided_by="", decided_at="", rationale="y" * 2001)
    page = text(response)
    assert response.status_code == 422
    for message in ("Write the decision.", "Say who decided.", "Enter the date and time."):
        assert message in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Decision)) == 2


def test_roster(app, client, people, escalation, account):
    sign_in(client, app, people["csm"])
    url = f"/escalations/{escalation}/roster"
    page = text(client.get(f"/escalations/{escalation}"))
    assert '<option value="Support lead">' in page  # the roles' datalist
    response = post(client, url, user_id=people["engineer"], role="Engineering")
    assert response.status_code == 302
    response = post(client, url, user_id=people["engineer"], role="Product")
    assert response.status_code == 422
    assert "Eri Engineer is already on the roster." in text(response)
    response = post(client, url, user_id="", role="")
    assert response.status_code == 422
    assert "Say in what role." in text(response)

    post(client, url, user_id=people["manager"], role="Support lead")
    with app.app_context():
        entry = db.session.scalars(
            sa.select(RosterEntry).where(RosterEntry.user_id == people["engineer"])
        ).one()
        entry_id = entry.id
    response = post(client, f"{url}/{entry_id}/leave")
    assert response.status_code == 302
    page = text(client.get(f"/escalations/{escalation}"))
    roster = page[page.index('id="roster"') :]
    roster = roster[roster.index('class="checklist"') :]  # the list, not the picker
    assert roster.index("Maria Manager") < roster.index("Eri Engineer")  # current first
    assert "left" in roster[roster.index("Eri Engineer") :]
    # Someone who left may join again.
    assert post(client, url, user_id=people["engineer"], role="Product").status_code == 302
    assert audit_actions(app, escalation) == [
        "roster_joined",
        "roster_joined",
        "roster_left",
        "roster_joined",
    ]
    assert timeline_kinds(app, account).count("roster_joined") == 3
    with app.app_context():
        summaries = db.session.scalars(sa.select(TimelineEvent.summary)).all()
    assert any("Eri Engineer joined as Engineering" in s for s in summaries)
    assert any("Eri Engineer left" in s for s in summaries)


@pytest.fixture
def sponsored(app, make_sponsorship, account, people):
    return make_sponsorship(account, status=SponsorshipStatus.ACTIVE, sponsor_id=people["exec"])


def test_sponsor_section_ask_and_comments(app, client, people, escalation, sponsored):
    sign_in(client, app, people["csm"])
    page = text(client.get(f"/escalations/{escalation}"))
    assert "Kenji Exec" in page and f"/sponsorships/{sponsored}" in page
    assert "Nothing is asked of the sponsor yet." in page
    url = f"/escalations/{escalation}/sponsor-ask"
    ask = "Call their CEO before the board meeting on Friday."
    assert post(client, url, sponsor_ask=ask, version=1).status_code == 302
    with app.app_context():
        notes = db.session.scalars(
            sa.select(Notification).where(Notification.user_id == people["exec"])
        ).all()
        assert [n.kind for n in notes] == ["sponsor_ask"]
        assert db.session.get(Escalation, escalation).sponsor_ask == ask
    assert "sponsor_ask" in audit_actions(app, escalation)
    # An old version of the page: 409, the ask is kept.
    response = post(client, url, sponsor_ask="Something else", version=1)
    assert response.status_code == 409
    response = post(client, url, sponsor_ask="z" * 2001, version=2)
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(Escalation, escalation).sponsor_ask == ask

    post(client, f"/escalations/{escalation}/sponsor-comment", comment="CSM's own note")
    sign_in(client, app, people["exec"])
    page = text(client.get(f"/escalations/{escalation}"))
    assert "You are asked to help on this escalation." in page and ask in page
    response = post(client, f"/escalations/{escalation}/sponsor-comment", comment="I called him.")
    assert response.status_code == 302
    response = post(client, f"/escalations/{escalation}/sponsor-comment", comment=" ")
    assert response.status_code == 422 and "Write your comment." in text(response)
    page = text(client.get(f"/escalations/{escalation}"))
    sponsor_part = page[page.index('id="sponsor"') : page.index('id="decisions"')]
    notes_part = page[page.index('id="notes"') :]
    notes_part = notes_part[: notes_part.index("</section>")]
    assert "I called him." in sponsor_part and "I called him." not in notes_part
    assert "CSM&#39;s own note" in notes_part and "CSM&#39;s own note" not in sponsor_part
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(EscalationNote)) == 2
    # The sponsor reads, but does not change the ask.
    assert post(client, url, sponsor_ask="x", version=2).status_code == 403


def test_no_sponsor(app, client, people, escalation):
    sign_in(client, app, people["csm"])
    page = text(client.get(f"/escalations/{escalation}"))
    assert "No executive sponsor" in page


def page_statements(client, url):
    """The statements (with their parameters) a page ran, and the page (inside an app context)."""
    statements = []

    def record(_conn, _cursor, statement, parameters, *_args):
        statements.append((statement, repr(parameters)))

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.get(url)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 200
    return statements, response


def test_page_queries_do_not_grow_with_the_case_file(app, client, people, escalation, sponsored):
    sign_in(client, app, people["csm"])

    def add_rows(n):
        with app.app_context():
            for i in range(n):
                user = people["engineer"] if i % 2 else people["manager"]
                db.session.add_all(
                    [
                        ExitCriterion(
                            escalation_id=escalation,
                            text=f"Criterion {i}",
                            created_by_id=people["csm"],
                            met_at=utcnow() if i % 2 else None,
                            met_by_id=user if i % 2 else None,
                        ),
                        Decision(
                            escalation_id=escalation,
                            decision=f"Decision {i}",
                            decided_by="CFO",
                            decided_at=utcnow(),
                            recorded_by_id=user,
                        ),
                        RosterEntry(
                            escalation_id=escalation,
                            user_id=user,
                            role="Engineering",
                            joined_at=utcnow(),
                            left_at=utcnow(),
                            added_by_id=people["csm"],
                        ),
                        EscalationNote(
                            escalation_id=escalation,
                            body=f"Sponsor says {i}",
                            author_id=people["exec"],
                            created_at=utcnow(),
                        ),
                    ]
                )
            db.session.commit()

    def count_queries():
        statements, response = page_statements(client, f"/escalations/{escalation}")
        return len(statements), text(response)

    with app.app_context():
        add_rows(2)
        count_queries()  # the first request fills the app's caches
        few, _page = count_queries()
        add_rows(4)
        many, page = count_queries()
    assert many == few
    assert "Criterion 3" in page and "Decision 3" in page and "Sponsor says 3" in page


def test_the_page_reads_each_thing_once(app, client, people, escalation, sponsored):
    """A manager's page has three user pickers (roster, watchers, owner), names the sponsor
    twice (case file, sponsorship section) and shows the survey twice (its panel, after-care):
    each is read once, and the pickers still offer the right people."""
    sign_in(client, app, people["manager"])
    client.get(f"/escalations/{escalation}")  # the first view fills the app's caches
    with app.app_context():
        statements, response = page_statements(client, f"/escalations/{escalation}")
    assert len(statements) == len(set(statements))
    reads_of = {
        "users' roles": "user_roles.role",
        "sponsorships in the program": "sponsorships.status IN",
        "surveys": "FROM escalation_surveys",
        "pauses": "FROM escalation_pauses",
    }
    for table, marker in reads_of.items():
        assert sum(marker in statement for statement, _ in statements) <= 1, table
    page = text(response)
    owner = page.split('name="owner_id"', 1)[1].split("</select>", 1)[0]
    assert "Sakura CSM" in owner and "Kenji Exec" not in owner  # workers only
    watchers = page.split('name="watcher_ids"', 1)[1].split("</select>", 1)[0]
    assert "Kenji Exec" in watchers and "Maria Manager" in watchers
    roster = page.split('name="user_id"', 1)[1].split("</select>", 1)[0]
    assert all(name in roster for name in ("Sakura CSM", "Kenji Exec", "Eri Engineer"))
    assert "Other CSM" in roster


# Review findings (issue 12's case file).


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def set_status(app, escalation_id, status, **values):
    with app.app_context():
        row = db.session.get(Escalation, escalation_id)
        row.status = status
        for name, value in values.items():
            setattr(row, name, value)
        db.session.commit()


def decision(client, escalation, words="Refund the March invoices"):
    return post(
        client,
        f"/escalations/{escalation}/decisions",
        decision=words,
        decided_by="Customer CFO",
        decided_at="2026-03-02T10:00",
    )


def test_an_executive_logs_a_decision(app, client, people, escalation, account):
    sign_in(client, app, people["exec"])
    page = text(client.get(f"/escalations/{escalation}"))
    assert "Log decision" in page and 'value="Kenji Exec"' in page
    response = decision(client, escalation)
    assert response.status_code == 302
    assert "Decision logged." in text(client.get(response.location))
    with app.app_context():
        (entry,) = db.session.scalars(sa.select(Decision)).all()
        assert entry.recorded_by_id == people["exec"]
    assert "Add exit criterion" not in page and "Add to the roster" not in page


def test_a_sponsor_comment_is_read_for_threats(app, client, people, escalation, sponsored):
    from app.escalations.models import ThreatSource, ThreatSuggestion

    sign_in(client, app, people["exec"])
    words = "The customer told me they will cancel the contract at the end of the month."
    response = post(client, f"/escalations/{escalation}/sponsor-comment", comment=words)
    assert response.status_code == 302
    assert "A possible threat was found" in text(client.get(response.location))
    with app.app_context():
        (suggestion,) = db.session.scalars(sa.select(ThreatSuggestion)).all()
        note = db.session.scalars(sa.select(EscalationNote)).one()
        assert suggestion.source == ThreatSource.NOTE and suggestion.source_id == note.id
        assert suggestion.flag.value == "cancellation"


def test_a_stale_ask_keeps_what_was_typed(app, client, people, escalation, sponsored):
    sign_in(client, app, people["csm"])
    url = f"/escalations/{escalation}/sponsor-ask"
    assert post(client, url, sponsor_ask="Call their CEO.", version=1).status_code == 302
    typed = "Join the Friday call with their COO & CFO."
    response = post(client, url, sponsor_ask=typed, version=1)
    assert response.status_code == 409
    page = text(response)
    assert "Nothing was saved" in page
    form = page[page.index(url) :]
    form = form[: form.index("</form>")]
    assert "Join the Friday call with their COO &amp; CFO." in form
    version = re.search(r'name="version" type="hidden" value="(\d+)"', form)
    version = version or re.search(r'name="version" value="(\d+)"', form)
    with app.app_context():
        saved = db.session.get(Escalation, escalation)
        assert saved.sponsor_ask == "Call their CEO."
        assert version.group(1) == str(saved.version)
    assert post(client, url, sponsor_ask=typed, version=version.group(1)).status_code == 302
    with app.app_context():
        assert db.session.get(Escalation, escalation).sponsor_ask == typed


def test_a_closed_case_file_is_not_changed(app, client, people, escalation, sponsored):
    sign_in(client, app, people["csm"])
    url = f"/escalations/{escalation}"
    post(client, f"{url}/roster", user_id=people["engineer"], role="Engineering")
    with app.app_context():
        entry_id = db.session.scalars(sa.select(RosterEntry.id)).one()
    set_status(app, escalation, Status.CLOSED)
    page = text(client.get(url))
    for button in ("Save the ask", "Log decision", "Add to the roster", "Mark as left"):
        assert button not in page
    assert "The escalation is closed: its case file can no longer be changed." in page
    with app.app_context():
        version = db.session.get(Escalation, escalation).version
    refused = [
        post(client, f"{url}/sponsor-ask", sponsor_ask="Call their CEO.", version=version),
        decision(client, escalation),
        post(client, f"{url}/roster", user_id=people["manager"], role="Support lead"),
        post(client, f"{url}/roster/{entry_id}/leave"),
    ]
    for response in refused:
        assert response.status_code == 422
        assert "its case file can no longer be changed" in text(response)
    with app.app_context():
        assert db.session.get(Escalation, escalation).sponsor_ask in ("", None)
        assert db.session.get(RosterEntry, entry_id).left_at is None
    assert count(app, Notification) == 0 and count(app, Decision) == 0
    assert count(app, RosterEntry) == 1

    # Resolved but not closed: still the team's to change.
    set_status(app, escalation, Status.RESOLVED)
    assert decision(client, escalation).status_code == 302
    assert post(client, f"{url}/roster/{entry_id}/leave").status_code == 302


def test_a_double_submission_is_recorded_once(app, client, people, escalation, sponsored):
    sign_in(client, app, people["csm"])
    url = f"/escalations/{escalation}"
    for _twice in range(2):
        response = decision(client, escalation)
        assert response.status_code == 302
    assert "Already recorded." in text(client.get(response.location))
    for _twice in range(2):
        assert add_criterion(client, escalation, "Invoices are correct").status_code == 302
    sign_in(client, app, people["exec"])
    for _twice in range(2):
        response = post(client, f"{url}/sponsor-comment", comment="I called him.")
        assert response.status_code == 302
    assert "Already recorded." in text(client.get(response.location))
    assert count(app, Decision) == 1 and count(app, ExitCriterion) == 1
    assert count(app, EscalationNote) == 1
    assert audit_actions(app, escalation).count("decision_logged") == 1

    # Another text is another entry; the same text half a minute later is a new one too.
    assert decision(client, escalation, "Weekly calls").status_code == 302
    with app.app_context():
        earlier = utcnow() - timedelta(seconds=31)
        db.session.execute(sa.update(Decision).values(recorded_at=earlier))
        db.session.execute(sa.update(EscalationNote).values(created_at=earlier))
        db.session.commit()
    assert decision(client, escalation).status_code == 302
    post(client, f"{url}/sponsor-comment", comment="I called him.")
    assert count(app, Decision) == 3 and count(app, EscalationNote) == 2


def test_a_reopened_escalation_hides_the_unmet_criteria_reason(app, client, people, escalation):
    sign_in(client, app, people["csm"])
    reason = "The customer accepted the fix; the write-up follows."
    set_status(app, escalation, Status.RESOLVED, unmet_criteria_reason=reason)
    page = text(client.get(f"/escalations/{escalation}"))
    assert "Resolved with criteria unmet" in page and reason in page
    set_status(app, escalation, Status.INVESTIGATING)
    page = text(client.get(f"/escalations/{escalation}"))
    assert "Resolved with criteria unmet" not in page and reason not in page


def test_a_comment_without_a_sponsor_is_not_found(app, client, people, escalation):
    sign_in(client, app, people["exec"])
    url = f"/escalations/{escalation}/sponsor-comment"
    assert post(client, url, comment=" ").status_code == 404
    assert post(client, url, comment="I called him.").status_code == 404
    assert count(app, EscalationNote) == 0
    sign_in(client, app, people["stranger"])
    assert post(client, url, comment="I called him.").status_code == 403


def test_the_sponsor_card_shows_the_ask_then_the_comments(
    app, client, people, escalation, sponsored
):
    sign_in(client, app, people["csm"])
    url = f"/escalations/{escalation}"
    post(client, f"{url}/sponsor-ask", sponsor_ask="Call their CEO.", version=1)
    sign_in(client, app, people["exec"])
    post(client, f"{url}/sponsor-comment", comment="I called him.")
    sign_in(client, app, people["csm"])
    page = text(client.get(url))
    card = page[page.index('id="sponsor"') : page.index('id="decisions"')]
    order = [
        "What we ask of the sponsor",
        "Call their CEO.",
        "Save the ask",
        "Comments from Kenji Exec",
        "I called him.",
        'id="sponsor-comment"',
    ]
    assert [card.index(part) for part in order] == sorted(card.index(part) for part in order)
