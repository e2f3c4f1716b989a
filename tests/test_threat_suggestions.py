"""Threat suggestions through the web: decided in the intake and edit forms, read in customer
updates and notes added later and sent to the owner, confirmed (the flag set, the escalation
turned executive) or dismissed (kept, with the reason) from the escalation's page, and listed
for whoever improves the rules."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.accounts.models import TimelineEvent
from app.audit.models import AuditEvent
from app.auth.models import User
from app.escalations import services, threat_suggestions
from app.escalations.models import (
    CustomerUpdate,
    Escalation,
    Status,
    SuggestionStatus,
    ThreatFlag,
    ThreatSource,
    ThreatSuggestion,
)
from app.escalations.threats import Finding
from app.extensions import db
from app.notifications.models import Notification, OutboxEmail
from tests.conftest import csrf_token, escalation_form, login

CANCEL = "We will cancel the contract if this is not fixed by Friday."
LAWYER = "Our lawyer will send you a formal notice next week."


@pytest.fixture
def people(make_user):
    return {
        "csm": make_user("csm", name="Sakura CSM", email="csm@example.test"),
        "owner": make_user("csm", name="Ota Owner", email="owner@example.test"),
        "manager": make_user("manager", name="Maria Manager", email="manager@example.test"),
        "exec": make_user("executive", name="Kenji Exec", email="exec@example.test"),
        "stranger": make_user("csm", name="Sam Stranger", email="stranger@example.test"),
    }


@pytest.fixture
def account(make_account, people):
    return make_account(
        name="Sakura Logistics",
        csm_owner_id=people["csm"],
        ae_owner_id=people["owner"],
        arr_minor=5_000_000,
    )


def post(client, url, **data):
    data["csrf_token"] = csrf_token(client, "/profile")
    return client.post(url, data=data)


def intake(account_id, token, **values):
    """The intake form with the case file's required answers."""
    return escalation_form(
        account_id,
        token,
        reason="business_impact",
        requested_by="internal",
        requester_contact_id="",
        **values,
    )


