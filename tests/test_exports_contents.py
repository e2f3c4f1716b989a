"""What an export holds and how its file reads: each kind's rows with the rights of the
schedule's owner and the list page's filters; CSV in UTF-8 with a BOM or cp932 (Japanese
Excel), headers in the owner's language, dates and money for people, formulas neutralised;
XLSX with typed cells, a frozen header and an autofilter; rows streamed in batches (the same
queries for 5 rows or 50); the executive portfolio brief as a PDF."""

import csv
import io
from datetime import UTC, date, datetime
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from app.accounts.models import Account, Tier
from app.auth.models import User
from app.escalations.models import Escalation, EscalationTag, Severity, Status, escalation_watchers
from app.exports import kinds, writers
from app.exports.kinds import KINDS
from app.exports.models import CsvEncoding, ExportFormat, ExportKind
from app.extensions import db
from app.formatting import money, zone_or_default
from app.sponsorship.models import SponsorshipStatus
from app.touchpoints.models import (
    Brief,
    BriefKind,
    Touchpoint,
    TouchpointKind,
    TouchpointStatus,
)

NOW = datetime(2026, 3, 1, 15, 30, tzinfo=UTC)


def schedule(**filters):
    return SimpleNamespace(filters=filters)


def rows_of(app, kind: ExportKind, owner_id: int, **filters) -> list[tuple]:
    with app.test_request_context():
        owner = db.session.get(User, owner_id)
        return list(KINDS[kind].rows(schedule(**filters), owner, NOW))


def csv_export(app, kind, owner_id, encoding=CsvEncoding.UTF8_BOM, **filters):
    """(the file's bytes, Written) as the owner gets it: their language and zone."""
    with app.test_request_context():
        owner = db.session.get(User, owner_id)
        stream = io.BytesIO()
        with force_locale(owner.locale or "en"):
            written = writers.write_csv(
                stream,
                KINDS[kind].columns,
                KINDS[kind].rows(schedule(**filters), owner, NOW),
                encoding,
                zone=zone_or_default(owner.timezone),
            )
        return stream.getvalue(), written


def read_csv(data: bytes, encoding="utf-8-sig") -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(encoding))))


def xlsx_export(app, kind, owner_id, path, **filters):
    with app.test_request_context():
        owner = db.session.get(User, owner_id)
        with force_locale(owner.locale or "en"):
            written = writers.write_xlsx(
                path,
                KINDS[kind].columns,
                KINDS[kind].rows(schedule(**filters), owner, NOW),
                zone=zone_or_default(owner.timezone),
            )
    return openpyxl.load_workbook(path), written


def set_user(app, user_id, **values):
    with app.app_context():
        user = db.session.get(User, user_id)
        for name, value in values.items():
            setattr(user, name, value)
        db.session.commit()


@pytest.fixture
def admin(make_user):
    return make_user("admin")


# ---- XLSX --------------------------------------------------------------------------------


def test_an_xlsx_has_typed_cells_a_frozen_header_and_an_autofilter(
    app, admin, make_account, tmp_path
):
    make_account(
        name="Initech",
        arr_minor=1_200_000,
        currency="JPY",
        renewal_date=date(2027, 4, 1),
        health_score=72,
    )
    make_account(name="Globex", arr_minor=1_234_567, currency="USD", health_score=None)
    book, written = xlsx_export(app, ExportKind.ACCOUNTS, admin, tmp_path / "book.xlsx")
    sheet = book.active
    assert written.rows == 2
    header = [cell.value for cell in sheet[1]]
    assert header[:8] == [
        "Name",
        "Domain",
        "Industry",
        "Tier",
        "ARR",
        "Renewal date",
        "Status",
        "Health score",
    ]
    assert sheet.freeze_panes == "A2"
    last_column = openpyxl.utils.get_column_letter(len(KINDS[ExportKind.ACCOUNTS].columns))
    assert sheet.auto_filter.ref == f"A1:{last_column}3"
    globex, initech = sheet[2], sheet[3]  # by name, as the list sorts them
    assert initech[0].value == "Initech"
    assert initech[3].value == "Enterprise"  # the label, not "enterprise"
    renewal = initech[5]
    assert renewal.is_date and renewal.value.date() == date(2027, 4, 1)
    arr = initech[4]
    assert arr.data_type == "n" and arr.value == 1_200_000
    assert "¥" in arr.number_format and "." not in arr.number_format  # yen have no cents
    assert globex[4].value == pytest.approx(12_345.67)
    assert "$" in globex[4].number_format and globex[4].number_format.endswith("0.00")
    assert initech[7].data_type == "n" and initech[7].value == 72
    assert globex[7].value is None
    widths = sheet.column_dimensions
    assert widths["A"].width >= len("Name") and widths["F"].width >= len("2027-04-01")


