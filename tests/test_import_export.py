"""CSV import (preview, per-row errors, one transaction, encodings) and the streamed export."""

import csv
import html
import io
import re
from datetime import date

import sqlalchemy as sa

from app.accounts.models import Account, ImportBatch
from app.audit.models import AuditEvent
from app.extensions import db
from tests.conftest import csrf_token, login

HEADER = "name,domain,tier,arr,currency,health_score,csm_owner_email\n"


def upload(client, raw: bytes, filename="book.csv"):
    token = csrf_token(client, "/accounts/import")
    return client.post(
        "/accounts/import",
        data={"csrf_token": token, "file": (io.BytesIO(raw), filename)},
        content_type="multipart/form-data",
    )


def confirm(client, location):
    token = csrf_token(client, "/profile")
    return client.post(location, data={"csrf_token": token})


def count_accounts(app):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Account.id)))


def test_preview_reports_each_bad_row_and_imports_only_valid_ones(app, client, make_user):
    csm = make_user("csm", email="owner@example.test")
    login(client, app, csm)
    text = HEADER + (
        "Alpha KK,alpha.co.jp,strategic,1000000,JPY,80,owner@example.test\n"
        "Broken,not a domain,platinum,-3,JPY,150,\n"
        "Gamma Inc,gamma.com,growth,2500.50,USD,,owner@example.test\n"
        "Alpha again,alpha.co.jp,growth,1,JPY,,owner@example.test\n"
    )
    response = upload(client, ("\ufeff" + text).encode("utf-8"))
    assert response.status_code == 302
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Rows read: 4. Valid: 2. With errors: 2." in preview
    assert "Enter a domain such as example.co.jp." in preview
    assert "Not a valid choice" in preview  # tier platinum
    assert "The ARR cannot be negative." in preview
    assert "alpha.co.jp is also on line 2 of this file." in preview
    assert "Encoding: utf-8" in preview
    assert count_accounts(app) == 0  # nothing before confirmation

    after = confirm(client, response.headers["Location"])
    assert after.status_code == 302
    with app.app_context():
        rows = db.session.execute(
            sa.select(Account.name, Account.arr_minor, Account.currency).order_by(Account.name)
        ).all()
        assert rows == [("Alpha KK", 1_000_000, "JPY"), ("Gamma Inc", 250_050, "USD")]
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id))) == 2
    again = confirm(client, response.headers["Location"]).headers["Location"]
    assert "already imported" in client.get(again).get_data(as_text=True)
    assert count_accounts(app) == 2


def test_shift_jis_file_from_excel_is_read(app, client, make_user):
    login(client, app, make_user("csm"))
    text = "name,domain,tier\r\n株式会社さくら商事,sakura-shoji.co.jp,enterprise\r\n"
    response = upload(client, text.encode("cp932"))
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Encoding: shift_jis" in preview and "株式会社さくら商事" in preview
    confirm(client, response.headers["Location"])
    assert "株式会社さくら商事" in client.get("/accounts/").get_data(as_text=True)


def test_csm_import_makes_them_the_owner(app, client, make_user):
    csm = make_user("csm")
    login(client, app, csm)
    response = upload(client, b"name,domain\nMine KK,mine.co.jp\n")
    confirm(client, response.headers["Location"])
    with app.app_context():
        assert db.session.scalars(sa.select(Account.csm_owner_id)).one() == csm


def test_csm_cannot_import_accounts_for_someone_else(app, client, make_user):
    make_user("csm", email="other@example.test")
    login(client, app, make_user("csm"))
    response = upload(client, HEADER.encode() + b"X,x.co.jp,growth,1,JPY,,other@example.test\n")
    preview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You can only import accounts you own." in preview
    assert "No row can be imported." in preview


def test_the_batch_is_one_transaction(app, client, make_user, monkeypatch):
    login(client, app, make_user("admin"))
    response = upload(client, b"name,domain\nOne,one.co.jp\nTwo,two.co.jp\n")
    from app.accounts import services

    real = services.create_account
    calls = []

    def fail_on_second(actor, values):
        calls.append(values["domain"])
        if len(calls) == 2:
            raise services.DomainTaken(values["domain"])  # e.g. taken meanwhile
        return real(actor, values)

    monkeypatch.setattr(services, "create_account", fail_on_second)
    after = confirm(client, response.headers["Location"])
    assert "Another account already uses the domain two.co.jp." in client.get(
        after.headers["Location"]
    ).get_data(as_text=True)
    assert count_accounts(app) == 0
    with app.app_context():
        assert db.session.scalars(sa.select(ImportBatch.imported_at)).one() is None


def test_unreadable_files_are_refused_with_a_reason(app, client, make_user):
    login(client, app, make_user("csm"))
    assert "Missing columns: domain" in upload(client, b"name\nA\n").get_data(as_text=True)
    refused = upload(client, b"\xff\xfe\x00\x81\x00")  # a UTF-16 BOM, then an odd byte
    assert refused.status_code == 422
    assert "not text in an encoding that can be read" in refused.get_data(as_text=True)
    assert "Choose a .csv file." in upload(client, b"x", filename="book.xlsx").get_data(
        as_text=True
    )


