"""Knowledge search quality: a labelled set of queries over a fixed corpus of notes, in Japanese
and English, and the precision of the first five results the search page shows.

For each query the labels name the notes that answer it. Precision at 5 is the share of the
results shown in the first five (fewer when fewer match) that are labelled relevant, averaged
over the queries; recall at 5 is the share of the labelled notes (at most five) found there.
The floors are the figures measured when the set was written (precision 0.984, recall 0.812,
first result relevant for every query; SQLite and PostgreSQL give the same lists): a change to
the analyser or the ranking that loses precision fails. Recall is below 1 on purpose: some
labelled notes answer the query in the other language (文字化け / mojibake), which the search
does not translate.

Also here: the analyser's own rules (normalised forms, two-character words, the loanword map
that joins キャンセル to cancel but not to 解約, English stems), on their own.
"""

import threading

import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.extensions import db
from app.knowledge import analysis, services
from app.knowledge.models import KnowledgeNote

# key: (title, symptoms, resolution, tags)
CORPUS = {
    "ja_churn_procedure": (
        "解約の手続き方法がわからない",
        "お客様から、管理画面のどこから解約できるのか分からないとの問い合わせ。",
        "解約は契約管理者のみが契約ページから申請できる。権限の付与方法を案内した。",
        "解約, 契約",
    ),
    "ja_churn_year_end": (
        "年度末での解約申し出への対応",
        "予算削減のため年度末で解約したいと担当役員から連絡があった。",
        "利用状況レポートを提示し、席数を減らしたプランへの変更を提案して継続となった。",
        "解約, 更新",
    ),
    "ja_double_invoice": (
        "請求書が二重に発行された",
        "同じ月の請求書が二通届き、二重に請求されているとの指摘。",
        "月次バッチの再実行が原因。片方の請求書を取り消し、お詫びの連絡をした。",
        "請求",
    ),
    "ja_invoice_amount": (
        "請求額が契約内容と異なる",
        "今月の請求額が見積もりより高いとの問い合わせ。",
        "追加ユーザー分の日割り計算が含まれていた。明細を送付して説明した。",
        "請求",
    ),
    "ja_billing_address": (
        "請求先住所の変更が反映されない",
        "本社移転後も古い住所宛に請求書が送られてくる。",
        "請求先は契約情報とは別に管理されている。請求先設定を更新した。",
        "請求, 住所",
    ),
    "ja_outage_login": (
        "大規模障害でログインできない",
        "朝9時から全ユーザーがログインできず、業務が止まっているとの連絡。",
        "認証サーバーの障害。復旧後に障害報告書を提出した。",
        "障害, ログイン",
    ),
    "ja_outage_api": (
        "APIの障害で外部連携が停止",
        "基幹システムとのデータ連携が夜間に失敗し続けている。",
        "API基盤の障害が原因。復旧後に未送信分を再送した。",
        "障害, api",
    ),
    "ja_signup_form_error": (
        "申込フォームでエラーが出る",
        "新規の申込フォームで送信ボタンを押すとエラーになる。",
        "会社名に使えない記号が含まれていた。入力チェックを緩和した。",
        "申込",
    ),
    "ja_signup_no_mail": (
        "申し込み後の確認メールが届かない",
        "オンラインで申し込みをしたが確認メールが来ないとの問い合わせ。",
        "迷惑メールフォルダに振り分けられていた。送信ドメインの設定を案内した。",
        "申込, メール",
    ),
    "ja_order_cancel": (
        "注文のキャンセルが反映されない",
        "注文をキャンセルしたのに出荷されてしまった。",
        "キャンセル処理と出荷バッチの競合。出荷前にキャンセル状態を確認するよう修正した。",
        "注文",
    ),
    "ja_cancel_fee": (
        "キャンセル料の返金について",
        "イベントの予約をキャンセルしたが、キャンセル料が高すぎるとの苦情。",
        "規約どおりだが、初回のため半額を返金した。",
        "返金",
    ),
    "ja_password_mail": (
        "パスワード再設定のメールが届かない",
        "パスワードを忘れたので再設定しようとしたがメールが届かない。",
        "メールアドレスの打ち間違い。管理者がアドレスを修正した。",
        "パスワード",
    ),
    "ja_export_slow": (
        "CSVエクスポートが遅い",
        "大量の取引先をエクスポートすると数分かかる。",
        "夜間の定期エクスポートを案内した。",
        "エクスポート",
    ),
    "ja_card_payment": (
        "クレジットカードの支払いが失敗する",
        "カード決済でお支払いができないとの連絡。",
        "カードの有効期限切れ。新しいカードの登録方法を案内した。",
        "支払い",
    ),
    "ja_mojibake": (
        "データ移行で文字化けが発生",
        "旧システムから移行した顧客名が文字化けしている。",
        "CSVの文字コードがShift_JISだった。UTF-8で再取り込みした。",
        "移行",
    ),
    "ja_sso_login": (
        "SSO設定後にログインできない",
        "シングルサインオンを有効にしてから一部の社員がログインできない。",
        "IdP側のメールアドレスが一致していなかった。属性の対応付けを修正した。",
        "sso, ログイン",
    ),
    "ja_report_numbers": (
        "レポートの数値が画面と合わない",
        "月次レポートの件数が一覧画面の件数と一致しない。",
        "レポートは前日時点の集計。集計時刻を画面に表示した。",
        "レポート",
    ),
    "ja_permission": (
        "権限エラーで画面が開けない",
        "異動した社員が取引先の画面を開くと権限エラーになる。",
        "ロールの変更が反映されていなかった。再ログインで解消。",
        "権限",
    ),
    "ja_vpn": (
        "VPN接続が不安定",
        "在宅勤務の社員からVPN経由だと頻繁に切断されるとの連絡。",
        "タイムアウト設定を延長した。",
        "ネットワーク",
    ),
    "ja_renewal_quote": (
        "契約更新の見積もり依頼",
        "来期の契約更新に向けて見積書がほしいとの依頼。",
        "席数の見直しを含めた見積書を営業から送付した。",
        "更新, 見積",
    ),
    "en_cancelled_order": (
        "Cancelled orders still shipped",
        "The customer cancelled two orders but both were shipped the next day.",
        "The shipping batch ran before the cancellation was saved. Batch now checks order "
        "status first.",
        "orders",
    ),
    "en_cancel_subscription": (
        "Customer asks how to cancel their subscription",
        "The admin cannot find where to cancel the subscription in the settings.",
        "Only the billing owner sees the Cancel subscription button. Explained how to transfer "
        "billing ownership.",
        "subscription",
    ),
    "en_booking_refund": (
        "Refund after a booking cancellation",
        "A booking was cancelled within the free period but the card was still charged.",
        "The payment provider captured the charge before the cancellation. Refunded in full.",
        "refund",
    ),
    "en_double_billing": (
        "Customer billed twice for the same invoice",
        "The customer was billed twice for the March invoice.",
        "A retried payment job created a second charge. Refunded the duplicate.",
        "billing",
    ),
    "en_invoice_pdf": (
        "Invoice PDF download fails",
        "Downloading an invoice as PDF shows an error page.",
        "Fonts for Japanese names were missing on the PDF server. Installed them.",
        "billing, pdf",
    ),
    "en_dashboard_outage": (
        "Dashboard outage after the deploy",
        "The dashboard showed a blank page for all users for an hour.",
        "A faulty release was rolled back; a health check now blocks such deploys.",
        "outage",
    ),
    "en_login_loop": (
        "Login loop after SSO change",
        "Users are sent back to the login page again and again after the SSO change.",
        "The session cookie domain was wrong. Fixed the cookie settings.",
        "sso, login",
    ),
    "en_password_reset": (
        "Password reset email never arrives",
        "A user requested a password reset several times and received nothing.",
        "The mail server rejected the messages as spam. Added the sending domain to SPF.",
        "password, email",
    ),
    "en_export_timeout": (
        "CSV export times out on large accounts",
        "Exporting all contacts of a large account ends in a timeout.",
        "Exports now run in the background and are e-mailed when ready.",
        "export",
    ),
    "en_rate_limit": (
        "API rate limit errors",
        "The integration receives 429 errors during the nightly sync.",
        "Raised the limit for the account and added back-off to the connector.",
        "api",
    ),
    "en_signup_company_name": (
        "Sign-up form rejects valid company names",
        "Company names with an ampersand are refused by the sign-up form.",
        "Relaxed the name validation.",
        "signup",
    ),
    "en_card_declined": (
        "Card payments declined",
        "Several card payments were declined although the cards were valid.",
        "The fraud filter was too strict for foreign cards. Adjusted its threshold.",
        "payment",
    ),
    "en_import_mojibake": (
        "Import mangles Japanese characters",
        "Japanese customer names turn into mojibake after a CSV import.",
        "The file was in Shift_JIS. The importer now detects the encoding.",
        "import",
    ),
    "en_report_permissions": (
        "Users cannot open reports after a role change",
        "After their role changed, users get a permission error on reports.",
        "Cached permissions were not refreshed. Signing out and in again fixes it.",
        "permissions",
    ),
    "en_bounced_notifications": (
        "Notification emails bounce",
        "Notification emails to one customer domain bounce back.",
        "Their mail gateway blocked our new IP address. They allow-listed it.",
        "email",
    ),
    "en_slow_search": (
        "Account search is slow",
        "Searching accounts by name takes several seconds.",
        "Added an index for the search.",
        "performance",
    ),
    "en_timezone": (
        "Due dates off by one day",
        "Due dates show one day earlier for users in Tokyo.",
        "Dates were computed in UTC. They now use the user's time zone.",
        "timezone",
    ),
    "en_renewal_currency": (
        "Renewal quote in the wrong currency",
        "The renewal quote for a Japanese customer was in US dollars.",
        "The quote template ignored the account currency. Fixed the template.",
        "renewal",
    ),
    "en_sla_breach": (
        "SLA breach notifications not sent",
        "Nobody was told when the first response SLA was breached.",
        "The sweep job had stopped. It is now monitored.",
        "sla",
    ),
    "en_mobile_crash": (
        "Mobile app crashes on launch",
        "The mobile app closes right after it opens on older phones.",
        "An update for the old OS version was released.",
        "mobile",
    ),
}

