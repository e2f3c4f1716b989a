"""Knowledge notes as people use them: searching, writing (also from a post-mortem), changing,
deleting, who may do what, suggestions while an escalation is typed and on its page."""

import re

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.audit.models import AuditEvent
from app.auth.models import User
from app.escalations.models import Escalation, PostMortem, RootCause
from app.extensions import db
from app.knowledge import services
from app.knowledge.models import KnowledgeNote
from tests.conftest import csrf_token, escalation_form, login

NOTE = {
    "title": "請求書が二重に発行された",
    "symptoms": "同じ月の請求書が二通届いたとのご連絡。",
    "resolution": "月次バッチの再実行が原因。片方を取り消した。",
    "tags": "請求, Billing",
}


def write_note(app, author_id, **values) -> int:
    """A note written through the service by the user; its id."""
    values = NOTE | values
    with app.test_request_context():
        author = db.session.get(User, author_id)
        tags = values.pop("tags").split(",")
        note = services.create_note(author, values, tags)
        db.session.commit()
        return note.id


def post_note(client, url, **values):
    token = csrf_token(client, url)
    return client.post(url, data=NOTE | values | {"csrf_token": token})


def notes(app) -> list[KnowledgeNote]:
    with app.app_context():
        stmt = sa.select(KnowledgeNote).options(selectinload(KnowledgeNote.tag_rows))
        return list(db.session.scalars(stmt.order_by(KnowledgeNote.id)))


def audit_actions(app, note_id) -> list[str]:
    with app.app_context():
        stmt = sa.select(AuditEvent.action).where(
            AuditEvent.entity_type == "knowledge_note", AuditEvent.entity_id == note_id
        )
        return list(db.session.scalars(stmt.order_by(AuditEvent.id)))


# Searching -------------------------------------------------------------------------------------


def test_a_note_is_found_by_a_two_character_japanese_word(app, client, login_as, make_user):
    write_note(app, make_user("csm"))
    write_note(app, make_user("csm"), title="VPN接続が不安定", symptoms="切断される", tags="")
    login_as("executive")
    page = client.get("/knowledge/?q=請求").get_data(as_text=True)
    assert "請求書が二重に発行された" in page
    assert "VPN接続が不安定" not in page
    assert "VPN接続が不安定" in client.get("/knowledge/").get_data(as_text=True)


def test_a_search_with_no_note_having_every_word_shows_those_with_some(app, client, login_as):
    write_note(app, login_as("csm"))
    page = client.get("/knowledge/?q=請求 宇宙船").get_data(as_text=True)
    assert "No note has every word" in page
    assert "請求書が二重に発行された" in page


def test_empty_states(app, client, login_as, make_user):
    login_as("ae")
    assert "No knowledge notes yet" in client.get("/knowledge/").get_data(as_text=True)
    write_note(app, make_user("csm"))
    page = client.get("/knowledge/?q=解約").get_data(as_text=True)
    assert "No knowledge note matches “解約”" in page


def test_hostile_searches_answer_a_page(app, client, login_as):
    write_note(app, login_as("csm"))
    for q in ['"', "'", "*", "NEAR(", "a OR b NOT c", "%_\\", "\x00", "😀", "の", "x" * 5000]:
        response = client.get("/knowledge/", query_string={"q": q})
        assert response.status_code == 200, q
    assert client.get("/knowledge/?page=99&q=請求").status_code == 200
    # Nothing to search by: the latest notes, and the page says why.
    page = client.get("/knowledge/", query_string={"q": "の *"}).get_data(as_text=True)
    assert "has no words to search by" in page


def test_the_list_takes_the_same_queries_for_3_or_20_notes(app, client, login_as):
    author = login_as("csm")
    for n in range(3):
        write_note(app, author, title=f"請求 note {n}")
    few = client.get("/knowledge/?q=請求")
    for n in range(17):
        write_note(app, author, title=f"請求 note {n + 3}")
    many = client.get("/knowledge/?q=請求")
    assert many.get_data(as_text=True).count("請求 note") == 20
    assert few.headers["X-SQL-Queries"] == many.headers["X-SQL-Queries"]
    plain_few = client.get("/knowledge/").headers["X-SQL-Queries"]
    write_note(app, author)
    assert client.get("/knowledge/").headers["X-SQL-Queries"] == plain_few