ACCEPTED = "UTF-8, Shift_JIS (cp932) or UTF-16 with a byte order mark"


def preview_of(client, response) -> str:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_each_encoding_excel_writes_is_read(app, client, make_user):
    login(client, app, make_user("csm"))
    comma = "name,domain\r\n株式会社テスト,test.co.jp\r\n"
    tab = comma.replace(",", "\t")
    for raw, encoding in (
        (comma.encode("utf-8-sig"), "utf-8"),
        (comma.encode("utf-8"), "utf-8"),
        (comma.encode("cp932"), "shift_jis"),
        (tab.encode("utf-16"), "utf-16"),  # Excel's "Unicode text": UTF-16 LE, BOM, tabs
        (tab.encode("utf-16-be").join([b"\xfe\xff", b""]), "utf-16"),
        (tab.encode("cp932"), "shift_jis"),  # Excel's "Text (tab delimited)"
    ):
        preview = preview_of(client, upload(client, raw))
        assert "Rows read: 1. Valid: 1." in preview, encoding
        assert f"Encoding: {encoding}" in preview and "株式会社テスト" in preview
    assert count_accounts(app) == 0


def test_other_japanese_encodings_and_binary_files_are_refused(app, client, make_user):
    login(client, app, make_user("csm"))
    text = "name,domain\n株式会社テスト,test.co.jp\n"
    for raw, found in (
        (text.encode("euc_jp"), "The file is in EUC-JP"),  # decodes as cp932 too, garbled
        ("name,domain\nテスト商事,test.co.jp\n".encode("euc_jp"), "The file is in EUC-JP"),
        (text.encode("iso2022_jp"), "The file is in ISO-2022-JP"),  # valid ASCII, so UTF-8 too
        (text.encode("utf-16-le"), "not text in an encoding"),  # no BOM
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not text in an encoding"),
    ):
        response = upload(client, raw)
        page = html.unescape(response.get_data(as_text=True))
        assert response.status_code == 422, found
        assert found in page and ACCEPTED in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ImportBatch.id))) == 0


def test_a_field_over_the_csv_limit_is_refused_not_an_error_page(app, client, make_user):
    login(client, app, make_user("csm"))
    huge = "x" * (csv.field_size_limit() + 1)
    for raw in (
        f"name,domain,notes\nA,a.co.jp,\nB,b.co.jp,{huge}\n".encode(),
        f'name,domain,notes\nA,a.co.jp,\nB,b.co.jp,"{huge}"\n'.encode(),
        f"name,domain\t{huge}\nA,a.co.jp\n".encode(),
    ):
        response = upload(client, raw)
        assert response.status_code == 422
        assert "a field is longer than 131,072 characters" in response.get_data(as_text=True)
    assert "Line 3: a field is longer" in upload(
        client, f"name,domain,notes\nA,a.co.jp,\nB,b.co.jp,{huge}\n".encode()
    ).get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ImportBatch.id))) == 0


def test_full_width_numbers_and_excel_dates_are_accepted(app, client, make_user):
    login(client, app, make_user("admin"))
    text = (
        "name,domain,arr,renewal_date,health_score,nps\n"
        "Alpha,alpha.co.jp,１２，０００，０００,2026/04/01,８０,－２０\n"
        "Beta,beta.co.jp,12000,２０２６－０４－０１,,\n"
        "Gamma,gamma.co.jp,1,2026/4/1,,\n"
        "Delta,delta.co.jp,1,01/04/2026,abc,\n"
        "Epsilon,epsilon.co.jp,12 万,,,\n"
    )
    preview = preview_of(client, upload(client, text.encode()))
    assert "Rows read: 5. Valid: 3. With errors: 2." in preview
    assert "Renewal date: Use a date like 2026-04-01 or 2026/04/01." in preview
    assert "Health score: Enter a whole number such as 80." in preview
    assert "ARR: Enter a number such as 1200000 or 1200000.50." in preview
    location = upload(client, text.encode()).headers["Location"]
    confirm(client, location)
    with app.app_context():
        rows = db.session.execute(
            sa.select(
                Account.name,
                Account.arr_minor,
                Account.renewal_date,
                Account.health_score,
                Account.nps,
            ).order_by(Account.name)
        ).all()
    assert rows == [
        ("Alpha", 12_000_000, date(2026, 4, 1), 80, -20),
        ("Beta", 12_000, date(2026, 4, 1), None, None),
        ("Gamma", 1, date(2026, 4, 1), None, None),
    ]


