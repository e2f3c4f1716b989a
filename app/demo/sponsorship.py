"""Demo sponsorship data: trained executives, and an active sponsorship with a success plan
on the account whose executive escalation nominated it; made through the sponsorship
services."""

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from app.accounts.models import Account
from app.auth.models import User
from app.extensions import db
from app.sponsorship import services
from app.sponsorship.models import SponsorshipStatus, TrainingRecord


def seed(users: dict[str, User]) -> None:
    """Add what is missing (running it twice changes nothing)."""
    settings = services.program()
    admin, exec1, exec2 = (
        users["admin@demo.test"],
        users["exec@demo.test"],
        users["exec2@demo.test"],
    )
    done = set(db.session.execute(sa.select(TrainingRecord.user_id, TrainingRecord.module)))
    for user, modules in (
        (exec1, settings.required_modules),
        (exec2, settings.required_modules[:1]),
    ):
        for module in modules:
            if (user.id, module) not in done:
                services.record_training(
                    admin, user, module, completed_on=date.today() - timedelta(days=60)
                )
    account = db.session.scalar(
        sa.select(Account).where(Account.domain == "sakura-logistics.co.jp")
    )
    if account is None:
        return
    sponsorship = services.open_sponsorship(account.id)
    now = datetime.now(UTC)
    if sponsorship is None:
        sponsorship = services.nominate(
            users["csm@demo.test"], account, "出荷障害が続き、解約の示唆あり。", now=now
        )
    if sponsorship.status == SponsorshipStatus.NOMINATED:
        services.approve(
            exec1, sponsorship, exec1, start_on=date.today() - timedelta(days=3), now=now
        )
        services.tick(exec1, sponsorship.tasks[0], True, now)
        for text, metric, target in (
            ("出荷遅延ゼロを3か月継続", "遅延件数", "0件/月"),
            ("契約更新", "更新", "3年契約"),
        ):
            services.add_objective(
                users["csm@demo.test"],
                sponsorship,
                {
                    "text": text,
                    "metric": metric,
                    "target": target,
                    "due_on": date.today() + timedelta(days=90),
                },
            )
    db.session.flush()
