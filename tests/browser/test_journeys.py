"""Journeys through the UI as a person makes them: by visible labels, roles and texts."""

import re

import sqlalchemy as sa
from playwright.sync_api import expect

from app.accounts.models import Account
from app.extensions import db


def account_count(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(Account.id)))


def audit_history(page):
    return page.locator("section").filter(has=page.get_by_role("heading", name="Audit history"))


def field_of(page, label):
    """The form field around the labelled control: its label, control, help and errors."""
    return page.get_by_label(label, exact=True).locator("xpath=..")


# 1 ---------------------------------------------------------------------------------------


def test_sign_in_with_wrong_then_right_password(page, make_user):
    make_user("csm", email="aiko@example.test", name="Aiko Mori")

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login"))
    page.get_by_label("E-mail", exact=True).fill("aiko@example.test")
    page.get_by_label("Password", exact=True).fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("alert")).to_have_text("The e-mail or password is incorrect.")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/login"))
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)

    page.get_by_label("Password", exact=True).fill("correct-horse-1")
    page.get_by_role("button", name="Sign in").click()

    # Signed in, the day starts on Today (issue 14).
    expect(page.get_by_role("heading", name="Today for Aiko Mori")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("link", name="Aiko Mori")).to_be_visible()


# 2 ---------------------------------------------------------------------------------------