def test_an_xlsx_date_time_is_in_the_owners_zone(
    app, admin, make_account, make_escalation, tmp_path
):
    set_user(app, admin, timezone="Asia/Tokyo")
    account = make_account(name="Initech")
    make_escalation(account, created_at=datetime(2026, 2, 28, 15, 30, tzinfo=UTC))
    book, _ = xlsx_export(app, ExportKind.ESCALATIONS, admin, tmp_path / "e.xlsx")
    sheet = book.active
    raised = [c.value for c in sheet[1]].index("Raised")
    cell = sheet[2][raised]
    assert cell.is_date and cell.value == datetime(2026, 3, 1, 0, 30)  # Tokyo, 9 h ahead


def test_an_xlsx_writes_text_that_looks_like_a_formula_as_text(app, admin, make_account, tmp_path):
    make_account(name='=HYPERLINK("http://evil.example","Click")', industry="+1-555")
    book, _ = xlsx_export(app, ExportKind.ACCOUNTS, admin, tmp_path / "f.xlsx")
    row = book.active[2]
    assert row[0].data_type == "s" and row[0].value.startswith("=HYPERLINK")
    assert row[2].data_type == "s" and row[2].value == "+1-555"


def test_progress_is_reported_every_thousand_rows(app, tmp_path):
    columns = [kinds.Column("n", "N", "int"), kinds.Column("text", "Text", "text")]
    rows = [(n, f"row {n}") for n in range(2500)]
    with app.test_request_context():
        seen_csv, seen_xlsx = [], []
        written = writers.write_csv(io.BytesIO(), columns, iter(rows), progress=seen_csv.append)
        writers.write_xlsx(tmp_path / "p.xlsx", columns, iter(rows), progress=seen_xlsx.append)
    assert written.rows == 2500
    assert seen_csv == seen_xlsx == [1000, 2000, 2500]
    sheet = openpyxl.load_workbook(tmp_path / "p.xlsx").active
    assert sheet.max_row == 2501 and sheet.cell(2501, 2).value == "row 2499"


# ---- CSV ---------------------------------------------------------------------------------


def test_a_cp932_csv_keeps_japanese_characters_and_reports_what_it_replaced(
    app, admin, make_account
):
    make_account(name="①㈱髙橋製作所～", industry="製造😀", arr_minor=1_200_000, currency="JPY")
    make_account(name="𠮷野家", industry="外食😀", arr_minor=123_450, currency="EUR")
    make_account(name="Wave〜dash", industry="Retail", arr_minor=99_999, currency="GBP")
    data, written = csv_export(app, ExportKind.ACCOUNTS, admin, CsvEncoding.CP932)
    assert not data.startswith(b"\xef\xbb\xbf")  # no BOM in cp932
    header, *rows = read_csv(data, "cp932")
    arr = header.index("ARR")
    found = {row[0]: (row[2], row[arr]) for row in rows}
    assert found == {
        "①㈱髙橋製作所～": ("製造?", "￥1,200,000"),  # the yen sign Japanese Excel shows
        "?野家": ("外食?", "EUR 1,234.50"),  # cp932 has no euro sign
        "Wave～dash": ("Retail", "￡999.99"),  # the Mac's wave dash as Windows writes it
    }
    assert written.replaced == {"😀": 2, "𠮷": 1}
    assert written.rows == 3