CANCELLING = {
    "ja_order_cancel",
    "ja_cancel_fee",
    "en_cancelled_order",
    "en_cancel_subscription",
    "en_booking_refund",
}
CHURN = {"ja_churn_procedure", "ja_churn_year_end"}
INVOICES = {"ja_double_invoice", "ja_invoice_amount", "ja_billing_address"}
SIGNUP = {"ja_signup_form_error", "ja_signup_no_mail"}

# query: the notes that should come first
LABELLED = {
    "解約": CHURN,
    "請求": INVOICES,
    "障害": {"ja_outage_login", "ja_outage_api"},
    "申し込み": SIGNUP,
    "申込": SIGNUP,
    "キャンセル": CANCELLING,
    "cancellation": CANCELLING,
    "二重請求": {"ja_double_invoice", "en_double_billing"},
    "password reset": {"ja_password_mail", "en_password_reset"},
    "ログインできない": {"ja_outage_login", "ja_sso_login", "en_login_loop"},
    "invoice": {"en_double_billing", "en_invoice_pdf"},
    "export timeout": {"en_export_timeout", "ja_export_slow"},
    "文字化け": {"ja_mojibake", "en_import_mojibake"},
    "card payments declined": {"en_card_declined", "ja_card_payment"},
    "お支払い": {"ja_card_payment"},
    "請求書の再発行": {"ja_double_invoice", "ja_billing_address"},
}
PRECISION_FLOOR = 0.98
RECALL_FLOOR = 0.8
FIRST_HIT_FLOOR = 1.0