def raise_one(client, account_id, **values):
    token = csrf_token(client, f"/escalations/new?account_id={account_id}")
    response = client.post(
        "/escalations/new", data=intake(account_id, token, confirmed="1", **values)
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def suggestions(app, escalation_id=None):
    with app.app_context():
        stmt = sa.select(ThreatSuggestion).order_by(ThreatSuggestion.id)
        if escalation_id is not None:
            stmt = stmt.where(ThreatSuggestion.escalation_id == escalation_id)
        rows = db.session.scalars(stmt).all()
        db.session.expunge_all()
        return rows


def escalation(app, escalation_id) -> Escalation:
    with app.app_context():
        row = db.session.get(Escalation, escalation_id)
        db.session.expunge(row)
        return row


def owned_escalation(client, app, people, account):
    """An open escalation raised and owned by `owner` (who may work it), without threats."""
    login(client, app, people["owner"])
    return raise_one(client, account)  # the one who raises owns it


def shown(html: str) -> str:
    """What the threat check's form carries to the confirming submit, as a browser sends it."""
    return re.search(r'name="confirmed" type="hidden" value="([^"]*)"', html).group(1)


def panel(html: str) -> str:
    start = html.find('id="threat-suggestions"')
    return html[start : html.find("</section>", start)] if start >= 0 else ""


# In the intake and edit forms


def test_intake_shows_where_and_why_then_records_confirmed_and_dismissed(
    app, client, people, account
):
    login(client, app, people["csm"])
    token = csrf_token(client, f"/escalations/new?account_id={account}")
    data = intake(account, token, description=f"{CANCEL} {LAWYER}")
    first = client.post("/escalations/new", data=data)
    html = first.get_data(as_text=True)
    assert first.status_code == 200
    assert "Possible threat found" in html
    assert CANCEL.split(" cancel")[0] in html and "Why:" in html
    assert len(re.findall(r"<mark>[^<]+</mark>", html)) >= 2
    assert re.search(r'<input[^>]*checked[^>]*id="threat_cancellation"', html)
    assert re.search(r'<input[^>]*checked[^>]*id="threat_legal"', html)
    assert suggestions(app) == []  # nothing saved before the person confirms

    data |= {"confirmed": shown(html), "threat_cancellation": "y"}  # unticks legal
    second = client.post("/escalations/new", data=data)
    assert second.status_code == 302
    rows = suggestions(app)
    by_flag = {row.flag: row for row in rows}
    assert set(by_flag) == {ThreatFlag.CANCELLATION, ThreatFlag.LEGAL}
    assert by_flag[ThreatFlag.CANCELLATION].status == SuggestionStatus.CONFIRMED
    assert by_flag[ThreatFlag.LEGAL].status == SuggestionStatus.DISMISSED
    for row in rows:
        assert row.source == ThreatSource.INTAKE
        assert row.decided_by_id == people["csm"] and row.decided_at is not None
        assert row.spans and row.rule
    assert by_flag[ThreatFlag.CANCELLATION].sentence.startswith("We will cancel")
    eid = rows[0].escalation_id
    saved = escalation(app, eid)
    assert saved.threat_cancellation and not saved.threat_legal and saved.executive
    # Decided in the form: nothing waits on the page, the decisions are under "Earlier".
    page = client.get(f"/escalations/{eid}").get_data(as_text=True)
    assert "possible threat to confirm" not in page
    assert "Earlier suggestions (2)" in page


def test_edit_asks_only_about_flags_not_set_and_new_sentences(app, client, people, account):
    login(client, app, people["csm"])
    eid = raise_one(client, account, description=CANCEL, threat_cancellation="y")
    form = client.get(f"/escalations/{eid}/edit").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', form).group(1)
    token = csrf_token(client, f"/escalations/{eid}/edit")
    data = intake(
        account,
        token,
        description=f"{CANCEL}\n{LAWYER}",
        threat_cancellation="y",
        version=version,
    )
    del data["account_id"]
    first = client.post(f"/escalations/{eid}/edit", data=data)
    html = first.get_data(as_text=True)
    assert first.status_code == 200, html[:3000]
    check = html[html.find('id="threat-check"') : html.find("</div>", html.find("threat-check"))]
    assert "lawyer" in check and "cancel the contract" not in check  # cancellation is set
    data |= {"confirmed": shown(html)}  # the person unticks legal
    assert client.post(f"/escalations/{eid}/edit", data=data).status_code == 302
    rows = suggestions(app, eid)
    assert [(r.flag, r.source, r.status) for r in rows] == [
        (ThreatFlag.CANCELLATION, ThreatSource.INTAKE, SuggestionStatus.CONFIRMED),
        (ThreatFlag.LEGAL, ThreatSource.EDIT, SuggestionStatus.DISMISSED),
    ]
    # Saving again with the same text asks nothing more.
    data["version"] = str(escalation(app, eid).version)
    data["confirmed"] = ""
    assert client.post(f"/escalations/{eid}/edit", data=data).status_code == 302
    assert len(suggestions(app, eid)) == 2


def test_a_threat_added_while_confirming_is_shown_before_anything_is_saved(
    app, client, people, account
):
    login(client, app, people["csm"])
    token = csrf_token(client, f"/escalations/new?account_id={account}")
    data = intake(account, token, description=CANCEL)
    first = client.post("/escalations/new", data=data).get_data(as_text=True)
    assert "Possible threat found" in first and "lawyer" not in first
    # While confirming, the person adds a sentence the detector reads as a legal threat.
    data |= {
        "confirmed": shown(first),
        "threat_cancellation": "y",
        "description": f"{CANCEL} {LAWYER}",
    }
    second = client.post("/escalations/new", data=data)
    html = second.get_data(as_text=True)
    assert second.status_code == 200
    check = html[html.find('id="threat-check"') : html.find('<section class="card">')]
    assert "The text changed since the threats were shown" in check
    assert re.search(r'class="badge">new</span> <q class="threat-sentence">Our <mark>', check)
    assert re.search(r'<input[^>]*checked[^>]*id="threat_legal"', html)
    assert suggestions(app) == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Escalation.id))) == 0
    # Seen now: leaving legal unticked dismisses it.
    data |= {"confirmed": shown(html)}
    assert client.post("/escalations/new", data=data).status_code == 302
    assert {(r.flag, r.status) for r in suggestions(app)} == {
        (ThreatFlag.CANCELLATION, SuggestionStatus.CONFIRMED),
        (ThreatFlag.LEGAL, SuggestionStatus.DISMISSED),
    }


