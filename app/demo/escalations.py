"""Demo escalations: nine believable cases in every state, three of them executive, raised and
worked through the escalation services (clocks, handoffs, timeline, audit rows, notices) at
times in the past; after the resolution, a check-in pending (one overdue), one that held, and
one closed with its completed post-mortem and action items. The first executive one has a full
case file (health red and worsening, exit criteria, decisions, a roster, an ask of its sponsor);
another has a customer update whose indirect threat waits for its owner to confirm it."""

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from app.accounts.models import Account
from app.auth.models import User
from app.escalations import aftercare, casefile, health, services, threat_suggestions
from app.escalations.models import (
    Answer,
    CalendarDay,
    CalendarDayKind,
    Category,
    Escalation,
    EscalationReason,
    FollowUpOutcome,
    Health,
    IntakeChannel,
    Level,
    Requester,
    ResolutionKind,
    RootCause,
    Status,
    Trend,
    WorkCalendar,
)
from app.escalations.models import Severity as S
from app.extensions import db

# (account domain, title, description, channel, category, severity, threats, hours ago, steps)
DEMO = [
    (
        "sakura-logistics.co.jp",
        "出荷システムの障害が3日間継続",
        "3日前から出荷指示が送信できず、物流が止まっている。このまま改善しなければ解約と他社への"
        "乗り換えを検討すると先方の物流部長から連絡あり。",
        IntakeChannel.PHONE,
        Category.TECHNICAL,
        S.CRITICAL,
        ("cancellation",),
        5,
        ["update", "investigating", "handoff", "case_file"],
    ),
    (
        "minato-bank.jp",
        "請求額の誤りについて法務部から通知",
        "二重請求が3か月続いており、先方法務部が弁護士と相談のうえ法的措置も辞さないとのこと。",
        IntakeChannel.EMAIL,
        Category.BILLING,
        S.HIGH,
        ("legal",),
        26,
        ["update", "investigating"],
    ),
    (
        "northwind.example.com",
        "Data export times out for large reports",
        "Exports over 100k rows time out since the last release. Their finance close is next week.",
        IntakeChannel.CHAT,
        Category.TECHNICAL,
        S.HIGH,
        (),
        30,
        ["update", "waiting", "threat_update"],
    ),
    (
        "globex.com",
        "Unhappy with support response times",
        "The VP Operations says tickets take days to get a first answer and they will not renew "
        "unless this changes.",
        IntakeChannel.IN_PERSON,
        Category.SERVICE_QUALITY,
        S.MEDIUM,
        ("cancellation",),
        50,
        [],
    ),
    (
        "fuji-seimitsu.co.jp",
        "API の応答が遅い",
        "夕方の時間帯に API の応答が 10 秒以上かかる。",
        IntakeChannel.EMAIL,
        Category.TECHNICAL,
        S.MEDIUM,
        (),
        80,
        ["update", "investigating", "resolve"],
    ),
    (
        "initech.io",
        "SSO login fails for part of the staff",
        "About a third of their users cannot sign in through SSO since the certificate rotation.",
        IntakeChannel.EMAIL,
        Category.TECHNICAL,
        S.MEDIUM,
        (),
        200,
        ["update", "investigating", "check_in_1_day", "resolve"],
    ),
    (
        "tokai-medical.co.jp",
        "予約画面の表示崩れ",
        "タブレットで予約画面のボタンが重なり、受付業務に支障が出ている。",
        IntakeChannel.PHONE,
        Category.SERVICE_QUALITY,
        S.LOW,
        (),
        400,
        ["update", "investigating", "resolve", "held"],
    ),
    (
        "kansai-telecom.co.jp",
        "請求データの連携が止まった",
        "月次の請求データが基幹システムに連携されず、請求書の発行が2日遅れた。",
        IntakeChannel.EMAIL,
        Category.BILLING,
        S.HIGH,
        (),
        600,
        ["update", "investigating", "resolve", "held", "post_mortem", "close"],
    ),
    (
        "contoso-pharma.com",
        "Invoice in wrong currency",
        "January invoice was issued in EUR.",
        IntakeChannel.EMAIL,
        Category.BILLING,
        S.LOW,
        (),
        4,
        [],
    ),
]