def test_create_account_add_contact_edit_and_see_history(page, make_user, sign_in):
    csm = make_user("csm", name="Keiko Tanaka")
    sign_in(page, csm)
    page.goto("/accounts/")  # sign-in lands on Today (issue 14)

    page.get_by_role("link", name="New account").first.click()
    expect(page.get_by_role("heading", name="New account")).to_be_visible()
    page.get_by_label("Name", exact=True).fill("株式会社テスト商事")
    page.get_by_label("Domain", exact=True).fill("https://www.Test-Shoji.co.jp/about")
    page.get_by_label("Tier", exact=True).select_option(label="Strategic")
    page.get_by_label("ARR", exact=True).fill("12,000,000")
    page.get_by_label("Currency", exact=True).select_option("JPY")
    page.get_by_label("Renewal date", exact=True).fill("2027-03-31")
    page.get_by_label("Health score", exact=True).fill("72")
    owner = page.get_by_label("CSM owner", exact=True)
    expect(owner).to_have_value(str(csm))  # preselected: the CSM creating it
    owner.select_option(label="Keiko Tanaka")
    page.get_by_role("button", name="Save account").click()

    expect(page.get_by_role("heading", name="株式会社テスト商事")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("Account 株式会社テスト商事 created.")
    domain = page.get_by_role("paragraph").filter(has_text=re.compile(r"^test-shoji\.co\.jp$"))
    expect(domain).to_be_visible()  # the typed URL was reduced to its domain
    details = page.get_by_role("region", name="Details")
    expect(details).to_contain_text("¥12,000,000")
    expect(details).to_contain_text("Strategic")
    expect(details).to_contain_text("Keiko Tanaka")
    expect(page.get_by_title("Health score")).to_have_text("72")

    page.get_by_role("link", name="Add contact").click()
    expect(page.get_by_role("heading", name="New contact")).to_be_visible()
    page.get_by_label("Name", exact=True).fill("佐藤 花子")
    page.get_by_label("Title", exact=True).fill("CIO")
    page.get_by_label("E-mail", exact=True).fill("hanako.sato@test-shoji.co.jp")
    page.get_by_label("Role", exact=True).select_option(label="Champion")
    page.get_by_role("button", name="Save contact").click()

    expect(page.get_by_role("status")).to_have_text("Contact 佐藤 花子 added.")
    contacts = page.get_by_role("region", name="Contacts")
    expect(contacts.get_by_role("link", name="佐藤 花子")).to_be_visible()
    expect(contacts).to_contain_text("Champion")
    expect(contacts.get_by_role("link", name="hanako.sato@test-shoji.co.jp")).to_be_visible()

    page.get_by_role("link", name="Edit account").click()
    expect(page.get_by_role("heading", name="Edit 株式会社テスト商事")).to_be_visible()
    expect(page.get_by_label("Health score", exact=True)).to_have_value("72")
    expect(page.get_by_label("ARR", exact=True)).to_have_value("12000000")
    page.get_by_label("Health score", exact=True).fill("85")
    page.get_by_label("ARR", exact=True).fill("15000000")
    page.get_by_role("button", name="Save account").click()

    expect(page.get_by_role("status")).to_have_text("Account 株式会社テスト商事 saved.")
    expect(page.get_by_title("Health score")).to_have_text("85")
    expect(details).to_contain_text("¥15,000,000")

    history = audit_history(page)
    change = history.get_by_role("row").filter(has_text="Changed account")
    expect(change).to_have_count(1)
    expect(change).to_contain_text("Keiko Tanaka")
    expect(change).to_contain_text(re.compile(r"Health score\s*72 → 85"))
    expect(change).to_contain_text(re.compile(r"ARR\s*¥12,000,000 → ¥15,000,000"))
    expect(change).not_to_contain_text("Domain")  # only what changed
    contact_row = history.get_by_role("row").filter(has_text="Created contact")
    expect(contact_row).to_contain_text("佐藤 花子")
    expect(contact_row).to_contain_text("hanako.sato@test-shoji.co.jp")
    expect(history.get_by_role("row").filter(has_text="Created account")).to_have_count(1)

    timeline = page.get_by_role("region", name="Timeline")
    expect(timeline.get_by_text("Health score 72 → 85")).to_be_visible()
    expect(timeline.get_by_text("Account created")).to_be_visible()


# 3 ---------------------------------------------------------------------------------------


def test_new_account_with_errors_shows_them_by_the_fields_and_saves_nothing(
    app, page, make_user, sign_in
):
    sign_in(page, make_user("csm"))
    page.goto("/accounts/")  # sign-in lands on Today (issue 14)
    expect(page.get_by_text("No accounts yet.")).to_be_visible()

    page.get_by_role("link", name="New account").first.click()
    page.get_by_label("Domain", exact=True).fill("not a domain")
    page.get_by_label("Health score", exact=True).fill("55")
    page.get_by_role("button", name="Save account").click()

    expect(page.get_by_role("heading", name="New account")).to_be_visible()
    name = page.get_by_label("Name", exact=True)
    domain = page.get_by_label("Domain", exact=True)
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(domain).to_have_attribute("aria-invalid", "true")
    expect(field_of(page, "Name").get_by_role("alert")).to_have_text("This field is required.")
    expect(field_of(page, "Domain").get_by_role("alert")).to_have_text(
        "Enter a domain such as example.co.jp."
    )
    expect(page.get_by_role("alert")).to_have_count(2)  # no other field complains
    expect(domain).to_have_value("not a domain")  # what was typed is kept
    expect(page.get_by_label("Health score", exact=True)).to_have_value("55")
    assert account_count(app) == 0

    page.get_by_role("link", name="Accounts", exact=True).first.click()
    expect(page.get_by_role("heading", name="Accounts")).to_contain_text("0")
    expect(page.get_by_text("No accounts yet.")).to_be_visible()


# 4 ---------------------------------------------------------------------------------------


def test_second_save_of_a_stale_form_is_refused_and_shows_the_saved_values(
    new_page, make_user, make_account, sign_in
):
    csm = make_user("csm", name="Keiko Tanaka")
    ae = make_user("ae", name="Ken Watanabe")
    account = make_account(name="Conflict KK", csm_owner_id=csm, ae_owner_id=ae, health_score=70)

    first, second = new_page(), new_page()
    sign_in(first, csm)
    sign_in(second, ae)
    for page in (first, second):
        page.goto(f"/accounts/{account}/edit")
        expect(page.get_by_label("Health score", exact=True)).to_have_value("70")

    first.get_by_label("Health score", exact=True).fill("40")
    first.get_by_role("button", name="Save account").click()
    expect(first.get_by_role("status")).to_have_text("Account Conflict KK saved.")

    second.get_by_label("Health score", exact=True).fill("90")
    second.get_by_label("Industry", exact=True).fill("Retail")
    second.get_by_role("button", name="Save account").click()

    expect(second.get_by_role("alert")).to_contain_text(
        "Someone else changed this record while you were editing it. Nothing was saved."
    )
    expect(field_of(second, "Health score")).to_contain_text("Saved value: 40")
    expect(field_of(second, "Industry")).to_contain_text("Saved value: Software")
    expect(second.get_by_label("Health score", exact=True)).to_have_value("90")  # kept
    expect(second.get_by_label("Industry", exact=True)).to_have_value("Retail")

    first.reload()  # the first user's change is what is saved
    expect(first.get_by_title("Health score")).to_have_text("40")
    expect(first.get_by_role("region", name="Details")).not_to_contain_text("Retail")
    changes = audit_history(first).get_by_role("row").filter(has_text="Changed account")
    expect(changes).to_have_count(1)
    expect(changes).to_contain_text("Keiko Tanaka")

    # Having seen the saved values, the second user saves again on purpose: it now goes in.
    second.get_by_role("button", name="Save account").click()
    expect(second.get_by_role("status")).to_have_text("Account Conflict KK saved.")
    expect(second.get_by_title("Health score")).to_have_text("90")
    changes = audit_history(second).get_by_role("row").filter(has_text="Changed account")
    expect(changes).to_have_count(2)
    expect(changes.first).to_contain_text("Ken Watanabe")
    expect(changes.first).to_contain_text(re.compile(r"Health score\s*40 → 90"))


# 5 ---------------------------------------------------------------------------------------

CSV_HEADER = "name,domain,industry,tier,arr,currency,renewal_date,health_score\r\n"


def upload(page, path):
    page.get_by_role("link", name="Import CSV").first.click()
    expect(page.get_by_role("heading", name="Import accounts from CSV")).to_be_visible()
    page.get_by_label("CSV file", exact=True).set_input_files(str(path))
    page.get_by_role("button", name="Check file").click()


def test_csv_import_leaves_out_the_bad_row(app, page, make_user, sign_in, tmp_path):
    rows = (
        "Alpha Trading,alpha.example.com,Retail,enterprise,1200000,JPY,2027-01-31,80\r\n"
        "Beta Systems,beta.example.com,Software,growth,-5,JPY,2027-02-28,60\r\n"
        "Gamma Foods,gamma.example.com,Food,strategic,2500.50,USD,,45\r\n"
    )
    path = tmp_path / "accounts.csv"
    path.write_bytes((CSV_HEADER + rows).encode("utf-8-sig"))
    sign_in(page, make_user("csm"))
    page.goto("/accounts/")  # sign-in lands on Today (issue 14)

    upload(page, path)

    expect(page.get_by_role("heading", name="Preview of accounts.csv")).to_be_visible()
    expect(page.get_by_text("Rows read: 3. Valid: 2. With errors: 1.")).to_be_visible()
    expect(page.get_by_text("(Encoding: utf-8)")).to_be_visible()
    bad = page.get_by_role("row").filter(has_text="Beta Systems")
    expect(bad.get_by_role("cell").first).to_have_text("3")
    expect(bad).to_contain_text("ARR: The ARR cannot be negative.")
    for good in ("Alpha Trading", "Gamma Foods"):
        expect(page.get_by_role("row").filter(has_text=good)).to_contain_text("OK")
    assert account_count(app) == 0  # nothing before the confirmation

    page.get_by_role("button", name="Import 2 valid rows").click()

    expect(page.get_by_role("status")).to_have_text("2 accounts imported.")
    expect(page.get_by_role("heading", name="Accounts")).to_contain_text("2")
    expect(page.get_by_role("link", name="Alpha Trading")).to_be_visible()
    expect(page.get_by_role("link", name="Gamma Foods")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="Gamma Foods")).to_contain_text("$2,500.50")
    expect(page.get_by_text("Beta Systems")).to_have_count(0)