def test_an_arr_of_only_spaces_is_a_message_on_the_page_and_zero_in_a_file(
    app, client, make_user, make_account
):
    login(client, app, make_user("admin"))
    preview = preview_of(client, upload(client, b'name,domain,arr\nA,a.co.jp,"   "\n'))
    assert "Rows read: 1. Valid: 1." in preview
    account_id = make_account(domain="spaces.co.jp")
    token = csrf_token(client, f"/accounts/{account_id}/edit")
    response = client.post(
        f"/accounts/{account_id}/edit",
        data={
            "csrf_token": token,
            "version": "1",
            "name": "Spaces",
            "domain": "spaces.co.jp",
            "tier": "growth",
            "arr": "   ",
            "currency": "JPY",
            "status": "active",
            "renewal_date": "2026/04/01",
            "csm_owner_id": "",
            "ae_owner_id": "",
        },
    )
    assert response.status_code == 422
    assert "Enter the ARR (0 if none)." in response.get_data(as_text=True)


def test_someone_elses_batch_is_not_visible(app, client, make_user):
    owner = app.test_client()
    login(owner, app, make_user("csm"))
    location = upload(owner, b"name,domain\nA,a.co.jp\n").headers["Location"]
    login(client, app, make_user("csm"))
    assert client.get(location).status_code == 403


def test_export_is_the_filtered_list_with_a_bom(app, client, make_user, make_account):
    login(client, app, make_user("manager"))
    make_account(name="東京商事", domain="tokyo.co.jp", tier="strategic", arr_minor=5_000_000)
    make_account(name="Other", domain="other.com", tier="growth", currency="USD", arr_minor=12345)
    response = client.get("/accounts/export.csv?tier=strategic")
    body = response.get_data()
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert [(r["Name"], r["ARR"], r["Currency"]) for r in rows] == [("東京商事", "5000000", "JPY")]


def test_export_header_is_in_the_readers_language_and_imports_back(
    app, client, make_user, make_account
):
    login(client, app, make_user("admin", locale="ja"))
    make_account(name="東京商事", domain="tokyo.co.jp", renewal_date=date(2027, 4, 1))
    exported = client.get("/accounts/export.csv").get_data()
    header = exported.decode("utf-8-sig").splitlines()[0].split(",")
    assert header[:3] == ["名前", "ドメイン", "業種"] and "更新日" in header
    with app.app_context():
        db.session.execute(sa.delete(Account))
        db.session.commit()
    location = upload(client, exported).headers["Location"]
    assert "東京商事" in client.get(location).get_data(as_text=True)
    confirm(client, location)
    with app.app_context():
        assert db.session.execute(sa.select(Account.name, Account.renewal_date)).one() == (
            "東京商事",
            date(2027, 4, 1),
        )


def test_headers_in_either_language_or_as_machine_names_are_recognised(app, client, make_user):
    login(client, app, make_user("admin"))  # an English reader importing a Japanese file
    for header in (
        "名前,ドメイン,更新日,ヘルススコア",
        "Name,Domain,Renewal date,Health score",
        "name,domain,renewal_date,health_score",
        " NAME , Domain ,RENEWAL DATE,health score",
    ):
        text = header + "\n東京商事,tokyo.co.jp,2027/04/01,55\n"
        preview = preview_of(client, upload(client, text.encode()))
        assert "Rows read: 1. Valid: 1." in preview, header
    location = upload(client, "名前,ドメイン,更新日\nA,a.co.jp,2027/04/01\n".encode()).headers[
        "Location"
    ]
    confirm(client, location)
    with app.app_context():
        assert db.session.scalars(sa.select(Account.renewal_date)).one() == date(2027, 4, 1)


def test_exported_file_imports_back(app, client, make_user, make_account):
    admin = make_user("admin")
    login(client, app, admin)
    make_account(name="Round Trip", domain="round.co.jp", currency="USD", arr_minor=123456)
    exported = client.get("/accounts/export.csv").get_data()
    with app.app_context():
        db.session.execute(sa.delete(Account))
        db.session.commit()
    location = upload(client, exported).headers["Location"]
    assert re.search(r"Rows read: 1. Valid: 1.", client.get(location).get_data(as_text=True))
    confirm(client, location)
    with app.app_context():
        assert db.session.scalars(sa.select(Account.arr_minor)).one() == 123456


def test_formula_like_cells_are_neutralised_and_round_trip(app, client, make_user, make_account):
    login(client, app, make_user("admin"))
    make_account(name='=HYPERLINK("http://x")', domain="formula.co.jp", notes="-5 days")
    exported = client.get("/accounts/export.csv").get_data().decode("utf-8-sig")
    assert "'=HYPERLINK" in exported and "'-5 days" in exported
    with app.app_context():
        db.session.execute(sa.delete(Account))
        db.session.commit()
    location = upload(client, exported.encode()).headers["Location"]
    confirm(client, location)
    with app.app_context():
        assert db.session.execute(sa.select(Account.name, Account.notes)).one() == (
            '=HYPERLINK("http://x")',
            "-5 days",
        )