def test_a_form_that_showed_nothing_cannot_dismiss_unseen(app, client, people, account):
    """A confirming submit that does not carry what was shown (an old page, a script) is
    treated as never shown: the check comes up, nothing is dismissed unseen."""
    login(client, app, people["csm"])
    token = csrf_token(client, f"/escalations/new?account_id={account}")
    data = intake(account, token, description=LAWYER, confirmed="1")
    response = client.post("/escalations/new", data=data)
    assert response.status_code == 200
    assert "Possible threat found" in response.get_data(as_text=True)
    assert suggestions(app) == []


def test_a_threat_added_while_confirming_an_edit_is_shown_too(app, client, people, account):
    login(client, app, people["csm"])
    eid = raise_one(client, account)
    token = csrf_token(client, f"/escalations/{eid}/edit")
    data = intake(account, token, description=CANCEL, version=str(escalation(app, eid).version))
    del data["account_id"]
    first = client.post(f"/escalations/{eid}/edit", data=data).get_data(as_text=True)
    data |= {"confirmed": shown(first), "description": f"{CANCEL}\n{LAWYER}"}
    data["threat_cancellation"] = ""  # not a threat, the person judges, and adds a sentence
    again = client.post(f"/escalations/{eid}/edit", data=data)
    assert again.status_code == 200 and "lawyer" in again.get_data(as_text=True)
    assert suggestions(app, eid) == []
    data |= {"confirmed": shown(again.get_data(as_text=True)), "threat_legal": "y"}
    assert client.post(f"/escalations/{eid}/edit", data=data).status_code == 302
    assert {(r.flag, r.status) for r in suggestions(app, eid)} == {
        (ThreatFlag.CANCELLATION, SuggestionStatus.DISMISSED),
        (ThreatFlag.LEGAL, SuggestionStatus.CONFIRMED),
    }


def test_confirming_a_pending_suggestion_through_the_edit_form_is_on_the_timeline(
    app, client, people, account
):
    eid, row = pending_on(app, client, people, account)
    token = csrf_token(client, f"/escalations/{eid}/edit")
    data = intake(
        account, token, threat_cancellation="y", version=str(escalation(app, eid).version)
    )
    del data["account_id"]
    assert client.post(f"/escalations/{eid}/edit", data=data).status_code == 302
    (row,) = suggestions(app, eid)
    assert row.status == SuggestionStatus.CONFIRMED and row.decided_by_id == people["owner"]
    with app.app_context():
        assert db.session.scalars(
            sa.select(TimelineEvent.data).where(TimelineEvent.kind == "threat_confirmed")
        ).all() == [
            {
                "flag": "cancellation",
                "executive": True,
                "escalation_id": eid,
                "title": escalation(app, eid).title,
            }
        ]