def test_the_latest_notes_are_counted_up_to_the_cap(app, client, login_as, monkeypatch):
    """Without a search the list counts its notes only up to the lists' cap: the heading
    says "4+", the pages end at the cap and the page says how to find the others."""
    monkeypatch.setattr(services, "LIST_COUNT_CAP", 4)
    monkeypatch.setattr(services, "PER_PAGE", 2)
    author = login_as("csm")
    for n in range(5):
        write_note(app, author, title=f"Note {n}")

    def page(number):
        response = client.get(f"/knowledge/?page={number}")
        assert response.status_code == 200
        return response.get_data(as_text=True)

    first = page(1)
    assert '<span class="count">4+</span>' in first
    assert "Showing the latest 4 notes: search to find the others." in first
    second = page(2)
    assert [first.count('<article class="card"'), second.count('<article class="card"')] == [2, 2]
    assert "page=3" not in second  # the pages offered end at the cap
    write_note(app, author, title="請求 only")
    found = client.get("/knowledge/?q=請求").get_data(as_text=True)
    assert "Showing the latest" not in found and "請求 only" in found


def test_a_search_counts_its_matches_on_every_page(app, client, login_as):
    author = login_as("csm")
    for n in range(23):
        write_note(app, author, title=f"請求 note {n}")
    write_note(
        app,
        author,
        title="Unrelated outage",
        symptoms="The dashboard is down.",
        resolution="Restarted.",
        tags="Outage",
    )
    postgres = app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    searches = []

    def record(_conn, _cursor, statement, *_args):
        if "search_vector" in statement or "knowledge_fts" in statement:
            searches.append(statement)

    def shown(page):
        searches.clear()
        with app.app_context():
            sa.event.listen(db.engine, "before_cursor_execute", record)
            try:
                response = client.get("/knowledge/", query_string={"q": "請求", "page": page})
            finally:
                sa.event.remove(db.engine, "before_cursor_execute", record)
        html = response.get_data(as_text=True)
        count = re.search(r'<span class="count">([\d,]+)</span>', html).group(1)
        return count, html.count("請求 note"), len(searches)

    # PostgreSQL counts the matches as it ranks them (FTS5's ranking cannot share a
    # statement with a count); a page past the end counts them apart.
    matched = 1 if postgres else 2
    assert shown(1) == ("23", 20, matched)
    assert shown(2) == ("23", 3, matched)
    assert shown(9) == ("23", 0, 2)


# Writing, changing, deleting ---------------------------------------------------------------------