def test_csv_import_reads_shift_jis(page, make_user, sign_in, tmp_path):
    rows = (
        "株式会社さくら精機,sakura-seiki.co.jp,製造,enterprise,30000000,JPY,2027-06-30,75\r\n"
        "東京ソフトウェア合同会社,tokyo-soft.jp,ソフトウェア,growth,4800000,JPY,,55\r\n"
    )
    path = tmp_path / "sjis.csv"
    path.write_bytes((CSV_HEADER + rows).encode("cp932"))
    sign_in(page, make_user("csm"))
    page.goto("/accounts/")  # sign-in lands on Today (issue 14)

    upload(page, path)

    expect(page.get_by_text("Rows read: 2. Valid: 2. With errors: 0.")).to_be_visible()
    expect(page.get_by_text("(Encoding: shift_jis)")).to_be_visible()
    expect(page.get_by_role("cell", name="株式会社さくら精機")).to_be_visible()
    page.get_by_role("button", name="Import 2 valid rows").click()

    expect(page.get_by_role("status")).to_have_text("2 accounts imported.")
    expect(page.get_by_role("link", name="株式会社さくら精機")).to_be_visible()
    page.get_by_role("link", name="東京ソフトウェア合同会社").click()
    expect(page.get_by_role("heading", name="東京ソフトウェア合同会社")).to_be_visible()
    expect(page.get_by_text("tokyo-soft.jp · ソフトウェア")).to_be_visible()