def test_a_suggestion_dismissed_meanwhile_stays_dismissed_when_the_edit_sets_the_flag(
    app, client, people, account
):
    eid, row = pending_on(app, client, people, account)
    token = csrf_token(client, f"/escalations/{eid}/edit")  # the edit form is open...
    version = str(escalation(app, eid).version)
    colleague = login(app.test_client(), app, people["manager"])
    assert decide(colleague, eid, row, "dismiss", reason="A joke.").status_code == 302
    data = intake(account, token, threat_cancellation="y", version=version)  # ...and saved
    del data["account_id"]
    assert client.post(f"/escalations/{eid}/edit", data=data).status_code == 302
    (row,) = suggestions(app, eid)
    assert (row.status, row.decided_by_id, row.dismiss_reason) == (
        SuggestionStatus.DISMISSED,
        people["manager"],
        "A joke.",
    )
    assert escalation(app, eid).threat_cancellation  # the person set the flag themself
    with app.app_context():
        assert not db.session.scalar(
            sa.select(sa.func.count(TimelineEvent.id)).where(
                TimelineEvent.kind == "threat_confirmed"
            )
        )


# Later text: customer updates and notes


def test_customer_update_with_a_threat_suggests_it_to_the_owner_once(app, client, people, account):
    eid = owned_escalation(client, app, people, account)
    response = post(
        client, f"/escalations/{eid}/updates", channel="phone", summary=f"Called. {CANCEL}"
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "#threat-suggestions"
    )
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "A possible threat was found (Cancellation)" in page
    shown = panel(page)
    assert "Confirm: set the Cancellation flag" in shown and "Dismiss" in shown
    assert "<mark>" in shown and "Customer update" in shown and "Ota Owner" in shown
    rows = suggestions(app, eid)
    assert len(rows) == 1
    row = rows[0]
    assert (row.flag, row.source, row.status) == (
        ThreatFlag.CANCELLATION,
        ThreatSource.CUSTOMER_UPDATE,
        SuggestionStatus.PENDING,
    )
    with app.app_context():
        update = db.session.scalars(sa.select(CustomerUpdate)).one()
        assert row.source_id == update.id and row.sentence == CANCEL
        told = db.session.scalars(
            sa.select(Notification).where(Notification.kind == "threat_suggested")
        ).all()
        assert [n.user_id for n in told] == [people["owner"]]
        assert "Possible Cancellation threat on Sakura Logistics" in told[0].subject
        mails = db.session.scalars(
            sa.select(OutboxEmail).where(OutboxEmail.to_address == "owner@example.test")
        ).all()
        assert any(CANCEL in m.body and "Possible Cancellation" in m.subject for m in mails)
        assert (
            db.session.scalar(
                sa.select(sa.func.count(AuditEvent.id)).where(
                    AuditEvent.action == "threat_suggested"
                )
            )
            == 1
        )

    # A second threat of the same kind while the first waits: no duplicate, no second mail.
    post(client, f"/escalations/{eid}/notes", body="They repeated: we will cancel the contract.")
    assert len(suggestions(app, eid)) == 1
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count(Notification.id)).where(
                    Notification.kind == "threat_suggested"
                )
            )
            == 1
        )


def test_note_suggestion_goes_to_the_csm_when_nobody_owns_it(
    app, client, people, account, make_escalation
):
    eid = make_escalation(account, owner_id=None, status=Status.INVESTIGATING)
    login(client, app, people["csm"])
    post(client, f"/escalations/{eid}/notes", body=LAWYER)
    rows = suggestions(app, eid)
    assert [(r.flag, r.source) for r in rows] == [(ThreatFlag.LEGAL, ThreatSource.NOTE)]
    with app.app_context():
        told = db.session.scalars(
            sa.select(Notification.user_id).where(Notification.kind == "threat_suggested")
        ).all()
        assert told == [people["csm"]]


def test_no_suggestion_when_the_flag_is_set_or_the_escalation_is_resolved(
    app, client, people, account, make_escalation
):
    flagged = make_escalation(account, status=Status.INVESTIGATING, threat_cancellation=True)
    resolved = make_escalation(account, status=Status.RESOLVED)
    login(client, app, people["csm"])
    post(client, f"/escalations/{flagged}/notes", body=CANCEL)
    post(client, f"/escalations/{resolved}/notes", body=CANCEL)
    assert suggestions(app) == []


