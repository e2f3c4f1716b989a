"""Demo knowledge notes, in Japanese and English, one of them written from the demo's closed
escalation's post-mortem, so the search and the suggestions have something to find."""

import sqlalchemy as sa

from app.auth.models import User
from app.escalations.models import PostMortem
from app.extensions import db
from app.knowledge import services
from app.knowledge.models import KnowledgeNote

NOTES = [
    (
        "請求書が二重に届く",
        "月末の請求書が同じ内容で2通届くとのお問い合わせ。経理担当の方が解約も検討中。",
        "請求システムの再送処理が二重に動いていた。重複分を取り消し、訂正の請求書を再発行した。",
        ["請求", "billing"],
    ),
    (
        "申し込み後にログインできない",
        "新規の申し込み完了後、管理画面にログインできない。パスワード再設定のメールも届かない。",
        "招待メールが迷惑メールに振り分けられていた。送信ドメインの設定を案内し、招待を再送した。",
        ["ログイン"],
    ),
    (
        "Order sync stopped after the release",
        "Orders placed after 18:00 did not reach the warehouse system; the customer threatened "
        "to cancel the contract.",
        "A cache setting dropped the sync job after the release. Corrected it and replayed the "
        "missed orders; added a release check.",
        ["outage", "sync"],
    ),
]


def seed(users: dict[str, User]) -> int:
    """Add the notes that are missing (by title); how many were added."""
    author = users["manager@demo.test"]
    have = set(db.session.scalars(sa.select(KnowledgeNote.title)))
    post_mortem = db.session.scalars(
        sa.select(PostMortem).where(PostMortem.completed_at.is_not(None)).order_by(PostMortem.id)
    ).first()
    added = 0
    for title, symptoms, resolution, tags in NOTES:
        if title in have:
            continue
        from_post_mortem = post_mortem if title.startswith("Order sync") else None
        values = {"title": title, "symptoms": symptoms, "resolution": resolution}
        services.create_note(author, values, tags, post_mortem=from_post_mortem)
        added += 1
    return added
