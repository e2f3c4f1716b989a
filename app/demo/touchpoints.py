"""Demo touchpoints: Kenji Watanabe sponsors four accounts, each with a past touchpoint and
its next steps, a planned one, and the cadence's generated calls and reviews; made through
the services, so the executive review, the calendar and the briefs have something to show."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app.accounts.models import Account, ContactRole
from app.auth.models import User
from app.extensions import db
from app.sponsorship import services as sponsorship_services
from app.sponsorship.models import Sponsorship, SponsorshipStatus
from app.touchpoints import cadence, services
from app.touchpoints.models import Touchpoint, TouchpointKind

TOKYO = ZoneInfo("Asia/Tokyo")
# Accounts Kenji sponsors besides Sakura Logistics (whose escalation nominated it).
MORE_SPONSORED = ("fuji-seimitsu.co.jp", "tokai-medical.co.jp", "kansai-telecom.co.jp")
PAST = {
    "sakura-logistics.co.jp": (
        "出荷障害の経緯説明と再発防止策の合意",
        "先方役員は再発防止策を評価。ただし3か月の出荷遅延ゼロが更新の条件と明言。",
        ("週次の出荷品質レポートを先方へ送付", "役員向けに改善計画の進捗を共有"),
    ),
}


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), TOKYO).astimezone(UTC)


def seed(users: dict[str, User]) -> None:
    """Add what is missing (running it twice changes nothing)."""
    exec1, csm, admin = users["exec@demo.test"], users["csm@demo.test"], users["admin@demo.test"]
    for user in users.values():
        if user.locale == "ja" and user.timezone is None:
            user.timezone = "Asia/Tokyo"
    today, now = date.today(), datetime.now(UTC)
    for domain in MORE_SPONSORED:
        account = db.session.scalar(sa.select(Account).where(Account.domain == domain))
        if account is None or sponsorship_services.open_sponsorship(account.id) is not None:
            continue
        nominated = sponsorship_services.nominate(
            account.csm_owner or csm, account, "更新交渉に役員の関与が必要。", now=now
        )
        sponsorship_services.approve(
            admin, nominated, exec1, start_on=today - timedelta(days=75), now=now
        )
    for account, sponsorship in _sponsored_accounts(exec1):
        if db.session.scalar(
            sa.select(Touchpoint.id).where(
                Touchpoint.account_id == account.id, Touchpoint.cadence_key.is_(None)
            )
        ):
            continue
        owner = account.csm_owner or csm
        leaders = [c for c in account.contacts if c.role is ContactRole.EXECUTIVE]
        agenda, outcome, steps = PAST.get(
            account.domain,
            (
                "年間の利用状況と次年度の計画",
                "利用拡大に前向き。請求の分かりにくさに不満あり。",
                ("請求明細の改善案を提示", "次回EBRの日程調整"),
            ),
        )
        attendees = [exec1] + ([owner] if services.can_attend(owner, account) else [])
        past = services.schedule(
            owner,
            account,
            kind=TouchpointKind.EXECUTIVE_CALL,
            starts_at=_at(today - timedelta(days=20), 15),
            timezone="Asia/Tokyo",
            agenda=agenda,
            executives=attendees,
            contacts=leaders[:1],
            sponsorship=sponsorship,
        )
        services.complete(
            exec1,
            past,
            outcome,
            [
                services.NextStep(text, owner, today + timedelta(days=due))
                for text, due in zip(steps, (-2, 10), strict=True)
            ],
        )
        services.schedule(
            owner,
            account,
            kind=TouchpointKind.BUSINESS_REVIEW,
            starts_at=_at(today + timedelta(days=5), 14),
            timezone="Asia/Tokyo",
            duration_minutes=90,
            agenda="四半期レビュー:成果指標、更新に向けた課題、次四半期の計画",
            executives=attendees,
            contacts=account.contacts[:2],
            sponsorship=sponsorship,
        )
    # The calls and reviews the program's cadence plans over the next 90 days.
    cadence.generate(today)
    db.session.flush()


def _sponsored_accounts(executive: User):
    return db.session.execute(
        sa.select(Account, Sponsorship)
        .join(Sponsorship, Sponsorship.account_id == Account.id)
        .where(
            Sponsorship.sponsor_id == executive.id,
            Sponsorship.status == SponsorshipStatus.ACTIVE,
        )
        .order_by(Account.name)
    ).all()