def test_a_utf8_csv_has_a_bom_and_the_header_in_the_owners_language(
    app, make_user, make_account, make_escalation
):
    owner = make_user("admin", locale="ja")
    make_escalation(make_account(name="髙橋商事"), severity=Severity.CRITICAL)
    data, written = csv_export(app, ExportKind.ESCALATIONS, owner)
    assert data.startswith(b"\xef\xbb\xbf")
    header, row = read_csv(data)
    assert len(header) == len(row) == len(KINDS[ExportKind.ESCALATIONS].columns)
    # Titles the Japanese catalog already has are Japanese; labels too.
    assert {"アカウント", "重大度", "ステータス", "担当者", "タグ"} <= set(header)
    assert row[header.index("アカウント")] == "髙橋商事"
    assert row[header.index("重大度")] != "Critical" and row[header.index("重大度")]
    english, _ = csv_export(app, ExportKind.ESCALATIONS, make_user("admin", locale="en"))
    assert read_csv(english)[0][:4] == ["ID", "Title", "Account", "Severity"]
    assert written.replaced == {}


def test_a_csv_shows_dates_times_and_money_for_people(
    app, make_user, make_account, make_escalation
):
    owner = make_user("admin")
    set_user(app, owner, timezone="Asia/Tokyo")
    yen = make_account(name="Initech", arr_minor=1_200_000, currency="JPY")
    dollars = make_account(name="Globex", arr_minor=1_234_500, currency="USD")
    make_escalation(
        yen,
        title="Invoices fail",
        created_at=datetime(2026, 2, 28, 15, 30, tzinfo=UTC),
        arr_at_risk_minor=1_200_000,
        arr_at_risk_currency="JPY",
        executive=True,
    )
    make_escalation(
        dollars,
        title="Login slow",
        created_at=datetime(2026, 2, 27, 1, 5, tzinfo=UTC),
        arr_at_risk_minor=1_234_500,
        arr_at_risk_currency="USD",
    )
    data, _ = csv_export(app, ExportKind.ESCALATIONS, owner)
    header, *rows = read_csv(data)
    by_title = {row[1]: dict(zip(header, row, strict=True)) for row in rows}
    assert by_title["Invoices fail"]["Raised"] == "2026-03-01 00:30"  # in Tokyo
    assert by_title["Invoices fail"]["ARR at risk"] == "¥1,200,000"
    assert by_title["Invoices fail"]["Executive escalation"] == "Yes"
    assert by_title["Invoices fail"]["Severity"] == "High"
    assert by_title["Login slow"]["ARR at risk"] == "$12,345.00"
    assert by_title["Login slow"]["Executive escalation"] == "No"
    assert by_title["Login slow"]["Resolved"] == ""
    accounts, _ = csv_export(app, ExportKind.ACCOUNTS, owner)
    header, *rows = read_csv(accounts)
    assert {row[0]: row[header.index("Renewal date")] for row in rows}["Initech"] == "2027-04-01"


@pytest.mark.parametrize("locale", ["en", "ja"])
def test_money_in_a_csv_reads_as_the_app_shows_it(app, locale):
    amounts = [0, 5, 99, 100, 123_456, 1_200_000, 987_654_321_012, -5, -123_456]
    column = [kinds.Column("arr", "ARR", "money")]
    with app.test_request_context(), force_locale(locale):
        for currency in ("JPY", "USD", "EUR", "GBP", "CHF"):
            stream = io.BytesIO()
            writers.write_csv(stream, column, [((m, currency),) for m in amounts])
            shown = [row[0] for row in read_csv(stream.getvalue())[1:]]
            assert shown == [money(m, currency) for m in amounts], (locale, currency)


