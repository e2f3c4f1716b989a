"""A reminder due at 03:00 for someone whose working day starts at 09:00 arrives at 09:00:
a real `flask scheduler run` process queues it (the aftercare job's follow-up reminder) and
sends it through a local SMTP server only once the recipient's day has begun.

The process runs on real time, so its clock is the test's: the testing-only seam of
app/notifications/clock.py reads "now" from a file this test writes (03:00, then 08:59, then
09:00, Tokyo time), advancing with real time from each write. The test waits for what the
process did (its outbox job's runs, recorded in the job's lease row), never for a duration.
"""

import logging
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from app import create_app
from app.auth.models import User
from app.escalations.models import FollowUp, Status
from app.extensions import db
from app.notifications import clock
from app.notifications.clock import time_in_file
from app.notifications.models import OutboxEmail
from app.scheduler.models import JobLease
from config import ProductionConfig, TestingConfig
from tests.test_outbox import smtp_server
from tests.test_scheduler import stop, wait_for

ROOT = Path(__file__).resolve().parent.parent
TOKYO = ZoneInfo("Asia/Tokyo")
# 2026-06-08 is a Monday.
DUE = datetime(2026, 6, 8, 3, 0, tzinfo=TOKYO)
BEFORE_NINE = datetime(2026, 6, 8, 8, 59, tzinfo=TOKYO)
NINE = datetime(2026, 6, 8, 9, 0, tzinfo=TOKYO)
OTHER_JOBS = (
    "SCHEDULER_SLA_SWEEP_SECONDS",
    "SCHEDULER_HANDOFF_SECONDS",
    "SCHEDULER_ELIGIBILITY_SECONDS",
    "SCHEDULER_CADENCE_SECONDS",
    "SCHEDULER_REMINDER_SECONDS",
    "SCHEDULER_EXPORTS_SECONDS",
    "SCHEDULER_REPORTS_SECONDS",
)


def scheduler_app():
    """The app the scheduler process runs (FLASK_APP names this factory): the testing
    configuration on the test's database and SMTP server, its clock the test's file; the
    outbox and aftercare jobs every second, the others once at the start."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    env = os.environ
    return create_app(
        TestingConfig,
        SQLALCHEMY_DATABASE_URI=env["DATABASE_URL"],
        TESTING_CLOCK_FILE=env["TESTING_CLOCK_FILE"],
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=int(env["MAIL_PORT"]),
        MAIL_USE_TLS=False,
        SCHEDULER_OUTBOX_SECONDS=1,
        SCHEDULER_AFTERCARE_SECONDS=1,
        **dict.fromkeys(OTHER_JOBS, 3600),
    )


def start_scheduler(database_url: str, smtp_port: int, clock_file: Path, log: Path):
    env = os.environ | {
        "FLASK_APP": "tests.test_scheduler_hours:scheduler_app()",
        "DATABASE_URL": database_url,
        "TESTING_CLOCK_FILE": str(clock_file),
        "MAIL_PORT": str(smtp_port),
    }
    flask = Path(sys.executable).with_name("flask")
    with log.open("w") as out:
        return subprocess.Popen(
            [str(flask), "scheduler", "run"], cwd=ROOT, env=env, stdout=out, stderr=out
        )


def set_clock(clock_file: Path, moment: datetime) -> None:
    """Write the process's time; replaced whole, so it never reads a half-written file."""
    draft = clock_file.with_suffix(".draft")
    draft.write_text(moment.isoformat())
    os.replace(draft, clock_file)


def reminder(app) -> OutboxEmail | None:
    with app.app_context():
        email = db.session.scalars(sa.select(OutboxEmail)).first()
        if email is not None:
            db.session.expunge(email)
        return email


def outbox_ran_since(app, moment: datetime) -> bool:
    """Whether a run of the outbox job that started at `moment` or later (process time) has
    finished: the lease row keeps when the last finished run started."""
    with app.app_context():
        last = db.session.scalar(sa.select(JobLease.last_run_at).where(JobLease.name == "outbox"))
        return last is not None and last >= moment


def test_a_reminder_due_at_3_am_arrives_at_9_am(
    app, database_url, make_user, make_account, make_escalation, tmp_path
):
    sato = make_user("csm", email="sato@example.test")
    escalation_id = make_escalation(make_account(), owner_id=sato, status=Status.RESOLVED)
    with app.app_context():
        db.session.execute(
            sa.update(User)
            .where(User.id == sato)
            .values(
                timezone="Asia/Tokyo",
                work_days=[0, 1, 2, 3, 4],
                work_start="09:00",
                work_end="18:00",
            )
        )
        db.session.add(FollowUp(escalation_id=escalation_id, owner_id=sato, due_at=DUE))
        db.session.commit()
    clock_file, log = tmp_path / "clock.txt", tmp_path / "scheduler.log"
    set_clock(clock_file, DUE)

    with smtp_server() as (port, box):
        process = start_scheduler(database_url, port, clock_file, log)
        try:
            # 03:00: the aftercare job finds the check-in due and queues the reminder, for 09:00.
            assert wait_for(lambda: reminder(app) is not None), log.read_text()
            queued = reminder(app)
            assert queued.to_address == "sato@example.test"
            assert queued.next_attempt_at == NINE
            # The outbox job runs again after that, and sends nothing.
            seen_at = time_in_file(str(clock_file))
            assert wait_for(lambda: outbox_ran_since(app, seen_at)), log.read_text()
            assert box.received == []

            # 08:59: still nothing.
            set_clock(clock_file, BEFORE_NINE)
            assert wait_for(lambda: outbox_ran_since(app, BEFORE_NINE)), log.read_text()
            assert box.received == []
            waiting = reminder(app)
            assert waiting.sent_at is None and waiting.attempts == 0

            # 09:00: it arrives.
            set_clock(clock_file, NINE)
            assert wait_for(lambda: len(box.received) == 1), log.read_text()
        finally:
            code = stop(process)

    output = log.read_text()
    assert code == 0, output
    assert box.recipients == ["sato@example.test"]
    ((_rcpt, message),) = box.received
    assert message["Subject"].startswith("Follow-up check-in due")
    sent = reminder(app)
    assert sent.sent_at >= NINE, sent.sent_at


def test_the_clock_file_is_read_only_under_testing(app, tmp_path, monkeypatch):
    clock_file = tmp_path / "clock.txt"
    set_clock(clock_file, DUE)
    monkeypatch.setitem(app.config, "TESTING_CLOCK_FILE", str(clock_file))
    with app.app_context():
        assert DUE <= clock.now() < NINE
        monkeypatch.setitem(app.config, "TESTING", False)
        assert clock.now() > NINE  # the real time: the file is ignored
    assert "TESTING_CLOCK_FILE" not in vars(ProductionConfig)