def test_a_sponsor_comment_or_any_note_can_be_scanned_by_other_views(
    app, people, account, make_escalation
):
    """The helper the case file's sponsor comment calls after adding its note."""
    eid = make_escalation(account, owner_id=people["owner"], status=Status.INVESTIGATING)
    now = datetime(2026, 11, 2, 9, tzinfo=UTC)
    with app.app_context():
        sponsor = db.session.get(User, people["exec"])
        row = db.session.get(Escalation, eid)
        note = services.add_note(sponsor, row, f"Spoke to their CEO. {LAWYER}", now)
        found = threat_suggestions.scan_note(sponsor, row, note, now)
        db.session.commit()
        assert [(s.flag, s.source, s.source_id) for s in found] == [
            (ThreatFlag.LEGAL, ThreatSource.NOTE, note.id)
        ]
        assert db.session.scalars(
            sa.select(Notification.user_id).where(Notification.kind == "threat_suggested")
        ).all() == [people["owner"]]


def test_flags_the_application_does_not_know_are_skipped(app, people, account, make_escalation):
    eid = make_escalation(account, owner_id=people["owner"], status=Status.INVESTIGATING)
    findings = [
        Finding("churn", "They may churn.", ((9, 14),), "en.churn.word", "en"),
        Finding("legal", LAWYER, ((4, 10), (10, 4), (-5, 3), ("a", 1)), "en.legal.x", "en"),
    ]
    with app.app_context():
        owner = db.session.get(User, people["owner"])
        row = db.session.get(Escalation, eid)
        now = datetime(2026, 11, 2, 9, tzinfo=UTC)
        created = threat_suggestions.suggest(owner, row, findings, ThreatSource.NOTE, 1, now)
        assert [s.flag for s in created] == [ThreatFlag.LEGAL]
        assert created[0].spans == [[0, 3], [4, 10]]  # clipped; reversed, non-integer dropped
        recorded = threat_suggestions.record_decisions(owner, row, findings, ThreatSource.EDIT, now)
        assert [(s.flag, s.spans) for s in recorded] == [(ThreatFlag.LEGAL, [[0, 3], [4, 10]])]
        db.session.rollback()


# Deciding on the page


def pending_on(app, client, people, account, text=CANCEL):
    eid = owned_escalation(client, app, people, account)
    post(client, f"/escalations/{eid}/notes", body=text)
    (row,) = suggestions(app, eid)
    return eid, row


def decide(client, eid, row, action, version=None, **data):
    data["version"] = str(row.version if version is None else version)
    return post(client, f"/escalations/{eid}/threat-suggestions/{row.id}/{action}", **data)


def test_confirm_sets_the_flag_turns_executive_audits_and_tells(app, client, people, account):
    eid, row = pending_on(app, client, people, account)
    response = decide(client, eid, row, "confirm")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The Cancellation flag is set." in page
    assert "Executive escalation" in page and "Cancellation threat" in page
    assert "Confirm: set the" not in page
    saved = escalation(app, eid)
    assert saved.threat_cancellation and saved.executive
    assert saved.arr_at_risk_minor == 5_000_000
    (row,) = suggestions(app, eid)
    assert row.status == SuggestionStatus.CONFIRMED and row.decided_by_id == people["owner"]
    with app.app_context():
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "threat_confirmed")
        ).one()
        assert event.changes["threat_cancellation"] == [False, True]
        assert event.changes["executive"] == [False, True]
        assert db.session.scalars(
            sa.select(TimelineEvent.data).where(TimelineEvent.kind == "threat_confirmed")
        ).one() == {
            "flag": "cancellation",
            "executive": True,
            "escalation_id": eid,
            "title": saved.title,
        }
        executives = db.session.scalars(
            sa.select(Notification.user_id).where(Notification.kind == "raised_executive")
        ).all()
        assert people["exec"] in executives
    # Decided once: a second confirm (same version, now stale) changes nothing.
    assert decide(client, eid, row, "confirm", version=1).status_code == 409