@pytest.fixture
def corpus(app, make_user):
    """The labelled corpus, written through the service; {note id: key}."""
    author_id = make_user("csm")
    with app.app_context():
        author = db.session.get(User, author_id)
        keys = {}
        for key, (title, symptoms, resolution, tags) in CORPUS.items():
            values = {"title": title, "symptoms": symptoms, "resolution": resolution}
            note = services.create_note(author, values, tags.split(","))
            keys[note.id] = key
        db.session.commit()
    return keys


def shown(app, corpus, query: str) -> list[str]:
    """The keys of the first five notes the search page lists for the query."""
    with app.test_request_context():
        page, _matched = services.note_list(query, 1)
        return [corpus[note.id] for note in page.items[:5]]


def test_precision_at_5_of_the_labelled_queries(app, corpus):
    precisions, recalls, first_hits, lines = [], [], [], []
    for query, relevant in LABELLED.items():
        top = shown(app, corpus, query)
        hits = [key for key in top if key in relevant]
        precisions.append(len(hits) / len(top) if top else 0.0)
        recalls.append(len(hits) / min(5, len(relevant)))
        first_hits.append(bool(top) and top[0] in relevant)
        lines.append(f"{query}: {top}")
    precision = sum(precisions) / len(precisions)
    recall = sum(recalls) / len(recalls)
    first = sum(first_hits) / len(first_hits)
    report = "\n".join(lines)
    print(f"\nprecision@5 {precision:.3f} recall@5 {recall:.3f} first hit {first:.3f}\n{report}")
    assert len(LABELLED) >= 12
    assert precision >= PRECISION_FLOOR, report
    assert recall >= RECALL_FLOOR, report
    assert first >= FIRST_HIT_FLOOR, report