# 6 ---------------------------------------------------------------------------------------


def test_deleting_an_account_asks_first(app, page, make_user, make_account, sign_in):
    account = make_account(name="Doomed Ltd")
    sign_in(page, make_user("admin"))
    page.goto(f"/accounts/{account}")
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)

    questions = []

    def dismiss(dialog):
        questions.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.get_by_role("button", name="Delete account").click()
    page.reload()  # a submitted form would have been sent before this navigation

    assert questions == [
        "Delete Doomed Ltd with its contacts and timeline? The audit history is kept."
    ]
    assert posts == []
    expect(page.get_by_role("heading", name="Doomed Ltd")).to_be_visible()
    assert account_count(app) == 1

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete account").click()

    expect(page.get_by_role("status")).to_have_text("Account Doomed Ltd deleted.")
    expect(page.get_by_role("heading", name="Accounts")).to_be_visible()
    expect(page.get_by_text("No accounts yet.")).to_be_visible()
    assert account_count(app) == 0
    page.go_back()
    page.goto(f"/accounts/{account}")
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()


# 7 ---------------------------------------------------------------------------------------


def test_deactivated_user_is_signed_out_of_an_open_session(new_page, make_user, sign_in):
    user = make_user("csm", name="Taro Suzuki", email="taro@example.test")
    admin = make_user("admin", name="Admin Ito")
    theirs, admins = new_page(), new_page()
    sign_in(theirs, user)
    expect(theirs.get_by_role("heading", name="Today for Taro Suzuki")).to_be_visible()
    sign_in(admins, admin)

    admins.goto(f"/admin/users/{user}")
    expect(admins.get_by_role("heading", name="Taro Suzuki")).to_be_visible()
    admins.once("dialog", lambda dialog: dialog.accept())
    admins.get_by_role("button", name="Deactivate").click()
    expect(admins.get_by_role("status")).to_have_text(
        "taro@example.test is deactivated and signed out everywhere."
    )
    expect(admins.get_by_text("Deactivated", exact=True)).to_be_visible()

    theirs.get_by_role("link", name="Taro Suzuki").click()  # their next click: the profile
    expect(theirs).to_have_url(re.compile(r"/login"))
    expect(theirs.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(theirs.get_by_role("button", name="Sign out")).to_have_count(0)

    theirs.get_by_label("E-mail", exact=True).fill("taro@example.test")
    theirs.get_by_label("Password", exact=True).fill("correct-horse-1")
    theirs.get_by_role("button", name="Sign in").click()
    expect(theirs.get_by_role("alert")).to_have_text("The e-mail or password is incorrect.")