def test_dismiss_keeps_the_row_with_who_when_and_why(app, client, people, account):
    eid, row = pending_on(app, client, people, account)
    response = decide(client, eid, row, "dismiss", reason="They were joking.")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Suggestion dismissed" in page
    assert "possible threat to confirm" not in page
    assert "Earlier suggestions (1)" in page and "They were joking." in page
    (row,) = suggestions(app, eid)
    assert row.status == SuggestionStatus.DISMISSED
    assert row.dismiss_reason == "They were joking." and row.decided_by_id == people["owner"]
    assert not escalation(app, eid).threat_cancellation
    with app.app_context():
        event = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "threat_dismissed")
        ).one()
        assert event.changes["reason"] == [None, "They were joking."]


def test_a_too_long_reason_is_refused_next_to_the_field(app, client, people, account):
    eid, row = pending_on(app, client, people, account)
    response = decide(client, eid, row, "dismiss", reason="x" * 501)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'id="threat-\d+-reason-error".*500', html, re.S)
    assert suggestions(app, eid)[0].status == SuggestionStatus.PENDING


def test_a_stale_version_is_refused_with_409(app, client, people, account):
    eid, row = pending_on(app, client, people, account)
    response = decide(client, eid, row, "dismiss", version=row.version + 1)
    assert response.status_code == 409
    assert "Someone else decided or changed this suggestion" in response.get_data(as_text=True)
    assert suggestions(app, eid)[0].status == SuggestionStatus.PENDING


def test_a_reader_sees_the_panel_but_cannot_decide(app, client, people, account):
    eid, row = pending_on(app, client, people, account)
    reader = login(app.test_client(), app, people["exec"])  # may read and comment, not work
    shown = panel(reader.get(f"/escalations/{eid}").get_data(as_text=True))
    assert "possible threat to confirm" in shown and "Confirm: set" not in shown
    assert decide(reader, eid, row, "confirm").status_code == 403
    assert decide(reader, eid, row, "dismiss").status_code == 403
    stranger = login(app.test_client(), app, people["stranger"])
    assert decide(stranger, eid, row, "confirm").status_code == 403
    assert suggestions(app, eid)[0].status == SuggestionStatus.PENDING


def test_a_resolved_escalation_refuses_to_set_the_flag(
    app, client, people, account, make_escalation
):
    eid, row = pending_on(app, client, people, account)
    with app.app_context():
        db.session.get(Escalation, eid).status = Status.RESOLVED
        db.session.commit()
    page = client.get(f"/escalations/{eid}").get_data(as_text=True)
    assert "its threats are locked" in panel(page) and "Confirm: set" not in panel(page)
    response = decide(client, eid, row, "confirm")
    assert response.status_code == 422
    assert "This escalation is resolved: its threats are locked" in response.get_data(as_text=True)
    assert not escalation(app, eid).threat_cancellation
    assert suggestions(app, eid)[0].status == SuggestionStatus.PENDING


def test_hostile_and_very_long_text_is_escaped(app, client, people, account):
    hostile = '<script>alert("x")</script><b onmouseover=1>We will cancel the contract</b> ' + (
        "& more " * 600
    )
    eid, row = pending_on(app, client, people, account, text=hostile[:5000])
    page = client.get(f"/escalations/{eid}").get_data(as_text=True)
    shown = panel(page)
    assert "<script>alert" not in page and "<b onmouseover" not in page
    assert "&lt;script&gt;" in shown and "&lt;b onmouseover=1&gt;" in shown
    assert re.search(r"<mark>cancel", shown)
    assert decide(client, eid, row, "dismiss", reason="<i>no</i>").status_code == 302
    manager = login(app.test_client(), app, people["manager"])
    rules = manager.get("/escalations/threat-suggestions").get_data(as_text=True)
    assert "&lt;i&gt;no&lt;/i&gt;" in rules and "<i>no</i>" not in rules