def test_a_csv_neutralises_cells_a_spreadsheet_would_run(app, admin, make_account):
    make_account(name='=HYPERLINK("http://evil.example","Click")', industry="@SUM(A1)")
    data, _ = csv_export(app, ExportKind.ACCOUNTS, admin)
    row = read_csv(data)[1]
    assert row[0] == '\'=HYPERLINK("http://evil.example","Click")'
    assert row[2] == "'@SUM(A1)"


# ---- rights and filters ------------------------------------------------------------------


def update(model, row_id, **values):
    db.session.execute(sa.update(model).where(model.id == row_id).values(**values))


@pytest.fixture
def three_accounts(make_account, make_escalation):
    """Three accounts with two escalations each (one critical, one low)."""
    book = {}
    for name in ("Alpha", "Beta", "Gamma"):
        account = make_account(name=name)
        book[name] = {
            "account": account,
            "critical": make_escalation(account, title=f"{name} down", severity=Severity.CRITICAL),
            "low": make_escalation(account, title=f"{name} typo", severity=Severity.LOW),
        }
    return book


def test_an_executive_exports_only_the_accounts_they_sponsor(
    app, make_user, make_sponsorship, three_accounts
):
    executive = make_user("executive")
    make_sponsorship(
        three_accounts["Beta"]["account"],
        status=SponsorshipStatus.ACTIVE,
        sponsor_id=executive,
    )
    # Sponsoring a declined nomination gives nothing.
    make_sponsorship(
        three_accounts["Gamma"]["account"],
        status=SponsorshipStatus.DECLINED,
        sponsor_id=executive,
    )
    escalations = rows_of(app, ExportKind.ESCALATIONS, executive, view="all")
    assert sorted(row[1] for row in escalations) == ["Beta down", "Beta typo"]
    accounts = rows_of(app, ExportKind.ACCOUNTS, executive)
    assert [row[0] for row in accounts] == ["Beta"]
    sponsorships = rows_of(app, ExportKind.SPONSORSHIPS, executive, status="all")
    assert sorted(row[0] for row in sponsorships) == ["Beta", "Gamma"]  # the ones they sponsor
    admin = make_user("admin")
    assert len(rows_of(app, ExportKind.ESCALATIONS, admin, view="all")) == 6


def test_a_manager_exports_only_the_escalations_they_own_or_watch(app, make_user, three_accounts):
    manager = make_user("manager")
    with app.app_context():
        update(Escalation, three_accounts["Alpha"]["critical"], owner_id=manager)
        db.session.commit()
    rows = rows_of(app, ExportKind.ESCALATIONS, manager, view="all")
    assert [row[1] for row in rows] == ["Alpha down"]
    assert [row[0] for row in rows_of(app, ExportKind.ACCOUNTS, manager)] == ["Alpha"]
    with app.app_context():
        db.session.execute(
            sa.insert(escalation_watchers).values(
                escalation_id=three_accounts["Gamma"]["low"], user_id=manager
            )
        )
        db.session.commit()
    rows = rows_of(app, ExportKind.ESCALATIONS, manager, view="all")
    assert sorted(row[1] for row in rows) == ["Alpha down", "Gamma typo"]
    assert [row[0] for row in rows_of(app, ExportKind.ACCOUNTS, manager)] == ["Alpha", "Gamma"]


def test_a_user_who_owns_no_schedules_exports_nothing(app, make_user, three_accounts):
    for roles in (("csm",), ("ae",)):
        user = make_user(*roles)
        for kind in (ExportKind.ESCALATIONS, ExportKind.ACCOUNTS, ExportKind.SPONSORSHIPS):
            assert rows_of(app, kind, user, view="all", status="all") == []
    inactive = make_user("admin", active=False)
    assert rows_of(app, ExportKind.ACCOUNTS, inactive) == []