def _office_calendar() -> None:
    """The office calendar as a Tokyo team keeps it: a lunch hour, Japan's public holidays and
    the year-end closure (before any clock starts on it; a second run changes nothing)."""
    office = db.session.scalar(
        sa.select(WorkCalendar).where(WorkCalendar.name.like("Office hours%"))
    )
    if office is None or office.country is not None:
        return
    office.week = [[["09:00", "12:00"], ["13:00", "18:00"]]] * 5 + [[], []]
    office.country = "JP"
    year = datetime.now(UTC).year
    for first in (date(year - 1, 12, 29), date(year, 12, 29)):
        office.days.append(
            CalendarDay(
                kind=CalendarDayKind.CLOSURE,
                starts_on=first,
                ends_on=first + timedelta(days=5),
                name="年末年始",
            )
        )
    db.session.flush()


def seed(users: dict[str, User]) -> int:
    """Create the demo escalations that are not there yet (matched by title)."""
    _office_calendar()
    have = set(db.session.scalars(sa.select(Escalation.title)))
    created = 0
    for domain, title, text, channel, category, severity, threats, hours, steps in DEMO:
        account = db.session.scalar(sa.select(Account).where(Account.domain == domain))
        if account is None or title in have:
            continue
        actor = (
            users["csm@demo.test"]
            if account.csm_owner_id == users["csm@demo.test"].id
            else users["csm2@demo.test"]
        )
        start = datetime.now(UTC) - timedelta(hours=hours)
        escalation = services.raise_escalation(
            actor,
            account,
            {
                "title": title,
                "description": text,
                "channel": channel,
                "category": category,
                "severity": severity,
                "threat_cancellation": "cancellation" in threats,
                "threat_legal": "legal" in threats,
                "owner_id": actor.id,
                "reason": EscalationReason.RELATIONSHIP_RISK
                if threats
                else EscalationReason.BUSINESS_IMPACT,
                "requested_by": Requester.CUSTOMER,
            },
            tags=[category.value],
            now=start,
        )
        at = start + timedelta(minutes=40)
        for step in steps:
            if step == "update":
                services.add_customer_update(
                    actor,
                    escalation,
                    channel=channel,
                    template_key="acknowledged",
                    now=at,
                    summary="ご連絡ありがとうございます。担当者が確認を開始しました。"
                    if account.currency == "JPY"
                    else "Thank you, we are looking into it.",
                )
            elif step == "investigating":
                services.change_status(actor, escalation, Status.INVESTIGATING, "", at)
            elif step == "waiting":
                services.change_status(actor, escalation, Status.INVESTIGATING, "", at)
                services.change_status(
                    actor,
                    escalation,
                    Status.WAITING_ON_CUSTOMER,
                    "Waiting for their export job ids",
                    at,
                )
            elif step == "handoff":
                services.raise_level(
                    users["manager@demo.test"],
                    escalation,
                    Level.EXECUTIVE,
                    {
                        "what_happened": "3日間出荷停止。先方物流部長より解約の示唆。",
                        "what_was_tried": "キュー再起動、フェイルオーバー",
                        "why_unresolved": "根本原因がデータセンター側にあり、ベンダー対応待ち",
                        "what_is_needed": "ベンダーへのエスカレーション権限と補償の判断",
                    },
                    users["manager@demo.test"],
                    at,
                )
            elif step == "resolve":
                services.resolve(
                    actor,
                    escalation,
                    kind=ResolutionKind.FIX,
                    summary="キャッシュ設定を修正しました。",
                    concession_minor=None,
                    now=at,
                )
            elif step == "case_file":
                _case_file(escalation, actor, users, at)
            elif step == "threat_update":
                update = services.add_customer_update(
                    actor,
                    escalation,
                    channel=IntakeChannel.EMAIL,
                    template_key=None,
                    now=at,
                    summary="Their CFO wrote: we have begun a trial with another provider and "
                    "will decide at the end of the quarter.",
                )
                threat_suggestions.scan_update(actor, escalation, update, at)
            else:
                at = _aftercare_step(step, escalation, actor, users, at)
            at += timedelta(minutes=30)
        created += 1
    return created


