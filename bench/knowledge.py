"""Knowledge search over the bench book (`make bench`, bench/run.py): 10,000 knowledge notes,
Japanese and English, written as people write them (a symptom, a cause, what solved it, tags)
and indexed through the app's analyser (app/knowledge/analysis.py), so the database holds the
same terms and full-text index (PostgreSQL tsvector + GIN, SQLite FTS5) as in production.

- measure(kind, env, BenchError): in a child process with the app's environment, seeds the
  notes when fewer than NOTES are there (bulk inserts of the analysed rows, a committed batch
  at a time; the index follows through the generated column or the FTS5 triggers), then times
  the search itself in process for each query of QUERIES (median and p95 of REPEAT runs, SQL
  only: the page of ids and its rows) and counts its matches.
- pages(facts): the pages run.py loads with wrk beside the others (2 threads, 8 connections),
  so their p95 and their ratio to the /healthz baseline are reported with the same targets
  (kind "knowledge"): the search page for a two-character Japanese word, an English word, a
  two-word search, the list without a search, and the suggestions for a whole description.
- report_lines(facts): the seeding and in-process rows of the bench report.

Alone, on a database already migrated (it seeds if needed):

    .venv/bin/python bench/knowledge.py sqlite:///.bench/bench-2000.sqlite
"""

import json
import os
import sys
from urllib.parse import urlencode

from child import run_json  # bench/child.py, beside this script

TIMEOUT = 1200
NOTES = 10_000
REPEAT = 20
QUERIES = ("請求", "解約", "障害", "申し込み", "キャンセル", "invoice", "password reset")
SUGGEST_TEXT = (
    "先月から請求書が二重に届いているとのご連絡。経理担当の方がかなりお怒りで、"
    "解約も検討しているとのこと。至急、請求内容の確認をお願いします。"
)