def test_the_list_pages_filters_apply_and_mine_means_the_owner(app, make_user, three_accounts):
    admin = make_user("admin")
    critical = rows_of(app, ExportKind.ESCALATIONS, admin, view="all", severity="critical")
    assert sorted(row[1] for row in critical) == ["Alpha down", "Beta down", "Gamma down"]
    searched = rows_of(app, ExportKind.ESCALATIONS, admin, view="all", q="typo", sort="oldest")
    assert [row[1] for row in searched] == ["Alpha typo", "Beta typo", "Gamma typo"]
    with app.app_context():
        update(Escalation, three_accounts["Beta"]["low"], owner_id=admin)
        update(Escalation, three_accounts["Gamma"]["low"], status=Status.RESOLVED)
        update(Account, three_accounts["Gamma"]["account"], csm_owner_id=admin, tier=Tier.STRATEGIC)
        db.session.commit()
    mine = rows_of(app, ExportKind.ESCALATIONS, admin, view="mine")
    assert [row[1] for row in mine] == ["Beta typo"]
    open_ones = rows_of(app, ExportKind.ESCALATIONS, admin)  # the list's default view: open
    assert len(open_ones) == 5
    assert [row[0] for row in rows_of(app, ExportKind.ACCOUNTS, admin, owner="me")] == ["Gamma"]
    strategic = rows_of(app, ExportKind.ACCOUNTS, admin, tier="strategic")
    assert [row[0] for row in strategic] == ["Gamma"]
    by_name = rows_of(app, ExportKind.ACCOUNTS, admin, sort="name", direction="desc")
    assert [row[0] for row in by_name] == ["Gamma", "Beta", "Alpha"]


def test_filters_are_cleaned_by_the_list_pages_rules(app):
    with app.test_request_context():
        escalations = KINDS[ExportKind.ESCALATIONS]
        assert escalations.clean_filters(
            {"severity": "bogus", "view": "mine", "q": " outage ", "page": "3"}
        ) == {"view": "mine", "q": "outage", "sort": "newest"}
        accounts = KINDS[ExportKind.ACCOUNTS]
        assert accounts.clean_filters({"owner": "me", "health": "poor", "tier": "x"}) == {
            "owner": "me",
            "health": "poor",
            "sort": "name",
            "direction": "asc",
        }
        sponsorships = KINDS[ExportKind.SPONSORSHIPS]
        assert sponsorships.clean_filters({}) == {"status": "open"}
        assert sponsorships.clean_filters({"status": "nope", "sponsor": "7"}) == {
            "status": "all",
            "sponsor": 7,
        }
        touchpoints = KINDS[ExportKind.TOUCHPOINTS]
        assert touchpoints.clean_filters({"scope": "accounts", "status": "x"}) == {
            "scope": "accounts",
            "status": "planned",
        }
        assert KINDS[ExportKind.PORTFOLIO].clean_filters({"view": "all"}) == {}
        url = urlsplit(kinds.list_url(ExportKind.ESCALATIONS, {"severity": "high"}))
        assert url.path == "/escalations/"
        assert parse_qs(url.query) == {
            "view": ["open"],
            "severity": ["high"],
            "sort": ["newest"],
        }


