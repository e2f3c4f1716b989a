"""Demo export schedules, made through the services: Aiko Admin's weekly escalation register
(CSV for Japanese Excel, to the export folder and to Maria Gomez) and Kenji Watanabe's
monthly portfolio brief (PDF, e-mailed to himself)."""

from datetime import time

import sqlalchemy as sa

from app.auth.models import User
from app.exports import services
from app.exports.models import CsvEncoding, ExportFormat, ExportKind, ExportSchedule, Frequency
from app.extensions import db


def seed(users: dict[str, User]) -> int:
    """Add the schedules that are missing (by owner and name); how many were added."""
    admin, executive = users["admin@demo.test"], users["exec@demo.test"]
    manager = users["manager@demo.test"]
    wanted = [
        (
            admin,
            dict(
                name="Weekly escalation register",
                kind=ExportKind.ESCALATIONS,
                file_format=ExportFormat.CSV,
                encoding=CsvEncoding.CP932,
                filters={"view": "open"},
                frequency=Frequency.WEEKLY,
                weekday=0,
                run_time=time(8, 0),
                timezone="Asia/Tokyo",
                recipients=[manager],
            ),
        ),
        (
            executive,
            dict(
                name="月次ポートフォリオ・ブリーフ",
                kind=ExportKind.PORTFOLIO,
                file_format=ExportFormat.PDF,
                executive=executive,
                frequency=Frequency.MONTHLY,
                month_day=1,
                run_time=time(7, 30),
                timezone="Asia/Tokyo",
                recipients=[executive],
            ),
        ),
    ]
    added = 0
    for owner, values in wanted:
        exists = db.session.scalar(
            sa.select(ExportSchedule.id).where(
                ExportSchedule.owner_id == owner.id, ExportSchedule.name == values["name"]
            )
        )
        if exists is None:
            services.create_schedule(owner, {"keep_files": 10, "enabled": True} | values)
            added += 1
    return added