# Run as `python -c SCRIPT notes repeat queries_json`; prints one line "KNOWLEDGE_JSON {...}".
SCRIPT = """
import json, random, sys, time

from wsgi import app  # first: the app imports every model

import sqlalchemy as sa

from app.auth.models import User
from app.extensions import db
from app.knowledge import analysis, services
from app.knowledge.models import KnowledgeNote, KnowledgeTag
from app.models import utcnow

wanted, repeat, queries = int(sys.argv[1]), int(sys.argv[2]), json.loads(sys.argv[3])
BATCH = 1000

JA_AREAS = [
    ("請求", ["請求書", "請求額", "請求先"], "請求"),
    ("解約", ["解約手続き", "解約申請", "解約予定"], "解約"),
    ("障害", ["システム障害", "通信障害", "障害対応"], "障害"),
    ("申込", ["申込フォーム", "申し込み", "申込書"], "申込"),
    ("キャンセル", ["注文のキャンセル", "予約のキャンセル", "キャンセル料"], "キャンセル"),
    ("ログイン", ["ログイン画面", "シングルサインオン", "二段階認証"], "ログイン"),
    ("エクスポート", ["CSVエクスポート", "帳票出力", "データ出力"], "エクスポート"),
    ("支払い", ["カード決済", "口座振替", "お支払い"], "支払い"),
    ("権限", ["権限設定", "ロール変更", "管理者権限"], "権限"),
    ("移行", ["データ移行", "文字化け", "取り込み"], "移行"),
]
JA_SYMPTOMS = [
    "{thing}でエラーが出ると{who}から連絡があった。",
    "{thing}が反映されないとの問い合わせ。{who}は至急の対応を求めている。",
    "昨日から{thing}ができない状態が続いている。",
    "{thing}について、案内と実際の動きが違うとの指摘。",
    "{who}から{thing}の件でお叱りを受けた。業務への影響が大きい。",
]
JA_RESOLUTIONS = [
    "設定の誤りが原因。正しい手順を案内し、再発防止のため手順書を更新した。",
    "バッチ処理の不具合を修正し、影響を受けた顧客に個別に連絡した。",
    "仕様どおりの動きだったため、画面の説明文を改善した。",
    "一時的な回避策を案内し、恒久対応は次回のリリースで行った。",
]
JA_WHO = ["経理担当者", "情報システム部", "担当役員", "現場の責任者", "営業担当"]
EN_AREAS = [
    ("billing", ["invoice", "billing address", "duplicate charge"], "billing"),
    ("cancel", ["order cancellation", "cancelled booking", "subscription cancel"], "cancel"),
    ("outage", ["dashboard outage", "API outage", "sync outage"], "outage"),
    ("signup", ["sign-up form", "application form", "trial signup"], "signup"),
    ("login", ["login page", "password reset", "single sign-on"], "login"),
    ("export", ["CSV export", "report export", "bulk export"], "export"),
    ("payment", ["card payment", "bank transfer", "refund"], "payment"),
    ("permissions", ["role change", "admin rights", "report permissions"], "permissions"),
    ("import", ["data import", "Japanese characters", "encoding"], "import"),
    ("performance", ["slow search", "slow list", "timeouts"], "performance"),
]
EN_SYMPTOMS = [
    "The {who} reported an error with the {thing} since this morning.",
    "The {thing} does not show the latest changes, says the {who}.",
    "The {who} cannot complete the {thing} and is blocked.",
    "The {thing} behaves differently from what the guide says.",
]
EN_RESOLUTIONS = [
    "A configuration mistake. Walked the customer through the right steps and updated the guide.",
    "Fixed a bug in the nightly job and told every customer affected.",
    "Works as designed; the screen now explains it better.",
    "Gave a workaround; the fix shipped in the next release.",
]
EN_WHO = ["finance lead", "IT admin", "executive sponsor", "operations manager"]


def note_row(rng, n, author_id, now):
    japanese = n % 5 < 3  # three in five notes are in Japanese
    areas, symptoms, resolutions, who = (
        (JA_AREAS, JA_SYMPTOMS, JA_RESOLUTIONS, JA_WHO)
        if japanese
        else (EN_AREAS, EN_SYMPTOMS, EN_RESOLUTIONS, EN_WHO)
    )
    area, things, tag = rng.choice(areas)
    thing = rng.choice(things)
    symptom = rng.choice(symptoms).format(thing=thing, who=rng.choice(who))
    title = (f"{thing}の問題 #{n}" if japanese else f"Problem with the {thing} #{n}")[:200]
    resolution = rng.choice(resolutions)
    tags = [tag] + ([rng.choice(areas)[2]] if rng.random() < 0.3 else [])
    return {
        "title": title,
        "symptoms": symptom,
        "resolution": resolution,
        "language": "ja" if japanese else "en",
        "author_id": author_id,
        "title_terms": analysis.index_terms("\\n".join([title, *tags])),
        "body_terms": analysis.index_terms(f"{symptom}\\n{resolution}"),
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }, sorted(set(tags))


def count():
    return db.session.scalar(sa.select(sa.func.count(KnowledgeNote.id)))


with app.test_request_context():
    out = {"dialect": db.engine.dialect.name, "before": count()}
    began = time.perf_counter()
    have = out["before"]
    if have < wanted:
        author = db.session.scalar(sa.select(User).where(User.email == "csm@demo.test"))
        author = author or db.session.scalar(sa.select(User).order_by(User.id))
        rng, now = random.Random(11 + have), utcnow()
        for start in range(have, wanted, BATCH):
            made = [note_row(rng, n, author.id if author else None, now)
                    for n in range(start, min(start + BATCH, wanted))]
            for row, tags in made:
                note_id = db.session.execute(
                    sa.insert(KnowledgeNote.__table__).values(**row).returning(
                        KnowledgeNote.__table__.c.id
                    )
                ).scalar_one()
                db.session.execute(
                    sa.insert(KnowledgeTag.__table__),
                    [{"note_id": note_id, "name": t} for t in tags],
                )
            db.session.commit()
        if db.engine.dialect.name == "postgresql":  # planner statistics, as autovacuum would
            db.session.execute(sa.text("ANALYZE knowledge_notes, knowledge_tags"))
            db.session.commit()
    out["seed_seconds"] = time.perf_counter() - began
    out["notes"] = count()
    out["languages"] = dict(
        db.session.execute(
            sa.select(KnowledgeNote.language, sa.func.count()).group_by(KnowledgeNote.language)
        ).all()
    )
    timings = {}
    for query in queries:
        runs = []
        for _ in range(repeat):
            started = time.perf_counter()
            page, matched = services.note_list(query, 1)
            runs.append(time.perf_counter() - started)
            db.session.rollback()
        runs.sort()
        timings[query] = {
            "matches": page.total,
            "matched": matched,
            "median_ms": runs[len(runs) // 2] * 1000,
            "p95_ms": runs[min(len(runs) - 1, int(len(runs) * 0.95))] * 1000,
        }
    out["queries"] = timings
print("KNOWLEDGE_JSON " + json.dumps(out, ensure_ascii=False))
"""