BAD_SPANS = [
    7,
    "0-3",
    {"start": 0},
    [{"start": 0, "end": 3}],
    [[1]],
    [[1, 2, 3]],
    [["0", "3"]],
    [[0.5, 3]],
    [[True, 3]],
    [[None, 3]],
    [[20, 5]],
    [[-(10**30), 10**30]],
    [[0, 12], [3, 20], [8, 9]],
]


def test_bad_stored_spans_never_break_the_pages_or_the_csv(
    app, client, people, account, make_escalation
):
    eid = make_escalation(account, owner_id=people["owner"], status=Status.INVESTIGATING)
    for n, spans in enumerate(BAD_SPANS):
        seed_decided(app, eid, people["csm"], 1, start=n, sentence=CANCEL, spans=spans)
    seed_decided(  # and one waiting, for the panel
        app,
        eid,
        people["csm"],
        1,
        flag=ThreatFlag.LEGAL,
        sentence=LAWYER,
        spans=[[4, 10**6]],
        status=SuggestionStatus.PENDING,
        decided_at=None,
        decided_by_id=None,
        dismiss_reason="",
    )
    login(client, app, people["owner"])
    page = client.get(f"/escalations/{eid}")
    assert page.status_code == 200
    shown = panel(page.get_data(as_text=True))
    assert "Our <mark>lawyer will send you a formal notice next week.</mark>" in shown
    assert f"Earlier suggestions ({len(BAD_SPANS)})" in shown
    marks = re.findall(r"<mark>([^<]*)</mark>", shown)
    assert CANCEL[:20] in marks  # three overlapping spans, one mark
    assert CANCEL in marks  # clipped to the sentence
    manager = login(app.test_client(), app, people["manager"])
    rules = manager.get("/escalations/threat-suggestions")
    assert rules.status_code == 200 and rules.get_data(as_text=True).count(CANCEL[20:]) >= 10
    listed = manager.get("/escalations/threat-suggestions.csv?status=")
    assert listed.status_code == 200
    assert len(list(csv.reader(io.StringIO(listed.get_data(as_text=True))))) == 1 + 14


def test_page_queries_do_not_grow_with_the_suggestions(app, client, people, account):
    eid, row = pending_on(app, client, people, account)  # read in a note
    post(client, f"/escalations/{eid}/updates", channel="email", summary=LAWYER)
    decide(client, eid, row, "dismiss", reason="no")
    client.get(f"/escalations/{eid}")  # the first view fills the app's caches (related notes)
    before = int(client.get(f"/escalations/{eid}").headers["X-SQL-Queries"])
    with app.app_context():
        update_id = db.session.scalar(sa.select(CustomerUpdate.id))
    seed_decided(app, eid, people["csm"], 20, source_id=row.source_id)
    seed_decided(
        app,
        eid,
        people["owner"],
        20,
        source=ThreatSource.CUSTOMER_UPDATE,
        source_id=update_id,
        status=SuggestionStatus.CONFIRMED,
    )
    assert len(suggestions(app, eid)) == 42
    page = client.get(f"/escalations/{eid}")
    assert "Earlier suggestions (41)" in page.get_data(as_text=True)
    assert int(page.headers["X-SQL-Queries"]) == before


# The rules page