def test_two_character_words_find_their_compounds_and_nothing_else(app, corpus):
    assert set(shown(app, corpus, "請求")) == INVOICES
    assert set(shown(app, corpus, "解約")) == CHURN
    assert set(shown(app, corpus, "障害")) == {"ja_outage_login", "ja_outage_api"}


def test_cancel_and_churn_are_different_words(app, corpus):
    """キャンセル is the loanword of cancel: it finds the English notes about cancelling and the
    Japanese ones about キャンセル, never those about 解約 (ending a contract)."""
    assert set(shown(app, corpus, "キャンセル")) == CANCELLING
    assert not set(shown(app, corpus, "キャンセル")) & CHURN
    assert not set(shown(app, corpus, "解約")) & CANCELLING
    assert set(shown(app, corpus, "cancelled")) == CANCELLING


def test_both_spellings_of_moushikomi_find_both_notes(app, corpus):
    assert set(shown(app, corpus, "申し込み")) == SIGNUP
    assert set(shown(app, corpus, "申込み")) == SIGNUP
    assert set(shown(app, corpus, "申込")) == SIGNUP


def test_the_stored_index_holds_exactly_the_analysed_terms(app, corpus):
    """PostgreSQL splits the stored terms with the 'simple' configuration: every term must come
    back as itself (Japanese included), or a search could never find it."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            rows = db.session.execute(sa.text("SELECT count(*) FROM knowledge_fts")).scalar()
            assert rows == len(CORPUS)
            return
        for note in db.session.scalars(sa.select(KnowledgeNote)):
            stored = db.session.execute(
                sa.text(
                    "SELECT tsvector_to_array(search_vector) FROM knowledge_notes WHERE id = :i"
                ),
                {"i": note.id},
            ).scalar()
            terms = set((note.title_terms + " " + note.body_terms).split())
            assert set(stored) == terms, note.title


# The analyser on its own -------------------------------------------------------------------


def terms(text: str) -> list[str]:
    return analysis.index_terms(text).split()


def test_normalised_forms_join_spellings():
    assert terms("申し込み") == terms("申込") == terms("申込み")
    assert terms("つながらない") == terms("繋がらない") == ["繋がる"]


def test_particles_auxiliaries_and_punctuation_are_dropped():
    assert terms("サービス障害でログインできませんでした。") == ["サービス", "障害", "login"]


def test_a_compound_is_indexed_with_its_parts():
    assert terms("請求書") == ["請求書", "請求"]
    groups = analysis.query_groups("請求書")
    assert groups == [analysis.Group("請求書", ("請求",))]


def test_english_forms_of_a_word_are_one_term():
    forms = ["cancel", "cancels", "cancelled", "canceled", "cancelling", "cancellation"]
    assert {analysis.stem(word) for word in forms} == {"cancel"}
    assert terms("The invoices were billed") == ["invoic", "bil"]
    assert terms("Ｅｒｒｏｒ ５００") == ["error", "500"]


def test_the_loanword_of_cancel_is_cancel_and_churn_is_not():
    assert terms("キャンセル") == terms("cancel")
    assert terms("解約") == ["解約"]
    assert terms("取り消し") == ["取り消し"]


def test_text_longer_than_sudachi_takes_is_analysed_in_pieces():
    text = "請求書の金額が違う。" * 6000  # 60,000 characters, 180,000 bytes
    assert terms(text).count("請求書") == 6000


def test_threads_each_analyse_with_their_own_tokenizer():
    results, errors = [], []

    def work():
        try:
            for _ in range(50):
                results.append(analysis.index_terms("申込フォームでエラーが出る"))
        except Exception as error:  # noqa: BLE001 - any error fails the test below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert set(results) == {"申し込み フォーム error 出る"}


def test_a_search_of_only_particles_has_nothing_to_search_by():
    assert analysis.query_groups("のは、が。") == []
    assert analysis.query_groups("the and of") == []