def test_filter_fields_offer_what_the_list_pages_offer(app, make_user):
    make_user("executive", name="Erin Exec")
    with app.test_request_context():
        anyone = None  # the lists offer everyone the same choices
        fields = {f.name: f for f in KINDS[ExportKind.ESCALATIONS].filter_fields}
        assert fields["q"].choices is None
        assert fields["severity"].choices(anyone)[:2] == [("", "All"), ("critical", "Critical")]
        assert ("breached", "Breached") in fields["view"].choices(anyone)
        sponsors = {f.name: f for f in KINDS[ExportKind.SPONSORSHIPS].filter_fields}
        statuses = sponsors["status"].choices(anyone)
        assert statuses[0] == ("open", "In progress") and statuses[-1] == ("all", "All")
        assert "Erin Exec" in [text for _v, text in sponsors["sponsor"].choices(anyone)]
        owners = {f.name: f for f in KINDS[ExportKind.ACCOUNTS].filter_fields}["owner"]
        assert owners.choices(anyone)[:3] == [("", "Anyone"), ("me", "Me"), ("none", "Nobody")]
    for kind, found in KINDS.items():
        expected = (ExportFormat.PDF,) if kind is ExportKind.PORTFOLIO else kinds.TABLE_FORMATS
        assert found.formats == expected


def test_sponsorship_and_touchpoint_exports(app, make_user, make_account, make_sponsorship):
    executive = make_user("executive", name="Erin Exec")
    other = make_user("executive", name="Oscar Other")
    account = make_account(name="Initech", arr_minor=5_000_000)
    sponsorship = make_sponsorship(
        account,
        status=SponsorshipStatus.ACTIVE,
        sponsor_id=executive,
        started_on=date(2026, 1, 5),
    )
    elsewhere = make_account(name="Hooli")
    with app.app_context():
        users = {u.id: u for u in db.session.scalars(sa.select(User))}
        for where, title, attendees in (
            (account, "QBR", [executive, other]),
            (elsewhere, "Dinner", [executive]),
            (elsewhere, "Not mine", [other]),
        ):
            touchpoint = Touchpoint(
                account_id=where,
                sponsorship_id=sponsorship if where == account else None,
                kind=TouchpointKind.BUSINESS_REVIEW,
                status=TouchpointStatus.COMPLETED,
                starts_at=datetime(2026, 2, 10, 1, 0, tzinfo=UTC),
                title=title,
                outcome="Renewal agreed",
            )
            touchpoint.executives = [users[u] for u in attendees]
            db.session.add(touchpoint)
        db.session.commit()
    rows = rows_of(app, ExportKind.SPONSORSHIPS, executive)
    assert len(rows) == 1
    values = dict(zip([c.key for c in kinds.SPONSORSHIP_COLUMNS], rows[0], strict=True))
    assert values["account"] == "Initech" and values["sponsor"] == "Erin Exec"
    assert values["status"] == "active"  # the stored value; the writers show its label
    assert values["started_on"] == date(2026, 1, 5)
    assert values["arr"] == (5_000_000, "JPY")
    logged = rows_of(app, ExportKind.TOUCHPOINTS, executive, scope="all", status="all")
    titles = {row[2]: row for row in logged}
    assert set(titles) == {"QBR", "Dinner"}  # on their account, or they attended
    assert titles["QBR"][6] in ("Erin Exec, Oscar Other", "Oscar Other, Erin Exec")
    assert titles["QBR"][3] == "Initech"
    admin = make_user("admin")
    assert len(rows_of(app, ExportKind.TOUCHPOINTS, admin, scope="all", status="all")) == 3


# ---- streaming ---------------------------------------------------------------------------


def statements_of(app, kind, owner_id, **filters) -> tuple[list[str], list, int]:
    """The SQL statements an export runs, the yield_per each ran with, and its row count."""
    statements, yields = [], []

    def record(_conn, _cursor, statement, _parameters, context, _many):
        statements.append(statement)
        yields.append(context.execution_options.get("yield_per"))

    with app.test_request_context():
        owner = db.session.get(User, owner_id)
        db.session.expire_all()
        sa.event.listen(db.engine, "before_cursor_execute", record)
        try:
            count = sum(1 for _row in KINDS[kind].rows(schedule(**filters), owner, NOW))
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)
    return statements, yields, count