def seed_decided(app, escalation_id, user_id, count, start=0, **values):
    now = datetime(2026, 11, 1, 9, tzinfo=UTC) + timedelta(hours=start)
    with app.app_context():
        for n in range(count):
            defaults = dict(
                escalation_id=escalation_id,
                flag=ThreatFlag.CANCELLATION,
                source=ThreatSource.NOTE,
                sentence=f"Sentence {n}: please cancel the duplicate invoice.",
                spans=[[len(f"Sentence {n}: please "), len(f"Sentence {n}: please cancel")]],
                rule="cancellation.word",
                language="en",
                status=SuggestionStatus.DISMISSED,
                created_at=now + timedelta(minutes=n),
                decided_at=now + timedelta(minutes=n),
                decided_by_id=user_id,
                dismiss_reason=f"Invoice, not the contract ({n})",
            )
            db.session.add(ThreatSuggestion(**(defaults | values)))
        db.session.commit()


def test_rules_page_lists_dismissed_newest_first_filters_and_paginates(
    app, client, people, account, make_escalation
):
    eid = make_escalation(account, title="Invoice trouble")
    seed_decided(app, eid, people["csm"], 30)
    seed_decided(
        app,
        eid,
        people["csm"],
        2,
        flag=ThreatFlag.LEGAL,
        language="ja",
        sentence="弁護士ポータルが遅い。",
        spans=[[0, 3]],
        rule="legal.word",
        status=SuggestionStatus.CONFIRMED,
        dismiss_reason="",
    )
    csm = login(app.test_client(), app, people["csm"])
    assert csm.get("/escalations/threat-suggestions").status_code == 403
    assert csm.get("/escalations/threat-suggestions.csv").status_code == 403
    login(client, app, people["manager"])
    listing = client.get("/escalations/").get_data(as_text=True)
    assert 'href="/escalations/threat-suggestions"' in listing
    first = client.get("/escalations/threat-suggestions").get_data(as_text=True)
    rows = re.findall(r"Invoice, not the contract \((\d+)\)", first)
    assert rows == [str(n) for n in range(29, 4, -1)]  # 25 a page, newest first
    assert "Sentence 29: please <mark>cancel</mark> the duplicate invoice." in first
    assert "cancellation.word" in first and "Sakura CSM" in first
    assert f'href="/escalations/{eid}#threat-suggestions"' in first
    second = client.get("/escalations/threat-suggestions?page=2").get_data(as_text=True)
    assert re.findall(r"Invoice, not the contract \((\d+)\)", second) == ["4", "3", "2", "1", "0"]
    legal = client.get(
        "/escalations/threat-suggestions?status=confirmed&flag=legal&language=ja&source=note"
    ).get_data(as_text=True)
    assert legal.count("<mark>弁護士</mark>") == 2 and "Invoice, not" not in legal
    empty = client.get("/escalations/threat-suggestions?status=pending")
    assert "No threat suggestions match this filter." in empty.get_data(as_text=True)
    wrong = client.get("/escalations/threat-suggestions?flag=nonsense")
    assert wrong.status_code == 422 and "Not a valid choice" in wrong.get_data(as_text=True)


def test_rules_csv_holds_the_filtered_suggestions(app, client, people, account, make_escalation):
    eid = make_escalation(account)
    seed_decided(app, eid, people["csm"], 2)
    formula = "=HYPERLINK(1) cancel"
    seed_decided(app, eid, people["csm"], 1, start=1, sentence=formula, spans=[[14, 20]])
    seed_decided(app, eid, people["csm"], 1, status=SuggestionStatus.CONFIRMED)
    login(client, app, people["manager"])
    response = client.get("/escalations/threat-suggestions.csv?flag=cancellation")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["Decided at", "Status", "Flag"]
    assert len(rows) == 1 + 3  # the dismissed ones only, by default
    assert {r[1] for r in rows[1:]} == {"dismissed"}
    assert rows[1][7] == "'" + formula and rows[1][8] == "cancel"  # newest first, not a formula
    assert rows[2][5:10] == [
        "cancellation.word",
        rows[2][6],
        "Sentence 1: please cancel the duplicate invoice.",
        "cancel",
        "Invoice, not the contract (1)",
    ]
    assert rows[2][10:] == ["Sakura CSM", str(eid)]