def _case_file(escalation: Escalation, actor, users, at: datetime) -> None:
    """The executive escalation's case file: red and worsening, what the customer needs to see
    to call it over (one met), two decisions, the people on it, and the sponsor's task."""
    manager = users["manager@demo.test"]
    health.set_health(
        actor,
        escalation,
        health=Health.RED,
        trend=Trend.WORSENING,
        note="出荷停止が3日目。先方物流部長が役員会に報告予定。",
        now=at,
    )
    for number, text in enumerate(
        ("出荷指示が全拠点で24時間エラーなく送信できること", "再発防止策を書面で説明すること")
    ):
        criterion = casefile.add_exit_criterion(actor, escalation, text, at)
        if number == 0:
            casefile.set_criterion_met(actor, escalation, criterion, True, at)
    for decision, who, why in (
        ("手動出荷指示の代行を当社で行う", "Maria Gomez", "物流を止めないための暫定措置"),
        ("今月分の利用料を減額する", "先方物流部長と合意", "3日間の停止に対する補償"),
    ):
        casefile.log_decision(
            manager,
            escalation,
            decision=decision,
            decided_by=who,
            decided_at=at,
            rationale=why,
            now=at,
        )
    casefile.add_to_roster(manager, escalation, manager, "Owner", at)
    casefile.add_to_roster(manager, escalation, actor, "Account team", at)
    casefile.set_sponsor_ask(
        manager,
        escalation,
        "先方の物流担当役員に直接電話し、復旧見込みと補償方針を説明してください。",
        at,
    )


def _aftercare_step(step: str, escalation: Escalation, actor, users, at: datetime) -> datetime:
    """After the resolution: a short check-in (overdue by now), the check-in held (on its due
    day), a completed post-mortem with action items (one done, one overdue, one ahead), the
    close. Returns the time the step happened."""
    if step == "check_in_1_day":
        aftercare.set_follow_up_days(actor, escalation, 1, at)
    elif step == "held":
        at = escalation.resolved_at + timedelta(days=escalation.follow_up_days)
        aftercare.record_follow_up(
            actor,
            escalation,
            outcome=FollowUpOutcome.HELD,
            note="先方確認済み。翌月分も正常に連携されています。",
            now=at,
        )
    elif step == "post_mortem":
        manager = users["manager@demo.test"]
        post_mortem = aftercare.save_post_mortem(
            manager,
            escalation,
            {
                "root_cause_category": RootCause.THIRD_PARTY,
                "root_cause": "連携先の API 仕様変更が事前に通知されず、夜間バッチが失敗し続けた。",
                "went_well": "L2 が半日で原因を特定し、手動連携で当日中に請求書を発行した。",
                "to_improve": "連携失敗を監視で検知できず、顧客からの連絡で初めて気付いた。",
                "preventable": Answer.YES,
                "lower_level": Answer.NO,
            },
            complete=True,
            now=at,
        )
        today = at.date()
        for text, owner, days, done in (
            ("夜間連携バッチの失敗をアラート通知する", actor, 7, True),
            ("連携先と API 変更の事前通知ルールを合意する", manager, 14, False),
            ("請求連携の手動リカバリ手順を文書化する", actor, 60, False),
        ):
            due = today + timedelta(days=days)
            action = aftercare.add_action(
                manager, post_mortem, text=text, owner=owner, due_on=due, now=at
            )
            if done:
                aftercare.set_action_done(owner, action, True, at + timedelta(days=5))
    elif step == "close":
        aftercare.close(actor, escalation, at)
    return at