def measure(kind: str, env: dict, error: type[Exception] = RuntimeError) -> dict:
    """Seed the notes if needed and time the search in process; raises `error` (run.py's
    BenchError) when that fails."""
    env = {**env, "SQL_QUERY_HEADER": "0"}
    arguments = [str(NOTES), str(REPEAT), json.dumps(QUERIES, ensure_ascii=False)]
    facts = run_json(
        SCRIPT,
        arguments,
        env=env,
        kind=kind,
        name="knowledge",
        marker="KNOWLEDGE_JSON",
        timeout=TIMEOUT,
        error=error,
        too_long="seeding and searching the knowledge notes took too long",
        failed="the knowledge bench failed",
    )
    if facts["notes"] < NOTES:
        raise error(f"[{kind}] only {facts['notes']} knowledge notes after seeding")
    return facts


def pages(facts: dict) -> list[dict]:
    """The knowledge pages for run.py to load with wrk (kind "knowledge")."""
    searches = [("kn 請求", "請求"), ("kn invoice", "invoice"), ("kn 2 words", "請求 解約")]
    planned = [
        {"page": name, "path": "/knowledge/?" + urlencode({"q": q}), "login": True}
        for name, q in searches
    ]
    planned.append({"page": "kn list", "path": "/knowledge/", "login": True})
    planned.append(
        {
            "page": "kn suggest",
            "path": "/knowledge/suggest?" + urlencode({"q": SUGGEST_TEXT}),
            "login": True,
        }
    )
    return [dict(page, kind="knowledge") for page in planned]


def report_lines(facts: dict) -> list[str]:
    """The knowledge bench's rows of the report (the pages are in run.py's page table)."""
    languages = ", ".join(f"{n:,} {lang}" for lang, n in sorted(facts["languages"].items()))
    seeded = facts["notes"] - facts["before"]
    lines = [
        f"Knowledge search over {facts['notes']:,} notes ({languages}; "
        f"{seeded:,} seeded in {facts['seed_seconds']:.0f} s); in process, page 1 of the "
        f"search (ids and rows), {REPEAT} runs each:",
        f"  {'query':<20} {'matches':>8} {'how':>6} {'median ms':>10} {'p95 ms':>8}",
    ]
    for query, timing in facts["queries"].items():
        lines.append(
            f"  {query:<20} {timing['matches']:>8,} {timing['matched']:>6} "
            f"{timing['median_ms']:>10.1f} {timing['p95_ms']:>8.1f}"
        )
    return lines


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    env = {
        **os.environ,
        "DATABASE_URL": argv[1],
        "APP_ENV": "production",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench"),
    }
    facts = measure("alone", env)
    print("\n".join(report_lines(facts)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