def test_a_csm_writes_a_note_that_is_audited_and_searchable(app, client, login_as):
    login_as("csm")
    response = post_note(client, "/knowledge/new")
    assert response.status_code == 302
    (note,) = notes(app)
    assert note.tags == ["billing", "請求"]
    assert note.language == "ja"
    assert audit_actions(app, note.id) == ["create"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "月次バッチの再実行が原因" in page and "Knowledge note saved." in page
    assert "請求書が二重に発行された" in client.get("/knowledge/?q=請求書").get_data(as_text=True)


def test_bad_input_is_shown_by_its_field_and_nothing_is_saved(app, client, login_as):
    login_as("manager")
    response = post_note(client, "/knowledge/new", title="   ", resolution="x" * 20001)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Give the note a title." in page
    assert "Field cannot be longer than 20000 characters." in page
    assert notes(app) == []


def test_executives_read_but_do_not_write(app, client, login_as, make_user):
    note_id = write_note(app, make_user("csm"))
    login_as("executive")
    assert client.get(f"/knowledge/{note_id}").status_code == 200
    assert client.get("/knowledge/new").status_code == 403
    assert client.get(f"/knowledge/{note_id}/edit").status_code == 403
    page = client.get(f"/knowledge/{note_id}").get_data(as_text=True)
    assert "New note" not in client.get("/knowledge/").get_data(as_text=True)
    assert f"/knowledge/{note_id}/edit" not in page


def test_an_edit_is_indexed_again_and_audited(app, client, login_as, make_user):
    note_id = write_note(app, make_user("csm"))
    login_as("ae")
    url = f"/knowledge/{note_id}/edit"
    assert 'value="billing, 請求"' in client.get(url).get_data(as_text=True)
    response = post_note(client, url, title="VPN接続が不安定", version="1")
    assert response.status_code == 302
    assert "VPN接続が不安定" in client.get("/knowledge/?q=VPN").get_data(as_text=True)
    assert "No knowledge note matches" in client.get("/knowledge/?q=二重").get_data(as_text=True)
    assert audit_actions(app, note_id) == ["create", "update"]
    page = client.get(f"/knowledge/{note_id}").get_data(as_text=True)
    assert "Audit history" in page and "請求書が二重に発行された" in page


def test_an_edit_on_an_old_version_is_refused_with_both_versions(app, client, login_as):
    note_id = write_note(app, login_as("csm"))
    url = f"/knowledge/{note_id}/edit"
    assert post_note(client, url, title="First save", version="1").status_code == 302
    response = post_note(client, url, title="Second save", version="1")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Someone else changed this record" in page and "First save" in page
    assert notes(app)[0].title == "First save"


def test_the_author_or_an_admin_deletes_a_note(app, make_user):
    author = make_user("csm")
    note_id = write_note(app, author)

    def delete_as(user_id, token=True):
        client = login(app.test_client(), app, user_id)
        data = {"csrf_token": csrf_token(client, "/knowledge/new")} if token else {}
        return client, client.post(f"/knowledge/{note_id}/delete", data=data)

    other, response = delete_as(make_user("csm"))
    assert response.status_code == 403
    assert "Delete" not in other.get(f"/knowledge/{note_id}").get_data(as_text=True)
    assert delete_as(author, token=False)[1].status_code == 400
    client, response = delete_as(author)
    assert response.status_code == 302 and notes(app) == []
    assert audit_actions(app, note_id) == ["create", "delete"]
    assert "No knowledge note matches" in client.get("/knowledge/?q=請求").get_data(as_text=True)
    note_id = write_note(app, author)
    assert delete_as(make_user("admin"))[1].status_code == 302
    assert notes(app) == []


# From a post-mortem ----------------------------------------------------------------------------


def make_post_mortem(app, make_account, make_escalation, author_id) -> tuple[int, int]:
    escalation_id = make_escalation(
        make_account(),
        title="Invoices sent twice",
        description="The customer got the March invoice twice.",
        resolution_summary="Voided the duplicate and apologised.",
    )
    with app.app_context():
        escalation = db.session.get(Escalation, escalation_id)
        from app.escalations.models import EscalationTag

        escalation.tag_rows = [EscalationTag(name="billing")]
        post_mortem = PostMortem(
            escalation_id=escalation_id,
            root_cause_category=RootCause.PROCESS,
            root_cause="The monthly job was run again by hand.",
            went_well="Quick apology.",
            to_improve="Guard the job against a second run.",
            author_id=author_id,
        )
        db.session.add(post_mortem)
        db.session.commit()
        return escalation_id, post_mortem.id


def test_a_note_written_from_a_post_mortem(app, client, login_as, make_account, make_escalation):
    me = login_as("manager")
    escalation_id, post_mortem_id = make_post_mortem(app, make_account, make_escalation, me)
    url = f"/knowledge/new?post_mortem={post_mortem_id}"
    page = client.get(url).get_data(as_text=True)
    assert 'value="Invoices sent twice"' in page
    assert "The customer got the March invoice twice." in page
    assert "Voided the duplicate and apologised." in page
    assert "Root cause: Process — The monthly job was run again by hand." in page
    assert "What to improve: Guard the job against a second run." in page
    assert 'value="billing"' in page
    token = csrf_token(client, url)
    data = {
        "title": "Invoices sent twice",
        "symptoms": "The March invoice arrived twice.",
        "resolution": "Void the duplicate.",
        "tags": "billing",
        "csrf_token": token,
    }
    response = client.post(url, data=data)
    assert response.status_code == 302
    (note,) = notes(app)
    assert (note.post_mortem_id, note.escalation_id) == (post_mortem_id, escalation_id)
    shown = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f'href="/escalations/{escalation_id}"' in shown
    assert "A note was already written" in client.get(url).get_data(as_text=True)
    assert client.get("/knowledge/new?post_mortem=999999").status_code == 404
    assert client.get("/knowledge/new?post_mortem=abc").status_code == 404


# Suggestions ------------------------------------------------------------------------------------


def test_suggestions_while_typing_are_json(app, client, login_as, make_user):
    note_id = write_note(app, make_user("csm"))
    write_note(app, make_user("csm"), title="VPN接続が不安定", symptoms="切断される", tags="")
    assert client.get("/knowledge/suggest?q=請求").status_code == 302  # signed out
    login_as("csm")
    found = client.get("/knowledge/suggest", query_string={"q": "請求書が届かない"}).get_json()
    assert found == {
        "notes": [
            {
                "id": note_id,
                "title": "請求書が二重に発行された",
                "url": f"/knowledge/{note_id}",
                "snippet": "同じ月の請求書が二通届いたとのご連絡。",
            }
        ]
    }
    assert client.get("/knowledge/suggest?q=").get_json() == {"notes": []}
    assert client.get("/knowledge/suggest?q=%22NEAR(").status_code == 200


def test_suggestions_put_the_notes_holding_a_telling_word_first(app, client, login_as, monkeypatch):
    """A word most notes hold says little: a note that holds the description's rare word comes
    before notes that only repeat a common one, and those still fill the list after it."""
    from app.knowledge import search

    monkeypatch.setattr(search, "MIN_NOTES_FOR_SHARE", 4)
    author = login_as("csm")
    common = [
        write_note(
            app,
            author,
            title=f"ご連絡の件 {n}",
            symptoms="連絡が来た。連絡を返した。また連絡が来た。",
            resolution="連絡済み",
            tags="",
        )
        for n in range(4)
    ]
    rare = write_note(
        app,
        author,
        title="経理からの問い合わせ",
        symptoms="先月分が二通届いた。請求書の再発行を希望。",
        resolution="片方を取り消した",
        tags="",
    )
    write_note(app, author, title="VPN接続", symptoms="切断される", resolution="再接続", tags="")
    found = client.get("/knowledge/suggest", query_string={"q": "請求書についてのご連絡"})
    ids = [note["id"] for note in found.get_json()["notes"]]
    assert ids[0] == rare
    assert sorted(ids[1:]) == sorted(common)


def test_the_escalation_page_shows_notes_that_may_help(
    app, client, login_as, make_account, make_user
):
    note_id = write_note(app, make_user("csm"))
    me = login_as("manager")
    account_id = make_account(csm_owner_id=me)
    token = csrf_token(client, f"/escalations/new?account_id={account_id}")
    form = escalation_form(
        account_id,
        token,
        title="請求書の金額がおかしい",
        description="今月の請求書が二重になっている",
        tags="請求",
    )
    response = client.post("/escalations/new", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Knowledge notes that may help" in page
    assert re.search(rf'href="/knowledge/{note_id}">請求書が二重に発行された', page)
    other = client.post(
        "/escalations/new",
        data=escalation_form(account_id, token, title="VPN", description="切断", tags=""),
    )
    unlike = client.get(other.headers["Location"]).get_data(as_text=True)
    assert "Knowledge notes that may help" not in unlike


def test_the_notes_that_may_help_follow_every_change_of_the_notes(
    app, client, login_as, make_account, make_user
):
    """The escalation page keeps what its search found (issue 15), but a note written, edited
    or deleted since shows at once: no page shows notes older than the knowledge base."""
    author = make_user("csm")
    me = login_as("manager")
    account_id = make_account(csm_owner_id=me)
    token = csrf_token(client, f"/escalations/new?account_id={account_id}")
    form = escalation_form(
        account_id, token, title="請求書の金額がおかしい", description="請求書が二重", tags="請求"
    )
    url = client.post("/escalations/new", data=form).headers["Location"]

    def shown() -> list[str]:
        page = client.get(url).get_data(as_text=True)
        return re.findall(r'href="/knowledge/\d+">([^<]+)</a>', page)

    assert shown() == []
    first = write_note(app, author)
    assert shown() == ["請求書が二重に発行された"]
    assert shown() == ["請求書が二重に発行された"]  # the kept result, the same
    with app.test_request_context():
        note = db.session.get(KnowledgeNote, first)
        unlike = {"title": "VPN接続が不安定", "symptoms": "切断される", "resolution": "再接続"}
        services.update_note(db.session.get(User, author), note, unlike, [])
        db.session.commit()
    assert shown() == []  # no longer like the escalation
    second = write_note(app, author, title="請求書の再発行")
    assert shown() == ["請求書の再発行"]
    with app.test_request_context():
        services.delete_note(db.session.get(User, author), db.session.get(KnowledgeNote, second))
        db.session.commit()
    assert shown() == []
    # Four notes like it, three shown; one of those deleted, the fourth takes its place.
    titles = {write_note(app, author, title=f"請求書の件 {n}"): f"請求書の件 {n}" for n in range(4)}
    first_three = shown()
    assert len(first_three) == 3
    # Not the newest note, whose deletion would move the notes' mark anyway.
    gone = min(i for i, title in titles.items() if title in first_three)
    with app.test_request_context():
        services.delete_note(db.session.get(User, author), db.session.get(KnowledgeNote, gone))
        db.session.commit()
    assert sorted(shown()) == sorted(t for i, t in titles.items() if i != gone)