@pytest.mark.parametrize(
    "kind",
    [ExportKind.ESCALATIONS, ExportKind.ACCOUNTS, ExportKind.SPONSORSHIPS, ExportKind.TOUCHPOINTS],
)
def test_rows_stream_from_one_query_whatever_their_number(
    app, make_user, make_account, make_escalation, make_sponsorship, kind
):
    manager = make_user("manager")
    executive = make_user("executive")

    def add(n):
        with app.app_context():
            users = db.session.get(User, executive)
            for _ in range(n):
                account = make_account()
                escalation = make_escalation(account, owner_id=manager)
                db.session.add(EscalationTag(escalation_id=escalation, name="outage"))
                make_sponsorship(account, status=SponsorshipStatus.ACTIVE, sponsor_id=executive)
                touchpoint = Touchpoint(
                    account_id=account,
                    kind=TouchpointKind.EXECUTIVE_CALL,
                    starts_at=NOW,
                    status=TouchpointStatus.PLANNED,
                )
                touchpoint.executives = [users]
                db.session.add(touchpoint)
            db.session.commit()

    filters = {"view": "all", "status": "all", "scope": "all"}
    add(5)
    few = statements_of(app, kind, manager, **filters)
    add(45)
    many = statements_of(app, kind, manager, **filters)
    assert (few[2], many[2]) == (5, 50)
    assert len(few[0]) == len(many[0])
    assert 1000 in many[1]  # the rows come from a yield_per query


def test_memory_stays_flat_for_a_large_csv(app):
    """Rows are written as they come: 100,000 rows through the CSV writer never hold more
    than a batch (measured with tracemalloc)."""
    import tracemalloc

    columns = KINDS[ExportKind.ESCALATIONS].columns
    row = (
        1,
        "A long escalation title about invoices failing since Monday",
        "Initech",
        Severity.HIGH,
        None,
        Status.NEW,
        None,
        None,
        True,
        "Owner",
        NOW,
        None,
        None,
        None,
        (1_200_000, "JPY"),
        "outage, invoicing",
    )

    def rows(n):
        for i in range(n):
            yield (i, *row[1:])

    class Sink(io.RawIOBase):
        def writable(self):
            return True

        def write(self, data):
            return len(data)

    with app.test_request_context():
        tracemalloc.start()
        writers.write_csv(Sink(), columns, rows(100_000))
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert peak < 5 * 1024 * 1024


# ---- the portfolio brief -----------------------------------------------------------------


def test_the_portfolio_brief_is_rendered_and_recorded_for_its_owner(
    app, make_user, make_account, make_sponsorship
):
    executive = make_user("executive", name="Erin Exec")
    other = make_user("executive", name="Oscar Other")
    admin = make_user("admin")
    manager = make_user("manager")
    account = make_account(name="Initech")
    make_sponsorship(account, status=SponsorshipStatus.ACTIVE, sponsor_id=executive, baseline={})
    with app.test_request_context(base_url="http://localhost/"):
        users = {u.id: u for u in db.session.scalars(sa.select(User))}
        data, pages = kinds.render_portfolio(users[executive], users[executive], NOW)
        assert data.startswith(b"%PDF") and pages >= 1
        data, pages = kinds.render_portfolio(users[executive], users[admin], NOW)
        assert data.startswith(b"%PDF")
        for owner, whose in ((users[other], executive), (users[manager], executive)):
            with pytest.raises(kinds.NotAllowed):
                kinds.render_portfolio(users[whose], owner, NOW)
        with pytest.raises(kinds.NotAllowed):
            kinds.render_portfolio(users[manager], users[admin], NOW)  # not an executive
        db.session.commit()
    with app.app_context():
        briefs = db.session.scalars(sa.select(Brief).order_by(Brief.id)).all()
        assert [(b.kind, b.executive_id, b.generated_by_id) for b in briefs] == [
            (BriefKind.PORTFOLIO, executive, executive),
            (BriefKind.PORTFOLIO, executive, admin),
        ]
        assert str(account) in briefs[0].snapshot
        assert briefs[0].pages >= 1
